"""Sigma- and beta-convergence of an ICT measure across economies (statsmodels OLS).

- Sigma-convergence: does the dispersion fall over the years? The trend of each dispersion
  measure (SD of log values, CV, Gini; between economies) on the year, by OLS with
  Newey-West (HAC) standard errors, because a dispersion series is autocorrelated.
- Beta-convergence: do economies that started lower grow faster?
  ``(f(x_iT) - f(x_i0)) / T = a + b f(x_i0) [+ income-group effects] + e`` with ``f`` the log
  (or, for per-cent measures, also the logit of the share, which does not saturate at 100 %),
  HC1 robust standard errors. ``b < 0`` is convergence; its speed is
  ``lambda = -ln(1 + b T) / T`` and the half-life ``ln 2 / lambda`` years, defined only when
  ``-1 < b T < 0``.

Both are associations across economies, not a statement about what any one economy will do.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import statsmodels.api as sm

from scripts.divide.between import exclusion

#: Fewest years a sigma trend and fewest economies a beta regression is fitted on.
MIN_YEARS = 3
MIN_ECONOMIES = 5
#: The dispersion measures of sigma-convergence.
DISPERSIONS = ("sd_log", "cv", "gini")


def sd_log(values: pd.DataFrame) -> pd.DataFrame:
    """SD (ddof 0) of the log of the values > 0 per measure, basis and year (years with 2 or more such values)."""
    pos = values[values["value"] > 0].assign(log=lambda d: np.log(d["value"]))
    sd = pos.groupby(["measure", "basis", "year"])["log"].agg(["std", "size"])
    sd = sd[sd["size"] >= 2]
    sd = sd["std"] * np.sqrt((sd["size"] - 1) / sd["size"])  # pandas' std has ddof 1
    return sd.rename("value").reset_index().assign(dispersion="sd_log")


def sigma_table(dispersion: pd.DataFrame, hac_lags: int) -> tuple[pd.DataFrame, list[dict]]:
    """Linear trend per year of each dispersion series (measure, basis, dispersion, year, value).

    ``slope`` is in the dispersion's units per year with its HAC SE (``hac_lags`` lags),
    95 % interval and p-value; ``verdict`` is "converging" / "diverging" when the interval
    excludes 0, else "no clear trend". Returns (rows of SIGMA, rows of EXCLUSIONS).
    """
    rows, excluded = [], []
    for (measure, basis, disp), g in dispersion.groupby(["measure", "basis", "dispersion"], sort=True):
        g = g[np.isfinite(g["value"])].sort_values("year")
        if len(g) < MIN_YEARS:
            excluded.append(exclusion(measure, basis, f"sigma-convergence {disp}", None, "fewer than 3 years", 0))
            continue
        years = g["year"].to_numpy(float)
        fit = sm.OLS(g["value"].to_numpy(float), sm.add_constant(years - years[0])).fit(
            cov_type="HAC", cov_kwds={"maxlags": min(hac_lags, len(g) - 2)}
        )
        low, high = fit.conf_int()[1]
        rows.append(
            {
                "measure": measure,
                "basis": basis,
                "dispersion": disp,
                "n_years": len(g),
                "first_year": int(years[0]),
                "last_year": int(years[-1]),
                "first_value": float(g["value"].iloc[0]),
                "last_value": float(g["value"].iloc[-1]),
                "slope": float(fit.params[1]),
                "se": float(fit.bse[1]),
                "ci_low": float(low),
                "ci_high": float(high),
                "p_value": float(fit.pvalues[1]),
                "verdict": "converging" if high < 0 else ("diverging" if low > 0 else "no clear trend"),
            }
        )
    return pd.DataFrame(rows), excluded


def half_life(beta: float, horizon: float) -> tuple[float, float]:
    """(speed lambda per year, half-life in years) of a beta over ``horizon`` years; NaN unless -1 < b T < 0."""
    bt = beta * horizon
    if not -1 < bt < 0:
        return np.nan, np.nan
    speed = -np.log1p(bt) / horizon
    return float(speed), float(np.log(2) / speed)


def transform(x: np.ndarray, how: str) -> np.ndarray:
    """``log`` of values > 0, or ``logit`` of per-cent values in (0, 100); NaN outside the domain."""
    with np.errstate(divide="ignore", invalid="ignore"):
        if how == "log":
            return np.where(x > 0, np.log(np.where(x > 0, x, 1.0)), np.nan)
        p = x / 100
        ok = (p > 0) & (p < 1)
        q = np.where(ok, p, 0.5)
        return np.where(ok, np.log(q / (1 - q)), np.nan)


def beta_fit(start: np.ndarray, end: np.ndarray, horizon: float, groups: np.ndarray | None) -> dict:
    """Beta-convergence regression of the annual growth of transformed values on the transformed start.

    ``start``/``end`` are transformed values, ``groups`` income groups (None: unconditional).
    Returns beta, its HC1 SE, 95 % interval, p-value, R-squared, speed and half-life.
    """
    growth = (end - start) / horizon
    X = start[:, None]
    if groups is not None:
        dummies = pd.get_dummies(pd.Series(groups), drop_first=True, dtype=float).to_numpy()
        X = np.column_stack([X, dummies]) if dummies.size else X
    fit = sm.OLS(growth, sm.add_constant(X, has_constant="add")).fit(cov_type="HC1")
    low, high = fit.conf_int()[1]
    speed, life = half_life(float(fit.params[1]), horizon)
    return {
        "beta": float(fit.params[1]),
        "se": float(fit.bse[1]),
        "ci_low": float(low),
        "ci_high": float(high),
        "p_value": float(fit.pvalues[1]),
        "r2": float(fit.rsquared),
        "speed": speed,
        "half_life": life,
    }


def beta_table(values: pd.DataFrame, percent: set[str], logit_shares: bool) -> tuple[pd.DataFrame, list[dict]]:
    """Beta-convergence per measure, basis, transform and specification from the first to the last year.

    An economy enters when it has a value in both the measure's first and last year and the
    transform is defined at both (a log needs values > 0); the others are counted in
    ``n_left_out``. Conditional fits add income-group effects (the group of the first year).
    Returns (rows of BETA, rows of EXCLUSIONS).
    """
    rows, excluded = [], []
    present = values[values["value"].notna()]
    for (measure, basis), g in present.groupby(["measure", "basis"], sort=True):
        first, last = int(g["year"].min()), int(g["year"].max())
        wide = g.pivot_table(index="iso3", columns="year", values="value")
        if first == last or first not in wide or last not in wide:
            excluded.append(exclusion(measure, basis, "beta-convergence", None, "fewer than 2 years", len(wide)))
            continue
        start_group = g[g["year"] == first].set_index("iso3")["income_group"]
        transforms = ["log"] + (["logit"] if logit_shares and measure in percent else [])
        for how in transforms:
            s, e = transform(wide[first].to_numpy(float), how), transform(wide[last].to_numpy(float), how)
            ok = np.isfinite(s) & np.isfinite(e)
            iso = wide.index[ok]
            for spec in ("unconditional", "conditional on income group"):
                grp = start_group.reindex(iso).fillna("").to_numpy(str) if spec != "unconditional" else None
                use = np.ones(len(iso), bool) if grp is None else grp != ""
                if use.sum() < MIN_ECONOMIES:
                    reason = f"fewer than {MIN_ECONOMIES} economies with both years"
                    excluded.append(exclusion(measure, basis, f"beta-convergence ({how}, {spec})", None, reason, 0))
                    continue
                fit = beta_fit(s[ok][use], e[ok][use], last - first, None if grp is None else grp[use])
                rows.append(
                    {
                        "measure": measure,
                        "basis": basis,
                        "transform": how,
                        "specification": spec,
                        "first_year": first,
                        "last_year": last,
                        "n": int(use.sum()),
                        "n_left_out": len(wide) - int(use.sum()),
                        **fit,
                        "converging": fit["ci_high"] < 0,
                    }
                )
    return pd.DataFrame(rows), excluded
