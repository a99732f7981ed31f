"""The synthetic-data configuration: ``config/synthetic.yaml`` checked and resolved into frozen dataclasses.

Keys, types, ranges, allowed values and defaults are those of the JSON Schema
``workflow/schemas/synthetic.schema.yaml`` (every problem is listed at once, a misspelt key
with the closest valid one). What a schema cannot state is checked here, each problem
named by its key path: the years in order, indicator ids that exist in the real catalogue,
thresholds and bounds in order, ceilings below the catalogue maximum, links the catalogue
bounds allow, composite components that are generated, distinct series and aggregate codes.

:func:`load_config` reads the file and the real catalogue it names; :func:`build_config`
does the same from parsed data. Both return a :class:`SynthConfig`, from which
:func:`scripts.synthetic.generate.generate` draws a panel.
"""

from __future__ import annotations

import copy
import dataclasses
import difflib
import math
import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from scripts.core.config import check_schema, load_yaml
from scripts.core.errors import ConfigError
from scripts.core.io import read_csv
from scripts.core.vocabulary import INCOME_GROUPS
from scripts.synthetic.params import (
    CATALOGUE_COLUMNS,
    DiffusionParams,
    IncomeParams,
    IndicatorSpec,
    MissingnessParams,
    OutcomeParams,
    PopulationParams,
    Region,
    SynthConfig,
    UrbanParams,
)

#: The project root: config paths, and the dataset folder, are relative to it.
PROJECT_ROOT = Path(__file__).resolve().parents[2]
SCHEMA = "synthetic.schema.yaml"
DOCUMENTED_IN = "the comments of the shipped config/synthetic.yaml"
#: Indicators with a dedicated generator; every other non-outcome indicator diffuses.
SPECIAL_GENERATORS = {"gdp_pc_usd": "income", "population": "population", "urban_population_pct": "urban"}
_WDI_CODE = re.compile(r"^[A-Z]{2,3}(\.[A-Z0-9]+)+$")


def _invalid(key: str, problem: str, config_file: str, fix: str | None = None) -> ConfigError:
    """Return the ConfigError of a rule the schema cannot state, located by its key path."""
    return ConfigError(problem=f"{key}: {problem}", file=config_file or None, fix=fix)


