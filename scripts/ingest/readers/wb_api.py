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
    check_codes,
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


#: What each preamble line of an API CSV download holds: a description and a check of its fields.
PreambleLine = tuple[str, Callable[[list[str]], bool]]


def _is_blank(fields: list[str]) -> bool:
    return not any(x.strip() for x in fields)


SOURCE_LINE: PreambleLine = (
    f'"{API_SOURCE_LINE[0]}","{API_SOURCE_LINE[1]}"',
    lambda f: tuple(x.strip() for x in f[:2]) == API_SOURCE_LINE,
)
UPDATED_LINE: PreambleLine = (
    f'"{API_UPDATED_LABEL}","<date>"',
    lambda f: len(f) >= 2 and f[0].strip() == API_UPDATED_LABEL,
)
BLANK_LINE: PreambleLine = ("a blank line", _is_blank)

#: The four preamble lines of an API CSV download (its column header is on line 5).
API_CSV_PREAMBLE: list[PreambleLine] = [SOURCE_LINE, BLANK_LINE, UPDATED_LINE, BLANK_LINE]


def check_api_preamble(
    records: list[tuple[int, list[str]]],
    rel: str,
    preamble: list[PreambleLine] = API_CSV_PREAMBLE,
    *,
    what: str = "line",
    fix: str = f"{REDOWNLOAD}; do not open and re-save it in a spreadsheet program",
) -> None:
    """Raise :class:`InputError` unless ``records`` start with the ``preamble`` lines.

    ``records`` are ``(line or sheet row, fields as text)``; ``what`` names the unit
    ("line" for CSV, "row" for a sheet) in the messages.
    """
    header_at = len(preamble) + 1
    for i, (description, ok) in enumerate(preamble):
        if i >= len(records):
            raise InputError(
                problem="the file ends inside the World Bank preamble",
                file=rel,
                row=i + 1,
                expected=f"{what} {i + 1}: {description}",
                fix=REDOWNLOAD,
            )
        line, fields = records[i]
        if line != i + 1 or not ok(fields):
            shown = ",".join(fields)[:80]
            raise InputError(
                problem=f"unexpected preamble {what} {shown!r}: this is not an unmodified World Bank API download",
                file=rel,
                row=i + 1,
                expected=(
                    f"{what} {i + 1}: {description} (the download starts with {len(preamble)} preamble "
                    f"{what}s, then the column header on {what} {header_at})"
                ),
                fix=fix,
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
    check_api_preamble(records, rel)
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
    check_api_preamble(records, rel)
    if len(records) < API_HEADER_LINE:
        raise InputError(
            problem="the file ends before the column header",
            file=rel,
            row=API_HEADER_LINE,
            expected=f"the column header on line {API_HEADER_LINE}",
            fix=REDOWNLOAD,
        )
    header_line, header = records[API_HEADER_LINE - 1]
    year_labels, years = api_header(header, header_line, rel)
    lines, cells = data_lines(rest, data_line, header, header_line, rel, expected="one line per economy and indicator")
    return api_observations(lines, cells, year_labels, years, rel, source)


def api_header(header: list[str], header_line: int, rel: str) -> tuple[list[str], np.ndarray]:
    """Check an API layout's column header (text labels); return its year labels and years.

    Raises :class:`InputError` unless the header starts with :data:`API_ID_COLUMNS`
    followed by distinct four-digit years (trailing empty labels allowed).
    """
    require_header(header, API_ID_COLUMNS, file=rel, row=header_line)
    return _year_columns(header, len(API_ID_COLUMNS), rel, header_line)


def api_observations(
    lines: np.ndarray,
    cells: np.ndarray,
    year_labels: list[str],
    years: np.ndarray,
    rel: str,
    source: str,
    *,
    column_label: Callable[[int, str], str] | None = None,
) -> pd.DataFrame:
    """The observations of an API layout's value grid (the CSV download and the Excel "Data" sheet).

    ``year_labels`` and ``years`` come from :func:`api_header`; ``cells`` holds the data
    records (text, or numbers and '' from a sheet), one per entry of ``lines`` (physical
    line or sheet row). ``column_label(j, year_label)`` gives the provenance label of the
    0-based column ``j`` (default: the year label, as the CSV reader writes it). Raises
    :class:`InputError` for a value in an unlabelled column, empty, malformed (not three
    capital letters; not a WDI indicator code) or repeated economy and indicator codes, and
    non-numeric values.
    """
    n_years = len(year_labels)
    first = len(API_ID_COLUMNS)
    _check_unlabelled(cells[:, first + n_years :], lines, first + n_years, rel)

    names, codes, series = cells[:, 0], cells[:, 1], cells[:, 3]
    require_filled(codes, lines, rel, "Country Code")
    require_filled(series, lines, rel, "Indicator Code")
    codes = np.char.strip(codes.astype(str)).astype(object)
    series = np.char.upper(np.char.strip(series.astype(str))).astype(object)
    check_codes(codes, lines, rel, "Country Code", "alpha-3 code", fix=REDOWNLOAD)
    check_codes(series, lines, rel, "Indicator Code", "WDI indicator code", fix=REDOWNLOAD)
    check_unique_lines(lines, {"Country Code": codes, "Indicator Code": series}, rel, "data line")

    labels = np.array(
        [label if column_label is None else column_label(first + j, label) for j, label in enumerate(year_labels)],
        dtype=object,
    )
    n = len(lines)
    raw = cells[:, first : first + n_years].ravel()
    rows = np.repeat(lines, n_years)
    values = parse_cells(raw, rows, np.tile(labels, n), rel)
    return observations_frame(
        source=source,
        rel=rel,
        row=rows,
        column=tiled(labels, n),
        entity_raw=repeated(np.array([str(x) for x in names], dtype=object), n_years),
        entity_code=repeated(codes, n_years),
        year=np.tile(years, n),
        series=repeated(series, n_years),
        value=values,
    )


def _check_unlabelled(extra: np.ndarray, lines: np.ndarray, first: int, rel: str) -> None:
    """Raise :class:`InputError` at the first value in a column after the last year column."""
    if not extra.size:
        return
    filled = np.argwhere(np.char.strip(extra.astype(str)) != "")
    if len(filled):
        i, j = filled[0]
        raise InputError(
            problem=f"value {extra[i, j]!r} in a column without a header label",
            file=rel,
            row=int(lines[i]),
            column=f"(unlabelled column {first + j + 1})",
            expected="nothing after the last year column",
            fix=REDOWNLOAD,
        )


#: Columns of the Metadata_Indicator_API_*.csv file that comes with each API download.
METADATA_INDICATOR_COLUMNS: list[str] = ["INDICATOR_CODE", "INDICATOR_NAME", "SOURCE_NOTE", "SOURCE_ORGANIZATION"]


def read_wb_metadata_indicator(path: Path, rel: str) -> list[str]:
    """Read the indicator codes of a World Bank Metadata_Indicator_*.csv companion, in file order.

    The companion defines the indicator(s) of the API download beside it; ingest checks
    that the download holds exactly those series. Raises :class:`InputError` for a file
    without the columns :data:`METADATA_INDICATOR_COLUMNS` (naming the header line),
    without indicator lines, or with an empty or malformed code (naming every such line).
    """
    records, rest, data_line = head_records(read_text(Path(path), rel), 1, rel)
    header_line, header = records[0]
    require_header(header, METADATA_INDICATOR_COLUMNS, file=rel, row=header_line)
    lines, cells = data_lines(rest, data_line, header, header_line, rel, expected="one line per indicator")
    codes = np.char.strip(cells[:, 0].astype(str)).astype(object)
    require_filled(codes, lines, rel, "INDICATOR_CODE")
    check_codes(codes, lines, rel, "INDICATOR_CODE", "WDI indicator code", fix=REDOWNLOAD)
    return [str(c) for c in codes]
