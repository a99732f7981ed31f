"""Sobol' indices: the vectorised estimator equals SALib's, and a known case comes out as it must."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from SALib.analyze import sobol as salib_sobol
from SALib.sample import sobol as salib_sample
from SALib.test_functions import Ishigami

from scripts.core.errors import ConfigError
from scripts.index.framework import load_framework
from scripts.index.prepare import PreparedIndex, index_spec
from scripts.uncertainty.batched import BatchedIndex
from scripts.uncertainty.inputs import input_space
from scripts.uncertainty.sobol import design, settled, sobol_indices, sobol_tables


def test_the_vectorised_estimator_equals_salib_with_groups() -> None:
    prob = {
        "num_vars": 3,
        "names": ["x1", "x2", "x3"],
        "bounds": [[-np.pi, np.pi]] * 3,
        "groups": ["g1", "g23", "g23"],
    }
    x = salib_sample.sample(prob, 256, calc_second_order=False, seed=3)
    y = Ishigami.evaluate(x)
    ref = salib_sobol.analyze(prob, y, calc_second_order=False, num_resamples=100, conf_level=0.95, seed=5)
    # two targets at once: Ishigami and a rescaled copy (the indices are scale-free)
    got = sobol_indices(np.column_stack([y, 3 * y + 1]), 2, resamples=100, confidence=0.95, seed=5)
    for t in range(2):
        np.testing.assert_allclose(got.first[:, t], ref["S1"], rtol=1e-10)
        np.testing.assert_allclose(got.total[:, t], ref["ST"], rtol=1e-10)
        np.testing.assert_allclose(got.first_conf[:, t], ref["S1_conf"], rtol=1e-10)
        np.testing.assert_allclose(got.total_conf[:, t], ref["ST_conf"], rtol=1e-10)


def _two_indicator_engine() -> BatchedIndex:
    """Root = mean of a (1..10) and b (10..1): with both, every economy ties; leaving one out orders them."""
    fw = load_framework(
        pd.DataFrame(
            {"node": ["idx", "a", "b"], "parent": ["", "idx", "idx"], "weight": [1, 1, 1], "direction": [None, 1, 1]}
        )
    )
    idx = pd.MultiIndex.from_product([[f"U{i}" for i in range(10)], [2015]], names=["iso3", "year"])
    wide = pd.DataFrame({"a": np.arange(1.0, 11.0), "b": np.arange(10.0, 0.0, -1.0)}, index=idx)
    settings = {
        "treatment": {"method": "coinr", "winmax": 1, "skew": 2.0, "kurtosis": 3.5, "exclude": []},
        "normalisation": {"method": "minmax", "range": [0, 100]},
        "weighting": {"default": "explicit"},
        "aggregation": {"default": "arithmetic"},
        "min_share": 0.0,
        "on_nonpositive": "refuse",
        "final_scale": None,
    }
    prepared = PreparedIndex(fw, index_spec(settings), wide, pd.DataFrame(), settings["treatment"])
    inputs = {
        "imputation": {"vary": False},
        # the data have no outliers: treatment on (winmax 1) or off changes nothing
        "treatment": {"vary": True, "untreated": True, "winmax": [1]},
        "normalisation": {"vary": False, "alternatives": []},
        "weights": {"vary": False, "spread": 0.25, "levels": []},
        "aggregation": {"vary": False, "methods": ["arithmetic"], "on_nonpositive": "refuse"},
        "leave_one_out": {"vary": True},
    }
    space = input_space(inputs, settings, fw, [0], index="two")
    return BatchedIndex(prepared, {0: wide}, space)


def test_one_input_drives_all_variance_and_another_none() -> None:
    engine = _two_indicator_engine()
    assert engine.space.inputs == ["treatment", "leave_one_out"]
    nominal = pd.Series(1.0, index=[f"U{i}" for i in range(10)])  # everyone ties at rank 1
    settings = {"base_samples": 512, "doublings": 2, "resamples": 100, "confidence": 0.95, "tolerance": 0.05}
    table, convergence = sobol_tables(engine, nominal, settings, seed=1, batch=100)
    shift = table[table["target"] == "mean_rank_shift"].set_index("input")
    assert shift.loc["treatment", "total"] == 0.0  # A and A_B(treatment) rows give identical outputs
    assert abs(shift.loc["treatment", "first_order"]) <= shift.loc["treatment", "first_order_conf"] + 0.02
    assert shift.loc["leave_one_out", "total"] == pytest.approx(1.0, abs=0.05)
    assert shift.loc["leave_one_out", "first_order"] == pytest.approx(1.0, abs=0.1)
    # every economy's rank: the same story
    ranks = table[table["target"] == "rank"]
    assert (ranks.loc[ranks["input"] == "treatment", "total"] == 0.0).all()
    assert ranks.loc[ranks["input"] == "leave_one_out", "total"].min() > 0.9
    assert convergence["base_samples"].unique().tolist() == [128, 256, 512]
    assert convergence.loc[convergence["base_samples"] == 512, "settled"].all()


def test_settled_means_within_tolerance_from_that_row_on() -> None:
    conv = pd.DataFrame(
        {
            "base_samples": [1, 2, 4, 8] * 2,
            "input": ["x"] * 4 + ["y"] * 4,
            "first_order": [0.5, 0.31, 0.40, 0.30, 0.1, 0.1, 0.1, 0.1],
            "total": [0.5, 0.3, 0.3, 0.3, 0.2, 0.2, 0.2, 0.2],
        }
    )
    # x: row N=2 is close (0.01) but N=4 is not (0.10): settled only from N=8; y settled throughout
    assert settled(conv, 0.05).tolist() == [False, False, False, True, True, True, True, True]


def test_the_design_needs_a_power_of_two() -> None:
    with pytest.raises(ConfigError, match="power of 2"):
        design(_two_indicator_engine().space, 100, seed=1)
