"""Load and validate the configuration before anything runs.

The Snakefile calls :func:`validate_config` at parse time, so a misspelt key, an unknown
method or a path that leaves the project stops the run before any job starts, with a
message that names the key and suggests the closest valid one.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from scripts.core.errors import ConfigError, did_you_mean
from scripts.core.vocabulary import INDEX_MEASURE_PREFIX

#: Where the JSON Schemas of the config files live.
SCHEMA_DIR = Path(__file__).resolve().parents[2] / "workflow" / "schemas"


#: How YAML spells its own tags in full (``!!python/name`` is ``tag:yaml.org,2002:python/name``).
_YAML_TAG_PREFIX = "tag:yaml.org,2002:"
_TAG = re.compile(r"constructor for the tag '([^']+)'")


def load_yaml(path: str | Path) -> Any:
    """Parse a YAML file with the safe loader (no Python objects are ever constructed).

    Raises :class:`ConfigError` naming the file and line of a syntax error, and of a tag
    that asks for a Python object (``!!python/object/apply:...``): the tag is named.
    """
    with open(path, encoding="utf-8") as fh:
        try:
            return yaml.safe_load(fh)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            row = None if mark is None else mark.line + 1
            tag = _TAG.search(str(getattr(exc, "problem", "")))
            if tag is not None:
                shown = tag.group(1).replace(_YAML_TAG_PREFIX, "!!")
                raise ConfigError(
                    problem=f"the YAML tag {shown} asks to construct a Python object; it is refused and nothing "
                    "was run (a configuration holds plain values: text, numbers, lists and mappings)",
                    file=str(path),
                    row=row,
                    expected="plain YAML without tags",
                    fix=f"remove the tag {shown} from that line; never run a configuration file of unknown origin",
                ) from None
            raise ConfigError(
                problem=f"not valid YAML: {getattr(exc, 'problem', exc)}",
                file=str(path),
                row=row,
                fix="fix the YAML syntax (indentation, quoting) at that line",
            ) from None


def configfiles_in(argv: list[str]) -> list[str]:
    """The files that Snakemake arguments ``argv`` name with ``--configfile(s) A B ...`` or ``--configfile=A``."""
    files: list[str] = []
    taking = False
    for arg in argv:
        if arg in ("--configfile", "--configfiles"):
            taking = True
        elif arg.startswith(("--configfile=", "--configfiles=")):
            files.append(arg.split("=", 1)[1])
            taking = False
        elif arg.startswith("-"):
            taking = False
        elif taking:
            files.append(arg)
    return files


def preread_configfiles(files: list[str | Path]) -> None:
    """Read every config file with the safe loader before Snakemake does (see ``tools/preread_config.py``).

    Snakemake reads ``--configfile`` through yte, which would evaluate the expressions of a
    file declaring ``__use_yte__: true``, and reports a Python tag only as "not valid JSON or
    YAML". Raises :class:`ConfigError` naming the file (and line and tag, see
    :func:`load_yaml`) of a missing file, a syntax error, a Python tag, a yte template, or
    a file that is not a mapping.
    """
    for path in map(Path, files):
        if not path.is_file():
            raise ConfigError(problem="config file not found", file=str(path), fix="check the --configfile path")
        data = load_yaml(path)
        if data is not None and not isinstance(data, dict):
            raise ConfigError(
                problem=f"the file holds a {type(data).__name__}, not a mapping of settings",
                file=str(path),
                row=1,
                expected="keys as documented in config/README.md",
                fix="write the settings as `key: value` lines",
            )
        if isinstance(data, dict) and "__use_yte__" in data:
            raise ConfigError(
                problem="the file declares __use_yte__: Snakemake would evaluate its ?-expressions as Python "
                "before the workflow can check anything",
                file=str(path),
                column="__use_yte__",
                expected="plain YAML (this workflow's configuration uses no templates)",
                fix="remove __use_yte__ and write the values themselves",
            )


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


def _resolve(sub: dict, schema: dict) -> dict:
    """Follow a local ``$ref`` ("#/$defs/name") of ``sub``; return ``sub`` itself when it has none."""
    ref = sub.get("$ref", "")
    if not ref.startswith("#/"):
        return sub
    node: Any = schema
    for part in ref[2:].split("/"):
        node = node[part]
    return node


def _alternatives(error: jsonschema.ValidationError, schema: dict) -> str | None:
    """The message for a single value that fits none of a oneOf/anyOf's alternatives, or None.

    Names every value the alternatives accept: their enums, and the names a list
    alternative accepts as items (an imputation chain: "auto", or a list of steps), with the
    closest of all of them and, for "a+b" written where a list is wanted, the list to write.
    """
    if error.validator not in ("oneOf", "anyOf") or not isinstance(error.instance, str):
        return None
    words: list[str] = []
    items: list[str] = []
    for alt in map(lambda a: _resolve(a, schema), error.validator_value):
        words += [str(w) for w in alt.get("enum", [])]
        if alt.get("type") == "array":
            items += [str(w) for w in _resolve(alt.get("items", {}), schema).get("enum", [])]
    if not items:
        return None
    where = ".".join(str(p) for p in error.absolute_path) or "(top level)"
    value = error.instance
    parts = [p.strip() for p in value.replace(",", "+").split("+")]
    if all(p in items for p in parts):
        return f"{where} = {value!r} is written as text; write it as a list: [{', '.join(parts)}]"
    either = f"one of {words} or " if words else ""
    about = f" ({error.schema['description']})" if error.schema.get("description") else ""
    return f"{where} = {value!r} is not {either}a list of names from {items}{about}{did_you_mean(value, words + items)}"


def _describe(error: jsonschema.ValidationError, schema: dict) -> str:
    scalar = _alternatives(error, schema)
    if scalar is not None:
        return scalar
    if error.context:  # oneOf/anyOf: report the alternative that came closest
        deepest = max(error.context, key=lambda e: (len(e.absolute_path), e.validator == "enum"))
        return _describe(deepest, schema)
    where = ".".join(str(p) for p in error.absolute_path) or "(top level)"
    if error.validator == "additionalProperties":
        allowed = list(error.schema.get("properties", {}))
        extra = sorted(set(error.instance) - set(allowed))
        hints = []
        for key in extra:
            hints.append(f"'{key}'" + did_you_mean(key, allowed))
        return f"unknown key {', '.join(hints)} under {where}; allowed keys: {', '.join(allowed)}"
    if error.validator == "enum":
        hint = did_you_mean(str(error.instance), error.validator_value)
        return f"{where} = {error.instance!r} is not one of {list(error.validator_value)}{hint}"
    if error.validator == "pattern" and error.schema.get("description"):
        return f"{where}: {error.instance!r} does not match the expected form: {error.schema['description']}"
    return f"{where}: {error.message}"


def check_schema(instance: dict, schema_name: str, *, config_file: str, documented_in: str) -> dict:
    """Validate ``instance`` against ``workflow/schemas/<schema_name>`` and fill in its defaults.

    Returns the same dict, with defaults filled in. Raises :class:`ConfigError` listing
    every problem found (not just the first), each with its key path and, for a misspelt
    key or value, the closest valid one.
    """
    schema = load_yaml(SCHEMA_DIR / schema_name)
    validator = _with_defaults(jsonschema.Draft202012Validator)(schema)
    errors = sorted(validator.iter_errors(instance), key=lambda e: list(map(str, e.absolute_path)))
    if errors:
        raise ConfigError(
            problem="the configuration is invalid:\n  - " + "\n  - ".join(_describe(e, schema) for e in errors),
            file=config_file,
            expected=f"keys, types and values as documented in {documented_in}",
            fix=f"correct the listed keys (see workflow/schemas/{schema_name} for every allowed value)",
        )
    return instance


def validate_config(config: dict, *, project_root: str | Path, config_file: str = "config/config.yaml") -> dict:
    """Validate ``config`` against the schema, fill defaults, and check paths and years.

    Returns the same dict, with defaults filled in. Raises :class:`ConfigError` listing
    every problem found (not just the first), each with the key path.
    """
    check_schema(config, "config.schema.yaml", config_file=config_file, documented_in="config/README.md")
    root = Path(project_root).resolve()
    for key, rel, base in _input_paths(config):
        resolve_inside(root, rel, key=key, config_file=config_file, base=base)
        if any(ch in rel for ch in "*?["):  # a glob pattern: every file it matches must stay inside too
            for hit in sorted((root / base).glob(rel)):
                resolve_inside(
                    root, hit.relative_to(root / base).as_posix(), key=key, config_file=config_file, base=base
                )
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
    shown = config["publish"]["index"]
    if shown not in config["index"]["indices"]:
        raise ConfigError(
            problem=f"publish.index = {shown!r} is not an index of index.indices"
            + did_you_mean(shown, config["index"]["indices"]),
            file=config_file,
            expected=f"one of {sorted(config['index']['indices'])}",
            fix="name one of the configured indices under publish.index",
        )
    prefix = INDEX_MEASURE_PREFIX
    for measure in config["divide"]["measures"]:
        if measure.startswith(prefix) and measure[len(prefix) :] not in config["index"]["indices"]:
            raise ConfigError(
                problem=f"divide.measures: {measure!r} names no index of index.indices"
                + did_you_mean(measure[len(prefix) :], config["index"]["indices"]),
                file=config_file,
                expected=f'"{prefix}<name>" with a name of {sorted(config["index"]["indices"])}',
                fix="name a configured index, or a catalogue indicator id",
            )
    unknown = [i for i in config["uncertainty"]["indices"] if i not in config["index"]["indices"]]
    if unknown:
        raise ConfigError(
            problem=f"uncertainty.indices names {unknown}, which are not indices of index.indices"
            + did_you_mean(unknown[0], config["index"]["indices"]),
            file=config_file,
            expected=f"indices among {sorted(config['index']['indices'])}",
            fix="name configured indices under uncertainty.indices",
        )
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
            out += [("classifications.metadata", f, raw) for f in v]
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
