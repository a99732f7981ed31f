"""Synthetic ICT / MDG panels of any size, written in the raw formats the readers accept.

The workflow has one bundled real dataset (~217 economies); correctness tests of the models
need data whose truth is known, and scale tests need 10x-100x more units. This module
generates both from ``config/synthetic.yaml``:

* **units** with a World Bank region and a latent ln GDP per capita that grows over time
  (unit growth rate, AR(1) shocks, a common world cycle); the current income group (L, LM,
  UM, H) comes from the last year's GDP per capita and the World Bank thresholds;
* **ICT and other input indicators** (ids, units, roles, pillars and bounds of the real
  catalogue) following logistic diffusion curves whose timing depends on income (richer
  units adopt earlier) and on a unit factor shared within a pillar, plus unit-specific AR(1)
  noise on the logit (bounded indicators) or log (non-negative ones) scale;
* **outcomes** generated from an IDI-like ICT composite with a known effect ``beta`` and a
  confounder (ln income, effect ``gamma``), unit and year effects and iid noise, on the
  scale of a link (identity, log, logit) that keeps every value inside its unit's range;
* **missingness** like the real data's: more gaps early and in poorer, low-capacity units,
  series that stop early or start late, sparse indicators, and a few "ghost" units.

Everything is drawn from numpy Generators seeded by ``(seed, component, indicator)``, so the
draws of one indicator do not change when another is added, and identical configs give
identical frames and byte-identical files.

:func:`generate` is pure and returns a :class:`SynthPanel`; :func:`write_dataset` writes the
folder (raw API CSV files, Metadata_Country, copied classification files, MANIFEST,
catalogue, config overlay, truth). Run ``python -m scripts.synthetic --help`` for the CLI.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import difflib
import hashlib
import io
import json
import logging
import math
import os
import re
import shutil
import sys
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import expit, logit

from scripts.configuration import load_yaml
from scripts.errors import ConfigError

log = logging.getLogger("ictmdg")

PROJECT_ROOT = Path(__file__).resolve().parent.parent
GENERATOR = "scripts.synthetic"
FORMAT_VERSION = 1

#: Source id of the synthetic files in the overlay and in series.csv.
SOURCE_ID = "synthetic"
#: Folder (under the dataset's raw/) holding the generated API and metadata files.
RAW_SUBDIR = "synthetic"
METADATA_FILE = "Metadata_Country_API_SYN_DS2_en_csv_v2_1.csv"
PUBLISHER = "synthetic (ictmdg generator)"
LICENCE = "CC0 1.0 (generated data, no rights reserved)"

INCOME_GROUPS = ("L", "LM", "UM", "H")
INCOME_LABELS = {"L": "Low income", "LM": "Lower middle income", "UM": "Upper middle income", "H": "High income"}
LINKS = ("identity", "log", "logit")
#: Indicators with a dedicated generator; every other non-outcome indicator diffuses.
SPECIAL_GENERATORS = {"gdp_pc_usd": "income", "population": "population", "urban_population_pct": "urban"}
CATALOGUE_COLUMNS = ("indicator", "name", "unit", "role", "pillar", "direction", "core_code", "mdg_code",
                     "themes", "min", "max", "description")
SERIES_COLUMNS = ("source", "series", "indicator", "precedence", "transform", "factor", "note")
ENTITY_COLUMNS = ("kind", "match", "iso3", "action", "first_year", "last_year", "reason")
MANIFEST_COLUMNS = ("path", "sha256", "bytes", "publisher", "licence", "vintage", "contents", "origin")
_WDI_CODE = re.compile(r"^[A-Z]{2,3}(\.[A-Z0-9]+)+$")


# ======================================================================================
# Configuration
# ======================================================================================


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
    link: str
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
    written (strings in :data:`CATALOGUE_COLUMNS` order), copied into the dataset's catalogue.
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
    """Everything :func:`generate` needs, validated; build it with :func:`load_config`."""

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


def _fail(problem: str, where: str, config_file: str, fix: str | None = None) -> ConfigError:
    return ConfigError(problem=f"{where}: {problem}", file=config_file or None, fix=fix)


def _number(value: Any, where: str, config_file: str, *, integer: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(float(value)):
        raise _fail(f"{value!r} is not a {'whole ' if integer else ''}number", where, config_file)
    if integer and float(value) != int(value):
        raise _fail(f"{value!r} is not a whole number", where, config_file)
    return int(value) if integer else float(value)


def _keys(mapping: Any, allowed: list[str], where: str, config_file: str, required: list[str] | None = None) -> dict:
    """Return ``mapping`` after checking it is a dict with only ``allowed`` keys (and ``required``)."""
    if not isinstance(mapping, dict):
        raise _fail(f"expected a mapping, found {type(mapping).__name__}", where, config_file)
    for key in mapping:
        if key not in allowed:
            close = difflib.get_close_matches(str(key), allowed, n=1)
            raise _fail(
                f"unknown key {key!r}" + (f" (did you mean {close[0]!r}?)" if close else ""),
                where,
                config_file,
                fix=f"allowed keys: {', '.join(allowed)}",
            )
    missing = [k for k in (allowed if required is None else required) if k not in mapping]
    if missing:
        raise _fail(f"missing keys {missing}", where, config_file, fix="see the comments in config/synthetic.yaml")
    return mapping


def _params(cls: type, mapping: Any, where: str, config_file: str, defaults: dict | None = None) -> Any:
    """Build the numeric parameter dataclass ``cls`` from ``mapping`` (``defaults`` fill gaps)."""
    names = [f.name for f in dataclasses.fields(cls)]
    merged = {**(defaults or {}), **_keys(mapping, names, where, config_file, required=[] if defaults else None)}
    missing = [n for n in names if n not in merged]
    if missing:
        raise _fail(f"missing keys {missing}", where, config_file)
    values = {}
    for f in dataclasses.fields(cls):
        v = merged[f.name]
        if f.type in ("str",):
            if not isinstance(v, str):
                raise _fail(f"{f.name} = {v!r} is not text", where, config_file)
            values[f.name] = v
        else:
            values[f.name] = _number(v, f"{where}.{f.name}", config_file, integer=f.type == "int")
    return cls(**values)


def _series_code(indicator: str, series: pd.DataFrame, taken: set[str]) -> str:
    """Invent the synthetic series code of ``indicator``: "SYN." + a WDI code of it, else its id.

    A WDI-like code (e.g. IT.NET.USER.ZS) is borrowed only from a series read without a
    transform, so the code keeps its meaning; otherwise "SYN." + the id in upper case.
    """
    rows = series[(series["indicator"] == indicator) & (series["transform"] == "none")]
    rows = rows.assign(p=pd.to_numeric(rows["precedence"], errors="coerce")).sort_values("p", kind="mergesort")
    for code in rows["series"]:
        if _WDI_CODE.match(code) and f"SYN.{code}" not in taken:
            return f"SYN.{code}"
    return "SYN." + indicator.upper().replace("_", ".")


def build_config(
    raw: dict,
    catalogue: pd.DataFrame,
    series: pd.DataFrame,
    *,
    scale: float | None = None,
    seed: int | None = None,
    config_file: str = "config/synthetic.yaml",
) -> SynthConfig:
    """Validate the parsed YAML ``raw`` against the real ``catalogue`` and build a :class:`SynthConfig`.

    ``catalogue`` and ``series`` are indicators.csv and series.csv read as strings.
    ``scale`` and ``seed`` override the file's values. Raises :class:`ConfigError` naming
    the key of the first problem found.
    """
    cf = config_file
    top = [
        "name", "seed", "units", "scale", "years", "analysis", "last_updated", "significant_digits",
        "max_decimals", "write_complete", "sources", "regions", "aggregates", "income", "population",
        "urban", "indicators", "pillar_corr", "diffusion", "composite", "outcomes", "missingness",
    ]
    raw = _keys(raw, top, "(top level)", cf)
    seed_v = _number(raw["seed"] if seed is None else seed, "seed", cf, integer=True)
    scale_v = _number(raw["scale"] if scale is None else scale, "scale", cf)
    units = _number(raw["units"], "units", cf, integer=True)
    if seed_v < 0 or units < 1 or scale_v <= 0:
        raise _fail("seed must be >= 0, units >= 1 and scale > 0", "(top level)", cf)
    years = _keys(raw["years"], ["first", "last"], "years", cf)
    first, last = (_number(years[k], f"years.{k}", cf, integer=True) for k in ("first", "last"))
    analysis = _keys(raw["analysis"], ["first_year", "last_year"], "analysis", cf)
    a_first, a_last = (_number(analysis[k], f"analysis.{k}", cf, integer=True) for k in ("first_year", "last_year"))
    if not first < last or not first <= a_first <= a_last <= last:
        raise _fail(
            f"need years.first < years.last and years.first <= analysis.first_year <= analysis.last_year <= years.last; "
            f"found {first}-{last} and {a_first}-{a_last}",
            "years",
            cf,
        )
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(raw["last_updated"])):
        raise _fail(f"{raw['last_updated']!r} is not a date YYYY-MM-DD", "last_updated", cf)
    digits = _number(raw["significant_digits"], "significant_digits", cf, integer=True)
    decimals = _number(raw["max_decimals"], "max_decimals", cf, integer=True)
    if not 1 <= digits <= 15 or not 0 <= decimals <= 15:
        raise _fail("significant_digits must be 1-15 and max_decimals 0-15", "significant_digits", cf)
    if not isinstance(raw["write_complete"], bool):
        raise _fail("must be true or false", "write_complete", cf)

    src = _keys(raw["sources"], ["indicators", "series", "manifest", "raw", "classifications"], "sources", cf)
    cls = _keys(src["classifications"], ["current", "income_history", "concordance"], "sources.classifications", cf)

    if not isinstance(raw["regions"], list) or not raw["regions"]:
        raise _fail("expected a non-empty list of regions", "regions", cf)
    regions = []
    for i, r in enumerate(raw["regions"]):
        r = _keys(r, ["code", "name", "share", "income_offset"], f"regions[{i}]", cf)
        share = _number(r["share"], f"regions[{i}].share", cf)
        if share < 0 or not str(r["name"]).strip() or '"' in str(r["name"]):
            raise _fail("share must be >= 0 and the name non-empty (without double quotes)", f"regions[{i}]", cf)
        regions.append(Region(str(r["code"]), str(r["name"]), share, _number(r["income_offset"], f"regions[{i}].income_offset", cf)))
    if sum(r.share for r in regions) <= 0:
        raise _fail("the region shares sum to 0", "regions", cf)

    agg = _keys(raw["aggregates"], ["world", "income_groups", "regions"], "aggregates", cf)
    inc_agg = _keys(agg["income_groups"] or {}, list(INCOME_GROUPS), "aggregates.income_groups", cf, required=[])
    if not isinstance(agg["regions"], bool):
        raise _fail("must be true or false", "aggregates.regions", cf)
    agg_codes = [str(agg["world"] or "")] + [str(v) for v in inc_agg.values()] + (
        [r.code for r in regions] if agg["regions"] else []
    )
    agg_codes = [c for c in agg_codes if c]
    if len(set(agg_codes)) != len(agg_codes) or any(not re.fullmatch(r"[A-Z0-9]{2,4}", c) for c in agg_codes):
        raise _fail(f"aggregate codes {agg_codes} must be distinct codes of 2-4 capitals/digits", "aggregates", cf)

    income = _keys(raw["income"], [f.name for f in dataclasses.fields(IncomeParams)], "income", cf)
    thr = income["thresholds_usd"]
    if not isinstance(thr, list) or len(thr) != 3:
        raise _fail("expected three thresholds [L/LM, LM/UM, UM/H]", "income.thresholds_usd", cf)
    thr_v = tuple(_number(t, "income.thresholds_usd", cf) for t in thr)
    if not 0 < thr_v[0] < thr_v[1] < thr_v[2]:
        raise _fail("thresholds must be positive and increasing", "income.thresholds_usd", cf)
    bounds = income["log_bounds"]
    if not isinstance(bounds, list) or len(bounds) != 2:
        raise _fail("expected [lowest, highest] ln income of the first year", "income.log_bounds", cf)
    bounds_v = tuple(_number(b, "income.log_bounds", cf) for b in bounds)
    if not bounds_v[0] < income["log_mean"] < bounds_v[1]:
        raise _fail("need log_bounds[0] < log_mean < log_bounds[1]", "income.log_bounds", cf)
    income_p = IncomeParams(
        **{k: _number(income[k], f"income.{k}", cf) for k in income if k not in ("thresholds_usd", "log_bounds")},
        thresholds_usd=thr_v,  # type: ignore[arg-type]
        log_bounds=bounds_v,  # type: ignore[arg-type]
    )
    if not 0 <= income_p.shock_ar < 1:
        raise _fail("must be in [0, 1)", "income.shock_ar", cf)
    pop_p = _params(PopulationParams, raw["population"], "population", cf)
    urban_p = _params(UrbanParams, raw["urban"], "urban", cf)
    rho = _number(raw["pillar_corr"], "pillar_corr", cf)
    if not 0 <= rho <= 1:
        raise _fail("must be in [0, 1]", "pillar_corr", cf)

    # ---- indicator subset
    cat = catalogue
    missing_cols = [c for c in CATALOGUE_COLUMNS if c not in cat.columns]
    if missing_cols:
        raise ConfigError(problem=f"catalogue lacks columns {missing_cols}", file=str(src["indicators"]))
    known = list(cat["indicator"])
    sel = _keys(raw["indicators"], ["roles", "include", "exclude"], "indicators", cf)
    outcomes_raw = _keys(raw["outcomes"], known, "outcomes", cf, required=[])
    for key in ("roles", "include", "exclude"):
        if not isinstance(sel[key], list):
            raise _fail("expected a list", f"indicators.{key}", cf)
    for key in ("include", "exclude"):
        for ind in sel[key]:
            if ind not in known:
                close = difflib.get_close_matches(str(ind), known, n=1)
                raise _fail(f"{ind!r} is not in the catalogue" + (f" (did you mean {close[0]!r}?)" if close else ""), f"indicators.{key}", cf)
    chosen = set(cat.loc[cat["role"].isin(sel["roles"]), "indicator"]) | set(sel["include"]) | set(outcomes_raw)
    chosen -= set(sel["exclude"])
    if "gdp_pc_usd" not in chosen:
        raise _fail("gdp_pc_usd (the latent income) must be generated", "indicators", cf, fix="add gdp_pc_usd to indicators.include")

    diff_raw = _keys(raw["diffusion"], ["default", *known], "diffusion", cf, required=["default"])
    diff_default = _params(DiffusionParams, diff_raw["default"], "diffusion.default", cf)
    miss = _keys(
        raw["missingness"],
        ["availability", "early_slope", "income_slope", "capacity_sd", "end_gap", "late_start", "no_gaps", "ghost_units"],
        "missingness",
        cf,
    )
    avail = _keys(miss["availability"], ["default", *known], "missingness.availability", cf, required=["default"])
    avail_v = {k: _number(v, f"missingness.availability.{k}", cf) for k, v in avail.items()}
    if any(not 0 < v <= 1 for v in avail_v.values()):
        raise _fail("availabilities must be in (0, 1]", "missingness.availability", cf)
    end_gap = _keys(miss["end_gap"], ["prob", "max_years"], "missingness.end_gap", cf)
    late = _keys(miss["late_start"], ["prob", "max_years"], "missingness.late_start", cf)
    ghost = _keys(miss["ghost_units"], ["share", "availability"], "missingness.ghost_units", cf)
    if not isinstance(miss["no_gaps"], list) or any(i not in known for i in miss["no_gaps"]):
        raise _fail("expected a list of catalogue indicator ids", "missingness.no_gaps", cf)
    miss_p = MissingnessParams(
        availability=tuple(sorted(avail_v.items())),
        early_slope=_number(miss["early_slope"], "missingness.early_slope", cf),
        income_slope=_number(miss["income_slope"], "missingness.income_slope", cf),
        capacity_sd=_number(miss["capacity_sd"], "missingness.capacity_sd", cf),
        end_gap_prob=_number(end_gap["prob"], "missingness.end_gap.prob", cf),
        end_gap_max_years=_number(end_gap["max_years"], "missingness.end_gap.max_years", cf, integer=True),
        late_start_prob=_number(late["prob"], "missingness.late_start.prob", cf),
        late_start_max_years=_number(late["max_years"], "missingness.late_start.max_years", cf, integer=True),
        no_gaps=tuple(miss["no_gaps"]),
        ghost_share=_number(ghost["share"], "missingness.ghost_units.share", cf),
        ghost_availability=_number(ghost["availability"], "missingness.ghost_units.availability", cf),
    )
    n_years = last - first + 1
    for what, p, m in (("end_gap", miss_p.end_gap_prob, miss_p.end_gap_max_years), ("late_start", miss_p.late_start_prob, miss_p.late_start_max_years)):
        if not 0 <= p <= 1 or not 1 <= m < n_years:
            raise _fail(f"prob must be in [0, 1] and max_years in 1..{n_years - 1}", f"missingness.{what}", cf)
    if not 0 <= miss_p.ghost_share <= 1 or not 0 <= miss_p.ghost_availability <= 1:
        raise _fail("share and availability must be in [0, 1]", "missingness.ghost_units", cf)

    specs: list[IndicatorSpec] = []
    taken: set[str] = set()
    for r in cat.to_dict("records"):
        ind = r["indicator"]
        if ind not in chosen:
            continue
        where = f"outcomes.{ind}"
        lower = float(r["min"]) if r["min"] != "" else math.nan
        upper = float(r["max"]) if r["max"] != "" else math.nan
        outcome = None
        diffusion = None
        default_params = False
        if ind in outcomes_raw:
            if r["role"] != "outcome":
                raise _fail(f"{ind!r} has role {r['role']!r} in the catalogue, not 'outcome'", where, cf)
            outcome = _params(OutcomeParams, outcomes_raw[ind], where, cf)
            if outcome.link not in LINKS:
                raise _fail(f"link {outcome.link!r} is not one of {list(LINKS)}", where, cf)
            if outcome.lag < 0 or outcome.lag > 10 or outcome.sigma < 0 or outcome.unit_sd < 0 or outcome.year_sd < 0:
                raise _fail("lag must be 0-10 and the standard deviations >= 0", where, cf)
            if outcome.link == "logit" and not (lower == 0 and math.isfinite(upper)):
                raise _fail(f"the logit link needs catalogue bounds [0, max]; {ind} has [{r['min']}, {r['max']}]", where, cf)
            if outcome.link == "log" and not (lower == 0 or math.isnan(lower)):
                raise _fail("the log link needs a catalogue minimum of 0 or none", where, cf)
            generator = "outcome"
        elif r["role"] == "outcome":
            raise _fail(f"outcome {ind!r} is selected but has no parameters under outcomes", "indicators", cf,
                        fix=f"add outcomes.{ind} or list it under indicators.exclude")
        elif ind in SPECIAL_GENERATORS:
            generator = SPECIAL_GENERATORS[ind]
        else:
            generator = "diffusion"
            default_params = ind not in diff_raw
            diffusion = _params(DiffusionParams, diff_raw.get(ind, {}), f"diffusion.{ind}", cf,
                                defaults=dataclasses.asdict(diff_default))
            d = diffusion
            if d.rate <= 0 or d.ceiling_rich <= 0 or d.ceiling_poor <= 0 or not 0 <= d.noise_ar < 1 or min(d.timing_sd, d.level_sd, d.noise_sd) < 0:
                raise _fail("need rate > 0, ceilings > 0, 0 <= noise_ar < 1 and sds >= 0", f"diffusion.{ind}", cf)
            if math.isfinite(upper) and max(d.ceiling_rich, d.ceiling_poor) >= upper:
                raise _fail(f"ceilings must stay below the catalogue maximum {upper:g}", f"diffusion.{ind}", cf)
        code = _series_code(ind, series, taken)
        if code in taken:
            raise _fail(f"two indicators would get the series code {code}", "indicators", cf)
        taken.add(code)
        specs.append(
            IndicatorSpec(
                indicator=ind,
                name=r["name"],
                unit=r["unit"],
                role=r["role"],
                pillar=r["pillar"],
                lower=lower,
                upper=upper,
                series_code=code,
                generator=generator,
                availability=avail_v.get(ind, avail_v["default"]),
                gaps=ind not in miss_p.no_gaps,
                diffusion=diffusion,
                outcome=outcome,
                default_params=default_params,
                row=tuple(str(r[c]) for c in cat.columns),
            )
        )

    comp = _keys(raw["composite"], known, "composite", cf, required=[])
    if not comp:
        raise _fail("the composite needs at least one component", "composite", cf)
    diffusing = {s.indicator for s in specs if s.generator == "diffusion"}
    parts = []
    for ind, c in comp.items():
        c = _keys(c, ["reference", "weight"], f"composite.{ind}", cf)
        if ind not in diffusing:
            raise _fail(f"{ind!r} is not a generated diffusion indicator", f"composite.{ind}", cf,
                        fix="compose the ICT index from generated readiness/use indicators")
        ref, w = _number(c["reference"], f"composite.{ind}.reference", cf), _number(c["weight"], f"composite.{ind}.weight", cf)
        if ref <= 0 or w <= 0:
            raise _fail("reference and weight must be > 0", f"composite.{ind}", cf)
        parts.append((ind, ref, w))
    total = sum(w for _, _, w in parts)
    composite = tuple((i, ref, w / total) for i, ref, w in parts)

    return SynthConfig(
        name=str(raw["name"]),
        seed=int(seed_v),
        units=int(units),
        scale=float(scale_v),
        first_year=int(first),
        last_year=int(last),
        analysis_first_year=int(a_first),
        analysis_last_year=int(a_last),
        last_updated=str(raw["last_updated"]),
        significant_digits=int(digits),
        max_decimals=int(decimals),
        write_complete=bool(raw["write_complete"]),
        regions=tuple(regions),
        aggregate_world=str(agg["world"] or ""),
        aggregate_income=tuple((g, str(inc_agg[g])) for g in INCOME_GROUPS if inc_agg.get(g)),
        aggregate_regions=bool(agg["regions"]),
        income=income_p,
        population=pop_p,
        urban=urban_p,
        pillar_corr=rho,
        indicators=tuple(specs),
        composite=composite,
        missingness=miss_p,
        sources=tuple((k, str(src[k])) for k in ("indicators", "series", "manifest", "raw")),
        classifications=tuple((k, str(cls[k])) for k in ("current", "income_history", "concordance")),
        config_file=cf,
        catalogue_columns=tuple(str(c) for c in cat.columns),
    )


def _read_strings(path: Path) -> pd.DataFrame:
    if not path.exists():
        raise ConfigError(problem="file not found", file=str(path), fix="check sources.* in the synthetic config")
    return pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[])


def load_config(
    path: str | os.PathLike,
    *,
    project_root: str | os.PathLike = PROJECT_ROOT,
    scale: float | None = None,
    seed: int | None = None,
) -> SynthConfig:
    """Read a synthetic-data config and the real catalogue it names; return a :class:`SynthConfig`.

    Paths inside the config are relative to ``project_root``; ``scale`` and ``seed``
    override the file's values.
    """
    root = Path(project_root).resolve()
    path = Path(path)
    full = path if path.is_absolute() else root / path
    raw = load_yaml(full)
    try:
        shown = full.resolve().relative_to(root).as_posix()
    except ValueError:
        shown = str(path)
    if not isinstance(raw, dict) or not isinstance(raw.get("sources"), dict):
        raise ConfigError(problem="not a synthetic-data config (no 'sources' mapping)", file=shown)
    src = raw["sources"]
    catalogue = _read_strings(root / str(src.get("indicators", "")))
    series = _read_strings(root / str(src.get("series", "")))
    return build_config(raw, catalogue, series, scale=scale, seed=seed, config_file=shown)


# ======================================================================================
# Generation
# ======================================================================================


@dataclass(frozen=True, eq=False)
class SynthPanel:
    """A generated dataset.

    Attributes
    ----------
    config:
        The configuration it was generated from.
    panel:
        Long frame, one row per (unit, year, indicator) of the written years, sorted by
        indicator (config order), iso3, year: ``iso3`` and ``indicator`` categorical,
        ``year`` int64, ``value`` (float64, NaN where missing: what the raw files hold) and
        ``value_complete`` (the pre-missingness value). Values in the indicator's unit.
    units:
        One row per unit: iso3, name, region, region_code, income_group (current, from the
        last year), ghost, income_z (standardised first-year ln income), growth (ln points
        per year), capacity (statistical capacity on the logit scale) and, per outcome o,
        ``alpha_<o>`` (the unit effect of the outcome equation, link scale).
    aggregates:
        Aggregate rows written to the raw files (iso3, name, year, indicator, value).
    latent:
        One row per (unit, year): ln income (= ln gdp_pc_usd), the ICT composite, and the
        lagged composites ``ict_composite_lag<k>`` for the outcome lags in use.
    diffusion:
        Per (unit, diffusion indicator): midpoint (year), ceiling (unit), level (log/logit).
    truth:
        What the model tests need (see truth.json): formula, beta, gamma, links, effects.
    """

    config: SynthConfig
    panel: pd.DataFrame
    units: pd.DataFrame
    aggregates: pd.DataFrame
    latent: pd.DataFrame
    diffusion: pd.DataFrame
    truth: dict[str, Any]


def rng_for(seed: int, *names: str) -> np.random.Generator:
    """Return the Generator of one model component: seeded by ``seed`` and the names' CRC32s.

    Separate streams per component and indicator keep each indicator's draws unchanged
    when another indicator is added to, or removed from, the subset.
    """
    return np.random.default_rng([seed, *[zlib.crc32(n.encode("utf-8")) for n in names]])


def logistic_curve(t: np.ndarray, ceiling: np.ndarray | float, midpoint: np.ndarray | float, rate: float) -> np.ndarray:
    """Return ``ceiling / (1 + exp(-rate (t - midpoint)))`` (same unit as ``ceiling``), broadcast."""
    return np.asarray(ceiling) * expit(rate * (np.asarray(t, dtype=float) - np.asarray(midpoint)))


def tidy_values(x: np.ndarray, digits: int, decimals: int) -> np.ndarray:
    """Round to ``digits`` significant digits and at most ``decimals`` decimals; NaN stays NaN.

    Each result is the double nearest to a short decimal, so ``repr`` writes it briefly and
    reads back exactly. Negative zero becomes zero.
    """
    x = np.asarray(x, dtype=float)
    out = x.copy()
    # Below 1e-300 the power of ten would overflow; such values round to 0 anyway.
    ok = np.isfinite(x) & (np.abs(x) >= 1e-300)
    v = x[ok]
    d = digits - 1 - np.floor(np.log10(np.abs(v)))
    r = np.empty_like(v)
    up = d >= 0
    # Divide or multiply by an exact power of ten (never by 10**-k, which is inexact).
    p = 10.0 ** d[up]
    r[up] = np.round(v[up] * p) / p
    q = 10.0 ** (-d[~up])
    r[~up] = np.round(v[~up] / q) * q
    out[ok] = r
    out = np.round(out, decimals)
    return out + 0.0


def _ar1(rng: np.random.Generator, n: int, t: int, sd: float, phi: float) -> np.ndarray:
    """Return (n, t) stationary AR(1) paths with standard deviation ``sd`` and autocorrelation ``phi``."""
    eps = rng.standard_normal((n, t))
    out = np.empty((n, t))
    out[:, 0] = sd * eps[:, 0]
    innovation = sd * math.sqrt(1.0 - phi * phi)
    for j in range(1, t):
        out[:, j] = phi * out[:, j - 1] + innovation * eps[:, j]
    return out


def _largest_remainder(shares: np.ndarray, total: int) -> np.ndarray:
    """Integer counts summing to ``total`` in proportion to ``shares`` (largest remainder)."""
    exact = shares / shares.sum() * total
    counts = np.floor(exact).astype(np.int64)
    order = np.argsort(-(exact - counts), kind="stable")
    counts[order[: total - counts.sum()]] += 1
    return counts


def _calibrate_intercept(eta: np.ndarray, target: float) -> float:
    """Return b such that mean(logistic(b + eta)) = target (bisection; eta on the logit scale)."""
    lo, hi = -40.0, 40.0
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        if expit(mid + eta).mean() < target:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def _units(cfg: SynthConfig, years: np.ndarray, burn: int) -> dict[str, np.ndarray]:
    """Draw the units: region, latent ln income (rounded through gdp_pc_usd), capacity, ghosts.

    ``years`` start ``burn`` years before the written window (for lagged ICT); ``income_z``
    standardises ln income by the mean and sd of the window's first year.
    """
    n, inc = cfg.n_units, cfg.income
    rng = rng_for(cfg.seed, "units")
    counts = _largest_remainder(np.array([r.share for r in cfg.regions]), n)
    region = rng.permutation(np.repeat(np.arange(len(cfg.regions)), counts))
    offset = np.array([r.income_offset for r in cfg.regions])[region]
    z = rng.standard_normal(n)
    growth = inc.growth_mean + inc.growth_sd * rng.standard_normal(n)
    shocks = _ar1(rng, n, len(years), inc.shock_sd, inc.shock_ar)
    common = np.cumsum(rng.normal(0.0, inc.common_sd, len(years)))
    common -= common[0]
    # A normal in logs has tails far beyond any real economy once there are 22,000 units;
    # tanh squashes the first-year level smoothly into log_bounds (near-identity mid-range).
    lo, hi = inc.log_bounds
    mid, half = 0.5 * (lo + hi), 0.5 * (hi - lo)
    level = mid + half * np.tanh((inc.log_mean + offset + inc.log_sd * z - mid) / half)
    log_latent = level[:, None] + growth[:, None] * (years - years[burn])[None, :]
    gdp = tidy_values(np.exp(log_latent + shocks + common[None, :]), cfg.significant_digits, cfg.max_decimals)
    # ln income is defined from the rounded GDP so that ln(gdp_pc_usd) in the files is exact.
    log_income = np.log(gdp)
    first = log_income[:, burn]
    spread = first.std() if first.std() > 0 else 1.0
    group = np.digitize(gdp[:, -1], np.array(cfg.income.thresholds_usd), right=True)
    capacity = rng.normal(0.0, cfg.missingness.capacity_sd, n)
    ghost = np.zeros(n, dtype=bool)
    ghost[rng.permutation(n)[: int(round(cfg.missingness.ghost_share * n))]] = True
    return {
        "region": region,
        "gdp": gdp[:, burn:],
        "log_income": log_income[:, burn:],
        "income_z_path": (log_income - first.mean()) / spread,
        "income_z": (first - first.mean()) / spread,
        "growth": growth,
        "group": group,
        "capacity": capacity,
        "ghost": ghost,
    }


def _population(cfg: SynthConfig, years: np.ndarray, z: np.ndarray) -> np.ndarray:
    p = cfg.population
    rng = rng_for(cfg.seed, "population")
    n = len(z)
    level = rng.normal(p.log_mean, p.log_sd, n)
    growth = p.growth_rich + (p.growth_poor - p.growth_rich) * expit(-1.5 * z) + rng.normal(0.0, p.growth_sd, n)
    return np.exp(level[:, None] + growth[:, None] * (years - years[0])[None, :])


def _urban(cfg: SynthConfig, years: np.ndarray, log_income: np.ndarray) -> np.ndarray:
    u = cfg.urban
    rng = rng_for(cfg.seed, "urban")
    unit = rng.normal(0.0, u.unit_sd, log_income.shape[0])
    eta = u.intercept + unit[:, None] + u.slope * (log_income - cfg.income.reference) + u.trend * (years - years[0])[None, :]
    return 100.0 * expit(eta)


def _pillar_factors(cfg: SynthConfig, pillar: str, n: int) -> tuple[np.ndarray, np.ndarray]:
    rng = rng_for(cfg.seed, "pillar", pillar)
    return rng.standard_normal(n), rng.standard_normal(n)


def _diffuse(
    cfg: SynthConfig, spec: IndicatorSpec, years: np.ndarray, z: np.ndarray, z_path: np.ndarray
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Return the (units, years) values of one diffusing indicator and its unit parameters.

    ``z`` is the standardised first-year ln income, ``z_path`` the same standardisation of
    every year's ln income: the midpoint moves with current income, so that income growth
    and shocks speed adoption (confounding that unit fixed effects do not remove). The
    ``midpoint`` returned is the one at first-year income.
    """
    d = spec.diffusion
    assert d is not None
    n = len(z)
    rng = rng_for(cfg.seed, "diffusion", spec.indicator)
    f_time, f_level = _pillar_factors(cfg, spec.pillar, n)
    shared, own = math.sqrt(cfg.pillar_corr), math.sqrt(1.0 - cfg.pillar_corr)
    timing = d.midpoint + d.timing_sd * (shared * f_time + own * rng.standard_normal(n))
    ceiling = d.ceiling_poor + (d.ceiling_rich - d.ceiling_poor) * expit(1.5 * z)
    level = d.level_sd * (shared * f_level + own * rng.standard_normal(n))
    noise = _ar1(rng, n, len(years), d.noise_sd, d.noise_ar)
    curve = logistic_curve(years[None, :], ceiling[:, None], timing[:, None] - d.income_shift * z_path, d.rate)
    midpoint = timing - d.income_shift * z
    if math.isfinite(spec.upper):
        # Noise on the logit scale keeps a bounded indicator strictly inside (0, max).
        share = np.clip(curve / spec.upper, 1e-300, 1.0 - 1e-12)
        x = spec.upper * expit(logit(share) + level[:, None] + noise)
    else:
        x = curve * np.exp(level[:, None] + noise)
    return x, {"midpoint": midpoint, "ceiling": ceiling, "level": level}


