"""The batched engine equals the ordinary engine on COINr's ASEM example, with the vignette's specification.

config/test/asem_uncertainty.yaml holds the specification of COINr's sensitivity vignette
(winsorisation limit 1-5, min-max [1, 100] vs z-score (10, 2), weight noise 0.25 on levels
2-3, arithmetic vs geometric). ASEM has one data set, so the imputation input gets two
seeded noisy copies as extra "draws" here, and leave-one-out is switched on too, so that
every input of the engine is exercised on a 49-indicator, 4-level tree with missing cells.
"""

from __future__ import annotations

import numpy as np
import pytest
from support.uncertainty import asem_prepared, merged_config, noisy_draws, ordinary_root

from scripts.core.errors import ConfigError
from scripts.uncertainty.batched import BatchedIndex
from scripts.uncertainty.inputs import input_space


@pytest.fixture(scope="module")
def config():
    return merged_config("config/test/asem_uncertainty.yaml")


@pytest.fixture(scope="module")
def prepared(config):
    return asem_prepared(config["index"]["indices"]["asem"])


def test_the_vignette_specification_is_the_input_space(config, prepared) -> None:
    space = input_space(
        config["uncertainty"]["inputs"], config["index"]["indices"]["asem"], prepared.framework, [0], index="asem"
    )
    assert space.inputs == ["treatment", "normalisation", "weights", "aggregation"]
    assert space.treatments == (1, 2, 3, 4, 5)
    assert [n.method for n in space.normalisations] == ["minmax", "zscore"]
    assert space.normalisations[1].params == {"mean": 10, "sd": 2}
    fw = prepared.framework
    # the weights of the level-2 and level-3 nodes vary: the 8 pillars and the 2 sub-indices
    assert sorted({fw.level(space.nodes[i]) for i in space.perturbed}) == [2, 3]
    assert len(space.perturbed) == 10
    assert space.nominal is None  # min-max [0, 100] (the nominal) is not among the alternatives


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_batched_equals_ordinary_engine(config, prepared, seed) -> None:
    inputs = dict(config["uncertainty"]["inputs"])
    inputs["imputation"] = {"vary": True}
    inputs["leave_one_out"] = {"vary": True}
    wides = noisy_draws(prepared.wide, 2)
    space = input_space(inputs, config["index"]["indices"]["asem"], prepared.framework, sorted(wides), index="asem")
    engine = BatchedIndex(prepared, wides, space)
    rng = np.random.default_rng(seed)
    choices = space.choices(rng.uniform(size=(8, len(space.variables))))
    scores = engine.scores(choices, batch=3)
    ranks = engine.ranks(scores)
    for i in range(len(choices)):
        expect, expect_rank = ordinary_root(prepared, wides, space, choices, i)
        np.testing.assert_allclose(scores[i], expect, rtol=0, atol=1e-10)
        np.testing.assert_array_equal(ranks[i], expect_rank)


def test_batched_equals_ordinary_engine_with_shifted_geometric_means(config, prepared) -> None:
    """The default inputs (min-max [0, 100] and z-score: geometric means of values <= 0 are shifted)."""
    inputs = merged_config("config/test/asem_uncertainty.yaml")["uncertainty"]["inputs"]
    inputs["normalisation"] = {
        "vary": True,
        "alternatives": [{"method": "minmax", "range": [0, 100]}, {"method": "zscore"}],
    }
    inputs["treatment"] = {"vary": True, "untreated": True, "winmax": [2]}
    inputs["aggregation"] = {"vary": True, "methods": ["geometric"], "on_nonpositive": "shift"}
    space = input_space(inputs, config["index"]["indices"]["asem"], prepared.framework, [0], index="asem")
    engine = BatchedIndex(prepared, {0: prepared.wide}, space)
    choices = space.choices(np.random.default_rng(9).uniform(size=(6, len(space.variables))))
    scores = engine.scores(choices)
    for i in range(len(choices)):
        expect, _ = ordinary_root(prepared, {0: prepared.wide}, space, choices, i)
        np.testing.assert_allclose(scores[i], expect, rtol=0, atol=1e-10)


def test_refused_nonpositive_geometric_means_name_the_setting(config, prepared) -> None:
    inputs = merged_config("config/test/asem_uncertainty.yaml")["uncertainty"]["inputs"]
    inputs["normalisation"] = {"vary": True, "alternatives": [{"method": "zscore"}]}
    inputs["aggregation"] = {"vary": True, "methods": ["geometric"], "on_nonpositive": "refuse"}
    space = input_space(inputs, config["index"]["indices"]["asem"], prepared.framework, [0], index="asem")
    engine = BatchedIndex(prepared, {0: prepared.wide}, space)
    with pytest.raises(ConfigError, match="on_nonpositive"):
        engine.scores(space.choices(np.full((2, len(space.variables)), 0.5)))
