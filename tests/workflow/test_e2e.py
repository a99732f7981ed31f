"""End-to-end: the workflow on config/test/config.yaml, and what its outputs promise."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from support import ROOT, run_snakemake

from scripts.core.io import read_csv

pytestmark = pytest.mark.e2e


def res(workdir: Path, rel: str) -> Path:
    return workdir / "results" / rel


def test_every_raw_observation_is_accounted_for(e2e_run: Path) -> None:
    obs = pd.read_parquet(res(e2e_run, "01_ingest/observations.parquet"))
    rec = read_csv(res(e2e_run, "02_harmonize/reconciliation.csv"))
    dropped = [c for c in rec.columns if c.startswith("dropped: ")]
    assert (rec["read"] == rec["kept"] + rec[dropped].sum(axis=1)).all()
    assert (rec["dropped"] == rec[dropped].sum(axis=1)).all()
    assert rec["read"].sum() == len(obs)
    files = read_csv(res(e2e_run, "01_ingest/files.csv"))
    # Per file, what ingest read is what the reconciliation accounts for.
    per_file = rec.groupby("file")["read"].sum()
    cells = files.set_index("file")["cells"]
    assert per_file.to_dict() == cells[cells > 0].to_dict()
    assert set(files["file"]) >= set(per_file.index)
    panel = pd.read_parquet(res(e2e_run, "02_harmonize/panel.parquet"))
    assert rec["kept"].sum() == len(panel)


def test_panel_values_trace_back_to_their_raw_cell(e2e_run: Path) -> None:
    obs = pd.read_parquet(res(e2e_run, "01_ingest/observations.parquet"))
    panel = pd.read_parquet(res(e2e_run, "02_harmonize/panel.parquet"))
    trail = pd.read_parquet(res(e2e_run, "02_harmonize/trail.parquet"))
    assert not panel.duplicated(["iso3", "year", "indicator"]).any()
    key = ["source", "file", "row", "column"]
    text = {k: str for k in ("source", "file", "column")}
    m = panel.astype(text).merge(obs.astype(text), on=key, how="left", suffixes=("", "_raw"), indicator=True)
    assert (m["_merge"] == "both").all(), "every panel value names an existing raw cell"
    assert (m["year"] == m["year_raw"]).all()
    kept = (
        trail[trail["fate"] == "kept"]
        .astype(text)
        .merge(panel.astype(text)[key + ["value"]].rename(columns={"value": "value_panel"}), on=key)
    )
    assert len(kept) == len(panel) and (kept["value_out"] == kept["value_panel"]).all()
    # Values without a transform are the raw values, bit for bit.
    series = read_csv(ROOT / "config" / "series.csv", dtype=str)
    plain = series.loc[series["transform"] == "none", ["source", "series"]]
    mp = m.merge(plain.assign(plain=True), left_on=["source", "series"], right_on=["source", "series"], how="left")
    same = mp[mp["plain"].eq(True)]
    assert len(same) > 1000 and (same["value"] == same["value_raw"]).all()


def test_imputation_keeps_observed_values_and_flags_every_cell(e2e_run: Path) -> None:
    panel = pd.read_parquet(res(e2e_run, "02_harmonize/panel.parquet"))
    imputed = pd.read_parquet(res(e2e_run, "03_impute/imputed.parquet"))
    assert set(imputed["draw"]) == {0}
    assert imputed["status"].notna().all()
    assert set(imputed["status"]) <= {"observed", "interpolated", "extrapolated", "group", "model", "missing"}
    obs = imputed[imputed["status"] == "observed"].astype({"iso3": str, "indicator": str})
    m = obs.merge(
        panel.astype({"iso3": str, "indicator": str}), on=["iso3", "year", "indicator"], suffixes=("", "_panel")
    )
    assert len(m) == len(obs)
    assert (m["value"] == m["value_panel"]).all()
    assert imputed.loc[imputed["status"] == "missing", "value"].isna().all()
    assert imputed.loc[imputed["status"] != "missing", "value"].notna().all()

    draws = pd.read_parquet(res(e2e_run, "03_impute/draws.parquet"))
    wide = draws.pivot_table(index=["iso3", "year", "indicator"], columns="draw", values="value", observed=True)
    status = imputed.set_index(["iso3", "year", "indicator"])["status"].reindex(wide.index)
    observed = wide[status == "observed"]
    assert (observed.nunique(axis=1) == 1).all(), "observed cells are identical in every draw"
    filled = wide[status.isin(["interpolated", "extrapolated", "group", "model"])]
    assert (filled.nunique(axis=1) > 1).mean() > 0.95, "imputed cells differ between draws"


def test_index_scores_ranks_and_contributions(e2e_run: Path) -> None:
    scores = read_csv(res(e2e_run, "04_index/ict/scores.csv"))
    root = scores[scores["node"] == "ict"]
    assert len(root) > 100
    assert root["score"].between(0, 100).all()
    for _, g in root.groupby("year"):
        assert g["rank"].min() == 1 and g["rank"].max() <= len(g)
    contrib = pd.read_parquet(res(e2e_run, "04_index/ict/contributions.parquet"))
    total = contrib[contrib["node"] == "ict"].groupby(["iso3", "year"])["contribution"].sum()
    joined = root.set_index(["iso3", "year"])["score"].reindex(total.index)
    np.testing.assert_allclose(total.to_numpy(), joined.to_numpy(), rtol=1e-9)
    weights = read_csv(res(e2e_run, "04_index/ict/weights.csv"))
    sums = weights.groupby("parent")["weight"].sum()
    np.testing.assert_allclose(sums.to_numpy(), 1.0)
    val = read_csv(res(e2e_run, "04_index/ict/external_validation.csv"))
    assert set(val["reference"]) >= {"itu_idi_2015", "itu_idi_2017"}
    assert (val["spearman_rho"] > 0.8).all()


def test_data_package_describes_every_field(e2e_run: Path) -> None:
    desc = json.loads(res(e2e_run, "02_harmonize/database/datapackage.json").read_text())
    assert desc["profile"] == "tabular-data-package" and desc["licenses"]
    for resource in desc["resources"]:
        table = read_csv(res(e2e_run, f"02_harmonize/database/{resource['path']}"))
        names = [f["name"] for f in resource["schema"]["fields"]]
        assert names == list(table.columns)
        assert all(f["description"] for f in resource["schema"]["fields"])
    panel = read_csv(res(e2e_run, "02_harmonize/database/panel.csv"), dtype={"iso3": str})
    assert "NAM" in set(panel["iso3"]), "Namibia's code survives the CSV round trip"


def test_a_rerun_with_nothing_changed_does_nothing(e2e_run: Path) -> None:
    proc = run_snakemake(e2e_run, "--dry-run")
    assert "Nothing to be done" in proc.stdout + proc.stderr


def test_goalposts_spikes_and_sub_index_correlations_are_published(e2e_run: Path) -> None:
    # The ict index's robust goalposts: one row per indicator, quantile bounds naming an economy-year.
    goalposts = read_csv(res(e2e_run, "04_index/ict/goalposts.csv"), dtype={"lo_iso3": str, "hi_iso3": str})
    used = read_csv(res(e2e_run, "04_index/ict/indicators.csv"))
    assert sorted(goalposts["indicator"]) == sorted(used.loc[used["status"] == "used", "indicator"])
    assert (goalposts["rule"] == "quantile").all() and (goalposts["lo"] <= goalposts["hi"]).all()
    assert goalposts["hi_iso3"].str.len().eq(3).all()
    # Every score of a used indicator lies within 0-100: values beyond the goalposts are capped.
    scores = read_csv(res(e2e_run, "04_index/ict/scores.csv"))
    assert scores.loc[scores["node"].isin(goalposts["indicator"]), "score"].between(0, 100).all()
    # Tonga's 2002 secondary enrolment (194.5, about 100 before and after) is flagged, and kept in the panel.
    report = read_csv(res(e2e_run, "02_harmonize/validation.csv"), dtype={"column": str})
    hit = report[(report["iso3"] == "TON") & (report["year"] == 2002)]
    hit = hit[hit["indicator"] == "secondary_enrolment_gross"]
    assert hit["rule"].tolist() == ["isolated spike"] and hit["robust_z"].iloc[0] > 5
    panel = pd.read_parquet(res(e2e_run, "02_harmonize/panel.parquet"))
    kept = panel[
        (panel["iso3"] == "TON") & (panel["year"] == 2002) & (panel["indicator"] == "secondary_enrolment_gross")
    ]
    assert kept["value"].round(1).tolist() == [194.5]
    # Each sub-index (those the test data hold: impact has no files here) against the others, pooled and within years.
    pairs = read_csv(res(e2e_run, "04_index/ict/node_correlations.csv"))
    present = sorted({"readiness", "use", "impact"} & set(scores["node"]))
    sub = pairs[pairs["node"].isin(present) & pairs["other"].isin(present)]
    assert len(present) >= 2 and len(sub) == len(present) * (len(present) - 1)
    assert sub["spearman_within"].between(-1, 1).all() and (sub["n_years"] == 8).all()  # 2005-2012
