"""The uncertainty block of the config: schema enums equal the vocabulary; unknown indices are refused."""

from __future__ import annotations

import pytest
from support import ROOT

from scripts.core import vocabulary as v
from scripts.core.config import SCHEMA_DIR, load_yaml, validate_config
from scripts.core.errors import ConfigError

UNC = load_yaml(SCHEMA_DIR / "config.schema.yaml")["properties"]["uncertainty"]["properties"]


def test_schema_enums_equal_the_vocabulary() -> None:
    inputs = UNC["inputs"]["properties"]
    assert list(inputs) == list(v.UNCERTAIN_INPUTS)
    assert inputs["aggregation"]["properties"]["methods"]["items"]["enum"] == list(v.UNCERTAIN_AGGREGATIONS)
    assert inputs["aggregation"]["properties"]["on_nonpositive"]["enum"] == list(v.ON_NONPOSITIVE)


def test_an_unknown_index_is_refused_before_anything_runs() -> None:
    config = load_yaml(ROOT / "config" / "config.yaml")
    config["uncertainty"]["indices"] = ["itc"]
    with pytest.raises(ConfigError, match="uncertainty.indices") as err:
        validate_config(config, project_root=ROOT)
    assert "ict" in str(err.value)  # the closest configured index is suggested
