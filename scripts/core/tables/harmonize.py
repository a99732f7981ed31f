"""Tables of stage 2 (results/02_harmonize): the panel and its account of every raw cell."""

from __future__ import annotations

from scripts.core.contract import Table
from scripts.core.tables.ingest import OBSERVATIONS
from scripts.core.vocabulary import FATES

#: The harmonised panel: one value per (iso3, year, indicator), with the raw cell it came from.
PANEL = Table(
    "panel value",
    {
        "iso3": "string",
        "year": "int64",
        "indicator": "string",  # catalogue id
        "value": "float64",  # in the indicator's unit (see indicators.csv), full precision
        "source": "string",  # source id of the raw file
        "series": "string",  # publisher series
        "file": "string",  # raw file, relative to data/raw
        "row": "int64",  # 1-based line or sheet row of the raw cell
        "column": "string",  # column label or 'sheet'!letter of the raw cell
    },
    ("iso3", "year", "indicator"),
)

#: The fate of every raw cell (see :mod:`scripts.harmonize.fates`): OBSERVATIONS plus what
#: harmonisation made of it.
TRAIL = Table(
    "cell",
    {
        **OBSERVATIONS.columns,
        "iso3": "str",  # economy the entity resolved to, "" when none
        "indicator": "category",  # catalogue id the series maps to (missing when unmapped)
        "unit_factor": "float64",  # the factor the raw value was multiplied by (NaN: no value_out, or a growth rate)
        "divisor": "float64",  # per-capita/ratio: the denominators' product it was divided by, else NaN
        "value_out": "float64",  # the value in the indicator's unit after its transform (NaN if none)
        "fate": "category",  # one of vocabulary.FATES
        "detail": "category",  # the specific reason (e.g. "superseded by <source>:<series>")
    },
    OBSERVATIONS.key,
)

#: Per (source, file, series): cells read = kept + dropped, and the count of each drop reason.
RECONCILIATION = Table(
    "reconciliation row",
    {
        "source": "string",
        "file": "string",
        "series": "string",
        "read": "int64",  # cells of the series in the file
        "kept": "int64",  # cells that are panel values
        "dropped": "int64",  # read - kept
        **{f"dropped: {fate}": "int64" for fate in FATES if fate != "kept"},  # cells dropped for that reason
    },
    ("source", "file", "series"),
)

#: How often and how far an alternative series disagrees with the one the panel keeps.
DISCREPANCIES = Table(
    "discrepancy row",
    {
        "indicator": "string",
        "kept_series": "string",  # "source:series" of the value the panel keeps
        "other_series": "string",  # "source:series" of the superseded alternative
        "n_overlap": "int64",  # economy-years both give
        "n_disagree": "int64",  # of which relative difference > harmonize.discrepancy_tolerance
        "share_disagree": "float64",  # n_disagree / n_overlap
        "median_abs_rel_diff": "float64",  # |a - b| / max(|a|, |b|)
        "p90_abs_rel_diff": "float64",
        "max_abs_rel_diff": "float64",
        "mean_diff": "float64",  # other - kept, in the indicator's unit
        "corr": "float64",  # Pearson correlation (NaN with < 3 points or no variance)
        "worst_iso3": "string",  # economy-year of the largest relative difference
        "worst_year": "int64",
    },
    ("indicator", "kept_series", "other_series"),
)

#: Panel values outside their indicator's plausible range (indicators.csv min/max), and isolated one-year spikes.
VALIDATION = Table(
    "range flag",
    {
        "iso3": "string",
        "year": "int64",
        "indicator": "string",
        "value": "float64",  # in the indicator's unit
        "unit": "string",
        "rule": "string",  # "below minimum" | "above maximum" | "isolated spike"
        "bound": "float64",  # the bound crossed; for a spike, the nearer neighbour's value
        "source": "string",  # where the value came from ...
        "series": "string",
        "file": "string",
        "row": "int64",
        "column": "string",  # ... down to the raw cell
        "robust_z": "float64",  # spikes: distance to the nearer neighbour in robust sds of the year-on-year changes
    },
    ("iso3", "year", "indicator"),  # a value out of range is reported as such, not also as a spike
)

#: Coverage of each catalogue indicator in the panel.
COVERAGE = Table(
    "indicator",
    {
        "indicator": "string",
        "name": "string",
        "role": "string",  # readiness | use | impact | outcome | control
        "unit": "string",
        "n_values": "int64",  # panel values, all years
        "n_economies": "int64",
        "first_year": "Int64",  # <NA> when the panel holds no value
        "last_year": "Int64",
        "n_sources": "int64",  # sources that contribute values
        "n_values_window": "int64",  # values in the analysis window
        "n_economies_window": "int64",
        "share_observed_window": "float64",  # n_values_window / (economies in the panel x window years)
    },
    ("indicator",),
)

#: Every economy the workflow knows (World Bank economies and other ISO 3166 territories).
ECONOMIES = Table(
    "economy",
    {
        "iso3": "string",
        "name": "string",  # World Bank name, else the ISO 3166 short name
        "region": "string",  # World Bank region ("" for territories the Bank does not classify)
        "income_group": "string",  # current income group: L, LM, UM, H ("" when unclassified)
        "wb": "bool",  # a World Bank economy
        "in_panel": "bool",  # the panel holds at least one value for it
    },
    ("iso3",),
)

#: Region and income group of every economy in every year of the database.
CLASSIFICATION_BY_YEAR = Table(
    "economy-year",
    {
        "iso3": "string",
        "year": "int64",
        "region": "string",  # current World Bank region (static)
        "income_group": "string",  # income group of that year ("" when unknown)
        "income_basis": "string",  # history | nearest (nearest classified year) | current | none
    },
    ("iso3", "year"),
)

#: How every entity name/code of every source was resolved.
ENTITY_MAP = Table(
    "entity",
    {
        "source": "string",
        "entity_raw": "string",  # name as written
        "entity_code": "string",  # code as written ("" when the file has none)
        "iso3": "string",  # the economy ("" for aggregates and excluded or unknown entities)
        "entity_fate": "string",  # economy | aggregate | excluded entity | unknown entity
        "rule": "string",  # how it was decided (a rule of entities.csv, a code, a name match)
        "rule_first_year": "Int64",  # years within which a rule's mapping applies (<NA>: unbounded)
        "rule_last_year": "Int64",
    },
    ("source", "entity_raw", "entity_code"),
)
