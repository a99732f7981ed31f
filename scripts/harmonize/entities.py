"""Entities: which economy (ISO3 code), aggregate or excluded entity each raw name or code is.

Codes are matched first (ISO3, UN M49 through the concordance), then the explicit rules of
entities.csv, then names (accents, case and punctuation ignored), and country_converter's
patterns as the last resort. An entity nothing identifies is an error that lists every
such name with one place it occurs, unless ``harmonize.on_unknown_entity`` is ``drop``.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass

import numpy as np
import pandas as pd

from scripts.core.errors import InputError
from scripts.core.vocabulary import GROUP_CODE_PREFIX

ENTITY_KEY = ["source", "entity_raw", "entity_code"]


def lookup(big: pd.DataFrame, small: pd.DataFrame, key: list[str]) -> np.ndarray:
    """Row positions in ``small`` of each row of ``big`` by ``key`` (-1 where absent).

    ``small`` must be unique on ``key``. Matching on the few distinct keys and indexing
    arrays is much cheaper than merging millions of rows of text.
    """
    small_idx = pd.MultiIndex.from_frame(small[key].astype(str))
    uniq = big[key].drop_duplicates()
    pos = small_idx.get_indexer(pd.MultiIndex.from_frame(uniq.astype(str)))
    codes = pd.MultiIndex.from_frame(uniq).get_indexer(pd.MultiIndex.from_frame(big[key]))
    return pos[codes]


def normalise_name(name: str) -> str:
    """Return a comparison key for an economy name: accents, case, punctuation removed.

    'Côte d'Ivoire', "Cote d'Ivoire" and 'COTE D IVOIRE' share a key; a broken byte
    (U+FFFD, seen in a published IDI table) is dropped so 'C\ufffdte' still matches 'Cote'
    only through country_converter's patterns, not here.
    """
    text = unicodedata.normalize("NFKD", str(name))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = re.sub(r"[^0-9a-z]+", " ", text.lower())
    return " ".join(text.split())


@dataclass(frozen=True)
class EntityUniverse:
    """What the harmoniser knows about entities.

    Attributes
    ----------
    economies:
        One row per economy code: iso3, name, region, income_group (current), wb (bool:
        a World Bank economy, as opposed to another ISO 3166 territory).
    aggregates:
        Codes of aggregates (regions, income groups, 'World') from CLASS and Metadata_Country.
    names:
        Map normalised name -> code for economies and aggregates (from CLASS, the
        concordance and Metadata_Country).
    m49:
        Map UN M49 number (as written, without leading zeros) -> iso3.
    """

    economies: pd.DataFrame
    aggregates: frozenset[str]
    names: dict[str, str]
    m49: dict[str, str]


def build_universe(
    current: pd.DataFrame,
    metadata: pd.DataFrame,
    concordance: pd.DataFrame,
    income_history: pd.DataFrame,
    groups: pd.DataFrame | None = None,
) -> EntityUniverse:
    """Combine the classification files into an :class:`EntityUniverse`.

    ``current`` and ``metadata`` are CLASSIFICATION tables (CLASS.xlsx, Metadata_Country);
    rows with an empty region are aggregates. ``concordance`` is the datahub country-codes
    table (iso3, m49, name, name_official ...). ``income_history`` supplies codes of
    economies classified in the past (e.g. historical entities) for completeness.
    """
    cls = pd.concat([current, metadata], ignore_index=True)
    cls = cls.assign(iso3=cls["iso3"].str.strip(), region=cls["region"].fillna("").str.strip())
    wb_econ = cls[cls["region"] != ""].drop_duplicates("iso3", keep="first")
    agg_codes = set(cls.loc[cls["region"] == "", "iso3"]) - set(wb_econ["iso3"])
    if groups is not None and len(groups):
        agg_codes |= set(groups["group_code"]) - set(wb_econ["iso3"])
    conc = concordance[concordance["iso3"].fillna("").str.len() == 3]
    extra = conc[~conc["iso3"].isin(wb_econ["iso3"])]
    economies = pd.concat(
        [
            wb_econ[["iso3", "name", "region", "income_group"]].assign(wb=True),
            extra[["iso3", "name"]].assign(region="", income_group="", wb=False),
        ],
        ignore_index=True,
    ).sort_values("iso3", ignore_index=True)

    names: dict[str, str] = {}
    # Later assignments win: aggregates first, so an economy never loses its own name.
    for code, name in cls.loc[cls["iso3"].isin(agg_codes), ["iso3", "name"]].itertuples(index=False):
        names[normalise_name(name)] = code
    if groups is not None and len(groups):
        for code, name in groups[["group_code", "group_name"]].drop_duplicates().itertuples(index=False):
            names[normalise_name(name)] = code
    for col in [c for c in ("name_official", "name") if c in conc.columns]:
        for code, name in conc[["iso3", col]].dropna().itertuples(index=False):
            if name:
                names[normalise_name(name)] = code
    for code, name in wb_econ[["iso3", "name"]].itertuples(index=False):
        names[normalise_name(name)] = code
    m49 = {}
    if "m49" in conc.columns:
        m49 = {
            str(k).lstrip("0") or "0": v for k, v in conc[["m49", "iso3"]].dropna().itertuples(index=False) if str(k)
        }
    return EntityUniverse(economies=economies, aggregates=frozenset(agg_codes), names=names, m49=m49)


def coco_iso3(names: list[str]) -> list[str | None]:
    """country_converter's regex matching, as the last resort for names we do not know."""
    if not names:
        return []
    import country_converter as coco

    coco_log = logging.getLogger("country_converter")
    level = coco_log.level
    coco_log.setLevel(logging.ERROR)  # its 'not found' warnings are reported by us, with the file
    try:
        out = coco.CountryConverter().convert(names, to="ISO3", not_found=None)
    finally:
        coco_log.setLevel(level)
    out = out if isinstance(out, list) else [out]
    return [o if isinstance(o, str) and re.fullmatch(r"[A-Z]{3}", o) else None for o in out]


