"""The uncertainty stage end to end: its outputs, K-invariance, and a run through a cluster executor.

The chunk jobs are seeded per replication, so any number of chunks K gives the same
replications: the rank bands of K = 1, of the end-to-end run's K = 2 and of K = 4 run
through the ``cluster-generic`` executor plugin (with a local submit script standing in
for a cluster's) are byte-identical. The executor run shows the workflow runs
unchanged under an executor.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from support import ROOT, TEST_CONFIG, run_snakemake

from scripts.core import tables
from scripts.core.contract import read_table

pytestmark = pytest.mark.e2e

BANDS = "results/05_uncertainty/ict/rank_bands.csv"


def test_rank_bands_and_sobol_tables(e2e_run: Path) -> None:
    bands = read_table(e2e_run / BANDS, tables.RANK_BANDS)
    scores = read_table(e2e_run / "results/04_index/ict/scores.csv", tables.SCORES)
    root = scores[scores["node"] == "ict"].set_index(["iso3", "year"])
    b = bands.set_index(["iso3", "year"])
    np.testing.assert_array_equal(b["nominal_rank"], root.loc[b.index, "rank"])
    assert (b["rank_p05"] <= b["median_rank"]).all() and (b["median_rank"] <= b["rank_p95"]).all()
    assert (b["rank_min"] <= b["rank_p05"]).all() and (b["rank_p95"] <= b["rank_max"]).all()
    assert b["replications"].max() == yaml.safe_load(TEST_CONFIG.read_text())["uncertainty"]["replications"]
    sobol = read_table(e2e_run / "results/05_uncertainty/ict/sobol.csv", tables.SOBOL)
    shift = sobol[sobol["target"] == "mean_rank_shift"]
    assert set(shift["input"]) == {
        "imputation",
        "imputation_chain",
        "treatment",
        "normalisation",
        "weights",
        "aggregation",
        "leave_one_out",
    }
    assert (shift["total"] >= 0).all() and (shift["total_conf"] >= 0).all()
    # the test data need no outlier treatment: that input moves nothing, and its total index is exactly 0
    assert shift.set_index("input").loc["treatment", "total"] == 0.0
    assert shift["total"].max() > 0.1
    conv = read_table(e2e_run / "results/05_uncertainty/ict/sobol_convergence.csv", tables.SOBOL_CONVERGENCE)
    assert sorted(conv["base_samples"].unique()) == [16, 32, 64]
    latest = read_table(e2e_run / "results/05_uncertainty/ict/replications_latest.parquet", tables.REPLICATIONS)
    assert latest["year"].nunique() == 1 and latest["replication"].nunique() == b["replications"].max()


def _copy_without_stage5(e2e_run: Path, tmp: Path, chunks: int) -> tuple[Path, Path]:
    """A copy of the end-to-end results without stage 5, and an overlay with ``chunks`` chunk jobs."""
    workdir = tmp / "run"
    shutil.copytree(e2e_run / "results", workdir / "results", ignore=shutil.ignore_patterns("05_uncertainty"))
    overlay = yaml.safe_load(TEST_CONFIG.read_text())
    overlay["uncertainty"]["chunks"] = chunks
    config = tmp / "config.yaml"
    config.write_text(yaml.safe_dump(overlay))
    return workdir, config


def test_one_chunk_gives_the_bands_of_two(e2e_run: Path, tmp_path: Path) -> None:
    workdir, config = _copy_without_stage5(e2e_run, tmp_path, chunks=1)
    # the target first: --configfile takes every following word as another config file
    run_snakemake(workdir, BANDS, "--configfile", str(config), configfile=None)
    assert (workdir / BANDS).read_bytes() == (e2e_run / BANDS).read_bytes()


def test_the_chunked_stage_runs_unchanged_under_the_cluster_generic_executor(e2e_run: Path, tmp_path: Path) -> None:
    workdir, config = _copy_without_stage5(e2e_run, tmp_path, chunks=4)
    submit = ROOT / "tests" / "support" / "local_submit.sh"
    proc = run_snakemake(
        workdir,
        BANDS,
        "--executor",
        "cluster-generic",
        "--cluster-generic-submit-cmd",
        str(submit),
        "--jobs",
        "4",
        "--latency-wait",
        "30",
        "--configfile",
        str(config),
        configfile=None,
    )
    assert "uncertainty_chunk" in proc.stdout + proc.stderr
    assert len(list((workdir / "results/05_uncertainty/ict/chunks").glob("*.parquet"))) == 4
    assert (workdir / BANDS).read_bytes() == (e2e_run / BANDS).read_bytes()
    pd.testing.assert_frame_equal(
        read_table(workdir / BANDS, tables.RANK_BANDS), read_table(e2e_run / BANDS, tables.RANK_BANDS)
    )
