"""Checks the reader tests share: the OBSERVATIONS contract and picking one cell."""

from __future__ import annotations

import pandas as pd

from scripts.core import contract, tables


def check_observations(df: pd.DataFrame) -> None:
    """Fail unless ``df`` has exactly the OBSERVATIONS columns and dtypes and a unique key."""
    assert list(df.columns) == list(tables.OBSERVATIONS.columns)
    assert {c: str(t) for c, t in df.dtypes.items()} == dict(tables.OBSERVATIONS.columns)
    contract.check_unique(df, tables.OBSERVATIONS.key, "cell")


def cell(df: pd.DataFrame, **where: object) -> pd.Series:
    """Return the single row of ``df`` matching ``where`` (column = value)."""
    mask = pd.Series(True, index=df.index)
    for k, v in where.items():
        mask &= df[k] == v
    hit = df[mask]
    assert len(hit) == 1, f"{len(hit)} rows match {where}"
    return hit.iloc[0]
