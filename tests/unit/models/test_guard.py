"""The overlap guard: outcome-disjoint variants for index measures, refusal of circular single-indicator measures."""

from __future__ import annotations

import pandas as pd
import pytest

from scripts.core.errors import ConfigError
from scripts.index.framework import load_framework
from scripts.models.guard import check_indicator_measures, resolve

CATALOGUE = pd.DataFrame(
    {
        "indicator": ["net", "tel", "enrol", "completion", "mortality", "mixed"],
        "role": ["use", "readiness", "readiness", "outcome", "outcome", "use"],
        "themes": ["ict", "ict", "education", "education", "health;child", "ict;health"],
    }
)
FRAMEWORK = load_framework(
    pd.DataFrame(
        {
            "node": ["ict", "readiness", "use", "access", "skills", "tel", "enrol", "net"],
            "parent": ["", "ict", "ict", "readiness", "readiness", "access", "skills", "use"],
            "weight": [1, 1, 1, 1, 1, 1, 1, 1],
            "direction": [None, None, None, None, None, 1, 1, 1],
            "name": ["ICT", "R", "U", "A", "S", "tel", "enrol", "net"],
            "themes": ["", "", "", "", "education", "ict", "", "ict"],
        }
    )
)


def _outcomes(*ids: str) -> pd.DataFrame:
    return CATALOGUE[CATALOGUE["indicator"].isin(ids)]


def test_an_index_containing_the_outcomes_theme_is_replaced_by_its_disjoint_variant() -> None:
    r = resolve("readiness", {"node": "readiness"}, FRAMEWORK, "completion", frozenset({"education"}))
    assert r.usable and r.variant == "without_education" and r.label == "readiness (without_education)"
    assert "enrol" in r.reason


def test_a_clean_index_is_used_as_built() -> None:
    r = resolve("use", {"node": "use"}, FRAMEWORK, "completion", frozenset({"education"}))
    assert r.usable and r.variant == "" and r.label == "use"
    assert resolve("ict", {"node": "ict"}, FRAMEWORK, "mortality", frozenset({"health", "child"})).variant == ""


def test_a_node_made_only_of_overlapping_indicators_cannot_be_modelled() -> None:
    r = resolve("skills", {"node": "skills"}, FRAMEWORK, "completion", frozenset({"education"}))
    assert not r.usable and "skills" in r.reason


def test_a_node_the_framework_lacks_is_refused() -> None:
    with pytest.raises(ConfigError, match="lacks"):
        resolve("x", {"node": "pillar_x"}, FRAMEWORK, "completion", frozenset({"education"}))


def test_a_node_the_data_left_empty_is_listed_as_not_estimable() -> None:
    r = resolve("x", {"node": "impact"}, FRAMEWORK, "completion", frozenset(), frozenset({"impact", "ict"}))
    assert not r.usable and "no 'impact'" in r.reason


def test_a_circular_single_indicator_measure_is_refused() -> None:
    """An ICT indicator sharing a theme with a modelled outcome: the configuration is circular."""
    with pytest.raises(ConfigError, match=r"overlaps the outcome 'mortality'.*health.*circular"):
        check_indicator_measures({"m": {"indicator": "mixed"}}, CATALOGUE, _outcomes("completion", "mortality"))


def test_an_outcome_or_unknown_indicator_as_measure_is_refused() -> None:
    with pytest.raises(ConfigError, match="not an ICT indicator"):
        check_indicator_measures({"m": {"indicator": "completion"}}, CATALOGUE, _outcomes("mortality"))
    with pytest.raises(ConfigError, match="not an ICT indicator"):
        check_indicator_measures({"m": {"indicator": "nope"}}, CATALOGUE, _outcomes("mortality"))


def test_a_clean_single_indicator_measure_passes() -> None:
    check_indicator_measures(
        {"net": {"indicator": "net"}, "r": {"node": "readiness"}}, CATALOGUE, _outcomes("completion")
    )
