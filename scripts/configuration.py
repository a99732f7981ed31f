"""Load and validate the configuration and the catalogue files before anything runs.

The Snakefile calls :func:`validate_config` at parse time, so a misspelt key, an unknown
method or a path that leaves the project stops the run before any job starts, with a
message that names the key and suggests the closest valid one.
"""

from __future__ import annotations

import copy
import csv
import difflib
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jsonschema
import yaml

from scripts.errors import ConfigError

if TYPE_CHECKING:
    import pandas as pd

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "workflow" / "schemas"
ROLES = ("readiness", "use", "impact", "outcome", "control")
TRANSFORMS = ("none", "per_capita", "growth")
ENTITY_ACTIONS = ("map", "drop")
ENTITY_KINDS = ("name", "code", "m49")


def load_yaml(path: str | Path) -> Any:
    """Parse a YAML file with the safe loader (no Python objects are ever constructed)."""
    with open(path, encoding="utf-8") as fh:
        try:
            return yaml.safe_load(fh)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            raise ConfigError(
                problem=f"not valid YAML: {getattr(exc, 'problem', exc)}",
                file=str(path),
                row=None if mark is None else mark.line + 1,
                fix="fix the YAML syntax (indentation, quoting) at that line",
            ) from None


def _with_defaults(validator_class: type) -> type:
    """Extend a jsonschema validator so that validating fills in schema defaults."""
    validate_properties = validator_class.VALIDATORS["properties"]

    def set_defaults(validator, properties, instance, schema):  # type: ignore[no-untyped-def]
        if isinstance(instance, dict):
            for name, sub in properties.items():
                if "default" in sub and name not in instance:
                    instance[name] = copy.deepcopy(sub["default"])
        yield from validate_properties(validator, properties, instance, schema)

    return jsonschema.validators.extend(validator_class, {"properties": set_defaults})


