"""Outcome selection, the measured / modelled-estimate tag and the data threshold."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scripts.core.errors import ConfigError
from scripts.models.outcomes import estimated_shares, outcome_basis, outcome_coverage, select_outcomes

CATALOGUE = pd.DataFrame(
    {
        "indicator": ["a", "b", "c", "x"],
        "name": ["Forest area", "Employment ratio", "Maternal mortality (modelled estimate)", "Internet"],
        "description": ["", "", "", ""],
        "role": ["outcome", "outcome", "outcome", "use"],
    }
)


def test_all_selects_every_outcome_and_an_unknown_id_is_refused() -> None:
    assert list(select_outcomes(CATALOGUE, "all")["indicator"]) == ["a", "b", "c"]
    with pytest.raises(ConfigError, match="'x'"):
        select_outcomes(CATALOGUE, ["a", "x"])


def test_the_tag_rests_on_the_type_column_the_title_and_the_documentation() -> None:
    trail = pd.DataFrame(
        {
            "indicator": pd.Categorical(["a"] * 4 + ["b"] * 2 + ["c"]),
            "note": pd.Categorical(["type=E", "type=E", "type=C", "type=E; footnote=3", "", "source=x", ""]),
        }
    )
    shares = estimated_shares(trail, ["a", "b", "c"])
    assert shares.set_index("outcome")["n_typed"].to_dict() == {"a": 4, "b": 0, "c": 0}
    assert shares.set_index("outcome").at["a", "share_estimated"] == pytest.approx(0.75)
    basis = outcome_basis(CATALOGUE.iloc[:3], shares, {"b": "ILO modelled estimate"}).set_index("outcome")
    assert basis["basis"].to_dict() == {"a": "modelled estimate", "b": "modelled estimate", "c": "modelled estimate"}
    assert "75% of 4 typed cells" in basis.at["a", "basis_evidence"]
    assert "ILO" in basis.at["b", "basis_evidence"]
    assert "series title" in basis.at["c", "basis_evidence"]
    mostly_measured = outcome_basis(
        CATALOGUE.iloc[:1], pd.DataFrame({"outcome": ["a"], "n_typed": [10], "share_estimated": [0.2]}), {}
    )
    assert mostly_measured["basis"].tolist() == ["measured"]


def test_an_outcome_below_the_threshold_is_listed_with_the_reason() -> None:
    rows = [("E1", y, "a", 1.0) for y in range(2000, 2006)] + [("E2", y, "a", 1.0) for y in range(2000, 2003)]
    rows += [(f"E{i}", y, "b", np.nan) for i in range(3) for y in range(2000, 2010)]
    values = pd.DataFrame(rows, columns=["iso3", "year", "indicator", "value"])
    cov = outcome_coverage(values, ["a", "b"], min_economies=1, min_years=5).set_index("outcome")
    assert cov.loc["a", ["n_obs", "n_economies", "n_economies_enough", "status"]].tolist() == [9, 2, 1, "modelled"]
    assert cov.loc["b", "status"] == "excluded" and "0 economies have >= 5 observed years" in cov.loc["b", "reason"]
    strict = outcome_coverage(values, ["a"], min_economies=2, min_years=5)
    assert strict["status"].tolist() == ["excluded"] and "2 are needed" in strict["reason"].iloc[0]
