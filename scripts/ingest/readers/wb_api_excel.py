"""Reader for World Bank API **Excel** downloads (API_<CODE>_DS2_en_excel_v2_<n>.xls).

The Excel download carries the API CSV's value grid on its sheet "Data" (plus the
sheets "Metadata - Countries" and "Metadata - Indicators"), with a shorter preamble:
"Data Source" on row 1, "Last Updated Date" on row 2 with the date stored as an Excel
date serial (44274 = 2021-03-19), a blank row 3, and the column header on row 4. The
header and grid checks are those of the CSV reader (:mod:`scripts.ingest.readers.wb_api`).

Returns :data:`scripts.core.tables.OBSERVATIONS` with one row per cell of the value grid
(missing cells included), ``row`` the sheet row as Excel shows it, ``column``
``'Data'!<letter>``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

from scripts.core.errors import InputError
from scripts.ingest.readers.common import cell_text, missing_file_error, open_sheet, sheet_cell_column
from scripts.ingest.readers.csvtext import REDOWNLOAD
from scripts.ingest.readers.wb_api import (
    API_UPDATED_LABEL,
    BLANK_LINE,
    SOURCE_LINE,
    UPDATED_LINE,
    api_header,
    api_observations,
    check_api_preamble,
)

#: The sheet holding the value grid.
DATA_SHEET = "Data"

#: The preamble rows of the Excel download (no blank row between source and date).
EXCEL_PREAMBLE = [SOURCE_LINE, UPDATED_LINE, BLANK_LINE]

#: Sheet row of the column header.
EXCEL_HEADER_ROW = len(EXCEL_PREAMBLE) + 1

#: Day 0 of Excel's 1900 date system for serials from 61 (1900-03-01) on: Excel counts a
#: 1900-02-29 that never was, so the epoch is 1899-12-30 rather than 1899-12-31.
_EXCEL_EPOCH = dt.date(1899, 12, 30)
#: The serials of 1900-03-01 and 9999-12-31, the range a "Last Updated Date" can hold.
_SERIALS = (61, 2958465)

_FIX = f"{REDOWNLOAD}; do not re-save it from a spreadsheet program"


def _grid(path: Path, rel: str) -> pd.DataFrame:
    """Return the "Data" sheet as objects ('' for empty cells), indexed by the 1-based sheet row."""
    if not Path(path).exists():
        raise missing_file_error(rel)
    values = open_sheet(path, rel, DATA_SHEET, fix=_FIX).values
    return values.where(values.notna(), "")


def _text_records(grid: pd.DataFrame, rows: range) -> list[tuple[int, list[str]]]:
    """``(sheet row, cells as text)`` for ``rows`` of the grid (rows past its end are left out)."""
    return [(r, [cell_text(v) for v in grid.loc[r].tolist()]) for r in rows if r in grid.index]


def last_updated_date(value: object, *, rel: str) -> str:
    """Return the "Last Updated Date" cell as an ISO date ('2021-03-19').

    The Excel download stores the date as a serial number of the 1900 date system (the
    World Bank's files use it; a 1904-system workbook would read four years early); a
    cell already holding an ISO date text is returned as written. Raises :class:`InputError` for
    anything else.
    """
    text = cell_text(value)
    if isinstance(value, (int, float)) and float(value).is_integer() and _SERIALS[0] <= value <= _SERIALS[1]:
        return (_EXCEL_EPOCH + dt.timedelta(days=int(value))).isoformat()
    try:
        return dt.date.fromisoformat(text).isoformat()
    except ValueError:
        raise InputError(
            problem=f"the {API_UPDATED_LABEL!r} cell holds {text!r}, not a date",
            file=rel,
            row=2,
            column=sheet_cell_column(DATA_SHEET, 1),
            expected="an Excel date serial (e.g. 44274) or an ISO date",
            fix=_FIX,
        ) from None


def wb_api_excel_last_updated(path: Path) -> str:
    """Return the "Last Updated Date" of a World Bank API Excel download as an ISO date."""
    rel = str(path)
    grid = _grid(path, rel)
    check_api_preamble(_text_records(grid, range(1, EXCEL_HEADER_ROW)), rel, EXCEL_PREAMBLE, what="row", fix=_FIX)
    return last_updated_date(grid.loc[2].iloc[1], rel=rel)


def read_wb_api_excel(path: Path, rel: str, source: str) -> pd.DataFrame:
    """Read the "Data" sheet of a World Bank API Excel download.

    Layout: rows 1-3 the preamble (see the module docstring), row 4 the header "Country
    Name", "Country Code", "Indicator Name", "Indicator Code" and the years, then one row
    per (economy or aggregate, indicator); trailing empty rows are ignored.

    Returns :data:`tables.OBSERVATIONS`, one row per (data row, year column), in sheet
    order; values in the indicator's own units, NaN where the cell is empty; ``series`` the
    upper-cased indicator code. Aggregates are kept. Raises :class:`InputError` naming the
    sheet row and column for a changed preamble or header, an empty or repeated code, and
    a non-numeric value.
    """
    grid = _grid(path, rel)
    check_api_preamble(_text_records(grid, range(1, EXCEL_HEADER_ROW)), rel, EXCEL_PREAMBLE, what="row", fix=_FIX)
    last_updated_date(grid.loc[2].iloc[1], rel=rel)
    if EXCEL_HEADER_ROW not in grid.index:
        raise InputError(
            problem="the sheet ends before the column header",
            file=rel,
            row=EXCEL_HEADER_ROW,
            expected=f"the column header on row {EXCEL_HEADER_ROW} of sheet {DATA_SHEET!r}",
            fix=REDOWNLOAD,
        )
    header = [cell_text(v) for v in grid.loc[EXCEL_HEADER_ROW].tolist()]
    year_labels, years = api_header(header, EXCEL_HEADER_ROW, rel)
    body = grid.loc[EXCEL_HEADER_ROW + 1 :]
    filled = body.map(lambda v: cell_text(v) != "").any(axis=1).to_numpy()
    body = body.iloc[: int(np.flatnonzero(filled)[-1]) + 1] if filled.any() else body.iloc[:0]
    if body.empty:
        raise InputError(
            problem="no data rows after the header",
            file=rel,
            row=EXCEL_HEADER_ROW + 1,
            expected="one row per economy and indicator",
            fix=REDOWNLOAD,
        )
    lines = body.index.to_numpy(dtype=np.int64)
    cells = body.to_numpy(dtype=object)
    cells[:, :4] = np.vectorize(cell_text, otypes=[object])(cells[:, :4])
    return api_observations(
        lines,
        cells,
        year_labels,
        years,
        rel,
        source,
        column_label=lambda j, _label: sheet_cell_column(DATA_SHEET, j),
    )
