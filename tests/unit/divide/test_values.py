"""The values of the divide stage (observed vs with imputed, index scores, groups) and the gender gap."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from scripts.core.errors import ConfigError
from scripts.divide.gender import gender_coverage, gender_gap
from scripts.divide.values import check_measures, income_groups, measure_values


def panel(rows):
    return pd.DataFrame(rows, columns=["iso3", "year", "indicator", "value"])


PANEL = panel(
    [
        ("AAA", 2000, "net", 1.0),
        ("AAA", 2001, "net", 2.0),
        ("BBB", 2001, "net", 8.0),
        ("CCC", 2000, "net", 50.0),  # not an analysis economy
        ("AAA", 2000, "pop", 100.0),
        ("AAA", 2001, "pop", 110.0),
        ("BBB", 2001, "pop", 50.0),
    ]
)
IMPUTED = pd.DataFrame(
    [
        ("AAA", 2000, "net", 0, 1.0, "observed", "observed"),
        ("BBB", 2000, "net", 0, 7.0, "extrapolated", "trend"),
        ("BBB", 2000, "pop", 0, 49.0, "interpolated", "linear"),
        ("BBB", 2002, "net", 0, math.nan, "missing", ""),
    ],
    columns=["iso3", "year", "indicator", "draw", "value", "status", "method"],
)
CLASSIFICATION = pd.DataFrame(
    {"iso3": ["AAA", "AAA", "BBB", "BBB"], "year": [2000, 2001, 2000, 2001], "income_group": ["L", "LM", "H", "H"]}
)
ECONOMIES = pd.DataFrame({"iso3": ["AAA", "BBB"], "region": ["R1", "R2"], "income_group": ["UM", "H"]})


def build(measures=("net",), scores=None):
    return measure_values(
        list(measures),
        panel=PANEL,
        imputed=IMPUTED,
        index_scores=scores or {},
        units=["AAA", "BBB"],
        groups=income_groups(CLASSIFICATION, ECONOMIES, "first_year", 2000),
        regions=ECONOMIES.set_index("iso3")["region"],
        population_indicator="pop",
        first=2000,
        last=2001,
    )


def test_observed_and_with_imputed_differ_by_exactly_the_filled_cells():
    v = build()
    obs = v[v["basis"] == "observed"]
    imp = v[v["basis"] == "with_imputed"]
    assert list(zip(obs["iso3"], obs["year"])) == [("AAA", 2000), ("AAA", 2001), ("BBB", 2001)]
    assert list(zip(imp["iso3"], imp["year"], imp["value"])) == [
        ("AAA", 2000, 1.0),
        ("AAA", 2001, 2.0),
        ("BBB", 2000, 7.0),
        ("BBB", 2001, 8.0),
    ]
    # population from the panel, else the imputation (a weight); groups fixed at the first year
    assert imp.set_index(["iso3", "year"]).loc[("BBB", 2000), "population"] == 49.0
    assert set(v.loc[v["iso3"] == "AAA", "income_group"]) == {"L"}
    assert set(v.loc[v["iso3"] == "BBB", "region"]) == {"R2"}


def test_income_group_bases():
    by_year = income_groups(CLASSIFICATION, ECONOMIES, "by_year", 2000)
    assert by_year.loc[(by_year["iso3"] == "AAA"), "income_group"].tolist() == ["L", "LM"]
    current = income_groups(CLASSIFICATION, ECONOMIES, "current", 2000)
    assert set(current.loc[current["iso3"] == "AAA", "income_group"]) == {"UM"}


def test_an_index_measure_has_the_with_imputed_basis_only():
    scores = pd.DataFrame({"iso3": ["AAA", "BBB"], "year": [2000, 2000], "score": [20.0, 60.0]})
    v = build(["index:ict"], {"ict": scores})
    assert set(v["basis"]) == {"with_imputed"} and v["value"].tolist() == [20.0, 60.0]


def test_unknown_measures_are_config_errors():
    check_measures(["net", "index:ict"], {"net"}, {"ict"}, config_file="c.yaml")
    with pytest.raises(ConfigError, match="not an indicator of the catalogue"):
        check_measures(["nett"], {"net"}, {"ict"}, config_file="c.yaml")
    with pytest.raises(ConfigError, match="not an index of index.indices"):
        check_measures(["index:ictt"], {"net"}, {"ict"}, config_file="c.yaml")


def test_gender_gap_and_its_honest_coverage():
    p = panel(
        [
            ("AAA", 2017, "f", 20.0),
            ("AAA", 2017, "m", 25.0),
            ("BBB", 2014, "f", 60.0),
            ("BBB", 2014, "m", 60.0),
            ("BBB", 2018, "f", 70.0),
            ("BBB", 2018, "m", 68.0),
            ("CCC", 2018, "f", 30.0),  # no men's value: no row
        ]
    )
    g = gender_gap(p, "f", "m", ["AAA", "BBB", "CCC"])
    assert g[["iso3", "year", "gap"]].values.tolist() == [["AAA", 2017, -5.0], ["BBB", 2014, 0.0], ["BBB", 2018, 2.0]]
    assert g["ratio"].tolist() == pytest.approx([0.8, 1.0, 70 / 68])
    assert g["snapshot"].tolist() == [True, False, False]
    groups = pd.DataFrame(
        {"iso3": ["AAA", "BBB", "CCC"], "region": ["R1", "R1", "R2"], "income_group": ["L", "H", "H"]}
    )
    cov = gender_coverage(g, groups, 3, 2000, 2015).set_index(["grouping", "group"])
    overall = cov.loc[("all", "all")]
    assert (overall["n_economies"], overall["n_analysis_economies"], overall["n_snapshot"]) == (2, 3, 1)
    assert (overall["first_year"], overall["last_year"], overall["n_in_window"]) == (2014, 2018, 1)
    assert overall["median_gap"] == pytest.approx(-1.5)  # latest years: -5 and +2
    assert cov.loc[("region", "R1"), "n_analysis_economies"] == 2
