"""Tables of stage 7 (results/07_divide): the digital divide measured, decomposed and tracked.

Every table names its measure (a catalogue indicator or "index:<name>") and its basis
("observed": panel values only; "with_imputed": plus the point imputation's fills), and
every economy-level table carries the economy's name, region and current income group.
"""

from __future__ import annotations

from scripts.core.contract import Table

#: The economy columns every economy-level table starts with (ECONOMIES' name, region, current income group).
_ECONOMY = {
    "iso3": "string",
    "economy": "string",  # name
    "region": "string",  # World Bank region
    "income_group": "string",  # current income group (L, LM, UM, H; "" when unclassified)
}

#: The values the stage works on (see scripts.divide.values), one row per measure, basis, economy and year.
DIVIDE_VALUES = Table(
    "divide value",
    {
        "measure": "string",  # a catalogue indicator, or "index:<name>" (the index's overall score)
        "basis": "string",  # observed | with_imputed
        **_ECONOMY,
        "year": "int64",
        "value": "float64",  # in the measure's unit (an index on its own scale)
        "population": "float64",  # persons (the weight between people; NaN when unknown)
        "group_income": "string",  # income group used by gaps, decompositions and convergence (divide.income_groups)
    },
    ("measure", "basis", "iso3", "year"),
)

#: Inequality between economies and between people, with bootstrap intervals.
INEQUALITY = Table(
    "inequality statistic",
    {
        "measure": "string",
        "basis": "string",  # observed | with_imputed
        "year": "int64",
        "weighting": "string",  # economies (each counts once) | people (population-weighted)
        "statistic": "string",  # gini | theil_t | theil_l | cv
        "value": "float64",  # unit-free; Theil indices in nats
        "ci_low": "float64",  # percentile bootstrap interval over economies (divide.bootstrap.level)
        "ci_high": "float64",
        "n": "int64",  # economies the statistic is computed on
        "n_zero_excluded": "int64",  # economies with a value of 0 left out (Theil L only)
        "reps": "int64",  # bootstrap resamples with a statistic
    },
    ("measure", "basis", "year", "weighting", "statistic"),
)

#: How the imputed cells change each statistic (observed basis vs with_imputed basis).
IMPUTATION_EFFECT = Table(
    "imputation effect",
    {
        "measure": "string",
        "year": "int64",
        "weighting": "string",
        "statistic": "string",
        "observed": "float64",  # the statistic on observed values
        "with_imputed": "float64",  # on observed plus point-imputed values
        "n_observed": "int64",  # economies
        "n_with_imputed": "int64",
        "difference": "float64",  # with_imputed - observed
        "outside_interval": "bool",  # with_imputed lies outside the observed value's bootstrap interval
    },
    ("measure", "year", "weighting", "statistic"),
)

#: Theil T and L split into within- and between-group inequality (exact: within + between = total).
DECOMPOSITION = Table(
    "decomposition",
    {
        "measure": "string",
        "basis": "string",
        "year": "int64",
        "weighting": "string",
        "statistic": "string",  # theil_t | theil_l
        "grouping": "string",  # region | income_group
        "total": "float64",  # nats, over the economies decomposed
        "within": "float64",  # sum of the groups' own inequality, weighted
        "between": "float64",  # inequality of the group means
        "between_share": "float64",  # between / total (0 when total is 0)
        "n": "int64",  # economies decomposed
        "n_groups": "int64",
        "n_left_out": "int64",  # economies with a value but no group (or no population, or 0 for Theil L)
    },
    ("measure", "basis", "year", "weighting", "statistic", "grouping"),
)

#: Absolute and relative gaps per year.
GAPS = Table(
    "gap",
    {
        "measure": "string",
        "basis": "string",
        "year": "int64",
        "comparison": "string",  # "high vs low income" | "top vs bottom economies" (divide.decile_share)
        "weighting": "string",  # economies | people (means weighted by population)
        "upper_mean": "float64",  # mean of the upper group, in the measure's unit
        "lower_mean": "float64",
        "n_upper": "int64",  # economies
        "n_lower": "int64",
        "absolute_gap": "float64",  # upper - lower, in the measure's unit
        "ratio": "float64",  # upper / lower (NaN when the lower mean is 0; see note)
        "note": "string",
    },
    ("measure", "basis", "comparison", "weighting", "year"),
)

#: How each gap moved over the window, with a plain statement when the two gaps disagree.
GAP_TRENDS = Table(
    "gap trend",
    {
        "measure": "string",
        "basis": "string",
        "comparison": "string",
        "weighting": "string",
        "first_year": "int64",
        "last_year": "int64",
        "absolute_first": "float64",  # measure's unit
        "absolute_last": "float64",
        "ratio_first": "float64",
        "ratio_last": "float64",
        "absolute_direction": "string",  # widened | narrowed | unchanged | undefined
        "relative_direction": "string",
        "diverging": "bool",  # the relative gap narrowed while the absolute gap widened
        "statement": "string",  # the movement in words
    },
    ("measure", "basis", "comparison", "weighting"),
)