def _describe(error: jsonschema.ValidationError, schema: dict) -> str:
    if error.context:  # oneOf/anyOf: report the alternative that came closest
        deepest = max(error.context, key=lambda e: (len(e.absolute_path), e.validator == "enum"))
        return _describe(deepest, schema)
    where = ".".join(str(p) for p in error.absolute_path) or "(top level)"
    if error.validator == "additionalProperties":
        allowed = list(error.schema.get("properties", {}))
        extra = sorted(set(error.instance) - set(allowed))
        hints = []
        for key in extra:
            close = difflib.get_close_matches(key, allowed, n=1)
            hints.append(f"'{key}'" + (f" (did you mean '{close[0]}'?)" if close else ""))
        return f"unknown key {', '.join(hints)} under {where}; allowed keys: {', '.join(allowed)}"
    if error.validator == "enum":
        close = difflib.get_close_matches(str(error.instance), [str(v) for v in error.validator_value], n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        return (
            f"{where} = {error.instance!r} is not one of {list(error.validator_value)}{hint}"
        )
    return f"{where}: {error.message}"


def validate_config(config: dict, *, project_root: str | Path, config_file: str = "config/config.yaml") -> dict:
    """Validate ``config`` against the schema, fill defaults, and check paths and years.

    Returns the same dict, with defaults filled in. Raises :class:`ConfigError` listing
    every problem found (not just the first), each with the key path.
    """
    schema = load_yaml(SCHEMA_DIR / "config.schema.yaml")
    validator = _with_defaults(jsonschema.Draft202012Validator)(schema)
    errors = sorted(validator.iter_errors(config), key=lambda e: list(map(str, e.absolute_path)))
    if errors:
        raise ConfigError(
            problem="the configuration is invalid:\n  - " + "\n  - ".join(_describe(e, schema) for e in errors),
            file=config_file,
            expected="keys, types and values as documented in config/README.md",
            fix="correct the listed keys (see workflow/schemas/config.schema.yaml for every allowed value)",
        )
    root = Path(project_root).resolve()
    for key, rel, base in _input_paths(config):
        resolve_inside(root, rel, key=key, config_file=config_file, base=base)
        if any(ch in rel for ch in "*?["):  # a glob pattern: every file it matches must stay inside too
            for hit in sorted((root / base).glob(rel)):
                resolve_inside(root, hit.relative_to(root / base).as_posix(), key=key, config_file=config_file, base=base)
    a = config["analysis"]
    if a["first_year"] > a["last_year"]:
        raise ConfigError(
            problem=f"analysis.first_year ({a['first_year']}) is after analysis.last_year ({a['last_year']})",
            file=config_file,
            fix="swap the two years",
        )
    db = config["database"]
    if db["first_year"] is not None and db["last_year"] is not None and db["first_year"] > db["last_year"]:
        raise ConfigError(problem="database.first_year is after database.last_year", file=config_file)
    ids = [s["id"] for s in config["sources"]]
    dup = sorted({i for i in ids if ids.count(i) > 1})
    if dup:
        raise ConfigError(problem=f"source ids {dup} appear more than once under sources", file=config_file)
    return config


def _input_paths(config: dict) -> list[tuple[str, str, str]]:
    """(key, path as written, folder it is relative to: "" for the project root) of every input."""
    raw, external = config["paths"]["raw"], config["paths"]["external"]
    out = [(f"paths.{k}", v, "") for k, v in config["paths"].items() if k != "results"]
    out += [(f"catalogue.{k}", v, "") for k, v in config["catalogue"].items()]
    for i, src in enumerate(config["sources"]):
        out += [(f"sources[{i}].files", f, raw) for f in src["files"]]
    for k, v in config["classifications"].items():
        if k == "metadata":
            out += [(f"classifications.metadata", f, raw) for f in v]
        else:
            out.append((f"classifications.{k}.file", v["file"], raw))
    for name, spec in config.get("index", {}).get("indices", {}).items():
        out.append((f"index.indices.{name}.framework", spec["framework"], ""))
    for ref in config.get("external_validation", []):
        out.append((f"external_validation[{ref['id']}].file", ref["file"], external))
    return out


def resolve_inside(root: Path, rel: str, *, key: str, config_file: str = "config/config.yaml", base: str = "") -> Path:
    """Return ``root / base / rel`` resolved, refusing absolute paths and paths that leave ``root``.

    ``base`` is the project folder ``rel`` is relative to (e.g. paths.raw for raw files).
    """
    p = Path(rel)
    if p.is_absolute() or ".." in p.parts:
        raise ConfigError(
            problem=f"{key} = {rel!r} points outside the project",
            file=config_file,
            expected="a path relative to the project root, without '..'",
            fix="vendor the file into data/ (with its provenance in the MANIFEST) and refer to it relatively",
        )
    full = (root / base / p).resolve()
    if root not in full.parents and full != root:
        raise ConfigError(
            problem=f"{key} = {rel!r} resolves to {full}, outside the project (a symbolic link?)",
            file=config_file,
            fix="copy the file into the project instead of linking to it",
        )
    return full


#: Columns each catalogue file must have.
CATALOGUE_COLUMNS: dict[str, list[str]] = {
    "indicators": ["indicator", "name", "unit", "role", "pillar", "direction", "core_code", "mdg_code", "themes", "min",
                   "max", "description"],
    "series": ["source", "series", "indicator", "precedence", "transform", "factor", "note"],
    "entities": ["kind", "match", "iso3", "action", "first_year", "last_year", "reason"],
}


def _read_catalogue_csv(path: Path, required: list[str]) -> tuple[list[str], list[dict[str, str]]]:
    """Header and records (text, as written) of a catalogue CSV; blank lines are skipped."""
    if not path.exists():
        raise ConfigError(problem="catalogue file not found", file=str(path), fix="check the catalogue paths in the config")
    with open(path, encoding="utf-8-sig", newline="") as fh:
        lines = [fields for fields in csv.reader(fh) if fields]
    header = lines[0] if lines else []
    missing = [c for c in required if c not in header]
    if missing:
        raise ConfigError(
            problem=f"missing columns {missing}",
            file=str(path),
            row=1,
            expected=f"columns {required}",
            fix="restore the header (see config/README.md)",
        )
    return header, [dict(zip(header, fields)) for fields in lines[1:]]


def _second_duplicate(keys: list[tuple[str, ...]]) -> int | None:
    """Index of the second record whose key occurs more than once (None when all keys are unique)."""
    counts = Counter(keys)
    repeated = [i for i, k in enumerate(keys) if counts[k] > 1]
    return repeated[1] if repeated else None


def check_catalogue(
    indicators: str | Path, series: str | Path, entities: str | Path, source_ids: list[str]
) -> dict[str, tuple[list[str], list[dict[str, str]]]]:
    """Read and cross-check the three catalogue files, without pandas.

    The Snakefile calls this at parse time; plain :mod:`csv` keeps a run that has nothing
    to do from paying for a pandas import. Returns, per file ("indicators", "series",
    "entities"), its header and its records as text. Raises :class:`ConfigError` naming
    the file, row (1-based, header = 1, blank lines not counted) and column of the first
    problem found.
    """
    ind_header, ind = _read_catalogue_csv(Path(indicators), CATALOGUE_COLUMNS["indicators"])
    ser_header, ser = _read_catalogue_csv(Path(series), CATALOGUE_COLUMNS["series"])
    ent_header, ent = _read_catalogue_csv(Path(entities), CATALOGUE_COLUMNS["entities"])

    def fail(path: str | Path, i: int, column: str, problem: str, expected: str, fix: str) -> None:
        raise ConfigError(problem=problem, file=str(path), row=i + 2, column=column, expected=expected, fix=fix)

    for i, r in enumerate(ind):
        if not r["indicator"] or not r["indicator"].replace("_", "").isalnum():
            fail(indicators, i, "indicator", f"bad indicator id {r['indicator']!r}", "letters, digits and '_'", "rename it")
        if r["role"] not in ROLES:
            close = difflib.get_close_matches(r["role"], ROLES, n=1)
            fail(indicators, i, "role", f"unknown role {r['role']!r}" + (f" (did you mean '{close[0]}'?)" if close else ""), f"one of {list(ROLES)}", "fix the role")
        if r["direction"] not in ("1", "-1"):
            fail(indicators, i, "direction", f"direction {r['direction']!r}", "1 (higher is better) or -1", "fix the direction")
        for col in ("min", "max"):
            if r[col] != "":
                try:
                    float(r[col])
                except ValueError:
                    fail(indicators, i, col, f"{col} {r[col]!r} is not a number", "a number or empty", "fix the bound")
    seen: set[str] = set()
    for i, r in enumerate(ind):
        if r["indicator"] in seen:
            fail(indicators, i, "indicator", f"indicator {r['indicator']!r} is listed twice", "one row per indicator", "merge the rows")
        seen.add(r["indicator"])

    known = {r["indicator"] for r in ind}
    for i, r in enumerate(ser):
        if r["indicator"] not in known:
            close = difflib.get_close_matches(r["indicator"], sorted(known), n=1)
            fail(series, i, "indicator", f"unknown indicator {r['indicator']!r}" + (f" (did you mean '{close[0]}'?)" if close else ""), "an id from indicators.csv", "add the indicator to indicators.csv or fix the id")
        if r["source"] not in source_ids:
            close = difflib.get_close_matches(r["source"], source_ids, n=1)
            fail(series, i, "source", f"unknown source {r['source']!r}" + (f" (did you mean '{close[0]}'?)" if close else ""), f"a source id from the config: {source_ids}", "fix the source id")
        if r["transform"] not in TRANSFORMS:
            fail(series, i, "transform", f"unknown transform {r['transform']!r}", f"one of {list(TRANSFORMS)}", "fix the transform")
        if not r["precedence"].isdigit():
            fail(series, i, "precedence", f"precedence {r['precedence']!r}", "a positive integer (1 = preferred)", "fix it")
        try:
            float(r["factor"])
        except ValueError:
            fail(series, i, "factor", f"factor {r['factor']!r} is not a number", "a number", "fix it")
    i = _second_duplicate([(r["source"], r["series"]) for r in ser])
    if i is not None:
        fail(series, i, "series", f"series {ser[i]['series']!r} of source {ser[i]['source']!r} is mapped twice", "each publisher series mapped to one indicator", "delete one of the rows")
    i = _second_duplicate([(r["indicator"], r["precedence"]) for r in ser])
    if i is not None:
        fail(series, i, "precedence", f"two series of {ser[i]['indicator']!r} share precedence {ser[i]['precedence']}", "distinct precedences per indicator", "renumber them")

    for i, r in enumerate(ent):
        if r["kind"] not in ENTITY_KINDS:
            fail(entities, i, "kind", f"unknown kind {r['kind']!r}", f"one of {list(ENTITY_KINDS)}", "fix it")
        if r["action"] not in ENTITY_ACTIONS:
            fail(entities, i, "action", f"unknown action {r['action']!r}", f"one of {list(ENTITY_ACTIONS)}", "fix it")
        if r["action"] == "map" and not r["iso3"]:
            fail(entities, i, "iso3", "action 'map' needs an iso3 code", "a 3-letter code", "fill in the code")
        if not r["reason"]:
            fail(entities, i, "reason", "every entity rule needs a reason", "a short justification", "document the rule")
        for col in ("first_year", "last_year"):
            if r[col] and not r[col].isdigit():
                fail(entities, i, col, f"{col} {r[col]!r}", "a year or empty", "fix it")
    return {"indicators": (ind_header, ind), "series": (ser_header, ser), "entities": (ent_header, ent)}


def load_catalogue(indicators: str | Path, series: str | Path, entities: str | Path, source_ids: list[str]) -> dict[str, pd.DataFrame]:
    """Read and cross-check the three catalogue files (see :func:`check_catalogue`).

    Returns a dict with frames ``indicators`` (direction, min, max as floats), ``series``
    (precedence int, factor float) and ``entities`` (first/last year as Int64); every other
    column is text as written. Raises :class:`ConfigError` naming the file, row (1-based
    line, header = 1) and column of the first problem found.
    """
    # Imported here, not at the top: the Snakefile imports this module at parse time.
    import pandas as pd

    def frame(header: list[str], records: list[dict[str, str]]) -> pd.DataFrame:
        return pd.DataFrame({c: pd.Series([r[c] for r in records], dtype=str) for c in header})

    def blank_to_nan(s: pd.Series) -> pd.Series:
        return pd.to_numeric(s.where(s != ""))

    checked = check_catalogue(indicators, series, entities, source_ids)
    ind, ser, ent = (frame(*checked[k]) for k in ("indicators", "series", "entities"))
    ind = ind.assign(
        direction=ind["direction"].astype(int),
        min=blank_to_nan(ind["min"]).astype(float),
        max=blank_to_nan(ind["max"]).astype(float),
    )
    ser = ser.assign(precedence=ser["precedence"].astype(int), factor=ser["factor"].astype(float))
    ent = ent.assign(
        first_year=blank_to_nan(ent["first_year"]).astype("Int64"),
        last_year=blank_to_nan(ent["last_year"]).astype("Int64"),
    )
    return {"indicators": ind, "series": ser, "entities": ent}
