"""Tests of scripts.index.goalposts: bounds by hand, the planted one-year spike, capping, the published table."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scripts.core import tables
from scripts.core.contract import read_table, write_table
from scripts.core.errors import ConfigError
from scripts.index.engine import IndexSpec, NormSpec, compute_index
from scripts.index.framework import load_framework
from scripts.index.goalposts import bounds_settings, goalpost_bounds, published_goalposts
from scripts.index.normalise import normalise
from scripts.index.prepare import with_catalogue_goalposts

#: The ict index's default normalisation (config/config.yaml).
ROBUST = {"range": (0, 100), "bounds": "quantile", "quantiles": (0.01, 0.99), "despike": 5}


def ladder(n: int = 101) -> pd.DataFrame:
    """One indicator: unit Uk holds the value k + 1 in a single year (values 1..n)."""
    idx = pd.MultiIndex.from_arrays([[f"U{k:03d}" for k in range(n)], [2000] * n], names=["iso3", "year"])
    return pd.DataFrame({"x": np.arange(1.0, n + 1)}, index=idx)


def smooth_panel(seed: int = 7) -> pd.DataFrame:
    """60 economies x 16 years, two indicators with economy levels, trends and a little noise."""
    rng = np.random.default_rng(seed)
    units = [f"E{k:02d}" for k in range(60)]
    idx = pd.MultiIndex.from_product([units, range(2000, 2016)], names=["iso3", "year"])
    t = np.tile(np.arange(16.0), 60)
    level = np.repeat(rng.uniform(20, 110, 60), 16)
    enrol = level + 1.5 * t + rng.normal(0, 0.8, len(idx))
    mobile = np.repeat(rng.uniform(1, 8, 60), 16) * t + rng.normal(0, 1.0, len(idx))
    return pd.DataFrame({"enrol": enrol, "mobile": mobile}, index=idx)


def test_quantile_bounds_are_outward_order_statistics_by_hand():
    # 101 values 1..101: positions floor(0.01 * 100) = 1 and ceil(0.99 * 100) = 99 -> values 2 and 100.
    t = goalpost_bounds(ladder(), "quantile", quantiles=(0.01, 0.99)).table()
    r = t.iloc[0]
    assert (r["lo"], r["hi"]) == (2.0, 100.0)
    assert (r["lo_iso3"], r["lo_year"], r["hi_iso3"], r["hi_year"]) == ("U001", 2000, "U099", 2000)
    assert (r["n_values"], r["n_below"], r["n_above"], r["n_spikes"]) == (101, 1, 1, 0)
    # 201 values: positions floor(0.05 * 200) = 10 and ceil(0.95 * 200) = 190 -> 11 and 191.
    t = goalpost_bounds(ladder(201), "quantile", quantiles=(0.05, 0.95)).table()
    assert (t.at[0, "lo"], t.at[0, "hi"]) == (11.0, 191.0)


def test_minmax_rule_names_the_first_of_tied_extremes():
    w = ladder(5)
    w.iloc[4, 0] = 4.0  # U003 and U004 share the maximum 4
    r = goalpost_bounds(w, "minmax").table().iloc[0]
    assert (r["lo"], r["hi"], r["lo_iso3"], r["hi_iso3"]) == (1.0, 4.0, "U000", "U003")
    assert (r["n_below"], r["n_above"]) == (0, 0)


def test_robust_minmax_equals_coinr_minmax_without_spikes_or_quantiles():
    w = smooth_panel()
    d = pd.Series({"enrol": 1, "mobile": -1})
    plain = normalise(w, "minmax", directions=d, params={"range": (0, 100)})
    same = normalise(w, "minmax", directions=d, params={"range": (0, 100), "bounds": "minmax"})
    pd.testing.assert_frame_equal(plain, same)
    assert plain.min().tolist() == [0.0, 0.0] and plain.max().tolist() == [100.0, 100.0]


def plant(w: pd.DataFrame, unit: str = "E07", year: int = 2002, value: float = 194.5) -> pd.DataFrame:
    planted = w.copy()
    planted.loc[(unit, year), "enrol"] = value
    return planted


def test_a_planted_one_year_spike_moves_neither_goalpost_nor_other_economies():
    w = smooth_panel()
    d = pd.Series({"enrol": 1, "mobile": 1})
    planted = plant(w)
    before = goalpost_bounds(w, **bounds_settings(ROBUST)).table()
    after = goalpost_bounds(planted, **bounds_settings(ROBUST)).table()
    pd.testing.assert_frame_equal(before[["lo", "hi", "lo_iso3", "hi_iso3"]], after[["lo", "hi", "lo_iso3", "hi_iso3"]])
    assert after.set_index("indicator").at["enrol", "n_spikes"] == 1
    n0 = normalise(w, "minmax", directions=d, params=ROBUST)
    n1 = normalise(planted, "minmax", directions=d, params=ROBUST)
    others = n0.index.get_level_values(0) != "E07"
    pd.testing.assert_frame_equal(n0[others], n1[others])  # exactly equal
    assert n1.loc[("E07", 2002), "enrol"] == 100.0  # the spike itself is capped, not dropped


def test_the_same_spike_moves_every_score_under_plain_minmax():
    # The contrast that makes the test above meaningful: COINr's min-max hangs on the spike.
    w = smooth_panel()
    d = pd.Series({"enrol": 1, "mobile": 1})
    planted = plant(w)
    assert goalpost_bounds(planted, "minmax").table().set_index("indicator").at["enrol", "hi"] == 194.5
    n0 = normalise(w, "minmax", directions=d, params={"range": (0, 100)})
    n1 = normalise(planted, "minmax", directions=d, params={"range": (0, 100)})
    others = n0.index.get_level_values(0) != "E07"
    assert (n0.loc[others, "enrol"] - n1.loc[others, "enrol"]).abs().max() > 10
    # Quantiles alone move the upper goalpost by one order statistic: despike is what pins it.
    q_only = {"bounds": "quantile", "quantiles": (0.01, 0.99)}
    assert (
        goalpost_bounds(planted, **bounds_settings(q_only)).hi[0, 0]
        != goalpost_bounds(w, **bounds_settings(q_only)).hi[0, 0]
    )


def test_engine_scores_of_other_economies_do_not_move():
    w = smooth_panel()
    fw = load_framework(
        pd.DataFrame(
            {
                "node": ["idx", "enrol", "mobile"],
                "parent": ["", "idx", "idx"],
                "weight": [1.0, 1.0, 1.0],
                "direction": [np.nan, 1, 1],
                "name": ["index", "enrolment", "mobile"],
            }
        )
    )
    spec = IndexSpec(normalisation=NormSpec(method="minmax", params=ROBUST))
    s0 = compute_index(w, fw, spec).node_scores
    s1 = compute_index(plant(w), fw, spec).node_scores
    others = s0.index.get_level_values(0) != "E07"
    pd.testing.assert_frame_equal(s0[others], s1[others])


def test_values_beyond_robust_goalposts_are_capped_and_counted():
    w = ladder()
    n = normalise(w, "minmax", directions=pd.Series({"x": 1}), params={"bounds": "quantile"})
    assert n["x"].iloc[0] == 0.0 and n["x"].iloc[-1] == 100.0
    assert n["x"].iloc[1] == 0.0 and n["x"].iloc[-2] == 100.0  # the bounds themselves
    assert n["x"].iloc[50] == pytest.approx((51 - 2) / (100 - 2) * 100, abs=1e-12)
    down = normalise(w, "minmax", directions=pd.Series({"x": -1}), params={"bounds": "quantile"})
    assert down["x"].iloc[50] == pytest.approx((100 - 51) / (100 - 2) * 100, abs=1e-12)
    assert down["x"].iloc[0] == 100.0 and down["x"].iloc[-1] == 0.0


def test_reference_goalposts_are_fixed_and_need_every_indicator():
    w = smooth_panel()
    ref = {"bounds": "reference", "goalposts": {"enrol": (0, 100), "mobile": (0, 120)}}
    t = goalpost_bounds(w, **bounds_settings(ref)).table().set_index("indicator")
    assert t.loc["enrol", ["lo", "hi"]].tolist() == [0.0, 100.0]
    assert t.loc["enrol", "n_above"] == int((w["enrol"] > 100).sum()) and t.loc["enrol", "lo_iso3"] == ""
    n = normalise(w, "minmax", directions=pd.Series({"enrol": 1, "mobile": 1}), params=ref)
    assert n["mobile"].tolist() == pytest.approx(np.clip(w["mobile"] / 120 * 100, 0, 100).tolist(), abs=1e-12)
    with pytest.raises(ConfigError, match="mobile"):
        goalpost_bounds(w, "reference", reference={"enrol": (0, 100)})
    with pytest.raises(ConfigError, match="lo < hi"):
        goalpost_bounds(w, "reference", reference={"enrol": (0, 100), "mobile": (5, 5)})


def test_bad_rules_and_quantiles_are_config_errors():
    with pytest.raises(ConfigError, match="rule"):
        goalpost_bounds(ladder(), "median")  # type: ignore[arg-type]
    for q in [(0.99, 0.01), (0.0, 1.5), (0.5,)]:
        with pytest.raises(ConfigError, match="quantiles"):
            goalpost_bounds(ladder(), "quantile", quantiles=q)


def test_base_year_and_by_year_reference_sets():
    w = smooth_panel()
    years = w.index.get_level_values(1)
    base = goalpost_bounds(w, "quantile", reference_rows=np.asarray(years == 2005)).table().set_index("indicator")
    only = goalpost_bounds(w[years == 2005], "quantile").table().set_index("indicator")
    assert base.loc["enrol", ["lo", "hi"]].tolist() == only.loc["enrol", ["lo", "hi"]].tolist()
    by_year = goalpost_bounds(w, "minmax", by_year=True).table()
    assert len(by_year) == 2 * 16
    r = by_year[(by_year["indicator"] == "enrol") & (by_year["year"] == 2010)].iloc[0]
    assert r["hi"] == w.loc[years == 2010, "enrol"].max()
    n = normalise(w, "minmax", directions=pd.Series({"enrol": 1, "mobile": 1}), params={"despike": 5}, by_year=True)
    assert n[years == 2010].max().tolist() == [100.0, 100.0]


def test_published_goalposts_of_each_method_round_trip(tmp_path):
    w = smooth_panel()
    minmax = published_goalposts(w, "minmax", ROBUST)
    assert set(minmax["rule"]) == {"quantile"} and minmax["year"].isna().all()
    idi = published_goalposts(w, "distance_to_reference", {"reference": {"enrol": 100}, "log_reference": {"mobile": 2}})
    assert idi.set_index("indicator").loc["mobile", ["lo", "hi"]].tolist() == [1.0, 100.0]
    assert published_goalposts(w, "zscore", {}).empty
    path = tmp_path / "goalposts.csv"
    write_table(minmax, path, tables.GOALPOSTS)
    back = read_table(path, tables.GOALPOSTS)
    assert back["hi"].tolist() == minmax["hi"].tolist()


def test_reference_goalposts_default_to_the_catalogue_range():
    spec = IndexSpec(normalisation=NormSpec(params={"bounds": "reference", "goalposts": {"a": (0, 50)}}))
    cat = pd.DataFrame({"indicator": ["a", "b", "c"], "min": [0, 0, 0], "max": [100, 100, np.nan]})
    filled = with_catalogue_goalposts(spec, cat).normalisation.params["goalposts"]
    assert filled == {"a": (0, 50), "b": (0.0, 100.0)}  # config first; no catalogue max, no goalpost
    assert with_catalogue_goalposts(IndexSpec(), cat) == IndexSpec()
    assert with_catalogue_goalposts(spec, cat[["indicator"]]) == spec  # a catalogue without ranges adds nothing


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), q_lo=st.floats(0.0, 0.2), q_hi=st.floats(0.8, 1.0))
def test_properties_row_order_range_and_counts(seed: int, q_lo: float, q_hi: float):
    w = smooth_panel(seed)
    params = {"bounds": "quantile", "quantiles": (q_lo, q_hi), "despike": 5}
    d = pd.Series({"enrol": 1, "mobile": -1})
    a = normalise(w, "minmax", directions=d, params=params)
    shuffled = w.sample(frac=1.0, random_state=seed)
    b = normalise(shuffled, "minmax", directions=d, params=params).reindex(a.index)
    pd.testing.assert_frame_equal(a, b)  # the row order does not matter
    assert ((a >= 0) & (a <= 100)).all(axis=None)  # capped
    t = goalpost_bounds(w, **bounds_settings(params)).table().set_index("indicator")
    for ind in w.columns:
        lo, hi = t.at[ind, "lo"], t.at[ind, "hi"]
        assert lo <= hi
        assert t.at[ind, "n_below"] == int((w[ind] < lo).sum()) and t.at[ind, "n_above"] == int((w[ind] > hi).sum())
        assert (w[ind] == hi).any() or t.at[ind, "n_spikes"] > 0  # an observed value (or a replaced spike's)
