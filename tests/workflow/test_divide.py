"""The divide stage on the end-to-end run: every table written, decompositions exact, nothing silently missing."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from scripts.core import tables
from scripts.core.contract import read_table

pytestmark = pytest.mark.e2e


def table(workdir: Path, name: str, spec):
    return read_table(workdir / "results" / "07_divide" / name, spec)


def test_divide_tables_hold_every_measure_and_add_up(e2e_run: Path) -> None:
    inequality = table(e2e_run, "inequality.csv", tables.INEQUALITY)
    assert set(inequality["measure"]) == {"internet_users_pct", "mobile_per100", "fixed_broadband_per100", "index:ict"}
    assert set(inequality.loc[inequality["measure"] == "index:ict", "basis"]) == {"with_imputed"}
    assert inequality["value"].notna().all() and (inequality["ci_low"] <= inequality["ci_high"]).all()
    assert set(inequality["year"]) == set(range(2005, 2013))  # the test config's window
    decomposition = table(e2e_run, "decomposition.csv", tables.DECOMPOSITION)
    assert np.allclose(decomposition["within"] + decomposition["between"], decomposition["total"], rtol=1e-9)
    trends = table(e2e_run, "gap_trends.csv", tables.GAP_TRENDS)
    assert (trends["statement"] != "").all()


def test_economy_tables_are_named_and_refusals_explained(e2e_run: Path) -> None:
    diffusion = table(e2e_run, "diffusion.csv", tables.DIFFUSION)
    assert (diffusion["economy"] != "").all()
    refused = diffusion[diffusion["flag"] == "refused"]
    assert (refused["reason"] != "").all() and refused["saturation"].isna().all()
    distance = table(e2e_run, "time_distance.csv", tables.TIME_DISTANCE)
    assert distance.loc[distance["status"] == "defined", "time_distance"].notna().all()
    assert distance.loc[distance["status"] != "defined", "time_distance"].isna().all()
    gender = table(e2e_run, "gender_gap.csv", tables.GENDER_GAP)
    assert len(gender) > 0 and np.allclose(gender["gap"], gender["female"] - gender["male"])
    coverage = table(e2e_run, "gender_coverage.csv", tables.GENDER_COVERAGE)
    overall = coverage[coverage["grouping"] == "all"].iloc[0]
    assert overall["n_snapshot"] <= overall["n_economies"] <= overall["n_analysis_economies"]
