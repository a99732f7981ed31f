"""Config reaches rules leaf by leaf: changing one setting schedules exactly the rules that read it.

After the end-to-end run, each case changes one config leaf in an overlay and asks
Snakemake (dry run) what it would re-run. A rule that took a whole config block as one
param would be scheduled for a change to any leaf of the block; a rule downstream of a
re-run one is scheduled too, because its input would change.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
import yaml
from support import ROOT, TEST_CONFIG, run_snakemake

from scripts.core.config import load_yaml

pytestmark = pytest.mark.e2e

#: One index job per entry of index.indices (the test config keeps the default's).
N_INDICES = len(load_yaml(ROOT / "config" / "config.yaml")["index"]["indices"])
#: The manifest lists every output, so it follows every change; the published figures, tables and profiles
#: follow the published (ict) index.
MANIFEST = {"manifest": 1}
PUBLISHED = {"index_figures": 1, "quality_figures": 1, "publish_tables": 1, "country_profiles": 1, **MANIFEST}
#: The uncertainty stage of the ict index (the test config's 2 chunk jobs): after its index, and after the draws.
AFTER_ICT = {"uncertainty": 1, "sensitivity": 1, "uncertainty_figures": 1}
#: The published figures, tables and profiles that show the published index's rank bands (or Sobol' tables).
BANDS = {"index_figures": 1, "publish_tables": 1, "country_profiles": 1}
UNCERTAINTY = {"uncertainty_chunk": 2, **AFTER_ICT, **BANDS}
#: The models stage reads the panel, the imputation, the modelled index and the draws (two fit chunks).
MODELS_FITS = {"models_fit": 2, "models": 1, "models_figures": 1}
MODELS_ALL = {"models_outcomes": 1, "models_predictive": 1, **MODELS_FITS}
#: The divide stage and its figures follow the point imputation and the ict index (a divide measure).
DIVIDE = {"divide": 1, "divide_figures": 1}
#: Everything that depends on the point imputation, and on the masking experiment.
AFTER_IMPUTE = {
    "impute": 1,
    "impute_draws": 1,
    "impute_alternatives": 1,
    "index": N_INDICES,
    **PUBLISHED,
    **UNCERTAINTY,
    **MODELS_ALL,
    **DIVIDE,
}
AFTER_ACCURACY = {"impute_accuracy": 1, "accuracy_figure": 1, **AFTER_IMPUTE}

CASES: dict[str, tuple[dict, dict[str, int]]] = {
    "impute.draws": ({"impute": {"draws": 7}}, {"impute_draws": 1, **UNCERTAINTY, **MODELS_FITS, **MANIFEST}),
    # The alternative chains are read by the uncertainty stage only.
    "impute.runners_up": ({"impute": {"runners_up": 1}}, {"impute_alternatives": 1, **UNCERTAINTY, **MANIFEST}),
    "impute.masking.candidates": (
        {"impute": {"masking": {"candidates": ["interpolate+carry+group_median", "group_median"]}}},
        AFTER_ACCURACY,
    ),
    "impute.methods.control": (
        {"impute": {"methods": {"control": ["interpolate", "group_median"]}}},
        {"accuracy_figure": 1, **AFTER_IMPUTE},
    ),
    "index.audit.silent": (
        {"index": {"audit": {"silent": 0.25}}},
        {"index": N_INDICES, **PUBLISHED, **AFTER_ICT, **MODELS_ALL, **DIVIDE},
    ),
    # Every index's external validation is a published table; the figures follow the published index only.
    "index.indices.idi.final_scale": (
        {"index": {"indices": {"idi": {"final_scale": 100}}}},
        {"index": 1, "publish_tables": 1, **MANIFEST},
    ),
    "publish.selected": ({"publish": {"selected": ["KEN"]}}, {"index_figures": 1, **MANIFEST}),
    "divide.diffusion.min_r2": ({"divide": {"diffusion": {"min_r2": 0.8}}}, {**DIVIDE, **MANIFEST}),
    "divide.basis": ({"divide": {"basis": "with_imputed"}}, {**DIVIDE, **MANIFEST}),
    # Imputation that follows its evidence: read by the masking experiment, the point imputation and the draws.
    "impute.fill_unreported": ({"impute": {"fill_unreported": True}}, AFTER_ACCURACY),
    "impute.masking.min_cells": ({"impute": {"masking": {"min_cells": 50}}}, AFTER_ACCURACY),
    "models.lags": ({"models": {"lags": [0, 1]}}, {**MODELS_FITS, **MANIFEST}),
    "models.predictive.folds": ({"models": {"predictive": {"folds": 4}}}, {"models_predictive": 1, **MANIFEST}),
    "uncertainty.widest": ({"uncertainty": {"widest": 3}}, {"uncertainty": 1, **BANDS, **MANIFEST}),
    "uncertainty.sobol.resamples": (
        {"uncertainty": {"sobol": {"resamples": 40}}},
        {"sensitivity": 1, "uncertainty_figures": 1, "publish_tables": 1, **MANIFEST},
    ),
    "uncertainty.inputs.weights.spread": (
        {"uncertainty": {"inputs": {"weights": {"spread": 0.2}}}},
        {**UNCERTAINTY, **MANIFEST},
    ),
    "impute.screening.min_unit_share": (
        {"impute": {"screening": {"min_unit_share": 0.6}}},
        {"screen": 1, **AFTER_ACCURACY},
    ),
}


def scheduled(output: str) -> Counter:
    """Jobs per rule from the first 'Job stats' table of a dry run (the 'all' target left out)."""
    table = output.split("Job stats:", 1)[1].split("\n\n", 1)[0]
    rows = re.findall(r"^(\w+)\s+(\d+)$", table, flags=re.M)
    return Counter({rule: int(n) for rule, n in rows if rule not in ("all", "total")})


@pytest.mark.parametrize("leaf", sorted(CASES))
def test_a_changed_leaf_reruns_only_the_rules_that_read_it(e2e_run: Path, tmp_path: Path, leaf: str) -> None:
    overlay, expected = CASES[leaf]
    nothing = run_snakemake(e2e_run, "-n")
    assert "Nothing to be done" in nothing.stdout + nothing.stderr, "the end-to-end run must be complete first"
    extra = tmp_path / "overlay.yaml"
    extra.write_text(yaml.safe_dump(overlay))
    proc = run_snakemake(e2e_run, "-n", "--configfile", str(TEST_CONFIG), str(extra), configfile=None)
    assert scheduled(proc.stdout + proc.stderr) == Counter(expected)
