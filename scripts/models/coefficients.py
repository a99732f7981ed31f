"""The tidy coefficient table, its FDR q-values, the specification-curve summary and the headline diagnostics."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from scripts.models.grid import PooledFit
from scripts.models.pooling import bh_qvalues
from scripts.models.settings import ModelSettings, Spec

#: Columns that name one specification (without the outcome and measure).
SPEC_COLUMNS = ["model", "term", "estimator", "controls", "lag", "se_type"]


def coefficient_rows(
    outcome: pd.Series, measure: str, measure_used: str, fits: Sequence[tuple[Spec, bool, PooledFit]]
) -> list[dict]:
    """Rows of the COEFFICIENTS table for one outcome and measure (without q)."""
    rows = []
    for spec, placebo, f in fits:
        rows.append(
            {
                "outcome": outcome["outcome"],
                "mdg_code": outcome["mdg_code"],
                "goal": outcome["goal"],
                "basis": outcome["basis"],
                "measure": measure,
                "measure_used": measure_used,
                "model": "placebo" if placebo else "main",
                "term": f.term,
                "estimator": spec.estimator,
                "controls": spec.controls,
                "lag": spec.lag,
                "se_type": f.se_type,
                "headline": False,  # set by add_inference, which knows the headline
                "estimate": f.estimate,
                "se": f.se,
                "df": f.df,
                "std_estimate": f.std_estimate,
                "n_economies": f.n_economies,
                "n_obs": f.n_obs,
                "r2_within": f.r2_within,
                "m": f.m,
                "within_var": f.within,
                "between_var": f.between,
                "total_var": f.total,
                "fmi": f.fmi,
            }
        )
    return rows


def add_inference(coef: pd.DataFrame, settings: ModelSettings) -> pd.DataFrame:
    """Add p (two-sided, t with the Barnard-Rubin df), the 95% interval, q (BH within each
    specification, SE type, model and term, across outcomes x measures), ``significant``
    (q < fdr_alpha) and the ``headline`` flag; rows sorted by the table key."""
    out = coef.copy()
    est, se, df = (out[c].to_numpy(dtype=float) for c in ("estimate", "se", "df"))
    out["p"] = 2.0 * stats.t.sf(np.abs(est) / se, df)
    half = stats.t.ppf(0.975, df) * se
    out["ci_low"], out["ci_high"] = est - half, est + half
    out["q"] = out.groupby(SPEC_COLUMNS, sort=False)["p"].transform(
        lambda p: pd.Series(bh_qvalues(p.to_numpy()), index=p.index)
    )
    out["significant"] = out["q"] < settings.fdr_alpha
    h = settings.headline
    out["headline"] = (
        (out["model"] == "main")
        & (out["estimator"] == h["estimator"])
        & (out["controls"] == h["controls"])
        & (out["lag"] == h["lag"])
        & (out["se_type"] == h["se_type"])
    )
    return out.sort_values(["outcome", "measure", *SPEC_COLUMNS], ignore_index=True)


def _summary(g: pd.DataFrame, sign: int, reference: str) -> dict:
    same = np.sign(g["estimate"]) == sign
    return {
        "n_specs": len(g),
        "reference": reference,
        "reference_sign": sign,
        "share_same_sign": float(same.mean()),
        "share_significant": float(g["significant"].mean()),
        "share_significant_same_sign": float((same & g["significant"]).mean()),
        "median_std_estimate": float(g["std_estimate"].median()),
        "min_std_estimate": float(g["std_estimate"].min()),
        "max_std_estimate": float(g["std_estimate"].max()),
    }


def spec_summary(coef: pd.DataFrame) -> pd.DataFrame:
    """The specification curve per outcome x measure (sign of the headline as reference) and per outcome."""
    main = coef[(coef["model"] == "main") & (coef["term"] == "ict")]
    rows = []
    for (oid, measure), g in main.groupby(["outcome", "measure"], sort=True):
        head = g[g["headline"]]
        if head.empty:
            continue
        sign = int(np.sign(head["estimate"].iloc[0])) or 1
        rows.append({"outcome": oid, "basis": g["basis"].iloc[0], "measure": measure, **_summary(g, sign, "headline")})
    for oid, g in main.groupby("outcome", sort=True):
        sign = 1 if (np.sign(g["estimate"]) > 0).mean() >= 0.5 else -1
        rows.append({"outcome": oid, "basis": g["basis"].iloc[0], "measure": "all", **_summary(g, sign, "majority")})
    return pd.DataFrame(rows).sort_values(["outcome", "measure"], ignore_index=True)


def diagnostics(coef: pd.DataFrame, settings: ModelSettings) -> pd.DataFrame:
    """The headline estimate of every outcome x measure with its lead test and robustness signs."""
    h = settings.headline
    key = ["outcome", "measure"]
    head = coef[coef["headline"]].set_index(key)
    lead = coef[(coef["model"] == "placebo") & (coef["term"] == "lead") & (coef["se_type"] == h["se_type"])]
    lead = lead.set_index(key)

    def other(**which) -> pd.Series:
        sel = (coef["model"] == "main") & (coef["term"] == "ict") & (coef["se_type"] == h["se_type"])
        spec = {"estimator": h["estimator"], "controls": h["controls"], "lag": h["lag"], **which}
        for col, val in spec.items():
            sel &= coef[col] == val
        est = coef[sel].set_index(key)["estimate"].reindex(head.index)
        return pd.Series(np.sign(est.to_numpy()) == np.sign(head["estimate"].to_numpy()), index=head.index)

    no_gdp = [c for c in settings.control_sets if c != h["controls"]]
    out = pd.DataFrame(
        {
            "basis": head["basis"],
            "measure_used": head["measure_used"],
            "estimate": head["estimate"],
            "q": head["q"],
            "lead_estimate": lead["estimate"].reindex(head.index),
            "lead_p": lead["p"].reindex(head.index),
            "lead_q": lead["q"].reindex(head.index),
            "fd_same_sign": other(estimator="fd"),
            "ld_same_sign": other(estimator="ld"),
            "without_gdp_same_sign": other(controls=no_gdp[0]) if no_gdp else False,
            "fmi": head["fmi"],
            "n_economies": head["n_economies"],
            "n_obs": head["n_obs"],
        }
    ).reset_index()
    out["lead_flag"] = out["lead_q"] < settings.fdr_alpha
    return out.drop(columns="measure").sort_values(["outcome", "measure_used"], ignore_index=True)
