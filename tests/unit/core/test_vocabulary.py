"""The config schema's enums are the code's vocabulary, and the code's registries match it."""

from __future__ import annotations

import re

import pytest

from scripts.core import vocabulary as v
from scripts.core.config import SCHEMA_DIR, load_yaml
from scripts.impute.masking import BASELINES
from scripts.index.aggregate import AGG_METHODS as ENGINE_AGG
from scripts.index.engine import WEIGHT_METHODS as ENGINE_WEIGHTS
from scripts.index.normalise import NORM_METHODS as ENGINE_NORM
from scripts.ingest.readers import DATA_READERS

SCHEMA = load_yaml(SCHEMA_DIR / "config.schema.yaml")
DEFS = SCHEMA["$defs"]
INDEX = DEFS["index_definition"]["properties"]
TOP = SCHEMA["properties"]

CASES = {
    "sources[].reader": (DEFS["data_reader"]["enum"], v.DATA_READER_NAMES),
    "imputation steps": (DEFS["step"]["enum"], v.STEPS),
    "treatment.method": (INDEX["treatment"]["properties"]["method"]["enum"], v.TREATMENT_METHODS),
    "normalisation.method": (INDEX["normalisation"]["properties"]["method"]["enum"], v.NORM_METHODS),
    "normalisation.time": (INDEX["normalisation"]["properties"]["time"]["enum"], v.TIME_MODES),
    "normalisation.ties": (INDEX["normalisation"]["properties"]["ties"]["enum"], v.TIES),
    "normalisation.bounds": (INDEX["normalisation"]["properties"]["bounds"]["enum"], v.BOUNDS_RULES),
    "weighting": (DEFS["weight_method"]["enum"], v.WEIGHT_METHODS),
    "aggregation": (DEFS["agg_method"]["enum"], v.AGG_METHODS),
    "on_nonpositive": (INDEX["on_nonpositive"]["enum"], v.ON_NONPOSITIVE),
    "harmonize.on_unknown_entity": (TOP["harmonize"]["properties"]["on_unknown_entity"]["enum"], v.ON_UNKNOWN_ENTITY),
    "validation.out_of_range": (TOP["validation"]["properties"]["out_of_range"]["enum"], v.OUT_OF_RANGE),
    "analysis.economies": (TOP["analysis"]["properties"]["economies"]["enum"], v.ANALYSIS_ECONOMIES),
}


@pytest.mark.parametrize("key", sorted(CASES))
def test_schema_enum_equals_the_vocabulary(key: str) -> None:
    in_schema, in_code = CASES[key]
    assert list(in_schema) == list(in_code)


def test_masking_candidates_pattern_names_every_step() -> None:
    pattern = TOP["impute"]["properties"]["masking"]["properties"]["candidates"]["items"]["pattern"]
    alternatives = re.search(r"\^\(([^)]*)\)", pattern).group(1).split("|")
    assert alternatives == list(v.STEPS)


def test_the_reader_registry_holds_exactly_the_named_readers() -> None:
    assert list(DATA_READERS) == list(v.DATA_READER_NAMES)


def test_the_config_readme_describes_every_reader() -> None:
    doc = (SCHEMA_DIR.parents[1] / "config" / "README.md").read_text(encoding="utf-8")
    row = next(line for line in doc.splitlines() if line.startswith("| `reader` |"))
    assert re.findall(r"`([a-z_]+)` \(", row) == list(v.DATA_READER_NAMES)


def test_the_engine_uses_the_vocabulary() -> None:
    assert (ENGINE_AGG, ENGINE_WEIGHTS, ENGINE_NORM) == (v.AGG_METHODS, v.WEIGHT_METHODS, v.NORM_METHODS)


def test_income_labels_map_onto_the_income_groups() -> None:
    assert sorted(v.INCOME_LABELS.values()) == sorted(v.INCOME_GROUPS)
    assert set(v.ICT_ROLES) < set(v.ROLES)


def test_every_step_and_baseline_has_a_readable_name() -> None:
    assert set(v.METHOD_NAMES) == set(v.STEPS) | set(BASELINES)
    words = "interpolate > carry nearest > k-NN"
    assert v.method_label("interpolate+carry+knn") == words
