"""The project's words, defined once: roles, income groups, and the names of every method.

Each vocabulary is a ``Literal`` type (for signatures and type checkers) and a tuple of
its values derived from it with :func:`typing.get_args` (for validation and messages), so
the two cannot drift apart. The config schema (``workflow/schemas/config.schema.yaml``)
repeats the method names as JSON Schema enums; a test checks that they are equal to these.

This module imports nothing heavy: the Snakefile imports it at parse time.
"""

from __future__ import annotations

from typing import Literal, get_args

# --------------------------------------------------------------------------- indicators

#: What an indicator is for. ICT inputs (readiness, use, impact) build the indices;
#: outcomes are the MDG indicators the models explain; controls are covariates.
Role = Literal["readiness", "use", "impact", "outcome", "control"]
ROLES: tuple[Role, ...] = get_args(Role)
ICT_ROLES: tuple[Role, ...] = ("readiness", "use", "impact")

#: How a publisher series becomes the indicator's value (series.csv ``transform``):
#: ``ratio`` divides by the product of the indicator's ``harmonize.ratio_denominators``.
Transform = Literal["none", "per_capita", "growth", "ratio"]
TRANSFORMS: tuple[Transform, ...] = get_args(Transform)

#: Entity rules (entities.csv): what a rule matches on, and what it does.
EntityKind = Literal["name", "code", "m49"]
ENTITY_KINDS: tuple[EntityKind, ...] = get_args(EntityKind)
EntityAction = Literal["map", "drop"]
ENTITY_ACTIONS: tuple[EntityAction, ...] = get_args(EntityAction)

# --------------------------------------------------------------------------- economies

#: World Bank income groups, as short codes (low, lower middle, upper middle, high).
IncomeGroup = Literal["L", "LM", "UM", "H"]
INCOME_GROUPS: tuple[IncomeGroup, ...] = get_args(IncomeGroup)
#: The World Bank's labels of the income groups (CLASS.xlsx, Metadata_Country files).
INCOME_LABELS: dict[str, IncomeGroup] = {
    "Low income": "L",
    "Lower middle income": "LM",
    "Upper middle income": "UM",
    "High income": "H",
}

#: Which economies the analysis (screening onwards) considers.
AnalysisEconomies = Literal["world_bank", "all", "with_data"]
ANALYSIS_ECONOMIES: tuple[AnalysisEconomies, ...] = get_args(AnalysisEconomies)

# --------------------------------------------------------------------------- ingest and harmonise

#: Readers of data files (config ``sources[].reader``); the registry in
#: :mod:`scripts.ingest.readers` maps each name to its function.
DataReader = Literal[
    "wb_api",
    "wb_datahub",
    "wb_databank",
    "itu_timeseries",
    "itu_core_household",
    "itu_gender",
    "un_mdg",
    "wb_api_excel",
    "unctad",
    "undp_hdr",
    "itu_datahub",
]
DATA_READER_NAMES: tuple[DataReader, ...] = get_args(DataReader)

#: ``entity_code`` prefix a reader writes for a row that its publisher's own code convention
#: marks as a group of economies (UNCTAD's codes 0 and >= 1000, UNDP's "ZZ?.<group>"), so
#: that harmonisation counts it as an aggregate without a classification file listing it.
GROUP_CODE_PREFIX = "group:"

#: The fate of a raw cell, in the order harmonisation assigns them (see scripts.harmonize.fates).
Fate = Literal[
    "kept",
    "missing",
    "series not in catalogue",
    "aggregate",
    "excluded entity",
    "unknown entity",
    "outside database years",
    "not convertible",
    "out of range",
    "superseded",
]
FATES: tuple[Fate, ...] = get_args(Fate)

