"""Reader for WDI DataBank extract workbooks (P_Data_Extract_From_World_Development_Indicators*.xlsx)."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from scripts.core.errors import InputError
from scripts.ingest.readers.common import (
    cells_error,
    check_codes,
    missing_file_error,
    parse_numeric,
    require_header,
    sheet_cell_column,
)
from scripts.ingest.readers.csvtext import (
    REDOWNLOAD,
    check_unique_lines,
    observations_frame,
    repeated,
)

#: Sheets of a DataBank extract and the columns each must have.
DATABANK_DATA_SHEET = "Data"


DATABANK_META_SHEET = "Series - Metadata"


DATABANK_ID_COLUMNS: list[str] = ["Country", "Code", "Series Name"]


DATABANK_META_COLUMNS: list[str] = ["Code", "Indicator Name"]


#: First-cell prefixes of the lines DataBank appends below the data.
DATABANK_FOOTER_PREFIXES: tuple[str, ...] = ("Data from database:", "Last Updated:")


# DataBank labels year columns either as plain years or as "1972 [YR1972]".
_DATABANK_YEAR_LABEL = re.compile(r"^(\d{4})(?: \[YR\1\])?$")


def _blank(cell: Any) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def _sheet_rows(workbook: Any, sheet: str) -> list[tuple[Any, ...]]:
    """Return every row of ``sheet`` as a tuple of cell values; index i is sheet row i + 1."""
    return list(workbook[sheet].iter_rows(values_only=True))


def _databank_series_codes(rows: list[tuple[Any, ...]], rel: str) -> dict[str, str]:
    """Return {Indicator Name: Code} from the "Series - Metadata" sheet's rows."""
    sheet = DATABANK_META_SHEET
    header = [str(c).strip() if c is not None else "" for c in (rows[0] if rows else ())]
    positions = {}
    for label in DATABANK_META_COLUMNS:
        if label not in header:
            raise InputError(
                problem=f"sheet {sheet!r} has no column {label!r} (found {[h for h in header if h]})",
                file=rel,
                row=1,
                column=f"'{sheet}'",
                expected=f"the columns {DATABANK_META_COLUMNS} in row 1",
                fix=REDOWNLOAD,
            )
        positions[label] = header.index(label)
    codes: dict[str, str] = {}
    for i, row in enumerate(rows[1:], start=2):
        code = row[positions["Code"]] if len(row) > positions["Code"] else None
        name = row[positions["Indicator Name"]] if len(row) > positions["Indicator Name"] else None
        if _blank(code) and _blank(name):
            continue
        if _blank(code) or _blank(name):
            raise InputError(
                problem="a series without both a code and a name",
                file=rel,
                row=i,
                column=sheet_cell_column(sheet, positions["Code" if _blank(code) else "Indicator Name"]),
                expected="a Code and an Indicator Name on every series row",
                fix=REDOWNLOAD,
            )
        name, code = str(name).strip(), str(code).strip().upper()
        if codes.get(name, code) != code:
            raise InputError(
                problem=f"series name {name!r} is listed with two codes ({codes[name]}, {code})",
                file=rel,
                row=i,
                column=sheet_cell_column(sheet, positions["Code"]),
                expected="one code per series name",
                fix=REDOWNLOAD,
            )
        codes[name] = code
    return codes


