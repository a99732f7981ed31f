"""Readers for the World Bank's file formats: API CSV, Metadata_Country, datahub long CSV, DataBank xlsx.

Each data reader returns :data:`scripts.contract.OBSERVATIONS`: one row per cell of the
file's value grid, missing cells included (value NaN), located by the physical line (CSV)
or sheet row (workbook) and the column label, so the reconciliation can account for every
cell. The layout of each file is checked before anything is read from it: a publisher's
format change or a damaged download raises :class:`~scripts.errors.InputError` naming the
file, the line and what was expected, rather than producing a silently shifted table.

Every cell keeps the physical line its record starts on. The preamble and header are
parsed with the :mod:`csv` module, which reports lines. The data lines are parsed by
Arrow's C parser when that provably gives the csv module's records one physical line
each (no line break inside a quoted field, no blank line, a field count equal to the
header's on every line, quoting the two parsers read alike; see :func:`_arrow_cells`),
so a record's line is its position; otherwise (the Metadata_Country files hold multi-line
quoted notes, and every damaged file) by the csv module, whose errors name the line. The
value grid is then reshaped with numpy (no per-cell Python loop).
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from scripts import contract
from scripts.errors import InputError
from scripts.readers.common import parse_numeric, require_header, sheet_cell_column

#: The first line of every World Bank API download.
API_SOURCE_LINE: tuple[str, str] = ("Data Source", "World Development Indicators")
#: The label on the API file's third line, whose value is the database's update date.
API_UPDATED_LABEL = "Last Updated Date"
#: Line of the API file's column header (after the four-line preamble).
API_HEADER_LINE = 5
#: Columns that precede the year columns in an API file.
API_ID_COLUMNS: list[str] = ["Country Name", "Country Code", "Indicator Name", "Indicator Code"]

#: Columns of the Metadata_Country_*.csv files that come with each API download.
METADATA_COUNTRY_COLUMNS: list[str] = ["Country Code", "Region", "IncomeGroup", "SpecialNotes", "TableName"]

#: The World Bank's income-group labels and the short codes of ``contract.CLASSIFICATION``.
INCOME_GROUP_CODES: dict[str, str] = {
    "Low income": "L",
    "Lower middle income": "LM",
    "Upper middle income": "UM",
    "High income": "H",
    "": "",
}

#: Columns of a datahub.io long CSV (and of the fields its datapackage declares).
DATAHUB_COLUMNS: list[str] = ["Country Name", "Country Code", "Year", "Value"]

#: Sheets of a DataBank extract and the columns each must have.
DATABANK_DATA_SHEET = "Data"
DATABANK_META_SHEET = "Series - Metadata"
DATABANK_ID_COLUMNS: list[str] = ["Country", "Code", "Series Name"]
DATABANK_META_COLUMNS: list[str] = ["Code", "Indicator Name"]
#: First-cell prefixes of the lines DataBank appends below the data.
DATABANK_FOOTER_PREFIXES: tuple[str, ...] = ("Data from database:", "Last Updated:")

_YEAR_LABEL = re.compile(r"^(\d{4})$")
# DataBank labels year columns either as plain years or as "1972 [YR1972]".
_DATABANK_YEAR_LABEL = re.compile(r"^(\d{4})(?: \[YR\1\])?$")
# C0 control characters other than tab, LF, VT, FF and CR never occur in text CSVs.
_BINARY_BYTES = re.compile(rb"[\x00-\x08\x0e-\x1f]")
_BOM = b"\xef\xbb\xbf"

_REDOWNLOAD = "download the file again from the publisher and replace the copy under data/raw"


# --------------------------------------------------------------------------------------
# Text and CSV records
# --------------------------------------------------------------------------------------


def _line_of(data: bytes, offset: int) -> int:
    """Return the 1-based line that holds byte ``offset`` of ``data``."""
    return data.count(b"\n", 0, offset) + 1


def _read_text(path: Path, rel: str) -> str:
    """Return the file's text (UTF-8, BOM removed) after checking it is a non-empty text file.

    Raises :class:`InputError` for a missing or empty file, binary content (control
    bytes; names the line) and bytes that are not UTF-8 (names the line).
    """
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError as exc:
        raise InputError(
            problem="file not found",
            file=rel,
            expected="the raw file listed in the configuration",
            fix="restore the file under data/raw or correct its path in the configuration",
        ) from exc
    start = len(_BOM) if data.startswith(_BOM) else 0
    if not data[start:].strip():
        raise InputError(
            problem="file is empty",
            file=rel,
            expected="a CSV file with data",
            fix=_REDOWNLOAD,
        )
    binary = _BINARY_BYTES.search(data)
    if binary is not None:
        raise InputError(
            problem=f"binary content (byte 0x{binary.group()[0]:02x}): this is not a text CSV file",
            file=rel,
            row=_line_of(data, binary.start()),
            expected="a UTF-8 text CSV",
            fix=f"the file is damaged or is another format saved under a .csv name; {_REDOWNLOAD}",
        )
    try:
        return data[start:].decode("utf-8")
    except UnicodeDecodeError as exc:
        offset = start + exc.start
        raise InputError(
            problem=(
                f"byte 0x{data[offset]:02x} is not valid UTF-8: the file seems re-saved in another "
                "encoding (e.g. Latin-1 / Windows-1252)"
            ),
            file=rel,
            row=_line_of(data, offset),
            expected="UTF-8 text, as the World Bank publishes it",
            fix=f"{_REDOWNLOAD}, or re-save it as UTF-8",
        ) from exc


def _read_records(
    stream: io.StringIO, rel: str, first_line: int, limit: int | None = None
) -> tuple[list[tuple[int, list[str]]], int]:
    """Return ``(first physical line, fields)`` of the next ``limit`` (default: all) records, and the last line read.

    ``stream`` is positioned at the start of physical line ``first_line``. A blank line
    is a record with no fields. Malformed quoting raises :class:`InputError` naming the line.
    """
    reader = csv.reader(stream, strict=True)
    records: list[tuple[int, list[str]]] = []
    end = 0
    try:
        while limit is None or len(records) < limit:
            fields = next(reader, None)
            if fields is None:
                break
            records.append((first_line + end, fields))
            end = reader.line_num
    except csv.Error as exc:
        raise InputError(
            problem=f"malformed CSV ({exc}); the file may be truncated or hand-edited",
            file=rel,
            row=first_line - 1 + reader.line_num,
            expected="well-formed, double-quoted CSV fields",
            fix=_REDOWNLOAD,
        ) from exc
    return records, first_line - 1 + end


def _csv_records(text: str, rel: str, first_line: int = 1) -> list[tuple[int, list[str]]]:
    """Return ``(first physical line, fields)`` for every CSV record of ``text``.

    ``text`` starts on physical line ``first_line`` of the file. A blank line is a record
    with no fields. Malformed quoting raises :class:`InputError` naming the line.
    """
    return _read_records(io.StringIO(text, newline=""), rel, first_line)[0]


def _head_records(text: str, n: int, rel: str) -> tuple[list[tuple[int, list[str]]], str, int]:
    """Return the first ``n`` CSV records of ``text`` (as :func:`_csv_records`), the text after them, and its first line."""
    stream = io.StringIO(text, newline="")
    records, last = _read_records(stream, rel, 1, n)
    return records, stream.read(), last + 1


def _drop_trailing_blanks(records: list[tuple[int, list[str]]]) -> list[tuple[int, list[str]]]:
    """Return ``records`` without the blank lines at the end of the file."""
    end = len(records)
    while end and not records[end - 1][1]:
        end -= 1
    return records[:end]


def _grid(records: list[tuple[int, list[str]]], width: int, rel: str, what: str) -> tuple[np.ndarray, np.ndarray]:
    """Return (lines, cells): the records' first lines and their fields as an object array.

    Raises :class:`InputError` naming the first record whose number of fields differs
    from ``width`` (a truncated file, a blank line inside the data, a shifted column).
    """
    for line, fields in records:
        if len(fields) != width:
            raise InputError(
                problem=(
                    f"{what} has {len(fields)} fields but the header has {width}: "
                    "the file may be truncated or a value holds an unquoted comma"
                ),
                file=rel,
                row=line,
                expected=f"{width} comma-separated fields on every {what}",
                fix=_REDOWNLOAD,
            )
    lines = np.fromiter((line for line, _ in records), dtype=np.int64, count=len(records))
    cells = np.empty((len(records), width), dtype=object)
    cells[:] = [fields for _, fields in records]
    return lines, cells


def _simple_quoting(data: bytes) -> bool:
    """True when every quote opens or closes a quoted field on one line, with no quote inside.

    Taken in order, the quotes must pair up as (opening, closing): an opening quote at the
    start of a field (after a comma or a line break), its closing quote at the end of the
    field (before a comma or a line break) on the same line. A quote inside an unquoted
    field, a doubled quote, text after a closing quote or a field left open all break the
    pairing; there Arrow's parser and the csv module (which refuses some of them) may differ.
    """
    b = np.frombuffer(data, dtype=np.uint8)
    q = np.flatnonzero(b == ord('"'))
    if q.size % 2:
        return False
    opens, closes = q[0::2], q[1::2]
    before = b[np.maximum(opens - 1, 0)]
    after = b[np.minimum(closes + 1, b.size - 1)]
    line = np.cumsum(b == ord("\n"))
    return bool(
        np.all((opens == 0) | (before == ord(",")) | (before == ord("\n")))
        and np.all((closes == b.size - 1) | np.isin(after, list(b",\r\n")))
        and np.all(line[opens] == line[closes])
    )


def _arrow_cells(body: str, width: int) -> np.ndarray | None:
    """Return the fields of ``body`` as an object array (one row per physical line), or None.

    None means Arrow's reading could differ from the csv module's or could not be tied to
    physical lines: a line break other than LF or CRLF, a blank line, quoting beyond whole
    quoted fields (see :func:`_simple_quoting`), a line whose field count is not ``width``,
    or a record spanning lines (fewer records than lines). The caller then reads ``body``
    with the csv module.
    """
    n_lines = body.count("\n") + 1
    data = body.encode("utf-8")
    if (
        body.count("\r") != body.count("\r\n")
        or body.startswith(("\n", "\r\n"))
        or "\n\n" in body
        or "\n\r\n" in body
        or not _simple_quoting(data)
    ):
        return None
    names = [f"f{j}" for j in range(width)]
    try:
        table = pacsv.read_csv(
            io.BytesIO(data),
            read_options=pacsv.ReadOptions(column_names=names, use_threads=False),
            parse_options=pacsv.ParseOptions(newlines_in_values=True, ignore_empty_lines=False),
            convert_options=pacsv.ConvertOptions(
                column_types={name: pa.string() for name in names},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except pa.ArrowInvalid:  # a line with another field count; the csv module names it
        return None
    if table.num_rows != n_lines:
        return None
    return np.column_stack([column.to_numpy(zero_copy_only=False) for column in table.columns])


def _data_grid(text: str, first_line: int, width: int, rel: str, what: str) -> tuple[np.ndarray, np.ndarray]:
    """Return (lines, cells) of the records of ``text``, which starts on physical line ``first_line``.

    As :func:`_grid` on :func:`_csv_records` without the trailing blank lines; parsed by
    Arrow when :func:`_arrow_cells` can vouch for the lines, by the csv module otherwise.
    Raises :class:`InputError` as :func:`_grid` does (and on malformed quoting).
    """
    body = text.rstrip("\r\n")
    if not body:
        return np.empty(0, dtype=np.int64), np.empty((0, width), dtype=object)
    cells = _arrow_cells(body, width)
    if cells is not None:
        return np.arange(first_line, first_line + len(cells), dtype=np.int64), cells
    return _grid(_drop_trailing_blanks(_csv_records(text, rel, first_line)), width, rel, what)


def _data_lines(
    rest: str, data_line: int, header: list[str], header_line: int, rel: str, *, expected: str
) -> tuple[np.ndarray, np.ndarray]:
    """The data records after the header (see :func:`_data_grid`); an empty table is an error."""
    lines, cells = _data_grid(rest, data_line, len(header), rel, "data line")
    if not len(lines):
        raise InputError(
            problem="no data lines after the header",
            file=rel,
            row=header_line + 1,
            expected=expected,
            fix=_REDOWNLOAD,
        )
    return lines, cells


def _require_filled(values: np.ndarray, lines: np.ndarray, rel: str, column: str) -> None:
    """Raise :class:`InputError` at the first empty (or blank) cell of an identifier column."""
    empty = np.flatnonzero(np.char.strip(values.astype(str)) == "")
    if empty.size:
        raise InputError(
            problem=f"empty {column!r} on a data line",
            file=rel,
            row=int(lines[empty[0]]),
            column=column,
            expected=f"a non-empty {column!r} on every data line",
            fix=_REDOWNLOAD,
        )


def _parse_cells(raw: np.ndarray, rows: np.ndarray, columns: np.ndarray, rel: str) -> np.ndarray:
    """Return the float64 values of raw CSV cells; '' and placeholders become NaN.

    Only the non-empty cells go through :func:`parse_numeric`: most cells of a WDI file
    are empty, and skipping them keeps the reader fast.
    """
    values = np.full(raw.shape, np.nan)
    filled = np.flatnonzero(raw != "")
    if filled.size:
        parsed = parse_numeric(
            pd.Series(raw[filled], dtype=object),
            file=rel,
            rows=rows[filled],
            columns=columns[filled],
        )
        values[filled] = parsed.to_numpy(dtype="float64")
    return values


def _repeated(values: np.ndarray, repeats: int) -> pd.Categorical:
    """``np.repeat(values, repeats)`` as a categorical (sorted categories), factorised before repeating."""
    codes, categories = pd.factorize(values, sort=True)
    return pd.Categorical.from_codes(np.repeat(codes, repeats), categories=categories)


def _tiled(values: np.ndarray, reps: int) -> pd.Categorical:
    """``np.tile(values, reps)`` as a categorical (sorted categories), factorised before tiling."""
    codes, categories = pd.factorize(values, sort=True)
    return pd.Categorical.from_codes(np.tile(codes, reps), categories=categories)


def _observations(
    *,
    source: str,
    rel: str,
    row: np.ndarray,
    column: np.ndarray | pd.Categorical,
    entity_raw: np.ndarray | pd.Categorical,
    entity_code: np.ndarray | pd.Categorical,
    year: np.ndarray,
    series: np.ndarray | pd.Categorical,
    value: np.ndarray,
) -> pd.DataFrame:
    """Return the cells as a frame conforming to :data:`contract.OBSERVATIONS`.

    Text columns may be given as categoricals (see :func:`_repeated`): a grid's
    row labels then go through the hash table once per line instead of once per cell.
    """
    n = len(value)
    frame = pd.DataFrame(
        {
            "source": _repeated(np.array([source], dtype=object), n),
            "file": _repeated(np.array([rel], dtype=object), n),
            "row": row.astype(np.int64),
            "column": column,
            "entity_raw": entity_raw,
            "entity_code": entity_code,
            "year": year.astype(np.int64),
            "series": series,
            "value": value.astype("float64"),
            "note": _repeated(np.array([""], dtype=object), n),
        }
    )
    return contract.conform(frame, contract.OBSERVATIONS)


def _check_unique_lines(
    lines: np.ndarray, keys: dict[str, np.ndarray], rel: str, what: str
) -> None:
    """Raise :class:`InputError` naming both lines when the ``keys`` repeat across lines."""
    frame = pd.DataFrame({**keys, "file": rel, "row": lines})
    contract.check_unique(frame, list(keys), what, locate=["file", "row"])


# --------------------------------------------------------------------------------------
# World Bank API CSV (API_<CODE>_DS2_en_csv_v2[_<n>].csv and topic downloads)
# --------------------------------------------------------------------------------------


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
                fix=_REDOWNLOAD,
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
                fix=f"{_REDOWNLOAD}; do not open and re-save it in a spreadsheet program",
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
            fix=_REDOWNLOAD,
        )
    for k, label in enumerate(year_labels, start=first + 1):
        if not _YEAR_LABEL.match(label.strip()):
            raise InputError(
                problem=f"unexpected header label {label!r} among the year columns",
                file=rel,
                row=row,
                column=label.strip() or f"(unlabelled column {k})",
                expected="a four-digit year such as '2005'",
                fix="the publisher may have changed the layout; download the file again or adapt the reader",
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
            fix=_REDOWNLOAD,
        )
    return [label.strip() for label in year_labels], years


def wb_api_last_updated(path: Path) -> str:
    """Return the "Last Updated Date" of a World Bank API CSV, as written (e.g. "2025-04-15").

    Raises :class:`InputError` when the file's preamble does not carry the date.
    """
    rel = str(path)
    records = _csv_records(_read_text(Path(path), rel), rel)
    _check_api_preamble(records, rel)
    return records[2][1][1].strip()


def read_wb_api(path: Path, rel: str, source: str) -> pd.DataFrame:
    """Read a World Bank API CSV download (one indicator, or a topic download of many).

    Layout: UTF-8 (BOM optional), 4 preamble lines, the header "Country Name",
    "Country Code", "Indicator Name", "Indicator Code", year columns (and the empty label
    of the trailing comma), then one line per (economy or aggregate, indicator).

    Returns :data:`contract.OBSERVATIONS`, one row per (data line, year column), in file
    order; values in the indicator's own units, NaN where the cell is empty. ``row`` is
    the physical line, ``column`` the year label, ``series`` the upper-cased indicator code.
    Aggregates (WLD, HIC, ...) are kept.
    """
    records, rest, data_line = _head_records(_read_text(Path(path), rel), API_HEADER_LINE, rel)
    _check_api_preamble(records, rel)
    if len(records) < API_HEADER_LINE:
        raise InputError(
            problem="the file ends before the column header",
            file=rel,
            row=API_HEADER_LINE,
            expected=f"the column header on line {API_HEADER_LINE}",
            fix=_REDOWNLOAD,
        )
    header_line, header = records[API_HEADER_LINE - 1]
    require_header(header, API_ID_COLUMNS, file=rel, row=header_line)
    year_labels, years = _year_columns(header, len(API_ID_COLUMNS), rel, header_line)
    n_years = len(year_labels)

    lines, cells = _data_lines(rest, data_line, header, header_line, rel, expected="one line per economy and indicator")

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
                fix=_REDOWNLOAD,
            )

    names, codes, series = cells[:, 0], cells[:, 1], cells[:, 3]
    _require_filled(codes, lines, rel, "Country Code")
    _require_filled(series, lines, rel, "Indicator Code")
    codes = np.char.strip(codes.astype(str)).astype(object)
    series = np.char.upper(np.char.strip(series.astype(str))).astype(object)
    _check_unique_lines(
        lines, {"Country Code": codes, "Indicator Code": series}, rel, "data line"
    )

    n = len(lines)
    raw = cells[:, len(API_ID_COLUMNS) : len(API_ID_COLUMNS) + n_years].ravel()
    rows = np.repeat(lines, n_years)
    columns = np.tile(np.array(year_labels, dtype=object), n)
    values = _parse_cells(raw, rows, columns, rel)
    return _observations(
        source=source,
        rel=rel,
        row=rows,
        column=_tiled(np.array(year_labels, dtype=object), n),
        entity_raw=_repeated(names, n_years),
        entity_code=_repeated(codes, n_years),
        year=np.tile(years, n),
        series=_repeated(series, n_years),
        value=values,
    )


# --------------------------------------------------------------------------------------
# Metadata_Country_*.csv
# --------------------------------------------------------------------------------------


def read_wb_metadata_country(path: Path, rel: str, source: str) -> pd.DataFrame:
    """Read a World Bank Metadata_Country_*.csv (region and income group of each code).

    Returns :data:`contract.CLASSIFICATION` with ``year`` <NA> (the classification current
    at download), one row per code in file order: ``name`` is TableName, ``region`` as
    written ("" for aggregates), ``income_group`` one of "L", "LM", "UM", "H", or "" for
    aggregates and unclassified economies. ``row`` is the record's first physical line
    (notes may span several lines).
    """
    records, rest, data_line = _head_records(_read_text(Path(path), rel), 1, rel)
    header_line, header = records[0]
    require_header(header, METADATA_COUNTRY_COLUMNS, file=rel, row=header_line)
    lines, cells = _data_lines(rest, data_line, header, header_line, rel, expected="one line per economy or aggregate")
    codes = np.char.strip(cells[:, 0].astype(str)).astype(object)
    _require_filled(codes, lines, rel, "Country Code")
    income = np.char.strip(cells[:, 2].astype(str))
    unknown = np.flatnonzero(~np.isin(income, list(INCOME_GROUP_CODES)))
    if unknown.size:
        i = unknown[0]
        raise InputError(
            problem=f"unknown income group {income[i]!r}",
            file=rel,
            row=int(lines[i]),
            column="IncomeGroup",
            expected=f"one of {[k for k in INCOME_GROUP_CODES if k]} or empty",
            fix="the World Bank may have renamed its income groups; extend INCOME_GROUP_CODES",
        )
    _check_unique_lines(lines, {"Country Code": codes}, rel, "country line")
    frame = pd.DataFrame(
        {
            "iso3": codes,
            "name": cells[:, 4],
            "year": pd.array([pd.NA] * len(lines), dtype="Int64"),
            "region": np.char.strip(cells[:, 1].astype(str)).astype(object),
            "income_group": [INCOME_GROUP_CODES[x] for x in income.tolist()],
            "source": source,
            "file": rel,
            "row": lines,
        }
    )
    return contract.conform(frame, contract.CLASSIFICATION)


# --------------------------------------------------------------------------------------
# datahub.io long CSV + Frictionless datapackage.json
# --------------------------------------------------------------------------------------


def read_datapackage(path: Path, resource: str | None = None, *, rel: str | None = None) -> dict[str, Any]:
    """Return the essentials of a Frictionless ``datapackage.json``.

    The result holds ``name``, ``title``, ``licences`` (list of licence names),
    ``resource_path`` and ``fields`` (the field names of the resource's schema, in
    order). ``resource`` selects the resource by its ``path`` (e.g. "data.csv"); by
    default the package must have exactly one resource. ``rel`` is the path named in
    error messages (default: ``path``). Raises :class:`InputError` for a missing file,
    invalid JSON or a package lacking any of these.
    """
    rel = str(path) if rel is None else rel
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise InputError(
            problem="datapackage.json not found beside the data file",
            file=rel,
            expected="the datapackage.json that datahub.io publishes with each data.csv",
            fix="restore datapackage.json next to data.csv",
        ) from exc
    try:
        package = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            problem=f"invalid JSON ({exc.msg})",
            file=rel,
            row=exc.lineno,
            expected="a Frictionless data package descriptor",
            fix="restore the original datapackage.json",
        ) from exc

    def missing(what: str) -> InputError:
        return InputError(
            problem=f"the data package lacks {what}",
            file=rel,
            expected="a Frictionless data package with name, resources[].path and resources[].schema.fields",
            fix="restore the original datapackage.json",
        )

    if not isinstance(package, dict) or not isinstance(package.get("name"), str) or not package["name"].strip():
        raise missing("a 'name'")
    resources = package.get("resources")
    if not isinstance(resources, list) or not resources:
        raise missing("'resources'")
    if resource is None:
        if len(resources) != 1:
            raise missing("a single resource (it has several; say which one)")
        chosen = resources[0]
    else:
        matches = [r for r in resources if isinstance(r, dict) and r.get("path") == resource]
        if not matches:
            paths = [r.get("path") for r in resources if isinstance(r, dict)]
            raise missing(f"a resource with path {resource!r} (resources: {paths})")
        chosen = matches[0]
    fields = (chosen.get("schema") or {}).get("fields") if isinstance(chosen, dict) else None
    if not isinstance(fields, list) or not all(isinstance(f, dict) and "name" in f for f in fields):
        raise missing("'schema.fields' with a name for every field")
    licences_raw = package.get("licenses", package.get("license", []))
    if isinstance(licences_raw, (str, dict)):
        licences_raw = [licences_raw]
    licences = [
        lic if isinstance(lic, str) else str(lic.get("name") or lic.get("title") or lic.get("path") or "")
        for lic in licences_raw
    ]
    return {
        "name": package["name"].strip(),
        "title": str(package.get("title", "")),
        "licences": licences,
        "resource_path": str(chosen.get("path", "")),
        "fields": [str(f["name"]) for f in fields],
    }


def read_wb_datahub(path: Path, rel: str, source: str) -> pd.DataFrame:
    """Read a datahub.io long CSV of one WDI indicator (``Country Name,Country Code,Year,Value``).

    The ``datapackage.json`` beside the file gives the series (its ``name``, upper-cased,
    e.g. "IT.CEL.SETS.P2") and the schema the CSV header must equal.

    Returns :data:`contract.OBSERVATIONS`, one row per data line, in file order; ``column``
    is "Value", values in the indicator's own units. Aggregates (WLD, HIC, ...) are kept.
    """
    path = Path(path)
    package_rel = str(Path(rel).parent / "datapackage.json")
    package = read_datapackage(path.parent / "datapackage.json", resource=path.name, rel=package_rel)
    if package["fields"] != DATAHUB_COLUMNS:
        raise InputError(
            problem=f"the data package declares the fields {package['fields']}",
            file=package_rel,
            expected=f"the fields {DATAHUB_COLUMNS}",
            fix="datahub.io may have changed its layout; adapt the reader",
        )
    records, rest, data_line = _head_records(_read_text(path, rel), 1, rel)
    header_line, header = records[0]
    if [h.strip() for h in header] != package["fields"]:
        raise InputError(
            problem=f"the CSV header {header} differs from the fields declared in datapackage.json",
            file=rel,
            row=header_line,
            expected=f"the columns {package['fields']}",
            fix="data.csv and datapackage.json come from different downloads; download both again",
        )
    lines, cells = _data_lines(rest, data_line, header, header_line, rel, expected="one line per economy and year")
    codes = np.char.strip(cells[:, 1].astype(str)).astype(object)
    _require_filled(codes, lines, rel, "Country Code")
    year_text = np.char.strip(cells[:, 2].astype(str))
    bad_year = np.flatnonzero(~np.char.isdigit(year_text) | (np.char.str_len(year_text) != 4))
    if bad_year.size:
        i = bad_year[0]
        raise InputError(
            problem=f"year {cells[i, 2]!r} is not a four-digit year",
            file=rel,
            row=int(lines[i]),
            column="Year",
            expected="a year such as '2005'",
            fix=_REDOWNLOAD,
        )
    years = year_text.astype(np.int64)
    _check_unique_lines(lines, {"Country Code": codes, "Year": years}, rel, "data line")
    columns = np.full(len(lines), "Value", dtype=object)
    values = _parse_cells(cells[:, 3], lines, columns, rel)
    return _observations(
        source=source,
        rel=rel,
        row=lines,
        column=_repeated(np.array(["Value"], dtype=object), len(lines)),
        entity_raw=_repeated(cells[:, 0], 1),
        entity_code=_repeated(codes, 1),
        year=years,
        series=_repeated(np.array([package["name"].upper()], dtype=object), len(lines)),
        value=values,
    )


# --------------------------------------------------------------------------------------
# DataBank extract (P_Data_Extract_From_World_Development_Indicators*.xlsx)
# --------------------------------------------------------------------------------------


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
                fix=_REDOWNLOAD,
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
                fix=_REDOWNLOAD,
            )
        name, code = str(name).strip(), str(code).strip().upper()
        if codes.get(name, code) != code:
            raise InputError(
                problem=f"series name {name!r} is listed with two codes ({codes[name]}, {code})",
                file=rel,
                row=i,
                column=sheet_cell_column(sheet, positions["Code"]),
                expected="one code per series name",
                fix=_REDOWNLOAD,
            )
        codes[name] = code
    return codes


def read_wb_databank(path: Path, rel: str, source: str) -> pd.DataFrame:
    """Read a WDI DataBank extract workbook (sheets "Data" and "Series - Metadata").

    "Data" has Country, Code, Series Name, then one column per year; blank rows and the
    footer ("Data from database: ...", "Last Updated: ...") below the data are skipped;
    '..' is missing. Series names are mapped to codes through "Series - Metadata".

    Returns :data:`contract.OBSERVATIONS`, one row per (data row, year column), in sheet
    order; ``row`` is the sheet row, ``column`` ``'Data'!<letter>``, values in each
    indicator's own units.
    """
    import openpyxl  # imported here: only this reader needs it
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = openpyxl.load_workbook(Path(path), read_only=True, data_only=True)
    except FileNotFoundError as exc:
        raise InputError(
            problem="file not found",
            file=rel,
            expected="the raw file listed in the configuration",
            fix="restore the file under data/raw or correct its path in the configuration",
        ) from exc
    except (InvalidFileException, zipfile.BadZipFile, OSError, KeyError, ValueError) as exc:
        raise InputError(
            problem=f"not a readable .xlsx workbook ({exc})",
            file=rel,
            expected="an Excel workbook as exported by DataBank",
            fix=_REDOWNLOAD,
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
            fix=_REDOWNLOAD,
        )
    header = list(rows[0])
    require_header(
        ["" if h is None else str(h) for h in header], DATABANK_ID_COLUMNS, file=rel, row=1
    )
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
                    "a data row below the DataBank footer" if footer_seen else "a data row without "
                    f"{DATABANK_ID_COLUMNS[where]!r}"
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
            fix=_REDOWNLOAD,
        )

    lines = np.array(data_lines, dtype=np.int64)
    grid = np.empty((len(data_cells), width), dtype=object)
    for k, cells in enumerate(data_cells):
        grid[k] = cells
    names = np.array([str(x).strip() for x in grid[:, 2]], dtype=object)
    unknown = np.flatnonzero(~np.isin(names, list(series_codes)))
    if unknown.size:
        k = unknown[0]
        raise InputError(
            problem=f"series name {names[k]!r} is not listed in sheet {DATABANK_META_SHEET!r}",
            file=rel,
            row=int(lines[k]),
            column=sheet_cell_column(sheet, 2),
            expected=f"one of {sorted(series_codes)}",
            fix="export the extract again so that its metadata sheet lists every series",
        )
    series = np.array([series_codes[x] for x in names.tolist()], dtype=object)
    codes = np.array([str(x).strip() for x in grid[:, 1]], dtype=object)
    entity_raw = np.array([str(x) for x in grid[:, 0]], dtype=object)
    _check_unique_lines(lines, {"Code": codes, "Series Name": names}, rel, "data row")

    n = len(lines)
    raw = grid[:, n_id:].ravel()
    rows_rep = np.repeat(lines, n_years)
    columns = np.tile(
        np.array([sheet_cell_column(sheet, n_id + j) for j in range(n_years)], dtype=object), n
    )
    values = parse_numeric(
        pd.Series(raw, dtype=object), file=rel, rows=rows_rep, columns=columns
    ).to_numpy(dtype="float64")
    return _observations(
        source=source,
        rel=rel,
        row=rows_rep,
        column=columns,
        entity_raw=_repeated(entity_raw, n_years),
        entity_code=_repeated(codes, n_years),
        year=np.tile(np.array(years, dtype=np.int64), n),
        series=_repeated(series, n_years),
        value=values,
    )
