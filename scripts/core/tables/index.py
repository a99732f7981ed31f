"""Tables of stage 4 (results/04_index/<index>): scores, contributions, audit, validation."""

from __future__ import annotations

from scripts.core.contract import Table

#: Score and rank of every node of an index, economy and year.
SCORES = Table(
    "score",
    {
        "iso3": "string",
        "year": "int64",
        "node": "string",  # framework node: an indicator (its normalised value) or an aggregate
        "score": "float64",  # on the normalised scale (times final_scale for aggregates)
        "rank": "float64",  # within the year, 1 = best, ties share the lowest rank
    },
    ("node", "year", "iso3"),
)

#: Each indicator's weighted contribution to each aggregate above it (they add up to its score).
CONTRIBUTIONS = Table(
    "contribution",
    {
        "iso3": "str",
        "year": "int64",
        "indicator": "string",
        "node": "string",  # the aggregate
        "contribution": "float64",  # in the node's score units
    },
    ("node", "indicator", "year", "iso3"),
)

#: Weights applied to every non-root node.
WEIGHTS = Table(
    "weight",
    {
        "node": "string",
        "parent": "string",
        "weight": "float64",  # within the parent, normalised to sum 1
        "effective": "float64",  # product of weights along the path to the root
    },
    ("node",),
)

#: Which framework indicators the index uses, and why the others are left out.
INDEX_INDICATORS = Table(
    "framework indicator",
    {
        "indicator": "string",
        "status": "string",  # "used" | "excluded by screening" | "not in the data"
        "reason": "string",
    },
    ("indicator",),
)

#: The goalposts (lo, hi) each indicator is normalised between (see scripts.index.goalposts).
GOALPOSTS = Table(
    "goalpost",
    {
        "indicator": "string",
        "year": "Int64",  # <NA>: one pair for all years (pooled or base year); the year under time: by_year
        "rule": "string",  # "minmax" | "quantile" | "reference" (fixed values, from config or the catalogue)
        "lo": "float64",  # the value scoring the bottom of the range, in the units normalised ...
        "hi": "float64",  # ... (the indicator's unit, or log units where treatment took logs): scores the top
        "lo_iso3": "string",  # the economy-year whose value is lo ("" / <NA> for fixed goalposts) ...
        "lo_year": "Int64",
        "hi_iso3": "string",  # ... and hi
        "hi_year": "Int64",
        "n_values": "int64",  # values in the reference set the bounds come from
        "n_spikes": "int64",  # isolated spikes replaced by a neighbour's value in the reference set (despike)
        "n_below": "int64",  # values below lo: capped at the bottom of the range (robust rules, clip) ...
        "n_above": "int64",  # ... and above hi
    },
    ("indicator", "year"),
)

#: Outlier treatment per indicator (see scripts.index.outliers).
TREATMENT = Table(
    "treated indicator",
    {
        "indicator": "string",
        "year": "Int64",  # <NA>: treated on the pooled panel
        "n": "int64",  # non-missing values
        "skew_before": "float64",
        "kurt_before": "float64",  # excess kurtosis
        "skew_after": "float64",
        "kurt_after": "float64",
        "n_winsorised": "int64",  # cells winsorised (0 when the log replaced the winsorisation)
        "log_applied": "bool",
        "status": "string",  # ok | winsorised | log | log_failed | excluded | too_few | constant
    },
    ("indicator", "year"),
)

#: Every cell the treatment changed.
TREATED_POINTS = Table(
    "treated cell",
    {
        "iso3": "string",
        "year": "int64",
        "indicator": "string",
        "original": "float64",  # in the indicator's unit
        "treated": "float64",  # same unit (winsorised) or log units (log)
        "side": "string",  # "high" | "low" (winsorised) | "log"
    },
    ("indicator", "iso3", "year"),
)

