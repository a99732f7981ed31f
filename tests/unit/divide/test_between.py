"""Inequality tables with bootstrap intervals, the exact Theil decomposition, gaps and exclusions."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from scripts.divide.between import Bootstrap, empty_years, imputation_effect, inequality_table
from scripts.divide.decompose import decompose, decomposition_table
from scripts.divide.gaps import DECILES, INCOME, gap_table, gap_trends
from scripts.divide.inequality import theil_l, theil_t

BOOT = Bootstrap(reps=200, level=0.9, seed=1)


def values(rows, measure="m", basis="observed"):
    """A values frame from (iso3, year, value, population, region, income_group) tuples."""
    df = pd.DataFrame(rows, columns=["iso3", "year", "value", "population", "region", "income_group"])
    return df.assign(measure=measure, basis=basis)


def random_values(n=40, years=(2000, 2001), seed=3):
    rng = np.random.default_rng(seed)
    rows = []
    for year in years:
        for i in range(n):
            rows.append((f"E{i:02d}", year, rng.lognormal(2, 1), rng.uniform(1, 100), "R" + str(i % 3), "LMH"[i % 3]))
    return values(rows)


def test_inequality_rows_hold_the_point_value_inside_a_reproducible_interval():
    df = random_values()
    table, excluded = inequality_table(df, BOOT)
    assert len(table) == 2 * 2 * 4 and excluded == []
    assert (table["ci_low"] <= table["value"]).all() and (table["value"] <= table["ci_high"]).all()
    again, _ = inequality_table(df, BOOT)
    pd.testing.assert_frame_equal(table, again)
    other, _ = inequality_table(df, Bootstrap(reps=200, level=0.9, seed=2))
    assert not np.allclose(other["ci_low"], table["ci_low"])
    # the point value is the statistic of the data
    d = df[df["year"] == 2000]
    x, w = d["value"].to_numpy()[None, :], d["population"].to_numpy()[None, :]
    row = table[(table["year"] == 2000) & (table["weighting"] == "people") & (table["statistic"] == "theil_t")]
    assert row["value"].iloc[0] == pytest.approx(theil_t(x, w)[0])


def test_theil_l_leaves_zeros_out_and_counts_them():
    df = values([("A", 2000, 0.0, 1, "R", "L"), ("B", 2000, 1.0, 1, "R", "L"), ("C", 2000, 3.0, 1, "R", "H")])
    table, _ = inequality_table(df, BOOT)
    row = table[(table["statistic"] == "theil_l") & (table["weighting"] == "economies")].iloc[0]
    assert row["n"] == 2 and row["n_zero_excluded"] == 1
    assert row["value"] == pytest.approx(0.5 * math.log(4 / 3))


def test_a_single_economy_or_an_empty_year_gives_exclusions_not_nan():
    df = values([("A", 2000, 5.0, 10, "R", "L"), ("A", 2002, 6.0, 10, "R", "L")])
    table, excluded = inequality_table(df, BOOT)
    assert table.empty
    assert {e["reason"] for e in excluded} == {"fewer than 2 economies"}
    assert len(excluded) == 2 * 2 * 4  # two years x two weightings x four statistics
    decomposition, dex = decomposition_table(df)
    assert decomposition.empty and len(dex) == 2 * 2 * 2 * 2
    gaps, gex = gap_table(df, 0.1)
    assert gaps.empty and gex
    gaps_of_empty = empty_years(df, 2000, 2002)
    assert [(e["year"], e["reason"]) for e in gaps_of_empty] == [(2001, "no value in this year")]
    zeros = values([("A", 2000, 0.0, 1, "R", "L"), ("B", 2000, 0.0, 1, "R", "H")])
    table, excluded = inequality_table(zeros, BOOT)
    assert table.empty and "every value is 0" in {e["reason"] for e in excluded}


def test_economies_without_population_are_left_out_between_people_and_recorded():
    df = random_values(n=10, years=(2000,))
    df.loc[0, "population"] = np.nan
    table, excluded = inequality_table(df, BOOT)
    assert set(table.loc[table["weighting"] == "people", "n"]) == {9}
    assert any(e["reason"] == "economies without a population left out" and e["n_economies"] == 1 for e in excluded)


@pytest.mark.parametrize("stat", ["theil_t", "theil_l"])
@pytest.mark.parametrize("weighted", [False, True])
def test_the_decomposition_is_exact(stat, weighted):
    rng = np.random.default_rng(11)
    x = rng.lognormal(1, 1.2, 80)
    w = rng.uniform(1, 1000, 80) if weighted else np.ones(80)
    groups = rng.choice(["a", "b", "c", "d"], 80)
    total, within, between = decompose(x, w, groups, stat)
    fn = theil_t if stat == "theil_t" else theil_l
    assert total == pytest.approx(fn(x[None, :], w[None, :])[0], rel=1e-12)
    assert within + between == pytest.approx(total, rel=1e-12)
    assert within > 0 and between > 0


def test_decomposition_hand_cases():
    # every group internally equal: all inequality is between groups
    x, w, g = np.array([1.0, 1.0, 3.0, 3.0]), np.ones(4), np.array(["a", "a", "b", "b"])
    total, within, between = decompose(x, w, g, "theil_t")
    assert within == pytest.approx(0) and between == pytest.approx(total)
    assert total == pytest.approx(0.5 * (0.5 * math.log(0.5) + 1.5 * math.log(1.5)))
    # equal group means: all inequality is within groups
    x, g = np.array([1.0, 3.0, 1.0, 3.0]), np.array(["a", "a", "b", "b"])
    total, within, between = decompose(x, w, g, "theil_l")
    assert between == pytest.approx(0, abs=1e-15) and within == pytest.approx(total)


def test_decomposition_table_adds_up_and_counts_economies_without_a_group():
    df = random_values(n=30, years=(2000,))
    df.loc[0, "region"] = ""
    table, _ = decomposition_table(df)
    assert np.allclose(table["within"] + table["between"], table["total"], rtol=1e-12)
    by_region = table[(table["grouping"] == "region") & (table["statistic"] == "theil_t")]
    assert set(by_region["n"]) == {29} and set(by_region["n_left_out"]) == {1}


def test_gaps_by_hand_and_the_diverging_statement():
    # low-income economies 1 -> 10, high-income 30 -> 80 (the module docstring's example)
    rows = []
    for year, low, high in ((2000, 1.0, 30.0), (2015, 10.0, 80.0)):
        rows += [("L1", year, low, 10, "R", "L"), ("L2", year, low, 30, "R", "L")]
        rows += [("H1", year, high, 5, "R", "H"), ("H2", year, high, 5, "R", "H")]
        rows += [(f"M{i}", year, (low + high) / 2, 1, "R", "UM") for i in range(6)]
    gaps, _ = gap_table(values(rows), 0.2)
    income = gaps[(gaps["comparison"] == INCOME) & (gaps["weighting"] == "economies")].set_index("year")
    assert income.loc[2000, "absolute_gap"] == pytest.approx(29) and income.loc[2000, "ratio"] == pytest.approx(30)
    assert income.loc[2015, "absolute_gap"] == pytest.approx(70) and income.loc[2015, "ratio"] == pytest.approx(8)
    top = gaps[gaps["comparison"] == DECILES].set_index("year")
    assert top.loc[2000, "n_upper"] == 2 and top.loc[2000, "upper_mean"] == pytest.approx(30)
    trends = gap_trends(gaps)
    row = trends[(trends["comparison"] == INCOME) & (trends["weighting"] == "economies")].iloc[0]
    assert row["diverging"] and row["absolute_direction"] == "widened" and row["relative_direction"] == "narrowed"
    assert "relative gap narrowed" in row["statement"] and "absolute gap widened" in row["statement"]


def test_a_zero_lower_mean_gives_a_noted_missing_ratio():
    rows = [("L1", 2000, 0.0, 1, "R", "L"), ("H1", 2000, 5.0, 1, "R", "H")]
    gaps, _ = gap_table(values(rows), 0.5)
    income = gaps[gaps["comparison"] == INCOME].iloc[0]
    assert math.isnan(income["ratio"]) and income["note"] == "lower mean is 0: no ratio"


def test_imputation_effect_pairs_the_bases():
    obs = random_values(n=20, years=(2000,))
    imp = pd.concat([obs, random_values(n=25, years=(2000,), seed=4).iloc[20:]]).assign(basis="with_imputed")
    table, _ = inequality_table(pd.concat([obs, imp]), BOOT)
    effect = imputation_effect(table)
    assert len(effect) == 8 and set(effect["n_observed"]) == {20} and set(effect["n_with_imputed"]) == {25}
    assert np.allclose(effect["difference"], effect["with_imputed"] - effect["observed"])
