"""Tests of scripts.core.spikes: the robust z by hand, what is and is not an isolated spike, despiking."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scripts.core.spikes import despike, isolated_spikes, spike_scores

#: Tonga's gross secondary enrolment 1998-2004 as the panel holds it (WDI 2025), 2002 the spike.
TONGA = [91.91, 100.86, 100.17, 97.52, 194.46, 109.54, 97.93]


def series(values, unit: str = "TON", first: int = 1998, name: str = "x") -> pd.DataFrame:
    idx = pd.MultiIndex.from_arrays([[unit] * len(values), range(first, first + len(values))], names=["iso3", "year"])
    return pd.DataFrame({name: np.asarray(values, dtype=float)}, index=idx)


def test_tonga_2002_by_hand():
    # Differences 8.95, -0.69, -2.65, 96.94, -84.92, -11.61: median -1.67, absolute deviations
    # 10.62, 0.98, 0.98, 98.61, 83.25, 9.94 -> MAD (9.94 + 10.62) / 2 = 10.28, s = 1.4826 * 10.28.
    # 194.46 is above both neighbours; the nearer is 109.54: z = 84.92 / s.
    d = np.diff(TONGA)
    mad = np.median(np.abs(d - np.median(d)))
    assert mad == pytest.approx(10.28, abs=0.005)
    z = spike_scores(series(TONGA))["x"]
    assert z.loc[("TON", 2002)] == pytest.approx((194.46 - 109.54) / (1.4826 * mad), rel=1e-12)
    assert z.loc[("TON", 2002)] == pytest.approx(5.57, abs=0.01)
    # End years have one neighbour only; 2003 lies between its neighbours; 2001 is below both, by 2.65.
    assert np.isnan(z.loc[("TON", 1998)]) and np.isnan(z.loc[("TON", 2004)])
    assert z.loc[("TON", 2003)] == 0.0
    assert z.loc[("TON", 2001)] == pytest.approx(-(100.17 - 97.52) / (1.4826 * mad), rel=1e-12)
    assert isolated_spikes(series(TONGA), threshold=5)["x"].tolist() == [False] * 4 + [True] + [False] * 2


def test_trends_steps_and_a_spikes_neighbour_are_not_spikes():
    steady = series(np.arange(10.0) ** 2)  # accelerating growth
    assert not isolated_spikes(steady, threshold=3).to_numpy().any()
    step = series([10, 10.5, 10.2, 10.4, 30, 30.3, 30.1, 30.2])  # a level shift that persists
    assert not isolated_spikes(step, threshold=3).to_numpy().any()
    # 15 is below both its neighbours (50 and 16) but 1 from 16: z = -1 (MAD 0 -> the median step 1).
    z = spike_scores(series([10, 11, 12, 13, 50, 15, 16, 17, 18]))["x"]
    assert z.loc[("TON", 2002)] == 35.0 and z.loc[("TON", 2003)] == -1.0


def test_low_spike_is_negative_and_constant_series_use_the_level_floor():
    z = spike_scores(series([100, 100, 100, 40, 100, 100]))["x"]
    assert z.loc[("TON", 2001)] == -60.0 / 1.0  # MAD 0, median step 0 -> s = 1% of the median level 100
    assert spike_scores(series([0.0] * 6))["x"].isna().all()  # an all-zero series is not tested


def test_gaps_units_and_min_points():
    # 1999 is missing: 2000 (90) has no previous year, so it is not tested.
    w = pd.concat([series([1, np.nan, 90, 2, 1, 2, 1], unit="A"), series([5, 5.1, 5, 5.2, 5.1, 5, 5.1], unit="B")])
    z = spike_scores(w)["x"]
    assert np.isnan(z.loc[("A", 2000)]) and z.loc[("A", 2001)] == 0.0
    # Units never neighbour each other: A's last year and B's first have one neighbour each.
    assert np.isnan(z.loc[("A", 2004)]) and np.isnan(z.loc[("B", 1998)])
    assert np.isnan(spike_scores(series([1, 50, 1, 2]))["x"]).all()  # 4 points < min_points 5
    assert spike_scores(series([1, 50, 1, 2]), min_points=4)["x"].loc[("TON", 1999)] > 0


def test_result_follows_the_input_row_order_and_despike_replaces_by_the_nearer_neighbour():
    w = series(TONGA).iloc[::-1]
    z = spike_scores(w)
    assert z.index.equals(w.index)
    values, mask = despike(w, threshold=5)
    assert values.index.equals(w.index) and mask["x"].sum() == 1
    assert values.loc[("TON", 2002), "x"] == 109.54  # median of (97.52, 194.46, 109.54)
    assert (values.drop(index=("TON", 2002)) == w.drop(index=("TON", 2002))).all().all()
