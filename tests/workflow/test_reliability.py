"""Reliability: bad inputs stop the run with a located, actionable message and leave nothing
finished-looking behind; an interrupted run resumes to the same bytes; two clean runs agree;
configuration is data, never code.

Raw-file cases work on a scratch copy of the project (tests/reliability/project.py), because the
workflow reads raw files from the project holding the Snakefile. The sha256 check against the
MANIFEST comes before any reader, so a case that tests a *reader's* message also updates the
copy's MANIFEST row; the sha256 check itself is tested with the MANIFEST left alone.

The slow cases (one Snakemake run or more each) start on a background pool with the module
(tests/reliability/runs.py) and overlap with the quick ones; each test waits for its own run.
The quick tests therefore come first in this file.
"""

from __future__ import annotations

import ast
import csv
import io
import random
import re
import signal
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest
from support import ROOT, TEST_CONFIG, run_snakemake
from support.project import (
    HARMONIZE_DIR,
    INGEST_DIR,
    Project,
    build_template,
    deep_merge,
    files_under,
    output_of,
    scenario_overlay,
    snakemake_command,
    snakemake_env,
    stray_files,
)
from support.project import (
    load_yaml as load_plain_yaml,
)
from support.runs import Background, compared_outputs, differing_outputs, run_and_kill

from scripts.core.config import load_yaml
from scripts.core.errors import ConfigError, InputError
from scripts.core.io import read_csv
from scripts.core.vocabulary import STEPS

pytestmark = pytest.mark.reliability


# ============================================================================ safety (quick)


EVIL_TAGS = {
    "apply": "seed: !!python/object/apply:os.system ['touch {mark}']\n",
    "new": "seed: !!python/object/new:subprocess.Popen [['touch', '{mark}']]\n",
    "name": "seed: !!python/name:os.system\n",
}


@pytest.mark.parametrize("kind", sorted(EVIL_TAGS))
def test_yaml_with_a_python_tag_is_refused_and_executes_nothing(tmp_path: Path, kind: str) -> None:
    """Via the real workflow (``--configfile evil.yaml``) and via the project's own loader."""
    mark = tmp_path / "pwned"
    evil = tmp_path / "evil.yaml"
    evil.write_text(EVIL_TAGS[kind].format(mark=mark), encoding="utf-8")
    workdir = tmp_path / "work"
    workdir.mkdir()
    proc = run_snakemake(workdir, configfile=evil, check=False)
    assert proc.returncode != 0, output_of(proc)[-3000:]
    assert not mark.exists(), "a YAML tag ran code"
    assert not (workdir / "results").exists()
    with pytest.raises(ConfigError) as exc:
        load_yaml(evil)
    assert str(evil) in str(exc.value) and not mark.exists()


@pytest.mark.xfail(
    strict=True,
    reason="Snakemake reads --configfile through yte: a file declaring `__use_yte__: true` evaluates `?expr` "
    "values as Python before the Snakefile (and its config validation) is parsed. Not fixable in the "
    "workflow: a config file must be trusted like code.",
)
def test_yte_expressions_in_a_config_file_execute_nothing(tmp_path: Path) -> None:
    mark = tmp_path / "pwned"
    evil = tmp_path / "evil.yaml"
    evil.write_text(f"__use_yte__: true\nseed: ?__import__('pathlib').Path('{mark}').touch() or 1\n", encoding="utf-8")
    workdir = tmp_path / "work"
    workdir.mkdir()
    run_snakemake(workdir, "--dry-run", configfile=evil, check=False)
    assert not mark.exists()


@pytest.mark.parametrize("kind", sorted(EVIL_TAGS) + ["yte"])
@pytest.mark.parametrize("target", ["run", "report"])
def test_make_pre_reads_every_configfile_and_names_file_line_and_tag(tmp_path: Path, kind: str, target: str) -> None:
    """The README's entry point: ``make run ARGS="--configfile a.yaml evil.yaml"`` stops before
    Snakemake reads anything, naming the file, the line and the tag (a yte template: the variant)."""
    mark = tmp_path / "pwned"
    evil = tmp_path / "evil.yaml"
    text = {**EVIL_TAGS, "yte": "__use_yte__: true\nseed: ?__import__('os').system('touch {mark}')\n"}[kind]
    evil.write_text("analysis: {first_year: 2005}\n" + text.format(mark=mark), encoding="utf-8")
    args = f"--configfile {TEST_CONFIG} {evil} --dry-run"
    # -o: never rebuild the venv from here; -s: only the commands' own output
    cmd = ["make", "-s", "-C", str(ROOT), "-o", ".venv/bin/.installed", target, f"ARGS={args}"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0 and not mark.exists()
    text = output_of(proc)
    assert f"file {evil}, row 2" in text or (kind == "yte" and f"file {evil}, column __use_yte__" in text), text
    if kind != "yte":
        assert f"the YAML tag !!python/{EVIL_TAGS[kind].split('!!python/')[1].split()[0]}" in text
    assert "what to do:" in text and "Building DAG" not in text, "Snakemake must not have started"


#: Calls that turn data into code. ``yaml.load`` is allowed only with a safe loader.
UNSAFE_CALLS = {"eval", "exec", "compile", "__import__"}
UNSAFE_ATTRS = {
    ("pickle", "load"),
    ("pickle", "loads"),
    ("pickle", "Unpickler"),
    ("marshal", "load"),
    ("marshal", "loads"),
    ("yaml", "unsafe_load"),
    ("yaml", "full_load"),
    ("yaml", "unsafe_load_all"),
    ("yaml", "full_load_all"),
    ("joblib", "load"),
    ("dill", "load"),
    ("dill", "loads"),
    ("shelve", "open"),
    ("pd", "read_pickle"),
    ("pandas", "read_pickle"),
}
SAFE_LOADERS = {"SafeLoader", "CSafeLoader", "BaseLoader", "CBaseLoader"}


def _loader_is_safe(node: ast.AST | None) -> bool:
    """True when every loader a ``Loader=`` expression can name is a safe one (e.g.
    ``yaml.SafeLoader`` or ``getattr(yaml, "CSafeLoader", yaml.SafeLoader)``)."""
    if node is None:
        return False
    names = [n.attr for n in ast.walk(node) if isinstance(n, ast.Attribute)]
    names += [n.id for n in ast.walk(node) if isinstance(n, ast.Name)]
    names += [n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)]
    loaders = [n for n in names if n.endswith("Loader")]
    return bool(loaders) and all(n in SAFE_LOADERS for n in loaders)


def _unsafe_calls(tree: ast.AST) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        f = node.func
        if isinstance(f, ast.Name) and f.id in UNSAFE_CALLS:
            found.append((node.lineno, f"{f.id}("))
        elif isinstance(f, ast.Attribute):
            owner = f.value.id if isinstance(f.value, ast.Name) else getattr(f.value, "attr", "")
            if (owner, f.attr) in UNSAFE_ATTRS or f.attr == "read_pickle":
                found.append((node.lineno, f"{owner}.{f.attr}("))
            if f.attr in ("load", "load_all") and owner == "yaml":
                loader = next(
                    (k.value for k in node.keywords if k.arg == "Loader"), node.args[1] if len(node.args) > 1 else None
                )
                if not _loader_is_safe(loader):
                    found.append((node.lineno, f"yaml.{f.attr}( without a safe Loader"))
    return found


