"""Region and income group of every economy in every year (the historical classification)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from scripts.core.vocabulary import INCOME_GROUPS
from scripts.harmonize.entities import EntityUniverse


def classification_by_year(universe: EntityUniverse, income_history: pd.DataFrame, years: range) -> pd.DataFrame:
    """Region and income group of every economy in every year.

    Income group comes from the historical classification of the data year; outside the
    years it covers, the nearest classified year is used; an economy the history never
    classifies (a new economy, or synthetic units) takes its current group. Region is the
    current World Bank region (static). Returns iso3, year, region, income_group ('' when
    unknown), income_basis ('history' | 'nearest' | 'current' | 'none').
    """
    econ = universe.economies[["iso3", "region", "income_group"]].rename(columns={"income_group": "current"})
    grid = econ.merge(pd.DataFrame({"year": list(years)}), how="cross")
    hist = income_history[income_history["income_group"].isin(INCOME_GROUPS)][["iso3", "year", "income_group"]]
    hist = (
        hist.astype({"iso3": str, "income_group": "string"})
        .assign(year=hist["year"].astype("int64"))
        .drop_duplicates(["iso3", "year"])
    )
    out = grid.merge(hist, on=["iso3", "year"], how="left").sort_values(["iso3", "year"], ignore_index=True)
    observed = out["income_group"].notna()
    # Forward then backward fill within each economy (vectorised; equal to a per-group ffill().bfill()).
    nearest = out.groupby("iso3")["income_group"].ffill().groupby(out["iso3"]).bfill()
    current = out["current"].astype("string").where(out["current"].isin(INCOME_GROUPS))
    group = out["income_group"].fillna(nearest).fillna(current)
    basis = np.select([observed, nearest.notna(), current.notna()], ["history", "nearest", "current"], default="none")
    out = out.assign(income_group=group.fillna(""), income_basis=basis)
    return out[["iso3", "year", "region", "income_group", "income_basis"]]