def _bound(x: np.ndarray, spec: IndicatorSpec) -> tuple[np.ndarray, int]:
    """Clip ``x`` into the catalogue bounds; return it and the number of values clipped."""
    lo = spec.lower if math.isfinite(spec.lower) else -np.inf
    hi = spec.upper if math.isfinite(spec.upper) else np.inf
    clipped = int(((x < lo) | (x > hi)).sum())
    return np.clip(x, lo, hi), clipped


def _missing(cfg: SynthConfig, spec: IndicatorSpec, units: dict[str, np.ndarray], n_years: int) -> np.ndarray:
    """Return the (units, years) mask of observed cells of one indicator."""
    m = cfg.missingness
    n = len(units["income_z"])
    rng = rng_for(cfg.seed, "missing", spec.indicator)
    s = np.arange(n_years) / (n_years - 1) - 0.5
    eta = m.early_slope * s[None, :] + (m.income_slope * units["income_z"] + units["capacity"])[:, None]
    # Calibrate on at most 2,000 non-ghost units: the units are iid, so the intercept is the
    # same in expectation, and the cost no longer grows with the number of units.
    sample = eta[~units["ghost"]][:2000]
    b = _calibrate_intercept(sample if len(sample) else eta, spec.availability)
    observed = rng.random((n, n_years)) < expit(b + eta)
    observed &= ~units["ghost"][:, None] | (rng.random((n, n_years)) < m.ghost_availability)
    col = np.arange(n_years)[None, :]
    end = rng.random(n) < m.end_gap_prob
    gap = rng.integers(1, m.end_gap_max_years + 1, n)
    late = rng.random(n) < m.late_start_prob
    start = rng.integers(1, m.late_start_max_years + 1, n)
    if spec.gaps:
        observed &= ~(end[:, None] & (col >= n_years - gap[:, None]))
        observed &= ~(late[:, None] & (col < start[:, None]))
    return observed


