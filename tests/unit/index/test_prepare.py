"""The index stage's own logic: leaf pruning, config translation, themes, external scores."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scripts.core.errors import ConfigError, InputError
from scripts.index.engine import compute_index
from scripts.index.external import external_table, read_published_scores
from scripts.index.framework import load_framework
from scripts.index.overlap import check_no_overlap
from scripts.index.prepare import PreparedIndex, attach_themes, index_spec, select_indicators
from scripts.index.variants import disjoint_variants

FRAMEWORK = pd.DataFrame(
    {
        "node": ["ict", "readiness", "use", "tel", "enrol", "net", "bb"],
        "parent": ["", "ict", "ict", "readiness", "readiness", "use", "use"],
        "weight": [1, 1, 1, 1, 1, 1, 1],
        "direction": [np.nan, np.nan, np.nan, 1, 1, 1, 1],
        "name": ["ICT", "Readiness", "Use", "Tel", "Enrolment", "Net", "Broadband"],
        "themes": ["", "", "", "", "", "", ""],
    }
)
CATALOGUE = pd.DataFrame({"indicator": ["tel", "enrol", "net", "bb"], "themes": ["ict", "education", "ict", "ict"]})


def imputed(units: list[str], years: list[int], indicators: list[str], seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    idx = pd.MultiIndex.from_product([units, years, indicators], names=["iso3", "year", "indicator"])
    return pd.DataFrame({"value": rng.uniform(1, 100, len(idx)), "draw": 0}, index=idx).reset_index()


def screening(excluded: dict[str, str], units_out: tuple[str, ...] = ()) -> pd.DataFrame:
    rows = [("indicator", k, "exclude", v) for k, v in excluded.items()]
    rows += [("unit", u, "exclude", "availability") for u in units_out]
    return pd.DataFrame(rows, columns=["kind", "item", "decision", "reason"])


def test_themes_come_from_the_catalogue_unless_the_framework_gives_them() -> None:
    t = attach_themes(FRAMEWORK.assign(themes=["", "", "", "", "", "", "ict;custom"]), CATALOGUE)
    themes = dict(zip(t["node"], t["themes"]))
    assert themes["enrol"] == "education"
    assert themes["bb"] == "ict;custom"  # the framework's own tags win
    fw = load_framework(t)
    with pytest.raises(ConfigError, match="enrol"):
        check_no_overlap(fw, "ict", "primary_completion", {"education"})
    check_no_overlap(fw, "use", "primary_completion", {"education"})  # clean node: no error


def test_select_indicators_prunes_leaves_and_units_with_reasons() -> None:
    fw = load_framework(FRAMEWORK)
    point = imputed(["AAA", "BBB", "CCC"], [2000, 2001, 2002], ["tel", "enrol", "net"])  # no 'bb' at all
    wide, pruned, report = select_indicators(
        point, fw, screening({"enrol": "availability 40% < 65%"}, units_out=("CCC",)), 2000, 2001
    )
    assert list(wide.columns) == ["tel", "net"]
    assert set(wide.index.get_level_values("iso3")) == {"AAA", "BBB"}
    assert set(wide.index.get_level_values("year")) == {2000, 2001}
    status = dict(zip(report["indicator"], report["status"]))
    assert status == {"tel": "used", "enrol": "excluded by screening", "net": "used", "bb": "not in the data"}
    assert set(pruned.leaves) == {"tel", "net"}
    assert pruned.weights()["readiness"] == pytest.approx(0.5)


def test_index_spec_translates_the_config_block() -> None:
    spec = index_spec(
        {
            "normalisation": {"method": "minmax", "range": [1, 100], "time": "base_year", "base_year": 2005},
            "weighting": {"default": "equal", "2": "pca"},
            "aggregation": "geometric",
            "min_share": 0.5,
            "on_nonpositive": "refuse",
            "final_scale": None,
        }
    )
    assert spec.normalisation.params == {"range": (1, 100)}
    assert spec.normalisation.base_year == 2005 and spec.normalisation.time == "base_year"
    assert spec.weighting == {"default": "equal", 2: "pca"}
    with pytest.raises(ConfigError, match="base_year"):
        index_spec(
            {
                "normalisation": {"method": "minmax", "time": "base_year"},
                "weighting": "equal",
                "aggregation": "arithmetic",
                "min_share": 0,
                "on_nonpositive": "refuse",
            }
        )


def test_variants_drop_the_outcome_theme_and_rescore() -> None:
    fw = load_framework(attach_themes(FRAMEWORK, CATALOGUE))
    point = imputed(["AAA", "BBB", "CCC", "DDD"], [2000, 2001], ["tel", "enrol", "net", "bb"])
    wide, fw2, _ = select_indicators(point, fw, screening({}), 2000, 2001)
    spec = index_spec(
        {
            "normalisation": {"method": "minmax"},
            "weighting": "explicit",
            "aggregation": "arithmetic",
            "min_share": 0.0,
            "on_nonpositive": "refuse",
        }
    )
    index = PreparedIndex(fw2, spec, wide, pd.DataFrame(), {"method": "none"})
    scores, dropped = disjoint_variants(index, ["education"])
    assert dropped.to_dict("records") == [{"variant": "without_education", "indicator": "enrol"}]
    # By hand: without 'enrol', readiness = tel's normalised value, so the root is the mean of tel and use.
    norm = (wide - wide.min()) / (wide.max() - wide.min()) * 100
    expected = 0.5 * norm["tel"] + 0.5 * (norm["net"] + norm["bb"]) / 2
    got = scores.set_index(["iso3", "year"])["score"].reindex(expected.index)
    np.testing.assert_allclose(got.to_numpy(), expected.to_numpy(), rtol=1e-12)


def test_external_table_uses_the_nearest_year_and_says_so() -> None:
    fw = load_framework(FRAMEWORK)
    point = imputed(["AAA", "BBB", "CCC", "DDD", "EEE"], [2014, 2015], ["tel", "enrol", "net", "bb"])
    wide, fw2, _ = select_indicators(point, fw, screening({}), 2014, 2015)
    res = compute_index(wide, fw2)
    root = res.scores[res.scores["node"] == "ict"]
    ours_2015 = root[root["year"] == 2015].set_index("iso3")["score"]
    published = pd.Series(ours_2015.to_numpy() * 2 + 1, index=ours_2015.index)  # a monotone transform
    table = external_table(root, [{"id": "x", "label": "X", "data_year": 2016, "scores": published}])
    row = table.iloc[0]
    assert (row["our_year"], row["year_gap"], row["n_common"]) == (2015, -1, 5)
    assert row["spearman_rho"] == pytest.approx(1.0) and row["pearson_r"] == pytest.approx(1.0)


def test_published_scores_match_codes_names_and_broken_bytes(tmp_path) -> None:
    f = tmp_path / "idi.csv"
    f.write_text(
        "Country,IDI,iso3\nIceland,8.98,ISL\nKorea (Rep.),8.85,\nC\ufffdte d'Ivoire,2.0,\n"
        "Namibia,3.1,NAM\nAtlantis,1.0,\n",
        encoding="utf-8",
    )
    names = {"iceland": "ISL", "korea rep": "KOR", "namibia": "NAM"}
    scores, unmatched = read_published_scores(
        f, "idi.csv", score_column="IDI", names=names, code_column="iso3", name_column="Country"
    )
    assert scores.to_dict() == {"CIV": 2.0, "ISL": 8.98, "KOR": 8.85, "NAM": 3.1}
    assert unmatched["name"].tolist() == ["Atlantis"] and unmatched["row"].tolist() == [6]
    bad = tmp_path / "bad.csv"
    bad.write_text("Country,IDI\nIceland,high\n")
    with pytest.raises(InputError, match="not a number"):
        read_published_scores(bad, "bad.csv", score_column="IDI", names=names, name_column="Country")
    with pytest.raises(InputError, match="column 'Score' not found"):
        read_published_scores(bad, "bad.csv", score_column="Score", names=names, name_column="Country")
