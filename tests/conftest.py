"""Shared fixtures: running the workflow on the small test config in a scratch directory."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TEST_CONFIG = ROOT / "config" / "test" / "config.yaml"
SNAKEMAKE = Path(sys.executable).parent / "snakemake"


def run_snakemake(
    workdir: Path, *args: str, configfile: Path | None = TEST_CONFIG, check: bool = True, timeout: int = 900
) -> subprocess.CompletedProcess:
    """Run the project's Snakefile with ``workdir`` as working directory (outputs land there).

    Returns the completed process (stdout and stderr as text). With ``check`` a non-zero
    exit fails the test and shows Snakemake's output.
    """
    cmd = [str(SNAKEMAKE), "-s", str(ROOT / "Snakefile"), "--directory", str(workdir), "--cores", "2"]
    if configfile is not None:
        cmd += ["--configfile", str(configfile)]
    cmd += list(args)
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env, cwd=workdir)
    if check and proc.returncode != 0:
        pytest.fail(f"snakemake failed ({proc.returncode}):\n{proc.stdout[-4000:]}\n{proc.stderr[-8000:]}")
    return proc


@pytest.fixture(scope="session")
def e2e_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The workflow run once on config/test/config.yaml; returns the working directory."""
    workdir = tmp_path_factory.mktemp("e2e")
    run_snakemake(workdir)
    return workdir
