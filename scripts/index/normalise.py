"""Normalisation: bring indicators onto a common, "higher is better" scale.

All functions take a **wide** frame: index = MultiIndex (unit, year) (any level names;
the year is the *second* level), columns = indicator ids, float values, NaN = missing.
NaN stays NaN. An indicator with direction -1 is flipped so that after normalisation a
higher score is always better (COINr multiplies by the direction before normalising;
the fixed-parameter methods flip their formula instead, see below).

Methods (COINr-compatible unless stated; ``params`` keys in brackets):

``minmax``
    ``(x - min) / (max - min) * (u - l) + l`` to ``[range]`` (default ``(0, 100)``;
    use ``(1, 100)`` before geometric or harmonic aggregation). ``[clip]`` (default
    False) truncates to ``[l, u]``, which only matters with ``base_year``. ``min`` and
    ``max`` are the goalposts of :func:`scripts.index.goalposts.goalpost_bounds`:
    ``[bounds]`` "minmax" (default, COINr: the reference set's extremes), "quantile"
    (``[quantiles]``, default (0.01, 0.99)) or "reference" (``[goalposts]`` {indicator:
    (lo, hi)}); ``[despike]`` (robust-z threshold) keeps isolated spikes out of the
    reference set. The robust rules (and despike) cap at ``[l, u]``.
``zscore``
    ``m + s * (x - mean) / sd`` with the sample sd (ddof=1); ``[mean]`` m default 0,
    ``[sd]`` s default 1 (COINr's ``m_sd``).
``rank``
    Ranks, higher value -> higher rank; ties ``[ties]`` "average" (default), "min",
    "max" or "dense" ("first" is refused: it would depend on row order).
``percentile``
    COINr's ``n_prank`` definition: ``(r - 1) / (n - 1)`` with ``r`` the rank with ties
    at the minimum and ``n`` the number of observed values, times ``[scale]`` (default
    100, so 0..100; COINr's own output is scale 1).
``distance_to_reference``
    Ratio to a per-indicator reference, capped: ``x / ref`` (``[reference]``:
    {indicator: ref}) or, for indicators listed in ``[log_reference]``
    ({indicator: log10 reference}), ``log10(x) / log_ref`` - the ITU IDI formula
    (bandwidth: log10(bit/s per user) / 6.33). ``[cap]`` (default 1; None = no cap),
    ``[floor]`` (default 0; None = none), times ``[scale]`` (default 1). For direction
    -1 the ratio is inverted (``ref / x``, ``log_ref / log10(x)``): reaching the
    reference or going below it scores the cap; a zero or negative denominator counts
    as "at or below the reference" and scores the cap (with no cap this raises).
``goalposts``
    ``(x - lo) / (hi - lo)`` for direction +1 and ``(hi - x) / (hi - lo)`` for -1, with
    ``[goalposts]`` = {indicator: (lo, hi)} in the indicator's own units (lo < hi),
    truncated to [0, 1] (``[truncate]``, default True), times ``[scale]`` (default 100).

Comparability over time (data-driven methods: minmax, zscore, rank, percentile): by
default the bounds, means, sds and ranks are computed on the **pooled** panel (all units,
all years), so a value means the same score in every year. ``base_year`` computes them
from that year only and applies them to all years (later values may then leave the
target range unless ``clip``; ranks and percentiles of other years are positions within
the base-year distribution, percentiles clipped to [0, scale]). ``by_year=True`` rescales every
year separately, which makes scores of different years incomparable - only use it on purpose. The fixed-parameter
methods (distance_to_reference, goalposts) are comparable over time by construction and
ignore both options.

Constant indicators: when the reference set has max == min (or sd == 0, or a single
value), min-max gives the midpoint ``(l + u) / 2``, z-score gives ``m`` and percentile
gives ``scale / 2`` to every observed value (the indicator then shifts every unit
equally and changes no ranking); rank gives all values the same tied rank. Nothing
produces NaN or inf silently.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from scripts.core.errors import ConfigError
from scripts.core.vocabulary import NORM_METHODS, TIES, NormMethod
from scripts.index.goalposts import bounds_settings, goalpost_bounds

_PARAMS: dict[str, set[str]] = {
    "minmax": {"range", "clip", "bounds", "quantiles", "goalposts", "despike"},
    "zscore": {"mean", "sd"},
    "rank": {"ties"},
    "percentile": {"scale"},
    "distance_to_reference": {"reference", "log_reference", "cap", "floor", "scale"},
    "goalposts": {"goalposts", "scale", "truncate"},
}


def _check_wide(wide: pd.DataFrame) -> None:
    if not isinstance(wide.index, pd.MultiIndex) or wide.index.nlevels != 2:
        raise ConfigError(
            problem="the wide frame must be indexed by a (unit, year) MultiIndex",
            expected="index = MultiIndex with two levels (unit, year), columns = indicator ids",
            fix="pivot the long table with index=[unit, year], columns=indicator",
        )


def _directions(columns: pd.Index, directions: pd.Series) -> np.ndarray:
    d = pd.Series(directions).reindex(columns)
    missing = [c for c, v in d.items() if pd.isna(v)]
    if missing:
        raise ConfigError(
            problem=f"no direction given for indicators {missing}",
            expected="a direction (+1 or -1) for every column of the wide frame",
            fix="add the indicators to the framework (direction column)",
        )
    bad = [c for c, v in d.items() if v not in (1, -1)]
    if bad:
        raise ConfigError(
            problem=f"directions of {bad} are {[d[c] for c in bad]}",
            expected="+1 or -1",
            fix="set the direction to 1 (higher is better) or -1 (lower is better)",
        )
    return d.to_numpy(dtype=float)


def _check_params(method: str, params: Mapping[str, Any] | None) -> dict[str, Any]:
    if method not in _PARAMS:
        raise ConfigError(
            problem=f"unknown normalisation method {method!r}",
            expected=f"one of {list(NORM_METHODS)}",
            fix="correct the normalisation method in the configuration",
        )
    p = dict(params or {})
    unknown = sorted(set(p) - _PARAMS[method])
    if unknown:
        raise ConfigError(
            problem=f"unknown parameters {unknown} for normalisation {method!r}",
            expected=f"parameters among {sorted(_PARAMS[method])}",
            fix="remove or rename the parameters",
        )
    return p


def _per_indicator(p: Mapping[str, Any], key: str, columns: pd.Index) -> dict[str, Any]:
    table = dict(p.get(key) or {})
    return {c: table[c] for c in columns if c in table}


def normalise(
    wide: pd.DataFrame,
    method: NormMethod,
    *,
    directions: pd.Series,
    params: Mapping[str, Any] | None = None,
    by_year: bool = False,
    base_year: int | None = None,
) -> pd.DataFrame:
    """Return the normalised wide frame (same index and columns as ``wide``).

    Units of the result: see the module docstring per method (default minmax 0..100,
    zscore standard units, rank 1..n, percentile 0..100, distance_to_reference 0..1,
    goalposts 0..100). ``directions`` is a Series indicator -> +1/-1 covering every
    column. Raises ConfigError on unknown methods or parameters, missing directions or
    per-indicator parameters, ``by_year`` together with ``base_year``, and a base year
    without data.
    """
    _check_wide(wide)
    p = _check_params(method, params)
    d = _directions(wide.columns, directions)
    x = wide.to_numpy(dtype=float)
    if method == "goalposts":
        return _frame(_goalposts(x, wide.columns, d, p), wide)
    if method == "distance_to_reference":
        return _frame(_distance_to_reference(x, wide.columns, d, p), wide)
    if by_year and base_year is not None:
        raise ConfigError(
            problem="by_year=True and base_year are both set",
            expected="one time-comparability option: pooled (default), base_year, or by_year",
            fix="drop one of the two settings",
        )
    v = x * d
    years = wide.index.get_level_values(1)
    ref = _Reference(v, years, wide.columns, by_year, base_year)
    if method == "minmax":
        out = _minmax(v, p, ref, wide, d)
    elif method == "zscore":
        out = _zscore(v, p, ref)
    elif method == "rank":
        out = _rank(v, p, ref)
    else:
        out = _percentile(v, p, ref)
    return _frame(out, wide)


def _frame(values: np.ndarray, like: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(values, index=like.index, columns=like.columns)


# ---- reference statistics -----------------------------------------------------------


def group_rank(v: np.ndarray, codes: np.ndarray, ties: str = "average") -> np.ndarray:
    """Rank each column of ``v`` within the row groups ``codes`` (ascending, 1 = lowest).

    ``ties``: "average", "min", "max" or "dense". NaN stays NaN and is not counted.
    Vectorised over columns: one argsort orders every column by value, a second by
    (group, value); ties are runs of equal values inside a group, so the sorts need
    not be stable.
    """
    n, k = v.shape
    if n == 0:
        return v.copy()
    vt = np.ascontiguousarray(v.T)  # (k, n): sorting along the last axis is much faster
    key_v = np.where(np.isnan(vt), np.inf, vt)
    pos = np.broadcast_to(np.arange(n), (k, n))
    by_value = np.argsort(key_v, axis=1)
    value_pos = np.empty((k, n), dtype=np.int64)
    np.put_along_axis(value_pos, by_value, pos, axis=1)
    order = np.argsort(codes.astype(np.int64) * n + value_pos, axis=1)
    sv = np.take_along_axis(key_v, order, axis=1)
    sg = codes[order]
    new_group = np.ones((k, n), dtype=bool)
    new_group[:, 1:] = sg[:, 1:] != sg[:, :-1]
    new_run = new_group.copy()
    new_run[:, 1:] |= sv[:, 1:] != sv[:, :-1]
    group_start = np.maximum.accumulate(np.where(new_group, pos, 0), axis=1)
    run_start = np.maximum.accumulate(np.where(new_run, pos, 0), axis=1)
    if ties == "min":
        r = run_start - group_start + 1.0
    elif ties == "dense":
        runs = np.cumsum(new_run, axis=1)
        r = runs - np.take_along_axis(runs, group_start, axis=1) + 1.0
    else:
        run_end_flag = np.ones((k, n), dtype=bool)
        run_end_flag[:, :-1] = new_run[:, 1:]
        run_end = np.minimum.accumulate(np.where(run_end_flag, pos, n - 1)[:, ::-1], axis=1)[:, ::-1]
        hi = run_end - group_start + 1.0
        r = hi if ties == "max" else (run_start - group_start + 1.0 + hi) / 2.0
    out = np.empty((k, n))
    np.put_along_axis(out, order, r, axis=1)
    out = out.T
    out[np.isnan(v)] = np.nan
    return out


class _Reference:
    """The rows the statistics come from, and per-row (n, k) or pooled (1, k) statistics."""

    def __init__(self, v: np.ndarray, years: pd.Index, columns: pd.Index, by_year: bool, base_year: int | None):
        self.v = v
        self.by_year = by_year
        self.mask: np.ndarray | None = None
        self.codes: np.ndarray | None = None
        if by_year:
            self.codes = pd.factorize(years)[0]
            srt = np.argsort(self.codes, kind="stable")
            self._sorted = srt
            self._starts = np.flatnonzero(np.r_[True, np.diff(self.codes[srt]) != 0])
        elif base_year is not None:
            mask = np.asarray(years == base_year)
            if not mask.any():
                raise ConfigError(
                    problem=f"base year {base_year} has no rows in the data",
                    expected=f"a base year among {sorted(set(years.tolist()))}",
                    fix="choose a base year inside the panel",
                )
            observed = ~np.isnan(v)
            empty = [c for c, b, a in zip(columns, observed[mask].any(axis=0), observed.any(axis=0)) if a and not b]
            if empty:
                raise ConfigError(
                    problem=f"indicators {empty} have no data in base year {base_year}",
                    expected="every indicator observed for at least one unit in the base year",
                    fix="choose another base year, impute the base year, or use pooled normalisation",
                )
            self.mask = mask

    def _reduce(self, ufunc: np.ufunc, values: np.ndarray) -> np.ndarray:
        if self.codes is not None:
            per_group = ufunc.reduceat(values[self._sorted], self._starts, axis=0)
            return per_group[self.codes]
        ref = values if self.mask is None else values[self.mask]
        if ref.shape[0] == 0:
            return np.full((1, values.shape[1]), np.nan)
        return ufunc.reduce(ref, axis=0)[None, :]

    def count(self) -> np.ndarray:
        return self._reduce(np.add, (~np.isnan(self.v)).astype(float))

    def min(self) -> np.ndarray:
        return self._reduce(np.fmin, self.v)  # fmin skips NaN

    def max(self) -> np.ndarray:
        return self._reduce(np.fmax, self.v)

    def mean(self) -> np.ndarray:
        with np.errstate(invalid="ignore", divide="ignore"):
            return self._reduce(np.add, np.nan_to_num(self.v)) / self.count()

    def std(self) -> np.ndarray:
        dev = np.nan_to_num(self.v - self.mean())
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.sqrt(self._reduce(np.add, dev * dev) / (self.count() - 1))


def _minmax(v: np.ndarray, p: dict[str, Any], ref: _Reference, wide: pd.DataFrame, d: np.ndarray) -> np.ndarray:
    lo_t, hi_t = (float(b) for b in p.get("range", (0.0, 100.0)))
    if not hi_t > lo_t:
        raise ConfigError(
            problem=f"min-max range {p.get('range')} is empty or reversed",
            expected="range = (l, u) with l < u",
            fix="e.g. range: [0, 100], or [1, 100] before geometric aggregation",
        )
    settings = bounds_settings(p)
    robust = settings["rule"] != "minmax" or settings["despike"] is not None
    if robust:
        mn, rng = _robust_bounds(wide, d, settings, ref)
    else:  # COINr's n_minmax, on the flipped values
        mn = ref.min()
        rng = ref.max() - mn
    const = ~(rng > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = (v - mn) / np.where(const, 1.0, rng) * (hi_t - lo_t) + lo_t
    out = np.where(const & ~np.isnan(v), (lo_t + hi_t) / 2.0, out)
    if robust or p.get("clip", False):
        out = np.clip(out, lo_t, hi_t)
    return out


def _robust_bounds(
    wide: pd.DataFrame, d: np.ndarray, settings: dict[str, Any], ref: _Reference
) -> tuple[np.ndarray, np.ndarray]:
    """The minimum and range of the flipped values ``x * d`` implied by the goalposts, per row or pooled."""
    gp = goalpost_bounds(wide, **settings, reference_rows=ref.mask, by_year=ref.by_year)
    lo_v, hi_v = gp.lo, gp.hi  # (1, k) pooled or base year; (years, k) by year
    if ref.by_year:
        rows = np.searchsorted(np.asarray(gp.years), np.asarray(wide.index.get_level_values(1)))
        lo_v, hi_v = lo_v[rows], hi_v[rows]
    # Flipped (direction -1) values -x run from -hi to -lo.
    mn = np.where(d > 0, lo_v, -hi_v)
    return mn, hi_v - lo_v


def _zscore(v: np.ndarray, p: dict[str, Any], ref: _Reference) -> np.ndarray:
    m = float(p.get("mean", 0.0))
    s = float(p.get("sd", 1.0))
    if not s > 0:
        raise ConfigError(
            problem=f"z-score target sd {s} is not positive",
            expected="sd > 0",
            fix="set a positive sd (default 1)",
        )
    sd = ref.std()
    const = ~(sd > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = m + s * (v - ref.mean()) / np.where(const, 1.0, sd)
    return np.where(const & ~np.isnan(v), m, out)


def _ties(p: dict[str, Any]) -> str:
    ties = p.get("ties", "average")
    if ties not in TIES:
        raise ConfigError(
            problem=f"rank ties method {ties!r} is not supported",
            expected=f"one of {list(TIES)} ('first' would depend on row order)",
            fix="use 'average' (default) or 'min' (COINr)",
        )
    return ties


def _rank_against_base(v: np.ndarray, mask: np.ndarray, ties: str) -> np.ndarray:
    """Rank of every value within the base-year values of its column."""
    out = np.empty_like(v)
    for j in range(v.shape[1]):  # one pass per indicator, vectorised over units and years
        base = v[mask, j]
        base = np.sort(base[~np.isnan(base)])
        below = np.searchsorted(base, v[:, j], side="left").astype(float)
        upto = np.searchsorted(base, v[:, j], side="right").astype(float)
        if ties == "min":
            r = below + 1
        elif ties == "max":
            r = upto
        else:
            r = below + (upto - below + 1) / 2
        out[:, j] = np.where(np.isnan(v[:, j]), np.nan, r)
    return out


def _rank(v: np.ndarray, p: dict[str, Any], ref: _Reference) -> np.ndarray:
    ties = _ties(p)
    if ref.mask is not None:
        if ties == "dense":
            raise ConfigError(
                problem="rank ties 'dense' cannot be used with base_year",
                expected="ties 'average', 'min' or 'max' with base_year",
                fix="use ties 'average' or 'min'",
            )
        return _rank_against_base(v, ref.mask, ties)
    codes = ref.codes if ref.codes is not None else np.zeros(v.shape[0], dtype=np.int64)
    return group_rank(v, codes, ties)


def _percentile(v: np.ndarray, p: dict[str, Any], ref: _Reference) -> np.ndarray:
    scale = float(p.get("scale", 100.0))
    if ref.mask is not None:
        r = _rank_against_base(v, ref.mask, "min")
    else:
        codes = ref.codes if ref.codes is not None else np.zeros(v.shape[0], dtype=np.int64)
        r = group_rank(v, codes, "min")
    n = ref.count()
    const = ~(ref.max() > ref.min())
    with np.errstate(invalid="ignore", divide="ignore"):
        out = (r - 1) / np.where(const, 1.0, n - 1) * scale
    out = np.where(const & ~np.isnan(v), scale / 2.0, out)
    if ref.mask is not None:
        out = np.clip(out, 0.0, scale)
    return out


# ---- fixed-parameter methods ------------------------------------------------------------


def _missing_param(what: str, cols: list[str], example: str) -> ConfigError:
    return ConfigError(
        problem=f"no {what} given for indicators {cols}",
        expected=f"a {what} for every indicator normalised this way",
        fix=f"add them to the normalisation parameters, e.g. {example}",
    )


def _goalposts(x: np.ndarray, columns: pd.Index, d: np.ndarray, p: dict[str, Any]) -> np.ndarray:
    gp = _per_indicator(p, "goalposts", columns)
    missing = [c for c in columns if c not in gp]
    if missing:
        raise _missing_param("goalposts (lo, hi)", missing, "goalposts: {indicator: [0, 100]}")
    lo = np.array([float(gp[c][0]) for c in columns])
    hi = np.array([float(gp[c][1]) for c in columns])
    bad = [c for c, a, b in zip(columns, lo, hi) if not (np.isfinite(a) and np.isfinite(b) and b > a)]
    if bad:
        raise ConfigError(
            problem=f"goalposts of {bad} are not finite with lo < hi",
            expected="goalposts (lo, hi) with lo < hi, in the indicator's units",
            fix="correct the goalposts; use direction -1 for lower-is-better instead of reversing them",
        )
    frac = (x - lo) / (hi - lo)
    frac = np.where(d > 0, frac, 1.0 - frac)
    if p.get("truncate", True):
        frac = np.clip(frac, 0.0, 1.0)
    return frac * float(p.get("scale", 100.0))


def _distance_to_reference(x: np.ndarray, columns: pd.Index, d: np.ndarray, p: dict[str, Any]) -> np.ndarray:
    lin = _per_indicator(p, "reference", columns)
    logr = _per_indicator(p, "log_reference", columns)
    both = [c for c in columns if c in lin and c in logr]
    if both:
        raise ConfigError(
            problem=f"indicators {both} have both a reference and a log_reference",
            expected="either a linear reference or a log10 reference per indicator",
            fix="keep one of the two",
        )
    missing = [c for c in columns if c not in lin and c not in logr]
    if missing:
        raise _missing_param("reference value", missing, "reference: {indicator: 100}")
    ref = np.array([float(lin.get(c, logr.get(c))) for c in columns])
    is_log = np.array([c in logr for c in columns])
    bad = [c for c, r in zip(columns, ref) if not (np.isfinite(r) and r > 0)]
    if bad:
        raise ConfigError(
            problem=f"reference values of {bad} are not finite and positive",
            expected="reference > 0 (log references in log10 units, > 0)",
            fix="correct the reference values",
        )
    cap = p.get("cap", 1.0)
    floor = p.get("floor", 0.0)
    v = x
    with np.errstate(invalid="ignore", divide="ignore"):
        # Non-positive arguments of log10 act like log10(x) = -inf (the worst possible
        # value for direction +1, "at or below the reference" for direction -1).
        base = np.where(is_log, np.log10(np.where(v > 0, v, 0.0)), v)
        base = np.where(np.isnan(v), np.nan, base)
        up = base / ref
        down = np.where(base > 0, ref / base, np.inf)
        ratio = np.where(d > 0, up, np.where(np.isnan(base), np.nan, down))
    if cap is not None:
        ratio = np.minimum(ratio, float(cap))
    if floor is not None:
        ratio = np.maximum(ratio, float(floor))
    infinite = np.isinf(ratio).any(axis=0)
    if infinite.any():
        cols = [c for c, bad_col in zip(columns, infinite) if bad_col]
        raise ConfigError(
            problem=f"distance to reference of {cols} is infinite (zero or non-positive values) with cap/floor unset",
            expected="a cap (default 1) and a floor (default 0), or strictly positive values",
            fix="keep the defaults cap: 1 and floor: 0 (the ITU IDI convention)",
        )
    ratio = np.where(np.isnan(v), np.nan, ratio)
    return ratio * float(p.get("scale", 1.0))
