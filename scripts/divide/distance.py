"""Time distance (Sicherl's S-distance): how many years an economy is behind a reference trajectory.

For economy i at level ``X_i(t)``, ``t*`` is the year in which the reference trajectory
(the mean of high-income economies, or each year's leader) first reached that level,
interpolated linearly between the reference's years; ``S = t - t*`` years (positive:
behind, negative: ahead). Two cases have no value, and say why instead:

- the reference never reached the level in the years it covers ("reference never reached");
- the reference was already above the level in its first year: ``t*`` lies before the data,
  so S is only known to be at least ``t - first year`` ("before the reference's first year",
  with that bound in ``at_least``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from scripts.core.vocabulary import TimeDistanceReference

DEFINED = "defined"
NEVER = "reference never reached"
BEFORE = "before the reference's first year"


def reference_trajectory(values: pd.DataFrame, how: TimeDistanceReference) -> pd.DataFrame:
    """The reference level per measure, basis and year (measure, basis, year, reference, n_reference).

    ``high_income_mean``: unweighted mean over the high-income economies with a value;
    ``leader``: the highest value of the year.
    """
    present = values[values["value"].notna()]
    if how == "high_income_mean":
        present = present[present["income_group"] == "H"]
        agg = present.groupby(["measure", "basis", "year"])["value"].agg(["mean", "size"])
    else:
        agg = present.groupby(["measure", "basis", "year"])["value"].agg(["max", "size"])
    agg.columns = ["reference", "n_reference"]
    return agg.reset_index()


def years_behind(
    levels: np.ndarray, years: np.ndarray, ref_years: np.ndarray, ref_values: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(t*, S, status, at_least) of every level ``levels[j]`` reached in ``years[j]``.

    ``ref_years`` ascending with their ``ref_values``; t* is the first crossing, linearly
    interpolated. S and t* are NaN where the status is not "defined"; ``at_least`` is the
    lower bound t - first reference year where the status is "before the reference's first year".
    """
    reached = ref_values[None, :] >= levels[:, None]
    any_reached = reached.any(axis=1)
    k = np.argmax(reached, axis=1)
    prev = np.maximum(k - 1, 0)
    v0, v1 = ref_values[prev], ref_values[k]
    y0, y1 = ref_years[prev].astype(float), ref_years[k].astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = np.where(v1 > v0, (levels - v0) / (v1 - v0), 1.0)
    t_star = np.where(k == 0, y1, y0 + frac * (y1 - y0))
    before = any_reached & (k == 0) & (ref_values[0] > levels)
    defined = any_reached & ~before
    status = np.where(defined, DEFINED, np.where(before, BEFORE, NEVER))
    t_star = np.where(defined, t_star, np.nan)
    distance = years - t_star
    at_least = np.where(before, years - float(ref_years[0]), np.nan)
    return t_star, distance, status, at_least


def time_distance_table(
    values: pd.DataFrame, how: TimeDistanceReference, history: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Time distance of every economy-year of ``values`` from the reference trajectory of its measure and basis.

    ``history`` (default: ``values``) holds the values the reference trajectory is built
    from: the same economies over more years (the panel before the analysis window), so
    that a distance longer than the window can still be measured. Returns one row per
    (measure, basis, iso3, year) with value, the reference's level that year, t*
    (``reference_year``), ``time_distance`` in years, ``status`` and ``at_least``.
    """
    ref = reference_trajectory(values if history is None else history, how)
    parts = []
    present = values[values["value"].notna()]
    for (measure, basis), g in present.groupby(["measure", "basis"], sort=True):
        r = ref[(ref["measure"] == measure) & (ref["basis"] == basis)].sort_values("year")
        if r.empty:
            continue
        t_star, dist, status, at_least = years_behind(
            g["value"].to_numpy(float),
            g["year"].to_numpy(float),
            r["year"].to_numpy(),
            r["reference"].to_numpy(float),
        )
        out = g[["measure", "basis", "iso3", "year", "value"]].copy()
        out["reference_value"] = g["year"].map(r.set_index("year")["reference"]).to_numpy(float)
        out["reference_year"], out["time_distance"], out["status"], out["at_least"] = t_star, dist, status, at_least
        parts.append(out.assign(reference=how))
    if not parts:
        return pd.DataFrame()
    return pd.concat(parts, ignore_index=True).sort_values(["measure", "basis", "iso3", "year"], ignore_index=True)