def _inverse_link(g: np.ndarray, link: str, upper: float) -> np.ndarray:
    if link == "identity":
        return g
    if link == "log":
        return np.exp(g)
    return upper * expit(g)


def link_function(y: np.ndarray, link: str, upper: float) -> np.ndarray:
    """Return g(y): the outcome on its data-generating scale (identity, log, or logit of y / upper)."""
    y = np.asarray(y, dtype=float)
    if link == "identity":
        return y
    with np.errstate(divide="ignore"):
        if link == "log":
            return np.log(y)
        return logit(y / upper)


def ict_composite(values: dict[str, np.ndarray], composite: tuple[tuple[str, float, float], ...]) -> np.ndarray:
    """Return the ICT composite (0-100): 100 * sum_k w_k * min(x_k / reference_k, 1).

    ``values`` maps each component id to an array of its values (any common shape).
    """
    return 100.0 * sum(w * np.minimum(values[k] / ref, 1.0) for k, ref, w in composite)


def _aggregate_members(cfg: SynthConfig, units: dict[str, np.ndarray]) -> list[tuple[str, str, np.ndarray]]:
    """Return (code, name, member mask) of every aggregate row with at least one member."""
    out = []
    n = len(units["region"])
    if cfg.aggregate_world:
        out.append((cfg.aggregate_world, "World", np.ones(n, dtype=bool)))
    for g, code in cfg.aggregate_income:
        out.append((code, INCOME_LABELS[g], units["group"] == INCOME_GROUPS.index(g)))
    if cfg.aggregate_regions:
        for k, r in enumerate(cfg.regions):
            out.append((r.code, r.name, units["region"] == k))
    return [(c, nm, m) for c, nm, m in out if m.any()]


