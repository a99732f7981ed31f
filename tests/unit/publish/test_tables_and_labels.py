"""Published tables carry names and integer ranks, round only on publication, and write identical workbooks."""

from __future__ import annotations

import io
import time
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from scripts.publish.labels import readable, with_names
from scripts.publish.tables import external_validation_table, publication_frame, ranking_table, write_publication
from scripts.publish.workbook import SHEET_NAME_MAX, workbook_bytes

ECONOMIES = pd.DataFrame(
    {
        "iso3": ["AAA", "BBB", "CCC"],
        "name": ["Aland", "Bland", "Cland"],
        "region": ["R1", "R1", "R2"],
        "income_group": ["H", "L", "UM"],
        "wb": True,
        "in_panel": True,
    }
)


def scores() -> pd.DataFrame:
    rows = []
    for iso3, s, r, sub in (("AAA", 70.04, 1.0, 60.0), ("BBB", 10.0, 3.0, 5.0), ("CCC", 40.06, 2.0, 30.0)):
        rows += [(iso3, 2015, "ict", s, r), (iso3, 2015, "use", sub, r), (iso3, 2014, "ict", s - 1, r)]
    return pd.DataFrame(rows, columns=["iso3", "year", "node", "score", "rank"])


def test_ranking_table_has_names_groups_integer_ranks_best_first() -> None:
    table = ranking_table(scores(), ECONOMIES, root="ict", sub_indices=["use"], year=2015)
    assert table["iso3"].tolist() == ["AAA", "CCC", "BBB"]
    assert table["economy"].tolist() == ["Aland", "Cland", "Bland"]
    assert table["income_group"].tolist() == ["High income", "Upper middle income", "Low income"]
    assert table["rank"].dtype == "int64" and table["rank"].tolist() == [1, 2, 3]
    assert table.loc[0, "score"] == 70.04 and table.loc[0, "use"] == 60.0  # full precision until published


def test_rank_bands_join_the_ranking() -> None:
    bands = pd.DataFrame(
        {
            "iso3": ["AAA", "BBB", "CCC"],
            "year": 2015,
            "rank_p05": [1, 2, 1],
            "median_rank": [1, 3, 2],
            "rank_p95": [2, 3, 3],
        }
    )
    table = ranking_table(scores(), ECONOMIES, root="ict", sub_indices=[], year=2015, bands=bands)
    assert table[["rank_p05", "rank_p95"]].values.tolist() == [[1, 2], [1, 3], [2, 3]]


def test_publication_rounds_floats_only_and_renames(tmp_path: Path) -> None:
    table = ranking_table(scores(), ECONOMIES, root="ict", sub_indices=["use"], year=2015)
    pub = publication_frame(table, headers={"economy": "Economy"})
    assert pub["score"].tolist() == [70.0, 40.1, 10.0] and pub["rank"].tolist() == [1, 2, 3]
    paths = write_publication(pub, tmp_path / "ranking", caption="The ranking", label="tab:r")
    assert [p.suffix for p in paths] == [".csv", ".md", ".tex", ".html"]
    md = paths[1].read_text()
    assert md.startswith("The ranking\n") and "| Economy" in md and "Aland" in md
    tex = paths[2].read_text()
    assert "\\caption{The ranking}" in tex and "\\label{tab:r}" in tex


def test_workbook_is_identical_on_a_rerun_and_reads_back() -> None:
    sheets = {"ranking": pd.DataFrame({"a": [1, 2], "b": [0.5, np.nan], "c": ["x", None]})}
    first = workbook_bytes(sheets)
    time.sleep(1.1)  # openpyxl and zip stamp the time of day; the writer must not
    assert workbook_bytes(sheets) == first
    rows = list(openpyxl.load_workbook(io.BytesIO(first))["ranking"].values)
    assert rows == [("a", "b", "c"), (1, 0.5, "x"), (2, None, None)]
    with pytest.raises(ValueError, match="longer than"):
        workbook_bytes({"x" * (SHEET_NAME_MAX + 1): sheets["ranking"]})


def test_labels() -> None:
    assert readable("internet_users_pct") == "Internet users (%)" and readable("mobile_per100") == "Mobile per 100"
    named = with_names(pd.DataFrame({"iso3": ["BBB"], "v": [1]}), ECONOMIES)
    assert list(named.columns) == ["iso3", "economy", "region", "income_group", "v"]


def test_the_html_table_names_its_caption_and_right_aligns_numbers(tmp_path: Path) -> None:
    table = publication_frame(ranking_table(scores(), ECONOMIES, root="ict", sub_indices=[], year=2015))
    page = write_publication(table, tmp_path / "r", caption="A & B", label="t")[3].read_text()
    assert "<b>A &amp; B</b>" in page and "<td>Aland</td>" in page
    score_column = list(table.columns).index("score") + 1
    assert f"td:nth-child({score_column}),th:nth-child({score_column}){{text-align:right}}" in page
    # Text columns, wherever they stand, keep the default left alignment.
    region_column = list(table.columns).index("region") + 1
    assert f"td:nth-child({region_column})," not in page and "text-align:left}" in page


def test_a_value_that_does_not_apply_is_blank_in_markdown_not_nan(tmp_path: Path) -> None:
    df = pd.DataFrame({"item": ["a", "b"], "threshold": [0.65, np.nan]})
    md = write_publication(df, tmp_path / "t", caption="c", label="l")[1].read_text()
    assert "nan" not in md.lower() and "| b      |" in md


def test_external_validation_of_every_index_in_one_table() -> None:
    def rows(rho: float) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "reference": ["idi2017"],
                "label": ["ITU IDI 2017"],
                "data_year": [2016],
                "our_year": [2015],
                "year_gap": [-1],
                "n_common": [170],
                "spearman_rho": [rho],
                "spearman_p": [1e-90],
                "pearson_r": [rho - 0.01],
            }
        )

    table = external_validation_table({"ict": rows(0.96), "idi": rows(0.99)})
    assert table.columns[0] == "index" and "spearman_p" not in table.columns
    assert table["index"].tolist() == ["ict", "idi"] and table["spearman_rho"].tolist() == [0.96, 0.99]
