"""Monte Carlo replications: seeding independent of the chunking, rank bands and their summaries."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from support.uncertainty import toy_engine

from scripts.core.errors import InvariantError
from scripts.uncertainty.bands import band_years, chunk_replications, rank_bands, replication_choices, replication_table


def test_chunks_cover_every_replication_once() -> None:
    parts = [chunk_replications(10, 4, k) for k in range(4)]
    assert [len(p) for p in parts] == [3, 3, 2, 2]
    np.testing.assert_array_equal(np.concatenate(parts), np.arange(10))
    with pytest.raises(InvariantError):
        chunk_replications(10, 4, 4)


def replications(engine, n: int, chunks: int, seed: int = 7) -> pd.DataFrame:
    parts = []
    for k in range(chunks):
        reps = chunk_replications(n, chunks, k)
        parts.append(replication_table(engine, reps, engine.scores(replication_choices(engine.space, seed, reps))))
    return pd.concat(parts, ignore_index=True)


def test_results_are_identical_for_any_number_of_chunks() -> None:
    engine = toy_engine()
    one = replications(engine, 40, 1)
    four = replications(engine, 40, 4)
    pd.testing.assert_frame_equal(one, four)
    assert not one.equals(replications(engine, 40, 1, seed=8))  # the seed matters


def nominal_of(engine) -> pd.DataFrame:
    choices = engine.space.nominal
    scores = engine.scores(choices)
    t = replication_table(engine, np.array([0]), scores)
    return t.drop(columns="replication")


def test_bands_contain_the_nominal_rank_when_the_nominal_choice_is_sampled() -> None:
    engine = toy_engine()
    reps = replications(engine, 30, 2)
    nominal = nominal_of(engine)
    # the nominal choice joins the sample as one more replication
    extra = nominal.assign(replication=np.int64(30))[reps.columns]
    bands = rank_bands(pd.concat([reps, extra], ignore_index=True), nominal)
    assert ((bands["rank_min"] <= bands["nominal_rank"]) & (bands["nominal_rank"] <= bands["rank_max"])).all()
    assert (bands["rank_p05"] <= bands["median_rank"]).all() and (bands["median_rank"] <= bands["rank_p95"]).all()
    np.testing.assert_allclose(bands["band_width"], bands["rank_p95"] - bands["rank_p05"])
    assert bands["replications"].between(1, 31).all()  # min_share leaves some economy-years unscored at times


def test_bands_by_hand() -> None:
    """Two economies, one year, five replications: percentiles by numpy's linear interpolation."""
    reps = pd.DataFrame(
        {
            "replication": np.repeat(np.arange(5), 2),
            "iso3": ["AAA", "BBB"] * 5,
            "year": 2000,
            "score": [5.0, 1.0, 4.0, 2.0, 1.0, 3.0, 6.0, 2.0, 7.0, 1.0],
            "rank": [1.0, 2.0, 1.0, 2.0, 2.0, 1.0, 1.0, 2.0, 2.0, 1.0],
        }
    )
    nominal = pd.DataFrame({"iso3": ["AAA", "BBB"], "year": 2000, "score": [5.0, 1.0], "rank": [1.0, 2.0]})
    b = rank_bands(reps, nominal).set_index("iso3")
    # AAA's ranks sorted: 1 1 1 2 2 -> p05 = 1 (position 0.2), median 1, p95 = 2 (position 3.8)
    assert b.loc["AAA", ["rank_p05", "median_rank", "rank_p95"]].tolist() == pytest.approx([1.0, 1.0, 2.0])
    # BBB's: 1 1 2 2 2 -> median 2
    assert b.loc["BBB", "median_rank"] == 2.0
    # AAA's scores sorted: 1 4 5 6 7 -> p05 = 1 + 0.2 * 3 = 1.6, p95 = 6 + 0.8 * 1 = 6.8
    assert b.loc["AAA", ["score_p05", "score_median", "score_p95"]].tolist() == pytest.approx([1.6, 5.0, 6.8])
    assert b.loc["BBB", "rank_min"] == 1.0 and b.loc["BBB", "rank_max"] == 2.0
    years = band_years(rank_bands(reps, nominal), widest=1)
    assert years.loc[0, "mean_width"] == 1.0
    assert years.loc[0, "widest"] == "AAA"  # equal widths: alphabetical


def test_a_replication_scores_the_same_alone_or_in_a_batch() -> None:
    """Bit for bit: a replication's result must not depend on which others share its batch (or chunk)."""
    engine = toy_engine()
    u = np.tile(np.random.default_rng(2).uniform(size=(1, len(engine.space.variables))), (64, 1))
    u[:, -3:] = np.random.default_rng(3).uniform(size=(64, 3))  # same data triple, different weights
    choices = engine.space.choices(u)
    together = engine.scores(choices, batch=64)
    for i in (0, 17, 63):
        np.testing.assert_array_equal(engine.scores(choices.take(np.array([i]))), together[[i]])
