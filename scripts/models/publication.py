"""The publication table of the headline specification, and the words that go with it.

Every generated sentence says "associated with": a two-way fixed-effects coefficient is a
conditional within-economy association, not an effect.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from scripts.models.settings import ModelSettings

ESTIMATOR_WORDS = {
    "fe": "two-way fixed effects (economy and year)",
    "fd": "first differences with year effects",
    "ld": "long differences with year effects",
}
SE_WORDS = {"cluster": "clustered by economy", "driscoll_kraay": "Driscoll-Kraay"}


def headline_caption(settings: ModelSettings) -> str:
    """The caption of the headline table: the specification, and what it can and cannot show."""
    h = settings.headline
    # Words, not identifiers: the caption goes into LaTeX unescaped.
    controls = ", ".join(c.replace("_", " ") for c in settings.control_sets[h["controls"]]) or "no controls"
    return (
        f"How ICT measures are associated with MDG outcomes: {ESTIMATOR_WORDS[h['estimator']]}, ICT lagged "
        f"{h['lag']} year(s), controls {controls}, standard errors {SE_WORDS[h['se_type']]}, pooled over "
        f"{max(settings.draws, 1)} imputed predictor draws by Rubin's rules; q = Benjamini-Hochberg across outcomes "
        f"and measures (* q < {settings.fdr_alpha:g}). Estimates are outcome units per point of the measure. "
        "Observed outcome values only. A coefficient is a within-economy association net of common year shocks "
        "and the controls; it is not an effect: it assumes no time-varying confounder moves with both ICT and "
        "the outcome, and cannot rule out reverse causality (see the lead test) or smoothing in modelled estimates."
    )


def _fmt(v: float) -> str:
    return "" if not np.isfinite(v) else f"{v:.3g}"


def headline_table(
    coef: pd.DataFrame, summary: pd.DataFrame, outcomes: pd.DataFrame, settings: ModelSettings
) -> pd.DataFrame:
    """One row per outcome x measure of the headline specification, rounded for publication."""
    head = coef[coef["headline"]]
    lead = coef[
        (coef["model"] == "placebo") & (coef["term"] == "lead") & (coef["se_type"] == settings.headline["se_type"])
    ].set_index(["outcome", "measure"])["p"]
    same = summary[summary["measure"] != "all"].set_index(["outcome", "measure"])["share_same_sign"]
    names = outcomes.set_index("outcome")["name"]
    rows = []
    for r in head.sort_values(["goal", "outcome", "measure"]).itertuples():
        key = (r.outcome, r.measure)
        rows.append(
            {
                "goal": r.goal,
                "MDG": r.mdg_code,
                "outcome": names.get(r.outcome, r.outcome),
                "values": r.basis,
                "ICT measure": r.measure_used,
                "estimate": _fmt(r.estimate) + ("*" if r.significant else ""),
                "95% CI": f"[{_fmt(r.ci_low)}, {_fmt(r.ci_high)}]",
                "q": _fmt(r.q),
                "lead p": _fmt(float(lead.get(key, np.nan))),
                "same sign": _fmt(float(same.get(key, np.nan))),
                "economies": int(r.n_economies),
                "obs": int(r.n_obs),
            }
        )
    return pd.DataFrame(rows)


def findings(coef: pd.DataFrame, summary: pd.DataFrame, diag: pd.DataFrame, settings: ModelSettings) -> list[str]:
    """Plain sentences on the headline results (for the log and the README), worded as associations."""
    head = coef[coef["headline"]]
    sig = head[head["significant"]]
    lines = [
        f"{len(sig)} of {len(head)} headline outcome x measure pairs are significantly associated with the ICT "
        f"measure after the FDR adjustment (q < {settings.fdr_alpha:g})."
    ]
    robust = summary[(summary["measure"] != "all")].set_index(["outcome", "measure"])
    for r in sig.sort_values("q").itertuples():
        s = robust.loc[(r.outcome, r.measure)]
        d = diag[(diag["outcome"] == r.outcome) & (diag["measure_used"] == r.measure_used)]
        flag = bool(d["lead_flag"].iloc[0]) if len(d) else False
        direction = "higher" if r.estimate > 0 else "lower"
        lines.append(
            f"{r.outcome} ({r.basis}): a higher {r.measure_used} is associated with {direction} values "
            f"(estimate {r.estimate:.3g}, q {r.q:.2g}); {s['share_same_sign']:.0%} of the specifications share the "
            f"sign and {s['share_significant_same_sign']:.0%} are significant with it"
            + ("; the lead test flags it (future ICT also predicts the outcome)" if flag else "")
            + "."
        )
    return lines
