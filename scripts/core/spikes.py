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


def _cube(wide: pd.DataFrame) -> tuple[np.ndarray, tuple[np.ndarray, ...]]:
    """The values as a dense (unit, indicator, year) array (NaN where no row), and the rows' index into it.

    Years are the last axis, so that the sorts along them run over contiguous memory.
    """
    units = pd.factorize(wide.index.get_level_values(0))[0]
    years = wide.index.get_level_values(1).to_numpy(dtype=np.int64)
    first = int(years.min()) if len(years) else 0
    k = wide.shape[1]
    slot = (units[:, None], np.arange(k)[None, :], (years - first)[:, None])
    cube = np.full((units.max(initial=-1) + 1, k, int(years.max(initial=first)) - first + 1), np.nan)
    cube[slot] = wide.to_numpy(dtype=float)
    return cube, slot


def _shifted(cube: np.ndarray, by: int) -> np.ndarray:
    """The cube shifted along the years: ``by=1`` gives each cell its previous year's value, -1 the next year's."""
    out = np.full_like(cube, np.nan)
    if by > 0:
        out[..., by:] = cube[..., :-by]
    else:
        out[..., :by] = cube[..., -by:]
    return out


def _nanmedian(a: np.ndarray) -> np.ndarray:
    """Median along the last axis ignoring NaN (NaN for an all-NaN slice), vectorised (np.nanmedian loops)."""
    srt = np.sort(a, axis=-1)  # NaN sort last
    n = (~np.isnan(a)).sum(axis=-1, keepdims=True)
    lo = np.take_along_axis(srt, np.maximum((n - 1) // 2, 0), axis=-1)
    hi = np.take_along_axis(srt, np.maximum(n // 2, 0), axis=-1)
    return np.where(n > 0, (lo + hi) / 2.0, np.nan)


def _scores(cube: np.ndarray, min_points: int) -> np.ndarray:
    """The robust z of every cell of the cube (see the module docstring)."""
    prev, nxt = _shifted(cube, 1), _shifted(cube, -1)
    diff = cube - prev
    with np.errstate(invalid="ignore"):
        mad = _nanmedian(np.abs(diff - _nanmedian(diff))) * _MAD_SD
        step = _nanmedian(np.abs(diff))
        level = _nanmedian(np.abs(cube)) * _LEVEL_FLOOR
        scale = np.where(mad > 0, mad, np.where(step > 0, step, level))
        count = (~np.isnan(cube)).sum(axis=-1, keepdims=True)
        scale = np.where((count >= min_points) & (scale > 0), scale, np.nan)
        near = np.minimum(np.abs(cube - prev), np.abs(cube - nxt)) * np.sign(cube - prev) / scale
        beyond = ((cube > prev) & (cube > nxt)) | ((cube < prev) & (cube < nxt))
    return np.where(np.isfinite(near), np.where(beyond, near, 0.0), np.nan)


def spike_scores(wide: pd.DataFrame, *, min_points: int = 5) -> pd.DataFrame:
    """Return the robust z of every cell of ``wide`` (same index and columns), NaN where untested.

    ``wide``: index (unit, year) (the year second, integer; unique), columns = indicators,
    NaN = missing. A cell is tested when it and both neighbouring years of the same unit
    are observed and the unit's series has at least ``min_points`` observed values. The z
    is signed (positive: above both neighbours) and 0 where the value is not beyond both
    neighbours. Units of z: robust standard deviations of the series' year-on-year changes.
    """
    cube, slot = _cube(wide)
    return pd.DataFrame(_scores(cube, min_points)[slot], index=wide.index, columns=wide.columns)


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
    cube, slot = _cube(wide)
    with np.errstate(invalid="ignore"):
        mask = np.abs(_scores(cube, min_points)) > threshold
    prev, nxt = _shifted(cube, 1), _shifted(cube, -1)
    # The median of three, max(min(a, b), min(max(a, b), c)): the neighbour nearer the spike.
    middle = np.maximum(np.minimum(prev, cube), np.minimum(np.maximum(prev, cube), nxt))
    fixed = np.where(mask, middle, cube)
    values = pd.DataFrame(fixed[slot], index=wide.index, columns=wide.columns)
    return values, pd.DataFrame(mask[slot], index=wide.index, columns=wide.columns)
