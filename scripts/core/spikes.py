"""Isolated one-year spikes: a value far from both of its neighbours, in robust units.

Used by harmonisation (the VALIDATION table flags them) and by the index's robust
goalposts (a spike does not set a bound). One definition serves both, so a value the
validation report calls a spike is the value the goalposts ignore.

For a series x (one economy, one indicator, consecutive years) and an interior value
x_t whose two neighbours x_{t-1} and x_{t+1} are observed and which lies beyond both
(above both or below both)::

    z_t = sign * min(|x_t - x_{t-1}|, |x_t - x_{t+1}|) / s,   s = 1.4826 * MAD(first differences of x)

(MAD = median absolute deviation from the median; 1.4826 makes it an sd for normal
data; sign + above the neighbours, - below), and z_t = 0 for a value between its
neighbours. x_t is an isolated spike when ``|z_t| > threshold``: far from *both*
neighbours, so steady growth, a level shift (a step that persists) and the neighbour of
a spike (close to its other neighbour) are not spikes. When the MAD
is 0 (a series that mostly changes by the same step) s falls back to the median absolute
change, and when that is 0 too (a series that mostly does not change) to 1% of the
series' median absolute value (a series that is 0 throughout is not tested). Series with fewer
than ``min_points`` observed values are not tested.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: From a MAD to a normal sd; and the share of a series' level used as its scale when the MAD is 0.
_MAD_SD, _LEVEL_FLOOR = 1.4826, 0.01


def _neighbours(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Values, previous-year values and next-year values of the same unit (NaN where no such row)."""
    x = frame.to_numpy(dtype=float)
    units = pd.factorize(frame.index.get_level_values(0))[0]
    years = frame.index.get_level_values(1).to_numpy(dtype=np.int64)
    n = len(frame)
    step = (units[1:] == units[:-1]) & (years[1:] == years[:-1] + 1)
    prev_row = np.full(n, -1)
    prev_row[1:][step] = np.arange(n - 1)[step]
    next_row = np.full(n, -1)
    next_row[:-1][step] = np.arange(1, n)[step]
    prev = np.where((prev_row >= 0)[:, None], x[np.maximum(prev_row, 0)], np.nan)
    nxt = np.where((next_row >= 0)[:, None], x[np.maximum(next_row, 0)], np.nan)
    return x, prev, nxt


def spike_scores(wide: pd.DataFrame, *, min_points: int = 5) -> pd.DataFrame:
    """Return the robust z of every cell of ``wide`` (same index and columns), NaN where untested.

    ``wide``: index (unit, year) (the year second, integer), columns = indicators, NaN =
    missing. A cell is tested when it and both neighbouring years of the same unit are
    observed and the unit's series has at least ``min_points`` observed values. The z
    is signed (positive: above both neighbours) and 0 where the value is not beyond both
    neighbours. Units of z: robust standard deviations of the series' year-on-year changes.
    """
    frame = wide.sort_index()
    x, prev, nxt = _neighbours(frame)
    units = pd.factorize(frame.index.get_level_values(0))[0]
    scale = _series_scale(x, x - prev, units, min_points)
    with np.errstate(invalid="ignore"):
        near = np.minimum(np.abs(x - prev), np.abs(x - nxt)) * np.sign(x - prev) / scale
    beyond = ((x > prev) & (x > nxt)) | ((x < prev) & (x < nxt))
    z = np.where(np.isfinite(near), np.where(beyond, near, 0.0), np.nan)
    return pd.DataFrame(z, index=frame.index, columns=frame.columns).reindex(wide.index)


def _series_scale(x: np.ndarray, diff: np.ndarray, units: np.ndarray, min_points: int) -> np.ndarray:
    """Per row, the robust sd of its unit's first differences (NaN: too few points or an all-zero series)."""
    d = pd.DataFrame(diff)
    med = d.groupby(units).transform("median")
    mad = (d - med).abs().groupby(units).transform("median").to_numpy() * _MAD_SD
    step = d.abs().groupby(units).transform("median").to_numpy()
    level = pd.DataFrame(np.abs(x)).groupby(units).transform("median").to_numpy() * _LEVEL_FLOOR
    scale = np.where(mad > 0, mad, np.where(step > 0, step, level))
    count = pd.DataFrame((~np.isnan(x)).astype(float)).groupby(units).transform("sum").to_numpy()
    return np.where((count >= min_points) & (scale > 0), scale, np.nan)


def isolated_spikes(wide: pd.DataFrame, *, threshold: float, min_points: int = 5) -> pd.DataFrame:
    """Return a boolean frame like ``wide``: True where the value is an isolated spike (``|z| > threshold``)."""
    z = spike_scores(wide, min_points=min_points)
    return z.abs().gt(threshold)


def despike(wide: pd.DataFrame, *, threshold: float, min_points: int = 5) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return ``(values, spikes)``: ``wide`` with every isolated spike replaced by its nearer neighbour's value.

    The replacement is the median of the spike and its two neighbours, i.e. the neighbour
    closer to it: the value stays within the series' own range, so an economy's spike
    changes nothing outside that economy's series. ``spikes`` is the boolean mask of
    :func:`isolated_spikes`. Units: those of ``wide``.
    """
    frame = wide.sort_index()
    x, prev, nxt = _neighbours(frame)
    mask = isolated_spikes(frame, threshold=threshold, min_points=min_points).to_numpy()
    fixed = np.where(mask, np.median(np.stack([prev, x, nxt]), axis=0), x)
    values = pd.DataFrame(fixed, index=frame.index, columns=frame.columns).reindex(wide.index)
    return values, pd.DataFrame(mask, index=frame.index, columns=frame.columns).reindex(wide.index)
