"""Theil T and Theil L split into inequality within groups and between groups (regions, income groups).

With groups g, weights W_g = sum of w in g, group means mu_g and the overall mean mu
(REFERENCE.md section 7):

- ``T = sum_g s_g T_g + sum_g s_g ln(mu_g / mu)``, ``s_g = W_g mu_g / (W mu)`` (the group's share of the total);
- ``L = sum_g p_g L_g + sum_g p_g ln(mu / mu_g)``, ``p_g = W_g / W`` (the group's share of weight).

The first sum is "within", the second "between"; they add up to the statistic of the
pooled sample exactly, which :func:`decompose` checks against :mod:`scripts.divide.inequality`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from scripts.core.errors import InvariantError
from scripts.core.vocabulary import WEIGHTINGS
from scripts.divide.between import MIN_ECONOMIES, exclusion, samples
from scripts.divide.inequality import theil_l, theil_t

#: Groupings of economies the decomposition splits by (columns of the values frame).
GROUPINGS = ("region", "income_group")


def decompose(x: np.ndarray, w: np.ndarray, groups: np.ndarray, stat: str) -> tuple[float, float, float]:
    """(total, within, between) of Theil ``stat`` ("theil_t" or "theil_l") of 1-D ``x``, weights ``w``.

    Each is in nats; within + between equals total up to rounding (checked to 1e-9).
    """
    codes, g = np.unique(groups, return_inverse=True)
    n_groups = len(codes)
    wg = np.bincount(g, weights=w, minlength=n_groups)
    mug = np.bincount(g, weights=w * x, minlength=n_groups) / wg
    mu = (w * x).sum() / w.sum()
    fn = theil_t if stat == "theil_t" else theil_l
    tg = np.array([fn(x[g == k][None, :], w[g == k][None, :])[0] for k in range(n_groups)])
    if stat == "theil_t":
        share = wg * mug / (w.sum() * mu)
        with np.errstate(divide="ignore", invalid="ignore"):
            between_terms = np.where(share > 0, share * np.log(np.where(mug > 0, mug, 1.0) / mu), 0.0)
    else:
        share = wg / w.sum()
        between_terms = share * np.log(mu / mug)
    within = float((share * tg).sum())
    between = float(between_terms.sum())
    total = float(fn(x[None, :], w[None, :])[0])
    if abs(within + between - total) > 1e-9 * max(1.0, abs(total)):
        raise InvariantError(f"{stat} decomposition: within {within} + between {between} != total {total}")
    return total, within, between


def decomposition_table(values: pd.DataFrame) -> tuple[pd.DataFrame, list[dict]]:
    """Theil T and L within/between by region and by income group, per measure, basis, year and weighting.

    Economies without a group (or, between people, without a population; for Theil L, with
    a value of 0) are left out of that decomposition and counted in the row, so its total
    is the statistic of exactly the economies decomposed. Returns (rows of DECOMPOSITION,
    rows of EXCLUSIONS).
    """
    rows, excluded = [], []
    for (measure, basis, year), data in samples(values):
        for weighting in WEIGHTINGS:
            base = data if weighting == "economies" else data[data["population"] > 0]
            for grouping in GROUPINGS:
                grouped = base[base[grouping] != ""]
                for stat in ("theil_t", "theil_l"):
                    used = grouped[grouped["value"] > 0] if stat == "theil_l" else grouped
                    analysis = f"decomposition {stat} by {grouping} ({weighting})"
                    x = used["value"].to_numpy(float)
                    w = np.ones(len(used)) if weighting == "economies" else used["population"].to_numpy(float)
                    if len(used) < MIN_ECONOMIES or (x * w).sum() <= 0:
                        reason = "fewer than 2 economies" if len(used) < MIN_ECONOMIES else "every value is 0"
                        excluded.append(exclusion(measure, basis, analysis, year, reason, len(used)))
                        continue
                    total, within, between = decompose(x, w, used[grouping].to_numpy(str), stat)
                    rows.append(
                        {
                            "measure": measure,
                            "basis": basis,
                            "year": year,
                            "weighting": weighting,
                            "statistic": stat,
                            "grouping": grouping,
                            "total": total,
                            "within": within,
                            "between": between,
                            "between_share": between / total if total > 0 else 0.0,
                            "n": len(used),
                            "n_groups": used[grouping].nunique(),
                            "n_left_out": len(data) - len(used),
                        }
                    )
    return pd.DataFrame(rows), excluded
