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
8. ``out of range``: the value (in the indicator's unit, after its transform) lies outside
   the indicator's [min, max] of indicators.csv by more than ``validation.tolerance``. It is
   checked before precedence, so a superseded series is checked too, and an impossible
   value never enters the panel (nor serves as a per-capita or ratio denominator);
9. ``superseded``: a higher-precedence series gives the same (iso3, year, indicator);
10. ``kept``.

The reconciliation table counts fates per file and series, so read = kept + dropped holds
exactly; the trail keeps the fate of every single cell for audit.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from scripts.core import contract
from scripts.core.errors import ConfigError, InvariantError
from scripts.harmonize.entities import ENTITY_KEY, lookup

SERIES_KEY = ["source", "series"]


def _denominator(df: pd.DataFrame, rows: np.ndarray, value_out: np.ndarray) -> pd.DataFrame:
    """One value per (iso3, year) of the observations ``rows``: the lowest precedence wins.

    Returns iso3, year, value and by ("source:series" of the winning series).
    """
    got = pd.DataFrame(
        {
            "iso3": df["iso3"].to_numpy()[rows],
            "year": df["year"].to_numpy()[rows],
            "p": df["precedence"].to_numpy()[rows],
            "value": value_out[rows],
            "by": df["source"].to_numpy(dtype=object)[rows].astype(str)
            + ":"
            + df["series"].to_numpy(dtype=object)[rows].astype(str),
        }
    )
    got = got.sort_values(["iso3", "year", "p"], kind="mergesort").drop_duplicates(["iso3", "year"])
    return got.drop(columns="p")


def _denominators_of(
    kind: str, target: str, population_indicator: str, ratio_denominators: Mapping[str, list[str]]
) -> list[str]:
    """The indicators whose product divides ``target``'s series of transform ``kind``."""
    if kind == "per_capita":
        return [population_indicator]
    if not ratio_denominators.get(target):
        raise ConfigError(
            problem=f"series of {target!r} have transform 'ratio' but no denominators are configured",
            expected="harmonize.ratio_denominators: {indicator: [denominator indicator, ...]}",
            fix="add the indicator's denominators to harmonize.ratio_denominators in the config",
        )
    return list(ratio_denominators[target])


def _divisor(
    df: pd.DataFrame, idx: np.ndarray, sources: list[np.ndarray], names: list[str], value_out: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The product of the denominators for the observations ``idx``, and what it was made of.

    ``sources[k]`` selects the observations of denominator ``names[k]``. Returns the
    product (NaN where a denominator is missing) and, per observation, the text
    "<name> [<source>:<series>] x ..." naming each denominator's series.
    """
    where = df[["iso3", "year"]].iloc[idx]
    denom = np.ones(idx.size)
    said = np.full(idx.size, "", dtype=object)
    for name, rows in zip(names, sources):
        hit = where.merge(_denominator(df, rows, value_out), on=["iso3", "year"], how="left")
        denom = denom * hit["value"].to_numpy(dtype="float64")
        by = hit["by"].fillna("").to_numpy(dtype=object)
        said = said + np.where(said == "", "", " x ") + name + " [" + by + "]"
    return denom, said


def outside_bounds(
    indicator: np.ndarray, value: np.ndarray, bounds: pd.DataFrame | None, tolerance: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Which values lie outside their indicator's plausible range.

    ``bounds`` has columns indicator, min, max (NaN: no bound); ``indicator`` holds catalogue
    ids (None for unmapped cells). Returns boolean masks ``(below, above)`` (value < min -
    tolerance, value > max + tolerance) and the bound crossed (NaN where none is).
    """
    n = len(value)
    if bounds is None or not len(bounds):
        return np.zeros(n, dtype=bool), np.zeros(n, dtype=bool), np.full(n, np.nan)
    pos = pd.Index(bounds["indicator"].astype(str)).get_indexer(pd.Index(indicator, dtype=object).astype(str))
    found = pos >= 0
    take = np.where(found, pos, 0)
    lo = np.where(found, bounds["min"].to_numpy(dtype="float64")[take], np.nan)
    hi = np.where(found, bounds["max"].to_numpy(dtype="float64")[take], np.nan)
    with np.errstate(invalid="ignore"):
        below = ~np.isnan(lo) & (value < lo - tolerance)
        above = ~np.isnan(hi) & (value > hi + tolerance)
    return below, above, np.where(below, lo, np.where(above, hi, np.nan))


def assign_fates(
    obs: pd.DataFrame,
    series_map: pd.DataFrame,
    entities: pd.DataFrame,
    *,
    population_indicator: str,
    first_year: int | None,
    last_year: int | None,
    ratio_denominators: Mapping[str, list[str]] | None = None,
    bounds: pd.DataFrame | None = None,
    tolerance: float = 0.0,
) -> pd.DataFrame:
    """Give every observation its fate and, where kept, its indicator and final value.

    ``obs`` is the OBSERVATIONS table; ``series_map`` is series.csv (precedence int,
    factor float); ``entities`` is the output of :func:`resolve_entities`;
    ``ratio_denominators`` maps an indicator to the indicators whose product divides its
    ``ratio`` series (e.g. bandwidth per Internet user: population x Internet users %).
    Denominators are taken from untransformed series, by precedence. ``bounds`` (indicator,
    min, max: the catalogue's indicators.csv) and ``tolerance`` (in the indicator's unit)
    define the fate "out of range" (see :func:`outside_bounds`); without ``bounds`` no
    value is out of range. Returns the
    observations with added columns iso3, indicator, precedence, transform, unit_factor
    (the factor the raw value was multiplied by; NaN for growth rates), divisor (the product of the denominators
    it was then divided by; NaN when none), value_out (the value in the indicator's unit
    after any transform: raw x unit_factor / divisor), fate (one of FATES) and
    detail (the specific reason; for a kept per-capita or ratio value, the denominators it
    was divided by and the source:series each came from, so its provenance names every
    input). Raises :class:`InputError` when a publisher series gives
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
    # For a kept per-capita or ratio value: the denominators it was divided by, with their series.
    inputs = np.full(n, "", dtype=object)
    # ...and the product of those denominators, so a reviewer can redo the division.
    divisor = np.full(n, np.nan)
    raw = df["value"].to_numpy(dtype="float64")
    factor = df["factor"].to_numpy(dtype="float64")
    transform = df["transform"].to_numpy(dtype=object)

    plain = live & (transform == "none")
    value_out[plain] = raw[plain] * factor[plain]

    indicator = df["indicator"].to_numpy(dtype=object)

    def check_range(mask: np.ndarray) -> None:
        """Give the fate 'out of range' to the values of ``mask`` outside their bounds."""
        below, above, bound = outside_bounds(indicator, value_out, bounds, tolerance)
        out = mask & open_ & (below | above)
        why = np.full(n, "", dtype=object)
        for i in np.flatnonzero(out):  # few cells: the text is built one by one
            rule = "below minimum" if below[i] else "above maximum"
            why[i] = f"{rule} {bound[i]:g} (tolerance {tolerance:g})"
        assign(out, "out of range", why)

    # Plain values first, so that an impossible population never divides a per-capita series.
    check_range(plain)

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

    # Denominators (population, and each ratio's) are resolved first, from untransformed
    # series by precedence (values in range only), so that the per-capita and ratio series can use them.
    for kind in ("per_capita", "ratio"):
        rows = live & (transform == kind)
        for target in sorted(set(indicator[rows])):
            denominators = _denominators_of(kind, target, population_indicator, ratio_denominators or {})
            idx = np.flatnonzero(rows & (indicator == target))
            denom, said = _divisor(
                df, idx, [open_ & plain & (indicator == d) for d in denominators], denominators, value_out
            )
            ok = np.isfinite(denom) & (denom > 0)
            value_out[idx[ok]] = raw[idx[ok]] * factor[idx[ok]] / denom[ok]
            divisor[idx[ok]] = denom[ok]
            inputs[idx[ok]] = "divided by " + said[ok]
            bad = np.zeros(n, dtype=bool)
            bad[idx[~ok]] = True
            needs = "per-capita conversion" if kind == "per_capita" else "ratio"
            names = " and ".join(repr(d) for d in denominators)
            assign(bad, "not convertible", f"{needs} needs {names} for that economy and year")
    check_range(open_)

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
    assign(keep, "kept", inputs)
    if open_.any():
        raise InvariantError(f"{int(open_.sum())} observations received no fate; every observation must receive one")

    return df.assign(
        # A growth rate is a ratio of two raw values, so no factor applies to it.
        unit_factor=np.where(np.isnan(value_out) | (transform == "growth"), np.nan, factor),
        divisor=divisor,
        value_out=value_out,
        fate=pd.Categorical(fate),
        detail=pd.Categorical(detail),
    ).drop(columns=["entity_fate", "rule_first_year", "rule_last_year", "factor"])