#: What harmonisation does with an entity no rule, code or name identifies.
OnUnknownEntity = Literal["error", "drop"]
ON_UNKNOWN_ENTITY: tuple[OnUnknownEntity, ...] = get_args(OnUnknownEntity)
#: What harmonisation does with a value outside its indicator's plausible range: ``drop`` it
#: (fate "out of range", listed in validation.csv) or ``reject`` the run naming the raw cell.
OutOfRange = Literal["drop", "reject"]
OUT_OF_RANGE: tuple[OutOfRange, ...] = get_args(OutOfRange)

# --------------------------------------------------------------------------- imputation

#: Imputation steps (see :mod:`scripts.impute.steps`).
Step = Literal[
    "interpolate",
    "carry",
    "trend",
    "group_mean",
    "group_median",
    "knn",
    "iterative",
    "carry_forward",
    "carry_long",
    "carry_all",
]
STEPS: tuple[Step, ...] = get_args(Step)
#: Readable short names of the steps and of the masking experiment's two naive baselines, for figures and
#: tables (short enough that a five-step chain fits one axis label).
METHOD_NAMES: dict[str, str] = {
    "interpolate": "interpolate",
    "carry": "carry nearest",
    "trend": "trend",
    "group_mean": "group mean",
    "group_median": "group median",
    "knn": "k-NN",
    "iterative": "iterative regression",
    "carry_forward": "carry forward",
    "carry_long": "long carry",
    "carry_all": "carry to ends",
    "global_mean": "baseline: global mean",
    "locf": "baseline: last value carried",
}


def method_label(chain: str) -> str:
    """A chain of steps ("interpolate+carry+knn") in words, in order ("interpolate > carry nearest > k-NN")."""
    return " > ".join(METHOD_NAMES.get(s, s.replace("_", " ")) for s in chain.split("+") if s)


#: What a cell of the imputed panel rests on.
Status = Literal["observed", "interpolated", "extrapolated", "group", "model", "missing"]
STATUSES: tuple[Status, ...] = get_args(Status)
#: Fallback levels of the group steps after region x income.
GroupLevel = Literal["income", "region"]
GROUP_LEVELS: tuple[GroupLevel, ...] = get_args(GroupLevel)
#: Method label of a cell left missing because its economy never reported the indicator in the
#: window (see ``impute.fill_unreported``): a reason, not a step.
UNREPORTED_LABEL = "never reported"
#: Kinds of hidden cell in the masking experiment (its strata), see :mod:`scripts.impute.masking`.
MaskStratum = Literal["random", "end", "long_end", "long_gap", "series"]
MASK_STRATA: tuple[MaskStratum, ...] = get_args(MaskStratum)

# --------------------------------------------------------------------------- composite indices

#: Outlier treatment: COINr's winsorise-then-log rule, or none.
TreatmentMethod = Literal["coinr", "none"]
TREATMENT_METHODS: tuple[TreatmentMethod, ...] = get_args(TreatmentMethod)
#: Normalisation methods (see :mod:`scripts.index.normalise`).
NormMethod = Literal["minmax", "zscore", "rank", "percentile", "distance_to_reference", "goalposts"]
NORM_METHODS: tuple[NormMethod, ...] = get_args(NormMethod)
#: Which years the bounds of a data-driven normalisation come from.
TimeMode = Literal["pooled", "base_year", "by_year"]
TIME_MODES: tuple[TimeMode, ...] = get_args(TimeMode)
#: How min-max normalisation sets its goalposts (see :mod:`scripts.index.goalposts`).
BoundsRule = Literal["minmax", "quantile", "reference"]
BOUNDS_RULES: tuple[BoundsRule, ...] = get_args(BoundsRule)
#: Ties of the rank normalisation ("first" would depend on row order).
Ties = Literal["average", "min", "max", "dense"]
TIES: tuple[Ties, ...] = get_args(Ties)
#: Weighting methods (see :mod:`scripts.index.weights`).
WeightMethod = Literal["explicit", "equal", "pca", "balance"]
WEIGHT_METHODS: tuple[WeightMethod, ...] = get_args(WeightMethod)
#: Aggregation methods (see :mod:`scripts.index.aggregate`).
AggMethod = Literal["arithmetic", "geometric", "harmonic", "copeland"]
AGG_METHODS: tuple[AggMethod, ...] = get_args(AggMethod)
#: What geometric and harmonic means do with values <= 0.
OnNonpositive = Literal["refuse", "shift"]
ON_NONPOSITIVE: tuple[OnNonpositive, ...] = get_args(OnNonpositive)
#: What PCA weighting does with negative loadings.
PcaNegative = Literal["zero", "refuse"]
PCA_NEGATIVE: tuple[PcaNegative, ...] = get_args(PcaNegative)

