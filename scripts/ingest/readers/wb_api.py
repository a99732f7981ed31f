"""Reader for World Bank API CSV downloads (API_<CODE>_DS2_en_csv_v2[_<n>].csv and topic downloads).

The reader returns :data:`scripts.core.tables.OBSERVATIONS`: one row per cell of the
file's value grid, missing cells included (value NaN), located by the physical line and
the column label, so the reconciliation can account for every cell (see
:mod:`scripts.ingest.readers.csvtext` for how lines are kept).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from scripts.core.errors import InputError
from scripts.ingest.readers.common import (
    layout_error,
    require_header,
)
from scripts.ingest.readers.csvtext import (
    REDOWNLOAD,
    check_unique_lines,
    csv_records,
    data_lines,
    head_records,
    observations_frame,
    parse_cells,
    read_text,
    repeated,
    require_filled,
    tiled,
)

#: The first line of every World Bank API download.
API_SOURCE_LINE: tuple[str, str] = ("Data Source", "World Development Indicators")


#: The label on the API file's third line, whose value is the database's update date.
API_UPDATED_LABEL = "Last Updated Date"


#: Line of the API file's column header (after the four-line preamble).
API_HEADER_LINE = 5


#: Columns that precede the year columns in an API file.
API_ID_COLUMNS: list[str] = ["Country Name", "Country Code", "Indicator Name", "Indicator Code"]


_YEAR_LABEL = re.compile(r"^(\d{4})$")


def _check_api_preamble(records: list[tuple[int, list[str]]], rel: str) -> None:
    """Raise :class:`InputError` unless lines 1-4 are the API download's preamble."""
    expected_lines: list[tuple[str, Callable[[list[str]], bool]]] = [
        (
            f'"{API_SOURCE_LINE[0]}","{API_SOURCE_LINE[1]}"',
            lambda f: tuple(x.strip() for x in f[:2]) == API_SOURCE_LINE,
        ),
        ("a blank line", lambda f: not any(x.strip() for x in f)),
        (f'"{API_UPDATED_LABEL}","<date>"', lambda f: len(f) >= 2 and f[0].strip() == API_UPDATED_LABEL),
        ("a blank line", lambda f: not any(x.strip() for x in f)),
    ]
    for i, (description, ok) in enumerate(expected_lines):
        if i >= len(records):
            raise InputError(
                problem="the file ends inside the World Bank preamble",
                file=rel,
                row=i + 1,
                expected=f"line {i + 1}: {description}",
                fix=REDOWNLOAD,
            )
        line, fields = records[i]
        if line != i + 1 or not ok(fields):
            shown = ",".join(fields)[:80]
            raise InputError(
                problem=f"unexpected preamble line {shown!r}: this is not an unmodified World Bank API download",
                file=rel,
                row=i + 1,
                expected=(
                    f"line {i + 1}: {description} (an API CSV starts with 4 preamble lines, "
                    f"then the column header on line {API_HEADER_LINE})"
                ),
                fix=f"{REDOWNLOAD}; do not open and re-save it in a spreadsheet program",
            )


def _year_columns(labels: list[str], first: int, rel: str, row: int) -> tuple[list[str], np.ndarray]:
    """Return the year labels and years of ``labels[first:]`` (trailing empty labels dropped).

    Raises :class:`InputError` for a label that is not a year, an empty label between
    years, a repeated year, or no year column at all.
    """
    end = len(labels)
    while end > first and labels[end - 1].strip() == "":
        end -= 1
    year_labels = labels[first:end]
    if not year_labels:
        raise InputError(
            problem="the header has no year columns",
            file=rel,
            row=row,
            expected="year columns ('1960', '1961', ...) after the identifier columns",
            fix=REDOWNLOAD,
        )
    for k, label in enumerate(year_labels, start=first + 1):
        if not _YEAR_LABEL.match(label.strip()):
            raise layout_error(
                problem=f"unexpected header label {label!r} among the year columns",
                file=rel,
                row=row,
                column=label.strip() or f"(unlabelled column {k})",
                expected="a four-digit year such as '2005'",
            )
    years = np.array([int(label) for label in year_labels], dtype=np.int64)
    repeated = pd.Series(years).duplicated()
    if repeated.any():
        year = int(years[int(np.argmax(repeated.to_numpy()))])
        raise InputError(
            problem=f"year column {year} appears twice in the header",
            file=rel,
            row=row,
            column=str(year),
            expected="each year once",
            fix=REDOWNLOAD,
        )
    return [label.strip() for label in year_labels], years


