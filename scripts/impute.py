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

===============  =============  ===============================================================
step             status         what it does (label written to ``method``)
===============  =============  ===============================================================
``interpolate``  interpolated   linear in time across an interior gap of at most ``max_gap``
                                years; a longer gap stays missing *entirely*, it is not
                                partially filled from its ends (``linear(k=3)``)
``carry``        extrapolated   nearest observed value of the series, at most ``max_extrap``
                                years beyond the first/last observation (``carry(k=2)``)
``trend``        extrapolated   straight line (least squares) through the ``trend_points``
                                (default 3) observations nearest the end, at most
                                ``max_extrap`` years out, clipped to the indicator's valid
                                range; with a single observation it falls back to carry and
                                says so (``trend(k=2,n=3)`` or ``carry(k=2)``)
``group_mean``   group          mean / median of the indicator that year over the observed
``group_median``                economies of the same region x income group (income group *of
                                that year*); when that cell has no observation the fallback
                                is the income group alone, then the region alone
                                (``group_median(region x income)``, ``group_median(income)``)
``knn``          model          sklearn ``KNNImputer`` (k=5) across indicators (``knn(k=5)``)
``iterative``    model          sklearn ``IterativeImputer`` with BayesianRidge (``iterative``)
===============  =============  ===============================================================

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

Accuracy and uncertainty
------------------------
:func:`masking_experiment` hides a seeded random share of observed cells plus whole end
segments (the first or last 1-3 observations of some series, since extrapolation is the
hard case), re-imputes them with each candidate chain and two naive baselines (the
indicator's global mean; last observation carried forward, first carried back where no
earlier one exists) and reports RMSE and MAE in raw units and in units of the indicator's
standard deviation (sample SD of all observed cells of the window, ddof=1; 1 for a
constant indicator) so that indicators can be pooled.

:func:`multiple_imputation` draws ``m`` completed panels by a **residual bootstrap**
around the point imputation: each imputed cell receives an error resampled from the
masking experiment's out-of-sample errors of the same step on the same indicator (pooled
over the role, then the status, when fewer than ``min_pool`` errors exist). This is
preferred to ``IterativeImputer(sample_posterior=True)`` because (i) it covers every step
(interpolated, extrapolated and group cells are uncertain too, and a posterior sampler only
covers model cells), (ii) the spread is the *measured* error of the step used, so an
extrapolated cell varies more than an interpolated one, and (iii) it costs milliseconds
rather than m model fits. Its limits: errors are drawn independently across cells (errors
of consecutive extrapolated years are in truth correlated, so uncertainty of series means
is understated), and the errors are those of hiding ~10% of cells.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal, get_args

import numpy as np
import pandas as pd

from scripts.contract import IMPUTED, check_unique, conform, empty
from scripts.errors import ConfigError, InputError
from scripts.screen import ROLES, kept, observed_in_window, screen, validate_catalogue, validate_window

log = logging.getLogger("ictmdg")

Step = Literal["interpolate", "carry", "trend", "group_mean", "group_median", "knn", "iterative"]
STEPS: tuple[str, ...] = get_args(Step)
GroupLevel = Literal["income", "region"]

#: Status written for the cells each step fills.
STATUS_OF_STEP: dict[str, str] = {
    "interpolate": "interpolated",
    "carry": "extrapolated",
    "trend": "extrapolated",
    "group_mean": "group",
    "group_median": "group",
    "knn": "model",
    "iterative": "model",
}
STATUSES: tuple[str, ...] = ("observed", "interpolated", "extrapolated", "group", "model", "missing")
_S = {s: i for i, s in enumerate(STATUSES)}

ICT_ROLES: tuple[str, ...] = ("readiness", "use", "impact")

#: Rows (economy-years) a model block is fitted on at most; see "Large panels" above.
MAX_FIT_ROWS = 4000
#: Memory (MB) for one block of KNN distances (rows x donors x 8 bytes; 4,000 donors: 8,000 rows).
WORKING_MEMORY_MB = 256

#: Model blocks: name -> (roles the block imputes, roles used only as features).
BLOCKS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "ict": (frozenset(ICT_ROLES), frozenset({"control"})),
    "outcome": (frozenset({"outcome"}), frozenset({"control"})),
    "control": (frozenset({"control"}), frozenset()),
}

#: Chains used when none are given. Outcomes are only interpolated across short interior
#: gaps: the models should rest on observed outcomes (REFERENCE.md section 6).
DEFAULT_METHODS: dict[str, list[str]] = {
    "readiness": ["interpolate", "carry", "iterative", "group_median"],
    "use": ["interpolate", "carry", "iterative", "group_median"],
    "impact": ["interpolate", "carry", "iterative", "group_median"],
    "outcome": ["interpolate"],
    "control": ["interpolate", "carry", "group_median"],
}

#: Chains compared by default in the masking experiment.
DEFAULT_CANDIDATES: tuple[str, ...] = (
    "interpolate+carry+group_median",
    "interpolate+trend+group_median",
    "interpolate+carry+knn+group_median",
    "interpolate+carry+iterative+group_median",
    "group_median",
    "knn+group_median",
    "iterative+group_median",
)
BASELINES: tuple[str, ...] = ("global_mean", "locf")

#: Columns of the accuracy table returned by :func:`masking_experiment`.
ACCURACY: dict[str, str] = {
    "method": "string",  # chain ("interpolate+carry+group_median") or baseline name
    "baseline": "bool",  # True for the naive baselines
    "role": "string",  # indicator's role, or "all"
    "indicator": "string",  # indicator code, or "all" (pooled over the role / everything)
    "cells": "string",  # "random" | "end" (hidden end segments) | "all"
    "n_masked": "int64",  # hidden cells
    "n": "int64",  # hidden cells the method filled (errors are over these)
    "coverage": "float64",  # n / n_masked
    "rmse": "float64",  # raw indicator units; NaN on pooled ("all") rows
    "mae": "float64",  # raw indicator units; NaN on pooled rows
    "rmse_sd": "float64",  # in units of the indicator's standard deviation
    "mae_sd": "float64",
    "scale": "float64",  # the standard deviation used (NaN on pooled rows)
}


# ------------------------------------------------------------------------------------
# chain parsing and validation


