"""Specification samples (lags, differences, leads) by hand, and the lead test on planted reverse causality."""

from __future__ import annotations

import numpy as np

from scripts.models.grid import design, fit_and_pool, shifted, transformed
from scripts.models.settings import Spec


def test_shifts_and_differences_by_hand() -> None:
    a = np.array([[1.0, 2.0, 4.0, 7.0]])
    np.testing.assert_array_equal(shifted(a, 1), [[np.nan, 1, 2, 4]])
    np.testing.assert_array_equal(shifted(a, -1), [[2, 4, 7, np.nan]])
    np.testing.assert_array_equal(transformed(a, 0, 1), [[np.nan, 1, 2, 3]])  # first differences
    np.testing.assert_array_equal(transformed(a, 1, 2), [[np.nan, np.nan, np.nan, 3]])  # x(t-1) - x(t-3)


def test_the_sample_is_where_every_term_exists_on_every_draw() -> None:
    rng = np.random.default_rng(0)
    y = rng.normal(size=(12, 6))
    y[0, 5] = np.nan  # an unobserved outcome
    x = rng.normal(size=(2, 12, 6))
    x[1, 3, 2] = np.nan  # missing in one draw only: that economy-year leaves every draw's sample
    d = design(y, x, [], Spec("fe", "none", 1), long_difference=3)
    # lag 1 drops the first year (72 - 12); y missing drops 1; x(2) of economy 3 missing drops year 3 of economy 3
    assert d.sample.n == 72 - 12 - 1 - 1
    assert d.x.shape == (d.sample.n, 2, 1) and d.terms == ["ict"]
    with_lead = design(y, x, [], Spec("fe", "none", 1), long_difference=3, lead=1)
    assert with_lead.terms == ["ict", "lead"] and with_lead.sample.n < d.sample.n


def _feedback_panel(seed: int, gamma: float, n_e: int = 60, n_t: int = 14) -> tuple[np.ndarray, np.ndarray]:
    """y_t = a_i + l_t + 0.5 x_t + e_t; x_t+1 = 0.6 x_t + b_i + gamma y_t + u_t+1 (gamma: planted reverse causality)."""
    rng = np.random.default_rng(seed)
    a, b, lam = rng.normal(size=n_e), rng.normal(size=n_e), rng.normal(size=n_t)
    x, y = np.zeros((n_e, n_t)), np.zeros((n_e, n_t))
    x[:, 0] = rng.normal(size=n_e)
    for t in range(n_t):
        y[:, t] = a + lam[t] + 0.5 * x[:, t] + rng.normal(size=n_e)
        if t + 1 < n_t:
            x[:, t + 1] = 0.6 * x[:, t] + b + gamma * y[:, t] + rng.normal(size=n_e)
    return y, x[None]


def _lead_p(seed: int, gamma: float) -> float:
    y, x = _feedback_panel(seed, gamma)
    d = design(y, x, [], Spec("fe", "none", 0), long_difference=3, lead=1)
    (fit,) = [f for f in fit_and_pool(d, ["cluster"], 2) if f.term == "lead"]
    from scipy import stats

    return float(2 * stats.t.sf(abs(fit.estimate) / fit.se, fit.df))


def test_the_lead_test_flags_planted_reverse_causality() -> None:
    assert all(_lead_p(seed, gamma=0.5) < 0.001 for seed in range(20))


def test_the_lead_test_rejects_at_about_its_level_without_feedback() -> None:
    rejections = np.mean([_lead_p(seed, gamma=0.0) < 0.05 for seed in range(200)])
    assert 0.01 <= rejections <= 0.10
