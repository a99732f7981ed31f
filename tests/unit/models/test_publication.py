"""Generated text speaks of associations, and the tables carry q, the lead test and the spec-curve share."""

from __future__ import annotations

import pandas as pd

from scripts.models.coefficients import add_inference, diagnostics, spec_summary
from scripts.models.publication import findings, headline_caption, headline_table
from scripts.models.settings import ModelSettings

SETTINGS = ModelSettings(
    measures={"ict": {"node": "ict"}},
    variables={"log_gdp_pc": {"indicator": "gdp"}},
    control_sets={"with_gdp": ["log_gdp_pc"], "without_gdp": []},
    lags=[0, 1],
    lead=1,
    long_difference=5,
    estimators=["fe", "fd", "ld"],
    se_types=["cluster"],
    dk_bandwidth=2,
    headline={"lag": 1, "controls": "with_gdp", "estimator": "fe", "se_type": "cluster"},
    draws=5,
    fdr_alpha=0.05,
)


def _fits() -> pd.DataFrame:
    rows = []
    for outcome, sign in (("u5", 1.0), ("water", -1.0)):
        for spec in SETTINGS.specs():
            for model, term in (("main", "ict"), ("placebo", "lead")):
                if model == "placebo" and spec != SETTINGS.headline_spec:
                    continue
                est = sign * (0.5 if term == "ict" else 0.01)
                rows.append(
                    {
                        "outcome": outcome,
                        "mdg_code": "4.1",
                        "goal": "goal4",
                        "basis": "measured",
                        "measure": "ict",
                        "measure_used": "ict",
                        "model": model,
                        "term": term,
                        "estimator": spec.estimator,
                        "controls": spec.controls,
                        "lag": spec.lag,
                        "se_type": "cluster",
                        "estimate": est,
                        "se": 0.1,
                        "df": 100.0,
                        "std_estimate": est,
                        "n_economies": 50,
                        "n_obs": 500,
                        "r2_within": 0.1,
                        "m": 5,
                        "within_var": 0.01,
                        "between_var": 0.0,
                        "total_var": 0.01,
                        "fmi": 0.02,
                    }
                )
    return pd.DataFrame(rows)


def test_text_says_associated_with_and_never_effect_of() -> None:
    coef = add_inference(_fits(), SETTINGS)
    summary, diag = spec_summary(coef), diagnostics(coef, SETTINGS)
    caption = headline_caption(SETTINGS)
    lines = findings(coef, summary, diag, SETTINGS)
    for text in [caption, *lines]:
        assert "effect of" not in text.lower() and "impact of" not in text.lower()
    assert "associated with" in caption and all("associated with" in line for line in lines)
    assert "_" not in caption  # the caption goes into LaTeX unescaped
    table = headline_table(coef, summary, pd.DataFrame({"outcome": ["u5", "water"], "name": ["U5", "Water"]}), SETTINGS)
    assert list(table["outcome"]) == ["U5", "Water"] and table["estimate"].str.endswith("*").all()
    assert (table["same sign"] == "1").all()


def test_q_values_and_headline_flags() -> None:
    coef = add_inference(_fits(), SETTINGS)
    head = coef[coef["headline"]]
    assert len(head) == 2 and set(head["outcome"]) == {"u5", "water"}
    # Two tests per specification family (u5, water), both with p = 2 t.sf(5, 100): q = p.
    assert (head["q"] - head["p"]).abs().max() < 1e-15
    diag = diagnostics(coef, SETTINGS).set_index("outcome")
    assert not diag["lead_flag"].any() and diag["fd_same_sign"].all() and diag["without_gdp_same_sign"].all()
