"""Generate a synthetic panel from a :class:`~scripts.synthetic.params.SynthConfig` (pure: no I/O).

:func:`generate` draws the units, every indicator's complete values, the outcomes from the
ICT composite and ln income, and the missingness (equations in :mod:`scripts.synthetic.model`),
and returns a :class:`SynthPanel`: the long panel, the unit table, the aggregate rows, the
latent series and the truth that truth.json records. Identical configs give identical frames.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from scripts.core.vocabulary import INCOME_GROUPS, INCOME_LABELS
from scripts.synthetic.model import (
    clip_to_bounds,
    diffuse,
    draw_population,
    draw_units,
    draw_urban,
    ict_composite,
    inverse_link,
    observed_mask,
    rng_for,
    tidy_values,
    unit_codes,
)
from scripts.synthetic.params import OutcomeParams, SynthConfig

#: Written into truth.json: a folder is replaced only if it holds a dataset of this generator.
GENERATOR = "scripts.synthetic"
FORMAT_VERSION = 1
#: The World Bank's label of each income group code (aggregate row names, Metadata_Country).
INCOME_GROUP_LABELS = {code: label for label, code in INCOME_LABELS.items()}


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


def _aggregate_members(cfg: SynthConfig, units: dict[str, np.ndarray]) -> list[tuple[str, str, np.ndarray]]:
    """Return (code, name, member mask) of every aggregate row with at least one member."""
    out = []
    n = len(units["region"])
    if cfg.aggregate_world:
        out.append((cfg.aggregate_world, "World", np.ones(n, dtype=bool)))
    for g, code in cfg.aggregate_income:
        out.append((code, INCOME_GROUP_LABELS[g], units["group"] == INCOME_GROUPS.index(g)))
    if cfg.aggregate_regions:
        for k, r in enumerate(cfg.regions):
            out.append((r.code, r.name, units["region"] == k))
    return [(c, nm, m) for c, nm, m in out if m.any()]


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
    units = draw_units(cfg, ict_years, burn)
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
            x = draw_population(cfg, years, z)
        elif spec.generator == "urban":
            x = draw_urban(cfg, years, units["log_income"])
        elif spec.generator == "diffusion":
            full, params = diffuse(cfg, spec, ict_years, z, units["income_z_path"])
            full, clipped[spec.indicator] = clip_to_bounds(tidy_values(full, digits, decimals), spec)
            ict_full[spec.indicator] = full
            x = full[:, burn:]
            diffusion_rows.append(pd.DataFrame({"iso3": codes, "indicator": spec.indicator, **params}))
        else:
            continue
        if spec.generator != "diffusion":
            x, clipped[spec.indicator] = clip_to_bounds(tidy_values(x, digits, decimals), spec)
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
        y = tidy_values(inverse_link(g, o.link, spec.upper), digits, decimals)
        y, clipped[spec.indicator] = clip_to_bounds(y, spec)
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

    observed = {s.indicator: observed_mask(cfg, s, units, n_years) for s in cfg.indicators}

    # ---- long panel: indicator-major, then unit, then year
    ids = [s.indicator for s in cfg.indicators]
    k_n = len(ids)
    stack = np.stack([complete[i] for i in ids])
    mask = np.stack([observed[i] for i in ids])
    panel = pd.DataFrame(
        {
            "iso3": pd.Categorical.from_codes(
                np.tile(np.repeat(np.arange(n, dtype=np.int32), n_years), k_n), categories=codes
            ),
            "year": np.tile(years.astype(np.int64), k_n * n),
            "indicator": pd.Categorical.from_codes(
                np.repeat(np.arange(k_n, dtype=np.int32), n * n_years), categories=ids
            ),
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
            agg_rows.append(
                pd.DataFrame(
                    {
                        "iso3": code,
                        "name": name,
                        "year": years.astype(np.int64),
                        "indicator": spec.indicator,
                        "value": tidy_values(v, digits, decimals),
                    }
                )
            )
    aggregates = (
        pd.concat(agg_rows, ignore_index=True)
        if agg_rows
        else pd.DataFrame(
            {
                "iso3": [],
                "name": [],
                "year": pd.Series(dtype="int64"),
                "indicator": [],
                "value": pd.Series(dtype="float64"),
            }
        )
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
    """Return the outcome's equation as text, with its parameters filled in (for truth.json)."""
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
    """Return the truth written to truth.json: formulas, effects, achieved availability, resolved config."""
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
