"""Tests of scripts.treat: COINr's skew/kurtosis outlier rule, winsorising and log."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from scipy import stats

from scripts.core.errors import ConfigError, InputError
from scripts.index.outliers import skew_kurt, treat_outliers, treated_values

BASE = np.arange(1.0, 21.0)  # 1..20


def wide(columns: dict[str, np.ndarray], year: int = 2000) -> pd.DataFrame:
    """One year's cross-section of len(column) units u0, u1, ... indexed (iso3, year)."""
    n = len(next(iter(columns.values())))
    idx = pd.MultiIndex.from_arrays([[f"u{i}" for i in range(n)], [year] * n], names=["iso3", "year"])
    return pd.DataFrame({k: np.asarray(v, dtype=float) for k, v in columns.items()}, index=idx)


def scipy_stats(v: np.ndarray) -> tuple[float, float]:
    v = np.asarray(v, dtype=float)
    v = v[~np.isnan(v)]
    return float(stats.skew(v, bias=False)), float(stats.kurtosis(v, bias=False))


def fails(v: np.ndarray) -> bool:
    """The COINr rule written out with scipy's estimators, independent of the module."""
    s, k = scipy_stats(v)
    return abs(s) >= 2.0 and k >= 3.5


def detail(res, indicator: str) -> pd.Series:
    d = res.details.loc[res.details["indicator"] == indicator]
    assert len(d) == 1
    return d.iloc[0]


# Three winsorised points: the hand trace is
#   [.., 30, 100, 110, 120] -> [.., 30, 100, 110, 110] -> [.., 30, 100, 100, 100] -> [.., 30, 30, 30, 30]
X3 = np.r_[BASE, 30.0, 100.0, 110.0, 120.0]
X3_STEPS = [
    np.r_[BASE, 30.0, 100.0, 110.0, 110.0],
    np.r_[BASE, 30.0, 100.0, 100.0, 100.0],
    np.r_[BASE, 30.0, 30.0, 30.0, 30.0],
]


def test_skew_kurt_match_excel_estimators_in_scipy() -> None:
    rng = np.random.default_rng(1)
    a = rng.lognormal(size=40)
    b = rng.normal(size=40)
    a[[3, 17]] = np.nan
    c = np.r_[1.0, 2.0, 4.0, np.full(37, np.nan)]
    res = skew_kurt(wide({"a": a, "b": b, "c": c}))
    for name, v in (("a", a), ("b", b)):
        s, k = scipy_stats(v)
        assert res.loc[name, "skew"] == pytest.approx(s, rel=1e-12)
        assert res.loc[name, "kurt"] == pytest.approx(k, rel=1e-12)
    assert res.loc["a", "n"] == 38
    # Three values: skewness defined, kurtosis not (needs 4).
    assert res.loc["c", "skew"] == pytest.approx(scipy_stats(c)[0])
    assert np.isnan(res.loc["c", "kurt"])


def test_skew_formula_written_out() -> None:
    # Excel SKEW = n/((n-1)(n-2)) * sum(((x-mean)/s)^3), s the sample sd.
    x = np.array([1.0, 2.0, 2.0, 3.0, 10.0])
    n, m, s = 5, x.mean(), x.std(ddof=1)
    excel_skew = n / ((n - 1) * (n - 2)) * (((x - m) / s) ** 3).sum()
    z4 = (((x - m) / s) ** 4).sum()
    excel_kurt = n * (n + 1) / ((n - 1) * (n - 2) * (n - 3)) * z4 - 3 * (n - 1) ** 2 / ((n - 2) * (n - 3))
    res = skew_kurt(wide({"x": x}))
    assert res.loc["x", "skew"] == pytest.approx(excel_skew, rel=1e-12)
    assert res.loc["x", "kurt"] == pytest.approx(excel_kurt, rel=1e-12)


def test_passing_series_is_bit_identical() -> None:
    x = np.arange(24) / 3.0 + 0.1  # values with inexact binary representations
    y = np.r_[BASE, 21.0, 22.0, 23.0, np.nan]
    df = wide({"x": x, "y": y})
    res = treat_outliers(df)
    assert res.treated.index.equals(df.index) and res.treated.columns.equals(df.columns)
    for c in ("x", "y"):
        assert np.array_equal(res.treated[c].to_numpy().view("int64"), df[c].to_numpy().view("int64"))
        assert detail(res, c)["status"] == "ok"
        assert detail(res, c)["n_winsorised"] == 0
        assert not detail(res, c)["log_applied"]
    assert res.points.empty


