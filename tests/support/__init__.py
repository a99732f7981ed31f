"""What the tests share: the project's paths and running the workflow in a scratch directory."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

ROOT = Path(__file__).resolve().parents[2]
#: Small fixture files (tests/data), and the vendored raw files the real-file tests read.
DATA = ROOT / "tests" / "data"
RAW = ROOT / "data" / "raw"
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


def job(tmp: Path, *, input: dict, output: dict, params: dict, name: str = "job") -> SimpleNamespace:
    """A stand-in for the ``snakemake`` object a rule's script receives (input, output, params, log).

    Output paths are relative to ``tmp``; the log goes to ``tmp/<name>.log``.
    """
    return SimpleNamespace(
        input=SimpleNamespace(**input),
        output=SimpleNamespace(**{k: str(tmp / v) for k, v in output.items()}),
        params=SimpleNamespace(**params),
        log=[str(tmp / f"{name}.log")],
    )
