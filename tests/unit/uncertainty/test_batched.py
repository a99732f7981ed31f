"""The batched engine equals the ordinary engine; choices map from the unit cube without bias."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from support.uncertainty import (
    TOY_INDEX,
    TOY_INPUTS,
    chain_data,
    noisy_chains,
    noisy_draws,
    ordinary_root,
    toy_engine,
    toy_prepared,
)

from scripts.core.errors import ConfigError
from scripts.uncertainty.inputs import input_space


@pytest.mark.parametrize("seed", [11, 12, 13, 14])
def test_batched_equals_ordinary_engine_on_the_toy_index(seed) -> None:
    """min_share 0.5 with missing cells, shifted geometric means, left-out indicators emptying a pillar,
    alternative chains that leave more cells missing or fill some."""
    engine = toy_engine()
    space = engine.space
    prepared = toy_prepared()
    wides, chains = noisy_draws(prepared.wide, 2), noisy_chains(prepared.wide)  # the toy engine's data
    choices = space.choices(np.random.default_rng(seed).uniform(size=(10, len(space.variables))))
    scores = engine.scores(choices, batch=4)
    ranks = engine.ranks(scores)
    for i in range(len(choices)):
        expect, expect_rank = ordinary_root(prepared, wides, space, choices, i, chains)
        np.testing.assert_allclose(scores[i], expect, rtol=0, atol=1e-10)
        np.testing.assert_array_equal(ranks[i], expect_rank)


def test_discrete_choices_are_equally_likely_and_cover_the_unit_interval() -> None:
    space = toy_engine().space
    assert space.discrete == {
        "imputation": 3,
        "imputation_chain": 3,
        "treatment": 3,
        "normalisation": 2,
        "aggregation": 2,
        "leave_one_out": 6,
    }
    n = len(space.variables)
    # a fine grid of u on [0, 1]: every alternative takes exactly its 1/n share, u = 1 the last
    u = np.tile(((np.arange(600) + 0.5) / 600)[:, None], (1, n))
    c = space.choices(u)
    assert np.bincount(c.treatment).tolist() == [200, 200, 200]
    assert np.bincount(c.dropped).tolist() == [100] * 6
    assert space.choices(np.ones((1, n))).dropped[0] == 5
    assert space.choices(np.zeros((1, n))).dropped[0] == 0
    # weight factors: uniform within +/- 25% of nominal
    assert c.factors[:, list(space.perturbed)].min() == pytest.approx(0.75, abs=1e-3)
    assert c.factors[:, list(space.perturbed)].max() == pytest.approx(1.25, abs=1e-3)
    assert (c.factors[:, 0] == 1).all()  # the root


def test_a_chain_takes_the_draws_perturbation_and_chain_0_is_the_draw_itself() -> None:
    engine = toy_engine()
    prepared = toy_prepared()
    wides, chains = noisy_draws(prepared.wide, 2), noisy_chains(prepared.wide)
    for d in range(3):
        assert engine.data(d, 0) is engine._wides[d]  # bit for bit: no arithmetic on the chains in use
        for c in (1, 2):
            got = engine.data(d, c)
            pd.testing.assert_frame_equal(got, chain_data(wides, chains, d, c))
            # missing where the chain is missing; where draw 0 is missing the chain's value is kept as it is
            assert got.isna().equals(chains[c].isna())
            fills = prepared.wide.isna() & chains[c].notna()
            np.testing.assert_array_equal(got.to_numpy()[fills.to_numpy()], chains[c].to_numpy()[fills.to_numpy()])
    # the perturbation is the draw's: chain 1 + (draw 2 - draw 0) moves as draw 2 moves from draw 0
    step = (engine.data(2, 1) - chains[1]).to_numpy()
    ok = chains[1].notna().to_numpy() & prepared.wide.notna().to_numpy()
    np.testing.assert_allclose(step[ok], (wides[2] - wides[0]).to_numpy()[ok], rtol=0, atol=1e-12)


def test_fixed_inputs_take_no_coordinate_and_the_nominal_choice() -> None:
    inputs = {k: {**v, "vary": False} for k, v in TOY_INPUTS.items()}
    space = toy_engine(inputs).space
    assert space.variables == [] and space.inputs == []
    assert space.treatments == (2,)  # the index's own winmax
    assert space.nominal is not None and space.nominal.dropped.tolist() == [0]


def test_data_driven_weights_are_refused_with_the_key() -> None:
    with pytest.raises(ConfigError, match="weighting"):
        input_space(TOY_INPUTS, {**TOY_INDEX, "weighting": "pca"}, toy_prepared().framework, [0], index="toy")


def test_ranks_equal_the_engine_ranks_with_ties_gaps_and_missing_scores() -> None:
    from scripts.index.normalise import group_rank

    engine = toy_engine()
    rng = np.random.default_rng(4)
    scores = rng.integers(0, 5, size=(7, len(engine.index))).astype(float)  # many ties
    scores[rng.uniform(size=scores.shape) < 0.2] = np.nan
    expect = group_rank(-scores.T, engine.year_codes, "min").T
    np.testing.assert_array_equal(engine.ranks(scores), expect)


def test_ranks_of_one_year_alone_equal_its_ranks_among_all_years() -> None:
    engine = toy_engine()
    scores = np.random.default_rng(5).normal(size=(4, len(engine.index)))
    rows = np.flatnonzero(engine.years == engine.years.max())
    np.testing.assert_array_equal(engine.ranks(scores[:, rows], rows), engine.ranks(scores)[:, rows])
