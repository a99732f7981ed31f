"""Aggregation of children scores into their parent's score.

``children`` is a wide frame (rows = unit-years, columns = children of one node, values
on the normalised scale) and ``weights`` a Series child -> relative weight >= 0 (they
are normalised to sum 1 here). The result is on the children's scale (a Copeland score
is a count of wins minus losses).

Missing children (COINr default): each row is aggregated over its available children
with their weights re-normalised to sum 1 (``effective weights``). When the available
weight share - the sum of the normalised weights of the available children - is below
``min_share`` (or zero), the row's score is NaN.

Methods:

``arithmetic``  ``sum(w x) / sum(w)``.
``geometric``   ``exp(sum(w log x) / sum(w))``.
``harmonic``    ``sum(w) / sum(w / x)``.
``copeland``    non-compensatory outranking (Munda & Nardo; COINr ``outrankMatrix``):
                within each year (the index's second level; the whole frame when the
                index has one level), unit i beats unit j when the weight of the
                children on which i is strictly better exceeds the weight of those on
                which j is strictly better (compared on the children both have; ties
                count for neither). Score = wins - losses, an integer in
                [-(n-1), n-1]. Rows below ``min_share`` are left out of the tournament.

Geometric and harmonic means need strictly positive values. With
``on_nonpositive="refuse"`` (default) a value <= 0 raises ConfigError. With ``"shift"``
every value is shifted by ``k = 1 - min`` (``min`` = the smallest value entering this
aggregation, over all rows and children) so that the smallest becomes 1, the mean is
taken, and ``k`` is subtracted again: a *shifted* geometric/harmonic mean, on the
children's scale, finite for zeros (k = 0 when all values are already > 0).

Decomposition (:func:`aggregate_detail`): the score of every row is split into
per-child ``amounts`` that sum exactly to the score:

* arithmetic: ``effective_weight * x``;
* geometric: shares of the log-score, ``G * w log(x) / log(G)`` (computed on the
  shifted values and minus ``k * w``; equal to ``G * w`` when ``log G`` = 0). With
  values on both sides of 1 the shares can be negative or large: normalise to [1, 100];
* harmonic: value shares, ``H * w x / sum(w x)`` (on the shifted values, minus ``k w``);
* copeland: each pairwise win or loss is credited to the children in proportion to
  their signed weighted margin in that pair (``w_k * sign(x_ik - x_jk) / |D_ij|`` with
  ``D_ij`` the net weighted margin), so the amounts sum to wins - losses.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from scripts.core.errors import ConfigError
from scripts.core.vocabulary import AGG_METHODS, AggMethod, OnNonpositive

# Net Copeland margins below this are ties: sums of different float weights that are
# equal on paper (0.1 + 0.2 vs 0.3) must not decide a pairwise contest.
_TIE_TOL = 1e-12


@dataclass(frozen=True)
class Aggregation:
    """Result of :func:`aggregate_detail`.

    Attributes
    ----------
    score:
        The node's score per row (children's scale; Copeland: wins - losses).
    effective_weights:
        Weights actually applied per row (normalised over the available children;
        NaN for missing children and for rows without a score).
    amounts:
        Decomposition of ``score`` into children (rows sum to ``score``; NaN where the
        child is missing or the row has no score).
    shift:
        The constant ``k`` added before a geometric/harmonic mean (0 when none).
    """

    score: pd.Series
    effective_weights: pd.DataFrame
    amounts: pd.DataFrame
    shift: float


def _label(name: str | None) -> str:
    return f"node {name!r}" if name else "the aggregate"


def _prepare(children: pd.DataFrame, weights: pd.Series, name: str | None) -> np.ndarray:
    w = pd.Series(weights, dtype=float).reindex(children.columns)
    if w.isna().any():
        raise ConfigError(
            problem=f"no weight for children {[c for c in w.index[w.isna()]]} of {_label(name)}",
            expected="a weight for every child",
            fix="give every child a weight in the framework",
        )
    v = w.to_numpy(dtype=float)
    if not np.isfinite(v).all() or (v < 0).any() or v.sum() <= 0:
        raise ConfigError(
            problem=f"weights of the children of {_label(name)} are {dict(w)}",
            expected="finite weights >= 0, not all zero",
            fix="correct the weights",
        )
    return v / v.sum()


def _check_options(method: str, on_nonpositive: str, min_share: float, name: str | None) -> None:
    if method not in AGG_METHODS:
        raise ConfigError(
            problem=f"unknown aggregation method {method!r} for {_label(name)}",
            expected=f"one of {list(AGG_METHODS)}",
            fix="correct the aggregation method in the configuration",
        )
    if on_nonpositive not in ("refuse", "shift"):
        raise ConfigError(
            problem=f"on_nonpositive={on_nonpositive!r}",
            expected="'refuse' or 'shift'",
            fix="set on_nonpositive to 'refuse' or 'shift'",
        )
    if not 0.0 <= min_share <= 1.0:
        raise ConfigError(
            problem=f"min_share={min_share} is outside [0, 1]",
            expected="the minimum available weight share, between 0 and 1",
            fix="e.g. min_share: 0.5 to require half of the weight to be observed",
        )


def aggregate_arrays(
    x: np.ndarray,
    w: np.ndarray,
    method: str,
    *,
    groups: list[np.ndarray] | None = None,
    min_share: float = 0.0,
    on_nonpositive: str = "refuse",
    name: str | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Array core of :func:`aggregate_detail` (no pandas overhead, for the engine).

    ``x`` is (rows, children), ``w`` the children's weights (normalised here) and
    ``groups`` the row positions of each year (Copeland only; None = one group).
    Returns ``(score, effective_weights, amounts, shift)`` as in :class:`Aggregation`.
    """
    _check_options(method, on_nonpositive, min_share, name)
    w = np.asarray(w, dtype=float)
    if not np.isfinite(w).all() or (w < 0).any() or w.sum() <= 0:
        raise ConfigError(
            problem=f"weights of the children of {_label(name)} are {w.tolist()}",
            expected="finite weights >= 0, not all zero",
            fix="correct the weights",
        )
    w = w / w.sum()
    avail = ~np.isnan(x)
    wa = np.where(avail, w, 0.0)
    share = wa.sum(axis=1)
    ok = (share > 0) & (share >= min_share - 1e-12)
    with np.errstate(invalid="ignore", divide="ignore"):
        weff = np.where(avail & ok[:, None], wa / np.where(share > 0, share, 1.0)[:, None], np.nan)
    k = 0.0
    if method in ("geometric", "harmonic"):
        used = x[avail & ok[:, None]]
        lowest = float(used.min()) if used.size else 1.0
        if lowest <= 0:
            if on_nonpositive == "refuse":
                n_bad = int((used <= 0).sum())
                raise ConfigError(
                    problem=(
                        f"{method} aggregation of {_label(name)} needs strictly positive values, "
                        f"but {n_bad} values are <= 0 (minimum {lowest:g})"
                    ),
                    expected="all children scores > 0",
                    fix=(
                        "normalise to a strictly positive range, e.g. minmax with range (1, 100), "
                        "or set on_nonpositive='shift' (shifted mean, documented in scripts/aggregate.py)"
                    ),
                )
            k = 1.0 - lowest
    we = np.nan_to_num(weff)  # zeros for missing children, so the sums skip them
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        if method == "arithmetic":
            score = (we * np.where(avail, x, 0.0)).sum(axis=1)
            amounts = weff * x
        elif method == "geometric":
            logs = np.log(np.where(avail, x + k, 1.0))
            log_g = (we * logs).sum(axis=1)
            g = np.exp(log_g)
            score = g - k
            flat = np.abs(log_g) < 1e-12
            share_log = np.where(flat[:, None], weff, weff * logs / np.where(flat, 1.0, log_g)[:, None])
            amounts = g[:, None] * share_log - k * weff
        elif method == "harmonic":
            y = np.where(avail, x + k, 1.0)
            h = 1.0 / (we / y).sum(axis=1)
            score = h - k
            wy = (we * y).sum(axis=1)
            amounts = h[:, None] * weff * y / wy[:, None] - k * weff
        else:
            score, amounts = _copeland(groups or [np.arange(x.shape[0])], x, w, ok)
    score = np.where(ok, score, np.nan)
    amounts = np.where(ok[:, None] & avail, amounts, np.nan)
    return score, weff, amounts, k


