"""The models config block: schema enums equal the vocabulary, and the cross-checks refuse what does not fit."""

from __future__ import annotations

import copy

import pytest
from support import ROOT

from scripts.core import vocabulary as v
from scripts.core.config import SCHEMA_DIR, load_yaml, validate_config
from scripts.core.errors import ConfigError
from scripts.models.settings import check_models_config

MODELS = load_yaml(SCHEMA_DIR / "config.schema.yaml")["properties"]["models"]["properties"]


def test_schema_enums_equal_the_vocabulary() -> None:
    assert MODELS["estimators"]["items"]["enum"] == list(v.ESTIMATORS)
    assert MODELS["se_types"]["items"]["enum"] == list(v.SE_TYPES)
    assert MODELS["headline"]["properties"]["estimator"]["enum"] == list(v.ESTIMATORS)
    assert MODELS["headline"]["properties"]["se_type"]["enum"] == list(v.SE_TYPES)
    assert MODELS["predictive"]["properties"]["models"]["items"]["enum"] == list(v.PREDICTIVE_MODELS)


@pytest.fixture(scope="module")
def config() -> dict:
    return validate_config(load_yaml(ROOT / "config" / "config.yaml"), project_root=ROOT)


def test_the_default_config_passes(config: dict) -> None:
    check_models_config(config, "config/config.yaml")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda m: m["headline"].update(lag=9), "headline.lag"),
        (lambda m: m["headline"].update(controls="nope"), "headline.controls"),
        (lambda m: m["control_sets"].update(extra=["gdp"]), "control_sets.extra"),
        (lambda m: m.update(index="nope"), "models.index"),
        (lambda m: m.update(draws=99), "exceeds impute.draws"),
        (lambda m: m.update(long_difference=10), "too few for lag"),
    ],
)
def test_a_block_that_does_not_fit_together_is_refused(config: dict, change, message: str) -> None:
    broken = copy.deepcopy(config)
    change(broken["models"])
    with pytest.raises(ConfigError, match=message):
        check_models_config(broken, "config/config.yaml")
