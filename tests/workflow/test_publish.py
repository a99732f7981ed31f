"""Publishing on the end-to-end run: every published figure and table is in the report, the manifest is complete."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support import run_snakemake

from scripts.core.io import sha256

pytestmark = pytest.mark.e2e


def published(workdir: Path) -> list[str]:
    """Every figure PNG, HTML table and profile page the run published, relative to the working directory."""
    results = workdir / "results"
    files = [*results.glob("figures/*.png"), *results.glob("tables/*.html"), *results.glob("profiles/*.png")]
    return sorted(p.relative_to(workdir).as_posix() for p in files)


def test_every_published_figure_and_table_is_in_the_report(e2e_run: Path) -> None:
    # Outside results/, so that the byte-identity tests of the reliability suite do not meet it.
    run_snakemake(e2e_run, "--report", "report.html")
    report = (e2e_run / "report.html").read_text(encoding="utf-8")
    files = published(e2e_run)
    assert len(files) >= 11 and any("profiles/KEN.png" in f for f in files)
    missing = [f for f in files if f not in report]
    assert not missing, f"not in the report: {missing}"
    # Every published figure has a PDF beside its PNG, and every table its CSV, Markdown and LaTeX versions.
    results = e2e_run / "results"
    for png in results.glob("figures/*.png"):
        assert png.with_suffix(".pdf").read_bytes()[:5] == b"%PDF-"
    for page in results.glob("tables/*.html"):
        assert all(page.with_suffix(s).exists() for s in (".csv", ".md", ".tex"))


def test_the_manifest_lists_every_output_with_its_digest(e2e_run: Path) -> None:
    results = e2e_run / "results"
    manifest = json.loads((results / "MANIFEST.json").read_text())
    for rel in ("02_harmonize/panel.parquet", "figures/ranking.png", "tables/tables.xlsx", "profiles/KEN.pdf"):
        assert manifest["outputs"][rel] == sha256(results / rel)
    assert not any(k.startswith(("logs/", "benchmarks/")) for k in manifest["outputs"])
    assert any(k.startswith("data/raw/") for k in manifest["inputs"]) and "config/indicators.csv" in manifest["inputs"]
    assert manifest["packages"]["pandas"] and len(manifest["config_sha256"]) == 64
