"""The national divide: the gender gap in Internet use, for every economy and year the gender data cover.

The ITU gender table gives women's and men's Internet use (% of each population) from
household surveys, mostly for one latest year per economy. The gap is female - male in
percentage points (negative: fewer women online) and the ratio female / male (1 = parity).
An economy with a single year is flagged ``snapshot``: its row is a level, not a trend,
and the coverage table says how many economies have more than one year.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def gender_gap(panel: pd.DataFrame, female: str, male: str, units: list[str]) -> pd.DataFrame:
    """Women's and men's Internet use, gap and ratio, per economy and year where both are observed.

    Returns iso3, year, female, male (both %), gap (percentage points), ratio, n_years
    (years with both for the economy) and snapshot (n_years == 1), sorted by iso3 and year.
    """
    rows = panel[panel["indicator"].isin([female, male]) & panel["iso3"].isin(units)]
    wide = rows.pivot_table(index=["iso3", "year"], columns="indicator", values="value").reindex(columns=[female, male])
    wide = wide.dropna().rename(columns={female: "female", male: "male"}).reset_index()
    wide["gap"] = wide["female"] - wide["male"]
    with np.errstate(divide="ignore", invalid="ignore"):
        wide["ratio"] = np.where(wide["male"] > 0, wide["female"] / wide["male"], np.nan)
    wide["n_years"] = wide.groupby("iso3")["year"].transform("size").astype("int64")
    wide["snapshot"] = wide["n_years"] == 1
    wide.columns.name = None
    return wide.sort_values(["iso3", "year"], ignore_index=True)


def gender_coverage(gaps: pd.DataFrame, groups: pd.DataFrame, n_units: int, first: int, last: int) -> pd.DataFrame:
    """Coverage of the gender data overall and by region and income group.

    ``groups`` holds iso3, region, income_group (current). One row per (grouping, group):
    economies covered, of how many analysis economies (``n_units`` overall), those with a
    single year (snapshots), the years covered, the economies with a year in the analysis
    window first..last, and the median gap and ratio of each economy's latest year.
    """
    latest = gaps.sort_values("year").groupby("iso3").tail(1).merge(groups, on="iso3", how="left")
    all_units = groups.assign(all="all")
    latest = latest.assign(all="all")
    rows = []
    for grouping in ("all", "region", "income_group"):
        for group, g in latest.groupby(grouping, sort=True):
            in_group = n_units if grouping == "all" else int((all_units[grouping] == group).sum())
            years = gaps[gaps["iso3"].isin(g["iso3"])]["year"]
            rows.append(
                {
                    "grouping": grouping,
                    "group": str(group),
                    "n_economies": len(g),
                    "n_analysis_economies": in_group,
                    "n_snapshot": int(g["snapshot"].sum()),
                    "first_year": int(years.min()),
                    "last_year": int(years.max()),
                    "n_in_window": int(
                        gaps.loc[gaps["iso3"].isin(g["iso3"]) & gaps["year"].between(first, last), "iso3"].nunique()
                    ),
                    "median_gap": float(g["gap"].median()),
                    "median_ratio": float(g["ratio"].median()),
                }
            )
    return pd.DataFrame(rows)