#: The same, for rule files (Snakemake syntax, not plain Python): a line-by-line scan.
UNSAFE_LINE = re.compile(r"(?<![\w.])(eval|exec)\s*\(|pickle\.|read_pickle\s*\(|yaml\.(unsafe_|full_)?load(_all)?\s*\(")


def _unsafe_lines(text: str) -> list[tuple[int, str]]:
    found = []
    for i, line in enumerate(text.splitlines(), start=1):
        code = line.split("#", 1)[0]
        if UNSAFE_LINE.search(code) and not re.search(r"yaml\.load\(.*\b(C?Safe|C?Base)Loader\b", code):
            found.append((i, line.strip()))
    return found


def _code_files() -> list[Path]:
    files = [ROOT / "Snakefile"]
    for folder in ("scripts", "workflow"):
        files += sorted((ROOT / folder).rglob("*.py")) + sorted((ROOT / folder).rglob("*.smk"))
    return files


def test_no_module_turns_data_into_code() -> None:
    """No eval/exec, pickle, read_pickle or non-safe YAML loading in scripts/, workflow/ or the Snakefile."""
    problems = []
    for path in _code_files():
        text = path.read_text(encoding="utf-8")
        rel = path.relative_to(ROOT)
        if path.suffix == ".py":
            found = _unsafe_calls(ast.parse(text, filename=str(path)))
        else:
            found = _unsafe_lines(text)
        problems += [f"{rel}:{line}: {what}" for line, what in found]
    assert len(_code_files()) > 10
    assert problems == [], "unsafe calls:\n" + "\n".join(problems)


def test_the_static_check_catches_what_it_looks_for() -> None:
    bad = (
        "import yaml, pickle, pandas as pd\nyaml.load(s)\nyaml.load(s, Loader=yaml.FullLoader)\npickle.load(f)\n"
        "eval('1')\npd.read_pickle(p)\nexec(code)\nyaml.unsafe_load(s)\n"
    )
    ok = (
        "import yaml\nyaml.load(s, Loader=yaml.SafeLoader)\n"
        "yaml.load(s, Loader=getattr(yaml, 'CSafeLoader', yaml.SafeLoader))\n"
        "yaml.safe_load(s)\ndf.eval('a + b')\n"
    )
    assert len(_unsafe_calls(ast.parse(bad))) == 7
    assert _unsafe_calls(ast.parse(ok)) == []
    assert len(_unsafe_lines(bad)) == 7
    assert _unsafe_lines(ok) == []


# ============================================================================ every reader (quick, no workflow)


def _reader_cases() -> list[tuple[str, str]]:
    """(reader name, raw file) for every data and classification reader, on a file of the scratch scenario."""
    config = deep_merge(load_plain_yaml(ROOT / "config" / "config.yaml"), scenario_overlay())
    cases = {s["reader"]: s["files"][0] for s in config["sources"]}
    cls = config["classifications"]
    cases.update({cls[k]["reader"]: cls[k]["file"] for k in ("current", "income_history", "concordance")})
    cases["wb_metadata_country"] = cls["metadata"][0]
    cases["wb_groups"] = cls["current"]["file"]
    return sorted(cases.items())


def _damaged_copy(tmp_path: Path, rel: str, data: bytes) -> Path:
    path = tmp_path / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


