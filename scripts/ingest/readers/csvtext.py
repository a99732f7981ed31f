"""CSV text read with its physical lines, for the readers of publisher CSV files.

Every cell keeps the physical line its record starts on. The preamble and header are
parsed with the :mod:`csv` module, which reports lines. The data lines are parsed by
Arrow's C parser when that provably gives the csv module's records one physical line
each (no line break inside a quoted field, no blank line, a field count equal to the
header's on every line, quoting the two parsers read alike; see :func:`arrow_cells`),
so a record's line is its position; otherwise (the Metadata_Country files hold multi-line
quoted notes, and every damaged file) by the csv module, whose errors name the line. The
value grid is then reshaped with numpy (no per-cell Python loop).

The layout of each file is checked before anything is read from it: a publisher's format
change or a damaged download raises :class:`~scripts.core.errors.InputError` naming the
file, the line and what was expected, rather than producing a silently shifted table.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from scripts.core import contract, tables
from scripts.core.errors import InputError
from scripts.ingest.readers.common import (
    cells_error,
    decode_cp1252,
    decode_utf8,
    missing_file_error,
    parse_numeric,
)

#: C0 control characters other than tab, LF, VT, FF and CR never occur in text CSVs.
BINARY_BYTES = re.compile(rb"[\x00-\x08\x0e-\x1f]")
BOM = b"\xef\xbb\xbf"
#: What to do about a damaged or edited download.

REDOWNLOAD = "download the file again from the publisher and replace the copy under data/raw"


# --------------------------------------------------------------------------------------
# Text and CSV records
# --------------------------------------------------------------------------------------


def line_of(data: bytes, offset: int) -> int:
    """Return the 1-based line that holds byte ``offset`` of ``data``."""
    return data.count(b"\n", 0, offset) + 1


#: Encodings of the publishers' CSV files: UTF-8 (World Bank, ITU, UNCTAD) or Windows-1252 (UNDP).
Encoding = Literal["utf-8", "cp1252"]


def read_text(path: Path, rel: str, *, encoding: Encoding = "utf-8", publisher: str = "the World Bank") -> str:
    """Return the file's text (BOM removed) after checking it is a non-empty text file.

    ``encoding`` is the one the publisher writes (``publisher`` names it in messages);
    it is never guessed. Raises :class:`InputError` for a missing or empty file, binary
    content (control bytes; names the line) and bytes that are not in that encoding
    (names the line).
    """
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError as exc:
        raise missing_file_error(rel) from exc
    start = len(BOM) if data.startswith(BOM) else 0
    if not data[start:].strip():
        raise InputError(
            problem="file is empty",
            file=rel,
            expected="a CSV file with data",
            fix=REDOWNLOAD,
        )
    binary = BINARY_BYTES.search(data)
    if binary is not None:
        raise InputError(
            problem=f"binary content (byte 0x{binary.group()[0]:02x}): this is not a text CSV file",
            file=rel,
            row=line_of(data, binary.start()),
            expected=f"a {'UTF-8' if encoding == 'utf-8' else 'Windows-1252'} text CSV",
            fix=f"the file is damaged or is another format saved under a .csv name; {REDOWNLOAD}",
        )
    if encoding == "cp1252":
        return decode_cp1252(
            data,
            file=rel,
            expected=f"Windows-1252 (cp1252) text, as {publisher} publishes it",
            fix=f"{REDOWNLOAD}; do not re-save it in another encoding",
        )
    return decode_utf8(
        data,
        file=rel,
        expected=f"UTF-8 text, as {publisher} publishes it",
        fix=f"{REDOWNLOAD}, or re-save it as UTF-8",
    )


def read_records(
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
            fix=REDOWNLOAD,
        ) from exc
    return records, first_line - 1 + end


def csv_records(text: str, rel: str, first_line: int = 1) -> list[tuple[int, list[str]]]:
    """Return ``(first physical line, fields)`` for every CSV record of ``text``.

    ``text`` starts on physical line ``first_line`` of the file. A blank line is a record
    with no fields. Malformed quoting raises :class:`InputError` naming the line.
    """
    return read_records(io.StringIO(text, newline=""), rel, first_line)[0]


def head_records(text: str, n: int, rel: str) -> tuple[list[tuple[int, list[str]]], str, int]:
    """Return the first ``n`` CSV records of ``text`` (as :func:`csv_records`), the text after them, and its first line.

    The records are ``(first physical line, fields)`` pairs; the rest starts on the returned line.
    """
    stream = io.StringIO(text, newline="")
    records, last = read_records(stream, rel, 1, n)
    return records, stream.read(), last + 1


def drop_trailing_blanks(records: list[tuple[int, list[str]]]) -> list[tuple[int, list[str]]]:
    """Return ``records`` without the blank lines at the end of the file."""
    end = len(records)
    while end and not records[end - 1][1]:
        end -= 1
    return records[:end]


def record_grid(records: list[tuple[int, list[str]]], width: int, rel: str, what: str) -> tuple[np.ndarray, np.ndarray]:
    """Return (lines, cells): the records' first lines and their fields as an object array.

    Raises :class:`InputError` naming every record (up to a cap, see :func:`cells_error`)
    whose number of fields differs from ``width`` (a truncated file, a blank line inside
    the data, a shifted column).
    """
    wrong = [(line, len(fields)) for line, fields in records if len(fields) != width]
    if wrong:
        raise cells_error(
            problem=(
                f"{what} has {wrong[0][1]} fields but the header has {width}: "
                "the file may be truncated or a value holds an unquoted comma"
            ),
            file=rel,
            rows=[line for line, _ in wrong],
            columns=[None] * len(wrong),
            values=[f"{k} fields" for _, k in wrong],
            expected=f"{width} comma-separated fields on every {what}",
            fix=REDOWNLOAD,
        )
    lines = np.fromiter((line for line, _ in records), dtype=np.int64, count=len(records))
    cells = np.empty((len(records), width), dtype=object)
    cells[:] = [fields for _, fields in records]
    return lines, cells


def simple_quoting(data: bytes) -> bool:
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


def arrow_cells(body: str, width: int) -> np.ndarray | None:
    """Return the fields of ``body`` as an object array (one row per physical line), or None.

    None means Arrow's reading could differ from the csv module's or could not be tied to
    physical lines: a line break other than LF or CRLF, a blank line, quoting beyond whole
    quoted fields (see :func:`simple_quoting`), a line whose field count is not ``width``,
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
        or not simple_quoting(data)
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


