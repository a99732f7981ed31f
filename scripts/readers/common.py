"""Helpers shared by the readers: placeholder handling, cell addresses, layout checks."""

from __future__ import annotations

import re
from collections.abc import Iterable

import numpy as np
import pandas as pd

from scripts.errors import InputError

#: Tokens publishers use for "no data". They become NaN and are counted as missing in
#: the reconciliation, never raised as errors. ITU's '-' ("zero or less than half the
#: unit shown") is deliberately *not* here: it is a real, tiny value (see ITU reader).
PLACEHOLDERS: frozenset[str] = frozenset({"", "..", "...", "…", "n/a", "N/A", "NA", "na", "-9999", "x", "X", " "})

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
    file, row and column of the first cell that is neither a number nor a placeholder.
    """
    rows = pd.Series(list(rows), index=raw.index)
    columns = pd.Series(list(columns), index=raw.index)
    numeric = pd.to_numeric(raw, errors="coerce").astype("float64")
    undecided = numeric.isna() & raw.notna()
    if undecided.any():
        text = raw[undecided].astype(str).str.strip()
        is_placeholder = text.isin(placeholders) | text.str.lower().isin({"nan", "none"})
        bad = text[~is_placeholder]
        if len(bad):
            i = bad.index[0]
            raise InputError(
                problem=f"non-numeric value {bad.loc[i]!r} in a numeric column",
                file=file,
                row=int(rows.loc[i]),
                column=str(columns.loc[i]),
                expected="a number, or a missing-value placeholder ('', '..', '...', 'n/a')",
                fix="check that the file is the publisher's original and that its columns are not shifted",
            )
    numeric[~np.isfinite(numeric.fillna(0.0))] = np.nan
    return numeric


def require_header(found: list[str], expected: list[str], *, file: str, row: int) -> None:
    """Raise :class:`InputError` unless ``found`` starts with the ``expected`` labels."""
    head = [str(x).strip().lstrip("\ufeff") for x in found[: len(expected)]]
    if head != expected:
        raise InputError(
            problem=f"unexpected header {head}",
            file=file,
            row=row,
            expected=f"the columns {expected}",
            fix="the publisher may have changed the layout; download the file again or adapt the reader",
        )