def test_winsorises_three_points_like_the_hand_trace() -> None:
    # Independent check of the trace: the original and the first two steps fail the rule,
    # the third passes, so exactly 3 points are needed.
    assert fails(X3) and fails(X3_STEPS[0]) and fails(X3_STEPS[1]) and not fails(X3_STEPS[2])
    res = treat_outliers(wide({"x": X3}))
    np.testing.assert_array_equal(res.treated["x"].to_numpy(), X3_STEPS[2])
    d = detail(res, "x")
    assert d["status"] == "winsorised"
    assert d["n_winsorised"] == 3
    assert not d["log_applied"]
    s0, k0 = scipy_stats(X3)
    s1, k1 = scipy_stats(X3_STEPS[2])
    assert d["skew_before"] == pytest.approx(s0) and d["kurt_before"] == pytest.approx(k0)
    assert d["skew_after"] == pytest.approx(s1) and d["kurt_after"] == pytest.approx(k1)
    expected_points = pd.DataFrame(
        {
            "iso3": ["u21", "u22", "u23"],
            "year": [2000, 2000, 2000],
            "indicator": ["x", "x", "x"],
            "original": [100.0, 110.0, 120.0],
            "treated": [30.0, 30.0, 30.0],
            "side": ["high", "high", "high"],
        }
    )
    pd.testing.assert_frame_equal(res.points, expected_points, check_dtype=False)


def test_log_of_original_values_when_winmax_is_reached() -> None:
    # After 2 points (X3_STEPS[1]) the rule still fails, so the original is logged.
    res = treat_outliers(wide({"x": X3}), winmax=2)
    lo, hi = 1.0, 120.0
    expected = np.log(X3 - lo + 0.01 * (hi - lo))
    np.testing.assert_allclose(res.treated["x"].to_numpy(), expected, rtol=1e-14)
    d = detail(res, "x")
    assert d["status"] == "log"
    assert d["log_applied"]
    assert d["n_winsorised"] == 0  # the winsorised version was discarded
    s, k = scipy_stats(expected)
    assert d["skew_after"] == pytest.approx(s) and d["kurt_after"] == pytest.approx(k)
    assert not fails(expected)
    assert len(res.points) == len(X3)
    assert set(res.points["side"]) == {"log"}
    np.testing.assert_array_equal(res.points["original"].to_numpy(), X3)


def test_negative_skew_winsorises_the_low_side() -> None:
    res = treat_outliers(wide({"x": -X3}))
    np.testing.assert_array_equal(res.treated["x"].to_numpy(), -X3_STEPS[2])
    d = detail(res, "x")
    assert d["skew_before"] < -2 and d["status"] == "winsorised" and d["n_winsorised"] == 3
    assert list(res.points["side"]) == ["low"] * 3
    assert list(res.points["original"]) == [-100.0, -110.0, -120.0]
    assert list(res.points["treated"]) == [-30.0] * 3


def test_negative_skew_log_is_mirrored() -> None:
    y = -X3
    res = treat_outliers(wide({"y": y}), winmax=2)
    lo, hi = y.min(), y.max()
    a = 0.01 * (hi - lo)
    expected = -np.log(hi + a - y)  # COINr log_CT_plus for negative skew
    np.testing.assert_allclose(res.treated["y"].to_numpy(), expected, rtol=1e-14)
    # Increasing in y, so units keep their order, and the skew is cured.
    assert (np.diff(expected[np.argsort(y)]) >= 0).all()
    assert detail(res, "y")["status"] == "log"
    assert not fails(expected)


def test_ties_are_moved_together_and_each_counts() -> None:
    x = np.r_[BASE, 30.0, 40.0, 80.0, 80.0]
    assert fails(x) and not fails(np.r_[BASE, 30.0, 40.0, 40.0, 40.0])
    res = treat_outliers(wide({"x": x}))
    np.testing.assert_array_equal(res.treated["x"].to_numpy(), np.r_[BASE, 30.0, 40.0, 40.0, 40.0])
    assert detail(res, "x")["n_winsorised"] == 2
    assert list(res.points["iso3"]) == ["u22", "u23"]
    # COINr semantics: a step is taken while fewer than winmax points have moved, so one
    # step of two tied points is allowed with winmax=1.
    res1 = treat_outliers(wide({"x": x}), winmax=1)
    assert detail(res1, "x")["status"] == "winsorised"
    assert detail(res1, "x")["n_winsorised"] == 2