DAMAGE: dict[str, Callable[[bytes], bytes]] = {
    "empty": lambda data: b"",
    "truncated": lambda data: data[: len(data) // 2],
    "garbage": lambda data: random.Random(3).randbytes(5000),
    "zeros": lambda data: bytes(1000),
    "error-page": lambda data: b"<!DOCTYPE html><html><body>404 Not Found</body></html>\n",
}


@pytest.mark.parametrize("damage", sorted(DAMAGE))
@pytest.mark.parametrize(("reader", "rel"), _reader_cases())
def test_every_reader_refuses_a_damaged_file_with_an_input_error(
    tmp_path: Path, reader: str, rel: str, damage: str
) -> None:
    """Each reader, on a damaged copy of a real file, raises InputError naming the file and a
    remedy (never a bare ValueError, KeyError or parser traceback)."""
    from scripts.ingest.readers import CLASSIFICATION_READERS, DATA_READERS
    from scripts.ingest.readers.classifications import read_wb_groups

    read = {**DATA_READERS, **CLASSIFICATION_READERS, "wb_groups": read_wb_groups}[reader]
    path = _damaged_copy(tmp_path, rel, DAMAGE[damage]((ROOT / "data" / "raw" / rel).read_bytes()))
    if reader == "wb_datahub":
        (path.parent / "datapackage.json").write_bytes(
            (ROOT / "data" / "raw" / Path(rel).parent / "datapackage.json").read_bytes()
        )
    with pytest.raises(InputError) as exc:
        read(path, rel, "source")
    assert exc.value.file == rel and exc.value.fix


def test_latin1_mdg_export_names_the_line(tmp_path: Path) -> None:
    """The UN MDG export with Côte d'Ivoire accented, saved as Latin-1: the line is named even far
    beyond the first read buffer (where a text decoder's offset points elsewhere)."""
    from scripts.ingest.readers.unmdg import read_un_mdg

    rel = "unmdg/MDG_Export_20191227.csv"
    data = (
        (ROOT / "data" / "raw" / rel)
        .read_bytes()
        .decode("utf-8-sig")
        .replace("Cote d'Ivoire", "Côte d'Ivoire")
        .encode("latin-1")
    )
    row = data.count(b"\n", 0, data.index("Côte".encode("latin-1"))) + 1
    assert row > 100
    with pytest.raises(InputError) as exc:
        read_un_mdg(_damaged_copy(tmp_path, rel, data), rel, "un_mdg")
    assert (exc.value.file, exc.value.row) == (rel, row)
    assert "not valid UTF-8" in str(exc.value) and "Latin-1" in str(exc.value)


def test_windows1252_concordance_names_the_line(tmp_path: Path) -> None:
    """datahub's country-codes.csv (Côte d’Ivoire, Curaçao, Arabic and Chinese names) saved as Windows-1252."""
    from scripts.ingest.readers.classifications import read_country_codes

    rel = "classifications/country-codes.csv"
    text = (ROOT / "data" / "raw" / rel).read_bytes().decode("utf-8-sig")
    assert "Curaçao" in text and "Côte d’Ivoire" in text
    data = text.encode("cp1252", errors="replace")
    row = data.count(b"\n", 0, re.search(rb"[\x80-\xff]", data).start()) + 1
    with pytest.raises(InputError) as exc:
        read_country_codes(_damaged_copy(tmp_path, rel, data), rel, "concordance")
    assert (exc.value.file, exc.value.row) == (rel, row)
    assert "Windows-1252" in str(exc.value) and exc.value.fix


def test_databank_extract_without_its_metadata_sheet_is_refused(tmp_path: Path) -> None:
    from scripts.ingest.readers.wb_databank import read_wb_databank

    rel = "worldbank/databank_extract/extract.xlsx"
    book = openpyxl.Workbook()
    book.active.title = "Data"
    book.active.append(["Country Name", "Country Code", "Series Name", "Series Code", "2005 [YR2005]"])
    path = tmp_path / "extract.xlsx"
    book.save(path)
    with pytest.raises(InputError) as exc:
        read_wb_databank(path, rel, "wdi_databank")
    assert exc.value.file == rel and "sheet 'Series - Metadata' not found" in str(exc.value)
    assert "['Data']" in str(exc.value) and "export the extract" in str(exc.value)


@pytest.mark.parametrize("named_by", ["path", "glob"])
def test_symbolic_link_out_of_the_project_is_refused(template: Project, tmp_path: Path, named_by: str) -> None:
    """A raw file of a project copy replaced by a link to the repository's file (what a 'small'
    scratch project might be tempted to do), named by its path or matched by a glob pattern (as
    config/config.yaml names most raw files): the config check refuses it."""
    from scripts.core.config import validate_config

    project = template.clone(tmp_path / "project")
    rel = source_file(project, *WB_API)
    (project.raw / rel).unlink()
    (project.raw / rel).symlink_to(ROOT / "data" / "raw" / rel)
    config = project.config()
    index = [s["id"] for s in config["sources"]].index(WB_API[0])
    if named_by == "glob":
        config["sources"][index]["files"] = [str(Path(rel).parent / "API_*.csv")]
    with pytest.raises(ConfigError) as exc:
        validate_config(config, project_root=project.root)
    message = str(exc.value)
    assert f"sources[{index}].files" in message and "outside the project (a symbolic link?)" in message
    assert "copy the file into the project" in message


# ============================================================================ configuration (quick: nothing runs)


def run_with_overlay(tmp_path: Path, text: str) -> tuple[subprocess.CompletedProcess, Path]:
    """Run the real workflow (test scenario + the overlay ``text``) in an empty working directory."""
    overlay = tmp_path / "overlay.yaml"
    overlay.write_text(text, encoding="utf-8")
    workdir = tmp_path / "work"
    workdir.mkdir()
    proc = run_snakemake(workdir, "--configfile", str(TEST_CONFIG), str(overlay), configfile=None, check=False)
    return proc, workdir


def assert_stopped_before_running_text(text: str, workdir: Path, says: list[str]) -> None:
    for s in says + ["what to do:"]:
        assert s in text, f"{s!r} not in the output:\n{text[-4000:]}"
    assert not (workdir / "results").exists(), "nothing may run on an invalid configuration"


def assert_stopped_before_running(proc: subprocess.CompletedProcess, workdir: Path, says: list[str]) -> None:
    assert proc.returncode != 0, output_of(proc)[-3000:]
    assert_stopped_before_running_text(output_of(proc), workdir, says)


#: One overlay with every kind of typo; the configuration check lists all of them at once.
CONFIG_TYPOS = """\
analysis: {frist_year: 2005}
imputee: {draws: 3}
validation: {out_of_rnage: reject}
index:
  indices:
    ict: {normalisation: {method: minmaxx}, aggregation: {default: arithmatic}}
    idi: {weighting: pcaa}
impute: {methods: {control: [interpolate, carry, group_medain], readiness: missforest, use: interpolate+carry}}
sources: [{id: itu_2019, reader: itu_timeseris, files: [itu/Mobile_cellular_2000-2018_Jun2019.xls]}]
"""
MISSPELT_KEYS = {
    "nested": "unknown key 'frist_year' (did you mean 'first_year'?) under analysis",
    "top-level": "unknown key 'imputee' (did you mean 'impute'?) under (top level)",
    "validation": "unknown key 'out_of_rnage' (did you mean 'out_of_range'?) under validation",
}
UNKNOWN_METHODS = {
    "normalisation": "index.indices.ict.normalisation.method = 'minmaxx' is not one of",
    "aggregation": "index.indices.ict.aggregation.default = 'arithmatic' is not one of",
    "weighting": "index.indices.idi.weighting = 'pcaa' is not one of",
    "imputation-step": "impute.methods.control.2 = 'group_medain' is not one of",
    "imputation-chain": "impute.methods.readiness = 'missforest' is not one of ['auto'] or a list of names from "
    f"{list(STEPS)}",
    "chain-as-text": "impute.methods.use = 'interpolate+carry' is written as text",
    "reader": "sources.0.reader = 'itu_timeseris' is not one of",
}
SUGGESTIONS = {
    "normalisation": "(did you mean 'minmax'?)",
    "aggregation": "(did you mean 'arithmetic'?)",
    "weighting": "(did you mean 'pca'?)",
    "imputation-step": "(did you mean 'group_median'?)",
    "imputation-chain": "a list of steps applied in order, e.g. [interpolate, carry, group_median])",
    "chain-as-text": "write it as a list: [interpolate, carry]",
    "reader": "(did you mean 'itu_timeseries'?)",
}


@pytest.fixture(scope="module")
def config_typos(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path, Path]:
    """The real workflow run once with CONFIG_TYPOS: its output, working directory and overlay file."""
    tmp = tmp_path_factory.mktemp("config_typos")
    proc, workdir = run_with_overlay(tmp, CONFIG_TYPOS)
    assert proc.returncode != 0
    return output_of(proc), workdir, tmp / "overlay.yaml"


def _problem_lines(text: str) -> list[str]:
    return [line.strip()[2:] for line in text.splitlines() if line.startswith("  - ")]


@pytest.mark.parametrize("case", list(MISSPELT_KEYS))
def test_misspelt_config_key_is_named_with_a_suggestion_and_nothing_runs(
    config_typos: tuple[str, Path, Path], case: str
) -> None:
    text, workdir, overlay = config_typos
    # The message names every file merged into the config, the overlay holding the typo included.
    named = f"config/config.yaml + {TEST_CONFIG} + {overlay}: the configuration is invalid"
    assert_stopped_before_running_text(text, workdir, [MISSPELT_KEYS[case], named])


@pytest.mark.parametrize("case", list(UNKNOWN_METHODS))
def test_unknown_method_is_named_with_a_suggestion_and_nothing_runs(
    config_typos: tuple[str, Path, Path], case: str
) -> None:
    text, workdir, _ = config_typos
    line = next((x for x in _problem_lines(text) if x.startswith(UNKNOWN_METHODS[case])), None)
    assert line is not None, text[-4000:]
    assert line.endswith(SUGGESTIONS[case]), line
    assert_stopped_before_running_text(text, workdir, [])


def test_every_config_problem_is_listed_at_once(config_typos: tuple[str, Path, Path]) -> None:
    text, _, _ = config_typos
    assert len(_problem_lines(text)) == len(MISSPELT_KEYS) + len(UNKNOWN_METHODS), text[-4000:]


@pytest.mark.parametrize(
    ("overlay", "key"),
    [
        ("catalogue: {indicators: /etc/passwd}", "catalogue.indicators = '/etc/passwd'"),
        ("catalogue: {series: ../series.csv}", "catalogue.series = '../series.csv'"),
        ("paths: {raw: data/raw/../../../raw}", "paths.raw = 'data/raw/../../../raw'"),
    ],
    ids=["absolute", "dotdot", "dotdot-inside"],
)
def test_path_leaving_the_project_is_refused_and_nothing_runs(tmp_path: Path, overlay: str, key: str) -> None:
    proc, workdir = run_with_overlay(tmp_path, overlay)
    assert_stopped_before_running(proc, workdir, [key, "points outside the project", "refer to it relatively"])


# ================================================================ the scratch project and the background runs


@pytest.fixture(scope="session")
def template(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """The scratch project every raw-file case clones (built once)."""
    return build_template(tmp_path_factory.mktemp("reliability") / "template")


def source_file(project: Project, source: str, contains: str = "") -> str:
    """The scratch scenario's file of ``source`` whose path contains ``contains``."""
    files = next(s["files"] for s in project.overlay["sources"] if s["id"] == source)
    return next(f for f in files if contains in f)


def reading_first(project: Project, rel: str, changes: dict | None = None) -> Path:
    """A config file of ``project`` that reads ``rel`` before every other raw file.

    Ingest stops at the first bad file, so reading it first keeps a failing case short.
    """
    sources = [dict(s) for s in project.overlay["sources"]]
    owner = next(s for s in sources if rel in s["files"])
    owner["files"] = [rel] + [f for f in owner["files"] if f != rel]
    ordered = [owner] + [s for s in sources if s is not owner]
    return project.config_file({"sources": ordered, **(changes or {})})


def lines_of(data: bytes) -> list[bytes]:
    """The physical lines of ``data`` with their line ends (line n is item n - 1)."""
    return data.splitlines(keepends=True)


def line_number(data: bytes, needle: bytes) -> int:
    """The 1-based physical line holding the first occurrence of ``needle``."""
    return data.count(b"\n", 0, data.index(needle)) + 1


def set_csv_cell(data: bytes, line: int, header_line: int, column: str, text: str) -> bytes:
    """Set the cell of ``column`` on physical ``line`` of a CSV (other lines keep their bytes)."""
    lines = lines_of(data)
    header = next(csv.reader([lines[header_line - 1].decode("utf-8-sig")]))
    raw = lines[line - 1].decode("utf-8-sig")
    ending = raw[len(raw.rstrip("\r\n")) :]
    fields = next(csv.reader([raw.rstrip("\r\n")]))
    fields[header.index(column)] = text
    out = io.StringIO()
    csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator=ending).writerow(fields)
    lines[line - 1] = out.getvalue().encode("utf-8")
    return b"".join(lines)


def where(rel: str, row: int | None = None, column: str | None = None) -> str:
    """The location prefix of an InputError message (scripts/errors.py)."""
    parts = [f"file {rel}"] + ([f"row {row}"] if row is not None else []) + ([f"column {column}"] if column else [])
    return ", ".join(parts) + ":"


def assert_refused(proc: subprocess.CompletedProcess, project: Project, *, stage: str, says: list[str]) -> str:
    """The run failed, its output says everything in ``says`` and what to do, and the failed stage
    left no output and no temporary file. Returns the run's output."""
    text = output_of(proc)
    assert proc.returncode != 0, f"the run should have failed:\n{text[-3000:]}"
    for s in says + ["what to do:"]:
        assert s in text, f"{s!r} not in the output:\n{text[-6000:]}"
    assert files_under(project.root / stage) == [], f"the failed job left outputs in {stage}"
    assert stray_files(project.results) == []
    if stage != "results":  # a job ran and failed: its log (which Snakemake points to) says why
        logs = project.results / "logs" / Path(stage).name
        log = "".join(f.read_text(encoding="utf-8") for f in sorted(logs.glob("*.log")))
        assert says[0] in log and "what to do:" in log, f"the job's log lacks the reason:\n{log[-3000:]}"
    return text


#: A World Bank API CSV of the scratch scenario (source, part of its name) and its header line.
WB_API = ("wdi_api_2025", "SP.URB.TOTL.IN.ZS")
WB_API_HEADER_LINE = 5


@dataclass
class Refusal:
    """What a damaged input must produce: a failed run whose output says all of ``says``, with
    nothing left in ``stage`` (the directory of the job that refuses it)."""

    says: list[str]
    configfile: Path | None = None
    stage: str = INGEST_DIR
    args: tuple[str, ...] = ("--until", "ingest")
    check: Callable[[Project], None] | None = None  # more to verify after the run


RAW_CASES: dict[str, Callable[[Project], Refusal]] = {}


def raw_case(make: Callable[[Project], Refusal]) -> Callable[[Project], Refusal]:
    """Register a raw-file case: ``make`` damages a scratch project and says what must happen."""
    RAW_CASES[make.__name__] = make
    return make


@raw_case
def empty_api_csv(project: Project) -> Refusal:
    rel = source_file(project, *WB_API)
    project.write(rel, b"")
    return Refusal([where(rel), "file is empty", "download the file again"], reading_first(project, rel))


@raw_case
def api_csv_cut_mid_line(project: Project) -> Refusal:
    """A World Bank API CSV cut in the middle of a data line (an interrupted download)."""
    rel = source_file(project, *WB_API)
    data = project.read(rel)
    lines = lines_of(data)
    cut_line = len(lines) // 2
    cut = sum(len(x) for x in lines[: cut_line - 1]) + len(lines[cut_line - 1]) // 2
    project.write(rel, data[:cut])
    return Refusal([where(rel, cut_line), "truncated", "download the file again"], reading_first(project, rel))


@raw_case
def latin1_api_csv_with_accents(project: Project) -> Refusal:
    """Someone writes Côte d'Ivoire and Curaçao with their accents and saves the CSV as Latin-1."""
    rel = source_file(project, *WB_API)
    text = project.read(rel).decode("utf-8-sig")
    assert "Cote d'Ivoire" in text and "Curacao" in text
    data = text.replace("Cote d'Ivoire", "Côte d'Ivoire").replace("Curacao", "Curaçao").encode("latin-1")
    project.write(rel, data)
    row = line_number(data, "Côte".encode("latin-1"))
    return Refusal([where(rel, row), "not valid UTF-8", "Latin-1", "re-save it as UTF-8"], reading_first(project, rel))


@raw_case
def binary_garbage_as_csv(project: Project) -> Refusal:
    rel = source_file(project, *WB_API)
    data = random.Random(1).randbytes(4096)
    project.write(rel, data)
    row = data.count(b"\n", 0, re.search(rb"[\x00-\x08\x0e-\x1f]", data).start()) + 1
    return Refusal([where(rel, row), "binary content", "not a text CSV"], reading_first(project, rel))


@raw_case
def changed_api_header(project: Project) -> Refusal:
    """'Country Name' renamed 'Economy' in the header of a World Bank API CSV."""
    rel = source_file(project, *WB_API)
    lines = lines_of(project.read(rel))
    lines[WB_API_HEADER_LINE - 1] = lines[WB_API_HEADER_LINE - 1].replace(b'"Country Name"', b'"Economy"', 1)
    project.write(rel, b"".join(lines))
    says = [where(rel, WB_API_HEADER_LINE), "unexpected header", "'Economy'", "Country Name", "adapt the reader"]
    return Refusal(says, reading_first(project, rel))


@raw_case
def itu_workbook_without_its_sheet(project: Project) -> Refusal:
    """An ITU time series re-saved as .xlsx (built with openpyxl) whose sheet is not 'Final';
    a copied config points at it."""
    old = source_file(project, "itu_2019")
    rel = str(Path(old).with_suffix(".xlsx"))
    book = openpyxl.Workbook()
    book.active.title = "Data"
    book.active.append(["Economy", 2000, 2001])
    book.active.append(["Aruba", 15.4, 17.1])
    book.save(project.raw / rel)
    project.register(rel, like=old)
    project.overlay["sources"] = [
        dict(s, files=[rel]) if s["id"] == "itu_2019" else s for s in project.overlay["sources"]
    ]
    says = [where(rel), "no sheet 'Final'", "['Data']", "ITU may have renamed the sheet"]
    return Refusal(says, reading_first(project, rel))


@raw_case
def duplicate_economy_year_line(project: Project) -> Refusal:
    """A datahub long CSV (one line per economy and year) with line 10 repeated at the end."""
    rel = source_file(project, "wdi_datahub")
    lines = lines_of(project.read(rel))
    code, year = lines[9].decode().split(",")[1:3]
    project.write(rel, b"".join(lines + [lines[9]]))
    says = [
        f"duplicate data line for (Country Code={code}, Year={year})",
        f"row=10; file={rel}, row={len(lines) + 1}",
        "remove the repeated row",
    ]
    return Refusal(says, reading_first(project, rel))


@raw_case
def non_numeric_value(project: Project) -> Refusal:
    """A decimal comma ('43,1') in a year column of a World Bank API CSV."""
    rel = source_file(project, *WB_API)
    data = project.read(rel)
    row = line_number(data, b'"Aruba","ABW"')
    project.write(rel, set_csv_cell(data, row, WB_API_HEADER_LINE, "2010", "43,1"))
    return Refusal(
        [where(rel, row, "2010"), "non-numeric value '43,1'", "columns are not shifted"], reading_first(project, rel)
    )


@raw_case
def sha256_mismatch(project: Project) -> Refusal:
    """One value changed in a raw file whose MANIFEST row is left as it was."""
    rel = source_file(project, *WB_API)
    data = project.read(rel)
    row = line_number(data, b'"Aruba","ABW"')
    project.write(rel, set_csv_cell(data, row, WB_API_HEADER_LINE, "2010", "43.1"), manifest=False)
    says = [f"sha256 mismatch for raw file {rel}", "the MANIFEST says", "restore the original file", "new vintage"]
    return Refusal(says, project.config_file())


@raw_case
def raw_file_not_in_the_manifest(project: Project) -> Refusal:
    old = source_file(project, *WB_API)
    rel = old.replace(".csv", "_copy.csv")
    (project.raw / rel).write_bytes(project.read(old))
    project.overlay["sources"] = [
        dict(s, files=s["files"] + [rel]) if s["id"] == WB_API[0] else s for s in project.overlay["sources"]
    ]
    return Refusal(
        [f"raw file {rel} is not listed in the MANIFEST", "add the file's provenance"], project.config_file()
    )


@raw_case
def unknown_entity(project: Project) -> Refusal:
    """Aruba renamed 'Atlantis' (code ATL): ingest reads it, harmonisation refuses it."""
    rel = source_file(project, *WB_API)
    data = project.read(rel)
    row = line_number(data, b'"Aruba","ABW"')
    data = set_csv_cell(data, row, WB_API_HEADER_LINE, "Country Name", "Atlantis")
    project.write(rel, set_csv_cell(data, row, WB_API_HEADER_LINE, "Country Code", "ATL"))

    def ingest_succeeded(project: Project) -> None:
        assert files_under(project.root / INGEST_DIR), "ingest reads the file; harmonisation refuses the entity"

    says = [
        "1 unknown entity",
        f"'Atlantis' (code 'ATL') in {rel} row {row}",
        "config/entities.csv",
        "on_unknown_entity: drop",
    ]
    return Refusal(
        says, project.config_file(), stage=HARMONIZE_DIR, args=("--until", "harmonize"), check=ingest_succeeded
    )


# ---------------------------------------------------------------- every bad cell of a file named (issue 10.2)


@raw_case
def four_non_numeric_values(project: Project) -> Refusal:
    """Four bad cells on three lines of a World Bank API CSV: all four named in one error."""
    rel = source_file(project, *WB_API)
    data = project.read(rel)
    aruba, afghanistan = line_number(data, b'"Aruba","ABW"'), line_number(data, b'"Afghanistan","AFG"')
    zambia = line_number(data, b'"Zambia","ZMB"')
    for line, column, text in [(aruba, "2010", "43,1"), (aruba, "2011", "n.a."), (afghanistan, "2005", "#VALUE!")]:
        data = set_csv_cell(data, line, WB_API_HEADER_LINE, column, text)
    project.write(rel, set_csv_cell(data, zambia, WB_API_HEADER_LINE, "1999", "12%"))
    says = [
        where(rel, aruba, "2010"),
        "4 such cells in this file",
        f"row {afghanistan}, column 2005: '#VALUE!'",
        f"row {aruba}, column 2010: '43,1'",
        f"row {aruba}, column 2011: 'n.a.'",
        f"row {zambia}, column 1999: '12%'",
    ]
    return Refusal(says, reading_first(project, rel))


@raw_case
def two_malformed_years(project: Project) -> Refusal:
    """Variant: a datahub long CSV (one line per economy and year) with two years mistyped."""
    rel = source_file(project, "wdi_datahub")
    lines = lines_of(project.read(rel))
    lines[4] = lines[4].replace(b",20", b",2O", 1)
    lines[40] = lines[40].replace(b",20", b",", 1)
    project.write(rel, b"".join(lines))
    says = [where(rel, 5, "Year"), "is not a four-digit year", "2 such cells in this file", "row 41, column Year"]
    return Refusal(says, reading_first(project, rel))


# ---------------------------------------------------------------- codes of the wrong kind (issue 10.3)


@raw_case
def iso3_code_in_the_m49_column(project: Project) -> Refusal:
    """The UN MDG export's numeric M49 CountryCode of Afghanistan (4) replaced by its ISO3 code."""
    rel = source_file(project, "un_mdg_2019")
    lines = lines_of(project.read(rel))
    first = next(i for i, line in enumerate(lines) if line.startswith(b"4,Afghanistan,"))
    lines[first] = b"AFG" + lines[first][1:]
    project.write(rel, b"".join(lines))
    says = [where(rel, first + 1, "CountryCode"), "CountryCode 'AFG' is not a numeric code", "such as '4' or '004'"]
    return Refusal(says, reading_first(project, rel))


@raw_case
def spreadsheet_error_as_country_code(project: Project) -> Refusal:
    """'#N/A' (what a spreadsheet lookup writes) as the Country Code of two lines of a WDI API CSV:
    both named as malformed codes, not as unknown entities at harmonisation."""
    rel = source_file(project, *WB_API)
    data = project.read(rel)
    aruba, zambia = line_number(data, b'"Aruba","ABW"'), line_number(data, b'"Zambia","ZMB"')
    for line in (aruba, zambia):
        data = set_csv_cell(data, line, WB_API_HEADER_LINE, "Country Code", "#N/A")
    project.write(rel, data)
    says = [
        where(rel, aruba, "Country Code"),
        "Country Code '#N/A' is not an alpha-3 code",
        f"2 such cells in this file: row {aruba}, column Country Code: '#N/A'; row {zambia}",
    ]
    return Refusal(says, reading_first(project, rel))


@raw_case
def numeric_code_in_a_datahub_code_column(project: Project) -> Refusal:
    """Variant: a datahub long CSV whose Country Code holds M49 numbers (another export's codes)."""
    rel = source_file(project, "wdi_datahub")
    lines = lines_of(project.read(rel))
    lines[1:4] = [line.replace(b",ABW,", b",533,") for line in lines[1:4]]
    project.write(rel, b"".join(lines))
    says = [where(rel, 2, "Country Code"), "Country Code '533' is not an alpha-3 code", "3 such cells"]
    return Refusal(says, reading_first(project, rel))


# ---------------------------------------------------------------- content against name and MANIFEST (issue 10.4)


@raw_case
def api_csv_holding_another_series(project: Project) -> Refusal:
    """The urban-population API CSV whose Indicator Code column names population (a real series of
    the run): refused as a contradiction of its name, MANIFEST row and companion, not as a clash."""
    rel = source_file(project, *WB_API)
    data = project.read(rel)
    first = WB_API_HEADER_LINE + 1
    project.write(rel, data.replace(b'"SP.URB.TOTL.IN.ZS"', b'"SP.POP.TOTL"'))
    says = [
        where(rel, first),
        "the file holds series ['SP.POP.TOTL'] but its name API_SP.URB.TOTL.IN.ZS",
        "and its MANIFEST row and its companion Metadata_Indicator_API_SP.URB.TOTL.IN.ZS",
        "promise SP.URB.TOTL.IN.ZS: its content contradicts its name",
        "such cells in this file",
    ]
    return Refusal(says, reading_first(project, rel))


@raw_case
def datahub_folder_holding_another_series(project: Project) -> Refusal:
    """Variant: a DataHub folder (fixed broadband) whose datapackage.json names mobile subscriptions."""
    rel = source_file(project, "wdi_datahub")
    package = str(Path(rel).parent / "datapackage.json")
    project.write(package, project.read(package).replace(b'"it.net.bbnd.p2"', b'"it.cel.sets.p2"'))
    says = [
        where(rel, 2),
        "the file holds series ['IT.CEL.SETS.P2'] but its folder it.net.bbnd.p2 promises IT.NET.BBND.P2",
    ]
    return Refusal(says, reading_first(project, rel))


@raw_case
def manifest_row_describing_another_series(project: Project) -> Refusal:
    """Variant: the MANIFEST row of an API CSV describes another indicator than its name."""
    rel = source_file(project, *WB_API)

    def edit(row: dict[str, str]) -> None:
        if row["path"] == rel:
            row["contents"] = "SP.POP.TOTL — Population, total. " + row["contents"]

    _rewrite_manifest(project, edit)
    says = [
        "file data/raw/MANIFEST.csv:",
        f"the descriptions of {rel} promise different series",
        "its MANIFEST row says SP.POP.TOTL",
    ]
    return Refusal(says, reading_first(project, rel))


# ---------------------------------------------------------------- companion files verified and read (issue 10.5)


def _companion(project: Project, prefix: str) -> str:
    rel = source_file(project, *WB_API)
    return str(Path(rel).parent / f"{prefix}{Path(rel).name}")


@raw_case
def country_companion_without_region(project: Project) -> Refusal:
    """The Metadata_Country file beside an API CSV (not named under classifications.metadata) with
    its Region column removed: read and refused, naming the column."""
    rel = _companion(project, "Metadata_Country_")
    assert rel not in project.config()["classifications"]["metadata"]
    text = project.read(rel).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    out = io.StringIO()
    csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\n").writerows([r[:1] + r[2:] for r in rows])
    project.write(rel, out.getvalue().encode("utf-8"))
    return Refusal(
        [where(rel, 1), "unexpected header", "'Region'"], reading_first(project, source_file(project, *WB_API))
    )


@raw_case
def indicator_companion_without_its_code_column(project: Project) -> Refusal:
    """Variant: the Metadata_Indicator companion with INDICATOR_CODE renamed."""
    rel = _companion(project, "Metadata_Indicator_")
    project.write(rel, project.read(rel).replace(b'"INDICATOR_CODE"', b'"CODE"', 1))
    return Refusal(
        [where(rel, 1), "unexpected header", "INDICATOR_CODE"], reading_first(project, source_file(project, *WB_API))
    )


@raw_case
def companion_edited_without_its_manifest_row(project: Project) -> Refusal:
    """Variant: a Metadata_Country companion edited, its MANIFEST row left: the sha256 check refuses it."""
    rel = _companion(project, "Metadata_Country_")
    project.write(rel, project.read(rel).replace(b"High income", b"Upper middle income", 1), manifest=False)
    return Refusal([f"sha256 mismatch for raw file {rel}", "restore the original file"], project.config_file())


# ---------------------------------------------------------------- listed files missing from disk (issue 10.6)


@raw_case
def listed_file_deleted_under_a_glob(project: Project) -> Refusal:
    """The WDI 2017 API files named by a glob, as config/config.yaml names them; the scratch copy
    holds only one of the ten the MANIFEST lists, as if the others had been deleted."""
    pattern = "worldbank/wdi_api_2017/API_*.csv"
    project.overlay["sources"] = [
        dict(s, files=[pattern]) if s["id"] == "wdi_api_2017" else s for s in project.overlay["sources"]
    ]
    says = [
        "file data/raw/MANIFEST.csv:",
        "sources[wdi_api_2017]: 9 file(s) listed in the MANIFEST are missing from data/raw",
        "worldbank/wdi_api_2017/API_IT.NET.SECR.P6_DS2_en_csv_v2.csv",
        "restore the file(s)",
    ]
    return Refusal(says, project.config_file(), stage="results")


@raw_case
def listed_companion_deleted(project: Project) -> Refusal:
    """Variant: the Metadata_Indicator companion beside a WDI API download (named by its path) deleted."""
    rel = source_file(project, *WB_API)
    companion = str(Path(rel).parent / f"Metadata_Indicator_{Path(rel).name}")
    (project.raw / companion).unlink()
    says = ["file data/raw/MANIFEST.csv:", f"1 file(s) listed in the MANIFEST are missing from data/raw: {companion}"]
    return Refusal(says, project.config_file(), stage="results")


@raw_case
def classification_file_deleted(project: Project) -> Refusal:
    """Variant: a classification file (named in the config, not by a source) deleted."""
    rel = project.config()["classifications"]["income_history"]["file"]
    (project.raw / rel).unlink()
    return Refusal([f"missing from data/raw: {rel}", "restore the file(s)"], project.config_file(), stage="results")


# ---------------------------------------------------------------- digests written in another case (issue 10.7)


def _rewrite_manifest(project: Project, edit: Callable[[dict[str, str]], None], ending: str = "\n") -> None:
    rows = list(csv.DictReader(io.StringIO(project.manifest.read_text(encoding="utf-8"))))
    for row in rows:
        edit(row)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator=ending)
    writer.writeheader()
    writer.writerows(rows)
    project.manifest.write_bytes(out.getvalue().encode("utf-8"))