def data_grid(text: str, first_line: int, width: int, rel: str, what: str) -> tuple[np.ndarray, np.ndarray]:
    """Return (lines, cells) of the records of ``text``, which starts on physical line ``first_line``.

    As :func:`_grid` on :func:`csv_records` without the trailing blank lines; parsed by
    Arrow when :func:`arrow_cells` can vouch for the lines, by the csv module otherwise.
    Raises :class:`InputError` as :func:`_grid` does (and on malformed quoting).
    """
    body = text.rstrip("\r\n")
    if not body:
        return np.empty(0, dtype=np.int64), np.empty((0, width), dtype=object)
    cells = arrow_cells(body, width)
    if cells is not None:
        return np.arange(first_line, first_line + len(cells), dtype=np.int64), cells
    return record_grid(drop_trailing_blanks(csv_records(text, rel, first_line)), width, rel, what)


def data_lines(
    rest: str, data_line: int, header: list[str], header_line: int, rel: str, *, expected: str
) -> tuple[np.ndarray, np.ndarray]:
    """The data records after the header (see :func:`data_grid`); an empty table is an error."""
    lines, cells = data_grid(rest, data_line, len(header), rel, "data line")
    if not len(lines):
        raise InputError(
            problem="no data lines after the header",
            file=rel,
            row=header_line + 1,
            expected=expected,
            fix=REDOWNLOAD,
        )
    return lines, cells