def read_wb_databank(path: Path, rel: str, source: str) -> pd.DataFrame:
    """Read a WDI DataBank extract workbook (sheets "Data" and "Series - Metadata").

    "Data" has Country, Code, Series Name, then one column per year; blank rows and the
    footer ("Data from database: ...", "Last Updated: ...") below the data are skipped;
    '..' is missing. Series names are mapped to codes through "Series - Metadata".

    Returns :data:`tables.OBSERVATIONS`, one row per (data row, year column), in sheet
    order; ``row`` is the sheet row, ``column`` ``'Data'!<letter>``, values in each
    indicator's own units.
    """
    import openpyxl  # imported here: only this reader needs it
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = openpyxl.load_workbook(Path(path), read_only=True, data_only=True)
    except FileNotFoundError as exc:
        raise missing_file_error(rel) from exc
    except (InvalidFileException, zipfile.BadZipFile, OSError, KeyError, ValueError) as exc:
        raise InputError(
            problem=f"not a readable .xlsx workbook ({exc})",
            file=rel,
            expected="an Excel workbook as exported by DataBank",
            fix=REDOWNLOAD,
        ) from exc
    try:
        for sheet in (DATABANK_DATA_SHEET, DATABANK_META_SHEET):
            if sheet not in workbook.sheetnames:
                raise InputError(
                    problem=f"sheet {sheet!r} not found; the workbook has sheets {workbook.sheetnames}",
                    file=rel,
                    expected=f"the sheets {[DATABANK_DATA_SHEET, DATABANK_META_SHEET]}",
                    fix="export the extract from DataBank again with its metadata sheet, as an .xlsx",
                )
        rows = _sheet_rows(workbook, DATABANK_DATA_SHEET)
        meta_rows = _sheet_rows(workbook, DATABANK_META_SHEET)
    finally:
        workbook.close()

    series_codes = _databank_series_codes(meta_rows, rel)
    sheet = DATABANK_DATA_SHEET
    if not rows:
        raise InputError(
            problem=f"sheet {sheet!r} is empty",
            file=rel,
            expected="a header row and data rows",
            fix=REDOWNLOAD,
        )
    header = list(rows[0])
    require_header(["" if h is None else str(h) for h in header], DATABANK_ID_COLUMNS, file=rel, row=1)
    end = len(header)
    while end > len(DATABANK_ID_COLUMNS) and _blank(header[end - 1]):
        end -= 1
    years: list[int] = []
    for j in range(len(DATABANK_ID_COLUMNS), end):
        match = _DATABANK_YEAR_LABEL.match("" if header[j] is None else str(header[j]).strip())
        if not match:
            raise InputError(
                problem=f"unexpected header label {header[j]!r} among the year columns",
                file=rel,
                row=1,
                column=sheet_cell_column(sheet, j),
                expected="a year such as 2005 or '2005 [YR2005]'",
                fix="the extract's layout changed; export it again with years as columns",
            )
        years.append(int(match.group(1)))
    if not years or len(set(years)) != len(years):
        raise InputError(
            problem="the header has no year columns" if not years else "a year column appears twice",
            file=rel,
            row=1,
            expected="each year once, as columns after Country, Code, Series Name",
            fix="export the extract again with years as columns",
        )
    n_id, n_years = len(DATABANK_ID_COLUMNS), len(years)
    width = n_id + n_years

    data_lines: list[int] = []
    data_cells: list[tuple[Any, ...]] = []
    footer_seen = False
    for i, row in enumerate(rows[1:], start=2):
        cells = tuple(row) + (None,) * max(0, width - len(row))
        if all(_blank(c) for c in cells):
            continue
        first = cells[0]
        if (
            isinstance(first, str)
            and first.strip().startswith(DATABANK_FOOTER_PREFIXES)
            and all(_blank(c) for c in cells[1:])
        ):
            footer_seen = True
            continue
        where = next((j for j in range(n_id) if _blank(cells[j])), None)
        if footer_seen or where is not None:
            raise InputError(
                problem=(
                    "a data row below the DataBank footer"
                    if footer_seen
                    else f"a data row without {DATABANK_ID_COLUMNS[where]!r}"
                ),
                file=rel,
                row=i,
                column=sheet_cell_column(sheet, 0 if where is None else where),
                expected="data rows with Country, Code and Series Name, then blank rows and the footer",
                fix="the extract was edited after download; export it again from DataBank",
            )
        extra = next((j for j in range(width, len(cells)) if not _blank(cells[j])), None)
        if extra is not None:
            raise InputError(
                problem=f"value {cells[extra]!r} in a column without a header label",
                file=rel,
                row=i,
                column=sheet_cell_column(sheet, extra),
                expected="nothing after the last year column",
                fix="the extract was edited after download; export it again from DataBank",
            )
        data_lines.append(i)
        data_cells.append(cells[:width])
    if not data_lines:
        raise InputError(
            problem=f"sheet {sheet!r} has no data rows",
            file=rel,
            row=2,
            expected="one row per economy and series",
            fix=REDOWNLOAD,
        )

    lines = np.array(data_lines, dtype=np.int64)
    grid = np.empty((len(data_cells), width), dtype=object)
    for k, cells in enumerate(data_cells):
        grid[k] = cells
    names = np.array([str(x).strip() for x in grid[:, 2]], dtype=object)
    unknown = np.flatnonzero(~np.isin(names, list(series_codes)))
    if unknown.size:
        raise cells_error(
            problem=f"series name {names[unknown[0]]!r} is not listed in sheet {DATABANK_META_SHEET!r}",
            file=rel,
            rows=lines[unknown],
            columns=[sheet_cell_column(sheet, 2)] * unknown.size,
            values=names[unknown].tolist(),
            expected=f"one of {sorted(series_codes)}",
            fix="export the extract again so that its metadata sheet lists every series",
        )
    series = np.array([series_codes[x] for x in names.tolist()], dtype=object)
    codes = np.array([str(x).strip() for x in grid[:, 1]], dtype=object)
    check_codes(codes, lines, rel, sheet_cell_column(sheet, 1), "alpha-3 code", fix=REDOWNLOAD)
    entity_raw = np.array([str(x) for x in grid[:, 0]], dtype=object)
    check_unique_lines(lines, {"Code": codes, "Series Name": names}, rel, "data row")

    n = len(lines)
    raw = grid[:, n_id:].ravel()
    rows_rep = np.repeat(lines, n_years)
    columns = np.tile(np.array([sheet_cell_column(sheet, n_id + j) for j in range(n_years)], dtype=object), n)
    values = parse_numeric(pd.Series(raw, dtype=object), file=rel, rows=rows_rep, columns=columns).to_numpy(
        dtype="float64"
    )
    return observations_frame(
        source=source,
        rel=rel,
        row=rows_rep,
        column=columns,
        entity_raw=repeated(entity_raw, n_years),
        entity_code=repeated(codes, n_years),
        year=np.tile(np.array(years, dtype=np.int64), n),
        series=repeated(series, n_years),
        value=values,
    )