#: MANIFEST digests as other tools write them (the line ending of the whole file, and the digest text).
DIGEST_SPELLINGS: dict[str, tuple[str, Callable[[str], str]]] = {
    "get-filehash upper case": ("\n", str.upper),
    "windows crlf, mixed case, trailing blank": ("\r\n", lambda d: d[:32].upper() + d[32:] + " "),
}


@pytest.mark.parametrize("spelling", list(DIGEST_SPELLINGS))
def test_a_manifest_digest_in_another_case_is_the_same_digest(template: Project, tmp_path: Path, spelling: str) -> None:
    """Every digest of the MANIFEST rewritten (upper case as PowerShell's Get-FileHash prints it; a
    variant re-saved on Windows): ingest verifies every file and records the digests in lower case."""
    ending, change = DIGEST_SPELLINGS[spelling]
    project = template.clone(tmp_path / "project")

    def edit(row: dict[str, str]) -> None:
        row["sha256"] = change(row["sha256"])

    _rewrite_manifest(project, edit, ending)
    proc = project.run("--until", "ingest")
    assert proc.returncode == 0, output_of(proc)[-4000:]
    files = read_csv(project.results / "01_ingest" / "files.csv")
    assert len(files) > 10 and files["sha256"].str.fullmatch("[0-9a-f]{64}").all()


