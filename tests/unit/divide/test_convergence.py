"""Sigma- and beta-convergence: a known beta recovered, half-life by hand, HAC trends, exclusions."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from scripts.divide.convergence import beta_fit, beta_table, half_life, sd_log, sigma_table, transform


def synthetic(beta=-0.04, n=300, horizon=15, seed=5, group_effect=0.0):
    """Economies whose annual log growth is 0.1 + beta ln x0 (+ a group effect) + noise."""
    rng = np.random.default_rng(seed)
    x0 = rng.lognormal(1.5, 1.0, n)
    groups = rng.choice(["L", "LM", "UM", "H"], n)
    shift = np.where(groups == "H", group_effect, 0.0)
    growth = 0.1 + beta * np.log(x0) + shift + rng.normal(0, 0.01, n)
    xT = x0 * np.exp(growth * horizon)
    rows = [(f"E{i:03d}", 2000, x0[i], groups[i]) for i in range(n)]
    rows += [(f"E{i:03d}", 2000 + horizon, xT[i], groups[i]) for i in range(n)]
    df = pd.DataFrame(rows, columns=["iso3", "year", "value", "income_group"])
    return df.assign(measure="m", basis="observed", population=1.0, region="R")


def test_beta_is_recovered_unconditional_and_conditional():
    table, excluded = beta_table(synthetic(), set(), logit_shares=True)
    assert excluded == [] and list(table["transform"]) == ["log", "log"]
    for row in table.itertuples():
        assert row.beta == pytest.approx(-0.04, abs=0.002)
        assert row.ci_low < -0.04 < row.ci_high and row.converging
        assert row.n == 300 and row.n_left_out == 0
    # a group effect biases the unconditional fit only when groups differ in start; the conditional one absorbs it
    table, _ = beta_table(synthetic(group_effect=0.05), set(), logit_shares=False)
    cond = table[table["specification"] == "conditional on income group"].iloc[0]
    assert cond["beta"] == pytest.approx(-0.04, abs=0.002)


def test_beta_point_estimate_equals_least_squares_and_half_life_by_hand():
    df = synthetic(n=50)
    s = np.log(df.loc[df["year"] == 2000, "value"].to_numpy())
    e = np.log(df.loc[df["year"] == 2015, "value"].to_numpy())
    fit = beta_fit(s, e, 15, None)
    coef = np.linalg.lstsq(np.column_stack([np.ones(50), s]), (e - s) / 15, rcond=None)[0]
    assert fit["beta"] == pytest.approx(coef[1], rel=1e-10)
    # b = -0.04 over T = 15: lambda = -ln(1 - 0.6) / 15 = 0.061086; half-life ln 2 / lambda = 11.347 years
    speed, life = half_life(-0.04, 15)
    assert speed == pytest.approx(-math.log(0.4) / 15) and life == pytest.approx(math.log(2) / speed)
    assert all(math.isnan(v) for v in half_life(0.01, 15)) and all(math.isnan(v) for v in half_life(-0.07, 15))


def test_logit_is_fitted_for_shares_and_zeros_are_left_out():
    df = synthetic(n=40)
    df["value"] = df["value"].clip(upper=99.0)
    df.loc[0, "value"] = 0.0  # a zero start: no log, no logit
    table, _ = beta_table(df, {"m"}, logit_shares=True)
    assert sorted(set(table["transform"])) == ["log", "logit"]
    assert set(table["n_left_out"]) == {1}
    assert transform(np.array([50.0]), "logit")[0] == pytest.approx(0.0)
    assert math.isnan(transform(np.array([100.0]), "logit")[0])


def test_too_few_economies_or_one_year_are_exclusions():
    table, excluded = beta_table(synthetic(n=3), set(), logit_shares=False)
    assert table.empty and len(excluded) == 2
    one_year = synthetic(n=10)
    table, excluded = beta_table(one_year[one_year["year"] == 2000], set(), logit_shares=False)
    assert table.empty and excluded[0]["reason"] == "fewer than 2 years"


def test_sigma_trend_recovers_a_falling_dispersion():
    years = np.arange(2000, 2016)
    rng = np.random.default_rng(2)
    disp = pd.DataFrame({"year": years, "value": 1.0 - 0.03 * (years - 2000) + rng.normal(0, 0.005, len(years))})
    disp = disp.assign(measure="m", basis="observed", dispersion="cv")
    table, excluded = sigma_table(disp, hac_lags=2)
    row = table.iloc[0]
    assert row["slope"] == pytest.approx(-0.03, abs=0.002) and row["verdict"] == "converging"
    assert row["se"] > 0 and row["n_years"] == 16 and excluded == []
    table, excluded = sigma_table(disp.head(2), hac_lags=2)
    assert table.empty and excluded[0]["reason"] == "fewer than 3 years"


def test_sd_log_by_hand_and_single_economy_years_left_out():
    df = pd.DataFrame({"measure": "m", "basis": "observed", "year": [2000, 2000, 2001], "value": [1.0, math.e**2, 4.0]})
    out = sd_log(df)
    assert out["year"].tolist() == [2000] and out["value"].iloc[0] == pytest.approx(1.0)  # logs 0 and 2
