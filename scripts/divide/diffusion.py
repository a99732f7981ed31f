"""Logistic diffusion curves per economy and measure: saturation, midpoint year and growth rate.

``x(t) = K / (1 + exp(-r (t - t0)))`` (REFERENCE.md section 7) is fitted by bounded least
squares (scipy's ``curve_fit``, trust-region reflective). A fit the data cannot support is
refused with its reason rather than reported:

- fewer than ``min_points`` observations ("too few points");
- no rise over the years (the last third's mean not above the first third's: "no rise");
- the solver fails ("no convergence");
- the midpoint more than ``midpoint_margin`` years beyond the observed years, or K at its
  upper bound: the data show only the start of the curve, so K and t0 are not identified
  ("saturation not identified").

An accepted fit is flagged "good" when its R-squared reaches ``min_r2``, else "poor".
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import OptimizeWarning, curve_fit


@dataclass(frozen=True)
class DiffusionSettings:
    """Settings of the logistic fits (config ``divide.diffusion``)."""

    min_points: int
    min_r2: float
    max_saturation: float  # upper bound of K for measures not in per cent, times the measure's largest value
    midpoint_margin: float  # years


def logistic(t: np.ndarray, k: float, r: float, t0: float) -> np.ndarray:
    """The logistic curve at years ``t``: saturation ``k`` (measure's unit), rate ``r`` (per year), midpoint ``t0``."""
    return k / (1.0 + np.exp(-r * (t - t0)))


def fit_logistic(t: np.ndarray, x: np.ndarray, k_max: float, s: DiffusionSettings) -> dict:
    """Fit one economy's series; returns saturation, midpoint, growth_rate, r2, rmse, flag and reason.

    ``flag`` is "good", "poor" or "refused" (parameters NaN, ``reason`` says why).
    """
    out = {"n_points": len(t), "saturation": np.nan, "midpoint": np.nan, "growth_rate": np.nan}
    out.update({"r2": np.nan, "rmse": np.nan, "flag": "refused", "reason": ""})
    if len(t) < s.min_points:
        return {**out, "reason": f"too few points ({len(t)} < {s.min_points})"}
    third = max(1, len(t) // 3)
    order = np.argsort(t)
    t, x = t[order], x[order]
    if x[-third:].mean() <= x[:third].mean():
        return {**out, "reason": "no rise: the last years are not above the first"}
    k_low = max(float(x.max()), 1e-9)
    k_max = max(k_max, k_low * 1.0001)
    guess = (min(max(k_low * 1.2, k_low), k_max), 0.5, float(np.median(t)))
    bounds = ([k_low, 1e-3, t[0] - 50], [k_max, 5.0, t[-1] + 50])
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", OptimizeWarning)
            params, _ = curve_fit(logistic, t, x, p0=guess, bounds=bounds, method="trf", maxfev=5000)
    except (RuntimeError, ValueError) as exc:
        return {**out, "reason": f"no convergence ({exc.__class__.__name__})"}
    k, r, t0 = (float(v) for v in params)
    resid = x - logistic(t, k, r, t0)
    ss_tot = float(((x - x.mean()) ** 2).sum())
    r2 = 1 - float((resid**2).sum()) / ss_tot if ss_tot > 0 else np.nan
    fitted = {"saturation": k, "midpoint": t0, "growth_rate": r, "r2": r2, "rmse": float(np.sqrt((resid**2).mean()))}
    if t0 > t[-1] + s.midpoint_margin or k >= k_max * 0.999:
        return {**out, "r2": r2, "reason": "saturation not identified: the data show only the start of the curve"}
    flag = "good" if np.isfinite(r2) and r2 >= s.min_r2 else "poor"
    return {**out, **fitted, "flag": flag, "reason": "" if flag == "good" else f"R-squared {r2:.2f} < {s.min_r2}"}


def diffusion_table(values: pd.DataFrame, percent: set[str], s: DiffusionSettings) -> pd.DataFrame:
    """A logistic fit for every economy and measure of ``values`` (one basis), refused fits included.

    K is bounded by 100 for per-cent measures (``percent``) and by ``max_saturation`` times
    the measure's largest value otherwise. Rows sorted by measure and iso3.
    """
    rows = []
    present = values[values["value"].notna()]
    for measure, g in present.groupby("measure", sort=True):
        k_max = 100.0 if measure in percent else s.max_saturation * float(g["value"].max())
        for iso3, e in g.groupby("iso3", sort=True):
            fit = fit_logistic(e["year"].to_numpy(float), e["value"].to_numpy(float), k_max, s)
            rows.append(
                {
                    "measure": measure,
                    "basis": str(e["basis"].iloc[0]),
                    "iso3": iso3,
                    "first_year": int(e["year"].min()),
                    "last_year": int(e["year"].max()),
                    **fit,
                }
            )
    return pd.DataFrame(rows)