def _run_raw_case(template: Project, base: Path, name: str) -> tuple[Project, Refusal, subprocess.CompletedProcess]:
    project = template.clone(base / name)
    expect = RAW_CASES[name](project)
    return project, expect, project.run(*expect.args, configfile=expect.configfile)


#: The values the drop run adds in series that other sources supersede (issue 10.1): (source,
#: part of the file name, indicator, value). The World Bank API files all have the same layout.
SUPERSEDED_OUT_OF_RANGE = [
    ("wdi_api_2019", "SP.POP.TOTL", "population", "-5"),
    ("wdi_api_2017", "IT.NET.USER.P2", "internet_users_pct", "180"),
]


def _run_out_of_range(template: Project, base: Path) -> dict[str, Any]:
    """Aruba's urban population share in 2010 set to 250%; run with reject. Then also Aruba's
    2010 population -5 and Internet users 180% in series that others supersede; run with drop."""
    project = template.clone(base / "out_of_range")
    rel = source_file(project, *WB_API)
    data = project.read(rel)
    row = line_number(data, b'"Aruba","ABW"')
    project.write(rel, set_csv_cell(data, row, WB_API_HEADER_LINE, "2010", "250"))
    reject = project.run(
        "--until",
        "harmonize",
        configfile=project.config_file({"validation": {"out_of_range": "reject"}}, "reject.yaml"),
    )
    after_reject = {
        "outputs": files_under(project.root / HARMONIZE_DIR),
        "parts": stray_files(project.results),
        "log": (project.results / "logs" / "02_harmonize" / "harmonize.log").read_text(encoding="utf-8"),
    }
    cells = {"urban_population_pct": (WB_API[0], rel, row, 250.0)}
    for source, name, indicator, value in SUPERSEDED_OUT_OF_RANGE:
        other = source_file(project, source, name)
        data = project.read(other)
        line = line_number(data, b'"Aruba","ABW"')
        project.write(other, set_csv_cell(data, line, WB_API_HEADER_LINE, "2010", value))
        cells[indicator] = (source, other, line, float(value))
    drop = project.run(
        "--until", "database", configfile=project.config_file({"validation": {"out_of_range": "drop"}}, "drop.yaml")
    )
    return {
        "project": project,
        "rel": rel,
        "row": row,
        "reject": reject,
        "after_reject": after_reject,
        "drop": drop,
        "cells": cells,
    }


