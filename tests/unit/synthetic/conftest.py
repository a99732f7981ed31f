"""Fixtures of the synthetic-generator tests.

The shipped config/synthetic.yaml at scale 1 (220 units) is resolved and generated once per
session, in a fraction of a second. Tests that write files do so in a throw-away project
under tmp_path (the config, the real catalogue, the real MANIFEST and classification files),
so nothing is ever written into the repository.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from support import ROOT

from scripts.core.config import load_yaml
from scripts.synthetic.config import load_config
from scripts.synthetic.generate import SynthPanel, generate
from scripts.synthetic.params import SynthConfig

CONFIG = "config/synthetic.yaml"
#: What the generator reads from a project root.
PROJECT_FILES = [
    CONFIG,
    "config/indicators.csv",
    "config/series.csv",
    "data/raw/MANIFEST.csv",
    "data/raw/classifications/CLASS.xlsx",
    "data/raw/classifications/Historical_income_classification.xlsx",
    "data/raw/classifications/country-codes.csv",
]


@pytest.fixture(scope="session")
def cfg() -> SynthConfig:
    """The shipped config, resolved."""
    return load_config(CONFIG, project_root=ROOT)


@pytest.fixture(scope="session")
def synth(cfg: SynthConfig) -> SynthPanel:
    """The panel of the shipped config."""
    return generate(cfg)


@pytest.fixture
def raw() -> dict:
    """The shipped config as parsed YAML, a fresh copy for each test to edit."""
    return load_yaml(ROOT / CONFIG)


@pytest.fixture(scope="session")
def catalogue() -> tuple[pd.DataFrame, pd.DataFrame]:
    """The real indicators.csv and series.csv as text: the last two arguments of build_config."""
    return tuple(
        pd.read_csv(ROOT / p, dtype=str, keep_default_na=False, na_values=[])
        for p in ("config/indicators.csv", "config/series.csv")
    )


@pytest.fixture(scope="session")
def make_project() -> Callable[[Path], Path]:
    """Return a function that copies the files the generator reads into a throw-away project root."""

    def make(root: Path) -> Path:
        for rel in PROJECT_FILES:
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(ROOT / rel, root / rel)
        return root

    return make


@pytest.fixture(scope="session")
def values() -> Callable[..., pd.DataFrame]:
    """Return a function giving the (units x years) frame of one indicator of a panel."""

    def of(synth: SynthPanel, indicator: str, column: str = "value_complete") -> pd.DataFrame:
        d = synth.panel[synth.panel["indicator"] == indicator]
        return d.pivot(index="iso3", columns="year", values=column).reindex(index=list(synth.units["iso3"]))

    return of
