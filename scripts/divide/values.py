"""The values the divide stage works on: one row per measure, basis, economy and year.

A measure is a catalogue indicator (``internet_users_pct``) or the overall score of a
composite index (``index:ict``). Each indicator measure comes on two bases:

- ``observed``: the harmonised panel's values (every analysis economy with data, screened or not);
- ``with_imputed``: the same plus the point imputation's filled cells (draw 0), so that the
  difference between the two bases is exactly the imputed cells.

An index score rests on imputed inputs, so an index measure has the ``with_imputed`` basis only.
Every row carries the economy's population of that year (the weight "between people"),
its region and its income group.
"""

from __future__ import annotations

import pandas as pd

from scripts.core.errors import ConfigError
from scripts.core.vocabulary import INDEX_MEASURE_PREFIX, IncomeGroupsBasis

#: Columns of the frame :func:`measure_values` returns.
COLUMNS = ["measure", "basis", "iso3", "year", "value", "population", "region", "income_group"]


def index_name(measure: str) -> str | None:
    """The index of an "index:<name>" measure, None for a catalogue indicator."""
    return measure[len(INDEX_MEASURE_PREFIX) :] if measure.startswith(INDEX_MEASURE_PREFIX) else None


def check_measures(measures: list[str], indicators: set[str], indices: set[str], *, config_file: str) -> None:
    """Refuse a measure that is neither a catalogue indicator nor an index of ``index.indices``."""
    for m in measures:
        name = index_name(m)
        known = indices if name is not None else indicators
        if (name or m) not in known:
            raise ConfigError(
                problem=f"divide.measures: {m!r} is not "
                + ("an index of index.indices" if name is not None else "an indicator of the catalogue"),
                file=config_file,
                expected=f"one of {sorted(known)}" if name is not None else "an id of config/indicators.csv",
                fix='name a catalogue indicator, or "index:<name>" for a configured index',
            )


def income_groups(
    classification: pd.DataFrame, economies: pd.DataFrame, how: IncomeGroupsBasis, first: int
) -> pd.DataFrame:
    """Income group of every economy and year (iso3, year, income_group) as ``how`` says.

    ``first_year``: each economy's group in ``first`` throughout (fixed groups, so a gap
    moves only because the economies' values move); ``by_year``: the group of each year;
    ``current``: today's group. "" where unknown.
    """
    out = classification[["iso3", "year", "income_group"]].copy()
    if how == "first_year":
        start = classification.loc[classification["year"] == first].set_index("iso3")["income_group"]
        out["income_group"] = out["iso3"].map(start).fillna("")
    elif how == "current":
        out["income_group"] = out["iso3"].map(economies.set_index("iso3")["income_group"]).fillna("")
    return out


def measure_values(
    measures: list[str],
    *,
    panel: pd.DataFrame,
    imputed: pd.DataFrame,
    index_scores: dict[str, pd.DataFrame],
    units: list[str],
    groups: pd.DataFrame,
    regions: pd.Series,
    population_indicator: str,
    first: int,
    last: int,
) -> pd.DataFrame:
    """The long frame of :data:`COLUMNS` for ``measures`` over the economies ``units`` and years first..last.

    ``panel`` is PANEL, ``imputed`` IMPUTED (draw 0), ``index_scores`` maps an index name to
    its overall score (iso3, year, score). ``groups`` is :func:`income_groups`' frame,
    ``regions`` maps iso3 to region. Population comes from the point imputation where the
    panel lacks it (a weight, not a result). Values are in the measure's unit (index
    scores on the index's scale); sorted by measure, basis, iso3, year.
    """
    window = (panel["year"] >= first) & (panel["year"] <= last) & panel["iso3"].isin(units)
    obs = panel.loc[window, ["iso3", "year", "indicator", "value"]]
    fills = imputed[(imputed["status"] != "observed") & imputed["value"].notna() & imputed["iso3"].isin(units)]
    fills = fills[(fills["year"] >= first) & (fills["year"] <= last)][["iso3", "year", "indicator", "value"]]
    parts = []
    for m in measures:
        name = index_name(m)
        if name is not None:
            s = index_scores[name]
            s = s[s["iso3"].isin(units) & (s["year"] >= first) & (s["year"] <= last)]
            parts.append(s.rename(columns={"score": "value"}).assign(measure=m, basis="with_imputed"))
            continue
        observed = obs[obs["indicator"] == m].drop(columns="indicator")
        both = pd.concat([observed, fills[fills["indicator"] == m].drop(columns="indicator")])
        both = both.drop_duplicates(["iso3", "year"], keep="first")  # a panel value wins over a fill
        parts += [observed.assign(measure=m, basis="observed"), both.assign(measure=m, basis="with_imputed")]
    values = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=COLUMNS)
    pop = pd.concat(
        [
            obs[obs["indicator"] == population_indicator],
            fills[fills["indicator"] == population_indicator],
        ]
    ).drop_duplicates(["iso3", "year"], keep="first")
    values = values.merge(
        pop[["iso3", "year", "value"]].rename(columns={"value": "population"}), on=["iso3", "year"], how="left"
    )
    values = values.merge(groups, on=["iso3", "year"], how="left")
    values["income_group"] = values["income_group"].fillna("").astype(str)
    values["region"] = values["iso3"].map(regions).fillna("").astype(str)
    values["year"] = values["year"].astype("int64")
    values["value"] = values["value"].astype(float)
    return values[COLUMNS].sort_values(["measure", "basis", "iso3", "year"], ignore_index=True)
