"""Scratch copies of the project, so that a test can damage a raw file without touching the repo.

The workflow reads its inputs from the project that holds the Snakefile (``workflow.basedir``)
and refuses paths and symbolic links that leave it, so a case that needs a modified raw file
works on a *copy* of the project: the Snakefile, ``workflow/``, ``config/``, ``profiles/``,
``pyproject.toml``, ``environment.yml`` and the part of ``data/`` a small scenario reads
(``scripts/`` is not copied: it is importable from the venv). The scenario keeps every source
of ``config/config.yaml`` (``series.csv`` must find each source id it names) with one or two
small files each; ingest then takes a few seconds.

A template copy is built once per session; each case clones it (a few MB) and changes what
it needs: a raw file (with or without its MANIFEST row updated), or the config overlay.
"""

from __future__ import annotations

import copy
import csv
import glob
import hashlib
import io
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from scripts.core.rawfiles import listed_paths, raw_files, resolve_sources

ROOT = Path(__file__).resolve().parents[2]
SNAKEMAKE = Path(sys.executable).parent / "snakemake"

#: What a copy of the project holds besides data/ (scripts/ comes from the venv).
PROJECT_ITEMS = ("Snakefile", "workflow", "config", "profiles", "pyproject.toml", "environment.yml")

#: Files kept per source (glob patterns under data/raw). Sources not listed here keep their
#: smallest file, so a source added to config/config.yaml later needs no change here.
TINY_FILES: dict[str, list[str]] = {
    "itu_2019": ["itu/Individuals_Internet_2000-2018_Jun2019.xls"],
    "wdi_api_2025": [
        "worldbank/wdi_api_2025/API_SP.POP.TOTL_*.csv",
        "worldbank/wdi_api_2025/API_SP.URB.TOTL.IN.ZS_*.csv",
    ],
    "wdi_api_2019": ["worldbank/wdi_api_2019/API_SP.POP.TOTL_*.csv"],
    "wdi_api_2017": ["worldbank/wdi_api_2017/API_IT.NET.USER.P2_DS2_en_csv_v2.csv"],
    "wdi_datahub": ["worldbank/datahub_long/it.net.bbnd.p2/data.csv"],
}

#: Ingest outputs, relative to the working directory (what a failed ingest must not leave).
INGEST_DIR = "results/01_ingest"
HARMONIZE_DIR = "results/02_harmonize"