def require_filled(values: np.ndarray, lines: np.ndarray, rel: str, column: str) -> None:
    """Raise :class:`InputError` naming every empty (or blank) cell of an identifier column."""
    empty = np.flatnonzero(np.char.strip(values.astype(str)) == "")
    if empty.size:
        raise cells_error(
            problem=f"empty {column!r} on a data line",
            file=rel,
            rows=lines[empty],
            columns=[column] * empty.size,
            values=values[empty].tolist(),
            expected=f"a non-empty {column!r} on every data line",
            fix=REDOWNLOAD,
        )


def parse_years(values: np.ndarray, lines: np.ndarray, rel: str, column: str) -> np.ndarray:
    """Return a year column of a long file as int64; raise :class:`InputError` naming every
    cell (line and ``column``, up to a cap) that is not a four-digit year."""
    text = np.char.strip(values.astype(str))
    bad = np.flatnonzero(~np.char.isdigit(text) | (np.char.str_len(text) != 4))
    if bad.size:
        raise cells_error(
            problem=f"year {values[bad[0]]!r} is not a four-digit year",
            file=rel,
            rows=lines[bad],
            columns=[column] * bad.size,
            values=values[bad].tolist(),
            expected="a year such as '2005'",
            fix=REDOWNLOAD,
        )
    return text.astype(np.int64)


def parse_cells(raw: np.ndarray, rows: np.ndarray, columns: np.ndarray, rel: str) -> np.ndarray:
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


def repeated(values: np.ndarray, repeats: int) -> pd.Categorical:
    """``np.repeat(values, repeats)`` as a categorical (sorted categories), factorised before repeating."""
    codes, categories = pd.factorize(values, sort=True)
    return pd.Categorical.from_codes(np.repeat(codes, repeats), categories=categories)


def tiled(values: np.ndarray, reps: int) -> pd.Categorical:
    """``np.tile(values, reps)`` as a categorical (sorted categories), factorised before tiling."""
    codes, categories = pd.factorize(values, sort=True)
    return pd.Categorical.from_codes(np.tile(codes, reps), categories=categories)


def observations_frame(
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
    note: np.ndarray | pd.Categorical | None = None,
) -> pd.DataFrame:
    """Return the cells as a frame conforming to :data:`tables.OBSERVATIONS`.

    Text columns may be given as categoricals (see :func:`repeated`): a grid's
    row labels then go through the hash table once per line instead of once per cell.
    ``note`` defaults to "" for every cell.
    """
    n = len(value)
    frame = pd.DataFrame(
        {
            "source": repeated(np.array([source], dtype=object), n),
            "file": repeated(np.array([rel], dtype=object), n),
            "row": row.astype(np.int64),
            "column": column,
            "entity_raw": entity_raw,
            "entity_code": entity_code,
            "year": year.astype(np.int64),
            "series": series,
            "value": value.astype("float64"),
            "note": repeated(np.array([""], dtype=object), n) if note is None else note,
        }
    )
    return contract.conform(frame, tables.OBSERVATIONS)


def check_unique_lines(lines: np.ndarray, keys: dict[str, np.ndarray], rel: str, what: str) -> None:
    """Raise :class:`InputError` naming both lines when the ``keys`` repeat across lines."""
    frame = pd.DataFrame({**keys, "file": rel, "row": lines})
    contract.check_unique(frame, list(keys), what, locate=["file", "row"])


# --------------------------------------------------------------------------------------
# World Bank API CSV (API_<CODE>_DS2_en_csv_v2[_<n>].csv and topic downloads)
# --------------------------------------------------------------------------------------


# --------------------------------------------------------------------------------------
# Metadata_Country_*.csv
# --------------------------------------------------------------------------------------


# --------------------------------------------------------------------------------------
# datahub.io long CSV + Frictionless datapackage.json
# --------------------------------------------------------------------------------------


# --------------------------------------------------------------------------------------
# DataBank extract (P_Data_Extract_From_World_Development_Indicators*.xlsx)
# --------------------------------------------------------------------------------------