def unit_codes(n: int) -> list[str]:
    """Return the codes of ``n`` units: "S00001", "S00002", ... (at least five digits)."""
    width = max(5, len(str(n)))
    return [f"S{k:0{width}d}" for k in range(1, n + 1)]


def generate(cfg: SynthConfig) -> SynthPanel:
    """Generate a synthetic panel from ``cfg`` (pure: no I/O; deterministic in the config).

    Returns a :class:`SynthPanel` holding the long panel (observed and complete values),
    the unit table, the aggregate rows, the latent income and ICT composite, the diffusion
    parameters and the truth dictionary written to truth.json.
    """
    years = np.arange(cfg.first_year, cfg.last_year + 1)
    n_years = len(years)
    burn = max((s.outcome.lag for s in cfg.indicators if s.outcome is not None), default=0)
    # ICT is generated `burn` years before the window so that lagged composites exist.
    ict_years = np.arange(cfg.first_year - burn, cfg.last_year + 1)
    units = _units(cfg, ict_years, burn)
    n = cfg.n_units
    z = units["income_z"]
    codes = unit_codes(n)
    digits, decimals = cfg.significant_digits, cfg.max_decimals

    complete: dict[str, np.ndarray] = {}
    clipped: dict[str, int] = {}
    diffusion_rows = []
    ict_full: dict[str, np.ndarray] = {}
    for spec in cfg.indicators:
        if spec.generator == "income":
            x = units["gdp"]
        elif spec.generator == "population":
            x = _population(cfg, years, z)
        elif spec.generator == "urban":
            x = _urban(cfg, years, units["log_income"])
        elif spec.generator == "diffusion":
            full, params = _diffuse(cfg, spec, ict_years, z, units["income_z_path"])
            full, clipped[spec.indicator] = _bound(tidy_values(full, digits, decimals), spec)
            ict_full[spec.indicator] = full
            x = full[:, burn:]
            diffusion_rows.append(pd.DataFrame({"iso3": codes, "indicator": spec.indicator, **params}))
        else:
            continue
        if spec.generator != "diffusion":
            x, clipped[spec.indicator] = _bound(tidy_values(x, digits, decimals), spec)
        complete[spec.indicator] = x

    composite_full = ict_composite(ict_full, cfg.composite)
    composite = composite_full[:, burn:]
    outcome_truth: dict[str, Any] = {}
    alphas: dict[str, np.ndarray] = {}
    for spec in cfg.indicators:
        o = spec.outcome
        if o is None:
            continue
        rng = rng_for(cfg.seed, "outcome", spec.indicator)
        u = rng.normal(0.0, o.unit_sd, n)
        year_effect = o.trend * (years - years[0]) + rng.normal(0.0, o.year_sd, n_years)
        e = rng.normal(0.0, o.sigma, (n, n_years))
        ict = composite_full[:, burn - o.lag : burn - o.lag + n_years]
        alpha = o.intercept - o.gamma * cfg.income.reference + u
        g = alpha[:, None] + year_effect[None, :] + o.beta * ict + o.gamma * units["log_income"] + e
        y = tidy_values(_inverse_link(g, o.link, spec.upper), digits, decimals)
        y, clipped[spec.indicator] = _bound(y, spec)
        complete[spec.indicator] = y
        alphas[spec.indicator] = alpha
        outcome_truth[spec.indicator] = {
            "beta": o.beta,
            "gamma": o.gamma,
            "link": o.link,
            "lag": o.lag,
            "placebo": o.beta == 0,
            "sigma": o.sigma,
            "upper": spec.upper if o.link == "logit" else None,
            "intercept": o.intercept,
            "unit_sd": o.unit_sd,
            "trend": o.trend,
            "year_effects": {str(int(t)): float(v) for t, v in zip(years, year_effect)},
            "values_clipped": clipped[spec.indicator],
            "formula": _outcome_formula(spec.indicator, o, spec.upper),
        }

    observed = {s.indicator: _missing(cfg, s, units, n_years) for s in cfg.indicators}

    # ---- long panel: indicator-major, then unit, then year
    ids = [s.indicator for s in cfg.indicators]
    k_n = len(ids)
    stack = np.stack([complete[i] for i in ids])
    mask = np.stack([observed[i] for i in ids])
    panel = pd.DataFrame(
        {
            "iso3": pd.Categorical.from_codes(np.tile(np.repeat(np.arange(n, dtype=np.int32), n_years), k_n), categories=codes),
            "year": np.tile(years.astype(np.int64), k_n * n),
            "indicator": pd.Categorical.from_codes(np.repeat(np.arange(k_n, dtype=np.int32), n * n_years), categories=ids),
            "value": np.where(mask, stack, np.nan).ravel(),
            "value_complete": stack.ravel(),
        }
    )

    # ---- aggregates: unweighted means of the members' complete values (sums for persons)
    agg_rows = []
    for code, name, members in _aggregate_members(cfg, units):
        for spec in cfg.indicators:
            x = complete[spec.indicator][members]
            v = x.sum(axis=0) if spec.unit == "persons" else x.mean(axis=0)
            agg_rows.append(pd.DataFrame({"iso3": code, "name": name, "year": years.astype(np.int64),
                                          "indicator": spec.indicator, "value": tidy_values(v, digits, decimals)}))
    aggregates = (
        pd.concat(agg_rows, ignore_index=True)
        if agg_rows
        else pd.DataFrame({"iso3": [], "name": [], "year": pd.Series(dtype="int64"), "indicator": [], "value": pd.Series(dtype="float64")})
    )

    region_names = np.array([r.name for r in cfg.regions], dtype=object)
    unit_table = pd.DataFrame(
        {
            "iso3": codes,
            "name": [f"Synthetic economy {c[1:]}" for c in codes],
            "region": region_names[units["region"]],
            "region_code": np.array([r.code for r in cfg.regions], dtype=object)[units["region"]],
            "income_group": np.array(INCOME_GROUPS, dtype=object)[units["group"]],
            "ghost": units["ghost"],
            "income_z": z,
            "growth": units["growth"],
            "capacity": units["capacity"],
            **{f"alpha_{o}": a for o, a in alphas.items()},
        }
    )
    lags = sorted({s.outcome.lag for s in cfg.indicators if s.outcome is not None and s.outcome.lag > 0})
    latent = pd.DataFrame(
        {
            "iso3": pd.Categorical.from_codes(np.repeat(np.arange(n, dtype=np.int32), n_years), categories=codes),
            "year": np.tile(years.astype(np.int64), n),
            "log_income": units["log_income"].ravel(),
            "ict_composite": composite.ravel(),
            **{f"ict_composite_lag{k}": composite_full[:, burn - k : burn - k + n_years].ravel() for k in lags},
        }
    )
    diffusion = (
        pd.concat(diffusion_rows, ignore_index=True)
        if diffusion_rows
        else pd.DataFrame(columns=["iso3", "indicator", "midpoint", "ceiling", "level"])
    )
    truth = _truth(cfg, outcome_truth, observed, clipped, units, years)
    return SynthPanel(cfg, panel, unit_table, aggregates, latent, diffusion, truth)


