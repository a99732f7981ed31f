"""Imputation that is measured, flagged and carried forward as uncertainty.

Every cell of the analysis window (kept economies x years x kept indicators, see
:mod:`scripts.screen`) leaves this stage with a value *and* a status saying what the value
rests on: ``observed``, ``interpolated``, ``extrapolated``, ``group``, ``model`` or
``missing`` (no step could fill it; value NaN). Observed values are copied bit for bit.

Steps and the order they are applied in
---------------------------------------
Each role (readiness, use, impact, outcome, control) has its own chain of steps, applied
**in the order listed**; a step only fills cells that are still missing. Every step
estimates from the *observed* values alone, never from another step's output, so a
cell's value depends on its own step only and its status tells the whole story (it also
means a step's fills can be computed once and shared by every chain that uses it).

================  =============  ===============================================================
step              status         what it does (label written to ``method``)
================  =============  ===============================================================
``interpolate``   interpolated   linear in time across an interior gap of at most ``max_gap``
                                 years; a longer gap stays missing *entirely*, it is not
                                 partially filled from its ends (``linear(k=3)``)
``carry``         extrapolated   nearest observed value of the series, at most ``max_extrap``
                                 years beyond the first/last observation (``carry(k=2)``)
``carry_long``    extrapolated   as ``carry``, up to ``long_carry`` (default 5) years
                                 (``carry(k=5)``)
``carry_all``     interpolated / the last observation carried forward across any gap
                  extrapolated   (``carry_forward(all)``, interpolated) and to the end of the
                                 window, the first carried back to its start (``carry(all)``,
                                 extrapolated): the naive carry-forward baseline as a step
``carry_forward`` interpolated   the last observed value before an interior gap of at most
                                 ``long_carry`` years (``carry_forward(k=5)``); a longer gap
                                 stays missing entirely
``trend``         extrapolated   straight line (least squares) through the ``trend_points``
                                 (default 3) observations nearest the end, at most
                                 ``max_extrap`` years out, clipped to the indicator's valid
                                 range; with a single observation it falls back to carry and
                                 says so (``trend(k=2,n=3)`` or ``carry(k=2)``)
``group_mean``    group          mean / median of the indicator that year over the observed
``group_median``                 economies of the same region x income group (income group *of
                                 that year*); when that cell has no observation the fallback
                                 is the income group alone, then the region alone
                                 (``group_median(region x income)``, ``group_median(income)``)
``knn``           model          sklearn ``KNNImputer`` (k=5) across indicators (``knn(k=5)``)
``iterative``     model          sklearn ``IterativeImputer`` with BayesianRidge (``iterative``)
================  =============  ===============================================================

Never-reported series
---------------------
A series (economy x indicator) with no observation in the window is not filled by any
step unless ``fill_unreported`` is on: its cells keep status ``missing`` with the method
``never reported`` (counted per indicator in ``unreported.csv``), and the index's
aggregation re-weights over the indicators the economy has. Only a model or group step
could fill such a series, and nothing measures how well unless the masking experiment
hides whole series, which it does when ``fill_unreported`` is on.

The recommended order, and the default, goes from the economy's own series outward:
interpolation (short interior gaps are where a straight line is most accurate), bounded
extrapolation, then the cross-indicator model, then the peer group. The masking
experiment measures the alternatives and :func:`recommend_methods` picks per role.

Income before region in the group fallback: ICT adoption and MDG outcomes follow income
far more closely than geography (the Gulf and Yemen share a region), so an income-group
peer is the better guess when the joint cell is empty.

Role blocks for the model steps
-------------------------------
The models are fitted **separately per block** so that outcome data never inform an ICT
input and ICT data never inform an outcome (which would manufacture the very association
the models test):

* ``ict`` block: readiness, use and impact indicators, with controls as extra features;
* ``outcome`` block: outcome indicators, with controls as extra features;
* ``control`` block: controls alone (a control imputed from ICT data would carry ICT into
  the outcome models through the back door).

Each block's model only writes the columns of its own target roles. The year is a
feature of every block (diffusion trends strongly with time). Columns are standardised
with their observed mean and standard deviation before fitting (KNN distances would
otherwise be dominated by the indicator with the largest units). A model prediction needs
at least one observed indicator of the economy-year in the block; otherwise the cell is
left to later steps rather than filled with what would only be a year average.

Large panels: capped model fits
-------------------------------
``KNNImputer`` compares every row with every donor row, so its cost grows with the square
of the rows; ``IterativeImputer`` refits a regression on every row for every indicator and
round. A block with more than ``max_fit_rows`` economy-years (default
:data:`MAX_FIT_ROWS` = 4,000, above the ~3,100 of the bundled data, so their results are
sklearn's on the whole block) is therefore fitted on a seeded random subsample of
``max_fit_rows`` of its rows, drawn without replacement from the rows with at least one
observed indicator of the block, and the fitted model then fills every row: KNN takes the
k nearest donors among the subsample, the iterative imputer applies the regressions
learnt on the subsample (with ``skip_complete`` off, so that an indicator the subsample
happens to hold completely is still regressed rather than mean-filled). Cost is then
linear in the rows. The subsample depends on the seed and the block only; standardisation
uses all rows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

import numpy as np
import pandas as pd

from scripts.core.contract import check_unique
from scripts.core.errors import ConfigError, InputError
from scripts.core.vocabulary import GROUP_LEVELS, ROLES, GroupLevel
from scripts.impute.kernels import (
    MAX_FIT_ROWS,
    extrap_fill,
    group_fill,
    interp_fill,
    model_fill,
)
from scripts.impute.settings import check_int


def _year_columns(wide_by_year: pd.DataFrame) -> np.ndarray:
    years = np.asarray([int(c) for c in wide_by_year.columns], dtype="int64")
    if years.size and (np.any(np.diff(years) != 1)):
        raise InputError(
            problem=f"year columns {years.tolist()} are not consecutive and increasing",
            expected="one column per year of the window, in order",
            fix="reindex the frame to columns range(first, last + 1) before imputing",
        )
    return years


def interpolate(wide_by_year: pd.DataFrame, max_gap: int) -> pd.DataFrame:
    """Fill interior gaps of at most ``max_gap`` years by linear interpolation within each row.

    ``wide_by_year`` has one row per series (e.g. an (iso3, indicator) index) and one
    column per consecutive year. A gap longer than ``max_gap`` stays missing entirely (it
    is not filled partway from its ends); leading and trailing gaps are left alone.

    Returns a frame shaped like the input, in the input's units; observed cells unchanged.
    """
    _year_columns(wide_by_year)
    k = check_int("max_gap", max_gap)
    a = wide_by_year.to_numpy(dtype="float64", copy=True)
    fill = interp_fill(a, k)
    return pd.DataFrame(np.where(np.isnan(a), fill, a), index=wide_by_year.index, columns=wide_by_year.columns)


def _bound(value: float | pd.Series | None, index: pd.Index) -> np.ndarray:
    if value is None:
        return np.full(len(index), np.nan)
    if isinstance(value, pd.Series):
        return value.reindex(index).to_numpy(dtype="float64")
    return np.full(len(index), float(value))


def extrapolate(
    wide_by_year: pd.DataFrame,
    max_years: int,
    how: Literal["carry", "trend"] = "carry",
    *,
    trend_points: int = 3,
    lower: float | pd.Series | None = None,
    upper: float | pd.Series | None = None,
) -> pd.DataFrame:
    """Extend each row at most ``max_years`` years beyond its first and last observation.

    ``how="carry"`` repeats the nearest observed value; ``how="trend"`` continues the
    least-squares line through the ``trend_points`` observations nearest that end (their
    actual years, gaps allowed), falling back to carry when the row has one observation.
    Results are clipped to ``[lower, upper]`` (scalars, or Series aligned with the rows;
    NaN or None = unbounded). Interior gaps are left alone.

    Returns a frame shaped like the input, in the input's units; observed cells unchanged.
    """
    _year_columns(wide_by_year)
    k = check_int("max_years", max_years)
    n_pts = check_int("trend_points", trend_points, low=2)
    if how not in ("carry", "trend"):
        raise ConfigError(
            problem=f"unknown extrapolation {how!r}", expected="'carry' or 'trend'", fix="set how to 'carry' or 'trend'"
        )
    a = wide_by_year.to_numpy(dtype="float64", copy=True)
    fill, _ = extrap_fill(a, k, how, n_pts, _bound(lower, wide_by_year.index), _bound(upper, wide_by_year.index))
    return pd.DataFrame(np.where(np.isnan(a), fill, a), index=wide_by_year.index, columns=wide_by_year.columns)


def _wide_rows(wide: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """ISO3 codes and years of the rows of a frame indexed by (iso3, year)."""
    if not isinstance(wide.index, pd.MultiIndex) or list(wide.index.names)[:2] != ["iso3", "year"]:
        raise InputError(
            problem="frame is not indexed by (iso3, year)",
            expected="a wide frame with a MultiIndex (iso3, year) and one column per indicator",
            fix="pivot the panel with index=['iso3', 'year'], columns='indicator'",
        )
    return (
        wide.index.get_level_values("iso3").astype(str).to_numpy(),
        wide.index.get_level_values("year").astype("int64").to_numpy(),
    )


def _codes(names: pd.Series) -> tuple[np.ndarray, list[str]]:
    """Integer codes of non-empty labels (-1 for empty / missing), and the sorted labels."""
    text = names.astype("string").fillna("").str.strip()
    labels = sorted(set(text.tolist()) - {""})
    codes = pd.Index(labels).get_indexer(text.to_numpy())
    return codes.astype("int64"), labels


def group_codes(groups: pd.DataFrame, iso3: np.ndarray, year: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Region and income-group codes (-1 unknown) of each (iso3, year) pair.

    ``groups`` holds iso3, year, region, income_group; the income group of *that year*
    is used (historical classification). Rows with a missing year (or a frame without a
    ``year`` column) are undated (current) classifications and apply to the years without
    a dated row, or whose dated row leaves the group empty.
    """
    need = [c for c in ("iso3", "region", "income_group") if c not in groups.columns]
    if need:
        raise InputError(
            problem=f"groups frame lacks columns {need}",
            expected="iso3, year, region, income_group (year may be omitted for a current classification)",
            fix="pass the economy classification produced by the harmonise stage",
        )
    g = pd.DataFrame(
        {
            "iso3": groups["iso3"].astype("string"),
            "year": pd.array(groups["year"] if "year" in groups.columns else [pd.NA] * len(groups), dtype="Int64"),
            "region": groups["region"].astype("string"),
            "income_group": groups["income_group"].astype("string"),
        }
    )
    r_codes, _ = _codes(g["region"])
    i_codes, _ = _codes(g["income_group"])
    g = g.assign(r=r_codes, i=i_codes)
    dated = g.loc[g["year"].notna()]
    undated = g.loc[g["year"].isna()]
    check_unique(dated, ["iso3", "year"], "group classification", locate=["iso3", "year"])
    check_unique(undated, ["iso3"], "undated group classification", locate=["iso3"])
    cells = pd.DataFrame({"iso3": pd.array(iso3, dtype="string"), "year": pd.array(year, dtype="Int64")})
    on_year = cells.merge(dated[["iso3", "year", "r", "i"]], on=["iso3", "year"], how="left")
    on_any = cells[["iso3"]].merge(undated[["iso3", "r", "i"]], on="iso3", how="left")
    region = on_year["r"].fillna(-1).to_numpy(dtype="int64")
    income = on_year["i"].fillna(-1).to_numpy(dtype="int64")
    region = np.where(region >= 0, region, on_any["r"].fillna(-1).to_numpy(dtype="int64"))
    income = np.where(income >= 0, income, on_any["i"].fillna(-1).to_numpy(dtype="int64"))
    return region, income