def test_winmax_counts_points_not_steps() -> None:
    # Step 1 moves the two tied 120s (2 points) and still fails; with winmax=2 no second
    # step is taken and the log follows. With winmax=5 step 2 moves 3 points and passes.
    x = np.r_[BASE, 30.0, 100.0, 120.0, 120.0]
    assert fails(x) and fails(np.r_[BASE, 30.0, 100.0, 100.0, 100.0])
    assert not fails(np.r_[BASE, 30.0, 30.0, 30.0, 30.0])
    assert detail(treat_outliers(wide({"x": x}), winmax=2), "x")["status"] == "log"
    res = treat_outliers(wide({"x": x}), winmax=5)
    assert detail(res, "x")["n_winsorised"] == 3
    np.testing.assert_array_equal(res.treated["x"].to_numpy(), np.r_[BASE, 30.0, 30.0, 30.0, 30.0])


def test_log_failed_is_reported() -> None:
    x = np.r_[np.arange(1.0, 51.0), 100.0 * 2.0 ** np.arange(7)]
    res = treat_outliers(wide({"x": x}))
    d = detail(res, "x")
    expected = np.log(x - 1.0 + 0.01 * (6400.0 - 1.0))
    np.testing.assert_allclose(res.treated["x"].to_numpy(), expected, rtol=1e-14)
    assert fails(expected)
    assert d["status"] == "log_failed" and d["log_applied"]
    assert d["skew_after"] == pytest.approx(scipy_stats(expected)[0])


def test_winsorising_that_would_erase_the_indicator_is_not_done() -> None:
    x = np.r_[np.ones(9), 100.0]
    assert fails(x)
    res = treat_outliers(wide({"x": x}))
    d = detail(res, "x")
    # Moving 100 onto 1 would leave one value; the log of a two-valued series keeps its skew.
    assert d["n_winsorised"] == 0 and d["log_applied"] and d["status"] == "log_failed"
    np.testing.assert_allclose(res.treated["x"].to_numpy(), np.log(x - 1.0 + 0.99), rtol=1e-14)


def test_nans_are_ignored_and_preserved() -> None:
    x = np.r_[np.nan, X3[:10], np.nan, X3[10:], np.nan]
    res = treat_outliers(wide({"x": x}))
    out = res.treated["x"].to_numpy()
    assert np.array_equal(np.isnan(out), np.isnan(x))
    np.testing.assert_array_equal(out[~np.isnan(x)], X3_STEPS[2])
    d = detail(res, "x")
    assert d["n"] == 24 and d["n_winsorised"] == 3
    assert d["skew_before"] == pytest.approx(scipy_stats(X3)[0])
    assert res.points["original"].notna().all()


@pytest.mark.filterwarnings("error")
def test_constant_and_short_series_are_reported_not_treated() -> None:
    df = wide({"const": np.full(24, 5.0), "short": np.r_[1.0, 2.0, 100.0, np.full(21, np.nan)], "x": X3})
    res = treat_outliers(df)
    assert detail(res, "const")["status"] == "constant"
    assert detail(res, "short")["status"] == "too_few"
    assert np.isnan(detail(res, "const")["skew_before"])
    pd.testing.assert_frame_equal(res.treated[["const", "short"]], df[["const", "short"]])
    assert detail(res, "x")["status"] == "winsorised"  # other columns unaffected


def test_excluded_indicator_is_left_alone() -> None:
    df = wide({"x": X3, "y": X3})
    res = treat_outliers(df, exclude={"y", "not_a_column"})
    assert detail(res, "y")["status"] == "excluded"
    assert detail(res, "y")["skew_before"] == pytest.approx(scipy_stats(X3)[0])
    np.testing.assert_array_equal(res.treated["y"].to_numpy(), X3)
    assert detail(res, "x")["status"] == "winsorised"
    assert set(res.points["indicator"]) == {"x"}


def test_threshold_comparisons_are_inclusive() -> None:
    df = wide({"x": X3})
    sk = skew_kurt(df).loc["x"]
    at = treat_outliers(df, skew_thresh=sk["skew"], kurt_thresh=sk["kurt"])
    assert detail(at, "x")["status"] != "ok"
    above_skew = treat_outliers(df, skew_thresh=np.nextafter(sk["skew"], np.inf), kurt_thresh=sk["kurt"])
    above_kurt = treat_outliers(df, skew_thresh=sk["skew"], kurt_thresh=np.nextafter(sk["kurt"], np.inf))
    assert detail(above_skew, "x")["status"] == "ok"
    assert detail(above_kurt, "x")["status"] == "ok"


