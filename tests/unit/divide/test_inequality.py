"""Gini, Theil T, Theil L and CV: hand-computed examples, independent implementations, weighted and unweighted."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import entropy
from statsmodels.stats.weightstats import DescrStatsW

from scripts.core.errors import InvariantError
from scripts.core.vocabulary import INEQUALITY_STATS
from scripts.divide.inequality import STATISTICS, cv, gini, lorenz, statistic, theil_l, theil_t


def one(fn, x, w=None):
    x = np.asarray(x, float)[None, :]
    w = np.ones_like(x) if w is None else np.asarray(w, float)[None, :]
    return float(fn(x, w)[0])


def test_the_statistics_are_the_vocabulary():
    assert tuple(STATISTICS) == INEQUALITY_STATS


def test_hand_computed_unweighted():
    # x = 1, 2, 3, 4: mean 2.5; ordered pairs' |differences| sum to 2 x 10 = 20 -> G = 20 / (2 x 16 x 2.5)
    assert one(gini, [1, 2, 3, 4]) == pytest.approx(0.25)
    # x = 1, 3: mean 2
    assert one(theil_t, [1, 3]) == pytest.approx(0.5 * (0.5 * math.log(0.5) + 1.5 * math.log(1.5)))
    assert one(theil_l, [1, 3]) == pytest.approx(0.5 * math.log(4 / 3))
    assert one(cv, [1, 3]) == pytest.approx(0.5)  # population SD 1 over mean 2
    # a zero: 0 ln 0 = 0 in Theil T; Gini of (0, 2) = 4 / (2 x 4 x 1)
    assert one(theil_t, [0, 2]) == pytest.approx(math.log(2))
    assert one(gini, [0, 2]) == pytest.approx(0.5)


def test_hand_computed_weighted():
    # x = 1, 3 with weights 3, 1: W = 4, mu = 1.5; sum_ij w_i w_j |x_i - x_j| = 2 x 3 x 1 x 2 = 12
    x, w = [1, 3], [3, 1]
    assert one(gini, x, w) == pytest.approx(12 / (2 * 16 * 1.5))
    assert one(theil_t, x, w) == pytest.approx(0.75 * (1 / 1.5) * math.log(1 / 1.5) + 0.25 * 2 * math.log(2))
    assert one(theil_l, x, w) == pytest.approx(0.75 * math.log(1.5) + 0.25 * math.log(0.5))
    assert one(cv, x, w) == pytest.approx(math.sqrt(0.75 * 0.25 + 0.25 * 2.25) / 1.5)


def brute_gini(x, w):
    mu = np.average(x, weights=w)
    return (np.outer(w, w) * np.abs(x[:, None] - x[None, :])).sum() / (2 * w.sum() ** 2 * mu)


def lorenz_area_gini(x, w):
    """1 - twice the area under the Lorenz curve (trapezoids), an independent route to the Gini."""
    order = np.argsort(x)
    p = np.concatenate([[0], np.cumsum(w[order]) / w.sum()])
    q = np.concatenate([[0], np.cumsum((x * w)[order]) / (x * w).sum()])
    return 1 - ((p[1:] - p[:-1]) * (q[1:] + q[:-1])).sum()


@pytest.mark.parametrize("weighted", [False, True])
def test_against_independent_implementations(weighted):
    rng = np.random.default_rng(7)
    x = rng.lognormal(2, 1, 60)
    w = rng.uniform(0.5, 50, 60) if weighted else np.ones(60)
    # Theil T is the Kullback-Leibler divergence of value shares from weight shares, Theil L the reverse
    shares, weights = x * w / (x * w).sum(), w / w.sum()
    assert one(theil_t, x, w) == pytest.approx(entropy(shares, weights), rel=1e-12)
    assert one(theil_l, x, w) == pytest.approx(entropy(weights, shares), rel=1e-12)
    d = DescrStatsW(x, weights=w, ddof=0)
    assert one(cv, x, w) == pytest.approx(d.std / d.mean, rel=1e-12)
    assert one(gini, x, w) == pytest.approx(brute_gini(x, w), rel=1e-12)
    assert one(gini, x, w) == pytest.approx(lorenz_area_gini(x, w), rel=1e-12)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.floats(0.01, 1000), min_size=2, max_size=12),
    st.lists(st.integers(1, 4), min_size=12, max_size=12),
    st.floats(0.1, 100),
)
def test_integer_weights_equal_repeated_economies_and_scale_does_not_matter(values, counts, scale):
    x = np.array(values)
    w = np.array(counts[: len(x)], float)
    repeated = np.repeat(x, w.astype(int))
    for name in INEQUALITY_STATS:
        weighted = one(STATISTICS[name], x, w)
        assert weighted == pytest.approx(one(STATISTICS[name], repeated), rel=1e-9, abs=1e-12)
        assert one(STATISTICS[name], x * scale, w) == pytest.approx(weighted, rel=1e-9, abs=1e-12)
        assert weighted >= -1e-12


def test_equality_gives_zero_and_rows_are_independent():
    x = np.array([[5.0, 5.0, 5.0], [1.0, 2.0, 3.0]])
    w = np.ones_like(x)
    for name in INEQUALITY_STATS:
        out = statistic(name, x, w)
        assert out[0] == pytest.approx(0, abs=1e-12)
        assert out[1] == pytest.approx(one(STATISTICS[name], [1, 2, 3]))


def test_theil_l_refuses_a_zero_and_bad_input_is_an_invariant_error():
    with pytest.raises(InvariantError, match="leave zeros out"):
        one(theil_l, [0, 1])
    with pytest.raises(InvariantError):
        one(gini, [-1, 1])
    with pytest.raises(InvariantError):
        one(gini, [1, 2], [1, 0])


def test_lorenz_curve():
    people, share = lorenz(np.array([3.0, 1.0]), np.array([1.0, 1.0]))
    assert people.tolist() == [0, 0.5, 1] and share.tolist() == pytest.approx([0, 0.25, 1])