#: Where the interrupted run is killed: with SIGTERM in the masking experiment (four outputs),
#: then, once resumed, with SIGKILL in the multiple imputation (the longest job). The signal goes
#: right after the job opens its log (its imports done, its work begun), well before it writes.
KILLS = {
    "SIGTERM": (
        signal.SIGTERM,
        "results/logs/03_impute/impute_accuracy.log",
        ["results/03_impute/accuracy.*", "results/03_impute/recommended_methods.csv"],
    ),
    "SIGKILL": (signal.SIGKILL, "results/logs/03_impute/impute_draws.log", ["results/03_impute/draws.parquet"]),
}
KILL_DELAY = 0.3  # seconds after the job's log appears


def _run_interrupted(base: Path) -> dict[str, Any]:
    """The test scenario, killed twice and resumed with the documented command each time.

    1. ``snakemake`` killed with SIGTERM (the whole process group) in the masking experiment;
    2. ``snakemake`` again (the resumption) killed with SIGKILL in the multiple imputation;
    3. ``snakemake``, then, if it refuses because of the lock SIGKILL left, ``snakemake --unlock``
       and ``snakemake``; finally a dry run.
    """
    workdir = base / "interrupted"
    workdir.mkdir()
    phases: dict[str, Any] = {}
    for name, (sig, started, outputs) in KILLS.items():
        killed = run_and_kill(
            workdir, sig, snakefile=ROOT / "Snakefile", configfile=TEST_CONFIG, started=started, delay=KILL_DELAY
        )
        killed["index_done"] = (workdir / "results" / "04_index" / "idi" / "scores.csv").exists()
        killed["unfinished"] = [str(p) for pattern in outputs for p in workdir.glob(pattern)]
        phases[name] = killed
    steps = {"resume": run_snakemake(workdir, check=False)}
    if steps["resume"].returncode != 0 and "--unlock" in output_of(steps["resume"]):
        steps["unlock"] = run_snakemake(workdir, "--unlock", check=False)
        steps["resume after unlock"] = run_snakemake(workdir, check=False)
    steps["dry run"] = run_snakemake(workdir, "--dry-run", check=False)
    return {"workdir": workdir, "phases": phases, "steps": steps}


