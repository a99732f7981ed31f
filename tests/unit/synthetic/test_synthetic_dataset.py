"""Tests of the written dataset folder: byte-identical files, the raw formats read back by the
project's own readers, the overlay and MANIFEST accepted by the workflow's checks, the panel
recovered by the harmoniser, the truth files, and the command line.
"""

from __future__ import annotations

import glob
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from snakemake.utils import update_config
from support import ROOT

from scripts.core.catalogue import load_catalogue
from scripts.core.config import load_yaml, validate_config
from scripts.core.errors import ConfigError
from scripts.core.provenance import load_manifest, verify_files
from scripts.harmonize.entities import build_universe, resolve_entities
from scripts.harmonize.fates import assign_fates
from scripts.harmonize.panel import build_panel
from scripts.harmonize.quality import validate_ranges
from scripts.ingest.readers import CLASSIFICATION_READERS
from scripts.ingest.readers.classifications import read_wb_groups, read_wb_metadata_country
from scripts.ingest.readers.wb_api import read_wb_api
from scripts.ingest.sources import read_sources
from scripts.synthetic.__main__ import main
from scripts.synthetic.config import build_config, load_config
from scripts.synthetic.dataset import METADATA_FILE, PUBLISHER, write_dataset
from scripts.synthetic.formats import format_api_csv
from scripts.synthetic.generate import generate

CONFIG = "config/synthetic.yaml"
FOLDER = "data/synthetic/t"


@pytest.fixture(scope="module")
def written(tmp_path_factory, synth, make_project) -> tuple[Path, Path]:
    """(project root, dataset folder) of the shipped config's panel written into a throw-away project."""
    root = make_project(tmp_path_factory.mktemp("project"))
    return root, write_dataset(synth, FOLDER, root)