def parse_chain(chain: str | Sequence[str]) -> list[str]:
    """Return the steps of ``chain`` ("interpolate+carry+group_median" or a list), validated.

    Raises :class:`ConfigError` on an unknown or repeated step.
    """
    steps = [s for s in chain.split("+") if s] if isinstance(chain, str) else list(chain)
    bad = [s for s in steps if s not in STEPS]
    if bad:
        raise ConfigError(
            problem=f"unknown imputation step(s) {bad} in {chain!r}",
            expected=f"steps from {', '.join(STEPS)}",
            fix="correct the imputation methods in the config",
        )
    if len(set(steps)) != len(steps):
        raise ConfigError(
            problem=f"imputation chain {chain!r} repeats a step",
            expected="each step at most once (a repeated step fills nothing new)",
            fix="remove the repeated step",
        )
    return steps


def chain_name(steps: Sequence[str]) -> str:
    """Return the canonical "+"-joined name of a chain."""
    return "+".join(steps)


def _methods_by_role(methods: Mapping[str, str | Sequence[str]] | None) -> dict[str, list[str]]:
    if methods is None:
        return {r: list(s) for r, s in DEFAULT_METHODS.items()}
    bad = [r for r in methods if r not in ROLES]
    if bad:
        raise ConfigError(
            problem=f"imputation methods given for unknown roles {bad}",
            expected=f"roles from {', '.join(ROLES)}",
            fix="correct the role names under the imputation methods in the config",
        )
    out = {r: parse_chain(c) for r, c in methods.items()}
    absent = [r for r in ROLES if r not in out]
    if absent:
        log.info("impute: no methods for roles %s; their gaps stay 'missing'", absent)
    return out


def _check_int(name: str, value: int, low: int = 0) -> int:
    if int(value) != value or int(value) < low:
        raise ConfigError(problem=f"{name}={value!r} is not an integer >= {low}", expected=f"an integer >= {low}",
                          fix=f"set {name} in the config")
    return int(value)


# ------------------------------------------------------------------------------------
# array kernels: every kernel returns a *fill* array, NaN where it fills nothing (and
# always NaN on observed cells)


def _interp_fill(a: np.ndarray, max_gap: int) -> np.ndarray:
    """Linear fills of interior gaps of at most ``max_gap`` columns in each row of ``a`` (n, T)."""
    n, t_len = a.shape
    obs = ~np.isnan(a)
    pos = np.arange(t_len)
    prev = np.maximum.accumulate(np.where(obs, pos, -1), axis=1)
    nxt = np.minimum.accumulate(np.where(obs, pos, t_len)[:, ::-1], axis=1)[:, ::-1]
    ok = ~obs & (prev >= 0) & (nxt < t_len) & (nxt - prev - 1 <= max_gap)
    out = np.full_like(a, np.nan)
    r, t = np.nonzero(ok)
    p, q = prev[r, t], nxt[r, t]
    # Weighted form rather than a + slope * dt: exact for the hand cases (10, ., ., 40 -> 20, 30).
    out[r, t] = (a[r, p] * (q - t) + a[r, q] * (t - p)) / (q - p)
    return out


