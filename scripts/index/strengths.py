"""Strengths and weaknesses: each economy-year's best and worst indicators by rank (the Handbook's step 8)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from scripts.core.errors import ConfigError


def strengths_weaknesses(
    normalised: pd.DataFrame,
    ranks: pd.DataFrame | None = None,
    n: int = 3,
) -> pd.DataFrame:
    """Return each (unit, year)'s ``n`` best- and worst-ranked indicators, long format.

    Parameters
    ----------
    normalised:
        Wide frame indexed by (unit, year) (any level names), normalised so that higher
        is better.
    ranks:
        Ranks on the same index and columns (1 = best). Default: the rank of the unit
        among the units of the same year, per indicator (ties share the best rank).
    n:
        How many strengths and weaknesses per (unit, year); fewer when fewer indicators
        are present.

    Returns
    -------
    DataFrame with columns <unit level>, <year level>, ``kind`` ("strength" |
    "weakness"), ``position`` (1..n, 1 = the best for strengths and the worst for
    weaknesses), ``indicator``, ``rank`` and ``value`` (the normalised value). Indicators
    tied in rank keep their column order. Rows in the order of ``normalised``.
    """
    if n < 1:
        raise ConfigError(problem=f"strengths/weaknesses count is {n}", expected="an integer >= 1")
    unit_name = normalised.index.names[0] or "unit"
    year_name = normalised.index.names[1] or "year"
    if ranks is None:
        ranks = normalised.groupby(level=1).rank(ascending=False, method="min")
    else:
        ranks = ranks.reindex(index=normalised.index, columns=normalised.columns)
    r = ranks.to_numpy(dtype=float)
    v = normalised.to_numpy(dtype=float)
    n_rows, k = r.shape
    m = min(n, k)
    cols = np.asarray(normalised.columns)
    units = normalised.index.get_level_values(0)
    years = normalised.index.get_level_values(1)

    parts = []
    for kind, key in (("strength", r), ("weakness", -r)):
        key = np.where(np.isnan(key), np.inf, key)
        order = np.argsort(key, axis=1, kind="stable")[:, :m]
        keep = np.isfinite(np.take_along_axis(key, order, axis=1))
        row_idx = np.repeat(np.arange(n_rows), m).reshape(n_rows, m)
        pos = np.tile(np.arange(1, m + 1), (n_rows, 1))
        rr, oo, pp = row_idx[keep], order[keep], pos[keep]
        parts.append(
            pd.DataFrame(
                {
                    "_row": rr,
                    "_kind": 0 if kind == "strength" else 1,
                    unit_name: units[rr],
                    year_name: years[rr],
                    "kind": kind,
                    "position": pp.astype("int64"),
                    "indicator": cols[oo],
                    "rank": r[rr, oo],
                    "value": v[rr, oo],
                }
            )
        )
    out = pd.concat(parts, ignore_index=True)
    out = out.sort_values(["_row", "_kind", "position"], kind="stable")
    return out.drop(columns=["_row", "_kind"]).reset_index(drop=True)
