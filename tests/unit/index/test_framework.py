"""Tests of scripts.framework: validation, tree queries, weights, derived frameworks, overlap guard."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scripts.core.errors import ConfigError
from scripts.index.framework import (
    framework_from_coinr_imeta,
    load_framework,
)
from scripts.index.overlap import check_no_overlap, outcome_disjoint


def table(rows: list[tuple]) -> pd.DataFrame:
    cols = ["node", "parent", "weight", "direction", "themes"]
    return pd.DataFrame([r + ("",) * (len(cols) - len(r)) for r in rows], columns=cols)


# IDX -> A (w 2) -> a1 (1), a2 (3)
#     -> B (w 1) -> b1 (1)
#                -> C (w 1) -> c1 (1), c2 (1)
ROWS = [
    ("IDX", "", np.nan, np.nan),
    ("A", "IDX", 2, np.nan),
    ("a1", "A", 1, 1, "education"),
    ("a2", "A", 3, -1, "ICT;Health"),
    ("B", "IDX", 1, np.nan),
    ("b1", "B", 1, 1),
    ("C", "B", 1, np.nan),
    ("c1", "C", 1, 1, "poverty"),
    ("c2", "C", 1, 1),
]


@pytest.fixture
def fw():
    return load_framework(table(ROWS))


def test_structure(fw):
    assert fw.root == "IDX"
    assert fw.leaves == ("a1", "a2", "b1", "c1", "c2")
    assert fw.children("B") == ("b1", "C")
    assert fw.children("a1") == ()
    assert fw.parent("c1") == "C" and fw.parent("IDX") == ""
    assert [fw.depth(n) for n in ("IDX", "A", "a1", "C", "c2")] == [0, 1, 2, 2, 3]
    # COINr levels: leaves 1; C = 2; A = 2; B = 1 + max(b1=1, C=2) = 3; IDX = 1 + max(2, 3) = 4
    assert [fw.level(n) for n in ("a1", "C", "A", "B", "IDX")] == [1, 2, 2, 3, 4]
    assert fw.leaves_under("B") == ("b1", "c1", "c2")
    assert fw.leaves_under("IDX") == fw.leaves
    assert fw.leaves_under("a2") == ("a2",)
    assert fw.ancestors("c1") == ("C", "B", "IDX")
    assert fw.directions().to_dict() == {"a1": 1, "a2": -1, "b1": 1, "c1": 1, "c2": 1}
    assert fw.themes("a2") == frozenset({"ict", "health"})
    with pytest.raises(KeyError):
        fw.children("nope")


def test_bottom_up_puts_children_first(fw):
    order = fw.bottom_up()
    pos = {n: i for i, n in enumerate(order)}
    assert sorted(order) == sorted(fw.nodes)
    for n in fw.nodes:
        for c in fw.children(n):
            assert pos[c] < pos[n]
    assert fw.aggregates == ("A", "C", "B", "IDX")


def test_weights_normalised_per_parent(fw):
    w = fw.weights()
    # A: 2/(2+1); a1: 1/(1+3); a2: 3/4; B: 1/3; b1, C: 1/2; c1, c2: 1/2; root 1
    assert w["A"] == pytest.approx(2 / 3)
    assert w["a1"] == pytest.approx(0.25) and w["a2"] == pytest.approx(0.75)
    assert w["B"] == pytest.approx(1 / 3) and w["C"] == pytest.approx(0.5)
    assert w["IDX"] == 1.0
    for parent in fw.aggregates:
        assert sum(w[c] for c in fw.children(parent)) == pytest.approx(1.0)


def test_path_weight(fw):
    # c1 -> C (1/2) -> B (1/2) -> IDX (1/3): 1/2 * 1/2 * 1/3 = 1/12
    assert fw.path_weight("c1", "IDX") == pytest.approx(1 / 12)
    assert fw.path_weight("c1", "B") == pytest.approx(1 / 4)
    assert fw.path_weight("a2", "IDX") == pytest.approx(0.75 * 2 / 3)
    assert fw.path_weight("b1", "b1") == 1.0
    assert sum(fw.path_weight(leaf, "IDX") for leaf in fw.leaves) == pytest.approx(1.0)
    with pytest.raises(ValueError):
        fw.path_weight("a1", "B")


def test_with_weights_renormalises(fw):
    fw2 = fw.with_weights({"a1": 3, "B": 2})
    assert fw2.weights()["a1"] == pytest.approx(0.5)  # 3 / (3 + 3)
    assert fw2.weights()["B"] == pytest.approx(0.5)  # 2 / (2 + 2)
    assert fw.weights()["a1"] == pytest.approx(0.25)  # the original is unchanged
    with pytest.raises(ConfigError, match="not in the framework"):
        fw.with_weights({"zz": 1})
    with pytest.raises(ConfigError, match="weight 0"):
        fw.with_weights({"c1": 0, "c2": 0})


def test_drop_leaves_renormalises_and_prunes(fw):
    fw2 = fw.drop_leaves({"c1", "c2"})
    # C lost all its children and is dropped; B keeps b1 only (weight 1)
    assert "C" not in fw2.nodes
    assert fw2.children("B") == ("b1",)
    assert fw2.weights()["b1"] == 1.0
    assert fw2.leaves == ("a1", "a2", "b1")
    fw3 = fw.drop_leaves({"a1"})
    assert fw3.weights()["a2"] == 1.0
    with pytest.raises(ConfigError, match="not leaves"):
        fw.drop_leaves({"A"})
    with pytest.raises(ConfigError, match="empty"):
        fw.drop_leaves(set(fw.leaves))


@pytest.mark.parametrize(
    "rows, match, row",
    [
        ([("I", "", 1, np.nan), ("x", "I", 1, 1), ("x", "I", 1, 1)], "'x' is listed twice", 4),
        ([("I", "", 1, np.nan), ("J", "", 1, np.nan), ("x", "I", 1, 1)], "2 roots", 3),
        ([("I", "Z", 1, np.nan), ("x", "I", 1, 1)], "parent 'Z' of node 'I'", 2),
        ([("I", "", 1, np.nan), ("x", "P", 1, 1)], "parent 'P' of node 'x'", 3),
        ([("I", "", 1, np.nan), ("x", "I", -1, 1)], "weight of node 'x'", 3),
        ([("I", "", 1, np.nan), ("x", "I", np.inf, 1)], "weight of node 'x'", 3),
        ([("I", "", 1, np.nan), ("x", "I", "heavy", 1)], "weight of node 'x'", 3),
        ([("I", "", 1, np.nan), ("x", "I", 0, 1), ("y", "I", 0, 1)], "all children of 'I'", 3),
        ([("I", "", 1, np.nan), ("x", "I", 1, 2)], "direction of indicator 'x'", 3),
        ([("I", "", 1, np.nan), ("x", "I", 1, np.nan)], "direction of indicator 'x'", 3),
        ([("I", "", 1, np.nan), ("x", "I", 1, 1), ("", "I", 1, 1)], "empty node id", 4),
    ],
)
def test_validation_names_node_and_row(rows, match, row):
    with pytest.raises(ConfigError, match=match) as err:
        load_framework(table(rows), source="config/frameworks/x.csv")
    assert err.value.row == row
    assert err.value.file == "config/frameworks/x.csv"
    assert err.value.fix


def test_cycle_is_detected():
    # I is the root; a -> b -> a is a loop detached from it
    rows = [("I", "", 1, np.nan), ("x", "I", 1, 1), ("a", "b", 1, np.nan), ("b", "a", 1, np.nan)]
    with pytest.raises(ConfigError, match="cycle"):
        load_framework(table(rows))


def test_no_root_and_missing_columns():
    with pytest.raises(ConfigError, match="0 roots"):
        load_framework(table([("a", "b", 1, 1), ("b", "a", 1, 1)]))
    with pytest.raises(ConfigError, match="lacks columns"):
        load_framework(pd.DataFrame({"node": ["I"], "parent": [""]}))


def test_root_weight_and_aggregate_direction_are_ignored():
    fw = load_framework(table([("I", "", np.nan, 7), ("x", "I", 2, -1)]))
    assert fw.weights()["I"] == 1.0 and fw.weights()["x"] == 1.0
    assert fw.directions().to_dict() == {"x": -1}


def test_to_frame_round_trips(fw):
    again = load_framework(fw.to_frame())
    assert again.nodes == fw.nodes
    pd.testing.assert_series_equal(again.weights(), fw.weights())


def test_outcome_disjoint_drops_overlapping_leaves(fw):
    clean = outcome_disjoint(fw, {"Education", "poverty"})
    # a1 (education) and c1 (poverty) go; A keeps a2, C keeps c2
    assert clean.leaves == ("a2", "b1", "c2")
    assert clean.weights()["a2"] == 1.0 and clean.weights()["c2"] == 1.0
    assert outcome_disjoint(fw, {"transport"}) is fw
    with pytest.raises(ConfigError, match="every indicator"):
        outcome_disjoint(load_framework(table([("I", "", 1, np.nan), ("x", "I", 1, 1, "edu")])), {"edu"})


def test_check_no_overlap(fw):
    check_no_overlap(fw, "B", "u5mr", {"health"})  # B holds b1, c1 (poverty), c2: no health
    with pytest.raises(ConfigError, match="overlaps the outcome") as err:
        check_no_overlap(fw, "IDX", "u5mr", {"health"})
    assert "a2 (health)" in err.value.problem
    with pytest.raises(ConfigError, match="is the outcome itself"):
        check_no_overlap(fw, "C", "c2", set())
    with pytest.raises(ConfigError, match="not a node"):
        check_no_overlap(fw, "Q", "c2", set())
    check_no_overlap(outcome_disjoint(fw, {"health"}), "IDX", "u5mr", {"health"})


def test_themes_are_inherited_by_the_overlap_guard():
    rows = [("I", "", 1, np.nan), ("SKL", "I", 1, np.nan, "Education"), ("ger2", "SKL", 1, 1), ("iu", "I", 1, 1)]
    fw = load_framework(table(rows))
    assert fw.themes("ger2") == frozenset() and fw.themes("ger2", inherited=True) == {"education"}
    with pytest.raises(ConfigError, match="ger2 \\(education\\)"):
        check_no_overlap(fw, "I", "primary_completion", {"education"})
    assert outcome_disjoint(fw, {"education"}).leaves == ("iu",)
    assert fw.name("ger2") == "ger2"


def test_framework_from_coinr_imeta():
    imeta = pd.DataFrame(
        {
            "Level": [1, 1, 2, 3, np.nan, np.nan],
            "iCode": ["i1", "i2", "P", "Index", "G", "Den"],
            "iName": ["one", "two", "Pillar", "The index", "group", "denominator"],
            "Direction": [1, -1, 1, 1, np.nan, np.nan],
            "Weight": [1, 2, 1, 1, np.nan, np.nan],
            "Parent": ["P", "P", "Index", np.nan, np.nan, np.nan],
            "Type": ["Indicator", "Indicator", "Aggregate", "Aggregate", "Group", "Denominator"],
        }
    )
    t = framework_from_coinr_imeta(imeta)
    assert t["node"].tolist() == ["i1", "i2", "P", "Index"]
    fw = load_framework(t)
    assert fw.name("P") == "Pillar"
    assert fw.root == "Index" and fw.leaves == ("i1", "i2")
    assert fw.directions().to_dict() == {"i1": 1, "i2": -1}
    assert fw.weights()["i2"] == pytest.approx(2 / 3)
    assert fw.level("Index") == 3


@st.composite
def random_trees(draw):
    """A random tree: node k > 0 hangs under a random earlier node; random weights."""
    n = draw(st.integers(2, 25))
    parents = [""] + [f"n{draw(st.integers(0, k - 1))}" for k in range(1, n)]
    weights = draw(st.lists(st.floats(0.01, 10), min_size=n, max_size=n))
    rows = [(f"n{k}", parents[k], weights[k], 1) for k in range(n)]
    return table(rows)


@settings(max_examples=60, deadline=None)
@given(random_trees())
def test_random_trees_weights_sum_to_one(t):
    fw = load_framework(t)
    w = fw.weights()
    for parent in fw.aggregates:
        assert math.isclose(sum(w[c] for c in fw.children(parent)), 1.0)
    assert math.isclose(sum(fw.path_weight(leaf, fw.root) for leaf in fw.leaves), 1.0)
    pos = {n: i for i, n in enumerate(fw.bottom_up())}
    assert all(pos[c] < pos[p] for p in fw.nodes for c in fw.children(p))
    # dropping one leaf keeps every sibling group normalised
    if len(fw.leaves) > 1:
        fw2 = fw.drop_leaves({fw.leaves[0]})
        w2 = fw2.weights()
        for parent in fw2.aggregates:
            assert math.isclose(sum(w2[c] for c in fw2.children(parent)), 1.0)
