"""Config and catalogue validation: typos, unknown values and unsafe paths stop the run early."""

from __future__ import annotations

import copy
import subprocess
import sys
from pathlib import Path

import pytest

from scripts.core.catalogue import load_catalogue
from scripts.core.config import load_yaml, validate_config
from scripts.core.errors import ConfigError

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def base() -> dict:
    return load_yaml(ROOT / "config" / "config.yaml")


def check(cfg: dict) -> dict:
    return validate_config(copy.deepcopy(cfg), project_root=ROOT)


def test_default_config_is_valid_and_defaults_are_filled(base: dict) -> None:
    cfg = check(base)
    assert cfg["harmonize"]["on_unknown_entity"] == "error"
    assert cfg["validation"]["out_of_range"] in ("drop", "reject")


def deep_merge(a: dict, b: dict) -> dict:
    """Merge ``b`` into ``a`` the way Snakemake merges --configfile onto configfile:."""
    out = copy.deepcopy(a)
    for k, v in b.items():
        out[k] = deep_merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def test_test_config_is_valid(base: dict) -> None:
    check(deep_merge(base, load_yaml(ROOT / "config" / "test" / "config.yaml")))


def test_misspelt_key_is_named_with_a_suggestion(base: dict) -> None:
    cfg = copy.deepcopy(base)
    cfg["analysis"]["frist_year"] = cfg["analysis"].pop("first_year")
    with pytest.raises(ConfigError) as exc:
        check(cfg)
    msg = str(exc.value)
    assert "frist_year" in msg and "did you mean 'first_year'" in msg and "config/config.yaml" in msg


def test_unknown_reader_is_refused_with_the_allowed_values(base: dict) -> None:
    cfg = copy.deepcopy(base)
    cfg["sources"][0]["reader"] = "itu_timeseris"
    with pytest.raises(ConfigError) as exc:
        check(cfg)
    assert "itu_timeseris" in str(exc.value) and "did you mean 'itu_timeseries'" in str(exc.value)


@pytest.mark.parametrize("path", ["/etc/passwd", "../shared/data/raw/itu/x.xls", "itu/../../../x.csv"])
def test_paths_outside_the_project_are_refused(base: dict, path: str) -> None:
    cfg = copy.deepcopy(base)
    cfg["sources"][0]["files"] = [path]
    with pytest.raises(ConfigError) as exc:
        check(cfg)
    assert "outside the project" in str(exc.value)


def test_analysis_years_in_the_wrong_order(base: dict) -> None:
    cfg = copy.deepcopy(base)
    cfg["analysis"] = {"first_year": 2015, "last_year": 2000}
    with pytest.raises(ConfigError, match="after analysis.last_year"):
        check(cfg)


def test_yaml_is_loaded_safely(tmp_path: Path) -> None:
    evil = tmp_path / "evil.yaml"
    marker = tmp_path / "pwned"
    evil.write_text(f"seed: !!python/object/apply:os.system ['touch {marker}']\n")
    with pytest.raises(ConfigError):
        load_yaml(evil)
    assert not marker.exists()


def write_catalogue(tmp_path: Path, ind: str, ser: str, ent: str) -> tuple[Path, Path, Path]:
    paths = tmp_path / "i.csv", tmp_path / "s.csv", tmp_path / "e.csv"
    for p, text in zip(paths, (ind, ser, ent)):
        p.write_text(text)
    return paths


IND = (
    "indicator,name,unit,role,pillar,direction,core_code,mdg_code,themes,min,max,description\n"
    "net,Internet,percent,use,use,1,HH7,8.16,ict,0,100,\n"
)
SER = "source,series,indicator,precedence,transform,factor,note\nwdi,IT.NET.USER.ZS,net,1,none,1,\n"
ENT = "kind,match,iso3,action,first_year,last_year,reason\nname,Netherlands Antilles,,drop,,,dissolved\n"


def test_catalogue_loads_and_types_columns(tmp_path: Path) -> None:
    cat = load_catalogue(*write_catalogue(tmp_path, IND, SER, ENT), ["wdi"])
    assert cat["indicators"].loc[0, "max"] == 100.0 and cat["series"].loc[0, "precedence"] == 1


@pytest.mark.parametrize(
    "ind, ser, ent, needle",
    [
        (IND.replace(",use,use,", ",usage,use,"), SER, ENT, "unknown role 'usage' (did you mean 'use'?)"),
        (IND, SER.replace(",net,1,", ",nett,1,"), ENT, "unknown indicator 'nett' (did you mean 'net'?)"),
        (IND, SER.replace("wdi,", "wdx,"), ENT, "unknown source 'wdx'"),
        (IND, SER.replace(",none,", ",per_head,"), ENT, "unknown transform 'per_head'"),
        (IND, SER, ENT.replace(",dissolved", ","), "needs a reason"),
        (IND.replace(",1,HH7", ",up,HH7"), SER, ENT, "direction 'up'"),
    ],
)
def test_catalogue_errors_name_file_row_and_column(tmp_path: Path, ind: str, ser: str, ent: str, needle: str) -> None:
    with pytest.raises(ConfigError) as exc:
        load_catalogue(*write_catalogue(tmp_path, ind, ser, ent), ["wdi"])
    msg = str(exc.value)
    assert needle in msg and "row 2" in msg