def _non_finite(value: Any, key: str) -> Iterable[str]:
    """Yield the key path of every NaN or infinite number in ``value``.

    YAML can write them (.nan, .inf) and JSON Schema cannot refuse them: NaN passes every range.
    """
    if isinstance(value, float) and not math.isfinite(value):
        yield key
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _non_finite(v, f"{key}.{k}" if key else str(k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _non_finite(v, f"{key}.{i}")


def _checked(raw: Any, *, scale: float | None, seed: int | None, config_file: str) -> dict:
    """Return a copy of ``raw`` with the overrides applied, checked against the schema and defaults filled."""
    checked = copy.deepcopy(raw)
    if isinstance(checked, dict):
        # The overrides are checked like the file's values (seed >= 0, scale > 0).
        checked.update({k: v for k, v in (("scale", scale), ("seed", seed)) if v is not None})
    check_schema(checked, SCHEMA, config_file=config_file or "(synthetic config)", documented_in=DOCUMENTED_IN)
    bad = list(_non_finite(checked, ""))
    if bad:
        raise _invalid(", ".join(bad), "not a finite number", config_file)
    return checked


def _known(ids: Iterable[str], known: list[str], key: str, config_file: str) -> None:
    """Refuse any of ``ids`` that is not a catalogue indicator, suggesting the closest one."""
    for ind in ids:
        if ind not in known:
            close = difflib.get_close_matches(str(ind), known, n=1)
            raise _invalid(
                key,
                f"{ind!r} is not in the catalogue" + (f" (did you mean {close[0]!r}?)" if close else ""),
                config_file,
                fix="use an indicator id of sources.indicators",
            )


def _floats(cls: type, values: dict) -> Any:
    """Return the parameter dataclass ``cls`` built from ``values``, every field a float (YAML gives ints too)."""
    return cls(**{f.name: float(values[f.name]) for f in dataclasses.fields(cls)})


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


def _check_years(raw: dict, config_file: str) -> None:
    """Refuse years out of order: years.first < years.last, the analysis window inside them."""
    first, last = raw["years"]["first"], raw["years"]["last"]
    a_first, a_last = raw["analysis"]["first_year"], raw["analysis"]["last_year"]
    for ok, key, problem in (
        (first < last, "years.last", f"{last} is not after years.first ({first})"),
        (first <= a_first, "analysis.first_year", f"{a_first} is before years.first ({first})"),
        (a_first <= a_last, "analysis.last_year", f"{a_last} is before analysis.first_year ({a_first})"),
        (a_last <= last, "analysis.last_year", f"{a_last} is after years.last ({last})"),
    ):
        if not ok:
            raise _invalid(
                key,
                problem,
                config_file,
                fix="need years.first < years.last and years.first <= analysis.first_year <= "
                "analysis.last_year <= years.last",
            )


def _income(raw: dict, config_file: str) -> IncomeParams:
    """Return the income parameters after checking thresholds and bounds are in order."""
    inc = raw["income"]
    thresholds = tuple(float(t) for t in inc["thresholds_usd"])
    if not thresholds[0] < thresholds[1] < thresholds[2]:
        raise _invalid("income.thresholds_usd", f"{list(thresholds)} is not increasing", config_file)
    bounds = tuple(float(b) for b in inc["log_bounds"])
    if not bounds[0] < inc["log_mean"] < bounds[1]:
        raise _invalid("income.log_bounds", "need log_bounds[0] < income.log_mean < log_bounds[1]", config_file)
    scalars = {k: float(v) for k, v in inc.items() if k not in ("thresholds_usd", "log_bounds")}
    return IncomeParams(**scalars, thresholds_usd=thresholds, log_bounds=bounds)  # type: ignore[arg-type]


def _regions_and_aggregates(raw: dict, config_file: str) -> tuple[tuple[Region, ...], str, dict[str, str]]:
    """Return the regions, the World code and the income-group codes, after checking shares and codes."""
    regions = tuple(Region(r["code"], r["name"], float(r["share"]), float(r["income_offset"])) for r in raw["regions"])
    if sum(r.share for r in regions) <= 0:
        raise _invalid("regions", "the region shares sum to 0", config_file)
    agg = raw["aggregates"]
    world, income = agg["world"] or "", agg["income_groups"] or {}
    codes = [world, *income.values(), *([r.code for r in regions] if agg["regions"] else [])]
    codes = [c for c in codes if c]
    if len(set(codes)) != len(codes):
        raise _invalid("aggregates", f"aggregate codes {codes} are not distinct", config_file)
    return regions, world, income


def _missingness(raw: dict, known: list[str], n_years: int, config_file: str) -> MissingnessParams:
    """Return the missingness parameters after checking ids against the catalogue and gap lengths."""
    miss = raw["missingness"]
    _known((k for k in miss["availability"] if k != "default"), known, "missingness.availability", config_file)
    _known(miss["no_gaps"], known, "missingness.no_gaps", config_file)
    for gap in ("end_gap", "late_start"):
        if miss[gap]["max_years"] >= n_years:
            raise _invalid(f"missingness.{gap}.max_years", f"must be less than the {n_years} years", config_file)
    return MissingnessParams(
        availability=tuple(sorted((k, float(v)) for k, v in miss["availability"].items())),
        early_slope=float(miss["early_slope"]),
        income_slope=float(miss["income_slope"]),
        capacity_sd=float(miss["capacity_sd"]),
        end_gap_prob=float(miss["end_gap"]["prob"]),
        end_gap_max_years=int(miss["end_gap"]["max_years"]),
        late_start_prob=float(miss["late_start"]["prob"]),
        late_start_max_years=int(miss["late_start"]["max_years"]),
        no_gaps=tuple(miss["no_gaps"]),
        ghost_share=float(miss["ghost_units"]["share"]),
        ghost_availability=float(miss["ghost_units"]["availability"]),
    )


def _outcome(ind: str, params: dict, row: dict, lower: float, upper: float, config_file: str) -> OutcomeParams:
    """Return the outcome equation of ``ind`` after checking its role and that its link fits the bounds."""
    key = f"outcomes.{ind}"
    if row["role"] != "outcome":
        raise _invalid(key, f"{ind!r} has role {row['role']!r} in the catalogue, not 'outcome'", config_file)
    if params["link"] == "logit" and not (lower == 0 and math.isfinite(upper)):
        raise _invalid(
            key, f"the logit link needs catalogue bounds [0, max]; {ind} has [{row['min']}, {row['max']}]", config_file
        )
    if params["link"] == "log" and not (lower == 0 or math.isnan(lower)):
        raise _invalid(key, "the log link needs a catalogue minimum of 0 or none", config_file)
    numbers = {k: float(v) for k, v in params.items() if k not in ("link", "lag")}
    return OutcomeParams(**numbers, link=params["link"], lag=int(params["lag"]))


def _diffusion(ind: str, params: dict, upper: float, config_file: str) -> DiffusionParams:
    """Return the diffusion parameters of ``ind`` after checking its ceilings stay below the catalogue maximum."""
    d = _floats(DiffusionParams, params)
    if math.isfinite(upper) and max(d.ceiling_rich, d.ceiling_poor) >= upper:
        raise _invalid(f"diffusion.{ind}", f"ceilings must stay below the catalogue maximum {upper:g}", config_file)
    return d


def _indicators(
    raw: dict, catalogue: pd.DataFrame, series: pd.DataFrame, miss: MissingnessParams, config_file: str
) -> tuple[IndicatorSpec, ...]:
    """Return the generated indicators, in catalogue order, with their parameters and series codes."""
    cf = config_file
    known = list(catalogue["indicator"])
    sel, outcomes, diffusion = raw["indicators"], raw["outcomes"], raw["diffusion"]
    for key, ids in (
        ("indicators.include", sel["include"]),
        ("indicators.exclude", sel["exclude"]),
        ("outcomes", outcomes),
        ("diffusion", (k for k in diffusion if k != "default")),
    ):
        _known(ids, known, key, cf)
    chosen = set(catalogue.loc[catalogue["role"].isin(sel["roles"]), "indicator"]) | set(sel["include"])
    chosen = (chosen | set(outcomes)) - set(sel["exclude"])
    if "gdp_pc_usd" not in chosen:
        raise _invalid(
            "indicators", "gdp_pc_usd (the latent income) must be generated", cf, fix="add it to indicators.include"
        )
    availability = dict(miss.availability)
    specs: list[IndicatorSpec] = []
    taken: set[str] = set()
    for r in catalogue.to_dict("records"):
        ind = r["indicator"]
        if ind not in chosen:
            continue
        lower = float(r["min"]) if r["min"] != "" else math.nan
        upper = float(r["max"]) if r["max"] != "" else math.nan
        outcome = diffusion_p = None
        if ind in outcomes:
            generator, outcome = "outcome", _outcome(ind, outcomes[ind], r, lower, upper, cf)
        elif r["role"] == "outcome":
            raise _invalid(
                "indicators",
                f"outcome {ind!r} is selected but has no parameters under outcomes",
                cf,
                fix=f"add outcomes.{ind} or list it under indicators.exclude",
            )
        elif ind in SPECIAL_GENERATORS:
            generator = SPECIAL_GENERATORS[ind]
        else:
            generator = "diffusion"
            diffusion_p = _diffusion(ind, {**diffusion["default"], **diffusion.get(ind, {})}, upper, cf)
        code = _series_code(ind, series, taken)
        if code in taken:
            raise _invalid("indicators", f"two indicators would get the series code {code}", cf)
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
                availability=availability.get(ind, availability["default"]),
                gaps=ind not in miss.no_gaps,
                diffusion=diffusion_p,
                outcome=outcome,
                default_params=generator == "diffusion" and ind not in diffusion,
                row=tuple(str(r[c]) for c in catalogue.columns),
            )
        )
    return tuple(specs)


