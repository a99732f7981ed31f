"""The stage contract: every table that passes between stages is written and read through here.

A :class:`Table` declares a table's columns in order, their dtypes and the key that must
be unique (the declarations live in :mod:`scripts.core.tables`, one commented line per
column). :func:`write_table` conforms a frame to its table (exactly those columns, in
order, cast to their dtypes), checks the key and writes it atomically as CSV or parquet
by the file's suffix; :func:`read_table` reads it back with the same dtypes and checks
the key again. A stage therefore cannot hand the next one a differently shaped frame,
and a file from an older run that lacks a column is refused with the file's name.

Dtypes are pandas dtype names. Text that repeats over many rows is ``category`` in memory
(written as text in parquet when the writer is told so); ``str`` is plain Python text
(``object`` in pandas 2), kept where a published file has always stored it that way.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from scripts.core.errors import InputError
from scripts.core.io import read_csv, read_parquet, write_csv, write_parquet


@dataclass(frozen=True)
class Table:
    """A table of the stage contract.

    Attributes
    ----------
    name:
        What a row is, in words ("panel value", "imputed cell"): used in error messages.
    columns:
        Column -> pandas dtype, in the order the table is written.
    key:
        Columns whose combination is unique (empty: no key is checked).
    """

    name: str
    columns: Mapping[str, str]
    key: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        stray = [k for k in self.key if k not in self.columns]
        if stray:
            raise ValueError(f"table {self.name!r}: key columns {stray} are not columns")


def empty(table: Table) -> pd.DataFrame:
    """Return an empty frame with the columns and dtypes of ``table``."""
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in table.columns.items()})


def conform(df: pd.DataFrame, table: Table, *, keep_categories: Sequence[str] = ()) -> pd.DataFrame:
    """Return ``df`` with exactly the table's columns, in order, cast to its dtypes.

    Columns named in ``keep_categories`` must be categoricals and are left so (they are
    written as text by :func:`write_table`; casting 10^8 cells first would cost memory).
    Raises ValueError naming the missing columns: a frame a stage built is a program's
    output, not the user's.
    """
    missing = [c for c in table.columns if c not in df.columns]
    if missing:
        raise ValueError(f"{table.name} table lacks columns {missing}; has {list(df.columns)}")
    cast = {c: t for c, t in table.columns.items() if c not in keep_categories}
    out = df[list(table.columns)]
    return out.astype(cast) if any(str(out[c].dtype) != t for c, t in cast.items()) else out


def check_unique(df: pd.DataFrame, key: Sequence[str], what: str, locate: Sequence[str] | None = None) -> None:
    """Raise :class:`InputError` naming both rows when ``key`` is duplicated in ``df``.

    ``locate`` lists the columns that say where a row came from (default: file, row,
    column when present), so the message points at both offending places. A frame sorted
    by ``key`` (as every table is written) is checked in one pass over its columns.
    """
    key = list(key)
    dup = _duplicated_sorted(df, key)
    if dup is None:
        dup = df.duplicated(key, keep=False).to_numpy()
    if not dup.any():
        return
    locate = list(locate or [c for c in ("file", "row", "column") if c in df.columns])
    first = df.loc[dup].sort_values(key + locate).head(2)
    places = "; ".join(", ".join(f"{c}={first.iloc[i][c]}" for c in locate) for i in range(len(first)))
    keyval = ", ".join(f"{k}={first.iloc[0][k]}" for k in key)
    raise InputError(
        problem=f"duplicate {what} for ({keyval}): found at {places}",
        file=str(first.iloc[0]["file"]) if "file" in first.columns else None,
        row=int(first.iloc[1]["row"]) if "row" in first.columns else None,
        expected=f"one {what} per ({', '.join(key)})",
        fix="remove the repeated row from the input, or map the two series to different indicators",
    )


def _sort_codes(col: pd.Series) -> np.ndarray | None:
    """Integers that order like the column's values (None when it has missing values)."""
    if isinstance(col.dtype, pd.CategoricalDtype):
        if (col.cat.codes < 0).any():
            return None
        # Category codes follow the categories' order, which need not be sorted.
        rank = np.argsort(np.argsort(col.cat.categories.to_numpy(dtype=object)))
        return rank[col.cat.codes.to_numpy()]
    values = col.to_numpy()
    if col.isna().any():
        return None
    if values.dtype.kind in "iub":
        return values.astype("int64")
    codes, _ = pd.factorize(values, sort=True)
    return codes


