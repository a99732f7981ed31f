"""Helpers shared by the readers: placeholder handling, cell addresses, layout checks."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from scripts.core.errors import InputError

#: Tokens publishers use for "no data". They become NaN and are counted as missing in
#: the reconciliation, never raised as errors. ITU's '-' ("zero or less than half the
#: unit shown") is deliberately *not* here: it is a real, tiny value (see ITU reader).
PLACEHOLDERS: frozenset[str] = frozenset({"", "..", "...", "…", "n/a", "N/A", "NA", "na", "-9999", "x", "X", " "})

#: What to do when a file's layout is not the one its reader knows.
LAYOUT_FIX = "the publisher may have changed the layout; download the file again or adapt the reader"


def layout_error(
    *,
    problem: str,
    file: str,
    expected: str,
    row: int | None = None,
    column: str | None = None,
    fix: str = LAYOUT_FIX,
) -> InputError:
    """The error for a file whose layout (header, sheet, block structure) is not the expected one.

    Returns the :class:`InputError` to raise, naming the file, row and column; ``fix``
    defaults to :data:`LAYOUT_FIX`.
    """
    return InputError(problem=problem, file=file, row=row, column=column, expected=expected, fix=fix)


def missing_file_error(rel: str) -> InputError:
    """The error for a raw file that the configuration names but that is not on disk."""
    return InputError(
        problem="file not found",
        file=rel,
        expected="the raw file listed in the configuration",
        fix="restore the file under data/raw or correct its path in the configuration",
    )


#: Bad cells of one file named in one error; the rest are counted ("and 12 more").
MAX_BAD_CELLS = 20


def cells_error(
    *,
    problem: str,
    file: str,
    rows: Sequence[int] | np.ndarray,
    columns: Sequence[str | None] | np.ndarray,
    values: Sequence[object] | np.ndarray,
    expected: str,
    fix: str,
) -> InputError:
    """The error for every bad cell of one file, so that a user fixes them all in one go.

    ``problem`` says what is wrong with the first cell; ``rows``, ``columns`` and ``values``
    list every bad cell in file order (``columns`` entries may be None for a whole line). The
    error is located at the first cell; with more than one, the problem goes on to name each
    (line, column, value) up to :data:`MAX_BAD_CELLS` and counts the rest. Returns the
    :class:`InputError` to raise.
    """
    n = len(rows)
    text = problem
    if n > 1:

        def at(r: int, c: str | None, v: object) -> str:
            return f"row {int(r)}" + (f", column {c}" if c is not None else "") + f": {v!r}"

        shown = [at(r, c, v) for r, c, v in zip(rows[:MAX_BAD_CELLS], columns[:MAX_BAD_CELLS], values[:MAX_BAD_CELLS])]
        more = f"; and {n - MAX_BAD_CELLS} more" if n > MAX_BAD_CELLS else ""
        text = f"{problem}; {n} such cells in this file: " + "; ".join(shown) + more
    first = columns[0]
    return InputError(
        problem=text,
        file=file,
        row=int(rows[0]),
        column=None if first is None else str(first),
        expected=expected,
        fix=fix,
    )


#: The kinds of code a reader's key column holds: what each looks like, and an example.
CODE_KINDS: dict[str, tuple[re.Pattern[str], str]] = {
    # ISO 3166-1 alpha-3 and the World Bank's three-letter codes (XKX, aggregates such as WLD);
    # the synthetic data sets' units are S00001, S00002, ... (scripts.synthetic.model.unit_codes)
    "alpha-3 code": (re.compile(r"^([A-Z]{3}|S[0-9]{5,})$"), "'AFG'"),
    # UN M49 numeric codes (UNCTAD adds group codes >= 1000)
    "numeric code": (re.compile(r"^[0-9]{1,4}$"), "'4' or '004'"),
    # World Bank indicator codes
    "WDI indicator code": (re.compile(r"^[A-Z0-9]+(\.[A-Z0-9]+)*$"), "'IT.NET.USER.ZS'"),
}


def check_codes(
    codes: np.ndarray, lines: np.ndarray | Sequence[int], rel: str, column: str, kind: str, *, fix: str = LAYOUT_FIX
) -> None:
    """Raise :class:`InputError` naming every cell of key column ``column`` whose code is not of ``kind``.

    ``kind`` is a key of :data:`CODE_KINDS` (an ISO3 code in a numeric M49 column, '#N/A'
    or a name in a code column are malformed codes, not unknown entities). ``codes`` are
    the stripped cells, ``lines`` their rows. Every bad cell is named (see :func:`cells_error`).
    """
    pattern, example = CODE_KINDS[kind]
    a = "an" if kind[0] in "aeiou" else "a"
    text = np.asarray([str(c) for c in codes], dtype=object)
    bad = np.flatnonzero([not pattern.match(c) for c in text.tolist()])
    if bad.size:
        raise cells_error(
            problem=f"{column} {text[bad[0]]!r} is not {a} {kind}",
            file=rel,
            rows=np.asarray(lines)[bad],
            columns=[column] * bad.size,
            values=text[bad].tolist(),
            expected=f"{a} {kind} such as {example} in every {column!r} cell",
            fix=fix,
        )


_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def excel_column(index0: int) -> str:
    """Return the spreadsheet letter of a 0-based column index (0 -> 'A', 26 -> 'AA')."""
    if index0 < 0:
        raise ValueError("column index must be >= 0")
    letters = ""
    n = index0 + 1
    while n:
        n, r = divmod(n - 1, 26)
        letters = chr(ord("A") + r) + letters
    return letters


def sheet_cell_column(sheet: str, index0: int) -> str:
    """Return the provenance label of a workbook column: ``'<sheet>'!<letter>``."""
    return f"'{sheet}'!{excel_column(index0)}"


def parse_numeric(
    raw: pd.Series,
    *,
    file: str,
    rows: pd.Series | Iterable[int],
    columns: pd.Series | Iterable[str],
    placeholders: frozenset[str] = PLACEHOLDERS,
) -> pd.Series:
    """Turn raw cell contents into floats; placeholders become NaN.

    ``raw`` may hold numbers (from workbooks) or strings (from CSVs). Thousands
    separators are not accepted: publishers in our inputs never use them, and a comma
    in a numeric cell is more likely a shifted column than a number.

    Returns a float64 Series aligned with ``raw``. Raises :class:`InputError` naming the
    file, row and column of every cell (up to :data:`MAX_BAD_CELLS`) that is neither a
    number nor a placeholder, located at the first (see :func:`cells_error`).
    """
    numeric = pd.to_numeric(raw, errors="coerce").astype("float64")
    undecided = numeric.isna() & raw.notna()
    if undecided.any():
        text = raw[undecided].astype(str).str.strip()
        is_placeholder = text.isin(placeholders) | text.str.lower().isin({"nan", "none"})
        bad = np.flatnonzero(~is_placeholder.to_numpy())
        if bad.size:
            # Positions, not labels; rows and columns are only listed here, on the error path.
            k = np.flatnonzero(undecided.to_numpy())[bad]
            row_list, column_list = np.asarray(list(rows)), np.asarray([str(c) for c in columns], dtype=object)
            raise cells_error(
                problem=f"non-numeric value {text.iloc[bad[0]]!r} in a numeric column",
                file=file,
                rows=row_list[k],
                columns=column_list[k],
                values=text.iloc[bad].tolist(),
                expected="a number, or a missing-value placeholder ('', '..', '...', 'n/a')",
                fix="check that the file is the publisher's original and that its columns are not shifted",
            )
    numeric[~np.isfinite(numeric.fillna(0.0))] = np.nan
    return numeric


def require_header(found: list[str], expected: list[str], *, file: str, row: int) -> None:
    """Raise :class:`InputError` unless ``found`` starts with the ``expected`` labels."""
    head = [str(x).strip().lstrip("\ufeff") for x in found[: len(expected)]]
    if head != expected:
        raise layout_error(
            problem=f"unexpected header {head}",
            file=file,
            row=row,
            expected=f"the columns {expected}",
        )


def decode_utf8(data: bytes, *, file: str, expected: str, fix: str) -> str:
    """Return ``data`` decoded as UTF-8 (a leading BOM removed).

    Raises :class:`InputError` naming the 1-based line of the first byte that is not UTF-8
    (a file re-saved as Latin-1 / Windows-1252 by a spreadsheet program, typically).
    """
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        offset = exc.start + (3 if data.startswith(b"\xef\xbb\xbf") else 0)
        raise InputError(
            problem=(
                f"byte 0x{data[offset]:02x} is not valid UTF-8: the file seems re-saved in another "
                "encoding (e.g. Latin-1 / Windows-1252)"
            ),
            file=file,
            row=data.count(b"\n", 0, offset) + 1,
            expected=expected,
            fix=fix,
        ) from None


def decode_cp1252(data: bytes, *, file: str, expected: str, fix: str) -> str:
    """Return ``data`` decoded as Windows-1252 (the encoding UNDP's HDR CSV files use).

    A cp1252 decoder accepts almost any bytes, so a file silently converted to UTF-8
    would decode into mojibake ('CÃ´te'). Raises :class:`InputError` naming the 1-based
    line of the first non-ASCII byte when the bytes are valid UTF-8 with a non-ASCII
    character (or start with a UTF-8 BOM), and naming the line of a byte cp1252 leaves
    undefined (0x81, 0x8d, 0x8f, 0x90, 0x9d).
    """
    non_ascii = next((i for i, b in enumerate(data) if b >= 0x80), None)
    if non_ascii is not None:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            raise InputError(
                problem="the file is UTF-8, not Windows-1252: it seems converted after download",
                file=file,
                row=data.count(b"\n", 0, non_ascii) + 1,
                expected=expected,
                fix=fix,
            )
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise InputError(
            problem=f"byte 0x{data[exc.start]:02x} is not a Windows-1252 character",
            file=file,
            row=data.count(b"\n", 0, exc.start) + 1,
            expected=expected,
            fix=fix,
        ) from None


# --------------------------------------------------------------------------- workbooks


@dataclass(frozen=True)
class Sheet:
    """A worksheet as a grid: ``values`` and ``italic`` indexed by the 1-based sheet row
    (as Excel shows it) and by the 0-based column index."""

    name: str
    values: pd.DataFrame
    italic: pd.DataFrame


def sheet_names(path: Path, rel: str) -> list[str]:
    """Return the workbook's sheet names (without reading the cells)."""
    try:
        if path.suffix.lower() == ".xls":
            import xlrd

            return list(xlrd.open_workbook(str(path), on_demand=True).sheet_names())
        import openpyxl

        wb = openpyxl.load_workbook(path, read_only=True)
        try:
            return list(wb.sheetnames)
        finally:
            wb.close()
    except InputError:
        raise
    except Exception as exc:  # a corrupt or mis-named file: say so with the file name
        raise InputError(
            problem=f"cannot open the workbook ({type(exc).__name__}: {exc})",
            file=rel,
            expected="an Excel workbook (.xls or .xlsx) as the publisher released it",
            fix="download the file again; check that its extension matches its format",
        ) from exc


def _xls_rows(sh: Any) -> list[list[object]]:
    """Return the cells of an xlrd sheet as lists of Python values (None for empty)."""
    import xlrd

    rows: list[list[object]] = []
    for r in range(sh.nrows):
        row: list[object] = []
        for c in range(sh.ncols):
            cell = sh.cell(r, c)
            if cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
                row.append(None)
            elif cell.ctype == xlrd.XL_CELL_ERROR:
                row.append(xlrd.error_text_from_code.get(cell.value, "#ERROR"))
            elif cell.ctype == xlrd.XL_CELL_BOOLEAN:
                row.append("TRUE" if cell.value else "FALSE")
            else:
                row.append(cell.value)
        rows.append(row)
    return rows


def load_sheet(path: Path, rel: str, sheet: str) -> Sheet:
    """Return ``sheet`` of the workbook at ``path`` as a :class:`Sheet` (see :func:`open_sheet`).

    Cells are kept as the workbook stores them (numbers as float/int, text as str, empty
    as None); xlrd error cells become their Excel text ('#N/A', ...) so that they fail the
    numeric parse instead of passing as error-code integers.
    """
    if path.suffix.lower() == ".xls":
        import xlrd

        book = xlrd.open_workbook(str(path), on_demand=True)
        try:
            sh = book.sheet_by_name(sheet)
            rows = _xls_rows(sh)
        finally:
            book.release_resources()
        values = pd.DataFrame(rows, dtype=object)
        # xlrd without formatting_info cannot see fonts; the .xls series files carry
        # their estimate flags in the Source columns instead.
        italic = pd.DataFrame(False, index=values.index, columns=values.columns)
    else:
        import openpyxl

        # read-only mode skips binding merged ranges (seconds on ITU's merge-heavy
        # tables); cells are placed by their own coordinates, as empty cells carry none
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        try:
            found: dict[tuple[int, int], tuple[object, bool]] = {}
            for row_cells in wb[sheet].iter_rows():
                for cell in row_cells:
                    v = getattr(cell, "value", None)
                    if v is None or getattr(cell, "row", None) is None:
                        continue
                    font = getattr(cell, "font", None)
                    found[(cell.row, cell.column)] = (v, bool(font is not None and font.i))
        finally:
            wb.close()
        nrows = max((r for r, _ in found), default=0)
        ncols = max((c for _, c in found), default=0)
        vals = np.full((nrows, ncols), None, dtype=object)
        ital = np.zeros((nrows, ncols), dtype=bool)
        for (r, c), (v, i) in found.items():
            vals[r - 1, c - 1] = v
            ital[r - 1, c - 1] = i
        values = pd.DataFrame(vals, dtype=object)
        italic = pd.DataFrame(ital)
    values.index = values.index + 1
    italic.index = italic.index + 1
    return Sheet(name=sheet, values=values, italic=italic)


def open_sheet(path: Path, rel: str, sheet: str, *, fix: str) -> Sheet:
    """Load ``sheet`` of an .xls/.xlsx workbook; raise :class:`InputError` naming the
    sheets found when it is absent (``fix`` says what the user can do)."""
    names = sheet_names(path, rel)
    if sheet not in names:
        raise InputError(
            problem=f"the workbook has no sheet {sheet!r}; sheets found: {names}",
            file=rel,
            expected=f"a sheet named {sheet!r}",
            fix=fix,
        )
    return load_sheet(path, rel, sheet)


def cell_text(v: object) -> str:
    """Return a cell as stripped text ('' for empty cells)."""
    if v is None:
        return ""
    if isinstance(v, float):
        if np.isnan(v):
            return ""
        return str(int(v)) if v.is_integer() else repr(v)
    return str(v).strip()
