"""Typed, frozen records of a resolved synthetic-data configuration.

:func:`scripts.synthetic.config.load_config` builds a :class:`SynthConfig` from
``config/synthetic.yaml`` after checking it; generation and writing only read these
records. Units: years are calendar years, ln income is the natural log of GDP per capita
in current US$, availabilities and probabilities are shares in [0, 1], and indicator
values, ceilings and bounds are in the indicator's catalogue unit.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

from scripts.core.catalogue import CATALOGUE_COLUMNS as CATALOGUE_FILE_COLUMNS

#: Columns the real indicator catalogue must have (copied into the dataset's catalogue).
CATALOGUE_COLUMNS: tuple[str, ...] = tuple(CATALOGUE_FILE_COLUMNS["indicators"])
#: Link functions of the outcome equations (the schema's enum repeats them; a test checks both agree).
Link = Literal["identity", "log", "logit"]
LINKS: tuple[Link, ...] = get_args(Link)


@dataclass(frozen=True)
class Region:
    """A World Bank region: its aggregate code, name, share of units and income offset (ln)."""

    code: str
    name: str
    share: float
    income_offset: float


@dataclass(frozen=True)
class IncomeParams:
    """Latent ln GDP per capita (current US$): level, growth, shocks, group thresholds (US$)."""

    log_mean: float
    log_sd: float
    growth_mean: float
    growth_sd: float
    shock_sd: float
    shock_ar: float
    common_sd: float
    thresholds_usd: tuple[float, float, float]
    reference: float
    log_bounds: tuple[float, float]


@dataclass(frozen=True)
class PopulationParams:
    """Population (persons): ln level in the first year and a growth rate falling with income."""

    log_mean: float
    log_sd: float
    growth_poor: float
    growth_rich: float
    growth_sd: float


@dataclass(frozen=True)
class UrbanParams:
    """Urban population (%) = 100 logistic(intercept + u_i + slope (ln y - ref) + trend (t - first))."""

    intercept: float
    unit_sd: float
    slope: float
    trend: float


@dataclass(frozen=True)
class DiffusionParams:
    """Logistic diffusion of one indicator (ceilings in its unit, midpoint a year, rate per year)."""

    ceiling_rich: float
    ceiling_poor: float
    midpoint: float
    rate: float
    income_shift: float
    timing_sd: float
    level_sd: float
    noise_sd: float
    noise_ar: float


@dataclass(frozen=True)
class OutcomeParams:
    """Outcome equation on the link scale: beta per ICT point, gamma per unit of ln income."""

    beta: float
    gamma: float
    link: Link
    lag: int
    intercept: float
    unit_sd: float
    trend: float
    year_sd: float
    sigma: float


@dataclass(frozen=True)
class MissingnessParams:
    """Missing-data mechanism (see config/synthetic.yaml for the formula)."""

    availability: tuple[tuple[str, float], ...]
    early_slope: float
    income_slope: float
    capacity_sd: float
    end_gap_prob: float
    end_gap_max_years: int
    late_start_prob: float
    late_start_max_years: int
    no_gaps: tuple[str, ...]
    ghost_share: float
    ghost_availability: float


@dataclass(frozen=True)
class IndicatorSpec:
    """One generated indicator: catalogue fields, synthetic series code and how it is generated.

    ``generator`` is 'income', 'population', 'urban', 'diffusion' or 'outcome'; ``lower`` and
    ``upper`` are the catalogue bounds (NaN when open); ``row`` is the catalogue line as
    written (strings in the catalogue's column order), copied into the dataset's catalogue.
    """

    indicator: str
    name: str
    unit: str
    role: str
    pillar: str
    lower: float
    upper: float
    series_code: str
    generator: str
    availability: float
    gaps: bool
    diffusion: DiffusionParams | None
    outcome: OutcomeParams | None
    default_params: bool
    row: tuple[str, ...]


@dataclass(frozen=True)
class SynthConfig:
    """Everything :func:`~scripts.synthetic.generate.generate` needs, validated.

    Build it with :func:`~scripts.synthetic.config.load_config` (or ``build_config``).
    """

    name: str
    seed: int
    units: int
    scale: float
    first_year: int
    last_year: int
    analysis_first_year: int
    analysis_last_year: int
    last_updated: str
    significant_digits: int
    max_decimals: int
    write_complete: bool
    regions: tuple[Region, ...]
    aggregate_world: str
    aggregate_income: tuple[tuple[str, str], ...]
    aggregate_regions: bool
    income: IncomeParams
    population: PopulationParams
    urban: UrbanParams
    pillar_corr: float
    indicators: tuple[IndicatorSpec, ...]
    composite: tuple[tuple[str, float, float], ...]  # (indicator, reference, weight summing to 1)
    missingness: MissingnessParams
    sources: tuple[tuple[str, str], ...]  # indicators, series, manifest, raw
    classifications: tuple[tuple[str, str], ...]  # (key, path under sources.raw)
    config_file: str = ""
    catalogue_columns: tuple[str, ...] = field(default=CATALOGUE_COLUMNS)

    @property
    def n_units(self) -> int:
        """Number of units generated: ``round(units * scale)``, at least 1."""
        return max(1, int(round(self.units * self.scale)))

    def spec(self, indicator: str) -> IndicatorSpec:
        """Return the :class:`IndicatorSpec` of ``indicator``."""
        for s in self.indicators:
            if s.indicator == indicator:
                return s
        raise KeyError(indicator)

    def to_dict(self) -> dict[str, Any]:
        """Return the resolved configuration as plain JSON-able data (catalogue lines left out)."""
        out = dataclasses.asdict(self)
        for s in out["indicators"]:
            s.pop("row")
            # Open bounds are NaN in memory; JSON has no NaN, so they become null.
            s.update({k: None for k in ("lower", "upper") if not math.isfinite(s[k])})
        out["n_units"] = self.n_units
        return out
