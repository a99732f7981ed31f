"""Logistic diffusion fits recover known parameters and refuse what the data cannot support; time distance by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from scripts.divide.diffusion import DiffusionSettings, diffusion_table, fit_logistic, logistic
from scripts.divide.distance import BEFORE, DEFINED, NEVER, reference_trajectory, time_distance_table, years_behind

S = DiffusionSettings(min_points=8, min_r2=0.9, max_saturation=1.5, midpoint_margin=5)
YEARS = np.arange(2000, 2016, dtype=float)


@pytest.mark.parametrize(("k", "r", "t0"), [(80.0, 0.6, 2008.0), (95.0, 0.35, 2010.5), (40.0, 1.0, 2005.0)])
def test_known_parameters_are_recovered(k, r, t0):
    rng = np.random.default_rng(int(k))
    x = logistic(YEARS, k, r, t0) + rng.normal(0, 0.3, len(YEARS))
    fit = fit_logistic(YEARS, x, 100.0, S)
    assert fit["flag"] == "good" and fit["reason"] == ""
    assert fit["saturation"] == pytest.approx(k, rel=0.03)
    assert fit["growth_rate"] == pytest.approx(r, rel=0.08)
    assert fit["midpoint"] == pytest.approx(t0, abs=0.3)
    assert fit["r2"] > 0.99


def test_exact_curve_is_recovered_to_solver_precision():
    fit = fit_logistic(YEARS, logistic(YEARS, 70.0, 0.5, 2007.0), 100.0, S)
    assert (fit["saturation"], fit["growth_rate"], fit["midpoint"]) == pytest.approx((70.0, 0.5, 2007.0), rel=1e-5)


def test_fits_the_data_cannot_support_are_refused_with_a_reason():
    few = fit_logistic(YEARS[:5], logistic(YEARS[:5], 80, 0.6, 2003), 100.0, S)
    assert few["flag"] == "refused" and few["reason"].startswith("too few points") and math.isnan(few["saturation"])
    flat = fit_logistic(YEARS, np.full(len(YEARS), 30.0), 100.0, S)
    assert flat["flag"] == "refused" and flat["reason"].startswith("no rise")
    # only the start of a curve whose midpoint is 2030: K and t0 are not identified
    early = fit_logistic(YEARS, logistic(YEARS, 90, 0.3, 2030), 100.0, S)
    assert early["flag"] == "refused" and early["reason"].startswith("saturation not identified")


def test_a_noisy_fit_is_flagged_poor():
    rng = np.random.default_rng(9)
    x = logistic(YEARS, 60, 0.8, 2007) + rng.normal(0, 12, len(YEARS))
    fit = fit_logistic(YEARS, np.clip(x, 0, None), 100.0, S)
    assert fit["flag"] in ("poor", "refused") and fit["reason"]


def test_diffusion_table_one_row_per_economy_refusals_included():
    rows = [("A", y, logistic(y, 80, 0.6, 2008)) for y in YEARS] + [("B", y, 5.0) for y in YEARS[:3]]
    df = pd.DataFrame(rows, columns=["iso3", "year", "value"]).assign(measure="m", basis="observed")
    table = diffusion_table(df, {"m"}, S)
    assert table["iso3"].tolist() == ["A", "B"] and table["flag"].tolist() == ["good", "refused"]


def test_time_distance_hand_example_including_the_undefined_cases():
    ref_years, ref = np.arange(2000, 2005), np.array([10.0, 20.0, 30.0, 40.0, 50.0])
    levels = np.array([25.0, 55.0, 5.0, 10.0, 50.0])
    years = np.array([2004.0, 2004.0, 2004.0, 2003.0, 2004.0])
    t_star, distance, status, at_least = years_behind(levels, years, ref_years, ref)
    # 25 lies half-way between 2001 (20) and 2002 (30): t* = 2001.5, 2.5 years behind in 2004
    assert t_star[0] == pytest.approx(2001.5) and distance[0] == pytest.approx(2.5) and status[0] == DEFINED
    assert status[1] == NEVER and math.isnan(distance[1])  # the reference never reached 55
    assert status[2] == BEFORE and math.isnan(distance[2]) and at_least[2] == 4  # below the 2000 level already
    assert distance[3] == pytest.approx(3.0) and status[3] == DEFINED  # exactly the 2000 level
    assert distance[4] == pytest.approx(0.0)  # at the reference itself


def test_non_monotone_reference_uses_the_first_crossing():
    t_star, distance, _, _ = years_behind(
        np.array([15.0]), np.array([2003.0]), np.arange(2000, 2004), np.array([10, 20, 5, 30.0])
    )
    assert t_star[0] == pytest.approx(2000.5) and distance[0] == pytest.approx(2.5)


def test_time_distance_table_against_the_high_income_mean_and_the_leader():
    rows = []
    for y, h1, h2, low in ((2000, 10, 30, 1), (2001, 30, 50, 10), (2002, 50, 70, 20)):
        rows += [("H1", y, h1, "H"), ("H2", y, h2, "H"), ("L1", y, low, "L")]
    df = pd.DataFrame(rows, columns=["iso3", "year", "value", "income_group"]).assign(measure="m", basis="observed")
    ref = reference_trajectory(df, "high_income_mean")
    assert ref["reference"].tolist() == [20.0, 40.0, 60.0]
    table = time_distance_table(df, "high_income_mean").set_index(["iso3", "year"])
    assert table.loc[("L1", 2002), "time_distance"] == pytest.approx(2.0)  # 20 = the 2000 mean
    assert table.loc[("L1", 2000), "status"] == BEFORE and table.loc[("L1", 2000), "at_least"] == 0
    assert table.loc[("H2", 2002), "status"] == NEVER  # 70 is above every mean
    leader = time_distance_table(df, "leader").set_index(["iso3", "year"])
    assert leader.loc[("H2", 2002), "time_distance"] == pytest.approx(0.0)
    assert leader.loc[("H1", 2002), "time_distance"] == pytest.approx(1.0)  # 50 = the 2001 leader


def test_a_longer_reference_history_measures_distances_beyond_the_window():
    window = pd.DataFrame(
        [("H1", 2000, 40.0, "H"), ("L1", 2000, 10.0, "L")], columns=["iso3", "year", "value", "income_group"]
    ).assign(measure="m", basis="observed")
    history = pd.concat(
        [window, window.iloc[[0]].assign(year=1995, value=10.0), window.iloc[[0]].assign(year=1990, value=2.0)]
    )
    alone = time_distance_table(window, "high_income_mean").set_index("iso3")
    assert alone.loc["L1", "status"] == BEFORE
    longer = time_distance_table(window, "high_income_mean", history).set_index("iso3")
    assert longer.loc["L1", "time_distance"] == pytest.approx(5.0) and longer.loc["L1", "status"] == DEFINED