def _outcome_formula(indicator: str, o: OutcomeParams, upper: float) -> str:
    g = {"identity": "y", "log": "ln(y)", "logit": f"logit(y / {upper:g})"}[o.link]
    lag = f"t-{o.lag}" if o.lag else "t"
    return (
        f"{g}_it = alpha_i + lambda_t + ({o.beta:g}) * ICT_i,{lag} + ({o.gamma:g}) * ln(gdp_pc_usd_it) + e_it, "
        f"e_it ~ N(0, {o.sigma:g}^2) iid; y = {indicator}"
    )


def _truth(
    cfg: SynthConfig,
    outcomes: dict[str, Any],
    observed: dict[str, np.ndarray],
    clipped: dict[str, int],
    units: dict[str, np.ndarray],
    years: np.ndarray,
) -> dict[str, Any]:
    window = (years >= cfg.analysis_first_year) & (years <= cfg.analysis_last_year)
    groups = np.array(INCOME_GROUPS)[units["group"]]
    return {
        "generator": GENERATOR,
        "format_version": FORMAT_VERSION,
        "formula": (
            "g_o(y_oit) = alpha_oi + lambda_ot + beta_o * ICT_i,t-lag_o + gamma_o * ln(gdp_pc_usd_it) + e_oit; "
            "e_oit ~ N(0, sigma_o^2) iid; g_o is the outcome's link (identity, log, or logit of y/max); "
            "alpha_oi and lambda_ot are unit and year effects (truth/units.csv, outcomes.*.year_effects)"
        ),
        "log_income": {
            "definition": "ln(gdp_pc_usd): the natural log of the written (complete) GDP per capita, current US$",
            "indicator": "gdp_pc_usd",
        },
        "ict_composite": {
            "formula": "ICT_it = 100 * sum_k w_k * min(x_kit / reference_k, 1)",
            "components": {k: {"reference": ref, "weight": w} for k, ref, w in cfg.composite},
            "values": "complete (pre-missingness) values of the components, as written to truth/complete.parquet",
            "scale": "0-100",
            "file": "truth/latent.parquet (column ict_composite; ict_composite_lag<k> for lagged outcomes)",
        },
        "outcomes": outcomes,
        "n_units": cfg.n_units,
        "years": [cfg.first_year, cfg.last_year],
        "analysis": [cfg.analysis_first_year, cfg.analysis_last_year],
        "units_by_income_group": {g: int((groups == g).sum()) for g in INCOME_GROUPS},
        "ghost_units": int(units["ghost"].sum()),
        "availability": {
            k: {
                "target": cfg.spec(k).availability,
                "all_years": float(m.mean()),
                "analysis_window": float(m[:, window].mean()),
            }
            for k, m in observed.items()
        },
        "values_clipped": clipped,
        "config": cfg.to_dict(),
    }