def aggregate_detail(
    children: pd.DataFrame,
    weights: pd.Series,
    method: AggMethod = "arithmetic",
    *,
    min_share: float = 0.0,
    on_nonpositive: OnNonpositive = "refuse",
    name: str | None = None,
) -> Aggregation:
    """Aggregate ``children`` and decompose the score into per-child amounts.

    See the module docstring for the methods, missing data, the positivity rule and
    the decomposition. ``name`` (the node id) only labels error messages.
    """
    _check_options(method, on_nonpositive, min_share, name)
    w = _prepare(children, weights, name)
    score, weff, amounts, k = aggregate_arrays(
        children.to_numpy(dtype=float),
        w,
        method,
        groups=year_groups(children.index) if method == "copeland" else None,
        min_share=min_share,
        on_nonpositive=on_nonpositive,
        name=name,
    )
    idx = children.index
    return Aggregation(
        score=pd.Series(score, index=idx, name=name),
        effective_weights=pd.DataFrame(weff, index=idx, columns=children.columns),
        amounts=pd.DataFrame(amounts, index=idx, columns=children.columns),
        shift=k,
    )


def aggregate(
    children: pd.DataFrame,
    weights: pd.Series,
    method: AggMethod = "arithmetic",
    *,
    min_share: float = 0.0,
    on_nonpositive: OnNonpositive = "refuse",
    name: str | None = None,
) -> pd.Series:
    """Return the aggregate score of every row of ``children`` (Series, same index).

    Units: those of the children (e.g. 0..100 after min-max), or wins - losses for
    Copeland. NaN where the available weight share is below ``min_share``.
    """
    return aggregate_detail(
        children, weights, method, min_share=min_share, on_nonpositive=on_nonpositive, name=name
    ).score