def test_real_catalogue_is_consistent(base: dict) -> None:
    cat = load_catalogue(
        ROOT / base["catalogue"]["indicators"],
        ROOT / base["catalogue"]["series"],
        ROOT / base["catalogue"]["entities"],
        [s["id"] for s in base["sources"]],
    )
    ind = cat["indicators"]
    assert set(ind["role"]) == {"readiness", "use", "impact", "outcome", "control"}
    # MDG 8.14-8.16 are ICT inputs, never outcomes (REFERENCE.md s.5).
    assert set(ind.loc[ind["mdg_code"].isin(["8.14", "8.15", "8.16"]), "role"]) <= {"readiness", "use"}
    assert ind["mdg_code"].map(type).eq(str).all()  # '7.10' must not become 7.1


def test_environment_yml_matches_the_lock() -> None:
    result = subprocess.run([sys.executable, str(ROOT / "tools" / "envsync.py"), "--check"], capture_output=True)
    assert result.returncode == 0, "environment.yml is out of date: run `python tools/envsync.py`"


def test_a_divide_measure_naming_an_unknown_index_is_refused(base: dict) -> None:
    cfg = copy.deepcopy(base)
    cfg["divide"] = {"measures": ["internet_users_pct", "index:itc"]}
    with pytest.raises(ConfigError, match=r"'index:itc' names no index of index.indices \(did you mean 'ict'\?\)"):
        check(cfg)


# ---------------------------------------------------------------------- hints for a wrong method (issue 10.9)


def _problems(**methods: object) -> str:
    cfg = copy.deepcopy(load_yaml(ROOT / "config" / "config.yaml"))
    cfg["impute"]["methods"].update(methods)
    with pytest.raises(ConfigError) as exc:
        validate_config(cfg, project_root=ROOT)
    return exc.value.problem


def test_an_unknown_chain_name_lists_the_steps_and_how_a_chain_is_written() -> None:
    text = _problems(readiness="missforest")
    assert "impute.methods.readiness = 'missforest' is not one of ['auto'] or a list of names from" in text
    for step in ("interpolate", "carry", "trend", "group_mean", "group_median", "knn", "iterative"):
        assert f"'{step}'" in text
    assert "e.g. [interpolate, carry, group_median]" in text and "impute.masking.candidates" in text


def test_a_near_miss_of_auto_is_suggested() -> None:
    assert "(did you mean 'auto'?)" in _problems(use="atuo")


@pytest.mark.parametrize(("value", "listed"), [("knn", "[knn]"), ("interpolate+carry", "[interpolate, carry]")])
def test_a_chain_written_as_text_is_shown_as_the_list_to_write(value: str, listed: str) -> None:
    assert f"impute.methods.impact = {value!r} is written as text; write it as a list: {listed}" in _problems(
        impact=value
    )


def test_a_malformed_candidate_chain_names_the_steps() -> None:
    cfg = copy.deepcopy(load_yaml(ROOT / "config" / "config.yaml"))
    cfg["impute"]["masking"]["candidates"] = ["interpolate+missforest"]
    with pytest.raises(ConfigError) as exc:
        validate_config(cfg, project_root=ROOT)
    assert (
        "candidates.0: 'interpolate+missforest' does not match the expected form: a chain of steps joined by '+'"
        in str(exc.value)
    )


# ---------------------------------------------------------------------- pre-reading --configfile (issue 10.8)


@pytest.mark.parametrize(
    ("argv", "files"),
    [
        (["--configfile", "a.yaml", "b.yaml", "-n"], ["a.yaml", "b.yaml"]),
        (["--configfile=a.yaml", "--until", "ingest"], ["a.yaml"]),
        (["--cores", "2", "--configfiles", "a.yaml", "--configfile", "b.yaml"], ["a.yaml", "b.yaml"]),
        (["--until", "ingest", "all"], []),
    ],
)
def test_configfiles_in_a_snakemake_command_line(argv: list[str], files: list[str]) -> None:
    from scripts.core.config import configfiles_in

    assert configfiles_in(argv) == files


@pytest.mark.parametrize(
    ("text", "says", "row"),
    [
        ("seed: 1\nimpute:\n  draws: !!python/object/apply:os.system ['true']\n", "!!python/object/apply:os.system", 3),
        ("seed: !!python/name:os.system\n", "the YAML tag !!python/name:os.system asks to construct", 1),
        ("seed: !!python/object/new:subprocess.Popen [['true']]\n", "!!python/object/new:subprocess.Popen", 1),
        ("__use_yte__: true\nseed: ?1+1\n", "declares __use_yte__", None),
        ("- seed\n- 1\n", "holds a list, not a mapping", 1),
        ("seed: [1\n", "not valid YAML", 2),
    ],
    ids=["apply", "name", "new", "yte", "list", "syntax"],
)
def test_preread_names_the_file_line_and_tag(tmp_path: Path, text: str, says: str, row: int | None) -> None:
    from scripts.core.config import preread_configfiles

    good, bad = tmp_path / "good.yaml", tmp_path / "bad.yaml"
    good.write_text("seed: 1\n", encoding="utf-8")
    bad.write_text(text, encoding="utf-8")
    preread_configfiles([good])
    with pytest.raises(ConfigError) as exc:
        preread_configfiles([good, bad])
    assert exc.value.file == str(bad) and exc.value.row == row and says in str(exc.value)
    with pytest.raises(ConfigError, match="config file not found"):
        preread_configfiles([tmp_path / "missing.yaml"])
