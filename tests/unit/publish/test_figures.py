"""Every published figure draws from small tables, with its title, units, source note and the data it claims."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scripts.core.plotting import plt
from scripts.publish import figures_index, figures_quality
from scripts.publish.profiles import ProfileData, economies_to_profile, imputed_share, profile_figure
from scripts.publish.style import SOURCE

UNITS = ["AAA", "BBB", "CCC", "DDD"]
ECONOMIES = pd.DataFrame(
    {
        "iso3": UNITS + ["TER"],
        "name": ["Aland", "Bland", "Cland", "Dland", "Territory"],
        "region": ["R1", "R1", "R2", "R2", ""],
        "income_group": ["H", "L", "UM", "LM", ""],
        "wb": [True, True, True, True, False],
        "in_panel": True,
    }
)
YEARS = [2014, 2015]


def scores() -> pd.DataFrame:
    rows = []
    for k, iso3 in enumerate(UNITS):
        for y in YEARS:
            for node, base in (("ict", 20), ("use", 10), ("read", 30), ("x1", 40), ("x2", 50)):
                rows.append((iso3, y, node, base + 10 * k + (y - 2014), 0.0))
    s = pd.DataFrame(rows, columns=["iso3", "year", "node", "score", "rank"])
    s["rank"] = s.groupby(["year", "node"])["score"].rank(ascending=False, method="min")
    return s


def texts(fig: plt.Figure) -> str:
    return " ".join(t.get_text() for t in fig.findobj(plt.Text))


def test_ranking_lists_every_economy_best_first_with_the_year_and_source() -> None:
    fig = figures_index.ranking_figure(scores(), ECONOMIES, root="ict", title="Test index")
    labels = [t.get_text() for ax in fig.axes for t in ax.get_yticklabels()]
    assert labels == ["1. Dland", "2. Cland", "3. Bland", "4. Aland"]
    assert "Test index: scores in 2015" in texts(fig) and SOURCE in texts(fig) and "index score (0-100)" in texts(fig)
    plt.close(fig)


def test_ranking_with_bands_draws_them() -> None:
    bands = pd.DataFrame({"iso3": UNITS, "year": 2015, "rank_p05": [3, 2, 1, 1], "rank_p95": [4, 4, 3, 2]})
    fig = figures_index.ranking_figure(scores(), ECONOMIES, root="ict", title="T", bands=bands)
    assert "rank band" in texts(fig)
    plt.close(fig)


def test_group_means_are_unweighted_by_the_group_of_each_year() -> None:
    groups = pd.DataFrame(
        {
            "iso3": UNITS * 2,
            "year": [2014] * 4 + [2015] * 4,
            "region": ["R1", "R1", "R2", "R2"] * 2,
            "income_group": ["H", "L", "H", "L", "H", "H", "H", "L"],
        }
    )
    means = figures_index.group_means(scores(), groups, root="ict", by="income_group")
    h2015 = means[(means["year"] == 2015) & (means["group"] == "H")].iloc[0]
    assert h2015["n"] == 3 and h2015["mean"] == pytest.approx((21 + 31 + 41) / 3)
    fig = figures_index.trends_figure(scores(), groups, root="ict", title="T")
    assert "High income (n=3)" in texts(fig)
    plt.close(fig)


def test_tile_map_draws_world_bank_economies_and_names_those_off_the_grid() -> None:
    tiles = pd.DataFrame({"iso3": ["AAA", "BBB", "CCC", "TER"], "x": [0, 1, 2, 3], "y": [0, 0, 1, 1]})
    fig = figures_index.tile_map_figure(scores(), ECONOMIES, tiles, root="ict", title="T")
    squares = [t.get_text() for t in fig.axes[0].texts]
    assert squares == ["AAA", "BBB", "CCC"]  # the territory is not a World Bank economy
    assert "Not on the grid: Dland" in texts(fig)
    plt.close(fig)


def test_profiles_figure_has_one_bar_group_per_node_and_says_who_is_missing() -> None:
    fig = figures_index.profiles_figure(
        scores(), ECONOMIES, nodes=["use", "read"], node_names={"use": "Use"}, selected=["AAA", "ZZZ"], title="T"
    )
    assert "No score for ZZZ" in texts(fig) and "Use" in texts(fig)
    plt.close(fig)
    # Selected economies the data do not hold at all (a synthetic run with the default list): a page that says so.
    fig = figures_index.profiles_figure(
        scores(), ECONOMIES, nodes=["use"], node_names={}, selected=["KEN", "ZZZ"], title="T"
    )
    assert "none of the selected economies has a score" in texts(fig) and "No score for KEN, ZZZ" in texts(fig)
    plt.close(fig)


def test_observed_shares_and_the_missingness_heatmap() -> None:
    panel = pd.DataFrame(
        {"iso3": ["AAA", "BBB", "AAA"], "year": [2014, 2014, 2015], "indicator": ["i", "i", "i"], "value": 1.0}
    )
    shares = figures_quality.observed_shares(panel, UNITS, 2014, 2015)
    assert shares.loc["i"].tolist() == [0.5, 0.25]
    fig = figures_quality.missingness_figure(shares, {"i": "use"}, {"i": "An indicator"}, n_economies=4)
    assert "An indicator [use]" in texts(fig) and "share of the 4 World Bank economies observed" in texts(fig)
    plt.close(fig)


def test_node_correlations_use_one_year_across_economies() -> None:
    corr = figures_quality.node_correlations(scores(), year=2015, leaves=["x1"], aggregates=["ict"], min_economies=3)
    assert corr.loc["x1", "ict"] == pytest.approx(1.0)  # both rise by 10 per economy
    fig = figures_quality.coherence_figure(corr, {}, title="T", year=2015)
    assert "1.00" in texts(fig)
    plt.close(fig)


def test_profile_page_and_the_imputed_share() -> None:
    imputed = pd.DataFrame(
        {
            "iso3": "AAA",
            "year": 2015,
            "indicator": ["x1", "x2", "x3", "x4"],
            "draw": 0,
            "value": [1.0, 2.0, np.nan, 3.0],
            "status": ["observed", "model", "missing", "observed"],
            "method": "",
        }
    )
    assert imputed_share(imputed, "AAA", ["x1", "x2", "x3", "x4"]) == pytest.approx(1 / 3)
    contributions = pd.DataFrame(
        {"iso3": "AAA", "year": 2015, "indicator": ["x1", "x2"], "node": "ict", "contribution": [8.0, 13.0]}
    )
    strengths = pd.DataFrame(
        {
            "iso3": "AAA",
            "year": 2015,
            "kind": ["strength", "weakness"],
            "position": [1, 1],
            "indicator": ["x2", "x1"],
            "rank": [1.0, 4.0],
            "value": [1.0, 0.0],
        }
    )
    outcomes = pd.DataFrame({"iso3": "AAA", "year": [2014, 2015], "indicator": "o1", "value": [5.0, 4.0]})
    data = ProfileData(scores(), contributions, strengths, imputed, outcomes, ECONOMIES, {"o1": "An outcome"})
    fig = profile_figure(
        data, "AAA", root="ict", sub_indices=["use"], outcomes=["o1", "o2"], title="T", window=(2014, 2015)
    )
    text = texts(fig)
    # The index's indicators are x1 and x2 (those with contributions): one of the two cells is imputed.
    assert "T: Aland" in text and "they add up to 21.0" in text and "50% of the economy's cells" in text
    assert "no observed data" in text  # o2 has none
    plt.close(fig)
    assert economies_to_profile("all", scores(), "ict") == UNITS
    assert economies_to_profile(["DDD", "ZZZ"], scores(), "ict") == ["DDD"]
