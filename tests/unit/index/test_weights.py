"""Tests of scripts.weights: equal, explicit, PCA (sign guard) and correlation balancing."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scripts.core.errors import ConfigError
from scripts.index.aggregate import aggregate
from scripts.index.framework import load_framework
from scripts.index.weights import balance_weights, equal_weights, explicit_weights, pca_weights


@pytest.fixture
def fw():
    return load_framework(
        pd.DataFrame(
            {
                "node": ["I", "P", "Q", "a", "b", "c", "d"],
                "parent": ["", "I", "I", "P", "P", "P", "Q"],
                "weight": [np.nan, 3, 1, 1, 1, 2, 5],
                "direction": [np.nan, np.nan, np.nan, 1, 1, -1, 1],
            }
        )
    )


def frame(**cols) -> pd.DataFrame:
    n = len(next(iter(cols.values())))
    idx = pd.MultiIndex.from_arrays([[f"u{i}" for i in range(n)], [2000] * n], names=["unit", "year"])
    return pd.DataFrame(cols, index=idx, dtype=float)


def test_equal_weights(fw):
    assert equal_weights(fw, "P").to_dict() == pytest.approx({"a": 1 / 3, "b": 1 / 3, "c": 1 / 3})
    assert equal_weights(fw, "Q").to_dict() == {"d": 1.0}
    full = equal_weights(fw)
    assert full.to_dict() == pytest.approx({"P": 0.5, "Q": 0.5, "a": 1 / 3, "b": 1 / 3, "c": 1 / 3, "d": 1.0})


def test_explicit_weights(fw):
    # P's children 1, 1, 2 -> 0.25, 0.25, 0.5; I's children 3, 1 -> 0.75, 0.25
    assert explicit_weights(fw, "P").to_dict() == pytest.approx({"a": 0.25, "b": 0.25, "c": 0.5})
    assert explicit_weights(fw, "I").to_dict() == pytest.approx({"P": 0.75, "Q": 0.25})
    full = explicit_weights(fw)
    assert "I" not in full.index
    for parent in ("I", "P", "Q"):
        assert full[list(fw.children(parent))].sum() == pytest.approx(1.0)


def test_pca_weights_by_hand():
    # a and b = 2a are perfectly correlated; c is uncorrelated with a (centred a = -1.5, -0.5, 0.5, 1.5,
    # c = 1, -1, -1, 1: dot product -1.5 + 0.5 - 0.5 + 1.5 = 0). Correlation matrix
    # [[1, 1, 0], [1, 1, 0], [0, 0, 1]]: first eigenvector (1, 1, 0) / sqrt 2 -> weights 0.5, 0.5, 0.
    df = frame(a=[1, 2, 3, 4], b=[2, 4, 6, 8], c=[1, -1, -1, 1])
    w = pca_weights(df)
    assert w.to_dict() == pytest.approx({"a": 0.5, "b": 0.5, "c": 0.0}, abs=1e-9)
    assert w.sum() == pytest.approx(1.0)


def test_pca_sign_guard():
    # c = -a: correlation matrix of (a, b = a, c = -a) has first eigenvector (1, 1, -1) / sqrt 3 up to
    # sign; the guard makes the sum positive, then c's negative loading is zeroed -> 0.5, 0.5, 0
    df = frame(a=[1, 2, 3, 5], b=[1, 2, 3, 5], c=[-1, -2, -3, -5])
    assert pca_weights(df).to_dict() == pytest.approx({"a": 0.5, "b": 0.5, "c": 0.0}, abs=1e-9)
    # the same loadings negated (all children flipped) give the same weights
    flipped = frame(a=[-1, -2, -3, -5], b=[-1, -2, -3, -5], c=[1, 2, 3, 5])
    assert pca_weights(flipped).to_dict() == pytest.approx({"a": 0.5, "b": 0.5, "c": 0.0}, abs=1e-9)
    with pytest.raises(ConfigError, match="\\['c'\\] load negatively"):
        pca_weights(df, negative="refuse", name="P")


def test_pca_weights_errors_and_trivial_cases():
    assert pca_weights(frame(a=[1, 2, 3])).to_dict() == {"a": 1.0}
    with pytest.raises(ConfigError, match="constant"):
        pca_weights(frame(a=[1, 2, 3, 4], b=[7, 7, 7, 7]))
    with pytest.raises(ConfigError, match="at least 3 rows"):
        pca_weights(frame(a=[1, 2, np.nan, 4], b=[1, np.nan, 3, 5]))


def test_balance_weights_by_hand():
    # Two children with sds s1 and s2 and correlation r < 1: corr(x_i, w1 x1 + w2 x2) are equal iff
    # w1 s1 = w2 s2. Here x2 = 3 * (a permutation of x1's values), so s2 = 3 s1 -> w = (0.75, 0.25).
    df = frame(x1=[0, 1, 2, 3], x2=[3, 0, 9, 6])
    w = balance_weights(df)
    assert w.to_dict() == pytest.approx({"x1": 0.75, "x2": 0.25}, abs=1e-4)
    agg = aggregate(df, w, "arithmetic")
    r = df.corrwith(agg)
    assert r["x1"] == pytest.approx(r["x2"], abs=1e-4)


def test_balance_weights_reach_a_target():
    rng = np.random.default_rng(3)
    base = rng.normal(size=200)
    df = frame(
        a=base + rng.normal(size=200),
        b=base + 0.5 * rng.normal(size=200),
        c=2 * base + rng.normal(size=200),
    )
    # a feasible target: the correlation profile that the weights (0.6, 0.1, 0.3) produce
    w0 = pd.Series({"a": 0.6, "b": 0.1, "c": 0.3})
    r0 = df.corrwith(aggregate(df, w0, "arithmetic"))
    target = (r0 / r0.sum()).to_dict()
    w = balance_weights(df, target=target)
    assert w.sum() == pytest.approx(1.0) and (w >= 0).all()
    r = df.corrwith(aggregate(df, w, "arithmetic"))
    assert (r / r.sum()).to_dict() == pytest.approx(target, abs=1e-4)
    assert w.to_dict() == pytest.approx(w0.to_dict(), abs=1e-2)
    # the equal-correlation default gives a different answer
    assert not balance_weights(df).to_dict() == pytest.approx(w0.to_dict(), abs=1e-2)
    with pytest.raises(ConfigError, match="balance target"):
        balance_weights(df, target={"a": 1})


def test_balance_weights_with_another_aggregation():
    df = frame(x1=[1, 2, 3, 4, 6], x2=[2, 9, 4, 12, 10])

    def geo(c, w):
        return aggregate(c, w, "geometric")

    w = balance_weights(df, geo)
    r = df.corrwith(geo(df, w))
    assert w.sum() == pytest.approx(1.0)
    assert r["x1"] == pytest.approx(r["x2"], abs=1e-3)


@settings(max_examples=25, deadline=None)
@given(st.integers(2, 5), st.integers(0, 10_000))
def test_data_driven_weights_sum_to_one(k, seed):
    rng = np.random.default_rng(seed)
    base = rng.normal(size=30)
    df = frame(**{f"c{j}": base * rng.uniform(0.2, 2) + rng.normal(size=30) for j in range(k)})
    for w in (pca_weights(df), balance_weights(df)):
        assert w.sum() == pytest.approx(1.0)
        assert (w >= 0).all()
        assert list(w.index) == list(df.columns)
