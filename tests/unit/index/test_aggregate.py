"""Tests of scripts.aggregate: every method by hand, missing data, positivity, decomposition."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scripts.core.errors import ConfigError
from scripts.index.aggregate import aggregate, aggregate_detail

NAN = np.nan


def frame(rows: list[list[float]], cols=("a", "b", "c"), years=None) -> pd.DataFrame:
    years = years or [2000] * len(rows)
    idx = pd.MultiIndex.from_arrays([[f"u{i + 1}" for i in range(len(rows))], years], names=["unit", "year"])
    return pd.DataFrame(rows, index=idx, columns=list(cols), dtype=float)


W = pd.Series({"a": 1.0, "b": 1.0, "c": 2.0})  # normalised: 0.25, 0.25, 0.5
ROWS = frame([[10, 20, 40], [10, NAN, 40], [NAN, NAN, NAN], [NAN, 20, NAN]])


def test_arithmetic_with_missing_children():
    # u1: 0.25*10 + 0.25*20 + 0.5*40 = 27.5
    # u2: b missing, available weight 0.75: (2.5 + 20) / 0.75 = 30
    # u3: nothing available -> NaN; u4: only b -> 20
    s = aggregate(ROWS, W, "arithmetic")
    assert s.tolist()[:2] == pytest.approx([27.5, 30.0])
    assert math.isnan(s.iloc[2]) and s.iloc[3] == pytest.approx(20.0)
    # min_share 0.5: u4 has 0.25 of the weight -> NaN; u2 has 0.75 -> kept
    s = aggregate(ROWS, W, "arithmetic", min_share=0.5)
    assert s.iloc[1] == pytest.approx(30.0) and math.isnan(s.iloc[3])
    # exactly at the threshold counts as enough
    assert aggregate(ROWS, W, "arithmetic", min_share=0.75).iloc[1] == pytest.approx(30.0)


def test_arithmetic_decomposition_and_effective_weights():
    det = aggregate_detail(ROWS, W, "arithmetic")
    # u2: effective weights a 0.25 / 0.75 = 1/3, c 0.5 / 0.75 = 2/3; amounts 10/3 and 80/3
    assert det.effective_weights.iloc[1].tolist()[0] == pytest.approx(1 / 3)
    assert math.isnan(det.effective_weights.iloc[1, 1])
    assert det.amounts.iloc[1, [0, 2]].tolist() == pytest.approx([10 / 3, 80 / 3])
    assert det.amounts.iloc[0].tolist() == pytest.approx([2.5, 5.0, 20.0])
    assert det.shift == 0.0


def test_geometric_and_harmonic_by_hand():
    df = frame([[4, 16], [2, 6]], cols=("a", "b"))
    eq = pd.Series({"a": 1, "b": 1})
    # sqrt(4 * 16) = 8; sqrt(2 * 6) = sqrt(12)
    assert aggregate(df, eq, "geometric").tolist() == pytest.approx([8.0, math.sqrt(12)])
    # weights 0.25 / 0.75: 4^0.25 * 16^0.75 = 2^0.5 * 2^3 = 2^3.5
    assert aggregate(df, pd.Series({"a": 1, "b": 3}), "geometric").iloc[0] == pytest.approx(2**3.5)
    # harmonic: 2 / (1/4 + 1/16) = 6.4; 2 / (1/2 + 1/6) = 3
    assert aggregate(df, eq, "harmonic").tolist() == pytest.approx([6.4, 3.0])


def test_geometric_and_harmonic_decomposition_by_hand():
    df = frame([[4, 16], [2, 6]], cols=("a", "b"))
    eq = pd.Series({"a": 1, "b": 1})
    # log shares of G = 8: 0.5 log 4 / log 8 = 1/3 and 0.5 log 16 / log 8 = 2/3 -> 8/3 and 16/3
    geo = aggregate_detail(df, eq, "geometric")
    assert geo.amounts.iloc[0].tolist() == pytest.approx([8 / 3, 16 / 3])
    # value shares of H = 3 for (2, 6): 0.5*2 / (0.5*2 + 0.5*6) = 1/4 -> 0.75 and 2.25
    har = aggregate_detail(df, eq, "harmonic")
    assert har.amounts.iloc[1].tolist() == pytest.approx([0.75, 2.25])


def test_nonpositive_values_refused_with_a_clear_message():
    df = frame([[0, 3], [1, 1]], cols=("a", "b"))
    for method in ("geometric", "harmonic"):
        with pytest.raises(ConfigError) as err:
            aggregate(df, pd.Series({"a": 1, "b": 1}), method, name="Access")
        msg = str(err.value)
        assert "'Access'" in msg and "strictly positive" in msg
        assert "(1, 100)" in msg and "on_nonpositive='shift'" in msg


def test_shifted_means_on_zeros():
    df = frame([[0, 3], [1, 1], [NAN, 0]], cols=("a", "b"))
    eq = pd.Series({"a": 1, "b": 1})
    # minimum 0 -> shift k = 1 for the whole call
    # geometric: sqrt(1 * 4) - 1 = 1; (1, 1): sqrt(2 * 2) - 1 = 1; (NaN, 0): 1 - 1 = 0
    geo = aggregate_detail(df, eq, "geometric", on_nonpositive="shift")
    assert geo.shift == 1.0
    assert geo.score.tolist() == pytest.approx([1.0, 1.0, 0.0])
    # harmonic: 1 / (0.5/1 + 0.5/4) - 1 = 0.6
    har = aggregate(df, eq, "harmonic", on_nonpositive="shift")
    assert har.tolist() == pytest.approx([0.6, 1.0, 0.0])
    for det in (geo, aggregate_detail(df, eq, "harmonic", on_nonpositive="shift")):
        assert np.isfinite(det.score).all()
        assert det.amounts.sum(axis=1).to_numpy() == pytest.approx(det.score.to_numpy())
    # positive data are not shifted
    assert aggregate_detail(frame([[4, 16]], cols=("a", "b")), eq, "geometric", on_nonpositive="shift").shift == 0.0


def test_copeland_by_hand():
    # one year; equal weights
    #        c1 c2 c3
    #   u1:  3  1  2
    #   u2:  2  2  2
    #   u3:  1  3  1
    # u1-u2: u1 better on c1, worse on c2, tie on c3 -> tie; u1-u3: better on c1, c3 -> u1 wins;
    # u2-u3: better on c1, c3 -> u2 wins. Copeland: u1 = 1, u2 = 1, u3 = -2
    df = frame([[3, 1, 2], [2, 2, 2], [1, 3, 1]])
    eq = pd.Series({"a": 1, "b": 1, "c": 1})
    det = aggregate_detail(df, eq, "copeland")
    assert det.score.tolist() == [1.0, 1.0, -2.0]
    # u1's only decided contest (vs u3) has net margin 1/3 and signs (+, -, +): credits (1, -1, 1)
    assert det.amounts.iloc[0].tolist() == pytest.approx([1.0, -1.0, 1.0])
    # u3 loses twice, each time with signs (-, +, -) and margin 1/3: (-2, 2, -2)
    assert det.amounts.iloc[2].tolist() == pytest.approx([-2.0, 2.0, -2.0])
    # weights 0.5, 0.25, 0.25: u1 beats u2 (c1: 0.5 vs c2: 0.25) -> u1 2, u2 0, u3 -2
    assert aggregate(df, pd.Series({"a": 2, "b": 1, "c": 1}), "copeland").tolist() == [2.0, 0.0, -2.0]


def test_copeland_is_within_year_and_skips_missing():
    # two years: 2000 has u1..u3 as above; 2001 has u4, u5 only
    df = frame([[3, 1, 2], [2, 2, 2], [1, 3, 1], [5, 5, 5], [1, 1, 9]], years=[2000, 2000, 2000, 2001, 2001])
    s = aggregate(df, pd.Series({"a": 1, "b": 1, "c": 1}), "copeland")
    # 2001: u4 better on a, b -> u4 1, u5 -1
    assert s.tolist() == [1.0, 1.0, -2.0, 1.0, -1.0]
    # missing b for u1: compare on a (u1 better) and c (tie) only -> u1 beats u2
    gap = frame([[3, NAN, 2], [2, 2, 2]])
    assert aggregate(gap, pd.Series({"a": 1, "b": 1, "c": 1}), "copeland").tolist() == [1.0, -1.0]
    # float sums equal on paper are ties: 0.1 + 0.2 vs 0.3
    tie = frame([[2, 2, 1], [1, 1, 2]])
    assert aggregate(tie, pd.Series({"a": 0.1, "b": 0.2, "c": 0.3}), "copeland").tolist() == [0.0, 0.0]


def test_option_errors():
    with pytest.raises(ConfigError, match="unknown aggregation method"):
        aggregate(ROWS, W, "median")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="min_share"):
        aggregate(ROWS, W, min_share=1.5)
    with pytest.raises(ConfigError, match="no weight for children \\['c'\\]"):
        aggregate(ROWS, pd.Series({"a": 1, "b": 1}))
    with pytest.raises(ConfigError, match="finite weights"):
        aggregate(ROWS, pd.Series({"a": 0, "b": 0, "c": 0}))
    with pytest.raises(ConfigError, match="on_nonpositive"):
        aggregate(ROWS, W, "geometric", on_nonpositive="ignore")  # type: ignore[arg-type]


@st.composite
def children_frames(draw):
    n = draw(st.integers(1, 12))
    k = draw(st.integers(1, 4))
    cells = st.one_of(st.just(np.nan), st.sampled_from([0.0, 1.0, 50.0]), st.floats(0, 100))
    rows = [[draw(cells) for _ in range(k)] for _ in range(n)]
    years = [2000 + draw(st.integers(0, 2)) for _ in range(n)]
    weights = draw(st.lists(st.floats(0.05, 5), min_size=k, max_size=k))
    cols = [f"c{j}" for j in range(k)]
    return frame(rows, cols=cols, years=years), pd.Series(weights, index=cols)


@settings(max_examples=150, deadline=None)
@given(
    children_frames(), st.sampled_from(["arithmetic", "geometric", "harmonic", "copeland"]), st.sampled_from([0.0, 0.5])
)
def test_amounts_sum_to_the_score(data, method, min_share):
    df, w = data
    det = aggregate_detail(df, w, method, min_share=min_share, on_nonpositive="shift")
    score = det.score.to_numpy()
    total = det.amounts.sum(axis=1, min_count=1).to_numpy()
    has = ~np.isnan(score)
    assert np.allclose(total[has], score[has], atol=1e-8)
    assert np.isnan(total[~has]).all()
    assert np.isfinite(score[has]).all()
    # effective weights of a scored row sum to 1
    assert np.allclose(det.effective_weights.sum(axis=1).to_numpy()[has], 1.0)


@settings(max_examples=80, deadline=None)
@given(children_frames(), st.sampled_from(["arithmetic", "geometric", "harmonic"]))
def test_means_lie_between_min_and_max(data, method):
    df, w = data
    s = aggregate(df, w, method, on_nonpositive="shift").to_numpy()
    lo = df.min(axis=1).to_numpy()
    hi = df.max(axis=1).to_numpy()
    has = ~np.isnan(s)
    assert (s[has] >= lo[has] - 1e-9).all() and (s[has] <= hi[has] + 1e-9).all()
