"""Goalposts: the (lo, hi) bounds min-max normalisation maps to its target range.

:func:`goalpost_bounds` is the one place bounds are computed: the normalisation, the
published goalposts table and the uncertainty analysis all call it. Rules:

``minmax``
    The reference set's minimum and maximum (COINr's ``n_minmax``). Exact, and set by
    the two most extreme values: a single data error moves every score.
``quantile``
    Order statistics of the reference set at ``quantiles`` = (q_lo, q_hi): lo is the
    value at sorted position floor(q_lo (m - 1)), hi at ceil(q_hi (m - 1)) (m values;
    rounded outward, so a bound is always an observed value, of a named economy-year:
    the first in (unit, year) order holding it).
    Values beyond a bound score the end of the range (capped). A bound cannot be set by
    a single value unless fewer than 1 / (1 - q_hi) values lie above it.
``reference``
    Fixed values per indicator (config ``goalposts`` {indicator: [lo, hi]}, else the
    catalogue's [min, max], see :func:`scripts.index.prepare.prepare_index`), as the ITU
    IDI does: comparable across runs and releases, not only across years. Capped.

``despike`` (a robust-z threshold, or None) first replaces every isolated one-year spike
(:mod:`scripts.core.spikes`, the rule harmonisation's validation report flags) by its
nearer neighbour's value *in the reference set only*; the spike itself is still
normalised (and capped if beyond a bound). With it, a spike in an economy whose series
lies between the bounds moves neither bound, whatever the rule.

Bounds are in the units of the values normalised (the indicator's unit, or log units
where the outlier treatment took logs) and do not depend on the direction: for
direction -1 min-max gives (hi - x) / (hi - lo).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from scripts.core.errors import ConfigError
from scripts.core.spikes import despike as despike_values
from scripts.core.tables import GOALPOSTS
from scripts.core.vocabulary import BOUNDS_RULES, BoundsRule

#: Columns of the bounds table, in order.
COLUMNS = list(GOALPOSTS.columns)


def check_quantiles(quantiles: Sequence[float]) -> tuple[float, float]:
    """Return ``(q_lo, q_hi)`` after checking 0 <= q_lo < q_hi <= 1 (ConfigError otherwise)."""
    q = tuple(float(v) for v in quantiles)
    if len(q) != 2 or not (0.0 <= q[0] < q[1] <= 1.0):
        raise ConfigError(
            problem=f"goalpost quantiles {list(quantiles)} are not two probabilities with lo < hi",
            expected="quantiles: [q_lo, q_hi] with 0 <= q_lo < q_hi <= 1",
            fix="e.g. quantiles: [0.01, 0.99] (pooled p1 and p99)",
        )
    return q[0], q[1]


def goalpost_bounds(
    wide: pd.DataFrame,
    rule: BoundsRule = "minmax",
    *,
    quantiles: Sequence[float] = (0.01, 0.99),
    reference: Mapping[str, Sequence[float]] | None = None,
    despike: float | None = None,
    min_points: int = 5,
    reference_rows: np.ndarray | None = None,
    by_year: bool = False,
) -> Goalposts:
    """Return the goalposts (lo, hi) of every column of ``wide``, once or (``by_year``) per year.

    ``wide``: index (unit, year), columns = indicators, NaN = missing. The reference set
    is all rows (pooled), the rows where ``reference_rows`` is True (a base year), or
    each year's rows (``by_year``). ``lo`` and ``hi`` are in the units of ``wide``; a
    bound is NaN for an indicator without reference values. :meth:`Goalposts.table`
    gives the published GOALPOSTS table, with the economy-year whose value is each
    data-driven bound and the counts of reference values, spikes and capped values.
    Raises ConfigError for an unknown rule, bad quantiles, or a ``reference`` rule
    without finite lo < hi for every indicator.
    """
    if rule not in BOUNDS_RULES:
        raise ConfigError(
            problem=f"unknown goalpost rule {rule!r}",
            expected=f"one of {list(BOUNDS_RULES)}",
            fix="set normalisation.bounds to minmax, quantile or reference",
        )
    q = check_quantiles(quantiles)
    frame = wide if wide.index.is_monotonic_increasing else wide.sort_index()
    raw = frame.to_numpy(dtype=float)
    n, k = raw.shape
    values, spikes = raw, np.zeros((n, k), dtype=bool)
    if despike is not None and rule != "reference":
        fixed, mask = despike_values(frame, threshold=float(despike), min_points=min_points)
        values, spikes = fixed.to_numpy(dtype=float), mask.to_numpy()
    rows = np.ones(n, dtype=bool)
    if reference_rows is not None:
        rows = pd.Series(np.asarray(reference_rows, dtype=bool), index=wide.index).reindex(frame.index).to_numpy()
    years = frame.index.get_level_values(1).to_numpy()
    groups: list[tuple[int | None, np.ndarray]] = [(None, np.ones(n, dtype=bool))]
    if by_year:
        groups = [(int(y), years == y) for y in np.unique(years)]
    fixed_bounds = _reference_bounds(frame.columns, reference) if rule == "reference" else None
    stats = []
    for _, in_group in groups:
        ref = in_group & rows
        observed = ref[:, None] & ~np.isnan(values)
        if fixed_bounds is not None:
            lo = np.array([fixed_bounds[c][0] for c in frame.columns])
            hi = np.array([fixed_bounds[c][1] for c in frame.columns])
            lo_at = hi_at = np.full(k, -1)
        else:
            lo, hi, lo_at, hi_at = _data_bounds(np.where(observed, values, np.nan), rule, q)
        inside = raw[in_group]
        with np.errstate(invalid="ignore"):
            n_below, n_above = (inside < lo).sum(axis=0), (inside > hi).sum(axis=0)
        stats.append(
            (lo, hi, lo_at, hi_at, observed.sum(axis=0), (spikes & ref[:, None]).sum(axis=0), n_below, n_above)
        )
    lo, hi, lo_at, hi_at, n_values, n_spikes, n_below, n_above = (np.vstack(a) for a in zip(*stats))
    return Goalposts(
        indicators=tuple(frame.columns),
        rule=rule,
        years=tuple(y for y, _ in groups),
        lo=lo,
        hi=hi,
        lo_at=lo_at,
        hi_at=hi_at,
        counts=np.stack([n_values, n_spikes, n_below, n_above]),
        units=np.asarray(frame.index.get_level_values(0), dtype=object),
        row_years=years.astype(np.int64),
    )


def _data_bounds(v: np.ndarray, rule: str, q: tuple[float, float]) -> tuple[np.ndarray, ...]:
    """lo, hi and the rows holding them (-1: none), per column of the reference values ``v`` (NaN = not in the set).

    Each bound is an order statistic (found by partition, O(n)); the row named is the first
    in (unit, year) order holding that value.
    """
    vt = np.ascontiguousarray(v.T)  # (k, n)
    k, n = vt.shape
    m = (~np.isnan(vt)).sum(axis=1)
    if rule == "minmax":
        lo_pos, hi_pos = np.zeros(k, dtype=np.int64), m - 1
    else:
        lo_pos = np.floor(q[0] * (m - 1) + 1e-9).astype(np.int64)
        hi_pos = np.ceil(q[1] * (m - 1) - 1e-9).astype(np.int64)
    lo, hi = np.full(k, np.nan), np.full(k, np.nan)
    lo_at, hi_at = np.full(k, -1), np.full(k, -1)
    for j in np.flatnonzero(m > 0):  # one O(n) partition per indicator
        row = np.where(np.isnan(vt[j]), np.inf, vt[j])
        part = np.partition(row, [lo_pos[j], hi_pos[j]])
        lo[j], hi[j] = part[lo_pos[j]], part[hi_pos[j]]
        lo_at[j], hi_at[j] = np.argmax(row == lo[j]), np.argmax(row == hi[j])
    return lo, hi, lo_at, hi_at


@dataclass(frozen=True, eq=False)
class Goalposts:
    """The goalposts of :func:`goalpost_bounds`: arrays (groups, indicators), one group unless by year.

    Attributes
    ----------
    indicators, rule:
        The columns, in order, and the rule that set the bounds.
    years:
        The year of each group (None: one pair of bounds for all years).
    lo, hi:
        The bounds, in the units normalised.
    lo_at, hi_at:
        The row (of the input sorted by unit and year) whose value is each bound; -1 for
        fixed goalposts or an empty reference set.
    counts:
        (4, groups, indicators): reference values, spikes replaced, values below lo,
        values above hi.
    """

    indicators: tuple[str, ...]
    rule: str
    years: tuple[int | None, ...]
    lo: np.ndarray
    hi: np.ndarray
    lo_at: np.ndarray
    hi_at: np.ndarray
    counts: np.ndarray
    units: np.ndarray = field(repr=False)
    row_years: np.ndarray = field(repr=False)

    def table(self) -> pd.DataFrame:
        """The GOALPOSTS table: one row per indicator (per indicator and year for by-year bounds)."""
        g, k = self.lo.shape
        units = np.append(self.units, "")  # row -1 names no economy
        years = np.append(self.row_years, -1)
        lo_at, hi_at = self.lo_at.ravel(), self.hi_at.ravel()
        n_values, n_spikes, n_below, n_above = (c.ravel().astype(np.int64) for c in self.counts)
        group_year = [np.nan if y is None else y for y in self.years]
        return pd.DataFrame(
            {
                "indicator": np.tile(np.asarray(self.indicators, dtype=object), g),
                "year": pd.array(np.repeat(group_year, k), dtype="Int64"),
                "rule": self.rule,
                "lo": self.lo.ravel().astype(float),
                "hi": self.hi.ravel().astype(float),
                "lo_iso3": units[lo_at].astype(str),
                "lo_year": pd.array(np.where(lo_at < 0, np.nan, years[lo_at]), dtype="Int64"),
                "hi_iso3": units[hi_at].astype(str),
                "hi_year": pd.array(np.where(hi_at < 0, np.nan, years[hi_at]), dtype="Int64"),
                "n_values": n_values,
                "n_spikes": n_spikes,
                "n_below": n_below,
                "n_above": n_above,
            },
            columns=COLUMNS,
        )


def _reference_bounds(
    columns: pd.Index, reference: Mapping[str, Sequence[float]] | None
) -> dict[str, tuple[float, float]]:
    table = dict(reference or {})
    missing = [c for c in columns if c not in table]
    if missing:
        raise ConfigError(
            problem=f"no reference goalposts for indicators {missing}",
            expected="goalposts {indicator: [lo, hi]} in the normalisation block, or min and max in the catalogue",
            fix="add the goalposts to the index's normalisation block, or the bounds to config/indicators.csv",
        )
    out = {c: (float(table[c][0]), float(table[c][1])) for c in columns}
    bad = [c for c, (lo, hi) in out.items() if not (np.isfinite(lo) and np.isfinite(hi) and hi > lo)]
    if bad:
        raise ConfigError(
            problem=f"reference goalposts of {bad} are not finite with lo < hi",
            expected="goalposts [lo, hi] with lo < hi, in the indicator's units",
            fix="correct the goalposts; use direction -1 for lower-is-better instead of reversing them",
        )
    return out


def bounds_settings(params: Mapping[str, Any]) -> dict[str, Any]:
    """The keyword arguments of :func:`goalpost_bounds` held in a min-max ``params`` block."""
    return {
        "rule": params.get("bounds", "minmax"),
        "quantiles": params.get("quantiles", (0.01, 0.99)),
        "reference": params.get("goalposts"),
        "despike": params.get("despike"),
    }


def published_goalposts(
    wide: pd.DataFrame,
    method: str,
    params: Mapping[str, Any],
    *,
    time: str = "pooled",
    base_year: int | None = None,
) -> pd.DataFrame:
    """Return the goalposts a normalisation applies (the GOALPOSTS table), empty for methods without bounds.

    ``wide`` holds the values the engine normalises (after outlier treatment). minmax
    publishes its rule's bounds; ``goalposts`` its fixed (lo, hi) as rule "reference";
    ``distance_to_reference`` the value scoring 0 (0, or 1 for a log10 reference) and the
    reference (scoring 1, or 10^log_reference), as "reference". zscore, rank and
    percentile have no goalposts.
    """
    if method == "minmax":
        rows = None
        if time == "base_year":
            rows = np.asarray(wide.index.get_level_values(1) == base_year)
        return goalpost_bounds(wide, **bounds_settings(params), reference_rows=rows, by_year=time == "by_year").table()
    if method == "goalposts":
        return goalpost_bounds(wide, "reference", reference=params.get("goalposts")).table()
    if method == "distance_to_reference":
        fixed: dict[str, tuple[float, float]] = {
            c: (0.0, float(r)) for c, r in dict(params.get("reference") or {}).items()
        }
        fixed.update({c: (1.0, 10.0 ** float(r)) for c, r in dict(params.get("log_reference") or {}).items()})
        return goalpost_bounds(wide, "reference", reference=fixed).table()
    return pd.DataFrame(columns=COLUMNS)