def resolve_entities(obs: pd.DataFrame, universe: EntityUniverse, rules: pd.DataFrame) -> pd.DataFrame:
    """Map every distinct (source, entity_raw, entity_code) to an entity decision.

    Returns one row per distinct combination with columns source, entity_raw, entity_code,
    iso3 ("" if none), entity_fate ('economy' | 'aggregate' | 'excluded entity' |
    'unknown entity'), rule (how it was decided, for the entity map), and the year range
    (first_year, last_year; <NA> = unbounded) within which a rule's mapping applies.
    """
    ent = obs[ENTITY_KEY].drop_duplicates().astype(str).reset_index(drop=True)
    econ = set(universe.economies["iso3"])
    by_kind: dict[str, dict[str, dict]] = {"code": {}, "m49": {}, "name": {}}
    for r in rules.to_dict("records"):
        key = normalise_name(r["match"]) if r["kind"] == "name" else r["match"].strip()
        by_kind[r["kind"]].setdefault(key.lstrip("0") if r["kind"] == "m49" else key, r)

    iso3, fate, how = [], [], []
    first, last = [], []
    unresolved: list[int] = []
    for i, (raw, code) in enumerate(zip(ent["entity_raw"], ent["entity_code"])):
        code = code.strip()
        first.append(pd.NA)
        last.append(pd.NA)
        if code.startswith(GROUP_CODE_PREFIX):
            iso3.append(""), fate.append("aggregate"), how.append("the publisher's code of a group")
            continue
        is_m49 = code.isdigit()
        r = (
            by_kind["m49"].get(code.lstrip("0")) if is_m49 else by_kind["code"].get(code) if code else None
        ) or by_kind["name"].get(normalise_name(raw))
        if r is not None:
            first[-1], last[-1] = r["first_year"], r["last_year"]
            said = f"rule ({r['kind']} {r['match']!r}): {r['reason']}"
            if r["action"] == "map":
                iso3.append(r["iso3"]), fate.append("economy"), how.append(said)
            else:
                iso3.append(""), fate.append("excluded entity"), how.append(said)
            continue
        if code and not is_m49:
            if code in econ:
                iso3.append(code), fate.append("economy"), how.append("publisher code")
            elif code in universe.aggregates:
                iso3.append(""), fate.append("aggregate"), how.append("publisher code is an aggregate")
            else:
                (
                    iso3.append(""),
                    fate.append("unknown entity"),
                    how.append(f"code {code!r} not a known economy or aggregate"),
                )
            continue
        if is_m49:
            hit = universe.m49.get(code.lstrip("0") or "0")
            if hit:
                iso3.append(hit), fate.append("economy"), how.append("UN M49 code via concordance")
            else:
                iso3.append(""), fate.append("unknown entity"), how.append(f"M49 code {code} not in the concordance")
            continue
        hit = universe.names.get(normalise_name(raw))
        if hit:
            if hit in universe.aggregates:
                iso3.append(""), fate.append("aggregate"), how.append("name of an aggregate")
            else:
                iso3.append(hit), fate.append("economy"), how.append("exact name match")
            continue
        iso3.append(""), fate.append("unknown entity"), how.append("name not matched")
        unresolved.append(i)

    if unresolved:
        coco_hits = coco_iso3([ent.loc[i, "entity_raw"] for i in unresolved])
        for i, hit in zip(unresolved, coco_hits):
            if hit and hit in econ:
                iso3[i], fate[i], how[i] = hit, "economy", "country_converter name match"
    return ent.assign(
        iso3=iso3,
        entity_fate=fate,
        rule=how,
        rule_first_year=pd.array(first, dtype="Int64"),
        rule_last_year=pd.array(last, dtype="Int64"),
    )


def unknown_entity_error(obs: pd.DataFrame, entities: pd.DataFrame) -> InputError:
    """Build the error listing every unknown entity with one place it occurs."""
    unk = entities[entities["entity_fate"] == "unknown entity"]
    at = obs.merge(unk[["source", "entity_raw", "entity_code"]], on=["source", "entity_raw", "entity_code"])
    first = at.sort_values(["file", "row"]).drop_duplicates(["source", "entity_raw", "entity_code"])
    lines = [f"{r.entity_raw!r} (code {r.entity_code!r}) in {r.file} row {r.row}" for r in first.itertuples()]
    return InputError(
        problem=f"{len(first)} unknown entit{'y' if len(first) == 1 else 'ies'}:\n    "
        + "\n    ".join(lines[:30])
        + ("\n    ..." if len(lines) > 30 else ""),
        file=str(first.iloc[0]["file"]),
        row=int(first.iloc[0]["row"]),
        expected="an ISO3 code, a known economy name, or an aggregate",
        fix="add a row to config/entities.csv mapping the name/code to an ISO3 code (action 'map') or "
        "dropping it with a reason (action 'drop'); or set harmonize.on_unknown_entity: drop",
    )