def _line_through(a: np.ndarray, weights: np.ndarray, at: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Least-squares line of each row through the weighted points; value at ``at`` (n, T), and point count."""
    x = np.arange(a.shape[1], dtype="float64")
    w = weights.astype("float64")
    y = np.where(weights, a, 0.0)
    s = w.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        xm = (w * x).sum(axis=1) / s
        ym = (w * y).sum(axis=1) / s
        dx = np.where(weights, x - xm[:, None], 0.0)
        sxx = (dx * dx).sum(axis=1)
        slope = np.where(sxx > 0, (dx * (y - ym[:, None])).sum(axis=1) / sxx, np.nan)
        value = ym[:, None] + slope[:, None] * (at - xm[:, None])
    return value, s


def _extrap_fill(
    a: np.ndarray,
    max_years: int,
    how: str,
    trend_points: int,
    lo: np.ndarray,
    hi: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Fills at both ends of each row of ``a`` (n, T), and a mask of cells filled by a trend."""
    n, t_len = a.shape
    obs = ~np.isnan(a)
    has = obs.any(axis=1)
    pos = np.arange(t_len)[None, :]
    first = np.where(has, obs.argmax(axis=1), t_len)[:, None]
    last = np.where(has, t_len - 1 - obs[:, ::-1].argmax(axis=1), -1)[:, None]
    lead = has[:, None] & (pos < first) & (first - pos <= max_years)
    trail = has[:, None] & (pos > last) & (pos - last <= max_years)
    rows = np.arange(n)[:, None]
    out = np.full_like(a, np.nan)
    carry_lead = a[rows, np.minimum(first, t_len - 1)]
    carry_trail = a[rows, np.maximum(last, 0)]
    out = np.where(lead, carry_lead, out)
    out = np.where(trail, carry_trail, out)
    trended = np.zeros_like(obs)
    if how == "trend":
        from_end = np.cumsum(obs[:, ::-1], axis=1)[:, ::-1]
        from_start = np.cumsum(obs, axis=1)
        at = np.broadcast_to(pos.astype("float64"), a.shape)
        end_line, n_end = _line_through(a, obs & (from_end <= trend_points), at)
        start_line, n_start = _line_through(a, obs & (from_start <= trend_points), at)
        use_end = trail & (n_end >= 2)[:, None] & ~np.isnan(end_line)
        use_start = lead & (n_start >= 2)[:, None] & ~np.isnan(start_line)
        out = np.where(use_end, end_line, out)
        out = np.where(use_start, start_line, out)
        trended = use_end | use_start
    out = np.clip(out, np.where(np.isnan(lo), -np.inf, lo)[:, None], np.where(np.isnan(hi), np.inf, hi)[:, None])
    return out, trended


def _group_stats(
    x2: np.ndarray, key: np.ndarray, year_idx: np.ndarray, n_years: int, statistic: str
) -> tuple[np.ndarray, np.ndarray]:
    """Statistic and count of observed values per (group key, year, indicator), as dense arrays."""
    n_ind = x2.shape[1]
    n_keys = int(key.max()) + 1 if key.size and key.max() >= 0 else 0
    size = n_keys * n_years * n_ind
    r, c = np.nonzero(~np.isnan(x2) & (key >= 0)[:, None])
    gid = (key[r] * n_years + year_idx[r]) * n_ind + c
    vals = x2[r, c]
    count = np.bincount(gid, minlength=size)
    if statistic == "mean":
        with np.errstate(invalid="ignore", divide="ignore"):
            stat = np.bincount(gid, weights=vals, minlength=size) / count
    else:
        order = np.lexsort((vals, gid))
        sorted_vals = vals[order]
        start = np.cumsum(count) - count
        stat = np.full(size, np.nan)
        nz = count > 0
        lo_i = start[nz] + (count[nz] - 1) // 2
        hi_i = start[nz] + count[nz] // 2
        stat[nz] = (sorted_vals[lo_i] + sorted_vals[hi_i]) / 2.0
    return stat, count


def _group_fill(
    x2: np.ndarray,
    year_idx: np.ndarray,
    n_years: int,
    levels: Sequence[np.ndarray],
    statistic: str,
    min_group_n: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Group fills of the missing cells of ``x2`` (rows = economy-years); and the level used (-1 none)."""
    out = np.full_like(x2, np.nan)
    level_used = np.full(x2.shape, -1, dtype="int8")
    n_ind = x2.shape[1]
    for li, key in enumerate(levels):
        stat, count = _group_stats(x2, key, year_idx, n_years, statistic)
        r, c = np.nonzero(np.isnan(x2) & np.isnan(out) & (key >= 0)[:, None])
        gid = (key[r] * n_years + year_idx[r]) * n_ind + c
        ok = count[gid] >= max(min_group_n, 1)
        out[r[ok], c[ok]] = stat[gid[ok]]
        level_used[r[ok], c[ok]] = li
    return out, level_used


def _standardise(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        mu = np.nanmean(x, axis=0)
        sd = np.nanstd(x, axis=0)
    sd = np.where(np.isfinite(sd) & (sd > 0), sd, 1.0)
    mu = np.where(np.isfinite(mu), mu, 0.0)
    return (x - mu) / sd, mu, sd


def _model_fill(
    x2: np.ndarray,
    year: np.ndarray,
    roles: np.ndarray,
    kind: str,
    targets_wanted: frozenset[str],
    *,
    seed: int,
    lo: np.ndarray,
    hi: np.ndarray,
    n_neighbors: int = 5,
    max_iter: int = 10,
    sample_posterior: bool = False,
    max_fit_rows: int = MAX_FIT_ROWS,
) -> np.ndarray:
    """Model fills of the missing cells of ``x2`` (rows = economy-years), one fit per role block.

    A block with more than ``max_fit_rows`` rows is fitted on a seeded subsample of them
    (see the module docstring) and predicted on all.
    """
    from sklearn import config_context
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.experimental import enable_iterative_imputer  # noqa: F401  (registers the class)
    from sklearn.impute import IterativeImputer, KNNImputer
    from sklearn.linear_model import BayesianRidge
    from threadpoolctl import threadpool_limits

    out = np.full_like(x2, np.nan)
    has_data = (~np.isnan(x2)).any(axis=0)
    for b, (block, (target_roles, helper_roles)) in enumerate(BLOCKS.items()):
        wanted = target_roles & targets_wanted
        is_target = np.isin(roles, list(wanted)) & has_data
        if not is_target.any():
            continue
        cols = np.flatnonzero((np.isin(roles, list(target_roles)) | np.isin(roles, list(helper_roles))) & has_data)
        sub = x2[:, cols]
        rows = np.flatnonzero((~np.isnan(sub)).any(axis=1))
        if rows.size < 2:
            continue
        feats = np.column_stack([year[rows].astype("float64"), sub[rows]])
        z, mu, sd = _standardise(feats)
        fit_on = None
        if rows.size > max_fit_rows:
            fit_on = np.sort(np.random.default_rng([seed, 3, b]).choice(rows.size, max_fit_rows, replace=False))
            log.info("impute: %s block, %s: fitted on %d of %d rows", block, kind, max_fit_rows, rows.size)
        if kind == "knn":
            # keep_empty_features: an indicator the subsample lacks must keep its column.
            model = KNNImputer(n_neighbors=n_neighbors, keep_empty_features=fit_on is not None)
        else:
            lo_z = np.concatenate([[-np.inf], np.where(np.isnan(lo[cols]), -np.inf, (lo[cols] - mu[1:]) / sd[1:])])
            hi_z = np.concatenate([[np.inf], np.where(np.isnan(hi[cols]), np.inf, (hi[cols] - mu[1:]) / sd[1:])])
            model = IterativeImputer(
                estimator=BayesianRidge(),
                max_iter=max_iter,
                random_state=seed,
                sample_posterior=sample_posterior,
                skip_complete=fit_on is None,
                min_value=lo_z,
                max_value=hi_z,
                keep_empty_features=fit_on is not None,
            )
        # One BLAS thread: these matrices are small, and a multi-threaded BLAS on a busy
        # machine made each regression ten times slower, not faster. KNN distances are taken
        # in blocks of at most WORKING_MEMORY_MB (with sklearn's default, 1 GB, the job's peak
        # memory at 10x the bundled data was 2.5 times higher); the bundled data fit in one block.
        with (
            warnings.catch_warnings(record=True) as caught,
            threadpool_limits(limits=1, user_api="blas"),
            config_context(working_memory=WORKING_MEMORY_MB),
        ):
            warnings.simplefilter("always", ConvergenceWarning)
            filled = (model.fit_transform(z) if fit_on is None else model.fit(z[fit_on]).transform(z)) * sd + mu
        for w in {str(w.message) for w in caught if issubclass(w.category, ConvergenceWarning)}:
            log.info("impute: %s block, %s: %s", block, kind, w)
        pred = filled[:, 1:]
        take = np.isnan(sub[rows]) & is_target[cols][None, :]
        rr, cc = np.nonzero(take)
        out[rows[rr], cols[cc]] = pred[rr, cc]
    return out


def _locf_fill(a: np.ndarray) -> np.ndarray:
    """Last observation carried forward along each row of ``a`` (n, T); first carried back before it."""
    n, t_len = a.shape
    obs = ~np.isnan(a)
    pos = np.arange(t_len)
    prev = np.maximum.accumulate(np.where(obs, pos, -1), axis=1)
    nxt = np.minimum.accumulate(np.where(obs, pos, t_len)[:, ::-1], axis=1)[:, ::-1]
    src = np.where(prev >= 0, prev, nxt)
    rows = np.arange(n)[:, None]
    out = np.where(~obs & (src < t_len), a[rows, np.clip(src, 0, t_len - 1)], np.nan)
    return out


# ------------------------------------------------------------------------------------
# public frame-level steps (thin wrappers around the kernels)


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
    k = _check_int("max_gap", max_gap)
    a = wide_by_year.to_numpy(dtype="float64", copy=True)
    fill = _interp_fill(a, k)
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
    k = _check_int("max_years", max_years)
    n_pts = _check_int("trend_points", trend_points, low=2)
    if how not in ("carry", "trend"):
        raise ConfigError(problem=f"unknown extrapolation {how!r}", expected="'carry' or 'trend'",
                          fix="set how to 'carry' or 'trend'")
    a = wide_by_year.to_numpy(dtype="float64", copy=True)
    fill, _ = _extrap_fill(a, k, how, n_pts, _bound(lower, wide_by_year.index), _bound(upper, wide_by_year.index))
    return pd.DataFrame(np.where(np.isnan(a), fill, a), index=wide_by_year.index, columns=wide_by_year.columns)


def _wide_rows(wide: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """ISO3 codes and years of the rows of a frame indexed by (iso3, year)."""
    if not isinstance(wide.index, pd.MultiIndex) or list(wide.index.names)[:2] != ["iso3", "year"]:
        raise InputError(problem="frame is not indexed by (iso3, year)",
                         expected="a wide frame with a MultiIndex (iso3, year) and one column per indicator",
                         fix="pivot the panel with index=['iso3', 'year'], columns='indicator'")
    return (wide.index.get_level_values("iso3").astype(str).to_numpy(),
            wide.index.get_level_values("year").astype("int64").to_numpy())


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
        raise InputError(problem=f"groups frame lacks columns {need}",
                         expected="iso3, year, region, income_group (year may be omitted for a current classification)",
                         fix="pass the economy classification produced by the harmonise stage")
    g = pd.DataFrame({
        "iso3": groups["iso3"].astype("string"),
        "year": pd.array(groups["year"] if "year" in groups.columns else [pd.NA] * len(groups), dtype="Int64"),
        "region": groups["region"].astype("string"),
        "income_group": groups["income_group"].astype("string"),
    })
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


def _group_levels(
    region: np.ndarray, income: np.ndarray, fallback: Sequence[str]
) -> tuple[list[np.ndarray], list[str]]:
    n_inc = int(income.max()) + 1 if income.size and income.max() >= 0 else 1
    joint = np.where((region >= 0) & (income >= 0), region * n_inc + income, -1)
    levels, names = [joint], ["region x income"]
    for f in fallback:
        if f not in ("income", "region"):
            raise ConfigError(problem=f"unknown group fallback {f!r}", expected="'income' or 'region'",
                              fix="set the group fallback to a list of 'income' and/or 'region'")
        levels.append(income if f == "income" else region)
        names.append(f)
    return levels, names


def group_impute(
    wide: pd.DataFrame,
    groups: pd.DataFrame,
    *,
    statistic: Literal["mean", "median"] = "median",
    fallback: Sequence[GroupLevel] = ("income", "region"),
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
        raise ConfigError(problem=f"unknown group statistic {statistic!r}", expected="'mean' or 'median'",
                          fix="use group_mean or group_median")
    iso3, year = _wide_rows(wide)
    region, income = group_codes(groups, iso3, year)
    levels, names = _group_levels(region, income, fallback)
    years = np.unique(year)
    year_idx = np.searchsorted(years, year)
    x2 = wide.to_numpy(dtype="float64", copy=True)
    fill, used = _group_fill(x2, year_idx, len(years), levels, statistic, min_group_n)
    label_of = np.array([""] + [f"group_{statistic}({n})" for n in names], dtype=object)
    filled = pd.DataFrame(np.where(np.isnan(x2), fill, x2), index=wide.index, columns=wide.columns)
    method = pd.DataFrame(label_of[used.astype("int64") + 1], index=wide.index, columns=wide.columns)
    return filled, method


def _roles_array(columns: pd.Index, roles: Mapping[str, str]) -> np.ndarray:
    missing = [c for c in columns if c not in roles]
    if missing:
        raise InputError(problem=f"no role for indicators {missing}", expected="a role for every column",
                         fix="add the indicators to the catalogue")
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
    fill = _model_fill(x2, year, r, kind, frozenset(ROLES), lo=lo, hi=hi, **kw)  # type: ignore[arg-type]
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
    return _model_wrapper(wide, roles, "knn", seed=0, n_neighbors=_check_int("n_neighbors", n_neighbors, 1),
                          max_fit_rows=_check_int("max_fit_rows", max_fit_rows, 1))


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
    return _model_wrapper(wide, roles, "iterative", seed=int(seed), max_iter=_check_int("max_iter", max_iter, 1),
                          sample_posterior=sample_posterior, lower=lower, upper=upper,
                          max_fit_rows=_check_int("max_fit_rows", max_fit_rows, 1))


# ------------------------------------------------------------------------------------
# the panel cube


@dataclass
class _Labels:
    """Registry of method labels, shared by the runs whose labels must be compared."""

    names: list[str] = field(default_factory=lambda: ["observed", ""])

    def code(self, name: str) -> int:
        if name not in self.names:
            self.names.append(name)
        return self.names.index(name)


@dataclass
class _Cube:
    units: list[str]
    years: np.ndarray
    indicators: list[str]
    roles: np.ndarray  # (I,) role of each indicator
    x: np.ndarray  # (U, T, I) observed values, NaN elsewhere
    lo: np.ndarray  # (I,) valid minimum, NaN = unbounded
    hi: np.ndarray
    region: np.ndarray  # (U, T) code, -1 unknown
    income: np.ndarray
    scale: np.ndarray = field(init=False)  # (I,) SD of observed values (1 when undefined or 0)

    def __post_init__(self) -> None:
        flat = self.x.reshape(-1, self.x.shape[2]) if self.x.size else np.empty((0, len(self.indicators)))
        n = (~np.isnan(flat)).sum(axis=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            sd = np.nanstd(flat, axis=0, ddof=1) if flat.size else np.full(len(self.indicators), np.nan)
        self.scale = np.where((n >= 2) & np.isfinite(sd) & (sd > 0), sd, 1.0)

    @property
    def shape(self) -> tuple[int, int, int]:
        return self.x.shape  # type: ignore[return-value]


def _catalogue_bound(cat: pd.DataFrame, column: str, indicators: list[str]) -> np.ndarray:
    if column not in cat.columns:
        return np.full(len(indicators), np.nan)
    values = pd.to_numeric(cat.set_index("indicator")[column], errors="coerce")
    return values.reindex(indicators).to_numpy(dtype="float64")


def _build_cube(
    panel: pd.DataFrame,
    catalogue: pd.DataFrame,
    groups: pd.DataFrame,
    first: int,
    last: int,
    screening: pd.DataFrame | None,
) -> _Cube:
    years = np.array(validate_window(first, last), dtype="int64")
    cat = validate_catalogue(catalogue)
    if screening is None:
        screening = screen(panel, cat, groups, first, last)
    units = kept(screening, "unit")
    indicators = [i for i in kept(screening, "indicator") if i in set(cat["indicator"].tolist())]
    obs = observed_in_window(panel, first, last)
    ui = pd.Index(units).get_indexer(obs["iso3"].to_numpy())
    ii = pd.Index(indicators).get_indexer(obs["indicator"].to_numpy())
    ok = (ui >= 0) & (ii >= 0)
    x = np.full((len(units), len(years), len(indicators)), np.nan)
    x[ui[ok], obs["year"].to_numpy()[ok] - years[0], ii[ok]] = obs["value"].to_numpy()[ok]
    roles = cat.set_index("indicator")["role"].reindex(indicators).astype(str).to_numpy(dtype=object)
    u_rep = np.repeat(np.array(units, dtype=object), len(years))
    y_rep = np.tile(years, len(units))
    region, income = group_codes(groups, u_rep, y_rep) if len(units) else (np.empty(0, "int64"),) * 2
    shape2 = (len(units), len(years))
    lo = _catalogue_bound(cat, "min", indicators)
    hi = _catalogue_bound(cat, "max", indicators)
    return _Cube(units, years, indicators, roles, x, lo, hi, region.reshape(shape2), income.reshape(shape2))


@dataclass(frozen=True)
class _Settings:
    max_gap: int
    max_extrap: int
    trend_points: int
    seed: int
    n_neighbors: int = 5
    max_iter: int = 10
    group_fallback: tuple[str, ...] = ("income", "region")
    max_fit_rows: int = MAX_FIT_ROWS


def _to_rows(x: np.ndarray) -> np.ndarray:
    """(U, T, I) -> (U*I, T): one row per series."""
    u, t, i = x.shape
    return x.transpose(0, 2, 1).reshape(u * i, t)


def _from_rows(a: np.ndarray, shape: tuple[int, int, int]) -> np.ndarray:
    u, t, i = shape
    return a.reshape(u, i, t).transpose(0, 2, 1)


def _step_fills(
    cube: _Cube,
    x: np.ndarray,
    needed: Mapping[str, frozenset[str]],
    settings: _Settings,
    labels: _Labels,
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Fill array and label-code array (both (U, T, I)) of every step in ``needed`` (step -> roles)."""
    shape = x.shape
    u, t, i = shape
    fills: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for step, roles_wanted in needed.items():
        if step == "interpolate":
            val = _from_rows(_interp_fill(_to_rows(x), settings.max_gap), shape)
            lab = np.full(shape, labels.code(f"linear(k={settings.max_gap})"), dtype="int16")
        elif step in ("carry", "trend"):
            k = settings.max_extrap
            rows, trended = _extrap_fill(_to_rows(x), k, step, settings.trend_points,
                                         np.tile(cube.lo, u), np.tile(cube.hi, u))
            val = _from_rows(rows, shape)
            lab = np.where(_from_rows(trended, shape), labels.code(f"trend(k={k},n={settings.trend_points})"),
                           labels.code(f"carry(k={k})")).astype("int16")
        elif step in ("group_mean", "group_median"):
            stat = step.split("_")[1]
            levels, names = _group_levels(cube.region.reshape(-1), cube.income.reshape(-1), settings.group_fallback)
            fill2, used = _group_fill(x.reshape(u * t, i), np.tile(np.arange(t), u), t, levels, stat, 1)
            val = fill2.reshape(shape)
            codes = np.array([1] + [labels.code(f"{step}({n})") for n in names], dtype="int16")
            lab = codes[used.reshape(shape).astype("int64") + 1]
        else:
            fill2 = _model_fill(
                x.reshape(u * t, i), np.tile(cube.years, u), cube.roles, step, roles_wanted,
                seed=settings.seed, lo=cube.lo, hi=cube.hi, n_neighbors=settings.n_neighbors,
                max_iter=settings.max_iter, max_fit_rows=settings.max_fit_rows,
            )
            val = fill2.reshape(shape)
            lab = np.full(shape, labels.code("iterative" if step == "iterative" else f"knn(k={settings.n_neighbors})"),
                          dtype="int16")
        fills[step] = (val, lab)
    return fills


def _needed(chains: Mapping[str, Sequence[str]]) -> dict[str, frozenset[str]]:
    need: dict[str, set[str]] = {}
    for role, steps in chains.items():
        for s in steps:
            need.setdefault(s, set()).add(role)
    return {s: frozenset(r) for s, r in sorted(need.items())}


def _combine(
    cube: _Cube,
    x: np.ndarray,
    fills: Mapping[str, tuple[np.ndarray, np.ndarray]],
    chains: Mapping[str, Sequence[str]],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Apply each role's chain in order; return value, status code and label code arrays (U, T, I)."""
    obs = ~np.isnan(x)
    value = x.copy()
    status = np.where(obs, _S["observed"], _S["missing"]).astype("int8")
    label = np.where(obs, 0, 1).astype("int16")
    for role, steps in chains.items():
        cols = (cube.roles == role)[None, None, :]
        if not cols.any():
            continue
        for step in steps:
            fv, fl = fills[step]
            take = cols & np.isnan(value) & ~np.isnan(fv)
            value = np.where(take, fv, value)
            status = np.where(take, _S[STATUS_OF_STEP[step]], status).astype("int8")
            label = np.where(take, fl, label).astype("int16")
    return value, status, label


def _to_long(cube: _Cube, value: np.ndarray, status: np.ndarray, label: np.ndarray, labels: _Labels,
             draws: Sequence[int], categorical: bool) -> pd.DataFrame:
    """Long IMPUTED frame sorted by key; ``value`` is (D, U, T, I) for the ``draws`` given, status/label (U, T, I).

    With ``categorical`` the text columns stay categoricals instead of the contract's strings.
    """
    u, t, i = cube.shape
    d = len(draws)
    # Cell-major, draw-minor: rows come out already in key order (units and indicators are sorted).
    # copy=False: the columns are fresh arrays; consolidating them would double the peak memory.
    frame = pd.DataFrame(copy=False, data={
        "iso3": pd.Categorical.from_codes(np.repeat(np.arange(u, dtype=np.int32), t * i * d), categories=cube.units),
        "year": np.tile(np.repeat(cube.years, i * d), u),
        "indicator": pd.Categorical.from_codes(np.tile(np.repeat(np.arange(i, dtype=np.int32), d), u * t),
                                               categories=cube.indicators),
        "draw": np.tile(np.asarray(draws, dtype="int64"), u * t * i),
        "value": value.reshape(d, -1).T.reshape(-1),
        "status": pd.Categorical.from_codes(np.repeat(status.reshape(-1), d), categories=list(STATUSES)),
        "method": pd.Categorical.from_codes(np.repeat(label.reshape(-1), d), categories=labels.names),
    })
    return frame if categorical else conform(frame, IMPUTED)


def impute_panel(
    panel: pd.DataFrame,
    catalogue: pd.DataFrame,
    groups: pd.DataFrame,
    first: int,
    last: int,
    *,
    methods: Mapping[str, str | Sequence[str]] | None = None,
    max_gap: int = 3,
    max_extrap: int = 2,
    seed: int = 0,
    trend_points: int = 3,
    screening: pd.DataFrame | None = None,
    max_fit_rows: int = MAX_FIT_ROWS,
    categorical: bool = False,
) -> pd.DataFrame:
    """Return the point imputation (contract.IMPUTED, ``draw`` 0) of every cell of the window.

    Parameters
    ----------
    panel, catalogue, groups, first, last:
        Long panel (contract.PANEL, observed values only), indicator catalogue
        (``indicator``, ``role``; the optional ``min``/``max`` columns of
        config/indicators.csv bound extrapolated, model and drawn values, empty =
        unbounded), economy groups (iso3, year, region, income_group) and the inclusive
        analysis window. Group peers and model rows are the kept economies.
    methods:
        Role -> chain of steps (a list, or "interpolate+carry+group_median"), applied in
        the order listed; default :data:`DEFAULT_METHODS`. A role left out is not imputed.
    max_gap, max_extrap, trend_points:
        Longest interior gap interpolated, farthest extrapolation (years) and number of
        end observations a trend is fitted on.
    seed:
        Random state of the iterative imputer (the only random step).
    screening:
        Decision table from :func:`scripts.screen.screen`; computed with its defaults,
        over the economies of ``groups``, when None.
    max_fit_rows:
        Most rows (economy-years) a knn or iterative block is fitted on; larger blocks
        are fitted on a seeded subsample (see the module docstring).
    categorical:
        Return iso3, indicator, status and method as categoricals (same values) rather
        than the contract's strings: what the workflow writes, through
        ``files.write_parquet(..., strings=...)``, since a large panel's draws hold 10^8 rows.

    Returns
    -------
    One row per (kept economy, year of the window, kept indicator), sorted by the key,
    value in the indicator's units, ``status`` from :data:`STATUSES` and ``method`` the
    step's label ("observed" for observed cells, "" for missing ones).
    """
    chains = _methods_by_role(methods)
    settings = _Settings(_check_int("max_gap", max_gap), _check_int("max_extrap", max_extrap),
                         _check_int("trend_points", trend_points, 2), int(seed),
                         max_fit_rows=_check_int("max_fit_rows", max_fit_rows, 1))
    cube = _build_cube(panel, catalogue, groups, first, last, screening)
    if not cube.x.size:
        log.warning("impute: nothing to impute (no kept economy or indicator)")
        return empty(IMPUTED)
    labels = _Labels()
    fills = _step_fills(cube, cube.x, _needed(chains), settings, labels)
    value, status, label = _combine(cube, cube.x, fills, chains)
    _log_summary(status)
    return _to_long(cube, value[None], status, label, labels, [0], categorical)


def _log_summary(status: np.ndarray) -> None:
    counts = np.bincount(status.reshape(-1), minlength=len(STATUSES))
    log.info("impute: %s", ", ".join(f"{s} {c}" for s, c in zip(STATUSES, counts)))
    if counts[_S["missing"]]:
        log.warning("impute: %d cells could not be filled and keep status 'missing'", counts[_S["missing"]])


# ------------------------------------------------------------------------------------
# masking experiment


_RANDOM, _END = 1, 2


def _mask(cube: _Cube, share: float, end_segments: bool, rng: np.random.Generator,
          end_lengths: tuple[int, int] = (1, 3)) -> np.ndarray:
    """Kind of each hidden cell (0 not hidden, 1 random, 2 end segment), shape (U, T, I)."""
    obs = ~np.isnan(cube.x)
    kind = np.zeros(cube.shape, dtype="int8")
    flat = np.flatnonzero(obs)
    n_random = int(round(share * flat.size))
    if n_random:
        kind.reshape(-1)[rng.choice(flat, size=n_random, replace=False)] = _RANDOM
    if end_segments:
        a = _to_rows(obs.astype("float64")) > 0
        n_series = a.shape[0]
        pick = rng.random(n_series) < share
        at_end = rng.integers(0, 2, n_series).astype(bool)
        length = rng.integers(end_lengths[0], end_lengths[1] + 1, n_series)
        # At least two observations must remain, or no trend (and often nothing) can be fitted.
        eligible = pick & (a.sum(axis=1) >= length + 2)
        from_end = np.cumsum(a[:, ::-1], axis=1)[:, ::-1]
        from_start = np.cumsum(a, axis=1)
        rank = np.where(at_end[:, None], from_end, from_start)
        seg = a & eligible[:, None] & (rank <= length[:, None])
        kind = np.where(_from_rows(seg, cube.shape), _END, kind).astype("int8")
    return kind


def _baseline_value(cube: _Cube, xm: np.ndarray, name: str) -> np.ndarray:
    if name == "global_mean":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            mean = np.nanmean(xm.reshape(-1, xm.shape[2]), axis=0)
        return np.where(np.isnan(xm), mean[None, None, :], xm)
    fill = _from_rows(_locf_fill(_to_rows(xm)), xm.shape)
    return np.where(np.isnan(xm), fill, xm)


def _masked_run(
    cube: _Cube,
    chains_by_method: Mapping[str, Mapping[str, Sequence[str]]],
    settings: _Settings,
    share: float,
    end_segments: bool,
    baselines: Sequence[str],
    labels: _Labels,
) -> pd.DataFrame:
    """Per hidden cell and method: indicator index, cell kind, error, label and status codes."""
    if not 0.0 <= share < 1.0:
        raise ConfigError(problem=f"masking share {share} is not in [0, 1)", expected="e.g. 0.1",
                          fix="set the masking share between 0 and 1")
    rng = np.random.default_rng([settings.seed, 1])
    kind = _mask(cube, share, end_segments, rng)
    hidden = kind > 0
    xm = np.where(hidden, np.nan, cube.x)
    need: dict[str, set[str]] = {}
    for chains in chains_by_method.values():
        for s, r in _needed(chains).items():
            need.setdefault(s, set()).update(r)
    fills = _step_fills(cube, xm, {s: frozenset(r) for s, r in sorted(need.items())}, settings, labels)
    idx = np.nonzero(hidden)
    truth = cube.x[idx]
    ind = idx[2]
    parts = []
    for method, chains in chains_by_method.items():
        value, status, label = _combine(cube, xm, fills, chains)
        parts.append((method, False, value[idx], status[idx], label[idx]))
    for b in baselines:
        value = _baseline_value(cube, xm, b)
        pred = value[idx]
        parts.append((b, True, pred, np.where(np.isnan(pred), _S["missing"], _S["model"]), np.ones_like(ind)))
    frames = []
    for method, is_base, pred, status, label in parts:
        err = pred - truth
        frames.append(pd.DataFrame({
            "method": method, "baseline": is_base, "ind": ind, "kind": kind[idx], "err": err,
            "z": err / cube.scale[ind], "status": status.astype("int8"), "label": label.astype("int16"),
        }))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _aggregate(res: pd.DataFrame, cube: _Cube) -> pd.DataFrame:
    if not len(res):
        return empty(ACCURACY)
    res = res.assign(
        role=cube.roles[res["ind"].to_numpy()],
        indicator=np.array(cube.indicators, dtype=object)[res["ind"].to_numpy()],
        cells=np.where(res["kind"].to_numpy() == _END, "end", "random"),
        filled=res["err"].notna(),
        e2=res["err"] ** 2, ae=res["err"].abs(), z2=res["z"] ** 2, az=res["z"].abs(),
    )
    both = pd.concat([res, res.assign(cells="all")], ignore_index=True)
    out = []
    for keys, pooled in ((["method", "baseline", "role", "indicator", "cells"], False),
                         (["method", "baseline", "role", "cells"], True),
                         (["method", "baseline", "cells"], True)):
        agg = both.groupby(keys, observed=True, sort=True).agg(
            n_masked=("filled", "size"), n=("filled", "sum"), mse=("e2", "mean"), mae=("ae", "mean"),
            mse_sd=("z2", "mean"), mae_sd=("az", "mean"),
        ).reset_index()
        if pooled:
            agg = agg.assign(mse=np.nan, mae=np.nan, scale=np.nan, indicator="all")
            if "role" not in keys:
                agg = agg.assign(role="all")
        else:
            agg = agg.assign(scale=cube.scale[pd.Index(cube.indicators).get_indexer(agg["indicator"])])
        out.append(agg)
    acc = pd.concat(out, ignore_index=True)
    acc = acc.assign(
        coverage=acc["n"] / acc["n_masked"],
        rmse=np.sqrt(acc["mse"]), rmse_sd=np.sqrt(acc["mse_sd"]),
    )
    acc = acc.sort_values(["baseline", "method", "role", "indicator", "cells"], kind="stable").reset_index(drop=True)
    return acc[list(ACCURACY)].astype(ACCURACY)


def masking_experiment(
    panel: pd.DataFrame,
    catalogue: pd.DataFrame,
    groups: pd.DataFrame,
    first: int,
    last: int,
    *,
    share: float = 0.1,
    end_segments: bool = True,
    methods: Sequence[str | Sequence[str]] = DEFAULT_CANDIDATES,
    seed: int = 0,
    max_gap: int = 3,
    max_extrap: int = 2,
    trend_points: int = 3,
    screening: pd.DataFrame | None = None,
    max_fit_rows: int = MAX_FIT_ROWS,
) -> pd.DataFrame:
    """Measure each imputation chain by hiding observed cells and imputing them again.

    A seeded random ``share`` of the observed cells is hidden; with ``end_segments``, a
    ``share`` of the series (those with enough observations that two remain) also lose
    their first or last 1-3 observations. Each chain in ``methods`` is applied to every
    role, and the baselines ``global_mean`` and ``locf`` are scored alongside. Screening
    is that of the full panel, so the cells are the same for every method.

    Returns the :data:`ACCURACY` table: per method x indicator x cell kind
    ("random", "end", "all"), plus pooled rows per method x role and per method
    (``indicator="all"``; ``role="all"`` for the latter). RMSE and MAE are given in the
    indicator's raw units and in units of its standard deviation (``*_sd``; the only
    scale on which pooled rows are reported). Errors are over the hidden cells each
    method filled; ``coverage`` says what share that is. ``max_fit_rows`` caps the rows
    a model block is fitted on, as in :func:`impute_panel`.
    """
    named = {chain_name(parse_chain(m)): parse_chain(m) for m in methods}
    settings = _Settings(_check_int("max_gap", max_gap), _check_int("max_extrap", max_extrap),
                         _check_int("trend_points", trend_points, 2), int(seed),
                         max_fit_rows=_check_int("max_fit_rows", max_fit_rows, 1))
    cube = _build_cube(panel, catalogue, groups, first, last, screening)
    if not cube.x.size:
        log.warning("masking: nothing to measure (no kept economy or indicator)")
        return empty(ACCURACY)
    chains_by_method = {name: {r: steps for r in ROLES} for name, steps in named.items()}
    res = _masked_run(cube, chains_by_method, settings, float(share), end_segments, BASELINES, _Labels())
    if not len(res):
        log.warning("masking: no observed cell was hidden (share %s too small for this panel)", share)
    return _aggregate(res, cube)


def recommend_methods(accuracy: pd.DataFrame, *, min_coverage: float = 0.95) -> dict[str, str]:
    """Pick per role the chain with the lowest pooled RMSE (in SD units) over all hidden cells.

    Only non-baseline chains that filled at least ``min_coverage`` of the role's hidden
    cells compete (a chain that leaves the hard cells empty would otherwise look best);
    ties go to the lower MAE, then the name. A warning is logged when a naive baseline
    beats the pick.

    Returns role -> chain name (usable as an :func:`impute_panel` method), for every role
    present in ``accuracy``.
    """
    rows = accuracy.loc[(accuracy["indicator"] == "all") & (accuracy["cells"] == "all") & (accuracy["role"] != "all")]
    out: dict[str, str] = {}
    for role, part in rows.groupby("role", sort=True):
        cand = part.loc[~part["baseline"] & (part["coverage"] >= min_coverage) & part["rmse_sd"].notna()]
        if cand.empty:
            log.warning("recommend: no chain covers %.0f%% of hidden %s cells; none recommended", 100 * min_coverage,
                        role)
            continue
        best = cand.sort_values(["rmse_sd", "mae_sd", "method"], kind="stable").iloc[0]
        out[str(role)] = str(best["method"])
        base = part.loc[part["baseline"] & part["rmse_sd"].notna()]
        if len(base) and base["rmse_sd"].min() < best["rmse_sd"]:
            log.warning("recommend: for %s, a naive baseline (RMSE %.3f SD) beats %s (%.3f SD)", role,
                        base["rmse_sd"].min(), best["method"], best["rmse_sd"])
    return out


# ------------------------------------------------------------------------------------
# multiple imputation


def _pool_draws(
    res: pd.DataFrame,
    cube: _Cube,
    cells: tuple[np.ndarray, ...],
    status: np.ndarray,
    label: np.ndarray,
    m: int,
    min_pool: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """Resampled errors (SD units), shape (n_cells, m), for the imputed ``cells``."""
    res = res.loc[res["err"].notna()]
    role_code = pd.Index(sorted(set(cube.roles.tolist()))).get_indexer(cube.roles)
    ind_c = cells[2]
    n_lab = int(max(label.max(initial=0), res["label"].max() if len(res) else 0)) + 1
    r_ind = res["ind"].to_numpy(dtype="int64")
    r_lab = res["label"].to_numpy(dtype="int64")
    r_st = res["status"].to_numpy(dtype="int64")
    ind_c = ind_c.astype("int64")
    # Pools from the most to the least specific: indicator x step label, role x label,
    # role x status, status, everything.
    levels = [
        (r_ind * n_lab + r_lab, ind_c * n_lab + label),
        (role_code[r_ind] * n_lab + r_lab, role_code[ind_c] * n_lab + label),
        (role_code[r_ind] * len(STATUSES) + r_st, role_code[ind_c] * len(STATUSES) + status),
        (r_st.astype("int64"), status.astype("int64")),
        (np.zeros(len(res), dtype="int64"), np.zeros(len(ind_c), dtype="int64")),
    ]
    z = res["z"].to_numpy()
    u = rng.random((len(ind_c), m))
    out = np.zeros((len(ind_c), m))
    todo = np.ones(len(ind_c), dtype=bool)
    for li, (rkey, ckey) in enumerate(levels):
        order = np.argsort(rkey, kind="stable")
        skeys, sz = rkey[order], z[order]
        start = np.searchsorted(skeys, ckey, side="left")
        count = np.searchsorted(skeys, ckey, side="right") - start
        need = min_pool if li < len(levels) - 1 else 1
        use = todo & (count >= need)
        pick = start[use][:, None] + np.minimum((u[use] * count[use][:, None]).astype("int64"), count[use][:, None] - 1)
        out[use] = sz[pick]
        todo &= ~use
    if todo.any():
        log.warning("multiple imputation: no masking errors to resample; %d imputed cells get no spread",
                    int(todo.sum()))
    return out


def multiple_imputation(
    panel: pd.DataFrame,
    catalogue: pd.DataFrame,
    groups: pd.DataFrame,
    first: int,
    last: int,
    *,
    methods: Mapping[str, str | Sequence[str]] | None = None,
    m: int = 20,
    seed: int = 0,
    max_gap: int = 3,
    max_extrap: int = 2,
    trend_points: int = 3,
    share: float = 0.1,
    end_segments: bool = True,
    min_pool: int = 20,
    screening: pd.DataFrame | None = None,
    include_point: bool = False,
    max_fit_rows: int = MAX_FIT_ROWS,
    categorical: bool = False,
) -> pd.DataFrame:
    """Return ``m`` completed panels (contract.IMPUTED, ``draw`` 1..m) by residual bootstrap.

    The point imputation is that of :func:`impute_panel` with the same settings. Its
    out-of-sample errors are measured by hiding cells as in :func:`masking_experiment`
    (same chains per role); each imputed cell of draw d is then

        point - e * sd(indicator)

    with ``e`` resampled (seeded) from the standardised errors of the same step label on
    the same indicator, or, when fewer than ``min_pool`` exist, of the same label in the
    role, the same status in the role, the same status, or all errors. Draws are clipped to
    the indicator's valid range. Observed cells are identical in every draw; missing cells
    stay NaN with status "missing". Status and method are those of the point imputation.
    With ``include_point`` the point imputation itself is returned too, as draw 0 (it is
    computed anyway, and equals :func:`impute_panel` with the same settings). ``max_fit_rows``
    and ``categorical`` are as in :func:`impute_panel`.
    """
    m = _check_int("m", m, 1)
    chains = _methods_by_role(methods)
    settings = _Settings(_check_int("max_gap", max_gap), _check_int("max_extrap", max_extrap),
                         _check_int("trend_points", trend_points, 2), int(seed),
                         max_fit_rows=_check_int("max_fit_rows", max_fit_rows, 1))
    cube = _build_cube(panel, catalogue, groups, first, last, screening)
    if not cube.x.size:
        log.warning("multiple imputation: nothing to impute (no kept economy or indicator)")
        return empty(IMPUTED)
    labels = _Labels()
    fills = _step_fills(cube, cube.x, _needed(chains), settings, labels)
    value, status, label = _combine(cube, cube.x, fills, chains)
    res = _masked_run(cube, {"configured": chains}, settings, float(share), end_segments, (), labels)
    imputed = (status != _S["observed"]) & (status != _S["missing"])
    cells = np.nonzero(imputed)
    rng = np.random.default_rng([int(seed), 2])
    e = _pool_draws(res, cube, cells, status[cells].astype("int64"), label[cells].astype("int64"), m,
                    _check_int("min_pool", min_pool, 1), rng)
    first_draw = 0 if include_point else 1
    draws = np.broadcast_to(value, (m + 1 - first_draw, *value.shape)).copy()
    ind = cells[2]
    lo = np.where(np.isnan(cube.lo), -np.inf, cube.lo)[ind]
    hi = np.where(np.isnan(cube.hi), np.inf, cube.hi)[ind]
    noisy = np.clip(value[cells][:, None] - e * cube.scale[ind][:, None], lo[:, None], hi[:, None])
    draws[(slice(1 - first_draw, None), *cells)] = noisy.T
    return _to_long(cube, draws, status, label, labels, list(range(first_draw, m + 1)), categorical)