def test_per_year_treatment_differs_from_pooled() -> None:
    mild = np.arange(24.0)
    df = pd.concat([wide({"x": X3}, year=2000), wide({"x": mild}, year=2001)])
    per_year = treat_outliers(df, pooled=False)
    d = per_year.details
    assert list(d["year"]) == [2000, 2001]
    assert list(d["status"]) == ["winsorised", "ok"]
    out = per_year.treated["x"]
    np.testing.assert_array_equal(out.xs(2000, level="year").to_numpy(), X3_STEPS[2])
    np.testing.assert_array_equal(out.xs(2001, level="year").to_numpy(), mild)
    assert set(per_year.points["year"]) == {2000}

    pooled = treat_outliers(df, pooled=True)
    assert len(pooled.details) == 1 and pd.isna(pooled.details["year"].iloc[0])
    s, k = scipy_stats(np.r_[X3, mild])
    assert pooled.details["skew_before"].iloc[0] == pytest.approx(s)
    assert pooled.details["kurt_before"].iloc[0] == pytest.approx(k)


def test_per_year_handles_unbalanced_panel_and_unnamed_levels() -> None:
    a = wide({"x": X3}, year=2000)
    b = wide({"x": np.arange(10.0)}, year=2001)  # u0..u9 only
    df = pd.concat([b, a]).rename_axis([None, None])
    res = treat_outliers(df, pooled=False)
    assert list(res.points.columns[:2]) == ["unit", "year"]
    assert list(res.details["year"]) == [2000, 2001]  # sorted, whatever the row order
    assert list(res.details["n"]) == [24, 10]
    assert res.treated.index.equals(df.index)
    np.testing.assert_array_equal(res.treated["x"].xs(2000, level=1).to_numpy(), X3_STEPS[2])
    np.testing.assert_array_equal(res.treated["x"].xs(2001, level=1).to_numpy(), np.arange(10.0))


def test_bad_settings_and_inputs_raise() -> None:
    with pytest.raises(ConfigError):
        treat_outliers(wide({"x": X3}), winmax=-1)
    df = wide({"x": X3})
    with pytest.raises(InputError):
        treat_outliers(pd.concat([df, df.iloc[:1]]))
    with pytest.raises(InputError, match="infinite"):
        treat_outliers(wide({"x": np.r_[X3[:-1], np.inf]}))


values = st.lists(
    st.one_of(st.integers(-50, 50).map(float), st.integers(0, 10**4).map(float), st.just(np.nan)),
    min_size=4,
    max_size=30,
)


@settings(max_examples=60, deadline=None)
@given(values, st.integers(0, 5))
# Three ties and one outlier have a skew of exactly 2, the threshold: the mirror must round alike.
@example([-20.0, -20.0, -20.0, 249.0], 0)
def test_properties_order_nan_pattern_and_mirror(v: list[float], winmax: int) -> None:
    x = np.array(v)
    res = treat_outliers(wide({"x": x}), winmax=winmax)
    out = res.treated["x"].to_numpy()
    assert np.array_equal(np.isnan(out), np.isnan(x))
    obs = ~np.isnan(x)
    order = np.argsort(x[obs], kind="stable")
    assert (np.diff(out[obs][order]) >= 0).all()  # treatment never reorders units
    status = detail(res, "x")["status"]
    if status == "ok":
        assert np.array_equal(out[obs], x[obs])
    # Treating -x is the mirror image of treating x.
    neg = treat_outliers(wide({"x": -x}), winmax=winmax)
    assert detail(neg, "x")["status"] == status
    np.testing.assert_allclose(neg.treated["x"].to_numpy(), -out, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("winmax", [0, 1, 3, 5])
def test_treated_values_are_the_treated_frame_of_the_full_treatment(winmax: int) -> None:
    rng = np.random.default_rng(4)
    values = {
        "skewed": np.r_[BASE, 400.0, 900.0],  # winsorised
        "heavy": np.r_[rng.lognormal(0, 2.5, 21), np.nan],  # may need the log
        "left": -np.r_[BASE, 300.0, 700.0],  # skewed to the left
        "kept": np.r_[BASE, 500.0, 800.0],  # excluded
    }
    frame = wide(values)
    full = treat_outliers(frame, winmax=winmax, exclude={"kept"}).treated
    quick = treated_values(frame, winmax=winmax, skew_thresh=2.0, kurt_thresh=3.5, exclude={"kept"})
    pd.testing.assert_frame_equal(quick, full)
    assert not quick.equals(frame)  # something was treated, or the test proves nothing