def load_yaml(path: Path) -> Any:
    with open(path, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def deep_merge(base: dict, overlay: dict) -> dict:
    """Merge ``overlay`` into a copy of ``base`` as Snakemake merges --configfile (lists replaced)."""
    out = copy.deepcopy(base)
    for k, v in overlay.items():
        out[k] = deep_merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else copy.deepcopy(v)
    return out


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def snakemake_command(workdir: Path, *args: str, snakefile: Path, configfile: Path | None, cores: int = 2) -> list[str]:
    """The command line of conftest.run_snakemake, for callers that need a Popen."""
    cmd = [str(SNAKEMAKE), "-s", str(snakefile), "--directory", str(workdir), "--cores", str(cores)]
    if configfile is not None:
        cmd += ["--configfile", str(configfile)]
    return cmd + list(args)


def snakemake_env() -> dict[str, str]:
    return {**os.environ, "PYTHONHASHSEED": "0"}


def _resolve(raw: Path, pattern: str) -> list[str]:
    return sorted(Path(p).relative_to(raw).as_posix() for p in glob.glob(str(raw / pattern)))


def tiny_sources(root: Path = ROOT) -> list[dict[str, Any]]:
    """Every source of the project's config/config.yaml with one or two small files, as concrete paths."""
    cfg = load_yaml(root / "config" / "config.yaml")
    raw = root / cfg["paths"]["raw"]
    out = []
    for src in cfg["sources"]:
        if src["id"] in TINY_FILES:
            files = [f for pattern in TINY_FILES[src["id"]] for f in _resolve(raw, pattern)]
        else:
            every = [f for pattern in src["files"] for f in _resolve(raw, pattern)]
            files = sorted(every, key=lambda f: ((raw / f).stat().st_size, f))[:1]
        assert files, f"no file for source {src['id']} in the scratch scenario"
        out.append({**src, "files": files})
    return out


def scenario_overlay(root: Path = ROOT) -> dict[str, Any]:
    """The config overlay of the scratch project: the test scenario (its window, and the stage settings that fit
    it and keep it quick) with tiny sources."""
    test = load_yaml(root / "config" / "test" / "config.yaml")
    return {**copy.deepcopy({k: v for k, v in test.items() if k != "sources"}), "sources": tiny_sources(root)}


def raw_files_read(config: dict[str, Any], root: Path = ROOT) -> list[str]:
    """Every raw file (relative to paths.raw) a run with ``config`` reads, companions included (as common.smk)."""
    raw = root / config["paths"]["raw"]
    sources = resolve_sources(
        config["sources"],
        raw,
        listed_paths(root / config["paths"]["manifest"]),
        raw_label=config["paths"]["raw"],
        manifest_label=config["paths"]["manifest"],
    )
    return raw_files(sources, config["classifications"])


@dataclass
class Project:
    """A copy of the project under ``root``, run with ``--directory root`` (results/ lands inside)."""

    root: Path
    overlay: dict[str, Any] = field(default_factory=dict)

    # ------------------------------------------------------------------ files

    @property
    def raw(self) -> Path:
        return self.root / "data" / "raw"

    @property
    def results(self) -> Path:
        return self.root / "results"

    @property
    def manifest(self) -> Path:
        return self.raw / "MANIFEST.csv"

    def read(self, rel: str) -> bytes:
        return (self.raw / rel).read_bytes()

    def write(self, rel: str, data: bytes, *, manifest: bool = True) -> None:
        """Replace raw file ``rel``; with ``manifest`` its MANIFEST row gets the new sha256."""
        path = self.raw / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        if manifest:
            self.register(rel)

    def register(self, rel: str, like: str | None = None) -> None:
        """Set the MANIFEST row of ``rel`` to the file's sha256 and size (a new row copies ``like``'s provenance)."""
        data = self.read(rel)
        text = self.manifest.read_text(encoding="utf-8")
        rows = list(csv.DictReader(io.StringIO(text)))
        fields = list(rows[0])
        mine = [r for r in rows if r["path"] == rel]
        if not mine:
            template = next(r for r in rows if r["path"] == like) if like else {k: "" for k in fields}
            mine = [{**template, "path": rel}]
            rows.append(mine[0])
        mine[0]["sha256"] = sha256_bytes(data)
        mine[0]["bytes"] = str(len(data))
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        self.manifest.write_text(out.getvalue(), encoding="utf-8")

    # ------------------------------------------------------------------ config and runs

    def config(self) -> dict[str, Any]:
        """The configuration a run of this copy sees (its config/config.yaml plus the overlay)."""
        return deep_merge(load_yaml(self.root / "config" / "config.yaml"), self.overlay)

    def config_file(self, changes: dict[str, Any] | None = None, name: str = "scratch.yaml") -> Path:
        """Write the overlay (plus ``changes``, merged) as a config file of this copy; return its path."""
        path = self.root / "config" / name
        path.write_text(yaml.safe_dump(deep_merge(self.overlay, changes or {}), sort_keys=False), encoding="utf-8")
        return path

    def command(self, *args: str, configfile: Path | None = None) -> list[str]:
        return snakemake_command(
            self.root, *args, snakefile=self.root / "Snakefile", configfile=configfile or self.config_file()
        )

    def run(self, *args: str, configfile: Path | None = None, timeout: int = 900) -> subprocess.CompletedProcess:
        """Run the copy's Snakefile in the copy; returns the completed process (never raises on failure)."""
        return subprocess.run(
            self.command(*args, configfile=configfile),
            capture_output=True,
            text=True,
            timeout=timeout,
            env=snakemake_env(),
            cwd=self.root,
        )

    def clone(self, dest: Path) -> Project:
        """A fresh copy of this project at ``dest`` (without results or Snakemake state)."""
        shutil.copytree(self.root, dest, ignore=shutil.ignore_patterns("results", ".snakemake", "__pycache__"))
        return Project(dest, copy.deepcopy(self.overlay))


def build_template(dest: Path, root: Path = ROOT) -> Project:
    """Copy the project's code, config and the scratch scenario's raw files to ``dest``."""
    dest.mkdir(parents=True, exist_ok=True)
    for item in PROJECT_ITEMS:
        src = root / item
        if src.is_dir():
            shutil.copytree(src, dest / item, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(src, dest / item)
    overlay = scenario_overlay(root)
    config = deep_merge(load_yaml(root / "config" / "config.yaml"), overlay)
    raw_rel = config["paths"]["raw"]
    needed = raw_files_read(config) + [Path(config["paths"]["manifest"]).relative_to(raw_rel).as_posix()]
    for rel in sorted(set(needed)):
        target = dest / raw_rel / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(root / raw_rel / rel, target)
    shutil.copytree(root / config["paths"]["external"], dest / config["paths"]["external"])
    project = Project(dest, overlay)
    project.config_file()
    return project


# ---------------------------------------------------------------------- checks


def output_of(proc: subprocess.CompletedProcess) -> str:
    return proc.stdout + proc.stderr


def stray_files(results: Path) -> list[str]:
    """Temporary files of atomic writes (``.<name>.<random>.part``) left anywhere under ``results``."""
    if not results.exists():
        return []
    return sorted(str(p.relative_to(results)) for p in results.rglob("*.part"))


def files_under(directory: Path) -> list[str]:
    """Every file under ``directory`` (relative paths), or [] when it does not exist."""
    if not directory.exists():
        return []
    return sorted(str(p.relative_to(directory)) for p in directory.rglob("*") if p.is_file())
