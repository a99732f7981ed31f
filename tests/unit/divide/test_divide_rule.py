"""The divide rule end to end on tiny files: degenerate measures give recorded exclusions, never a crash."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

from scripts.core import tables
from scripts.core.contract import read_table, write_table
from scripts.core.errors import ConfigError
from scripts.divide.stage import divide

OUTPUTS = {
    "values": "values.parquet",
    "inequality": "inequality.csv",
    "imputation": "imputation_effect.csv",
    "decomposition": "decomposition.csv",
    "gaps": "gaps.csv",
    "gap_trends": "gap_trends.csv",
    "sigma": "sigma_convergence.csv",
    "beta": "beta_convergence.csv",
    "diffusion": "diffusion.csv",
    "time_distance": "time_distance.csv",
    "gender": "gender_gap.csv",
    "gender_coverage": "gender_coverage.csv",
    "exclusions": "exclusions.csv",
}


def run(tmp_path: Path, panel_rows: list[tuple], measures: list[str]) -> Path:
    """Write tiny input tables, run the divide rule on them, return the output folder."""
    inp = tmp_path / "in"
    inp.mkdir(parents=True)
    economies = pd.DataFrame(
        {
            "iso3": ["AAA", "BBB"],
            "name": ["Aland", "Bland"],
            "region": ["R1", "R2"],
            "income_group": ["L", "H"],
            "wb": [True, True],
            "in_panel": [True, True],
        }
    )
    write_table(economies, inp / "economies.csv", tables.ECONOMIES)
    classification = pd.DataFrame(
        [(i, y, r, g, "history") for i, r, g in (("AAA", "R1", "L"), ("BBB", "R2", "H")) for y in range(2000, 2004)],
        columns=["iso3", "year", "region", "income_group", "income_basis"],
    )
    write_table(classification, inp / "classification.csv", tables.CLASSIFICATION_BY_YEAR)
    panel = pd.DataFrame(panel_rows, columns=["iso3", "year", "indicator", "value"])
    panel = panel.assign(source="s", series="x", file="f", row=1, column="c")
    write_table(panel, inp / "panel.parquet", tables.PANEL)
    imputed = pd.DataFrame(columns=list(tables.IMPUTED.columns))
    write_table(imputed, inp / "imputed.parquet", tables.IMPUTED)
    catalogue = tmp_path / "indicators.csv"
    catalogue.write_text("indicator,name,unit\nnet,Internet users,percent\npop,Population,persons\n")
    out = tmp_path / "out"
    out.mkdir()
    snakemake = SimpleNamespace(
        input=SimpleNamespace(
            indicators=str(catalogue),
            panel=str(inp / "panel.parquet"),
            economies=str(inp / "economies.csv"),
            classification=str(inp / "classification.csv"),
            imputed=str(inp / "imputed.parquet"),
            index_scores=[],
            frameworks=[],
        ),
        output=SimpleNamespace(**{k: str(out / v) for k, v in OUTPUTS.items()}),
        params=SimpleNamespace(
            first=2000,
            last=2003,
            economies="world_bank",
            seed=1,
            population_indicator="pop",
            measures=measures,
            basis="observed",
            income_groups="first_year",
            bootstrap={"reps": 20, "level": 0.9},
            decile_share=0.1,
            hac_lags=1,
            logit_shares=True,
            diffusion={"min_points": 4, "min_r2": 0.9, "max_saturation": 1.5, "midpoint_margin": 5},
            reference="high_income_mean",
            gender={"female": "f", "male": "m"},
            index_measures=[],
            indices=["ict"],
        ),
        log=[],
    )
    divide(snakemake)
    return out


def test_a_single_economy_and_an_empty_year_are_recorded_exclusions(tmp_path: Path) -> None:
    # one economy has the measure, and not in 2002
    rows = [("AAA", y, "net", v) for y, v in ((2000, 1.0), (2001, 2.0), (2003, 5.0))]
    rows += [(i, y, "pop", 10.0) for i in ("AAA", "BBB") for y in range(2000, 2004)]
    out = run(tmp_path, rows, ["net"])
    for name, file in OUTPUTS.items():
        assert (out / file).exists(), name
    assert read_table(out / "inequality.csv", tables.INEQUALITY).empty
    excluded = read_table(out / "exclusions.csv", tables.EXCLUSIONS)
    reasons = set(zip(excluded["analysis"], excluded["reason"]))
    assert ("all", "no value in this year") in reasons
    assert ("inequality gini (economies)", "fewer than 2 economies") in reasons
    assert any(a.startswith("beta-convergence") for a, _ in reasons)
    empty_year = excluded[excluded["reason"] == "no value in this year"]
    assert empty_year["year"].tolist() == [2002, 2002]  # both bases
    diffusion = read_table(out / "diffusion.csv", tables.DIFFUSION)
    assert diffusion["flag"].tolist() == ["refused"] and diffusion["economy"].tolist() == ["Aland"]


def test_a_measure_without_any_value_is_recorded_and_an_unknown_one_refused(tmp_path: Path) -> None:
    rows = [(i, y, "pop", 10.0) for i in ("AAA", "BBB") for y in range(2000, 2004)]
    out = run(tmp_path / "a", rows, ["net"])
    excluded = read_table(out / "exclusions.csv", tables.EXCLUSIONS)
    assert excluded["reason"].str.startswith("no value in the analysis window").any()
    with pytest.raises(ConfigError, match="not an indicator of the catalogue"):
        run(tmp_path / "b", rows, ["nett"])
