"""Inequality between economies: Gini, Theil T, Theil L (mean log deviation) and the coefficient of variation.

Every statistic takes values ``x`` and weights ``w`` (ones for "between economies",
population for "between people") as 2-D arrays, one row per sample, so that the same code
computes the statistic of the data (one row) and of every bootstrap resample at once.
Formulas are those of /work/shared/REFERENCE.md section 7:

- Gini ``G = sum_i sum_j w_i w_j |x_i - x_j| / (2 W^2 mu)``, ``W = sum w``, ``mu`` the weighted mean
  (the population form, without a small-sample correction n / (n - 1));
- Theil T ``= sum_i (w_i / W) (x_i / mu) ln(x_i / mu)``, with ``0 ln 0 = 0``;
- Theil L ``= sum_i (w_i / W) ln(mu / x_i)``: undefined when some ``x_i = 0``, so its caller passes
  only the positive values and reports how many it left out;
- CV ``= sd / mu``, with the weighted population standard deviation.

All four are unit-free; they are 0 when every economy has the same value.
"""

from __future__ import annotations

import numpy as np

from scripts.core.errors import InvariantError
from scripts.core.vocabulary import InequalityStat


def _check(x: np.ndarray, w: np.ndarray) -> None:
    if x.shape != w.shape or x.ndim != 2:
        raise InvariantError(f"inequality: values {x.shape} and weights {w.shape} must be equal 2-D arrays")
    if (x < 0).any() or (w <= 0).any() or not (np.isfinite(x).all() and np.isfinite(w).all()):
        raise InvariantError("inequality: values must be finite and >= 0, weights finite and > 0")


def weighted_mean(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """The weighted mean of each row, in the unit of ``x``."""
    return (x * w).sum(axis=1) / w.sum(axis=1)


def gini(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Gini coefficient of each row (0 = equality, towards 1 = one economy holds everything).

    Uses the sorted form of the double sum: sum_ij w_i w_j |x_i - x_j| = 2 sum_i w_i x_i (B_i - A_i),
    with B_i (A_i) the weight sorted before (after) i; ties contribute nothing either way.
    """
    _check(x, w)
    order = np.argsort(x, axis=1, kind="stable")
    xs, ws = np.take_along_axis(x, order, 1), np.take_along_axis(w, order, 1)
    total = ws.sum(axis=1, keepdims=True)
    below = np.cumsum(ws, axis=1) - ws
    above = total - below - ws
    pairs = 2.0 * (ws * xs * (below - above)).sum(axis=1)
    mu = weighted_mean(x, w)
    with np.errstate(invalid="ignore", divide="ignore"):
        return pairs / (2.0 * total[:, 0] ** 2 * mu)


def theil_t(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Theil T index of each row (GE(1); 0 ln 0 taken as 0), in nats."""
    _check(x, w)
    mu = weighted_mean(x, w)[:, None]
    with np.errstate(invalid="ignore", divide="ignore"):
        r = x / mu
        term = np.where(r > 0, r * np.log(np.where(r > 0, r, 1.0)), 0.0)
    return (w * term).sum(axis=1) / w.sum(axis=1)


def theil_l(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Theil L index (mean log deviation, GE(0)) of each row, in nats. Every value must be > 0."""
    _check(x, w)
    if (x <= 0).any():
        raise InvariantError("theil_l: a value is 0; the caller must leave zeros out and report them")
    mu = weighted_mean(x, w)[:, None]
    return (w * np.log(mu / x)).sum(axis=1) / w.sum(axis=1)


def cv(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Coefficient of variation of each row: weighted population SD over the weighted mean."""
    _check(x, w)
    mu = weighted_mean(x, w)
    var = (w * (x - mu[:, None]) ** 2).sum(axis=1) / w.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.sqrt(var) / mu


#: The functions of the statistics of ``vocabulary.INEQUALITY_STATS`` (a test keeps the two equal).
STATISTICS = {"gini": gini, "theil_t": theil_t, "theil_l": theil_l, "cv": cv}


def statistic(name: InequalityStat, x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """The inequality statistic ``name`` of each row of ``x`` with weights ``w``."""
    return STATISTICS[name](x, w)


def lorenz(x: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Lorenz curve of 1-D ``x`` with weights ``w``: cumulative shares of weight and of the total, from (0, 0).

    Returns (population share, value share), both rising from 0 to 1, economies sorted by value.
    """
    order = np.argsort(x, kind="stable")
    xs, ws = x[order], w[order]
    people = np.concatenate([[0.0], np.cumsum(ws) / ws.sum()])
    values = np.concatenate([[0.0], np.cumsum(xs * ws) / (xs * ws).sum()])
    return people, values
