"""Goalposts: the (lo, hi) bounds min-max normalisation maps to its target range.

:func:`goalpost_bounds` is the one place bounds are computed: the normalisation, the
published goalposts table and the uncertainty analysis all call it. Rules:

``minmax``
    The reference set's minimum and maximum (COINr's ``n_minmax``). Exact, and set by
    the two most extreme values: a single data error moves every score.
``quantile``
    Order statistics of the reference set at ``quantiles`` = (q_lo, q_hi): lo is the
    value at sorted position floor(q_lo (m - 1)), hi at ceil(q_hi (m - 1)) (m values;
    rounded outward, so a bound is always an observed value, of a named economy-year).
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
from typing import Any

import numpy as np
import pandas as pd

from scripts.core.errors import ConfigError
from scripts.core.spikes import despike as despike_values
from scripts.core.vocabulary import BOUNDS_RULES, BoundsRule

#: Columns of the bounds table (GOALPOSTS in scripts/core/tables/index.py).
COLUMNS = [
    "indicator",
    "year",
    "rule",
    "lo",
    "hi",
    "lo_iso3",
    "lo_year",
    "hi_iso3",
    "hi_year",
    "n_values",
    "n_spikes",
    "n_below",
    "n_above",
]


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
) -> pd.DataFrame:
    """Return the goalposts of every column of ``wide``: one row per indicator (per year with ``by_year``).

    ``wide``: index (unit, year), columns = indicators, NaN = missing. The reference set
    is all rows (pooled), the rows where ``reference_rows`` is True (a base year), or
    each year's rows (``by_year``). Columns (see GOALPOSTS): indicator, year (<NA>
    unless by_year), rule, lo, hi (in the units of ``wide``), the economy-year whose
    value is each data-driven bound (empty for ``reference``), n_values (reference
    values), n_spikes (spikes replaced in the reference set), n_below / n_above (values
    of all rows, or of the year, beyond the bounds). A bound is NaN for an indicator
    without reference values. Raises ConfigError for an unknown rule, bad quantiles, or
    a ``reference`` rule without finite lo < hi for every indicator.
    """
    if rule not in BOUNDS_RULES:
        raise ConfigError(
            problem=f"unknown goalpost rule {rule!r}",
            expected=f"one of {list(BOUNDS_RULES)}",
            fix="set normalisation.bounds to minmax, quantile or reference",
        )
    q = check_quantiles(quantiles)
    frame = wide.sort_index()
    values = frame
    spikes = pd.DataFrame(False, index=frame.index, columns=frame.columns)
    if despike is not None and rule != "reference":
        values, spikes = despike_values(frame, threshold=float(despike), min_points=min_points)
    units = frame.index.get_level_values(0).to_numpy()
    years = frame.index.get_level_values(1).to_numpy()
    rows = np.ones(len(frame), dtype=bool)
    if reference_rows is not None:
        rows = pd.Series(np.asarray(reference_rows, dtype=bool), index=wide.index).reindex(frame.index).to_numpy()
    if by_year:
        groups = [(int(y), years == y) for y in np.unique(years)]
    else:
        groups = [(None, np.ones(len(frame), dtype=bool))]
    fixed = _reference_bounds(frame.columns, reference) if rule == "reference" else None
    out = []
    for year, in_group in groups:
        ref = in_group & rows
        for j, ind in enumerate(frame.columns):
            v = values.iloc[:, j].to_numpy(dtype=float)
            observed = ref & ~np.isnan(v)
            if fixed is not None:
                lo, hi = fixed[ind]
                lo_at = hi_at = None
            else:
                lo, hi, lo_at, hi_at = _data_bounds(v, observed, rule, q)
            raw = frame.iloc[:, j].to_numpy(dtype=float)[in_group]
            out.append(
                {
                    "indicator": ind,
                    "year": year,
                    "rule": rule,
                    "lo": lo,
                    "hi": hi,
                    "lo_iso3": "" if lo_at is None else str(units[lo_at]),
                    "lo_year": None if lo_at is None else int(years[lo_at]),
                    "hi_iso3": "" if hi_at is None else str(units[hi_at]),
                    "hi_year": None if hi_at is None else int(years[hi_at]),
                    "n_values": int(observed.sum()),
                    "n_spikes": int(spikes.iloc[:, j].to_numpy()[ref].sum()),
                    "n_below": int(np.sum(raw < lo)),
                    "n_above": int(np.sum(raw > hi)),
                }
            )
    table = pd.DataFrame(out, columns=COLUMNS)
    return table.astype({"year": "Int64", "lo_year": "Int64"}).astype({"hi_year": "Int64"})


def _data_bounds(
    v: np.ndarray, observed: np.ndarray, rule: str, q: tuple[float, float]
) -> tuple[float, float, int | None, int | None]:
    """lo, hi and the rows holding them, from the observed reference values of one indicator."""
    idx = np.flatnonzero(observed)
    if idx.size == 0:
        return np.nan, np.nan, None, None
    order = idx[np.argsort(v[idx], kind="stable")]  # ties: the first economy-year in (unit, year) order
    m = order.size
    if rule == "minmax":
        lo_pos, hi_pos = 0, m - 1
    else:
        lo_pos = int(np.floor(q[0] * (m - 1) + 1e-9))
        hi_pos = int(np.ceil(q[1] * (m - 1) - 1e-9))
    lo_at, hi_at = int(order[lo_pos]), int(order[hi_pos])
    if rule == "minmax":  # the first of tied maxima, not the last
        hi_at = int(idx[np.flatnonzero(v[idx] == v[hi_at])[0]])
    return float(v[lo_at]), float(v[hi_at]), lo_at, hi_at


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
        return goalpost_bounds(wide, **bounds_settings(params), reference_rows=rows, by_year=time == "by_year")
    if method == "goalposts":
        return goalpost_bounds(wide, "reference", reference=params.get("goalposts"))
    if method == "distance_to_reference":
        fixed: dict[str, tuple[float, float]] = {
            c: (0.0, float(r)) for c, r in dict(params.get("reference") or {}).items()
        }
        fixed.update({c: (1.0, 10.0 ** float(r)) for c, r in dict(params.get("log_reference") or {}).items()})
        return goalpost_bounds(wide, "reference", reference=fixed)
    return pd.DataFrame(columns=COLUMNS)
