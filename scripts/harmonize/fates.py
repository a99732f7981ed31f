"""The fate of every raw observation: kept in the panel, or dropped for a stated reason.

Every observation read by ingest receives exactly one *fate*. The fates are assigned in
this order (the first that applies wins):

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

import numpy as np
import pandas as pd

from scripts.core import contract
from scripts.harmonize.entities import ENTITY_KEY, lookup

SERIES_KEY = ["source", "series"]


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
        pd.DataFrame(
            {
                "iso3": df["iso3"].to_numpy()[pop_rows],
                "year": yr[pop_rows],
                "p": df["precedence"].to_numpy()[pop_rows],
                "pop": value_out[pop_rows],
            }
        )
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
        assign(
            bad, "not convertible", f"per-capita conversion needs '{population_indicator}' for that economy and year"
        )

    live = open_.copy()
    cand = pd.DataFrame(
        {
            "i": np.flatnonzero(live),
            "iso3": df["iso3"].to_numpy()[live],
            "year": yr[live],
            "indicator": df["indicator"].to_numpy()[live],
            "p": df["precedence"].to_numpy()[live],
        }
    ).sort_values(["iso3", "year", "indicator", "p"], kind="mergesort")
    winner = ~cand.duplicated(["iso3", "year", "indicator"], keep="first").to_numpy()
    win_idx = cand["i"].to_numpy()[winner]
    lose = cand.loc[~winner]
    # Name the series that won, so the trail says what superseded each value.
    won = cand.loc[winner, ["iso3", "year", "indicator", "i"]].rename(columns={"i": "wi"})
    lose = lose.merge(won, on=["iso3", "year", "indicator"], how="left")
    wi = lose["wi"].to_numpy()
    by = ("superseded by " + df["source"].iloc[wi].astype(str) + ":" + df["series"].iloc[wi].astype(str)).to_numpy(
        dtype=object
    )
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
