"""Tests of scripts.index.denominate: COINr's x / (denominator / ScaleFactor), errors, and prepare_index's step."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scripts.core.errors import ConfigError, InputError
from scripts.index.denominate import coinr_denomby, denominate, denomination_spec
from scripts.index.prepare import prepare_index

IDX = pd.MultiIndex.from_product([["AAA", "BBB"], [2000, 2001]], names=["iso3", "year"])


def test_denominate_by_hand_with_scale_factor_and_missing_values():
    wide = pd.DataFrame({"exports": [10.0, 20.0, 30.0, np.nan], "lpi": [3.0, 3.1, 2.9, 3.0]}, index=IDX)
    denoms = pd.DataFrame({"gdp": [100.0, 200.0, np.nan, 50.0]}, index=IDX)
    out = denominate(wide, denoms, {"exports": ("gdp", 1000.0)})
    # 10 / (100 / 1000) = 100, 20 / 0.2 = 100; a missing denominator or value stays missing.
    assert out["exports"].tolist()[:2] == [100.0, 100.0]
    assert out["exports"].iloc[2:].isna().all()
    pd.testing.assert_series_equal(out["lpi"], wide["lpi"])  # not in the spec: untouched
    # Rows are matched by label, not position.
    shuffled = denominate(wide, denoms.iloc[::-1], {"exports": ("gdp", 1000.0)})
    pd.testing.assert_frame_equal(out, shuffled)


def test_zero_and_absent_denominators_are_located_errors():
    wide = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0]}, index=IDX)
    with pytest.raises(InputError, match="BBB 2000"):
        denominate(wide, pd.DataFrame({"area": [1.0, 1.0, 0.0, 1.0]}, index=IDX), {"x": ("area", 1.0)})
    with pytest.raises(ConfigError, match="population"):
        denominate(wide, pd.DataFrame({"area": [1.0] * 4}, index=IDX), {"x": ("population", 1.0)})
    # An indicator screened out of the index is simply skipped.
    pd.testing.assert_frame_equal(denominate(wide, pd.DataFrame(index=IDX), {"gone": ("area", 1.0)}), wide)


def test_specs_from_config_and_from_coinr_imeta():
    assert denomination_spec({"x": {"by": "population"}, "y": {"by": "gdp_usd", "scale": 100}}) == {
        "x": ("population", 1.0),
        "y": ("gdp_usd", 100.0),
    }
    assert denomination_spec(None) == {}
    with pytest.raises(ConfigError, match="scale"):
        denomination_spec({"x": {"by": "population", "scale": 0}})
    imeta = pd.DataFrame(
        {"iCode": ["a", "b", "P"], "Type": ["Indicator", "Indicator", "Aggregate"], "Denominator": ["GDP", None, None]}
    )
    assert coinr_denomby(imeta) == {"a": ("GDP", 1.0)}


def test_prepare_index_denominates_with_panel_indicators():
    framework = pd.DataFrame(
        {
            "node": ["idx", "exports", "net"],
            "parent": ["", "idx", "idx"],
            "weight": [1, 1, 1],
            "direction": [np.nan, 1, 1],
            "name": ["Index", "Exports", "Net"],
        }
    ).astype(str)
    framework.loc[0, "direction"] = ""
    rows = [(u, y, ind, v) for (u, y), v in zip(IDX, [1, 2, 3, 4]) for ind in ["exports", "net", "gdp_usd"]]
    point = pd.DataFrame(rows, columns=["iso3", "year", "indicator", "value"]).assign(draw=0)
    point["value"] = point["value"].astype(float) * np.where(point["indicator"] == "gdp_usd", 10.0, 1.0)
    settings = {
        "normalisation": {"method": "minmax"},
        "weighting": "explicit",
        "aggregation": "arithmetic",
        "min_share": 0.0,
        "on_nonpositive": "refuse",
        "treatment": {"method": "none"},
        "denominate": {"exports": {"by": "gdp_usd", "scale": 100}},
    }
    cat = pd.DataFrame({"indicator": ["exports", "net", "gdp_usd"], "themes": ["", "", ""]})
    screening = pd.DataFrame(columns=["kind", "item", "decision", "reason"])
    prepared = prepare_index(settings, framework, cat, point, screening, 2000, 2001)
    assert prepared.wide["exports"].tolist() == [10.0] * 4  # v / (10 v / 100)
    assert prepared.wide["net"].tolist() == [1.0, 2.0, 3.0, 4.0]
    assert list(prepared.wide.columns) == ["exports", "net"]