def files_of(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_written_files_are_byte_identical(tmp_path, make_project):
    outputs = []
    for name in ("a", "b"):
        root = make_project(tmp_path / name)
        cfg = load_config(CONFIG, project_root=root, scale=0.25)
        outputs.append(files_of(write_dataset(generate(cfg), FOLDER, root)))
    assert outputs[0].keys() == outputs[1].keys()
    assert len(outputs[0]) > 30
    differing = [p for p in outputs[0] if outputs[0][p] != outputs[1][p]]
    assert differing == []


def test_api_files_round_trip_at_full_precision(cfg, synth, written, values):
    root, folder = written
    series = pd.read_csv(folder / "config" / "series.csv", dtype=str, keep_default_na=False)
    code_to_ind = dict(zip(series["series"], series["indicator"]))
    files = sorted((folder / "raw" / "synthetic").glob("API_*.csv"))
    assert len(files) == len(cfg.indicators)
    assert files[0].read_bytes().startswith(b'\xef\xbb\xbf"Data Source","World Development Indicators",\r\n\r\n')
    agg_codes = set(synth.aggregates["iso3"])
    for path in files:
        obs = read_wb_api(path, path.name, "synthetic")
        assert obs["series"].nunique() == 1
        ind = code_to_ind[obs["series"].iloc[0]]
        assert sorted(obs["year"].unique()) == list(range(cfg.first_year, cfg.last_year + 1))
        econ = obs[~obs["entity_code"].isin(agg_codes)]
        got = econ.pivot(index="entity_code", columns="year", values="value").reindex(index=list(synth.units["iso3"]))
        want = values(synth, ind, "value")
        np.testing.assert_array_equal(got.to_numpy(), want.to_numpy())  # NaN == NaN here; exact otherwise
        agg = obs[obs["entity_code"].isin(agg_codes)].rename(columns={"entity_code": "iso3"})
        expected = synth.aggregates[synth.aggregates["indicator"] == ind]
        m = agg.merge(expected, on=["iso3", "year"], suffixes=("", "_want"), validate="one_to_one")
        assert len(m) == len(expected) > 0
        np.testing.assert_array_equal(m["value"].to_numpy(), m["value_want"].to_numpy())


def test_api_writer_quotes_names_and_leaves_missing_cells_empty(tmp_path):
    path = tmp_path / "API_SYN.X_DS2_en_csv_v2_1.csv"
    grid = np.array([[1.5, np.nan], [1e-06, 123456789.0]])
    path.write_bytes(
        format_api_csv(
            ['Say "hi", world', "Plain"],
            ["S00001", "WLD"],
            'An "odd", name',
            "SYN.X",
            np.array([2000, 2001]),
            grid,
            "2025-01-01",
        )
    )
    text = path.read_bytes().decode("utf-8-sig").split("\r\n")
    assert text[5] == '"Say ""hi"", world","S00001","An ""odd"", name","SYN.X","1.5","",'
    obs = read_wb_api(path, path.name, "synthetic")
    assert list(obs["entity_raw"]) == ['Say "hi", world'] * 2 + ["Plain"] * 2
    np.testing.assert_array_equal(obs["value"].to_numpy(), grid.ravel())


def test_metadata_country_round_trips(synth, written):
    _, folder = written
    meta_path = folder / "raw" / "synthetic" / METADATA_FILE
    meta = read_wb_metadata_country(meta_path, meta_path.name, "wb_metadata").set_index("iso3")
    units = synth.units.set_index("iso3")
    for col in ("region", "income_group", "name"):
        assert (meta.loc[units.index, col].to_numpy() == units[col].to_numpy()).all(), col
    aggs = sorted(set(synth.aggregates["iso3"]))
    assert {"WLD", "LIC", "HIC", "SSF"} <= set(aggs)
    assert (meta.loc[aggs, "region"] == "").all() and (meta.loc[aggs, "income_group"] == "").all()
    assert len(meta) == len(units) + len(aggs)


def test_overlay_validates_and_catalogue_loads(cfg, written):
    root, folder = written
    config = load_yaml(ROOT / "config" / "config.yaml")
    update_config(config, load_yaml(folder / "config.yaml"))
    validate_config(config, project_root=root)
    assert config["paths"]["raw"] == f"{FOLDER}/raw"
    assert [s["id"] for s in config["sources"]] == ["synthetic"]
    assert (config["analysis"]["first_year"], config["analysis"]["last_year"]) == (2000, 2015)
    cat = load_catalogue(*(root / config["catalogue"][k] for k in ("indicators", "series", "entities")), ["synthetic"])
    assert list(cat["indicators"]["indicator"]) == [s.indicator for s in cfg.indicators]
    assert (cat["series"]["precedence"] == 1).all() and (cat["series"]["transform"] == "none").all()
    assert cat["entities"].empty
    # The written catalogue rows are the real ones, byte for byte.
    real = (ROOT / "config" / "indicators.csv").read_text(encoding="utf-8").splitlines()
    mine = (folder / "config" / "indicators.csv").read_text(encoding="utf-8").splitlines()
    assert mine[0] == real[0] and set(mine[1:]) <= set(real[1:])
    # Every raw file the run reads is where the overlay says and verified by the MANIFEST.
    raw = root / config["paths"]["raw"]
    data_files = sorted(
        Path(p).relative_to(raw).as_posix() for p in glob.glob(str(raw / config["sources"][0]["files"][0]))
    )
    assert len(data_files) == len(cfg.indicators)
    cls = config["classifications"]
    rels = data_files + [cls[k]["file"] for k in ("current", "income_history", "concordance")] + cls["metadata"]
    manifest = load_manifest(root / config["paths"]["manifest"])
    verified = verify_files(rels, raw, manifest, config["paths"]["manifest"])
    assert len(verified) == len(rels)
    assert set(manifest.loc[manifest["path"].str.startswith("synthetic/"), "publisher"]) == {PUBLISHER}
    assert (manifest["bytes"].astype(int) == [(raw / p).stat().st_size for p in manifest["path"]]).all()
    real_manifest = load_manifest(ROOT / "data" / "raw" / "MANIFEST.csv").set_index("path")
    for k in ("current", "income_history", "concordance"):
        rel = cls[k]["file"]
        assert (raw / rel).read_bytes() == (ROOT / "data" / "raw" / rel).read_bytes()
        row = manifest.set_index("path").loc[rel]
        assert row["sha256"] == real_manifest.loc[rel, "sha256"]
        assert row["publisher"] == real_manifest.loc[rel, "publisher"]


def test_harmoniser_recovers_the_observed_panel(synth, written):
    """Ingest and harmonise the folder with the project's own code: the panel is exactly the
    generated observed values, the aggregates are dropped and no entity is unknown."""
    root, folder = written
    config = load_yaml(ROOT / "config" / "config.yaml")
    update_config(config, load_yaml(folder / "config.yaml"))
    raw = root / config["paths"]["raw"]
    sources = [
        {**s, "files": sorted(Path(p).relative_to(raw).as_posix() for f in s["files"] for p in glob.glob(str(raw / f)))}
        for s in config["sources"]
    ]
    cat = load_catalogue(*(root / config["catalogue"][k] for k in ("indicators", "series", "entities")), ["synthetic"])
    obs = read_sources(sources, raw)
    cls = config["classifications"]
    read = lambda key, name, src: CLASSIFICATION_READERS[name](raw / cls[key]["file"], cls[key]["file"], src)  # noqa: E731
    current = read("current", "wb_class", "wb_class")
    history = read("income_history", "wb_income_history", "wb_income_history")
    concordance = read("concordance", "country_codes", "concordance")
    meta = CLASSIFICATION_READERS["wb_metadata_country"](raw / cls["metadata"][0], cls["metadata"][0], "wb_metadata")
    groups = read_wb_groups(raw / cls["current"]["file"], cls["current"]["file"], "wb_class")
    universe = build_universe(current, meta, concordance, history, groups)
    entities = resolve_entities(obs, universe, cat["entities"])
    assert set(entities["entity_fate"]) == {"economy", "aggregate"}
    trail = assign_fates(
        obs,
        cat["series"],
        entities,
        population_indicator="population",
        first_year=None,
        last_year=None,
        bounds=cat["indicators"][["indicator", "min", "max"]],
    )
    assert (
        trail.loc[trail["entity_code"].isin(set(synth.aggregates["iso3"])), "fate"].isin(["aggregate", "missing"])
    ).all()
    panel = build_panel(trail)
    want = synth.panel.dropna(subset=["value"])
    want = want.assign(iso3=want["iso3"].astype(str), indicator=want["indicator"].astype(str))
    m = panel.merge(want, on=["iso3", "year", "indicator"], how="outer", suffixes=("", "_want"), indicator=True)
    assert (m["_merge"] == "both").all()
    np.testing.assert_array_equal(m["value"].to_numpy(), m["value_want"].to_numpy())
    # Synthetic values respect the catalogue's bounds exactly: none is dropped as out of range.
    assert validate_ranges(trail, cat["indicators"], tolerance=0.0, mode="drop").empty


def test_truth_json_and_readme(cfg, synth, written):
    _, folder = written
    truth = json.loads((folder / "truth.json").read_text(encoding="utf-8"))
    assert truth["generator"] == "scripts.synthetic"
    assert truth["config"]["seed"] == cfg.seed and truth["n_units"] == 220
    for o, t in truth["outcomes"].items():
        assert t["beta"] == cfg.spec(o).outcome.beta and t["gamma"] == cfg.spec(o).outcome.gamma
        assert "ICT_i,t" in t["formula"]
    lat = pd.read_parquet(folder / "truth" / "latent.parquet")
    np.testing.assert_array_equal(lat["ict_composite"].to_numpy(), synth.latent["ict_composite"].to_numpy())
    complete = pd.read_parquet(folder / "truth" / "complete.parquet")
    np.testing.assert_array_equal(complete["value_complete"].to_numpy(), synth.panel["value_complete"].to_numpy())
    assert (complete["observed"].to_numpy() == synth.panel["value"].notna().to_numpy()).all()
    readme = (folder / "README.md").read_text(encoding="utf-8")
    assert f"--seed {cfg.seed}" in readme and f"--configfile {FOLDER}/config.yaml" in readme


def test_write_refuses_folders_outside_the_project_or_not_generated(tmp_path, synth, make_project):
    root = make_project(tmp_path / "p")
    with pytest.raises(ConfigError, match="outside the project root"):
        write_dataset(synth, tmp_path / "elsewhere", root)
    precious = root / "data" / "synthetic" / "mine"
    precious.mkdir(parents=True)
    (precious / "notes.txt").write_text("keep me")
    with pytest.raises(ConfigError, match="not a synthetic dataset"):
        write_dataset(synth, precious, root)
    assert (precious / "notes.txt").read_text() == "keep me"


def test_rewriting_replaces_the_whole_folder(tmp_path, raw, catalogue, make_project):
    root = make_project(tmp_path / "p")
    big = load_config(CONFIG, project_root=root, scale=0.1)
    folder = write_dataset(generate(big), FOLDER, root)
    n_before = len(list((folder / "raw" / "synthetic").glob("API_*.csv")))
    raw["indicators"]["exclude"] = ["hh_computer_pct"]
    small = build_config(raw, *catalogue, scale=0.1)
    write_dataset(generate(small), FOLDER, root)
    after = list((folder / "raw" / "synthetic").glob("API_*.csv"))
    assert len(after) == n_before - 1 == len(small.indicators)
    assert not list(folder.parent.glob(".*"))  # no staging or old folders left behind


def test_cli_writes_a_dataset(tmp_path, make_project):
    root = make_project(tmp_path / "p")
    status = main(
        [
            "--config",
            CONFIG,
            "--scale",
            "0.1",
            "--seed",
            "7",
            "--out",
            "data/synthetic/cli",
            "--project-root",
            str(root),
        ]
    )
    assert status == 0
    truth = json.loads((root / "data" / "synthetic" / "cli" / "truth.json").read_text(encoding="utf-8"))
    assert truth["n_units"] == 22 and truth["config"]["seed"] == 7
    assert main(["--config", CONFIG, "--out", str(tmp_path / "outside"), "--project-root", str(root)]) == 2


def test_module_runs_as_a_command():
    done = subprocess.run(
        [sys.executable, "-m", "scripts.synthetic", "--help"], capture_output=True, text=True, cwd=ROOT, check=False
    )
    assert done.returncode == 0, done.stderr
    for option in ("--config", "--scale", "--seed", "--out", "--project-root"):
        assert option in done.stdout
