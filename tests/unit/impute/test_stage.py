"""The impute stage's rule functions, run on small files: what each rule reads, chooses and writes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from support import job

from scripts.core import tables
from scripts.core.contract import conform, read_table, write_table
from scripts.impute import stage

YEARS = range(2000, 2010)
UNITS = [f"U{i}" for i in range(12)]


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A panel of 12 economies x 10 years: two readiness indicators with gaps, one outcome, one control."""
    tmp = tmp_path_factory.mktemp("impute_inputs")
    rng = np.random.default_rng(0)
    rows = []
    for i, u in enumerate(UNITS):
        for y in YEARS:
            t = y - 2000
            if (i + t) % 4:  # one cell in four missing
                rows.append((u, y, "r1", 10 + 5 * i + 2 * t + rng.normal()))
            if (i + 2 * t) % 5:
                rows.append((u, y, "r2", 50 + i + 3 * t + rng.normal()))
            rows.append((u, y, "o1", 100 - 2 * t - i + rng.normal()))
            rows.append((u, y, "c1", 1000 + 10 * i))
    panel = pd.DataFrame(rows, columns=["iso3", "year", "indicator", "value"])
    panel = panel.assign(source="s", series=panel["indicator"], file="f.csv", row=np.arange(len(panel)) + 2, column="v")
    write_table(
        conform(panel, tables.PANEL).sort_values(["iso3", "year", "indicator"]), tmp / "panel.parquet", tables.PANEL
    )
    classification = pd.DataFrame(
        [(u, y, "R" + str(i % 2), ["L", "H"][i % 2], "history") for i, u in enumerate(UNITS) for y in YEARS],
        columns=list(tables.CLASSIFICATION_BY_YEAR.columns),
    )
    write_table(classification, tmp / "classification.csv", tables.CLASSIFICATION_BY_YEAR)
    economies = pd.DataFrame(
        {"iso3": UNITS, "name": UNITS, "region": "R", "income_group": "H", "wb": True, "in_panel": True}
    )
    write_table(economies, tmp / "economies.csv", tables.ECONOMIES)
    pd.DataFrame(
        {
            "indicator": ["r1", "r2", "o1", "c1"],
            "role": ["readiness", "readiness", "outcome", "control"],
            "min": [0, 0, 0, 0],
            "max": ["", "", "", ""],
        }
    ).to_csv(tmp / "indicators.csv", index=False)
    return {
        k: str(tmp / f)
        for k, f in [
            ("panel", "panel.parquet"),
            ("classification", "classification.csv"),
            ("economies", "economies.csv"),
            ("indicators", "indicators.csv"),
        ]
    }


SETTINGS = dict(
    first=2000,
    last=2009,
    seed=3,
    max_gap=3,
    max_extrapolation=2,
    trend_points=3,
    max_fit_rows=4000,
    long_carry=4,
    fill_unreported=False,
)
METHODS = {
    "readiness": "auto",
    "use": "auto",
    "impact": "auto",
    "outcome": ["interpolate"],
    "control": ["interpolate", "carry"],
}


