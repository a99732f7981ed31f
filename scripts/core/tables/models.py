"""Tables of stage 6 (results/06_models): outcomes, the coefficient grid, the specification curve, checks."""

from __future__ import annotations

from scripts.core.contract import Table

#: Every catalogue outcome: modelled or excluded (with the reason), and what its values rest on.
MODEL_OUTCOMES = Table(
    "model outcome",
    {
        "outcome": "string",  # catalogue id
        "name": "string",
        "goal": "string",  # catalogue pillar: "goal1".."goal8", or e.g. "wellbeing" for a non-MDG outcome
        "mdg_code": "string",  # MDG indicator number, "" when not an MDG indicator
        "direction": "int64",  # 1: higher is better, -1: lower is better
        "unit": "string",
        "basis": "string",  # vocabulary.OUTCOME_BASES: "measured" | "modelled estimate"
        "basis_evidence": "string",  # what the tag rests on (publisher documentation, type column, series title)
        "share_estimated": "float64",  # share of the publisher-typed cells typed estimated (NaN: none typed)
        "n_obs": "int64",  # observed economy-years in the window (economies the imputation kept)
        "n_economies": "int64",  # economies with at least one observation
        "n_economies_enough": "int64",  # economies with >= models.min_years observations
        "status": "string",  # "modelled" | "excluded"
        "reason": "string",  # why excluded ("" when modelled)
    },
    ("outcome",),
)

#: Which version of each ICT measure each outcome is regressed on (the overlap guard).
MODEL_MEASURES = Table(
    "outcome x measure",
    {
        "outcome": "string",
        "measure": "string",  # models.measures key
        "kind": "string",  # "node" (index score) | "indicator"
        "target": "string",  # the framework node or catalogue indicator
        "variant": "string",  # "" (as built) or "without_<theme>..." (outcome-disjoint)
        "measure_used": "string",  # measure as named in every table, e.g. "readiness (without_education)"
        "status": "string",  # "used" | "not estimable"
        "reason": "string",  # what the variant leaves out, or why the pair cannot be modelled
    },
    ("outcome", "measure"),
)

#: The tidy coefficient table: every outcome x measure x specification x SE type, pooled over the draws.
COEFFICIENTS = Table(
    "coefficient",
    {
        "outcome": "string",
        "mdg_code": "string",
        "goal": "string",
        "basis": "string",  # "measured" | "modelled estimate"
        "measure": "string",
        "measure_used": "string",  # with the outcome-disjoint variant, if any
        "model": "string",  # "main" | "placebo" (the headline model with the lead term added)
        "term": "string",  # "ict" (ICT at t-lag) | "lead" (ICT at t+lead, placebo model only)
        "estimator": "string",  # vocabulary.ESTIMATORS
        "controls": "string",  # models.control_sets key
        "lag": "int64",  # years
        "se_type": "string",  # vocabulary.SE_TYPES
        "headline": "bool",  # the headline specification and SE type
        "estimate": "float64",  # outcome units per unit of the measure (index point, %, per 100), pooled
        "se": "float64",  # sqrt of Rubin's total variance
        "ci_low": "float64",  # 95% interval, t with Barnard-Rubin df
        "ci_high": "float64",
        "df": "float64",  # Barnard-Rubin degrees of freedom
        "p": "float64",  # two-sided
        "q": "float64",  # BH q-value across outcomes x measures of the same specification, SE type and term
        "significant": "bool",  # q < models.fdr_alpha
        "std_estimate": "float64",  # estimate x sd(measure) / sd(outcome), both after removing the effects
        "n_economies": "int64",
        "n_obs": "int64",
        "r2_within": "float64",  # R2 after the fixed effects are absorbed, mean over draws
        "m": "int64",  # imputed draws pooled
        "within_var": "float64",  # W: mean squared SE over the draws
        "between_var": "float64",  # B: variance of the estimate across draws
        "total_var": "float64",  # T = W + (1 + 1/m) B
        "fmi": "float64",  # fraction of missing information
    },
    ("outcome", "measure", "model", "term", "estimator", "controls", "lag", "se_type"),
)

#: The pooled fits of one chunk of outcome x measure pairs, before the FDR adjustment (``models_fit``).
MODEL_FITS = Table(
    "pooled fit",
    {
        c: t
        for c, t in COEFFICIENTS.columns.items()
        if c not in ("headline", "ci_low", "ci_high", "p", "q", "significant")
    },
    COEFFICIENTS.key,
)

#: The specification curve summarised per outcome x measure, and per outcome over all measures ("all").
SPEC_SUMMARY = Table(
    "specification summary",
    {
        "outcome": "string",
        "basis": "string",
        "measure": "string",  # a measure, or "all"
        "n_specs": "int64",  # specifications x SE types fitted (main model, ICT term)
        "reference": "string",  # "headline" (measure rows) | "majority" (the "all" rows)
        "reference_sign": "int64",  # +1 / -1: the headline estimate's sign, or the majority sign
        "share_same_sign": "float64",  # share of specifications whose estimate has the reference sign
        "share_significant": "float64",  # share with q < models.fdr_alpha (any sign)
        "share_significant_same_sign": "float64",  # share significant with the reference sign
        "median_std_estimate": "float64",
        "min_std_estimate": "float64",
        "max_std_estimate": "float64",
    },
    ("outcome", "measure"),
)

#: The headline estimate of each outcome x measure next to its checks.
DIAGNOSTICS = Table(
    "headline diagnostic",
    {
        "outcome": "string",
        "basis": "string",
        "measure_used": "string",
        "estimate": "float64",  # headline estimate (main model)
        "q": "float64",
        "lead_estimate": "float64",  # the lead term of the placebo model
        "lead_p": "float64",
        "lead_q": "float64",  # BH across outcomes x measures
        "lead_flag": "bool",  # lead_q < models.fdr_alpha: future ICT predicts today's outcome
        "fd_same_sign": "bool",  # first differences (same lag and controls) agree in sign
        "ld_same_sign": "bool",  # long differences agree in sign
        "without_gdp_same_sign": "bool",  # the model without GDP agrees in sign
        "fmi": "float64",  # fraction of missing information of the headline estimate
        "n_economies": "int64",
        "n_obs": "int64",
    },
    ("outcome", "measure_used"),
)

#: The predictive check: out-of-sample R2 of controls only vs controls + ICT measures.
PREDICTIVE = Table(
    "predictive gain",
    {
        "outcome": "string",
        "learner": "string",  # vocabulary.PREDICTIVE_MODELS
        "split": "string",  # "group_kfold" (economies grouped) | "out_of_time" (train <= split_year)
        "n_train": "int64",  # rows (mean over folds for group_kfold)
        "n_test": "int64",
        "n_folds": "int64",
        "r2_controls": "float64",  # out-of-sample R2, controls and year only (mean over folds)
        "r2_with_ict": "float64",  # the same with the ICT measures added
        "gain": "float64",  # r2_with_ict - r2_controls (mean over folds)
        "gain_sd": "float64",  # standard deviation of the gain across folds (NaN for one split)
        "gain_min": "float64",
        "gain_max": "float64",
    },
    ("outcome", "learner", "split"),
)

#: Permutation importance of each ICT feature in the with-ICT model (test folds of the grouped split).
IMPORTANCE = Table(
    "feature importance",
    {
        "outcome": "string",
        "learner": "string",
        "feature": "string",  # the ICT measure as used for the outcome
        "importance": "float64",  # mean drop in out-of-sample R2 when the feature is permuted
        "importance_sd": "float64",  # over folds and repeats
    },
    ("outcome", "learner", "feature"),
)