def _run_clean(base: Path) -> tuple[Path, subprocess.CompletedProcess]:
    """The test scenario in another directory, on one core (another job order), with Python's hash
    seed left random (the documented command does not fix it)."""
    workdir = base / "second clean run"
    workdir.mkdir()
    env = {k: v for k, v in snakemake_env().items() if k != "PYTHONHASHSEED"}
    cmd = snakemake_command(workdir, snakefile=ROOT / "Snakefile", configfile=TEST_CONFIG, cores=1)
    return workdir, subprocess.run(cmd, cwd=workdir, env=env, capture_output=True, text=True, timeout=1200)


def _tasks_for(item: pytest.Item) -> list[str]:
    """The background tasks a selected test waits for."""
    params = getattr(getattr(item, "callspec", None), "params", {})
    name = getattr(item, "originalname", item.name)
    if name == "test_bad_raw_file_is_refused_with_a_located_message":
        return [f"raw:{params['case']}"]
    if name.startswith("test_out_of_range"):
        return ["out_of_range"]
    if name.startswith("test_a_run_killed_with"):
        return ["interrupted"]
    if name == "test_two_clean_runs_in_different_directories_give_identical_bytes":
        return ["clean_run"]
    return []


@pytest.fixture(scope="module", autouse=True)
def background(
    request: pytest.FixtureRequest, template: Project, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Background]:
    """Start the slow runs of the selected tests (longest first) before the first test of the module."""
    base = tmp_path_factory.mktemp("background")
    bg = Background(workers=2)
    bg.define("clean_run", lambda: _run_clean(base))
    bg.define("interrupted", lambda: _run_interrupted(base))
    bg.define("out_of_range", lambda: _run_out_of_range(template, base))
    for case in RAW_CASES:
        bg.define(f"raw:{case}", lambda case=case: _run_raw_case(template, base, case))
    wanted = {t for item in request.session.items if item.module is request.module for t in _tasks_for(item)}
    order = ["interrupted", "clean_run", "out_of_range"] + [f"raw:{c}" for c in RAW_CASES]
    for task in order:
        if task in wanted:
            bg.start(task)
    if wanted & {"interrupted", "clean_run"}:
        try:  # the reference run, made while the background runs go
            request.getfixturevalue("e2e_run")
        except (Exception, pytest.fail.Exception):
            pass  # reported by the tests that compare with it, not by every test of the module
    yield bg
    bg.close()


