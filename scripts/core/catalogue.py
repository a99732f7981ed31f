"""The indicator catalogue: indicators.csv, series.csv and entities.csv, read and cross-checked.

:func:`check_catalogue` uses the :mod:`csv` module only, so the Snakefile can call it at
parse time without importing pandas; :func:`load_catalogue` returns the same records as
typed frames for the stages.
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from scripts.core.errors import ConfigError, did_you_mean
from scripts.core.vocabulary import ENTITY_ACTIONS, ENTITY_KINDS, ROLES, TRANSFORMS

if TYPE_CHECKING:
    import pandas as pd


#: Columns each catalogue file must have.
CATALOGUE_COLUMNS: dict[str, list[str]] = {
    "indicators": [
        "indicator",
        "name",
        "unit",
        "role",
        "pillar",
        "direction",
        "core_code",
        "mdg_code",
        "themes",
        "min",
        "max",
        "description",
    ],
    "series": ["source", "series", "indicator", "precedence", "transform", "factor", "note"],
    "entities": ["kind", "match", "iso3", "action", "first_year", "last_year", "reason"],
}


def _read_catalogue_csv(path: Path, required: list[str]) -> tuple[list[str], list[dict[str, str]]]:
    """Header and records (text, as written) of a catalogue CSV; blank lines are skipped."""
    if not path.exists():
        raise ConfigError(
            problem="catalogue file not found", file=str(path), fix="check the catalogue paths in the config"
        )
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


def _check_ratios(
    ser: list[dict[str, str]], series: str | Path, known: set[str], ratio_denominators: Mapping[str, list[str]]
) -> None:
    """Raise :class:`ConfigError` for a ratio series without denominators, or a denominator not in the catalogue.

    Denominators are checked only for indicators that some series of series.csv divides
    (a catalogue whose series give the ratio ready-made, as the synthetic data's do, needs
    none of them); the indicator named by each entry must be in the catalogue either way.
    """
    divided = {r["indicator"] for r in ser if r["transform"] == "ratio"}
    for target, denominators in ratio_denominators.items():
        unknown = [x for x in [target, *(denominators if target in divided else [])] if x not in known]
        if unknown:
            raise ConfigError(
                problem=f"harmonize.ratio_denominators.{target} names {unknown}, not in indicators.csv"
                + did_you_mean(unknown[0], sorted(known)),
                file="config",
                expected="indicator ids from indicators.csv",
                fix="correct the ids or add the indicators to the catalogue",
            )
    for i, r in enumerate(ser):
        if r["transform"] == "ratio" and r["indicator"] not in ratio_denominators:
            raise ConfigError(
                problem=f"series {r['series']!r} of {r['indicator']!r} has transform 'ratio' but the config names "
                "no denominators for that indicator",
                file=str(series),
                row=i + 2,
                column="transform",
                expected=f"an entry harmonize.ratio_denominators.{r['indicator']}: [indicator, ...]",
                fix="add the entry to the config, or use another transform",
            )


def check_catalogue(
    indicators: str | Path,
    series: str | Path,
    entities: str | Path,
    source_ids: list[str],
    ratio_denominators: Mapping[str, list[str]] | None = None,
) -> dict[str, tuple[list[str], list[dict[str, str]]]]:
    """Read and cross-check the three catalogue files, without pandas.

    The Snakefile calls this at parse time; plain :mod:`csv` keeps a run that has nothing
    to do from paying for a pandas import. ``ratio_denominators`` (the config's
    ``harmonize.ratio_denominators``; the Snakefile passes it, the stages need not) must
    name catalogue indicators and cover every series with transform ``ratio``. Returns,
    per file ("indicators", "series", "entities"), its header and its records as text.
    Raises :class:`ConfigError` naming the file, row (1-based, header = 1, blank lines not
    counted) and column of the first problem found.
    """
    ind_header, ind = _read_catalogue_csv(Path(indicators), CATALOGUE_COLUMNS["indicators"])
    ser_header, ser = _read_catalogue_csv(Path(series), CATALOGUE_COLUMNS["series"])
    ent_header, ent = _read_catalogue_csv(Path(entities), CATALOGUE_COLUMNS["entities"])

    def fail(path: str | Path, i: int, column: str, problem: str, expected: str, fix: str) -> None:
        raise ConfigError(problem=problem, file=str(path), row=i + 2, column=column, expected=expected, fix=fix)

    for i, r in enumerate(ind):
        if not r["indicator"] or not r["indicator"].replace("_", "").isalnum():
            fail(
                indicators,
                i,
                "indicator",
                f"bad indicator id {r['indicator']!r}",
                "letters, digits and '_'",
                "rename it",
            )
        if r["role"] not in ROLES:
            fail(
                indicators,
                i,
                "role",
                f"unknown role {r['role']!r}" + did_you_mean(r["role"], ROLES),
                f"one of {list(ROLES)}",
                "fix the role",
            )
        if r["direction"] not in ("1", "-1"):
            fail(
                indicators,
                i,
                "direction",
                f"direction {r['direction']!r}",
                "1 (higher is better) or -1",
                "fix the direction",
            )
        for col in ("min", "max"):
            if r[col] != "":
                try:
                    float(r[col])
                except ValueError:
                    fail(indicators, i, col, f"{col} {r[col]!r} is not a number", "a number or empty", "fix the bound")
    seen: set[str] = set()
    for i, r in enumerate(ind):
        if r["indicator"] in seen:
            fail(
                indicators,
                i,
                "indicator",
                f"indicator {r['indicator']!r} is listed twice",
                "one row per indicator",
                "merge the rows",
            )
        seen.add(r["indicator"])

    known = {r["indicator"] for r in ind}
    for i, r in enumerate(ser):
        if r["indicator"] not in known:
            fail(
                series,
                i,
                "indicator",
                f"unknown indicator {r['indicator']!r}" + did_you_mean(r["indicator"], sorted(known)),
                "an id from indicators.csv",
                "add the indicator to indicators.csv or fix the id",
            )
        if r["source"] not in source_ids:
            fail(
                series,
                i,
                "source",
                f"unknown source {r['source']!r}" + did_you_mean(r["source"], source_ids),
                f"a source id from the config: {source_ids}",
                "fix the source id",
            )
        if r["transform"] not in TRANSFORMS:
            fail(
                series,
                i,
                "transform",
                f"unknown transform {r['transform']!r}",
                f"one of {list(TRANSFORMS)}",
                "fix the transform",
            )
        if not r["precedence"].isdigit():
            fail(
                series,
                i,
                "precedence",
                f"precedence {r['precedence']!r}",
                "a positive integer (1 = preferred)",
                "fix it",
            )
        try:
            float(r["factor"])
        except ValueError:
            fail(series, i, "factor", f"factor {r['factor']!r} is not a number", "a number", "fix it")
    if ratio_denominators is not None:
        _check_ratios(ser, series, known, ratio_denominators)
    i = _second_duplicate([(r["source"], r["series"]) for r in ser])
    if i is not None:
        fail(
            series,
            i,
            "series",
            f"series {ser[i]['series']!r} of source {ser[i]['source']!r} is mapped twice",
            "each publisher series mapped to one indicator",
            "delete one of the rows",
        )
    i = _second_duplicate([(r["indicator"], r["precedence"]) for r in ser])
    if i is not None:
        fail(
            series,
            i,
            "precedence",
            f"two series of {ser[i]['indicator']!r} share precedence {ser[i]['precedence']}",
            "distinct precedences per indicator",
            "renumber them",
        )

    for i, r in enumerate(ent):
        if r["kind"] not in ENTITY_KINDS:
            fail(entities, i, "kind", f"unknown kind {r['kind']!r}", f"one of {list(ENTITY_KINDS)}", "fix it")
        if r["action"] not in ENTITY_ACTIONS:
            fail(entities, i, "action", f"unknown action {r['action']!r}", f"one of {list(ENTITY_ACTIONS)}", "fix it")
        if r["action"] == "map" and not r["iso3"]:
            fail(entities, i, "iso3", "action 'map' needs an iso3 code", "a 3-letter code", "fill in the code")
        if not r["reason"]:
            fail(
                entities, i, "reason", "every entity rule needs a reason", "a short justification", "document the rule"
            )
        for col in ("first_year", "last_year"):
            if r[col] and not r[col].isdigit():
                fail(entities, i, col, f"{col} {r[col]!r}", "a year or empty", "fix it")
    return {"indicators": (ind_header, ind), "series": (ser_header, ser), "entities": (ent_header, ent)}


def load_catalogue(
    indicators: str | Path, series: str | Path, entities: str | Path, source_ids: list[str]
) -> dict[str, pd.DataFrame]:
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