#: Sigma-convergence: the linear trend of each dispersion measure.
SIGMA = Table(
    "sigma-convergence trend",
    {
        "measure": "string",
        "basis": "string",
        "dispersion": "string",  # sd_log (SD of log values > 0) | cv | gini (between economies)
        "n_years": "int64",
        "first_year": "int64",
        "last_year": "int64",
        "first_value": "float64",  # the dispersion in the first year
        "last_value": "float64",
        "slope": "float64",  # change of the dispersion per year
        "se": "float64",  # Newey-West (HAC) SE, divide.convergence.hac_lags lags
        "ci_low": "float64",  # 95 % interval of the slope
        "ci_high": "float64",
        "p_value": "float64",
        "verdict": "string",  # converging | diverging | no clear trend (interval includes 0)
    },
    ("measure", "basis", "dispersion"),
)

#: Beta-convergence: annual growth regressed on the starting level.
BETA = Table(
    "beta-convergence fit",
    {
        "measure": "string",
        "basis": "string",
        "transform": "string",  # log | logit (of the share, per-cent measures)
        "specification": "string",  # unconditional | conditional on income group
        "first_year": "int64",
        "last_year": "int64",
        "n": "int64",  # economies in the regression
        "n_left_out": "int64",  # economies without both years, or outside the transform's domain
        "beta": "float64",  # per year, per unit of the transformed start
        "se": "float64",  # HC1 robust SE
        "ci_low": "float64",  # 95 % interval
        "ci_high": "float64",
        "p_value": "float64",
        "r2": "float64",
        "speed": "float64",  # lambda = -ln(1 + beta T) / T, per year (NaN unless -1 < beta T < 0)
        "half_life": "float64",  # ln 2 / lambda, years
        "converging": "bool",  # the interval of beta lies below 0
    },
    ("measure", "basis", "transform", "specification"),
)

#: Logistic diffusion fit per economy and measure.
DIFFUSION = Table(
    "diffusion fit",
    {
        "measure": "string",
        **_ECONOMY,
        "basis": "string",
        "first_year": "int64",  # of the economy's values
        "last_year": "int64",
        "n_points": "int64",
        "saturation": "float64",  # K, in the measure's unit (NaN when refused)
        "midpoint": "float64",  # t0, the year of half saturation
        "growth_rate": "float64",  # r, per year
        "r2": "float64",  # of the fit (also given for fits refused as unidentified)
        "rmse": "float64",  # measure's unit
        "flag": "string",  # good | poor | refused
        "reason": "string",  # why poor or refused
    },
    ("measure", "iso3"),
)

#: Years behind the reference trajectory, per economy-year.
TIME_DISTANCE = Table(
    "time distance",
    {
        "measure": "string",
        **_ECONOMY,
        "basis": "string",
        "year": "int64",
        "value": "float64",  # the economy's level, measure's unit
        "reference": "string",  # high_income_mean | leader
        "reference_value": "float64",  # the reference's level that year
        "reference_year": "float64",  # t*: when the reference first reached the economy's level (interpolated)
        "time_distance": "float64",  # year - t*, years (positive: behind; NaN unless status is "defined")
        "status": "string",  # defined | reference never reached | before the reference's first year
        "at_least": "float64",  # lower bound of the distance when t* lies before the reference's data
    },
    ("measure", "iso3", "year"),
)

#: The gender gap in Internet use per economy and year of the gender data.
GENDER_GAP = Table(
    "gender gap",
    {
        **_ECONOMY,
        "year": "int64",
        "female": "float64",  # women using the Internet, % of women
        "male": "float64",  # % of men
        "gap": "float64",  # female - male, percentage points (negative: fewer women online)
        "ratio": "float64",  # female / male (1 = parity)
        "n_years": "int64",  # years with both values for the economy
        "snapshot": "bool",  # a single year: a level, not a trend
    },
    ("iso3", "year"),
)

#: Coverage of the gender data.
GENDER_COVERAGE = Table(
    "gender coverage",
    {
        "grouping": "string",  # all | region | income_group (current)
        "group": "string",
        "n_economies": "int64",  # economies with gender data
        "n_analysis_economies": "int64",  # analysis economies in the group
        "n_snapshot": "int64",  # of which only one year
        "first_year": "int64",
        "last_year": "int64",
        "n_in_window": "int64",  # economies with a year inside the analysis window
        "median_gap": "float64",  # of each economy's latest year, percentage points
        "median_ratio": "float64",
    },
    ("grouping", "group"),
)

#: Every sample a statistic could not be computed on, and why (never a silent NaN).
EXCLUSIONS = Table(
    "exclusion",
    {
        "measure": "string",
        "basis": "string",
        "analysis": "string",  # e.g. "inequality gini (people)", "beta-convergence (log, unconditional)"
        "year": "Int64",  # <NA>: the analysis spans the years
        "reason": "string",
        "n_economies": "int64",  # economies involved (left out, or available)
    },
    ("measure", "basis", "analysis", "year", "reason"),
)
