"""Tests of the generated panel: determinism, structure (diffusion, income, ranges), missingness,
and the truth (composite, outcome equations, a known effect recovered by two-way fixed effects).

Most tests use the shipped config/synthetic.yaml at scale 1 (the session fixtures of conftest.py).
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import spearmanr
from support import ROOT
from threadpoolctl import threadpool_limits

from scripts.synthetic.config import build_config, load_config
from scripts.synthetic.generate import generate
from scripts.synthetic.model import link_function, logistic_curve, tidy_values, unit_codes

CONFIG = "config/synthetic.yaml"


# ======================================================================================
# Determinism
# ======================================================================================


def test_same_config_gives_identical_frames(cfg, synth):
    again = generate(cfg)
    for name in ("panel", "units", "aggregates", "latent", "diffusion"):
        pd.testing.assert_frame_equal(getattr(synth, name), getattr(again, name))
    assert json.dumps(synth.truth, sort_keys=True) == json.dumps(again.truth, sort_keys=True)


def test_different_seeds_differ(cfg, synth):
    other = generate(load_config(CONFIG, project_root=ROOT, seed=cfg.seed + 1))
    a, b = synth.panel["value_complete"].to_numpy(), other.panel["value_complete"].to_numpy()
    assert a.shape == b.shape
    assert np.mean(a != b) > 0.95
    assert not synth.panel["value"].isna().equals(other.panel["value"].isna())
    assert not synth.units["region"].equals(other.units["region"])


def test_scale_multiplies_units_and_codes_stay_unique():
    cfg = load_config(CONFIG, project_root=ROOT, scale=0.5)
    s = generate(cfg)
    assert cfg.n_units == 110 == len(s.units) == s.units["iso3"].nunique()
    assert len(s.panel) == 110 * 26 * len(cfg.indicators)
    assert s.units["iso3"].iloc[0] == "S00001"
    assert unit_codes(123456)[-1] == "S123456"


def test_an_indicator_draws_do_not_depend_on_the_subset(synth, values, raw, catalogue):
    raw["indicators"]["exclude"] = ["hh_computer_pct", "rnd_expenditure_pct_gdp"]
    smaller = generate(build_config(raw, *catalogue))
    assert "hh_computer_pct" not in set(smaller.panel["indicator"])
    for ind in ("internet_users_pct", "hh_internet_pct", "under5_mortality", "gdp_pc_usd"):
        pd.testing.assert_frame_equal(values(synth, ind), values(smaller, ind))
        pd.testing.assert_frame_equal(values(synth, ind, "value"), values(smaller, ind, "value"))


# ======================================================================================
# Structure: diffusion, income, ranges
# ======================================================================================


@settings(max_examples=60, deadline=None)
@given(
    ceiling=st.floats(0.01, 1e4),
    midpoint=st.floats(1950, 2050),
    rate=st.floats(0.01, 3),
)
def test_logistic_curve_is_monotone_and_bounded(ceiling, midpoint, rate):
    t = np.arange(1990, 2031)
    y = logistic_curve(t, ceiling, midpoint, rate)
    assert np.all(np.diff(y) >= 0)
    assert np.all((y >= 0) & (y <= ceiling))
    assert logistic_curve(np.array([midpoint]), ceiling, midpoint, rate)[0] == pytest.approx(ceiling / 2)


def test_diffusion_rises_over_time_on_average(cfg, synth, values):
    for spec in cfg.indicators:
        if spec.generator != "diffusion":
            continue
        mean = values(synth, spec.indicator).mean().to_numpy()
        steps = np.diff(mean)
        # Unit noise and income shocks average out over 220 units but not completely:
        # the cross-unit mean must rise in most years and overall, and trend upward.
        assert mean[-1] > 1.1 * mean[0], spec.indicator
        assert np.mean(steps > 0) >= 0.75, spec.indicator
        assert spearmanr(np.arange(len(mean)), mean)[0] > 0.95, spec.indicator


def test_richer_units_adopt_earlier(synth, values):
    z = synth.units.set_index("iso3")["income_z"]
    for ind, d in synth.diffusion.groupby("indicator"):
        assert np.corrcoef(z.loc[d["iso3"]], d["midpoint"])[0, 1] < -0.5, ind
    # In the data themselves: the year Internet use first reaches 10% falls with income.
    net = values(synth, "internet_users_pct")
    reached = net.ge(10).to_numpy()
    first = np.where(reached.any(axis=1), net.columns.to_numpy()[reached.argmax(axis=1)], 2030)
    assert spearmanr(z.loc[net.index], first)[0] < -0.7


def test_indicators_correlate_more_within_pillars(cfg, synth):
    ids = [s.indicator for s in cfg.indicators if s.generator == "diffusion"]
    pillar = {s.indicator: s.pillar for s in cfg.indicators}
    w = synth.panel[(synth.panel["year"] == 2010) & synth.panel["indicator"].isin(ids)]
    w = w.pivot(index="iso3", columns="indicator", values="value_complete")
    # Partial out income (which drives everything) so that the pillar factor shows.
    z = synth.units.set_index("iso3").loc[w.index, "income_z"].to_numpy()
    logs = np.log(w[ids].to_numpy() + 1e-3)
    design = np.column_stack([np.ones_like(z), z, z**2])
    resid = logs - design @ np.linalg.lstsq(design, logs, rcond=None)[0]
    corr = np.corrcoef(resid, rowvar=False)
    same = np.array([[pillar[a] == pillar[b] for b in ids] for a in ids])
    off = ~np.eye(len(ids), dtype=bool)
    assert corr[same & off].mean() > corr[~same].mean() + 0.2


def test_income_groups_follow_last_year_income(cfg, synth, values):
    gdp = values(synth, "gdp_pc_usd")[cfg.last_year]
    groups = synth.units.set_index("iso3")["income_group"]
    t1, t2, t3 = cfg.income.thresholds_usd
    expected = np.select([gdp <= t1, gdp <= t2, gdp <= t3], ["L", "LM", "UM"], "H")
    assert (groups.loc[gdp.index].to_numpy() == expected).all()
    assert set(groups) == {"L", "LM", "UM", "H"}
    # Income grows: the median unit is richer at the end than at the start.
    assert values(synth, "gdp_pc_usd").median().iloc[-1] > 1.3 * values(synth, "gdp_pc_usd").median().iloc[0]
    assert synth.units["region"].nunique() == len(cfg.regions)


def test_values_respect_unit_ranges(cfg, synth):
    for spec in cfg.indicators:
        x = synth.panel.loc[synth.panel["indicator"] == spec.indicator, "value_complete"].to_numpy()
        assert np.isfinite(x).all(), spec.indicator
        if np.isfinite(spec.lower):
            assert x.min() >= spec.lower, spec.indicator
        if np.isfinite(spec.upper):
            assert x.max() <= spec.upper, spec.indicator
        if spec.unit == "percent":
            assert 0 <= x.min() and x.max() <= 100, spec.indicator
        if spec.unit in ("per100", "per_million", "persons", "usd", "per1000", "per100k", "percent_gross"):
            assert x.min() >= 0, spec.indicator
    # The aggregates as well, and nothing had to be clipped with the shipped parameters.
    agg = synth.aggregates.merge(
        pd.DataFrame({"indicator": [s.indicator for s in cfg.indicators], "upper": [s.upper for s in cfg.indicators]}),
        on="indicator",
    )
    assert (agg["value"] >= 0).all() and not (agg["value"] > agg["upper"]).any()
    assert sum(synth.truth["values_clipped"].values()) == 0


def test_tidy_values_are_short_and_exact():
    x = np.array([123456789.0, 0.000123456789, 2.5e-7, -3.14159265, 0.0, np.nan, -0.0, 99.99999999])
    y = tidy_values(x, 6, 6)
    assert [repr(v) for v in y[[0, 1, 2, 3, 4, 6, 7]].tolist()] == [
        "123457000.0",
        "0.000123",
        "0.0",
        "-3.14159",
        "0.0",
        "0.0",
        "100.0",
    ]
    assert np.isnan(y[5])


# ======================================================================================
# Missingness
# ======================================================================================


def test_missingness_is_higher_early_and_in_poorer_units(synth):
    d = synth.panel.merge(synth.units[["iso3", "income_group", "ghost"]], on="iso3")
    d = d.assign(missing=d["value"].isna())
    by_year = d.groupby("year")["missing"].mean()
    assert by_year.loc[1995:1999].mean() > by_year.loc[2008:2012].mean() + 0.1
    by_group = d[~d["ghost"]].groupby("income_group")["missing"].mean()
    assert by_group["L"] > by_group["LM"] > by_group["UM"] > by_group["H"]
    assert by_group["L"] > by_group["H"] + 0.15
    # The complete values exist everywhere; only `value` has gaps.
    assert d["value_complete"].notna().all()
    observed = d["value"].notna()
    assert (d.loc[observed, "value"] == d.loc[observed, "value_complete"]).all()


def test_sparse_indicators_and_ghost_units(cfg, synth):
    share = synth.panel.assign(obs=synth.panel["value"].notna()).groupby("indicator", observed=True)["obs"].mean()
    for spec in cfg.indicators:
        if spec.availability <= 0.5:
            assert 0.25 <= share[spec.indicator] <= 0.5, spec.indicator
            assert abs(share[spec.indicator] - spec.availability) < 0.06, spec.indicator
    assert share["population"] > 0.9
    ghosts = synth.units.loc[synth.units["ghost"], "iso3"]
    assert len(ghosts) == round(cfg.missingness.ghost_share * cfg.n_units) > 0
    ghost_share = synth.panel[synth.panel["iso3"].isin(ghosts)]["value"].notna().mean()
    assert ghost_share < 0.1


def test_end_gaps_and_late_starts_cut_whole_years(raw, catalogue):
    raw["missingness"]["end_gap"] = {"prob": 1.0, "max_years": 4}
    raw["missingness"]["late_start"] = {"prob": 1.0, "max_years": 3}
    s = generate(build_config(raw, *catalogue, scale=0.25))
    d = s.panel
    gappy = ~d["indicator"].isin(["population", "gdp_pc_usd", "urban_population_pct"])
    last = d["year"] == 2020
    first = d["year"] == 1995
    assert d.loc[gappy & (last | first), "value"].isna().all()
    # Gaps are 1-4 years: the fifth year before the end is not cut by the end gap.
    assert d.loc[gappy & (d["year"] == 2016), "value"].notna().any()
    assert d.loc[~gappy & last, "value"].notna().mean() > 0.9


# ======================================================================================
# The truth: composite, outcome equations, recoverable effect
# ======================================================================================


def test_composite_and_log_income_match_the_truth(cfg, synth, values):
    lat = synth.latent.set_index(["iso3", "year"])
    comp = synth.truth["ict_composite"]["components"]
    assert set(comp) == {"internet_users_pct", "mobile_per100", "fixed_broadband_per100", "fixed_tel_per100"}
    expected = (
        sum(c["weight"] * np.minimum(values(synth, k).stack() / c["reference"], 1.0) for k, c in comp.items()) * 100
    )
    got = lat["ict_composite"].loc[expected.index]
    np.testing.assert_allclose(got.to_numpy(), expected.to_numpy(), rtol=1e-12)
    gdp = values(synth, "gdp_pc_usd").stack()
    np.testing.assert_array_equal(lat["log_income"].loc[gdp.index].to_numpy(), np.log(gdp.to_numpy()))


def test_outcome_equation_is_fully_described_by_the_truth(synth, values):
    """Rebuilding e = g(y) - alpha_i - lambda_t - beta ICT - gamma ln y from the truth leaves
    iid noise of the stated sd: nothing that drives the outcomes is missing from the truth."""
    lat = synth.latent.set_index(["iso3", "year"])
    alpha = synth.units.set_index("iso3")
    for o, t in synth.truth["outcomes"].items():
        y = values(synth, o).stack()
        iso, yr = y.index.get_level_values(0), y.index.get_level_values(1)
        g = link_function(y.to_numpy(), t["link"], t["upper"] or np.nan)
        lam = np.array([t["year_effects"][str(v)] for v in yr])
        e = (
            g
            - alpha.loc[iso, f"alpha_{o}"].to_numpy()
            - lam
            - t["beta"] * lat.loc[y.index, "ict_composite"].to_numpy()
            - t["gamma"] * lat.loc[y.index, "log_income"].to_numpy()
        )
        # 5,720 draws: the sample sd is within ~1% of sigma; rounding to 6 digits adds ~0.
        assert abs(e.mean()) < 0.05 * t["sigma"], o
        assert e.std() == pytest.approx(t["sigma"], rel=0.05), o


def twfe(
    d: pd.DataFrame, y: np.ndarray, regressors: list[str], unit_fe: bool = True
) -> sm.regression.linear_model.RegressionResultsWrapper:
    parts = [d[regressors].reset_index(drop=True)]
    if unit_fe:
        parts.append(pd.get_dummies(d["iso3"].astype(str), drop_first=True, dtype=float).reset_index(drop=True))
    parts.append(pd.get_dummies(d["year"], drop_first=True, prefix="y", dtype=float).reset_index(drop=True))
    # QR rather than statsmodels' default pseudo-inverse (same estimates, much faster), on one
    # BLAS thread: with other jobs on the machine, threaded BLAS on this small matrix stalls.
    with threadpool_limits(1):
        return sm.OLS(y, sm.add_constant(pd.concat(parts, axis=1))).fit(method="qr")


def test_known_effect_is_recovered_by_two_way_fixed_effects(cfg, synth):
    """OLS of g(y) on the ICT composite and ln income with unit and year dummies, on the
    complete data of the analysis window (220 units x 16 years).

    Tolerance: the model is exactly the data-generating one with iid normal errors that are
    independent of the regressors, so (b - beta) / SE is standard normal and |z| <= 4 fails
    with probability 6e-5 per outcome. The test has power: every true effect is at least
    5 SE from zero, and the misspecified pooled regression without income (the confounder)
    is rejected by the same criterion.
    """
    lat = synth.latent
    n_effects = 0
    for o, t in synth.truth["outcomes"].items():
        d = synth.panel[synth.panel["indicator"] == o].merge(lat, on=["iso3", "year"])
        d = d[d["year"].between(cfg.analysis_first_year, cfg.analysis_last_year)].reset_index(drop=True)
        y = link_function(d["value_complete"].to_numpy(), t["link"], t["upper"] or np.nan)
        fit = twfe(d, y, ["ict_composite", "log_income"])
        b, se = fit.params["ict_composite"], fit.bse["ict_composite"]
        assert abs(b - t["beta"]) <= 4 * se, (o, b, t["beta"], se)
        assert abs(fit.params["log_income"] - t["gamma"]) <= 4 * fit.bse["log_income"], o
        if t["placebo"]:
            continue
        n_effects += 1
        assert abs(t["beta"]) >= 5 * se, (o, se)
        naive = twfe(d, y, ["ict_composite"], unit_fe=False)
        assert abs(naive.params["ict_composite"] - t["beta"]) > 4 * naive.bse["ict_composite"], o
    assert n_effects >= 4 and any(t["placebo"] for t in synth.truth["outcomes"].values())


def test_lagged_outcomes_use_the_lagged_composite(raw, catalogue):
    raw["outcomes"]["life_expectancy"]["lag"] = 2
    s = generate(build_config(raw, *catalogue))
    assert s.truth["outcomes"]["life_expectancy"]["lag"] == 2
    lat = s.latent.set_index(["iso3", "year"])
    # The lag-2 composite of year t is the composite of year t - 2.
    shifted = lat["ict_composite"].groupby(level=0, observed=True).shift(2).dropna()
    np.testing.assert_array_equal(lat.loc[shifted.index, "ict_composite_lag2"].to_numpy(), shifted.to_numpy())