def _composite(raw: dict, specs: tuple[IndicatorSpec, ...], config_file: str) -> tuple[tuple[str, float, float], ...]:
    """Return the composite's (indicator, reference, weight) with weights normalised to sum to 1."""
    diffusing = {s.indicator for s in specs if s.generator == "diffusion"}
    for ind in raw["composite"]:
        if ind not in diffusing:
            raise _invalid(
                f"composite.{ind}",
                f"{ind!r} is not a generated diffusion indicator",
                config_file,
                fix="compose the ICT index from generated readiness/use indicators",
            )
    parts = [(ind, float(c["reference"]), float(c["weight"])) for ind, c in raw["composite"].items()]
    total = sum(w for _, _, w in parts)
    return tuple((ind, ref, w / total) for ind, ref, w in parts)


def _resolve(raw: dict, catalogue: pd.DataFrame, series: pd.DataFrame, config_file: str) -> SynthConfig:
    """Return the :class:`SynthConfig` of the schema-checked ``raw`` after the cross-field checks."""
    cf = config_file
    missing_cols = [c for c in CATALOGUE_COLUMNS if c not in catalogue.columns]
    if missing_cols:
        raise ConfigError(problem=f"catalogue lacks columns {missing_cols}", file=raw["sources"]["indicators"])
    _check_years(raw, cf)
    regions, world, income_codes = _regions_and_aggregates(raw, cf)
    known = list(catalogue["indicator"])
    miss = _missingness(raw, known, raw["years"]["last"] - raw["years"]["first"] + 1, cf)
    _known(raw["composite"], known, "composite", cf)
    specs = _indicators(raw, catalogue, series, miss, cf)
    src = raw["sources"]
    return SynthConfig(
        name=raw["name"],
        seed=int(raw["seed"]),
        units=int(raw["units"]),
        scale=float(raw["scale"]),
        first_year=int(raw["years"]["first"]),
        last_year=int(raw["years"]["last"]),
        analysis_first_year=int(raw["analysis"]["first_year"]),
        analysis_last_year=int(raw["analysis"]["last_year"]),
        last_updated=raw["last_updated"],
        significant_digits=int(raw["significant_digits"]),
        max_decimals=int(raw["max_decimals"]),
        write_complete=raw["write_complete"],
        regions=regions,
        aggregate_world=world,
        aggregate_income=tuple((g, income_codes[g]) for g in INCOME_GROUPS if income_codes.get(g)),
        aggregate_regions=raw["aggregates"]["regions"],
        income=_income(raw, cf),
        population=_floats(PopulationParams, raw["population"]),
        urban=_floats(UrbanParams, raw["urban"]),
        pillar_corr=float(raw["pillar_corr"]),
        indicators=specs,
        composite=_composite(raw, specs, cf),
        missingness=miss,
        sources=tuple((k, src[k]) for k in ("indicators", "series", "manifest", "raw")),
        classifications=tuple((k, src["classifications"][k]) for k in ("current", "income_history", "concordance")),
        config_file=cf,
        catalogue_columns=tuple(str(c) for c in catalogue.columns),
    )