# ============================================================================ damaged raw files (background runs)


@pytest.mark.parametrize("case", list(RAW_CASES))
def test_bad_raw_file_is_refused_with_a_located_message(background: Background, case: str) -> None:
    """Each damaged raw file (see the ``@raw_case`` functions above) fails the run with a message
    naming the file (and row and column where they apply) and what to do, and leaves nothing
    finished-looking: the refusing job's outputs do not exist and no temporary file is left."""
    project, expect, proc = background.result(f"raw:{case}")
    assert_refused(proc, project, stage=expect.stage, says=expect.says)
    if expect.check is not None:
        expect.check(project)


def test_out_of_range_with_reject_names_file_row_column_and_rule(background: Background) -> None:
    run = background.result("out_of_range")
    proc, rel, row = run["reject"], run["rel"], run["row"]
    text = output_of(proc)
    assert proc.returncode != 0
    for s in [
        where(rel, row, "2010"),
        "urban_population_pct = 250 for ABW 2010 is above maximum 100",
        "indicators.csv",
        "validation.out_of_range: drop",
        "what to do:",
    ]:
        assert s in text, f"{s!r} not in the output:\n{text[-6000:]}"
        assert s in run["after_reject"]["log"], f"{s!r} not in the job's log"
    assert run["after_reject"]["outputs"] == [] and run["after_reject"]["parts"] == []


def test_out_of_range_with_drop_succeeds_drops_and_reports_every_value(background: Background) -> None:
    """With ``drop`` the run succeeds; each impossible value (in the series the panel keeps, and in
    superseded series: the variant) is listed in validation.csv with its raw cell, never reaches the
    panel, and is counted as "dropped: out of range" in the reconciliation (read = kept + dropped)."""
    run = background.result("out_of_range")
    proc, root, cells = run["drop"], run["project"].root, run["cells"]
    assert proc.returncode == 0, output_of(proc)[-6000:]
    report = read_csv(root / HARMONIZE_DIR / "validation.csv", dtype={"column": str})
    panel = pd.read_parquet(root / HARMONIZE_DIR / "panel.parquet")
    recon = read_csv(root / HARMONIZE_DIR / "reconciliation.csv")
    assert (recon["read"] == recon["kept"] + recon["dropped"]).all()
    for indicator, (source, rel, row, value) in cells.items():
        hit = report[(report["iso3"] == "ABW") & (report["year"] == 2010) & (report["indicator"] == indicator)]
        assert len(hit) == 1, (indicator, report)
        r = hit.iloc[0]
        assert (r["value"], r["rule"]) == (value, "below minimum" if value < 0 else "above maximum")
        assert (r["source"], r["file"], int(r["row"]), r["column"]) == (source, rel, row, "2010")
        kept = panel[(panel["iso3"] == "ABW") & (panel["year"] == 2010) & (panel["indicator"] == indicator)]
        assert value not in kept["value"].tolist(), f"the impossible {indicator} value reached the panel"
        counted = recon[(recon["source"] == source) & (recon["file"] == rel)]
        assert counted["dropped: out of range"].sum() == 1
    population = panel[(panel["iso3"] == "ABW") & (panel["year"] == 2010) & (panel["indicator"] == "population")]
    assert population["source"].tolist() == ["wdi_api_2025"], "the series of higher precedence still gives the value"


def test_the_data_package_of_a_run_with_dropped_values_is_valid_for_frictionless(background: Background) -> None:
    """Issue 10.10 on the scratch scenario (another set of sources than the end-to-end run's): the
    Frictionless package is valid, its keys hold, and no dropped value is in its panel."""
    import frictionless

    run = background.result("out_of_range")
    assert run["drop"].returncode == 0, output_of(run["drop"])[-4000:]
    folder = run["project"].root / HARMONIZE_DIR / "database"
    report = frictionless.validate(folder / "datapackage.json")
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:20]
    panel = read_csv(folder / "panel.csv", dtype={"iso3": str, "column": str})
    for indicator, (_, rel, row, _) in run["cells"].items():
        assert not ((panel["file"] == rel) & (panel["row"] == row) & (panel["column"] == "2010")).any(), indicator


# ================================================================ interruption and determinism (background runs)


def _assert_killed_mid_job(phase: dict[str, Any]) -> None:
    assert phase["killed_running"] and phase["code"] != 0, phase["output"][-3000:]
    assert phase["group_exited"], "a process of the killed group survived"
    assert not phase["index_done"], "the run was interrupted before its end"
    assert phase["unfinished"] == [], "the killed job left finished-looking outputs"


def test_a_run_killed_with_sigterm_resumes_with_snakemake(background: Background) -> None:
    """SIGTERM to Snakemake's process group in the masking experiment: the run stops, the killed
    job leaves no output, and plain ``snakemake`` resumes it (no lock is left; the default
    profile sets rerun-incomplete): the resumed run got as far as the index stage."""
    run = background.result("interrupted")
    _assert_killed_mid_job(run["phases"]["SIGTERM"])
    assert "cannot be locked" not in run["phases"]["SIGKILL"]["output"]
    assert (run["workdir"] / "results" / "03_impute" / "recommended_methods.csv").exists()


def test_a_run_killed_with_sigkill_resumes_after_unlock_to_identical_bytes(
    background: Background, e2e_run: Path
) -> None:
    """SIGKILL to the resumed run's process group in the multiple imputation. Snakemake's lock survives:
    ``snakemake`` refuses, naming ``--unlock``; ``snakemake --unlock`` then ``snakemake`` finish the
    run. The outputs of the twice-interrupted run are byte-identical to an uninterrupted run's, no
    temporary file is left, and a further run has nothing to do."""
    run = background.result("interrupted")
    _assert_killed_mid_job(run["phases"]["SIGKILL"])
    steps, workdir = run["steps"], run["workdir"]
    assert list(steps) == ["resume", "unlock", "resume after unlock", "dry run"]
    assert steps["resume"].returncode != 0 and "cannot be locked" in output_of(steps["resume"])
    for step in ("unlock", "resume after unlock", "dry run"):
        assert steps[step].returncode == 0, f"{step}:\n{output_of(steps[step])[-4000:]}"
    assert "Nothing to be done" in output_of(steps["dry run"])
    assert differing_outputs(e2e_run, workdir) == []
    assert stray_files(workdir / "results") == []


def test_two_clean_runs_in_different_directories_give_identical_bytes(background: Background, e2e_run: Path) -> None:
    """Same config, another directory, one core instead of two, a random hash seed: every output
    under results/ except logs/ and benchmarks/ has the same bytes as the end-to-end run's."""
    workdir, proc = background.result("clean_run")
    assert proc.returncode == 0, output_of(proc)[-6000:]
    assert len(compared_outputs(workdir)) > 20
    assert differing_outputs(e2e_run, workdir) == []
    assert stray_files(workdir / "results") == [] and stray_files(e2e_run / "results") == []
