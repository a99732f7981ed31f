"""The divide figures draw from the divide stage's tables, with their titles, source note and what they claim."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scripts.core.plotting import plt
from scripts.divide.between import Bootstrap, inequality_table
from scripts.divide.convergence import beta_table
from scripts.divide.decompose import decomposition_table
from scripts.divide.distance import time_distance_table
from scripts.divide.gaps import gap_table
from scripts.divide.gender import gender_coverage
from scripts.publish import figures_divide
from scripts.publish.style import SOURCE

CATALOGUE = pd.DataFrame({"indicator": ["net"], "name": ["Individuals using the Internet (% of population)"]})
MEASURES = ["net", "index:ict"]


def values() -> pd.DataFrame:
    rng = np.random.default_rng(1)
    rows = []
    for i in range(24):
        group = ("L", "LM", "UM", "H")[i % 4]
        start = 1 + 10 * (i % 4) + rng.uniform(0, 3)
        for year in range(2000, 2006):
            for measure in MEASURES:
                value = min(99.0, start * (1.3 ** (year - 2000)) / (1 + (i % 4) * 0.1))
                basis = "with_imputed" if measure.startswith("index:") else "observed"
                rows.append((measure, basis, f"E{i:02d}", year, value, 1000.0 * (i + 1), f"R{i % 3}", group))
    cols = ["measure", "basis", "iso3", "year", "value", "population", "region", "income_group"]
    return pd.DataFrame(rows, columns=cols)


def texts(fig: plt.Figure) -> str:
    return " ".join(t.get_text() for t in fig.findobj(plt.Text))


@pytest.fixture(scope="module")
def tables():
    v = values()
    inequality, _ = inequality_table(v, Bootstrap(reps=20, level=0.9, seed=0))
    decomposition, _ = decomposition_table(v)
    gaps, _ = gap_table(v, 0.1)
    beta, _ = beta_table(v, {"net"}, logit_shares=True)
    distance = time_distance_table(v, "high_income_mean").assign(
        income_group=lambda d: d["iso3"].map(v.drop_duplicates("iso3").set_index("iso3")["income_group"])
    )
    return v.rename(columns={"income_group": "group_income"}), inequality, decomposition, gaps, beta, distance


def test_measure_names_come_from_the_catalogue():
    names = figures_divide.measure_names(MEASURES, CATALOGUE)
    assert names == {
        "net": "Individuals using the Internet (% of population)",
        "index:ict": "Composite index 'ict' (score)",
    }


def test_every_divide_figure_draws_with_title_and_source(tables):
    v, inequality, decomposition, gaps, beta, distance = tables
    names = figures_divide.measure_names(MEASURES, CATALOGUE)
    groups = v.drop_duplicates("iso3").set_index("iso3")["group_income"]
    figures = {
        "Lorenz": figures_divide.lorenz_figure(v, inequality, names, "observed"),
        "between income groups": figures_divide.decomposition_figure(decomposition, names, "observed"),
        "absolute and relative gaps": figures_divide.gaps_figure(gaps, names, "observed"),
        "beta-convergence": figures_divide.convergence_figure(v, beta, names, "observed", groups),
        "years behind": figures_divide.time_distance_figure(distance, names),
    }
    for title, fig in figures.items():
        text = texts(fig)
        assert title in text and SOURCE in text
        plt.close(fig)


def test_lorenz_legend_gives_the_gini_of_the_table(tables):
    v, inequality, *_ = tables
    fig = figures_divide.lorenz_figure(v, inequality, {"net": "Internet"}, "observed")
    g = inequality[(inequality["measure"] == "net") & (inequality["year"] == 2005)]
    g = g[(g["weighting"] == "economies") & (g["statistic"] == "gini")]["value"].iloc[0]
    assert f"2005, economies, Gini {g:.2f}" in texts(fig)
    plt.close(fig)


def test_the_gender_figure_says_it_is_a_snapshot():
    gender = pd.DataFrame(
        {
            "iso3": ["A", "B", "C"],
            "region": ["R1", "R1", "R2"],
            "income_group": ["L", "H", "UM"],
            "year": [2017, 2018, 2016],
            "female": [10.0, 80.0, 50.0],
            "male": [20.0, 82.0, 50.0],
            "gap": [-10.0, -2.0, 0.0],
            "ratio": [0.5, 80 / 82, 1.0],
            "n_years": [1, 1, 1],
            "snapshot": [True, True, True],
        }
    )
    groups = gender[["iso3", "region", "income_group"]]
    coverage = gender_coverage(gender.drop(columns=["region", "income_group"]), groups, 3, 2000, 2015)
    fig = figures_divide.gender_figure(gender, coverage)
    text = texts(fig)
    assert "snapshot of levels, not a trend" in text and "3 economies covered; 3 have a single year" in text
    assert "(1 of 1 economies)" in text
    plt.close(fig)
