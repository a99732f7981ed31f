"""Tests of scripts.index.compute_index: a hand-computed index, the ITU IDI worked example,
contributions that add up, invariance to row order, per-level choices and errors."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from scripts.core.errors import ConfigError
from scripts.index.engine import IndexSpec, NormSpec, compute_index
from scripts.index.framework import load_framework
from scripts.index.weights import pca_weights

NAN = np.nan


def fw_table(rows):
    return load_framework(pd.DataFrame(rows, columns=["node", "parent", "weight", "direction"]))


# IDX -> P (1) -> a (1, +1), b (1, -1)
#     -> Q (1) -> c (1, +1)
FW = fw_table(
    [
        ("IDX", "", NAN, NAN),
        ("P", "IDX", 1, NAN),
        ("a", "P", 1, 1),
        ("b", "P", 1, -1),
        ("Q", "IDX", 1, NAN),
        ("c", "Q", 1, 1),
    ]
)

# rows: A2000, A2001, B2000, B2001, C2000, C2001
IDX = pd.MultiIndex.from_product([["A", "B", "C"], [2000, 2001]], names=["iso3", "year"])
DATA = pd.DataFrame(
    {
        "a": [0, 10, 5, 10, 10, NAN],
        "b": [10, 0, 5, NAN, 0, 5],
        "c": [2, 4, 0, 2, 4, 4],
        "unused": [1, 2, 3, 4, 5, 6],
    },
    index=IDX,
    dtype=float,
)


def score(res, unit, year, node):
    return res.node_scores.loc[(unit, year), node]


def test_hand_computed_index():
    res = compute_index(DATA, FW)
    # min-max over the pooled panel, 0..100:
    #   a (min 0, max 10):           A00 0,  A01 100, B00 50, B01 100, C00 100, C01 NaN
    #   b (direction -1: (10-b)/10): A00 0,  A01 100, B00 50, B01 NaN, C00 100, C01 50
    #   c (min 0, max 4):            A00 50, A01 100, B00 0,  B01 50,  C00 100, C01 100
    assert res.normalised["b"].tolist()[:3] == pytest.approx([0, 100, 50])
    # P = mean of available (a, b): A00 0, A01 100, B00 50, B01 100 (a only), C00 100, C01 50 (b only)
    assert res.node_scores["P"].tolist() == pytest.approx([0, 100, 50, 100, 100, 50])
    # IDX = (P + Q) / 2: 25, 100, 25, 75, 100, 75
    assert res.node_scores["IDX"].tolist() == pytest.approx([25, 100, 25, 75, 100, 75])
    assert list(res.node_scores.columns) == ["IDX", "P", "a", "b", "Q", "c"]

    s = res.scores.set_index(["iso3", "year", "node"])
    # ranks within the year, 1 = best, ties share the lowest rank:
    # 2000: C 100 -> 1, A 25 and B 25 -> 2; 2001: A 100 -> 1, B 75 and C 75 -> 2
    assert s.loc[("C", 2000, "IDX"), "rank"] == 1 and s.loc[("A", 2000, "IDX"), "rank"] == 2
    assert s.loc[("B", 2000, "IDX"), "rank"] == 2
    assert s.loc[("A", 2001, "IDX"), "rank"] == 1 and s.loc[("C", 2001, "IDX"), "rank"] == 2
    # a is missing for C2001: no score row, and the other ranks ignore it (A 100 and B 100 tie at 1)
    assert ("C", 2001, "a") not in s.index
    assert s.loc[("A", 2001, "a"), "rank"] == 1 and s.loc[("B", 2001, "a"), "rank"] == 1
    assert list(res.scores.columns) == ["iso3", "year", "node", "score", "rank"]

    c = res.contributions.set_index(["iso3", "year", "node", "indicator"])["contribution"].sort_index()
    # B2001 to IDX: a = 0.5 (P in IDX) * 1 (a alone in P) * 100 = 50; b missing -> no row; c = 0.5 * 50 = 25
    assert c[("B", 2001, "IDX", "a")] == pytest.approx(50)
    assert c[("B", 2001, "IDX", "c")] == pytest.approx(25)
    assert ("B", 2001, "IDX", "b") not in c.index
    # A2000 to IDX: a 0.25 * 0, b 0.25 * 0, c 0.5 * 50 = 25
    assert c.loc[("A", 2000, "IDX")].to_dict() == pytest.approx({"a": 0, "b": 0, "c": 25})
    assert c[("C", 2001, "P", "b")] == pytest.approx(50)

    w = res.weights.set_index("node")
    assert w["weight"].to_dict() == pytest.approx({"P": 0.5, "a": 0.5, "b": 0.5, "Q": 0.5, "c": 1.0})
    assert w["effective"].to_dict() == pytest.approx({"P": 0.5, "a": 0.25, "b": 0.25, "Q": 0.5, "c": 0.5})
    assert w.loc["a", "parent"] == "P"


def test_min_share_blanks_thin_aggregates():
    # min_share 0.6: P of B2001 (only a, share 0.5) and of C2001 (only b) -> NaN, and then IDX of
    # those rows has only Q (share 0.5) -> NaN too
    res = compute_index(DATA, FW, IndexSpec(min_share=0.6))
    assert math.isnan(score(res, "B", 2001, "P")) and math.isnan(score(res, "B", 2001, "IDX"))
    assert score(res, "A", 2000, "IDX") == pytest.approx(25)
    assert not ((res.scores["iso3"] == "B") & (res.scores["year"] == 2001) & (res.scores["node"] == "IDX")).any()
    c = res.contributions
    b01 = (c["iso3"] == "B") & (c["year"] == 2001)
    assert not (b01 & c["node"].isin(["P", "IDX"])).any()
    # Q of B2001 still has c alone (share 1): its contribution is c's normalised value, 50
    assert c.loc[b01 & (c["node"] == "Q"), "contribution"].tolist() == pytest.approx([50])


def contributions_add_up(res) -> float:
    """Largest |sum of contributions - score| over all (unit, year, aggregate)."""
    c = res.contributions.groupby(["iso3", "year", "node"])["contribution"].sum()
    s = res.scores.set_index(["iso3", "year", "node"])["score"]
    aggs = list(res.framework.aggregates)
    s = s[s.index.get_level_values("node").isin(aggs)]
    assert set(c.index) == set(s.index)
    return float((c - s.reindex(c.index)).abs().max())


def random_panel(seed: int, n_units: int = 12, n_years: int = 3, missing: float = 0.15) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    idx = pd.MultiIndex.from_product(
        [[f"U{i:02d}" for i in range(n_units)], range(2000, 2000 + n_years)], names=["iso3", "year"]
    )
    df = pd.DataFrame(rng.gamma(2.0, 10.0, size=(len(idx), 7)), index=idx, columns=[f"i{j}" for j in range(7)])
    # a few exact ties and zeros after normalisation
    df.iloc[::5, 0] = df.iloc[0, 0]
    return df.mask(rng.random(df.shape) < missing)


# three levels, uneven weights, mixed directions, a pillar with one indicator
FW3 = fw_table(
    [
        ("IDX", "", NAN, NAN),
        ("S1", "IDX", 2, NAN),
        ("P1", "S1", 1, NAN),
        ("i0", "P1", 1, 1),
        ("i1", "P1", 2, -1),
        ("i2", "P1", 1, 1),
        ("P2", "S1", 3, NAN),
        ("i3", "P2", 1, 1),
        ("i4", "P2", 1, -1),
        ("S2", "IDX", 1, NAN),
        ("P3", "S2", 1, NAN),
        ("i5", "P3", 1, 1),
        ("i6", "S2", 1, 1),
    ]
)

SPECS = {
    "arithmetic": IndexSpec(),
    "arithmetic_min_share": IndexSpec(min_share=0.5),
    "geometric_1_100": IndexSpec(NormSpec(params={"range": (1, 100)}), aggregation="geometric"),
    "geometric_shift": IndexSpec(aggregation="geometric", on_nonpositive="shift"),
    "harmonic_shift": IndexSpec(aggregation="harmonic", on_nonpositive="shift"),
    "copeland_pillars": IndexSpec(aggregation={2: "copeland", "default": "arithmetic"}),
    "mixed": IndexSpec(
        NormSpec("zscore"),
        aggregation={"P1": "harmonic", 3: "geometric", "default": "arithmetic"},
        on_nonpositive="shift",
        weighting={"S1": "pca", "default": "equal"},
    ),
    "balance": IndexSpec(weighting={"IDX": "balance", "default": "explicit"}, final_scale=0.1),
    "rank_by_year": IndexSpec(NormSpec("rank", time="by_year")),
}


@pytest.mark.parametrize("name", list(SPECS))
@pytest.mark.parametrize("seed", [0, 1])
def test_contributions_sum_to_scores(name, seed):
    res = compute_index(random_panel(seed), FW3, SPECS[name])
    assert contributions_add_up(res) < 1e-8


@pytest.mark.parametrize("name", list(SPECS))
def test_row_order_changes_nothing(name):
    df = random_panel(7)
    shuffled = df.sample(frac=1.0, random_state=3)
    a = compute_index(df, FW3, SPECS[name])
    b = compute_index(shuffled, FW3, SPECS[name])
    pd.testing.assert_frame_equal(a.node_scores, b.node_scores)
    pd.testing.assert_frame_equal(a.scores, b.scores)
    pd.testing.assert_frame_equal(a.contributions, b.contributions)
    pd.testing.assert_frame_equal(a.weights, b.weights)


@pytest.mark.parametrize("weighting", ["explicit", "equal", "pca", "balance"])
def test_applied_weights_sum_to_one(weighting):
    res = compute_index(random_panel(2, missing=0.0), FW3, IndexSpec(weighting=weighting))
    w = res.weights
    for parent in FW3.aggregates:
        assert w.loc[w["parent"] == parent, "weight"].sum() == pytest.approx(1.0)
    assert w.loc[w["node"].isin(FW3.leaves), "effective"].sum() == pytest.approx(1.0)
    assert (w["weight"] >= 0).all()
    if weighting == "pca":
        # the table reports the weights actually applied: PCA of P1's normalised children
        expected = pca_weights(res.normalised[["i0", "i1", "i2"]])
        got = w.set_index("node").loc[["i0", "i1", "i2"], "weight"]
        assert got.tolist() == pytest.approx(expected.tolist())
        assert not got.tolist() == pytest.approx([0.25, 0.5, 0.25])  # differs from the explicit weights


def test_per_node_and_per_level_choices():
    # P: geometric by node name; level 3 (IDX): harmonic; the rest by default arithmetic.
    # Normalise to (1, 100) so the means need no shift.
    spec = IndexSpec(
        NormSpec(params={"range": (1, 100)}),
        aggregation={"P": "geometric", 3: "harmonic", "default": "arithmetic"},
        weighting={"Q": "equal"},
    )
    res = compute_index(DATA.drop(columns="unused"), FW, spec)
    n = res.normalised
    # A2000: a = 1, b = 1 (both at the minimum) -> P = sqrt(1 * 1) = 1; c = 1 + 0.5 * 99 = 50.5
    # IDX = harmonic(1, 50.5) = 2 / (1 + 1 / 50.5) = 101 / 51.5
    assert n.loc[("A", 2000)].tolist() == pytest.approx([1, 1, 50.5])
    assert score(res, "A", 2000, "P") == pytest.approx(1.0)
    assert score(res, "A", 2000, "IDX") == pytest.approx(101 / 51.5)
    # B2000: a = b = 50.5 -> P = 50.5; c = 1 -> IDX = 2 / (1/50.5 + 1) = 101 / 51.5 too
    assert score(res, "B", 2000, "IDX") == pytest.approx(101 / 51.5)


def test_final_scale_and_time_modes():
    base = compute_index(DATA, FW)
    scaled = compute_index(DATA, FW, IndexSpec(final_scale=0.1))
    assert scaled.node_scores["IDX"].tolist() == pytest.approx((base.node_scores["IDX"] / 10).tolist())
    # the normalised indicators are not rescaled
    pd.testing.assert_frame_equal(scaled.normalised, base.normalised)
    assert contributions_add_up(scaled) < 1e-9
    # base year 2000: a's bounds are [0, 10] in 2000 as well; c's are [0, 4]; b's [0, 10] -> unchanged here
    by_base = compute_index(DATA, FW, IndexSpec(NormSpec(time="base_year", base_year=2000)))
    pd.testing.assert_frame_equal(by_base.node_scores, base.node_scores)
    # by year: 2001's c ranges over [2, 4], so B2001's c (2) becomes 0 instead of 50
    by_year = compute_index(DATA, FW, IndexSpec(NormSpec(time="by_year")))
    assert by_year.normalised.loc[("B", 2001), "c"] == 0.0
    assert base.normalised.loc[("B", 2001), "c"] == 50.0


def test_geometric_on_zeros_refuses_or_shifts():
    # min-max to 0..100 puts the minimum at 0
    with pytest.raises(ConfigError, match="geometric aggregation of node 'P'.*strictly positive") as err:
        compute_index(DATA, FW, IndexSpec(aggregation="geometric"))
    assert "(1, 100)" in str(err.value)
    res = compute_index(DATA, FW, IndexSpec(aggregation="geometric", on_nonpositive="shift"))
    assert np.isfinite(res.node_scores[["P", "Q", "IDX"]].to_numpy()).all()
    # A2000: a = b = 0 -> P = sqrt((0 + 1)(0 + 1)) - 1 = 0
    assert score(res, "A", 2000, "P") == pytest.approx(0.0)
    assert contributions_add_up(res) < 1e-9


def test_input_errors():
    with pytest.raises(ConfigError, match="\\['c'\\] of the framework are not columns"):
        compute_index(DATA.drop(columns="c"), FW)
    with pytest.raises(ConfigError, match="duplicate rows"):
        compute_index(pd.concat([DATA, DATA.iloc[:1]]), FW)
    with pytest.raises(ConfigError, match="MultiIndex"):
        compute_index(DATA.reset_index(), FW)
    with pytest.raises(ConfigError, match="'R'.*neither an aggregate"):
        compute_index(DATA, FW, IndexSpec(aggregation={"R": "geometric"}))
    with pytest.raises(ConfigError, match="neither an aggregate"):
        compute_index(DATA, FW, IndexSpec(weighting={7: "equal"}))
    with pytest.raises(ConfigError, match="unknown weighting"):
        compute_index(DATA, FW, IndexSpec(weighting="entropy"))
    with pytest.raises(ConfigError, match="base_year"):
        compute_index(DATA, FW, IndexSpec(NormSpec(time="base_year")))
    with pytest.raises(ConfigError, match="base_year"):
        compute_index(DATA, FW, IndexSpec(NormSpec(base_year=2000)))
    with pytest.raises(ConfigError, match="final_scale"):
        compute_index(DATA, FW, IndexSpec(final_scale=0))
    with pytest.raises(ConfigError, match="pca_negative"):
        compute_index(DATA, FW, IndexSpec(pca_negative="flip"))  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="balance targets given for \\['a'\\]"):
        compute_index(DATA, FW, IndexSpec(weighting="balance", balance_target={"a": {"x": 1}}))


def test_without_contributions_and_unnamed_levels():
    plain = DATA.copy()
    plain.index = plain.index.set_names([None, None])
    res = compute_index(plain, FW, with_contributions=False)
    with pytest.raises(ValueError, match="with_contributions=True"):
        _ = res.contributions
    assert list(res.scores.columns)[:2] == ["unit", "year"]
    pd.testing.assert_frame_equal(
        res.node_scores.reset_index(drop=True), compute_index(DATA, FW).node_scores.reset_index(drop=True)
    )


def test_itu_idi_worked_example():
    """IDI = 10 * (0.4 Access + 0.4 Use + 0.2 Skills), value / reference capped at 1 (REFERENCE.md s.3)."""
    rows = [("IDI", "", NAN, NAN), ("ACC", "IDI", 0.4, NAN), ("USE", "IDI", 0.4, NAN), ("SKL", "IDI", 0.2, NAN)]
    rows += [(i, "ACC", 0.2, 1) for i in ("tel", "mob", "bw", "hhcomp", "hhint")]
    rows += [(i, "USE", 1 / 3, 1) for i in ("iu", "fbb", "mbb")]
    rows += [(i, "SKL", 1 / 3, 1) for i in ("mys", "ger2", "ger3")]
    fw = fw_table(rows)
    idx = pd.MultiIndex.from_tuples([("XXX", 2015), ("XXX", 2016), ("YYY", 2016)], names=["iso3", "year"])
    data = pd.DataFrame(
        {
            "tel": [30, 30, 75],
            "mob": [130, 130, 100],
            "bw": [200_000, 200_000, 10**7],
            "hhcomp": [50, 50, 80],
            "hhint": [60, 60, 85],
            "iu": [55, 55, 90],
            "fbb": [15, 15, 40],
            "mbb": [80, 80, 120],
            "mys": [12, 12, 13.5],
            "ger2": [90, 90, 105],
            "ger3": [40, 40, 70],
        },
        index=idx,
        dtype=float,
    )
    refs = {
        "tel": 60,
        "mob": 120,
        "hhcomp": 100,
        "hhint": 100,
        "iu": 100,
        "fbb": 60,
        "mbb": 100,
        "mys": 15,
        "ger2": 100,
        "ger3": 100,
    }
    spec = IndexSpec(
        NormSpec("distance_to_reference", params={"reference": refs, "log_reference": {"bw": 6.33}, "cap": 1.0}),
        weighting="explicit",
        aggregation="arithmetic",
        final_scale=10,
    )
    res = compute_index(data, fw, spec)
    # XXX: Access = 0.2 * (30/60 + min(130/120, 1) + log10(200000)/6.33 + 50/100 + 60/100)
    access = 0.2 * (0.5 + 1.0 + math.log10(200_000) / 6.33 + 0.5 + 0.6)
    use = (0.55 + 15 / 60 + 0.8) / 3
    skills = (12 / 15 + 0.9 + 0.4) / 3
    idi = 10 * (0.4 * access + 0.4 * use + 0.2 * skills)
    assert idi == pytest.approx(6.28329, abs=1e-5)  # the same arithmetic, rounded by hand
    assert score(res, "XXX", 2015, "IDI") == pytest.approx(idi, rel=1e-12)
    assert score(res, "XXX", 2015, "ACC") == pytest.approx(10 * access, rel=1e-12)
    assert res.normalised.loc[("XXX", 2015), "mob"] == 1.0  # 130 / 120 capped
    # fixed references: the same values score the same in every year
    assert score(res, "XXX", 2016, "IDI") == score(res, "XXX", 2015, "IDI")
    # YYY: tel 75/60, ger2 105/100, mbb 120/100 and bandwidth log10(1e7) = 7 > 6.33 are all capped at 1
    yyy_access = 0.2 * (1 + 100 / 120 + 1 + 0.8 + 0.85)
    yyy_use = (0.9 + 40 / 60 + 1) / 3
    yyy_skills = (13.5 / 15 + 1 + 0.7) / 3
    yyy = 10 * (0.4 * yyy_access + 0.4 * yyy_use + 0.2 * yyy_skills)
    assert score(res, "YYY", 2016, "IDI") == pytest.approx(yyy, rel=1e-12)
    s = res.scores.set_index(["iso3", "year", "node"])["rank"]
    assert s[("YYY", 2016, "IDI")] == 1 and s[("XXX", 2016, "IDI")] == 2
    assert contributions_add_up(res) < 1e-12
    # the effective weight of each Access indicator in the IDI is 0.4 * 0.2 = 0.08
    w = res.weights.set_index("node")["effective"]
    assert w["tel"] == pytest.approx(0.08) and w["mys"] == pytest.approx(0.2 / 3)
