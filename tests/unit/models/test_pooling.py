"""Rubin's rules and Benjamini-Hochberg q-values against hand-computed examples."""

from __future__ import annotations

import numpy as np
import pytest
from statsmodels.stats.multitest import multipletests

from scripts.models.pooling import bh_qvalues, rubin


def test_rubin_matches_a_hand_computed_example() -> None:
    # m = 3: Q = 1.0, 1.2, 1.4; U = 0.04, 0.05, 0.06; complete-data df 100.
    pooled = rubin(np.array([1.0, 1.2, 1.4]), np.array([0.04, 0.05, 0.06]), 100)
    # Q = 1.2; W = 0.05; B = (0.04 + 0 + 0.04) / 2 = 0.04; T = 0.05 + 4/3 * 0.04 = 0.103333...
    assert pooled.estimate == pytest.approx(1.2)
    assert pooled.within == pytest.approx(0.05)
    assert pooled.between == pytest.approx(0.04)
    assert pooled.total == pytest.approx(0.05 + 4 / 3 * 0.04)
    # r = 4/3 * 0.04 / 0.05 = 1.066667; nu_m = 2 (1 + 1/r)^2 = 2 * 1.9375^2 = 7.5078125
    # lambda = 0.053333 / 0.103333 = 0.516129; nu_obs = 101/103 * 100 * 0.483871 = 47.447541
    # nu = 1 / (0.1331946 + 0.0210759) = 6.482121; FMI = (r + 2/(nu + 3)) / (r + 1) = 0.618189
    assert pooled.df == pytest.approx(6.482121, abs=1e-6)
    assert pooled.fmi == pytest.approx(0.618189, abs=1e-6)


def test_rubin_without_between_variance_keeps_the_complete_data_df() -> None:
    pooled = rubin(np.array([[2.0], [2.0]]), np.array([[0.25], [0.25]]), 50)
    assert pooled.between[0] == 0 and pooled.total[0] == pytest.approx(0.25)
    assert pooled.df[0] == pytest.approx(51 / 53 * 50)  # nu_obs with lambda = 0
    assert pooled.fmi[0] == pytest.approx(2 / (51 / 53 * 50 + 3))


def test_rubin_p_value_and_interval_use_the_t_distribution() -> None:
    pooled = rubin(np.array([1.0, 1.2, 1.4]), np.array([0.04, 0.05, 0.06]), 100)
    lo, hi = pooled.interval()
    from scipy import stats

    half = stats.t.ppf(0.975, pooled.df) * np.sqrt(pooled.total)
    assert (lo, hi) == pytest.approx((1.2 - half, 1.2 + half))
    assert pooled.p_value() == pytest.approx(2 * stats.t.sf(1.2 / np.sqrt(pooled.total), pooled.df))


def test_bh_matches_a_hand_computed_example() -> None:
    p = np.array([0.01, 0.04, 0.03, 0.005, 0.20])
    # sorted 0.005, 0.01, 0.03, 0.04, 0.20 -> n p / rank = 0.025, 0.025, 0.05, 0.05, 0.20 (already monotone)
    np.testing.assert_allclose(bh_qvalues(p), [0.025, 0.05, 0.05, 0.025, 0.20])


def test_bh_takes_the_running_minimum_and_caps_at_one() -> None:
    # sorted 0.02, 0.021, 0.9, 0.95: n p / rank = 0.08, 0.042, 1.2, 0.95 -> 0.042, 0.042, 0.95, 0.95
    np.testing.assert_allclose(bh_qvalues(np.array([0.9, 0.02, 0.95, 0.021])), [0.95, 0.042, 0.95, 0.042])


def test_bh_skips_missing_p_values_and_equals_statsmodels() -> None:
    rng = np.random.default_rng(3)
    p = rng.random(40) ** 3
    p[[5, 17]] = np.nan
    q = bh_qvalues(p)
    assert np.isnan(q[[5, 17]]).all()
    ok = ~np.isnan(p)
    np.testing.assert_allclose(q[ok], multipletests(p[ok], method="fdr_bh")[1])