def wb_api_last_updated(path: Path) -> str:
    """Return the "Last Updated Date" of a World Bank API CSV, as written (e.g. "2025-04-15").

    Raises :class:`InputError` when the file's preamble does not carry the date.
    """
    rel = str(path)
    records = csv_records(read_text(Path(path), rel), rel)
    _check_api_preamble(records, rel)
    return records[2][1][1].strip()


def read_wb_api(path: Path, rel: str, source: str) -> pd.DataFrame:
    """Read a World Bank API CSV download (one indicator, or a topic download of many).

    Layout: UTF-8 (BOM optional), 4 preamble lines, the header "Country Name",
    "Country Code", "Indicator Name", "Indicator Code", year columns (and the empty label
    of the trailing comma), then one line per (economy or aggregate, indicator).

    Returns :data:`tables.OBSERVATIONS`, one row per (data line, year column), in file
    order; values in the indicator's own units, NaN where the cell is empty. ``row`` is
    the physical line, ``column`` the year label, ``series`` the upper-cased indicator code.
    Aggregates (WLD, HIC, ...) are kept.
    """
    records, rest, data_line = head_records(read_text(Path(path), rel), API_HEADER_LINE, rel)
    _check_api_preamble(records, rel)
    if len(records) < API_HEADER_LINE:
        raise InputError(
            problem="the file ends before the column header",
            file=rel,
            row=API_HEADER_LINE,
            expected=f"the column header on line {API_HEADER_LINE}",
            fix=REDOWNLOAD,
        )
    header_line, header = records[API_HEADER_LINE - 1]
    require_header(header, API_ID_COLUMNS, file=rel, row=header_line)
    year_labels, years = _year_columns(header, len(API_ID_COLUMNS), rel, header_line)
    n_years = len(year_labels)

    lines, cells = data_lines(rest, data_line, header, header_line, rel, expected="one line per economy and indicator")

    extra = cells[:, len(API_ID_COLUMNS) + n_years :]
    if extra.size:
        filled = np.argwhere(np.char.strip(extra.astype(str)) != "")
        if len(filled):
            i, j = filled[0]
            raise InputError(
                problem=f"value {extra[i, j]!r} in a column without a header label",
                file=rel,
                row=int(lines[i]),
                column=f"(unlabelled column {len(API_ID_COLUMNS) + n_years + j + 1})",
                expected="nothing after the last year column",
                fix=REDOWNLOAD,
            )

    names, codes, series = cells[:, 0], cells[:, 1], cells[:, 3]
    require_filled(codes, lines, rel, "Country Code")
    require_filled(series, lines, rel, "Indicator Code")
    codes = np.char.strip(codes.astype(str)).astype(object)
    series = np.char.upper(np.char.strip(series.astype(str))).astype(object)
    check_unique_lines(lines, {"Country Code": codes, "Indicator Code": series}, rel, "data line")

    n = len(lines)
    raw = cells[:, len(API_ID_COLUMNS) : len(API_ID_COLUMNS) + n_years].ravel()
    rows = np.repeat(lines, n_years)
    columns = np.tile(np.array(year_labels, dtype=object), n)
    values = parse_cells(raw, rows, columns, rel)
    return observations_frame(
        source=source,
        rel=rel,
        row=rows,
        column=tiled(np.array(year_labels, dtype=object), n),
        entity_raw=repeated(names, n_years),
        entity_code=repeated(codes, n_years),
        year=np.tile(years, n),
        series=repeated(series, n_years),
        value=values,
    )