# ======================================================================================
# Writing
# ======================================================================================


def _q(text: str) -> str:
    """Quote a CSV field the way the World Bank does: always, doubling inner quotes."""
    return '"' + str(text).replace('"', '""') + '"'


def _cells(values: np.ndarray) -> list[str]:
    """Return the cells of ``values`` (row-major) as text: shortest round-trip repr, '' for NaN."""
    return ["" if v != v else repr(v) for v in values.ravel().tolist()]


def format_api_csv(
    names: list[str],
    codes: list[str],
    indicator_name: str,
    indicator_code: str,
    years: np.ndarray,
    values: np.ndarray,
    last_updated: str,
) -> bytes:
    """Return the bytes of a World Bank API CSV of one indicator.

    UTF-8 with BOM, CRLF line ends, every field quoted, a trailing comma on every line:
    the 4-line preamble, the header ("Country Name", "Country Code", "Indicator Name",
    "Indicator Code", one column per year) and one line per row of ``values`` (rows x years;
    NaN written as an empty string, floats as their shortest round-trip repr).
    """
    prefixes = [f"{_q(name)},{_q(code)}," for name, code in zip(names, codes)]
    return _api_csv_bytes(prefixes, indicator_name, indicator_code, years, values, last_updated)


def _api_csv_bytes(
    prefixes: list[str], indicator_name: str, indicator_code: str, years: np.ndarray, values: np.ndarray, last_updated: str
) -> bytes:
    n_years = len(years)
    cells = _cells(values)
    head = (
        '"Data Source","World Development Indicators",\r\n'
        "\r\n"
        f'"Last Updated Date",{_q(last_updated)},\r\n'
        "\r\n"
        + ",".join(_q(c) for c in ["Country Name", "Country Code", "Indicator Name", "Indicator Code", *[str(int(y)) for y in years]])
        + ",\r\n"
    )
    ind = f"{_q(indicator_name)},{_q(indicator_code)}"
    lines = [head]
    for r, prefix in enumerate(prefixes):
        lines.append(f'{prefix}{ind},"' + '","'.join(cells[r * n_years : (r + 1) * n_years]) + '",\r\n')
    return "\ufeff".encode("utf-8") + "".join(lines).encode("utf-8")


def format_metadata_country(rows: list[tuple[str, str, str, str, str]]) -> bytes:
    """Return the bytes of a WDI Metadata_Country CSV.

    ``rows`` are (Country Code, Region, IncomeGroup label, SpecialNotes, TableName); written
    in the given order, with BOM, CRLF line ends, quoted fields and trailing commas.
    """
    header = ["Country Code", "Region", "IncomeGroup", "SpecialNotes", "TableName"]
    lines = [",".join(_q(h) for h in header) + ",\r\n"]
    lines += [",".join(_q(c) for c in row) + ",\r\n" for row in rows]
    return "\ufeff".encode("utf-8") + "".join(lines).encode("utf-8")


