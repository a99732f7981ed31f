"""Data-quality reports of the harmonised database: source discrepancies, range checks, coverage."""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from scripts.core import tables
from scripts.core.contract import empty
from scripts.core.errors import InputError
from scripts.core.spikes import spike_scores


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
        return empty(tables.DISCREPANCIES)
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
        lambda d: (
            float(np.corrcoef(d["value_out_o"], d["value_out_k"])[0, 1])
            if len(d) > 2 and d["value_out_o"].std() > 0 and d["value_out_k"].std() > 0
            else np.nan
        )
    )
    out["corr"] = corr
    worst = m.sort_values(["rel", "iso3", "year"], ascending=[False, True, True]).drop_duplicates(
        ["indicator", "kept_series", "other_series"]
    )
    worst = worst.set_index(["indicator", "kept_series", "other_series"])[["iso3", "year"]].rename(
        columns={"iso3": "worst_iso3", "year": "worst_year"}
    )
    out = out.join(worst).reset_index()
    cols = list(tables.DISCREPANCIES.columns)
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
    report = bad.assign(rule=rule, bound=bound, robust_z=np.nan)[list(tables.VALIDATION.columns)].sort_values(
        ["indicator", "iso3", "year"], ignore_index=True
    )
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


def flag_spikes(
    panel: pd.DataFrame,
    indicators: pd.DataFrame,
    *,
    threshold: float,
    min_points: int,
    flagged: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Return the validation rows of the panel's isolated one-year spikes (rule "isolated spike").

    A spike is a value beyond both neighbouring years of its series by more than
    ``threshold`` robust sds of the series' year-on-year changes
    (:func:`scripts.core.spikes.spike_scores`); ``bound`` is the nearer neighbour's value,
    ``robust_z`` the signed score. Cells already in ``flagged`` (the range report) are
    reported there only, once. The values stay in the panel: this is a flag, not a drop.
    """
    wide = panel.pivot_table(index=["iso3", "year"], columns="indicator", values="value", observed=True)
    wide.columns = wide.columns.astype(str)
    z = spike_scores(wide, min_points=min_points)
    hits = z.stack()
    hits = hits[hits.abs() > threshold].rename("robust_z").reset_index()
    if hits.empty:
        return empty(tables.VALIDATION)
    hits.columns = ["iso3", "year", "indicator", "robust_z"]
    keys = ["iso3", "year", "indicator"]
    if flagged is not None and len(flagged):
        seen = pd.MultiIndex.from_frame(flagged[keys].astype({"iso3": str, "indicator": str}))
        hits = hits[~pd.MultiIndex.from_frame(hits[keys].astype({"iso3": str, "indicator": str})).isin(seen)]
    cells = panel.astype({"iso3": str, "indicator": str}).merge(hits.astype({"iso3": str}), on=keys)
    cells = cells.merge(indicators[["indicator", "unit"]], on="indicator", how="left")
    lookup = panel.astype({"iso3": str, "indicator": str}).set_index(keys)["value"]
    before = lookup.reindex(pd.MultiIndex.from_arrays([cells["iso3"], cells["year"] - 1, cells["indicator"]]))
    after = lookup.reindex(pd.MultiIndex.from_arrays([cells["iso3"], cells["year"] + 1, cells["indicator"]]))
    b, a, v = before.to_numpy(dtype=float), after.to_numpy(dtype=float), cells["value"].to_numpy(dtype=float)
    cells = cells.assign(rule="isolated spike", bound=np.where(np.abs(v - b) <= np.abs(v - a), b, a))
    cols = list(tables.VALIDATION.columns)
    return cells[cols].sort_values(["indicator", "iso3", "year"], ignore_index=True)


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
    out = out.fillna(
        {
            "n_values": 0,
            "n_economies": 0,
            "n_values_window": 0,
            "n_economies_window": 0,
            "share_observed_window": 0.0,
            "n_sources": 0,
        }
    )
    for c in ("n_values", "n_economies", "n_values_window", "n_economies_window", "n_sources"):
        out[c] = out[c].astype("int64")
    out["first_year"] = out["first_year"].astype("Int64")
    out["last_year"] = out["last_year"].astype("Int64")
    return out.sort_values("indicator", ignore_index=True)