def year_groups(index: pd.Index) -> list[np.ndarray]:
    """Row positions of each year (the index's second level); one group without one."""
    if isinstance(index, pd.MultiIndex) and index.nlevels >= 2:
        codes, _ = pd.factorize(index.get_level_values(1))
        order = np.argsort(codes, kind="stable")
        bounds = np.flatnonzero(np.diff(codes[order])) + 1
        return np.split(order, bounds)
    return [np.arange(len(index))]


def _copeland(groups: list[np.ndarray], x: np.ndarray, w: np.ndarray, ok: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    score = np.full(x.shape[0], np.nan)
    amounts = np.full(x.shape, np.nan)
    for rows in groups:
        rows = rows[ok[rows]]
        if rows.size == 0:
            continue
        xg = x[rows]
        # sgn[i, j, c] = +1 / -1 / 0 when unit i is better / worse / tied (or either NaN) on child c
        sgn = np.nan_to_num(np.sign(xg[:, None, :] - xg[None, :, :]))
        net = sgn @ w  # weighted margin of i over j
        net = np.where(np.abs(net) < _TIE_TOL, 0.0, net)
        score[rows] = np.sign(net).sum(axis=1)
        inv = np.where(net != 0, 1.0 / np.where(net != 0, np.abs(net), 1.0), 0.0)
        # credit of child c in unit i's contests: sum_j w_c sgn[i, j, c] / |net_ij|
        amounts[rows] = np.matmul(inv[:, None, :], sgn)[:, 0, :] * w
    return score, amounts