def _duplicated_sorted(df: pd.DataFrame, key: list[str]) -> np.ndarray | None:
    """Rows whose key repeats (all of them), if ``df`` is sorted by ``key``; None otherwise."""
    n = len(df)
    if n < 2:
        return np.zeros(n, dtype=bool)
    equal = np.ones(n - 1, dtype=bool)  # rows i and i+1 equal on the key columns so far
    for k in key:
        codes = _sort_codes(df[k])
        if codes is None:
            return None
        step = np.diff(codes)
        if (step[equal] < 0).any():  # out of order within a run of equal prefixes
            return None
        equal &= step == 0
    dup = np.zeros(n, dtype=bool)
    dup[:-1] |= equal
    dup[1:] |= equal
    return dup


def write_table(df: pd.DataFrame, target: str | os.PathLike, table: Table, *, strings: Sequence[str] = ()) -> None:
    """Conform ``df`` to ``table``, check its key, and write it atomically (CSV or parquet by suffix).

    ``strings`` names categorical columns that the table declares as ``string``: they are
    written as text without being converted in memory first (see :func:`io.write_parquet`).
    """
    out = conform(df, table, keep_categories=strings)
    if table.key:
        check_unique(out, table.key, table.name)
    suffix = Path(target).suffix
    if suffix == ".parquet":
        write_parquet(out, target, strings=strings)
    elif suffix == ".csv":
        if strings:
            raise ValueError("strings= applies to parquet tables only")
        write_csv(out, target)
    else:
        raise ValueError(f"cannot tell the format of {target}: expected a .csv or .parquet file")


def read_table(
    path: str | os.PathLike,
    table: Table,
    *,
    columns: Sequence[str] | None = None,
    where: Mapping[str, Collection[Any]] | None = None,
) -> pd.DataFrame:
    """Read a table written by :func:`write_table`, with the table's dtypes; check its key.

    ``columns`` reads a subset (parquet only reads those; the key is then checked only if
    it is within the subset). ``where`` keeps the rows whose value in each named column is
    one of the given values (parquet filters them before they become a frame, so reading
    11 indicators of a 60-indicator table costs a tenth of reading it all). Raises
    :class:`InputError` naming the file when a column is missing (a file from another
    version of the workflow: re-run the stage that writes it).
    """
    wanted = list(columns) if columns is not None else list(table.columns)
    used = wanted + [c for c in where or {} if c not in wanted]  # the filter's columns are read too
    unknown = [c for c in used if c not in table.columns]
    if unknown:
        raise ValueError(f"{table.name} table has no columns {unknown}")
    suffix = Path(path).suffix
    if suffix == ".parquet":
        import pyarrow.parquet as pq

        have = set(pq.read_schema(path).names)
    else:
        with open(path, encoding="utf-8") as fh:
            have = set(fh.readline().rstrip("\r\n").split(","))
    missing = [c for c in used if c not in have]
    if missing:
        raise InputError(
            problem=f"the {table.name} table lacks the columns {missing}",
            file=str(path),
            expected=f"the columns {wanted}",
            fix="the file comes from another version of the workflow; delete it and run the workflow again",
        )
    dtypes = {c: table.columns[c] for c in wanted}
    if suffix == ".parquet":
        filters = [(c, "in", list(v)) for c, v in where.items()] if where else None
        df = read_parquet(path, columns=wanted, filters=filters)
    else:
        # A blank text cell is "" (CSV cannot tell it from a missing one); a blank number is NaN.
        text = {c: str for c in used if table.columns[c] in ("string", "str", "category")}
        blank = {c: [""] for c in used if c not in text}
        df = read_csv(path, usecols=used, dtype=text, na_values=blank)
        for c, values in (where or {}).items():
            df = df[df[c].isin(list(values))]
        df = df[wanted].reset_index(drop=True)
    df = df.astype(dtypes) if any(str(df[c].dtype) != t for c, t in dtypes.items()) else df
    if table.key and set(table.key) <= set(wanted):
        check_unique(df, table.key, table.name)
    return df