def build_config(
    raw: dict,
    catalogue: pd.DataFrame,
    series: pd.DataFrame,
    *,
    scale: float | None = None,
    seed: int | None = None,
    config_file: str = "config/synthetic.yaml",
) -> SynthConfig:
    """Validate the parsed YAML ``raw`` against the schema and the real ``catalogue``; return a :class:`SynthConfig`.

    ``catalogue`` and ``series`` are indicators.csv and series.csv read as strings;
    ``raw`` is not modified. ``scale`` and ``seed`` override the file's values. Raises
    :class:`ConfigError` listing every schema problem, or naming the key of the first
    cross-field problem found.
    """
    checked = _checked(raw, scale=scale, seed=seed, config_file=config_file)
    return _resolve(checked, catalogue, series, config_file)


def _read_strings(path: Path) -> pd.DataFrame:
    """Return a catalogue CSV with every cell as text ('' where empty)."""
    if not path.exists():
        raise ConfigError(problem="file not found", file=str(path), fix="check sources.* in the synthetic config")
    return read_csv(path, dtype=str, na_values=[])


def load_config(
    path: str | os.PathLike,
    *,
    project_root: str | os.PathLike = PROJECT_ROOT,
    scale: float | None = None,
    seed: int | None = None,
) -> SynthConfig:
    """Read a synthetic-data config and the real catalogue it names; return a :class:`SynthConfig`.

    Paths inside the config are relative to ``project_root``; ``scale`` and ``seed``
    override the file's values. Raises :class:`ConfigError` as :func:`build_config` does.
    """
    root = Path(project_root).resolve()
    path = Path(path)
    full = path if path.is_absolute() else root / path
    try:
        shown = full.resolve().relative_to(root).as_posix()
    except ValueError:
        shown = str(path)
    # Checked before the catalogue is read, since the catalogue's paths come from the file.
    checked = _checked(load_yaml(full), scale=scale, seed=seed, config_file=shown)
    src = checked["sources"]
    catalogue, series = _read_strings(root / src["indicators"]), _read_strings(root / src["series"])
    return _resolve(checked, catalogue, series, shown)
