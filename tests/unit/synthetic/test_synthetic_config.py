"""Tests of the synthetic-data configuration: the JSON Schema (every key described, closed
objects, enums equal to the code's vocabularies), its messages (key paths, "did you mean"),
the defaults it fills, and the cross-field rules checked in Python.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from typing import Any

import jsonschema
import pytest
import yaml

from scripts.core.config import SCHEMA_DIR, load_yaml
from scripts.core.errors import ConfigError
from scripts.core.vocabulary import ROLES
from scripts.synthetic.config import SCHEMA, build_config, load_config
from scripts.synthetic.params import LINKS


@pytest.fixture(scope="module")
def schema() -> dict:
    return load_yaml(SCHEMA_DIR / SCHEMA)


def refused(raw: dict, catalogue: tuple, **kw: Any) -> str:
    """Return the message of the ConfigError that building ``raw`` raises."""
    with pytest.raises(ConfigError) as exc:
        build_config(raw, *catalogue, **kw)
    return str(exc.value)


def resolve(node: dict, schema: dict) -> dict:
    """Return ``node`` with its $ref merged in (the node's own keys, e.g. description, win)."""
    while "$ref" in node:
        target = schema
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
    return node


def undescribed(value: Any, node: dict, schema: dict, path: str = "") -> Iterator[str]:
    """Yield the key path of every key of ``value`` whose schema has no description."""
    node = resolve(node, schema)
    if isinstance(value, dict):
        for key, sub_value in value.items():
            sub = node.get("properties", {}).get(key, node.get("additionalProperties"))
            if not isinstance(sub, dict):
                yield f"{path}{key} (not in the schema)"
                continue
            if "description" not in resolve(sub, schema):
                yield f"{path}{key}"
            yield from undescribed(sub_value, sub, schema, f"{path}{key}.")
    elif isinstance(value, list) and "items" in node:
        for i, item in enumerate(value):
            yield from undescribed(item, node["items"], schema, f"{path}{i}.")


def object_schemas(node: Any, path: str = "") -> Iterator[tuple[str, dict]]:
    """Yield (path, schema) of every object schema inside ``node``."""
    if isinstance(node, dict):
        types = node.get("type")
        if "properties" in node or types == "object" or (isinstance(types, list) and "object" in types):
            yield path, node
        for key, sub in node.items():
            yield from object_schemas(sub, f"{path}/{key}")
    elif isinstance(node, list):
        for i, sub in enumerate(node):
            yield from object_schemas(sub, f"{path}/{i}")


# ======================================================================================
# The schema itself
# ======================================================================================


def test_schema_is_a_valid_draft_2020_12_schema(schema):
    jsonschema.Draft202012Validator.check_schema(schema)


def test_every_key_of_the_shipped_config_is_described(schema, raw):
    assert list(undescribed(raw, schema, schema)) == []


def test_every_object_of_the_schema_is_closed(schema):
    # Maps keyed by indicator id (diffusion, outcomes ...) have a schema for their values
    # instead of `false`; the ids are checked against the catalogue in Python.
    assert [path for path, node in object_schemas(schema) if "additionalProperties" not in node] == []


def test_schema_enums_equal_the_code_vocabularies(schema):
    assert schema["properties"]["indicators"]["properties"]["roles"]["items"]["enum"] == list(ROLES)
    assert schema["$defs"]["outcome_params"]["properties"]["link"]["enum"] == list(LINKS)


# ======================================================================================
# Valid configs and defaults
# ======================================================================================


def test_shipped_config_is_valid_and_left_unmodified(raw, catalogue):
    before = copy.deepcopy(raw)
    cfg = build_config(raw, *catalogue)
    assert raw == before
    assert cfg.n_units == 220 and cfg.config_file == "config/synthetic.yaml"


def test_defaults_fill_the_keys_left_out(raw, catalogue):
    full = build_config(raw, *catalogue)
    for key in ("name", "scale", "last_updated", "significant_digits", "max_decimals", "write_complete"):
        del raw[key]
    del raw["indicators"]["exclude"]
    for outcome in raw["outcomes"].values():
        del outcome["lag"]
    trimmed = build_config(raw, *catalogue)
    assert json.dumps(trimmed.to_dict(), sort_keys=True) == json.dumps(full.to_dict(), sort_keys=True)


def test_overrides_replace_the_file_values(raw, catalogue):
    cfg = build_config(raw, *catalogue, scale=0.5, seed=7)
    assert (cfg.scale, cfg.seed, cfg.n_units) == (0.5, 7, 110)


# ======================================================================================
# Schema errors: key paths and suggestions
# ======================================================================================


def test_unknown_keys_get_a_suggestion(raw, catalogue):
    raw["sead"] = raw.pop("seed")
    raw["income"]["log_sdd"] = raw["income"].pop("log_sd")
    msg = refused(raw, catalogue)
    assert "unknown key 'sead' (did you mean 'seed'?) under (top level)" in msg
    assert "unknown key 'log_sdd' (did you mean 'log_sd'?) under income" in msg
    assert "file config/synthetic.yaml" in msg


@pytest.mark.parametrize(
    "edit, needle",
    [
        (lambda r: r["income"].update(log_sd="wide"), "income.log_sd: 'wide' is not of type 'number'"),
        (lambda r: r["regions"][2].update(share="most"), "regions.2.share: 'most' is not of type 'number'"),
        (lambda r: r.update(write_complete="yes"), "write_complete: 'yes' is not of type 'boolean'"),
        (lambda r: r["years"].update(first=1995.5), "years.first: 1995.5 is not of type 'integer'"),
        (lambda r: r.update(last_updated="1 Jan 2025"), "last_updated: '1 Jan 2025' does not match"),
    ],
)
def test_wrong_types_are_named_with_their_key_path(raw, catalogue, edit, needle):
    edit(raw)
    assert needle in refused(raw, catalogue)


@pytest.mark.parametrize(
    "edit, needle",
    [
        (lambda r: r["missingness"]["ghost_units"].update(share=1.5), "missingness.ghost_units.share: 1.5 is greater"),
        (lambda r: r["outcomes"]["life_expectancy"].update(lag=11), "outcomes.life_expectancy.lag: 11 is greater"),
        (
            lambda r: r["diffusion"]["mobile_per100"].update(noise_ar=1),
            "diffusion.mobile_per100.noise_ar: 1 is greater",
        ),
        (lambda r: r["population"].update(log_sd=-1), "population.log_sd: -1 is less than the minimum of 0"),
        (lambda r: r["missingness"]["availability"].update(poverty_190=0), "missingness.availability.poverty_190: 0"),
        (lambda r: r["income"].update(thresholds_usd=[1045, 4095]), "income.thresholds_usd: [1045, 4095] is too short"),
        (lambda r: r["indicators"].update(roles=["usage"]), "indicators.roles.0 = 'usage' is not one of"),
        (lambda r: r["aggregates"].update(world="world"), "aggregates.world: 'world' does not match"),
    ],
)
def test_values_out_of_range_are_named_with_their_key_path(raw, catalogue, edit, needle):
    edit(raw)
    assert needle in refused(raw, catalogue)


def test_every_schema_problem_is_listed_at_once(raw, catalogue):
    raw["units"] = 0
    raw["pillar_corr"] = 2
    del raw["urban"]["slope"]
    msg = refused(raw, catalogue)
    assert "units: 0 is less than the minimum of 1" in msg
    assert "pillar_corr: 2 is greater than the maximum of 1" in msg
    assert "urban: 'slope' is a required property" in msg


def test_overrides_are_checked_like_the_file(raw, catalogue):
    assert "scale: 0 is less than or equal to the minimum of 0" in refused(raw, catalogue, scale=0)
    assert "seed: -1 is less than the minimum of 0" in refused(raw, catalogue, seed=-1)


def test_non_finite_numbers_are_refused(raw, catalogue):
    raw["income"]["log_sd"] = float("nan")
    raw["composite"]["mobile_per100"]["reference"] = float("inf")
    msg = refused(raw, catalogue)
    assert "income.log_sd, composite.mobile_per100.reference: not a finite number" in msg


def test_load_config_checks_the_file_before_reading_the_catalogue(tmp_path, make_project):
    root = make_project(tmp_path / "p")
    text = (root / "config" / "synthetic.yaml").read_text(encoding="utf-8")
    (root / "config" / "synthetic.yaml").write_text(re.sub(r"(?m)^sources:", "source:", text), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"unknown key 'source' \(did you mean 'sources'\?\)"):
        load_config("config/synthetic.yaml", project_root=root)


def test_an_empty_file_is_refused(tmp_path, make_project):
    root = make_project(tmp_path / "p")
    (root / "config" / "synthetic.yaml").write_text("# nothing\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"\(top level\): None is not of type 'object'"):
        load_config("config/synthetic.yaml", project_root=root)


# ======================================================================================
# Rules the schema cannot state
# ======================================================================================


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda r: r["composite"].update(life_expectancy={"reference": 1, "weight": 1}), "not a generated diffusion"),
        (lambda r: r["outcomes"]["maternal_mortality"].update(link="logit"), "logit link needs"),
        (lambda r: r["outcomes"]["life_expectancy"].update(link="probit"), "is not one of"),
        (lambda r: r["indicators"].update(exclude=["gdp_pc_usd"]), "gdp_pc_usd"),
        (lambda r: r["indicators"]["include"].append("poverty_300"), "has no parameters under outcomes"),
        (lambda r: r["diffusion"].update(mobile_per100={"rate": 0.2, "ceilin_rich": 3}), "did you mean 'ceiling_rich'"),
        (lambda r: r["diffusion"].update(internet_users_pct={"ceiling_rich": 120}), "below the catalogue maximum"),
        (lambda r: r.update(analysis={"first_year": 1990, "last_year": 2015}), "analysis.first_year: 1990 is before"),
        (lambda r: r["years"].update(last=1990), "years.last: 1990 is not after years.first (1995)"),
        (lambda r: r["income"].update(thresholds_usd=[1045, 12695, 4095]), "income.thresholds_usd: [1045"),
        (lambda r: r["income"].update(log_mean=12), "income.log_bounds: need log_bounds[0] < income.log_mean"),
        (lambda r: r["aggregates"]["income_groups"].update(H="WLD"), "aggregates: aggregate codes"),
        (lambda r: r["missingness"]["end_gap"].update(max_years=26), "missingness.end_gap.max_years: must be less"),
        (lambda r: [reg.update(share=0) for reg in r["regions"]], "regions: the region shares sum to 0"),
        (
            lambda r: r["missingness"]["availability"].update(internet_user_pct=0.5),
            "missingness.availability: 'internet_user_pct' is not in the catalogue "
            "(did you mean 'internet_users_pct'?)",
        ),
        (
            lambda r: r["outcomes"].update(under5_mortalty=r["outcomes"]["under5_mortality"]),
            "did you mean 'under5_mortality'",
        ),
        (lambda r: r["indicators"]["exclude"].append("hh_computers_pct"), "indicators.exclude: 'hh_computers_pct'"),
        (lambda r: r["outcomes"].update(gdp_pc_usd=r["outcomes"]["under5_mortality"]), "not 'outcome'"),
    ],
)
def test_cross_field_rules_are_refused_with_the_key(raw, catalogue, edit, message):
    edit(raw)
    assert message in refused(raw, catalogue)


def test_a_yaml_date_is_not_text(raw, catalogue):
    raw["last_updated"] = yaml.safe_load("d: 2025-01-01")["d"]
    assert "last_updated: datetime.date(2025, 1, 1) is not of type 'string'" in refused(raw, catalogue)