def test_the_imputation_rules_chain_from_screening_to_draws(inputs: dict[str, str], tmp_path: Path) -> None:
    stage.screen(
        job(
            tmp_path,
            input=inputs,
            output={"screening": "screening.csv"},
            name="screen",
            params=dict(first=2000, last=2009, economies="world_bank", min_indicator_share=0.5, min_unit_share=0.5),
        )
    )
    screening = read_table(tmp_path / "screening.csv", tables.SCREENING)
    assert set(screening.loc[screening["kind"] == "unit", "item"]) == set(UNITS)

    with_screening = {**inputs, "screening": str(tmp_path / "screening.csv")}
    stage.impute_accuracy(
        job(
            tmp_path,
            input=with_screening,
            output={
                "accuracy": "accuracy.csv",
                "recommended": "recommended.csv",
                "steps": "steps.csv",
                "missingness": "missingness.csv",
            },
            params=dict(
                **SETTINGS,
                masking_share=0.2,
                masking_end_segments=True,
                masking_min_cells=20,
                masking_candidates=["interpolate+carry+group_median", "group_median"],
            ),
            name="impute_accuracy",
        )
    )
    recommended = read_table(tmp_path / "recommended.csv", tables.RECOMMENDED)
    assert set(recommended["chain"]) <= {"interpolate+carry+group_median", "group_median"}
    steps = read_table(tmp_path / "steps.csv", tables.STEP_ACCURACY)
    assert set(steps["step"]) == {"interpolate", "carry", "group_median"}
    weights = read_table(tmp_path / "missingness.csv", tables.MISSINGNESS)
    assert weights.groupby("role")["weight"].sum().to_numpy() == pytest.approx(1.0)

    with_rec = {**with_screening, "recommended": str(tmp_path / "recommended.csv")}
    stage.impute(
        job(
            tmp_path,
            input=with_rec,
            output={
                "imputed": "imputed.parquet",
                "counts": "counts.csv",
                "methods": "methods.csv",
                "unreported": "unreported.csv",
            },
            params=dict(**SETTINGS, methods=METHODS),
            name="impute",
        )
    )
    methods = read_table(tmp_path / "methods.csv", tables.METHODS_USED).set_index("role")
    # "auto" takes the masking experiment's pick; a configured chain is kept as written.
    assert methods.loc["readiness", "chain"] == recommended.set_index("role").loc["readiness", "chain"]
    assert methods.loc["readiness", "chosen_by"] == "masking experiment"
    assert methods.loc["control", "chain"] == "interpolate+carry" and methods.loc["control", "chosen_by"] == "config"
    imputed = read_table(tmp_path / "imputed.parquet", tables.IMPUTED)
    assert len(imputed) == len(UNITS) * len(YEARS) * 4 and (imputed["draw"] == 0).all()
    counts = read_table(tmp_path / "counts.csv", tables.STATUS_COUNTS)
    assert counts["cells"].sum() == len(imputed)
    # Every economy reported every indicator here: nothing was left missing for that reason.
    assert read_table(tmp_path / "unreported.csv", tables.UNREPORTED).empty

    stage.impute_draws(
        job(
            tmp_path,
            input={**with_screening, "methods": str(tmp_path / "methods.csv")},
            output={"draws": "d.parquet"},
            params=dict(**SETTINGS, masking_share=0.2, masking_end_segments=True, masking_min_cells=20, draws=3),
            name="impute_draws",
        )
    )
    draws = read_table(tmp_path / "d.parquet", tables.IMPUTED)
    assert sorted(draws["draw"].unique()) == [1, 2, 3]
    observed = imputed.loc[imputed["status"] == "observed", ["iso3", "year", "indicator", "value"]]
    again = draws.merge(observed, on=["iso3", "year", "indicator"], suffixes=("", "_point"))
    assert (again["value"] == again["value_point"]).all(), "observed cells are the same in every draw"

    stage.impute_alternatives(
        job(
            tmp_path,
            input={
                **with_screening,
                "accuracy": str(tmp_path / "accuracy.csv"),
                "methods": str(tmp_path / "methods.csv"),
            },
            output={"chains": "alt_chains.csv", "alternatives": "alt.parquet"},
            params=dict(**SETTINGS, runners_up=1),
            name="impute_alternatives",
        )
    )
    chains = read_table(tmp_path / "alt_chains.csv", tables.ALTERNATIVE_CHAINS).set_index(["alternative", "role"])
    # the readiness role was chosen by the experiment: its runner-up is the other candidate
    assert chains.loc[(0, "readiness"), "chain"] == methods.loc["readiness", "chain"]
    assert chains.loc[(1, "readiness"), "chain"] != methods.loc["readiness", "chain"]
    assert chains.loc[(1, "readiness"), "rank"] == 2
    assert chains.loc[(1, "control"), "chain"] == "interpolate+carry"  # configured: kept
    alt = read_table(tmp_path / "alt.parquet", tables.ALTERNATIVE_IMPUTED)
    assert (alt["alternative"] == 1).all() and len(alt) == len(imputed)
    again = alt.merge(observed, on=["iso3", "year", "indicator"], suffixes=("", "_point"))
    assert (again["value"] == again["value_point"]).all(), "observed cells are the same in every alternative"
    moved = alt.merge(imputed, on=["iso3", "year", "indicator"], suffixes=("", "_point"))
    moved = moved[(moved["indicator"] == "r1") & (moved["status"] != "observed")]
    assert (moved["value"] != moved["value_point"]).any(), "the runner-up chain fills the readiness gaps differently"

    stage.accuracy_figure(
        job(
            tmp_path,
            input={
                "accuracy": str(tmp_path / "accuracy.csv"),
                "recommended": str(tmp_path / "recommended.csv"),
                "steps": str(tmp_path / "steps.csv"),
            },
            output={"figure_png": "a.png", "figure_pdf": "a.pdf"},
            params=dict(methods=METHODS),
            name="accuracy_figure",
        )
    )
    assert (tmp_path / "a.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (tmp_path / "a.pdf").read_bytes()[:5] == b"%PDF-"
    assert "masking experiment" in (tmp_path / "impute_accuracy.log").read_text()
