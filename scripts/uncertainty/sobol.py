"""Variance-based sensitivity: first-order and total Sobol' indices of the uncertain inputs.

The design is SALib's Saltelli/Sobol' quasi-random design without second-order terms
(:func:`SALib.sample.sobol.sample`, scrambled, seeded): ``N`` base samples, each giving
``G + 2`` rows (A, one A_B row per input, B), with the weights of all perturbed nodes
as one *group* (one input). Discrete inputs map from the unit interval without bias
(:meth:`scripts.uncertainty.inputs.InputSpace.choices`).

Two targets, on the latest year of the analysis window:

``mean_rank_shift``
    the mean absolute difference between an economy's rank in the replication and its
    nominal (published) rank, over the economies with both;
``rank``
    each economy's rank (economies that every replication scored).

:func:`sobol_indices` is SALib's estimator (:func:`SALib.analyze.sobol.analyze`: output
standardised, Saltelli et al. 2010 first order, Jansen total effect, bootstrap
confidence half-widths ``z * sd`` over resamples of the base samples), vectorised over
many targets at once; the tests check it against SALib itself. The convergence table
repeats the analysis of ``mean_rank_shift`` on the first ``N / 2^d, ..., N / 2, N`` base
samples (a prefix of a Sobol' sequence is a Sobol' design of that size).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from SALib.sample import sobol as sobol_sample
from scipy.stats import norm

from scripts.core.errors import ConfigError
from scripts.uncertainty.batched import BatchedIndex
from scripts.uncertainty.inputs import InputSpace

#: Targets computed per column block (bounds the bootstrap's memory: N x resamples x block).
_BLOCK = 16


def problem(space: InputSpace) -> dict:
    """The SALib problem of ``space``: unit-interval variables, grouped by input."""
    variables = space.variables
    return {
        "num_vars": len(variables),
        "names": [name for name, _ in variables],
        "bounds": [[0.0, 1.0]] * len(variables),
        "groups": [group for _, group in variables],
    }


def design(space: InputSpace, base_samples: int, seed: int) -> np.ndarray:
    """SALib's Sobol' design (base_samples x (inputs + 2) rows, one column per variable), in [0, 1]."""
    if len(space.inputs) < 1:
        raise ConfigError(
            problem="no uncertain input varies, so there is nothing to analyse",
            file="config",
            column="uncertainty.inputs",
            fix="set vary: true for at least one input",
        )
    if base_samples & (base_samples - 1):
        raise ConfigError(
            problem=f"uncertainty.sobol.base_samples = {base_samples} is not a power of 2",
            file="config",
            column="uncertainty.sobol.base_samples",
            expected="a power of 2 (the balance properties of Sobol' sequences hold for those)",
            fix="e.g. 1024 or 4096",
        )
    return sobol_sample.sample(problem(space), base_samples, calc_second_order=False, scramble=True, seed=seed)


@dataclass(frozen=True)
class SobolResult:
    """First-order and total indices with confidence half-widths, (inputs, targets) each."""

    first: np.ndarray
    first_conf: np.ndarray
    total: np.ndarray
    total_conf: np.ndarray


def sobol_indices(y: np.ndarray, groups: int, *, resamples: int, confidence: float, seed: int) -> SobolResult:
    """Sobol' indices of every column of ``y`` ((N x (groups + 2)) rows in design order, targets).

    As :func:`SALib.analyze.sobol.analyze` with ``calc_second_order=False`` and the same
    seed: each column standardised, first order ``mean(B (AB_j - A)) / var(A, B)``,
    total ``mean((A - AB_j)^2) / 2 / var(A, B)``, confidence half-width ``z sd`` of the
    estimates over ``resamples`` bootstrap resamples of the base samples. A constant
    column gets 0 everywhere. Dimensionless shares of the output variance.
    """
    y = np.asarray(y, dtype=float)
    if y.ndim == 1:
        y = y[:, None]
    step = groups + 2
    n = y.shape[0] // step
    sd = y.std(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        y = np.where(sd > 0, (y - y.mean(axis=0)) / np.where(sd > 0, sd, 1.0), 0.0)
    a, b = y[0::step], y[step - 1 :: step]
    ab = np.stack([y[j + 1 :: step] for j in range(groups)])  # (groups, N, targets)
    r = np.random.default_rng(seed).integers(n, size=(n, resamples))
    z = norm.ppf(0.5 + confidence / 2)
    t = y.shape[1]
    out = {k: np.zeros((groups, t)) for k in ("s1", "s1c", "st", "stc")}
    for lo in range(0, t, _BLOCK):
        cols = slice(lo, min(lo + _BLOCK, t))
        ac, bc = a[:, cols], b[:, cols]
        var = np.var(np.r_[ac, bc], axis=0)
        ar, br = ac[r], bc[r]  # (N, resamples, block)
        var_r = np.var(np.concatenate([ar, br], axis=0), axis=0)
        flat = np.ptp(np.concatenate([ar, br], axis=0), axis=(0, 1)) == 0
        for j in range(groups):
            abc = ab[j][:, cols]
            abr = abc[r]
            with np.errstate(invalid="ignore", divide="ignore"):
                s1 = np.where(var > 0, np.mean(bc * (abc - ac), axis=0) / var, 0.0)
                st = np.where(var > 0, 0.5 * np.mean((ac - abc) ** 2, axis=0) / var, 0.0)
                s1r = np.where(var_r > 0, np.mean(br * (abr - ar), axis=0) / var_r, 0.0)
                str_ = np.where(var_r > 0, 0.5 * np.mean((ar - abr) ** 2, axis=0) / var_r, 0.0)
            out["s1"][j, cols] = s1
            out["st"][j, cols] = st
            out["s1c"][j, cols] = np.where(flat, 0.0, z * s1r.std(axis=0, ddof=1))
            out["stc"][j, cols] = np.where(flat, 0.0, z * str_.std(axis=0, ddof=1))
    return SobolResult(out["s1"], out["s1c"], out["st"], out["stc"])


def targets(engine: BatchedIndex, scores: np.ndarray, nominal_rank: pd.Series) -> tuple[np.ndarray, np.ndarray, list]:
    """The two targets on the latest year: (mean rank shift (M,), ranks (M, economies), their iso3 codes).

    ``scores`` are the design's root scores (M, economy-years); ``nominal_rank`` the
    published latest-year rank by iso3. The rank target keeps the economies every
    replication scored.
    """
    latest = engine.years.max()
    rows = np.flatnonzero(engine.years == latest)
    ranks = engine.ranks(scores[:, rows], rows)
    units = engine.index.get_level_values(0)[rows]
    nominal = nominal_rank.reindex(units).to_numpy(dtype=float)
    with np.errstate(invalid="ignore"):
        shift = np.nanmean(np.abs(ranks - nominal[None, :]), axis=1)
    keep = ~np.isnan(ranks).any(axis=0)
    return shift, ranks[:, keep], list(units[keep])


def settled(convergence: pd.DataFrame, tolerance: float) -> pd.Series:
    """Per convergence row: True when it and every larger design stay within ``tolerance`` of the largest design.

    Both the first-order and the total index count; ``convergence`` has columns
    base_samples, input, first_order, total.
    """
    t = convergence.sort_values(["input", "base_samples"])
    final = t.groupby("input")[["first_order", "total"]].transform("last")
    close = (t[["first_order", "total"]] - final).abs().max(axis=1) <= tolerance
    # within tolerance from this row on: a reversed cumulative AND per input
    ok = close[::-1].groupby(t["input"][::-1]).cummin()[::-1]
    return ok.reindex(convergence.index).astype(bool)


def sobol_tables(
    engine: BatchedIndex, nominal_rank: pd.Series, settings: Mapping[str, Any], seed: int, batch: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Run the Sobol' design of ``engine`` and return the SOBOL and SOBOL_CONVERGENCE tables.

    ``nominal_rank`` is the published latest-year rank by iso3, ``settings`` the
    ``uncertainty.sobol`` block (base_samples, doublings, resamples, confidence,
    tolerance); the design and the bootstrap are seeded with ``seed``.
    """
    u = design(engine.space, int(settings["base_samples"]), seed)
    scores = engine.scores(engine.space.choices(u), batch=batch)
    shift, ranks, units = targets(engine, scores, nominal_rank)
    groups = engine.space.inputs
    opts = {"resamples": int(settings["resamples"]), "confidence": float(settings["confidence"]), "seed": seed}
    columns = ["target", "iso3", "input", "first_order", "first_order_conf", "total", "total_conf"]
    frames = []
    for target, y, codes in (("mean_rank_shift", shift, [""]), ("rank", ranks, units)):
        res = sobol_indices(y, len(groups), **opts)
        frames.append(
            pd.DataFrame(
                {
                    "target": target,
                    "iso3": np.repeat(np.asarray(codes, dtype=object), len(groups)),
                    "input": np.tile(np.asarray(groups, dtype=object), len(codes)),
                    "first_order": res.first.T.ravel(),
                    "first_order_conf": res.first_conf.T.ravel(),
                    "total": res.total.T.ravel(),
                    "total_conf": res.total_conf.T.ravel(),
                }
            )
        )
    table = pd.concat(frames, ignore_index=True)[columns].sort_values(["target", "iso3", "input"], ignore_index=True)
    conv = []
    n_max, step = int(settings["base_samples"]), len(groups) + 2
    for d in range(int(settings["doublings"]), -1, -1):
        n = n_max // 2**d
        res = sobol_indices(shift[: n * step], len(groups), **opts)
        conv.append(
            pd.DataFrame(
                {
                    "base_samples": n,
                    "input": groups,
                    "first_order": res.first[:, 0],
                    "first_order_conf": res.first_conf[:, 0],
                    "total": res.total[:, 0],
                    "total_conf": res.total_conf[:, 0],
                }
            )
        )
    convergence = pd.concat(conv, ignore_index=True)
    convergence["settled"] = settled(convergence, float(settings["tolerance"]))
    return table, convergence.sort_values(["base_samples", "input"], ignore_index=True)
