"""Absolute and relative gaps: high- vs low-income means, and the top vs the bottom share of economies.

The absolute gap is a difference (in the measure's unit), the relative gap a ratio (the
upper group's mean over the lower group's). The two can move in opposite directions:
when Internet use rises from 1 % to 10 % in low-income economies and from 30 % to 80 %
in high-income ones, the ratio falls from 30 to 8 while the difference widens from 29 to
70 points. :func:`gap_trends` therefore states both directions and says so in words
when they disagree, so that neither number is read alone.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from scripts.divide.between import exclusion, samples

#: The comparisons of the GAPS table, and the rows each one compares.
INCOME = "high vs low income"
DECILES = "top vs bottom economies"


def _mean(rows: pd.DataFrame, weighting: str) -> float:
    """Mean value of ``rows``: over economies, or over people (population-weighted)."""
    x = rows["value"].to_numpy(float)
    w = np.ones(len(rows)) if weighting == "economies" else rows["population"].to_numpy(float)
    return float((x * w).sum() / w.sum())


def gap_table(values: pd.DataFrame, share: float) -> tuple[pd.DataFrame, list[dict]]:
    """Gaps per measure, basis and year: high- vs low-income means (economies and people), top vs bottom economies.

    The top/bottom groups are the ``ceil(share x n)`` economies with the highest and the
    lowest values (unweighted; ties broken by ISO3 code). ``ratio`` is NaN with a note
    when the lower mean is 0. Returns (rows of GAPS, rows of EXCLUSIONS).
    """
    rows, excluded = [], []
    for (measure, basis, year), data in samples(values):
        comparisons = []
        for weighting in ("economies", "people"):
            d = data if weighting == "economies" else data[data["population"] > 0]
            high, low = d[d["income_group"] == "H"], d[d["income_group"] == "L"]
            if high.empty or low.empty:
                excluded.append(
                    exclusion(measure, basis, f"gap {INCOME} ({weighting})", year, "no high- or no low-income value", 0)
                )
                continue
            comparisons.append((INCOME, weighting, high, low))
        k = math.ceil(share * len(data))
        if 2 * k <= len(data):
            ranked = data.sort_values(["value", "iso3"])
            comparisons.append((DECILES, "economies", ranked.tail(k), ranked.head(k)))
        else:
            excluded.append(exclusion(measure, basis, f"gap {DECILES}", year, "too few economies to split", len(data)))
        for comparison, weighting, upper, lower in comparisons:
            up, lo = _mean(upper, weighting), _mean(lower, weighting)
            rows.append(
                {
                    "measure": measure,
                    "basis": basis,
                    "year": year,
                    "comparison": comparison,
                    "weighting": weighting,
                    "upper_mean": up,
                    "lower_mean": lo,
                    "n_upper": len(upper),
                    "n_lower": len(lower),
                    "absolute_gap": up - lo,
                    "ratio": up / lo if lo > 0 else np.nan,
                    "note": "" if lo > 0 else "lower mean is 0: no ratio",
                }
            )
    return pd.DataFrame(rows), excluded


def _direction(start: float, end: float) -> str:
    if not (np.isfinite(start) and np.isfinite(end)):
        return "undefined"
    return "widened" if end > start else ("narrowed" if end < start else "unchanged")


def gap_trends(gaps: pd.DataFrame) -> pd.DataFrame:
    """How each gap moved from its first to its last year, with a plain statement when the two gaps disagree.

    One row per (measure, basis, comparison, weighting): the gaps in the first and last year
    with data (with a ratio, when at least two years have one), the direction of each
    ("widened" / "narrowed" / "unchanged" / "undefined"),
    ``diverging`` (the relative gap narrowed while the absolute gap widened) and ``statement``.
    """
    rows = []
    key = ["measure", "basis", "comparison", "weighting"]
    for k, g in gaps.sort_values([*key, "year"]).groupby(key, sort=True):
        finite = g[np.isfinite(g["ratio"])]
        g = finite if len(finite) >= 2 else g  # a ratio undefined in early years: compare the years that have one
        first, last = g.iloc[0], g.iloc[-1]
        absolute = _direction(first["absolute_gap"], last["absolute_gap"])
        relative = _direction(first["ratio"], last["ratio"])
        diverging = absolute == "widened" and relative == "narrowed"
        span = f"{int(first['year'])}-{int(last['year'])}"
        if diverging:
            statement = (
                f"{span}: the relative gap narrowed (ratio {first['ratio']:.3g} to {last['ratio']:.3g}) "
                f"while the absolute gap widened ({first['absolute_gap']:.3g} to {last['absolute_gap']:.3g}): "
                "the lower group grew faster in proportion but fell further behind in units"
            )
        else:
            statement = (
                f"{span}: the absolute gap {absolute} ({first['absolute_gap']:.3g} to {last['absolute_gap']:.3g}), "
                f"the relative gap {relative} (ratio {first['ratio']:.3g} to {last['ratio']:.3g})"
            )
        rows.append(
            {
                **dict(zip(key, k)),
                "first_year": int(first["year"]),
                "last_year": int(last["year"]),
                "absolute_first": first["absolute_gap"],
                "absolute_last": last["absolute_gap"],
                "ratio_first": first["ratio"],
                "ratio_last": last["ratio"],
                "absolute_direction": absolute,
                "relative_direction": relative,
                "diverging": diverging,
                "statement": statement,
            }
        )
    return pd.DataFrame(rows)
