"""Harmonisation: raw observations -> one value per (iso3, year, indicator), with an account.

Every observation read by ingest receives exactly one *fate*: kept in the panel, or dropped
for a stated reason. The fates are assigned in this order (the first that applies wins):

1. ``missing``: the cell is empty or a placeholder ('..', '...');
2. ``series not in catalogue``: no row of series.csv maps this publisher series;
3. ``aggregate``: a regional/income aggregate or 'World';
4. ``excluded entity``: an entity rule in entities.csv drops it (historical entities
   without a successor, or outside the years of a mapping rule);
5. ``unknown entity``: no code, name or rule identifies it (only when
   ``on_unknown_entity: drop``; the default stops with an error listing the names);
6. ``outside database years``: outside ``database.first_year..last_year``;
7. ``not convertible``: a per-capita conversion without population, or a growth rate
   without the previous year's value;
8. ``superseded``: a higher-precedence series gives the same (iso3, year, indicator);
9. ``kept``.

The reconciliation table counts fates per file and series, so read = kept + dropped holds
exactly; the trail keeps the fate of every single cell for audit.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from scripts import contract
from scripts.errors import InputError

log = logging.getLogger("ictmdg")

FATES = (
    "kept",
    "missing",
    "series not in catalogue",
    "aggregate",
    "excluded entity",
    "unknown entity",
    "outside database years",
    "not convertible",
    "superseded",
)

INCOME_CODES = ("L", "LM", "UM", "H")
ENTITY_KEY = ["source", "entity_raw", "entity_code"]
SERIES_KEY = ["source", "series"]


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


# --------------------------------------------------------------------------- entities


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
        m49 = {str(k).lstrip("0") or "0": v for k, v in conc[["m49", "iso3"]].dropna().itertuples(index=False) if str(k)}
    return EntityUniverse(economies=economies, aggregates=frozenset(agg_codes), names=names, m49=m49)


def _coco_iso3(names: list[str]) -> list[str | None]:
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
        is_m49 = code.isdigit()
        r = (
            (by_kind["m49"].get(code.lstrip("0")) if is_m49 else by_kind["code"].get(code) if code else None)
            or by_kind["name"].get(normalise_name(raw))
        )
        first.append(pd.NA)
        last.append(pd.NA)
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
                iso3.append(""), fate.append("unknown entity"), how.append(f"code {code!r} not a known economy or aggregate")
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
        coco_hits = _coco_iso3([ent.loc[i, "entity_raw"] for i in unresolved])
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
    lines = [
        f"{r.entity_raw!r} (code {r.entity_code!r}) in {r.file} row {r.row}" for r in first.itertuples()
    ]
    return InputError(
        problem=f"{len(first)} unknown entit{'y' if len(first) == 1 else 'ies'}:\n    " + "\n    ".join(lines[:30])
        + ("\n    ..." if len(lines) > 30 else ""),
        file=str(first.iloc[0]["file"]),
        row=int(first.iloc[0]["row"]),
        expected="an ISO3 code, a known economy name, or an aggregate",
        fix="add a row to config/entities.csv mapping the name/code to an ISO3 code (action 'map') or "
        "dropping it with a reason (action 'drop'); or set harmonize.on_unknown_entity: drop",
    )


# --------------------------------------------------------------------------- classification


def classification_by_year(
    universe: EntityUniverse, income_history: pd.DataFrame, years: range
) -> pd.DataFrame:
    """Region and income group of every economy in every year.

    Income group comes from the historical classification of the data year; outside the
    years it covers, the nearest classified year is used; an economy the history never
    classifies (a new economy, or synthetic units) takes its current group. Region is the
    current World Bank region (static). Returns iso3, year, region, income_group ('' when
    unknown), income_basis ('history' | 'nearest' | 'current' | 'none').
    """
    econ = universe.economies[["iso3", "region", "income_group"]].rename(columns={"income_group": "current"})
    grid = econ.merge(pd.DataFrame({"year": list(years)}), how="cross")
    hist = income_history[income_history["income_group"].isin(INCOME_CODES)][["iso3", "year", "income_group"]]
    hist = hist.astype({"iso3": str, "income_group": "string"}).assign(year=hist["year"].astype("int64")).drop_duplicates(["iso3", "year"])
    out = grid.merge(hist, on=["iso3", "year"], how="left").sort_values(["iso3", "year"], ignore_index=True)
    observed = out["income_group"].notna()
    # Forward then backward fill within each economy (vectorised; equal to a per-group ffill().bfill()).
    nearest = out.groupby("iso3")["income_group"].ffill().groupby(out["iso3"]).bfill()
    current = out["current"].astype("string").where(out["current"].isin(INCOME_CODES))
    group = out["income_group"].fillna(nearest).fillna(current)
    basis = np.select(
        [observed, nearest.notna(), current.notna()], ["history", "nearest", "current"], default="none"
    )
    out = out.assign(income_group=group.fillna(""), income_basis=basis)
    return out[["iso3", "year", "region", "income_group", "income_basis"]]


# --------------------------------------------------------------------------- fates and panel


def assign_fates(
    obs: pd.DataFrame,
    series_map: pd.DataFrame,
    entities: pd.DataFrame,
    *,
    population_indicator: str,
    first_year: int | None,
    last_year: int | None,
) -> pd.DataFrame:
    """Give every observation its fate and, where kept, its indicator and final value.

    ``obs`` is the OBSERVATIONS table; ``series_map`` is series.csv (precedence int,
    factor float); ``entities`` is the output of :func:`resolve_entities`. Returns the
    observations with added columns iso3, indicator, precedence, transform, value_out
    (the value in the indicator's unit after any transform), fate (one of FATES) and
    detail (the specific reason). Raises :class:`InputError` when a publisher series gives
    two values for the same economy and year.
    """
    e = lookup(obs, entities, ENTITY_KEY)
    if (e < 0).any():
        raise ValueError("entities table does not cover every observation; build it with resolve_entities(obs, ...)")
    m = lookup(obs, series_map, SERIES_KEY)
    smap = series_map.reset_index(drop=True)
    mapped = m >= 0
    mi = np.where(mapped, m, 0)

    def from_series(col: str, fill: object) -> np.ndarray:
        vals = smap[col].to_numpy()[mi]
        return np.where(mapped, vals, fill)

    df = obs.assign(
        iso3=entities["iso3"].to_numpy()[e],
        entity_fate=entities["entity_fate"].to_numpy()[e],
        rule_first_year=entities["rule_first_year"].astype("float64").to_numpy()[e],
        rule_last_year=entities["rule_last_year"].astype("float64").to_numpy()[e],
        indicator=pd.Categorical(np.where(mapped, smap["indicator"].to_numpy(dtype=object)[mi], None)),
        precedence=from_series("precedence", 0).astype("int64"),
        transform=from_series("transform", ""),
        factor=from_series("factor", np.nan).astype("float64"),
    )
    n = len(df)
    fate = np.full(n, "", dtype=object)
    detail = np.full(n, "", dtype=object)
    # Observations still without a fate (a boolean mask: comparing the text array each time is slow).
    open_ = np.ones(n, dtype=bool)

    def assign(mask: np.ndarray, what: str, why: str | np.ndarray = "") -> None:
        m = mask & open_
        fate[m] = what
        detail[m] = why if isinstance(why, str) else why[m]
        open_[m] = False

    assign(df["value"].isna().to_numpy(), "missing", "empty cell or placeholder")
    assign(df["indicator"].isna().to_numpy(), "series not in catalogue", "no row in series.csv")
    ef = df["entity_fate"].to_numpy()
    assign(ef == "aggregate", "aggregate")
    assign(ef == "excluded entity", "excluded entity", "entity rule: drop")
    assign(ef == "unknown entity", "unknown entity")
    yr = df["year"].to_numpy()
    lo = df["rule_first_year"].to_numpy()
    hi = df["rule_last_year"].to_numpy()
    outside_rule = (~np.isnan(lo) & (yr < lo)) | (~np.isnan(hi) & (yr > hi))
    assign(outside_rule, "excluded entity", "outside the years of its entity rule")
    if first_year is not None:
        assign(yr < first_year, "outside database years", f"before {first_year}")
    if last_year is not None:
        assign(yr > last_year, "outside database years", f"after {last_year}")

    live = open_.copy()
    cand = df.loc[live, ["source", "series", "iso3", "year", "file", "row", "column"]]
    contract.check_unique(cand, ["source", "series", "iso3", "year"], "value of a publisher series")

    value_out = np.full(n, np.nan)
    raw = df["value"].to_numpy(dtype="float64")
    factor = df["factor"].to_numpy(dtype="float64")
    transform = df["transform"].to_numpy(dtype=object)

    plain = live & (transform == "none")
    value_out[plain] = raw[plain] * factor[plain]

    grow = live & (transform == "growth")
    if grow.any():
        g = df.loc[grow, ["source", "series", "iso3", "year", "value"]]
        prev = g.assign(year=g["year"] + 1).rename(columns={"value": "prev"})
        g2 = g.merge(prev, on=["source", "series", "iso3", "year"], how="left")
        rate = (g2["value"].to_numpy() / g2["prev"].to_numpy() - 1.0) * 100.0
        ok = np.isfinite(rate)
        idx = np.flatnonzero(grow)
        value_out[idx[ok]] = rate[ok]
        bad = np.zeros(n, dtype=bool)
        bad[idx[~ok]] = True
        assign(bad, "not convertible", "growth rate needs the previous year's value")

    # Population is resolved first (plain transform only), so per-capita series can use it.
    pop_rows = live & (df["indicator"].to_numpy(dtype=object) == population_indicator) & plain
    pop = (
        pd.DataFrame({"iso3": df["iso3"].to_numpy()[pop_rows], "year": yr[pop_rows], "p": df["precedence"].to_numpy()[pop_rows], "pop": value_out[pop_rows]})
        .sort_values(["iso3", "year", "p"])
        .drop_duplicates(["iso3", "year"])
    )
    percap = live & (transform == "per_capita")
    if percap.any():
        pc = df.loc[percap, ["iso3", "year"]].merge(pop[["iso3", "year", "pop"]], on=["iso3", "year"], how="left")
        denom = pc["pop"].to_numpy()
        idx = np.flatnonzero(percap)
        ok = np.isfinite(denom) & (denom > 0)
        value_out[idx[ok]] = raw[idx[ok]] * factor[idx[ok]] / denom[ok]
        bad = np.zeros(n, dtype=bool)
        bad[idx[~ok]] = True
        assign(bad, "not convertible", f"per-capita conversion needs '{population_indicator}' for that economy and year")

    live = open_.copy()
    cand = pd.DataFrame(
        {"i": np.flatnonzero(live), "iso3": df["iso3"].to_numpy()[live], "year": yr[live],
         "indicator": df["indicator"].to_numpy()[live], "p": df["precedence"].to_numpy()[live]}
    ).sort_values(["iso3", "year", "indicator", "p"], kind="mergesort")
    winner = ~cand.duplicated(["iso3", "year", "indicator"], keep="first").to_numpy()
    win_idx = cand["i"].to_numpy()[winner]
    lose = cand.loc[~winner]
    # Name the series that won, so the trail says what superseded each value.
    won = cand.loc[winner, ["iso3", "year", "indicator", "i"]].rename(columns={"i": "wi"})
    lose = lose.merge(won, on=["iso3", "year", "indicator"], how="left")
    wi = lose["wi"].to_numpy()
    by = ("superseded by " + df["source"].iloc[wi].astype(str) + ":" + df["series"].iloc[wi].astype(str)).to_numpy(dtype=object)
    sup = np.zeros(n, dtype=bool)
    sup[lose["i"].to_numpy()] = True
    full_by = np.full(n, "", dtype=object)
    full_by[lose["i"].to_numpy()] = by
    assign(sup, "superseded", full_by)
    keep = np.zeros(n, dtype=bool)
    keep[win_idx] = True
    assign(keep, "kept")
    assert not open_.any(), "every observation must receive a fate"

    return df.assign(value_out=value_out, fate=pd.Categorical(fate), detail=pd.Categorical(detail)).drop(
        columns=["entity_fate", "rule_first_year", "rule_last_year", "factor"]
    )


def build_panel(trail: pd.DataFrame) -> pd.DataFrame:
    """Return the PANEL table (kept observations, with provenance), sorted by key."""
    kept = trail[trail["fate"] == "kept"]
    panel = kept.assign(value=kept["value_out"])[list(contract.PANEL)]
    panel = contract.conform(panel, contract.PANEL).sort_values(contract.PANEL_KEY, ignore_index=True)
    contract.check_unique(panel, contract.PANEL_KEY, "panel value")
    return panel


def reconciliation(trail: pd.DataFrame) -> pd.DataFrame:
    """Count observations per (source, file, series) by fate; read = kept + dropped exactly.

    Returns columns source, file, series, read, kept, dropped (total), then one column per
    drop reason, sorted by source, file, series.
    """
    counts = trail.groupby(["source", "file", "series", "fate"], observed=True).size().unstack("fate", fill_value=0)
    for f in FATES:
        if f not in counts.columns:
            counts[f] = 0
    reasons = [f for f in FATES if f != "kept"]
    out = counts[["kept", *reasons]].reset_index()
    out.insert(3, "read", out[["kept", *reasons]].sum(axis=1))
    out.insert(5, "dropped", out[reasons].sum(axis=1))
    out.columns = [c if c in ("source", "file", "series", "read", "kept", "dropped") else f"dropped: {c}" for c in out.columns]
    return out.sort_values(["source", "file", "series"], ignore_index=True)


def discrepancies(trail: pd.DataFrame, *, tolerance: float) -> pd.DataFrame:
    """How often and how far alternative series disagree with the one the panel keeps.

    For every indicator and every losing series (fate 'superseded'), compare its value with
    the kept value of the same (iso3, year). Returns indicator, kept_series ('source:series'
    of the winner), other_series, n_overlap, n_disagree (relative difference > tolerance),
    share_disagree, median_abs_rel_diff, p90_abs_rel_diff, max_abs_rel_diff,
    mean_diff (other - kept, in the indicator's unit), corr (Pearson), and the worst cell
    (iso3, year). Relative difference = |a - b| / max(|a|, |b|).
    """
    cols = ["iso3", "year", "indicator", "source", "series", "value_out"]
    text = {"iso3": str, "indicator": str, "source": str, "series": str}
    kept = trail.loc[trail["fate"] == "kept", cols].astype(text)
    sup = trail.loc[trail["fate"] == "superseded", cols].astype(text)
    m = sup.merge(kept, on=["iso3", "year", "indicator"], suffixes=("_o", "_k"))
    if m.empty:
        return pd.DataFrame(columns=["indicator", "kept_series", "other_series", "n_overlap", "n_disagree", "share_disagree",
                                     "median_abs_rel_diff", "p90_abs_rel_diff", "max_abs_rel_diff", "mean_diff", "corr",
                                     "worst_iso3", "worst_year"])
    a, b = m["value_out_o"].to_numpy(), m["value_out_k"].to_numpy()
    scale = np.maximum(np.abs(a), np.abs(b))
    rel = np.divide(np.abs(a - b), scale, out=np.zeros_like(scale), where=scale > 0)
    m = m.assign(
        kept_series=m["source_k"] + ":" + m["series_k"],
        other_series=m["source_o"] + ":" + m["series_o"],
        rel=rel,
        diff=a - b,
        dis=rel > tolerance,
    )
    g = m.groupby(["indicator", "kept_series", "other_series"])
    out = g.agg(
        n_overlap=("rel", "size"),
        n_disagree=("dis", "sum"),
        median_abs_rel_diff=("rel", "median"),
        p90_abs_rel_diff=("rel", lambda s: float(np.quantile(s, 0.9))),
        max_abs_rel_diff=("rel", "max"),
        mean_diff=("diff", "mean"),
    )
    out["share_disagree"] = out["n_disagree"] / out["n_overlap"]
    corr = g[["value_out_o", "value_out_k"]].apply(
        lambda d: float(np.corrcoef(d["value_out_o"], d["value_out_k"])[0, 1]) if len(d) > 2 and d["value_out_o"].std() > 0 and d["value_out_k"].std() > 0 else np.nan
    )
    out["corr"] = corr
    worst = m.sort_values(["rel", "iso3", "year"], ascending=[False, True, True]).drop_duplicates(["indicator", "kept_series", "other_series"])
    worst = worst.set_index(["indicator", "kept_series", "other_series"])[["iso3", "year"]].rename(columns={"iso3": "worst_iso3", "year": "worst_year"})
    out = out.join(worst).reset_index()
    cols = ["indicator", "kept_series", "other_series", "n_overlap", "n_disagree", "share_disagree", "median_abs_rel_diff",
            "p90_abs_rel_diff", "max_abs_rel_diff", "mean_diff", "corr", "worst_iso3", "worst_year"]
    return out[cols].sort_values(["indicator", "kept_series", "other_series"], ignore_index=True)


def validate_ranges(
    panel: pd.DataFrame,
    indicators: pd.DataFrame,
    *,
    tolerance: float,
    mode: Literal["flag", "reject"],
) -> pd.DataFrame:
    """Check every panel value against its indicator's [min, max] (plus ``tolerance``).

    Returns the validation report: one row per violation with iso3, year, indicator,
    value, rule, bound, source, file, row, column (empty when all values pass). With
    ``mode='reject'`` the first violation raises :class:`InputError` instead.
    """
    m = panel.merge(indicators[["indicator", "min", "max", "unit"]], on="indicator", how="left")
    low = m["min"].notna() & (m["value"] < m["min"] - tolerance)
    high = m["max"].notna() & (m["value"] > m["max"] + tolerance)
    bad = m[low | high]
    rule = np.where(low[low | high], "below minimum", "above maximum")
    bound = np.where(low[low | high], bad["min"], bad["max"])
    report = bad.assign(rule=rule, bound=bound)[
        ["iso3", "year", "indicator", "value", "unit", "rule", "bound", "source", "series", "file", "row", "column"]
    ].sort_values(["indicator", "iso3", "year"], ignore_index=True)
    if mode == "reject" and len(report):
        r = report.iloc[0]
        raise InputError(
            problem=f"{r['indicator']} = {r['value']:g} for {r['iso3']} {r['year']} is {r['rule']} {r['bound']:g} "
            f"({r['unit']}, tolerance {tolerance:g}); {len(report)} value(s) in all",
            file=str(r["file"]),
            row=int(r["row"]),
            column=str(r["column"]),
            expected=f"values within the bounds set in indicators.csv for {r['indicator']}",
            fix="check the source value and unit, correct the bounds in config/indicators.csv, "
            "or set validation.out_of_range: flag to keep and report such values",
        )
    return report


def coverage(panel: pd.DataFrame, indicators: pd.DataFrame, *, first: int, last: int, n_economies: int) -> pd.DataFrame:
    """Coverage per indicator: economies, years, values, and share observed in the analysis window.

    ``share_observed_window`` = values in [first, last] / (n_economies x window years).
    """
    g = panel.groupby("indicator")
    out = pd.DataFrame(
        {
            "n_values": g.size(),
            "n_economies": g["iso3"].nunique(),
            "first_year": g["year"].min(),
            "last_year": g["year"].max(),
            "n_sources": g["source"].nunique(),
        }
    )
    w = panel[(panel["year"] >= first) & (panel["year"] <= last)].groupby("indicator")
    out["n_values_window"] = w.size()
    out["n_economies_window"] = w["iso3"].nunique()
    out = out.fillna({"n_values_window": 0, "n_economies_window": 0})
    out["share_observed_window"] = out["n_values_window"] / (n_economies * (last - first + 1))
    out = indicators[["indicator", "name", "role", "unit"]].merge(out.reset_index(), on="indicator", how="left")
    out = out.fillna({"n_values": 0, "n_economies": 0, "n_values_window": 0, "n_economies_window": 0, "share_observed_window": 0.0, "n_sources": 0})
    for c in ("n_values", "n_economies", "n_values_window", "n_economies_window", "n_sources"):
        out[c] = out[c].astype("int64")
    out["first_year"] = out["first_year"].astype("Int64")
    out["last_year"] = out["last_year"].astype("Int64")
    return out.sort_values("indicator", ignore_index=True)


# --------------------------------------------------------------------------- rule entry point


def main(snakemake) -> None:  # type: ignore[no-untyped-def]
    from scripts.configuration import load_catalogue
    from scripts.files import read_csv, setup_logging, write_csv, write_parquet

    setup_logging(snakemake)
    p = snakemake.params
    cat = load_catalogue(snakemake.input.indicators, snakemake.input.series, snakemake.input.entities, p.source_ids)
    obs = pd.read_parquet(snakemake.input.observations)
    classes = pd.read_parquet(snakemake.input.classifications)
    concordance = read_csv(snakemake.input.concordance, dtype=str)
    groups = read_csv(snakemake.input.groups, dtype=str)

    current = classes[classes["source"] == "wb_class"]
    meta = classes[classes["source"] == "wb_metadata"]
    history = classes[classes["source"] == "wb_income_history"]
    universe = build_universe(current, meta, concordance, history, groups)

    entities = resolve_entities(obs, universe, cat["entities"])
    if p.on_unknown_entity == "error" and (entities["entity_fate"] == "unknown entity").any():
        raise unknown_entity_error(obs, entities)

    trail = assign_fates(
        obs,
        cat["series"],
        entities,
        population_indicator=p.population_indicator,
        first_year=p.first_year,
        last_year=p.last_year,
    )
    panel = build_panel(trail)
    report = validate_ranges(panel, cat["indicators"], tolerance=p.tolerance, mode=p.out_of_range)
    recon = reconciliation(trail)
    assert (recon["read"] == recon["kept"] + recon["dropped"]).all()
    assert recon["read"].sum() == len(obs), "every observation must be accounted for"

    years = range(int(min(panel["year"].min(), p.analysis_first)), int(max(panel["year"].max(), p.analysis_last)) + 1)
    classification = classification_by_year(universe, history, years)
    economies = universe.economies.assign(in_panel=universe.economies["iso3"].isin(panel["iso3"].unique()))
    n_econ = int(economies["in_panel"].sum())

    write_parquet(panel, snakemake.output.panel)
    write_parquet(
        trail[["source", "file", "row", "column", "entity_raw", "entity_code", "year", "series", "value", "note",
               "iso3", "indicator", "value_out", "fate", "detail"]].sort_values(["source", "file", "row", "column"], ignore_index=True),
        snakemake.output.trail,
    )
    write_csv(recon, snakemake.output.reconciliation)
    write_csv(discrepancies(trail, tolerance=p.discrepancy_tolerance), snakemake.output.discrepancies)
    write_csv(report, snakemake.output.validation)
    write_csv(coverage(panel, cat["indicators"], first=p.analysis_first, last=p.analysis_last, n_economies=n_econ), snakemake.output.coverage)
    write_csv(economies, snakemake.output.economies)
    write_csv(classification, snakemake.output.classification)
    write_csv(entities.sort_values(["source", "entity_raw", "entity_code"], ignore_index=True), snakemake.output.entity_map)
    log.info(
        "harmonize: %d observations -> %d panel values (%d indicators, %d economies); %d range flags",
        len(obs), len(panel), panel["indicator"].nunique(), n_econ, len(report),
    )

