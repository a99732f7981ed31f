"""Shared fixtures. Helpers live in tests/support (on the path through pyproject's pytest settings)."""

from __future__ import annotations

from pathlib import Path

import pytest
from support import run_snakemake


@pytest.fixture(scope="session")
def e2e_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The workflow run once on config/test/config.yaml; returns the working directory."""
    workdir = tmp_path_factory.mktemp("e2e")
    run_snakemake(workdir)
    return workdir