# --------------------------------------------------------------------------- models

#: Estimators of the models stage: two-way fixed effects (economy and year), first
#: differences and long differences (each with year effects).
Estimator = Literal["fe", "fd", "ld"]
ESTIMATORS: tuple[Estimator, ...] = get_args(Estimator)
#: Standard errors: clustered by economy, or Driscoll-Kraay (robust to cross-economy dependence).
SeType = Literal["cluster", "driscoll_kraay"]
SE_TYPES: tuple[SeType, ...] = get_args(SeType)
#: Learners of the predictive check: a ridge regression and gradient boosting.
PredictiveModel = Literal["ridge", "gbm"]
PREDICTIVE_MODELS: tuple[PredictiveModel, ...] = get_args(PredictiveModel)
#: What an outcome's values rest on: measurements, or a publisher's modelled estimates.
OutcomeBasis = Literal["measured", "modelled estimate"]
OUTCOME_BASES: tuple[OutcomeBasis, ...] = get_args(OutcomeBasis)
# --------------------------------------------------------------------------- the digital divide

#: Which values a divide statistic rests on: observed cells only, or observed plus point-imputed cells.
DivideBasis = Literal["observed", "with_imputed"]
DIVIDE_BASES: tuple[DivideBasis, ...] = get_args(DivideBasis)
#: Whom an inequality statistic counts: economies equally, or people (population weights).
Weighting = Literal["economies", "people"]
WEIGHTINGS: tuple[Weighting, ...] = get_args(Weighting)
#: Inequality statistics (see :mod:`scripts.divide.inequality`).
InequalityStat = Literal["gini", "theil_t", "theil_l", "cv"]
INEQUALITY_STATS: tuple[InequalityStat, ...] = get_args(InequalityStat)
#: Which income group an economy belongs to in the divide stage.
IncomeGroupsBasis = Literal["first_year", "by_year", "current"]
INCOME_GROUPS_BASES: tuple[IncomeGroupsBasis, ...] = get_args(IncomeGroupsBasis)
#: The trajectory time distances are measured against.
TimeDistanceReference = Literal["high_income_mean", "leader"]
TIME_DISTANCE_REFERENCES: tuple[TimeDistanceReference, ...] = get_args(TimeDistanceReference)
#: Prefix of a divide measure that is an index's overall score ("index:ict").
INDEX_MEASURE_PREFIX = "index:"
# ---- uncertainty (stage 5) -----------------------------------------------------------
#: The uncertain inputs of the uncertainty and sensitivity analysis, in design order.
UncertainInput = Literal[
    "imputation", "imputation_chain", "treatment", "normalisation", "weights", "aggregation", "leave_one_out"
]
UNCERTAIN_INPUTS: tuple[UncertainInput, ...] = get_args(UncertainInput)
#: Aggregation methods the batched engine computes.
UncertainAggregation = Literal["arithmetic", "geometric"]
UNCERTAIN_AGGREGATIONS: tuple[UncertainAggregation, ...] = get_args(UncertainAggregation)
#: The targets of the Sobol analysis: the mean absolute rank shift, and each economy's rank.
SobolTarget = Literal["mean_rank_shift", "rank"]
SOBOL_TARGETS: tuple[SobolTarget, ...] = get_args(SobolTarget)