#: The JRC coherence audit, one row per (aggregate, child).
COHERENCE = Table(
    "coherence row",
    {
        "parent": "string",
        "indicator": "string",  # the child (an indicator or an aggregate)
        "n": "int64",  # rows with both child and parent present
        "weight": "float64",  # nominal weight
        "weight_share": "float64",  # normalised to sum 1 within the parent
        "pearson": "float64",  # correlation with the parent
        "spearman": "float64",
        "silent": "bool",  # correlation with the parent < index.audit.silent
        "negative_parent": "bool",  # negatively correlated with its parent
        "collinear": "bool",  # correlation with a sibling > index.audit.collinear
        "collinear_with": "string",  # the siblings it is collinear with, ";"-joined
        "negative_with": "string",  # the siblings it correlates negatively with, ";"-joined
        "negative": "bool",  # some sibling correlation is negative
        "r2": "float64",  # squared Pearson correlation with the parent
        "importance_r2": "float64",  # r2 normalised over the siblings (vs weight_share)
        "eta2": "float64",  # correlation ratio with the parent
        "importance_eta2": "float64",  # eta2 normalised over the siblings
        "pearson_within": "float64",  # mean over years of the within-year Pearson correlation with the parent
        "spearman_within": "float64",  # ... and Spearman: without the diffusion trend that inflates pooled values
    },
    ("parent", "indicator"),
)

#: The correlation of every aggregate with each child within each year.
COHERENCE_BY_YEAR = Table(
    "coherence row of a year",
    {
        "parent": "string",
        "indicator": "string",  # the child (an indicator or an aggregate)
        "year": "int64",
        "n": "int64",  # economies with both child and parent that year
        "pearson": "float64",  # NaN below 3 economies or for a constant side
        "spearman": "float64",
    },
    ("parent", "indicator", "year"),
)

#: Every aggregate below the root (sub-indices, pillars) against every other: pooled and within years.
NODE_CORRELATIONS = Table(
    "pair of aggregates",
    {
        "node": "string",
        "other": "string",
        "n": "int64",  # economy-years with both
        "pearson": "float64",  # pooled over all economy-years ...
        "spearman": "float64",
        "n_years": "int64",  # years with a defined within-year correlation
        "pearson_within": "float64",  # ... and the mean over years of the within-year correlations
        "spearman_within": "float64",
        "spearman_within_min": "float64",  # the lowest and highest year's Spearman
        "spearman_within_max": "float64",
    },
    ("node", "other"),
)

#: Cronbach's alpha and first-component share of every aggregate's children.
COHERENCE_SUMMARY = Table(
    "coherence summary",
    {
        "parent": "string",
        "k": "int64",  # children
        "n": "int64",  # complete rows
        "alpha": "float64",  # Cronbach's alpha
        "alpha_ok": "bool",  # >= index.audit.alpha_wanted
        "pc1_share": "float64",  # variance share of the first principal component (0-1)
        "pc1_ok": "bool",  # >= index.audit.pc1_wanted
    },
    ("parent",),
)

#: Each economy-year's best and worst indicators by rank.
STRENGTHS = Table(
    "strength or weakness",
    {
        "iso3": "string",
        "year": "int64",
        "kind": "string",  # "strength" | "weakness"
        "position": "int64",  # 1 = the best strength / the worst weakness
        "indicator": "string",
        "rank": "float64",  # the indicator's rank among economies that year
        "value": "float64",  # its normalised value
    },
    ("iso3", "year", "kind", "position"),
)

#: Correlation of the overall index with each published index.
EXTERNAL_VALIDATION = Table(
    "reference",
    {
        "reference": "string",  # external_validation[].id
        "data_year": "int64",  # year of the data the edition is based on
        "our_year": "int64",  # the year of our scores compared (nearest available)
        "year_gap": "int64",  # our_year - data_year
        "label": "string",
        "n_common": "int64",  # economies in both
        "n_only_ours": "int64",
        "n_only_published": "int64",
        "spearman_rho": "float64",
        "spearman_p": "float64",
        "pearson_r": "float64",
        "pearson_p": "float64",
    },
    ("reference",),
)

#: Rows of the published tables that could not be matched to an economy.
EXTERNAL_UNMATCHED = Table(
    "unmatched row",
    {
        "row": "int64",  # line in the published file
        "name": "string",
        "code": "string",
        "reason": "string",  # "no score" | "name not matched"
        "reference": "string",
    },
    ("reference", "row"),
)

#: Scores of the root under outcome-disjoint variants of the framework.
VARIANTS = Table(
    "variant score",
    {
        "iso3": "string",
        "year": "int64",
        "variant": "string",  # "without_<theme>"
        "score": "float64",
        "rank": "float64",
    },
    ("variant", "year", "iso3"),
)

#: The indicators each variant leaves out.
VARIANT_INDICATORS = Table("variant indicator", {"variant": "string", "indicator": "string"}, ("variant", "indicator"))