def _csv_bytes(header: tuple[str, ...], rows: list[tuple[Any, ...]]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue().encode("utf-8")


def _parquet_bytes(df: pd.DataFrame) -> bytes:
    buf = io.BytesIO()
    df.to_parquet(buf, index=False, compression="zstd")
    return buf.getvalue()


def _file_number(code: str) -> int:
    # Stands in for the World Bank's download number; stable for a given series code.
    return 100000 + zlib.crc32(code.encode("utf-8")) % 900000


def api_file_name(code: str) -> str:
    """Return the raw file name of a series: ``API_<CODE>_DS2_en_csv_v2_<n>.csv``."""
    return f"API_{code}_DS2_en_csv_v2_{_file_number(code)}.csv"


def _grid(panel: SynthPanel) -> np.ndarray:
    """Return the observed values as an (indicators, units, years) array, whatever the frame order."""
    cfg = panel.config
    ids = [s.indicator for s in cfg.indicators]
    codes = list(panel.units["iso3"])
    df = panel.panel
    k = pd.Categorical(df["indicator"], categories=ids).codes
    i = pd.Categorical(df["iso3"], categories=codes).codes
    t = df["year"].to_numpy() - cfg.first_year
    if (k < 0).any() or (i < 0).any() or (t < 0).any() or (t > cfg.last_year - cfg.first_year).any():
        raise ValueError("the panel holds indicators, units or years that the configuration does not generate")
    grid = np.full((len(ids), len(codes), cfg.last_year - cfg.first_year + 1), np.nan)
    grid[k, i, t] = df["value"].to_numpy(dtype=float)
    return grid


def dataset_files(
    panel: SynthPanel,
    rel_folder: str,
    classification_bytes: dict[str, bytes],
    manifest: pd.DataFrame,
) -> dict[str, bytes]:
    """Return every file of the dataset folder as {path inside the folder: bytes}.

    ``rel_folder`` is the folder relative to the project root (used in the overlay);
    ``classification_bytes`` maps a path under the real raw folder (e.g.
    "classifications/CLASS.xlsx") to the file's bytes; ``manifest`` is the real MANIFEST
    (strings), whose provenance rows are kept for the copies.
    """
    cfg = panel.config
    years = np.arange(cfg.first_year, cfg.last_year + 1)
    units = panel.units
    grid = _grid(panel)
    files: dict[str, bytes] = {}
    provenance: dict[str, dict[str, str]] = {}
    origin = f"{GENERATOR} with {cfg.config_file or 'a synthetic config'} (seed {cfg.seed}, scale {cfg.scale:g}, {cfg.n_units} units)"
    vintage = f"synthetic v{FORMAT_VERSION}, seed {cfg.seed}"

    agg = panel.aggregates
    agg_names = agg.drop_duplicates("iso3")[["iso3", "name"]] if len(agg) else pd.DataFrame({"iso3": [], "name": []})
    names = list(units["name"]) + list(agg_names["name"])
    codes = list(units["iso3"]) + list(agg_names["iso3"])
    # Rows are sorted by name, as in World Bank downloads (aggregates among the economies).
    order = sorted(range(len(names)), key=lambda j: (names[j], codes[j]))
    # Quoted once: the same rows start every file.
    prefixes = [f"{_q(names[j])},{_q(codes[j])}," for j in order]
    n_units = len(units)
    for k, spec in enumerate(cfg.indicators):
        if len(agg):
            a = agg[agg["indicator"] == spec.indicator]
            a_grid = (
                a.pivot(index="iso3", columns="year", values="value")
                .reindex(index=list(agg_names["iso3"]), columns=years)
                .to_numpy(dtype=float)
            )
            values = np.vstack([grid[k], a_grid])
        else:
            values = grid[k]
        values = values[order]
        path = f"raw/{RAW_SUBDIR}/{api_file_name(spec.series_code)}"
        files[path] = _api_csv_bytes(prefixes, spec.name, spec.series_code, years, values, cfg.last_updated)
        n_obs = int(np.isfinite(grid[k]).sum())
        provenance[path] = {
            "contents": (
                f"World Bank API CSV layout: {spec.name} ({spec.series_code} -> {spec.indicator}, unit {spec.unit}); "
                f"{n_units} synthetic economies + {len(agg_names)} aggregates; years {cfg.first_year}-{cfg.last_year}; "
                f"{n_obs} non-missing economy values"
            ),
        }

    notes = {
        True: "A synthetic 'ghost' economy: most of its series are missing.\nDo not expect coverage.",
        False: "",
    }
    meta_rows = [
        (c, r, INCOME_LABELS[g], notes[bool(gh)], nm)
        for c, r, g, gh, nm in units[["iso3", "region", "income_group", "ghost", "name"]].itertuples(index=False)
    ]
    meta_rows += [(c, "", "", f"{nm} aggregate (synthetic): unweighted mean of its members (sum for persons).", nm)
                  for c, nm in agg_names.itertuples(index=False)]
    meta_rows.sort(key=lambda r: r[0])
    meta_path = f"raw/{RAW_SUBDIR}/{METADATA_FILE}"
    files[meta_path] = format_metadata_country(meta_rows)
    provenance[meta_path] = {
        "contents": f"WDI Metadata_Country layout: {n_units} synthetic economies (region, income group) and {len(agg_names)} aggregates (empty region)",
    }

    raw_rel = dict(cfg.sources)["raw"]
    listed = manifest.set_index("path") if len(manifest) else pd.DataFrame()
    copies: dict[str, dict[str, str]] = {}
    for _, rel in cfg.classifications:
        files[f"raw/{rel}"] = classification_bytes[rel]
        row = listed.loc[rel].to_dict() if rel in listed.index else {}
        copies[f"raw/{rel}"] = {
            "publisher": row.get("publisher", ""),
            "licence": row.get("licence", ""),
            "vintage": row.get("vintage", ""),
            "contents": row.get("contents", ""),
            "origin": f"byte copy of {raw_rel}/{rel}" + (f"; {row['origin']}" if row.get("origin") else ""),
        }

    manifest_rows = []
    for path in sorted(p for p in files if p.startswith("raw/")):
        data = files[path]
        common = {"path": path[len("raw/"):], "sha256": hashlib.sha256(data).hexdigest(), "bytes": str(len(data))}
        if path in copies:
            manifest_rows.append({**common, **copies[path]})
        else:
            manifest_rows.append({**common, "publisher": PUBLISHER, "licence": LICENCE, "vintage": vintage,
                                  "contents": provenance[path]["contents"], "origin": origin})
    files["raw/MANIFEST.csv"] = _csv_bytes(MANIFEST_COLUMNS, [tuple(r[c] for c in MANIFEST_COLUMNS) for r in manifest_rows])

    files["config/indicators.csv"] = _csv_bytes(cfg.catalogue_columns, [s.row for s in cfg.indicators])
    files["config/series.csv"] = _csv_bytes(
        SERIES_COLUMNS,
        [(SOURCE_ID, s.series_code, s.indicator, "1", "none", "1", "synthetic series (scripts/synthetic.py)") for s in cfg.indicators],
    )
    files["config/entities.csv"] = _csv_bytes(ENTITY_COLUMNS, [])
    files["config.yaml"] = overlay_text(cfg, rel_folder).encode("utf-8")
    files["truth.json"] = (
        json.dumps(panel.truth, indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False) + "\n"
    ).encode("utf-8")
    files["truth/units.csv"] = units.to_csv(index=False, lineterminator="\n", float_format="%.17g").encode("utf-8")
    files["truth/latent.parquet"] = _parquet_bytes(panel.latent)
    if cfg.write_complete:
        files["truth/complete.parquet"] = _parquet_bytes(
            pd.DataFrame(
                {
                    "iso3": panel.panel["iso3"],
                    "year": panel.panel["year"],
                    "indicator": panel.panel["indicator"],
                    "value_complete": panel.panel["value_complete"],
                    "observed": panel.panel["value"].notna(),
                }
            )
        )
    files["README.md"] = readme_text(panel, rel_folder, sorted(files) + ["README.md"]).encode("utf-8")
    return files


def overlay_text(cfg: SynthConfig, rel_folder: str) -> str:
    """Return the config overlay (YAML) that points the workflow at the dataset in ``rel_folder``."""
    j = json.dumps
    base = rel_folder.rstrip("/")
    name = Path(base).name
    cls = dict(cfg.classifications)
    return f"""# Config overlay for the synthetic dataset in {base}/ (written by scripts/synthetic.py; do not edit).
# Snakemake merges it onto config/config.yaml (mappings recursively, lists replaced):
#   snakemake --cores all --configfile {base}/config.yaml
paths:
  raw: {j(base + "/raw")}
  manifest: {j(base + "/raw/MANIFEST.csv")}
  results: {j("results/synthetic/" + name)}   # keeps the real run's results apart
catalogue:
  indicators: {j(base + "/config/indicators.csv")}
  series: {j(base + "/config/series.csv")}
  entities: {j(base + "/config/entities.csv")}
sources:
  - id: {SOURCE_ID}
    reader: wb_api
    files: [{j(RAW_SUBDIR + "/API_*.csv")}]
classifications:
  current:
    reader: wb_class
    file: {j(cls["current"])}
  income_history:
    reader: wb_income_history
    file: {j(cls["income_history"])}
  concordance:
    reader: country_codes
    file: {j(cls["concordance"])}
  metadata: [{j(RAW_SUBDIR + "/" + METADATA_FILE)}]
analysis:
  first_year: {cfg.analysis_first_year}
  last_year: {cfg.analysis_last_year}
  # The real classification files list ~218 World Bank economies with no synthetic data;
  # screening considers only the economies that have data.
  economies: with_data
"""


def readme_text(panel: SynthPanel, rel_folder: str, paths: list[str]) -> str:
    """Return README.md: what the folder holds, how it was generated, and the truth in brief."""
    cfg, truth = panel.config, panel.truth
    base = rel_folder.rstrip("/")
    scale = f"{cfg.scale:g}"
    digest = hashlib.sha256(json.dumps(cfg.to_dict(), sort_keys=True).encode("utf-8")).hexdigest()
    outcome_lines = "\n".join(
        f"| {k} | {v['beta']:g} | {v['gamma']:g} | {v['link']} | {v['lag']} | {'yes' if v['placebo'] else ''} |"
        for k, v in truth["outcomes"].items()
    )
    comp = ", ".join(f"{k} (ref. {ref:g}, w {w:.3g})" for k, ref, w in cfg.composite)
    groups = ", ".join(f"{g} {n}" for g, n in truth["units_by_income_group"].items())
    listing = "\n".join(f"- `{p}`" for p in paths if not p.startswith(f"raw/{RAW_SUBDIR}/API_"))
    n_api = sum(1 for p in paths if p.startswith(f"raw/{RAW_SUBDIR}/API_"))
    return f"""# Synthetic ictmdg dataset: {cfg.name}, scale {scale}

Generated data, not observations of any real economy. Written by `scripts/synthetic.py`:

    python -m scripts.synthetic --config {cfg.config_file} --scale {scale} --seed {cfg.seed} --out {base}

Same config, scale and seed give byte-identical files (resolved config sha256 `{digest[:16]}`,
stored in full under `config` in truth.json). Regenerate rather than edit; the folder belongs
in `.gitignore` (`data/synthetic/`).

Run the workflow on it:

    snakemake --cores all --configfile {base}/config.yaml

## Contents

- {cfg.n_units} units (codes S00001...; {groups}; {truth['ghost_units']} ghost units with almost no data)
  x {len(cfg.indicators)} indicators x years {cfg.first_year}-{cfg.last_year}; analysis window
  {cfg.analysis_first_year}-{cfg.analysis_last_year}.
- `raw/{RAW_SUBDIR}/API_*.csv`: {n_api} files, one per indicator, in the World Bank API CSV layout
  (reader `wb_api`), series codes `SYN.*` mapped to catalogue ids by `config/series.csv`; the
  aggregate rows (World, income groups, regions) must be dropped by the harmoniser.
{listing}

`raw/classifications/` holds byte copies of the real World Bank/datahub classification
files (the synthetic codes are not in them; regions and income groups come from the
Metadata_Country file). `truth/` is outside `raw/` and never read by the workflow.

## Truth

{truth['formula']}

ICT composite: {truth['ict_composite']['formula']}, components {comp}; computed on the
complete (pre-missingness) values.

| outcome | beta (per ICT point) | gamma (per ln US$) | link | lag | placebo |
|---|---|---|---|---|---|
{outcome_lines}
"""


def write_dataset(panel: SynthPanel, folder: str | os.PathLike, project_root: str | os.PathLike = PROJECT_ROOT) -> Path:
    """Write the dataset folder and return its absolute path.

    ``folder`` (absolute, or relative to ``project_root``) must lie inside the project root,
    since the overlay refers to it relatively. The classification files and the MANIFEST
    named in the config's ``sources`` are read from ``project_root``. The folder is built
    beside its target and renamed into place, so a failed run leaves the old dataset
    intact; an existing folder is replaced only if it holds a generated dataset.
    """
    cfg = panel.config
    root = Path(project_root).resolve()
    target = Path(folder)
    target = (target if target.is_absolute() else root / target).resolve()
    try:
        rel = target.relative_to(root).as_posix()
    except ValueError:
        raise ConfigError(
            problem=f"output folder {target} is outside the project root {root}",
            expected="a folder inside the project, e.g. data/synthetic/x10",
            fix="choose an output folder under the project root (the config overlay uses relative paths)",
        ) from None
    if rel in ("", "."):
        raise ConfigError(problem="the output folder cannot be the project root itself", fix="use e.g. data/synthetic/x1")
    if target.exists() and not _is_generated(target):
        raise ConfigError(
            problem=f"{rel} exists and is not a synthetic dataset written by {GENERATOR}",
            fix="choose another --out folder, or remove that folder yourself",
        )
    src = dict(cfg.sources)
    raw_root = root / src["raw"]
    classification_bytes = {}
    for _, r in cfg.classifications:
        try:
            classification_bytes[r] = (raw_root / r).read_bytes()
        except FileNotFoundError:
            raise ConfigError(problem="classification file not found", file=f"{src['raw']}/{r}",
                              fix="check sources.raw and sources.classifications in the synthetic config") from None
    manifest_path = root / src["manifest"]
    manifest = (
        pd.read_csv(manifest_path, dtype=str, keep_default_na=False, na_values=[])
        if manifest_path.exists()
        else pd.DataFrame(columns=list(MANIFEST_COLUMNS))
    )
    files = dataset_files(panel, rel, classification_bytes, manifest)

    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.parent / f".{target.name}.partial-{os.getpid()}"
    old = target.parent / f".{target.name}.old-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    try:
        for path, data in files.items():
            out = staging / path
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(data)
        if target.exists():
            os.replace(target, old)
        os.replace(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        shutil.rmtree(old, ignore_errors=True)
    return target


def _is_generated(folder: Path) -> bool:
    try:
        return json.loads((folder / "truth.json").read_text(encoding="utf-8")).get("generator") == GENERATOR
    except (OSError, ValueError, AttributeError):
        return False


# ======================================================================================
# Command line
# ======================================================================================


def _folder_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def main(argv: list[str] | None = None) -> int:
    """Command line: generate a dataset and write it; returns the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m scripts.synthetic",
        description="Generate a synthetic ICT/MDG dataset in the raw formats ictmdg reads.",
    )
    parser.add_argument("--config", default="config/synthetic.yaml", help="synthetic-data config (default: %(default)s)")
    parser.add_argument("--scale", type=float, default=None, help="multiplies the number of units (default: the config's scale)")
    parser.add_argument("--seed", type=int, default=None, help="overrides the config's seed")
    parser.add_argument("--out", default=None, help="output folder inside the project (default: data/synthetic/x<scale>)")
    parser.add_argument("--project-root", default=str(PROJECT_ROOT), help="project root (default: this checkout)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    try:
        t0 = time.perf_counter()
        cfg = load_config(args.config, project_root=args.project_root, scale=args.scale, seed=args.seed)
        out = args.out or f"data/synthetic/x{cfg.scale:g}"
        panel = generate(cfg)
        t1 = time.perf_counter()
        target = write_dataset(panel, out, args.project_root)
        t2 = time.perf_counter()
    except ConfigError as exc:
        log.error("%s", exc)
        return 2
    log.info(
        "synthetic: %d units x %d indicators x %d years -> %s (%.1f MB); generate %.2f s, write %.2f s",
        cfg.n_units, len(cfg.indicators), cfg.last_year - cfg.first_year + 1, target,
        _folder_size(target) / 1e6, t1 - t0, t2 - t1,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