def group_levels(region: np.ndarray, income: np.ndarray, fallback: Sequence[str]) -> tuple[list[np.ndarray], list[str]]:
    n_inc = int(income.max()) + 1 if income.size and income.max() >= 0 else 1
    joint = np.where((region >= 0) & (income >= 0), region * n_inc + income, -1)
    levels, names = [joint], ["region x income"]
    for f in fallback:
        if f not in ("income", "region"):
            raise ConfigError(
                problem=f"unknown group fallback {f!r}",
                expected="'income' or 'region'",
                fix="set the group fallback to a list of 'income' and/or 'region'",
            )
        levels.append(income if f == "income" else region)
        names.append(f)
    return levels, names


def group_impute(
    wide: pd.DataFrame,
    groups: pd.DataFrame,
    *,
    statistic: Literal["mean", "median"] = "median",
    fallback: Sequence[GroupLevel] = GROUP_LEVELS,
    min_group_n: int = 1,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Fill each missing cell with the mean/median of the economy's peer group that year.

    ``wide`` is indexed by (iso3, year) with one column per indicator. The peer group is
    region x income group of that year (see :func:`group_codes`); the statistic is taken
    over the observed values of that indicator-year in the group, and needs at least
    ``min_group_n`` of them. When the joint group has none, ``fallback`` levels are tried
    in order (income group alone, then region alone, by default).

    Returns ``(filled, method)``: the filled frame (indicator units; observed cells
    unchanged, unfillable cells NaN) and a same-shaped frame of labels such as
    ``"group_median(region x income)"`` ("" where the step filled nothing).
    """
    if statistic not in ("mean", "median"):
        raise ConfigError(
            problem=f"unknown group statistic {statistic!r}",
            expected="'mean' or 'median'",
            fix="use group_mean or group_median",
        )
    iso3, year = _wide_rows(wide)
    region, income = group_codes(groups, iso3, year)
    levels, names = group_levels(region, income, fallback)
    years = np.unique(year)
    year_idx = np.searchsorted(years, year)
    x2 = wide.to_numpy(dtype="float64", copy=True)
    fill, used = group_fill(x2, year_idx, len(years), levels, statistic, min_group_n)
    label_of = np.array([""] + [f"group_{statistic}({n})" for n in names], dtype=object)
    filled = pd.DataFrame(np.where(np.isnan(x2), fill, x2), index=wide.index, columns=wide.columns)
    method = pd.DataFrame(label_of[used.astype("int64") + 1], index=wide.index, columns=wide.columns)
    return filled, method


def _roles_array(columns: pd.Index, roles: Mapping[str, str]) -> np.ndarray:
    missing = [c for c in columns if c not in roles]
    if missing:
        raise InputError(
            problem=f"no role for indicators {missing}",
            expected="a role for every column",
            fix="add the indicators to the catalogue",
        )
    return np.array([roles[c] for c in columns], dtype=object)


def _model_wrapper(
    wide: pd.DataFrame,
    roles: Mapping[str, str],
    kind: str,
    *,
    lower: Mapping[str, float] | None = None,
    upper: Mapping[str, float] | None = None,
    **kw: object,
) -> pd.DataFrame:
    _, year = _wide_rows(wide)
    x2 = wide.to_numpy(dtype="float64", copy=True)
    r = _roles_array(wide.columns, roles)
    lo = pd.Series(dict(lower or {}), dtype="float64").reindex(wide.columns).to_numpy(dtype="float64")
    hi = pd.Series(dict(upper or {}), dtype="float64").reindex(wide.columns).to_numpy(dtype="float64")
    fill = model_fill(x2, year, r, kind, frozenset(ROLES), lo=lo, hi=hi, **kw)  # type: ignore[arg-type]
    return pd.DataFrame(np.where(np.isnan(x2), fill, x2), index=wide.index, columns=wide.columns)


def knn_impute(
    wide: pd.DataFrame, roles: Mapping[str, str], *, n_neighbors: int = 5, max_fit_rows: int = MAX_FIT_ROWS
) -> pd.DataFrame:
    """Fill missing cells with sklearn ``KNNImputer``, fitted separately per role block.

    ``wide`` is indexed by (iso3, year) with one column per indicator; ``roles`` maps each
    column to its role. See the module docstring for the blocks, the standardisation and
    the rule that a row needs one observed indicator of the block; a block with more than
    ``max_fit_rows`` rows takes its donors from a seeded subsample of that many rows.

    Returns the filled frame in indicator units; observed cells unchanged, cells no block
    could fill stay NaN.
    """
    return _model_wrapper(
        wide,
        roles,
        "knn",
        seed=0,
        n_neighbors=check_int("n_neighbors", n_neighbors, 1),
        max_fit_rows=check_int("max_fit_rows", max_fit_rows, 1),
    )


def iterative_impute(
    wide: pd.DataFrame,
    roles: Mapping[str, str],
    *,
    seed: int,
    max_iter: int = 10,
    sample_posterior: bool = False,
    lower: Mapping[str, float] | None = None,
    upper: Mapping[str, float] | None = None,
    max_fit_rows: int = MAX_FIT_ROWS,
) -> pd.DataFrame:
    """Fill missing cells with sklearn ``IterativeImputer`` (BayesianRidge), fitted per role block.

    As :func:`knn_impute`; predictions are clipped to ``[lower, upper]`` per indicator
    when given. ``seed`` is the imputer's ``random_state`` (and seeds the subsample of a
    block with more than ``max_fit_rows`` rows, which the regressions are fitted on).

    Returns the filled frame in indicator units; observed cells unchanged.
    """
    return _model_wrapper(
        wide,
        roles,
        "iterative",
        seed=int(seed),
        max_iter=check_int("max_iter", max_iter, 1),
        sample_posterior=sample_posterior,
        lower=lower,
        upper=upper,
        max_fit_rows=check_int("max_fit_rows", max_fit_rows, 1),
    )


# ------------------------------------------------------------------------------------
# the panel cube


# ------------------------------------------------------------------------------------
# masking experiment


# ------------------------------------------------------------------------------------
# multiple imputation
