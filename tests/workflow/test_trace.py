"""The audit trail on the end-to-end run: one economy-year's index score rebuilt by hand from the printout."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest
from support import ROOT, TEST_CONFIG

from scripts.publish.trace import run_config, trace

pytestmark = pytest.mark.e2e

ECONOMY, INDEX = "KEN", "ict"


def printout(workdir: Path, *args: str) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "scripts.publish.trace", *args, "--configfile", str(TEST_CONFIG)]
    return subprocess.run([*cmd, "--directory", str(workdir)], capture_output=True, text=True, cwd=ROOT)


def latest_year() -> int:
    return int(run_config([TEST_CONFIG])["analysis"]["last_year"])


def test_the_printout_rebuilds_the_score_from_the_raw_values(e2e_run: Path) -> None:
    year = latest_year()
    proc = printout(e2e_run, ECONOMY, str(year), INDEX, "--format", "json")
    assert proc.returncode == 0, proc.stderr
    chain = json.loads(proc.stdout)
    config = run_config([TEST_CONFIG])["index"]["indices"][INDEX]
    # The steps below are the configured ones: min-max goalposts on [0, 100], arithmetic means.
    assert config["normalisation"]["method"] == "minmax" and config["normalisation"]["range"] == [0, 100]
    assert config["aggregation"]["default"] == "arithmetic"
    lo_share = config["min_share"]

    score: dict[str, float | None] = {}
    reported = 0
    for r in chain["indicators"]:
        if r["file"] is not None:
            reported += 1
            # raw x factor / divisor = the harmonised value, and an observed value enters unchanged.
            rebuilt = r["raw_value"] * r["unit_factor"] / (r["divisor"] or 1.0)
            assert math.isclose(rebuilt, r["harmonised"], rel_tol=1e-12)
            if r["imputation"] == "observed":
                assert r["imputed"] == r["harmonised"]
        if r["treatment"] == "none":
            assert r["treated"] == r["imputed"] or r["imputed"] is None
        if r["treated"] is None:
            score[r["indicator"]] = None
            continue
        lo, hi = r["goalpost_low"], r["goalpost_high"]
        share = (r["treated"] - lo) / (hi - lo) if r["direction"] > 0 else (hi - r["treated"]) / (hi - lo)
        normalised = 100.0 * min(max(share, 0.0), 1.0)
        assert math.isclose(normalised, r["normalised"], rel_tol=1e-9, abs_tol=1e-9), r["indicator"]
        score[r["indicator"]] = normalised
    assert reported >= 3, "the trace should reach raw cells for most of Kenya's indicators"

    weight = {r["indicator"]: (r["parent"], r["weight"]) for r in chain["indicators"]}
    weight |= {n["node"]: (n["parent"], n["weight"]) for n in chain["nodes"]}
    for node in chain["nodes"]:  # leaves' parents first, so every child is scored before its parent
        kids = [(score[c], w) for c, (p, w) in weight.items() if p == node["node"] and c in score]
        have = [(s, w) for s, w in kids if s is not None]
        total = sum(w for _, w in kids)
        if not have or sum(w for _, w in have) < lo_share * total:
            score[node["node"]] = None
            assert node["score"] is None
            continue
        score[node["node"]] = sum(s * w for s, w in have) / sum(w for _, w in have)
        assert math.isclose(score[node["node"]], node["score"], rel_tol=1e-9), node["node"]
    assert math.isclose(score[INDEX], chain["score"], rel_tol=1e-9)
    # The contributions add up to the score.
    contributions = [r["contribution"] for r in chain["indicators"] if r["contribution"] is not None]
    assert math.isclose(sum(contributions), chain["score"], rel_tol=1e-9)


def test_the_text_printout_names_the_raw_cells_and_the_score(e2e_run: Path) -> None:
    year = latest_year()
    proc = printout(e2e_run, ECONOMY.lower(), str(year), INDEX)
    assert proc.returncode == 0, proc.stderr
    t = trace(ECONOMY, year, INDEX, run_config([TEST_CONFIG]), directory=e2e_run)
    assert proc.stdout.startswith(f"{INDEX} score of Kenya (KEN) in {year}: {t.score:.10g}")
    for file in t.indicators["file"].dropna():
        assert f"raw cell         {file}, row" in proc.stdout


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("KEN", "2015", "icx"), "'icx' is not an index of this run (did you mean 'ict'?)"),
        (("KEX", "2015", "ict"), "'KEX' has no ict score"),
        (("KEN", "1990", "ict"), "KEN has no ict score for 1990"),
    ],
)
def test_a_wrong_economy_year_or_index_is_a_clear_error(e2e_run: Path, args: tuple[str, ...], says: str) -> None:
    proc = printout(e2e_run, *args)
    assert proc.returncode == 2 and says in proc.stderr and not proc.stdout
