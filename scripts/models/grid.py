"""The specification grid: every outcome x measure x specification, fitted on every draw and pooled.

A specification is an estimator (``fe`` two-way fixed effects; ``fd`` first differences
and ``ld`` long differences, each with year effects), a control set and an ICT lag k:

    fe: y_it          = b x_i,t-k                + g'c_it              + a_i + l_t + e_it
    fd: y_it - y_i,t-1 = b (x_i,t-k - x_i,t-k-1) + g'(c_it - c_i,t-1)        + l_t + e_it
    ld: the same with differences over ``long_difference`` years.

The headline specification also gets the lead (placebo) term x_i,t+lead (transformed
like x). Each sample is the economy-years where the outcome is observed and every
regressor exists on every draw, so all draws share one sample.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from scripts.core.errors import InvariantError
from scripts.core.vocabulary import SeType
from scripts.models.fe import Sample, fit_draws
from scripts.models.pooling import rubin
from scripts.models.settings import ModelSettings, Spec

#: Fewest economies and residual degrees of freedom a sample needs to be fitted.
MIN_ECONOMIES = 10
MIN_RESIDUAL_DF = 10


def shifted(a: np.ndarray, s: int) -> np.ndarray:
    """``a`` (..., T) with the value of year t - s at year t (s < 0: a later year); NaN outside."""
    out = np.full(a.shape, np.nan)
    t = a.shape[-1]
    if s >= 0:
        out[..., s:] = a[..., : t - s]
    else:
        out[..., : t + s] = a[..., -s:]
    return out


def transformed(a: np.ndarray, shift: int, span: int) -> np.ndarray:
    """The level at t - shift (span 0), or its difference over ``span`` years."""
    return shifted(a, shift) - shifted(a, shift + span) if span else shifted(a, shift)


@dataclass(frozen=True)
class Design:
    """One estimation sample and its arrays."""

    sample: Sample
    y: np.ndarray  # (n,)
    x: np.ndarray  # (n, m, p): the ICT term, the lead term if any, then the controls
    terms: list[str]
    entity_effects: bool


def spans(spec: Spec, long_difference: int) -> int:
    """The difference span of ``spec``'s estimator: 0 (levels), 1 or ``long_difference``."""
    return {"fe": 0, "fd": 1, "ld": long_difference}[spec.estimator]


def control_block(controls: Sequence[np.ndarray], span: int) -> tuple[np.ndarray, np.ndarray]:
    """The controls transformed for ``span`` (m, E, T, c) and where all of them exist on every draw (E, T).

    The same for every outcome and measure, so a run computes each block once.
    """
    if not controls:
        return np.empty((0,)), np.ones((1, 1), dtype=bool)
    block = np.stack([transformed(c, 0, span) for c in controls], axis=-1)
    return block, np.isfinite(block).all(axis=(0, -1))


def design(
    y: np.ndarray,
    x: np.ndarray,
    controls: Sequence[np.ndarray],
    spec: Spec,
    *,
    long_difference: int,
    lead: int | None = None,
    block: tuple[np.ndarray, np.ndarray] | None = None,
) -> Design | None:
    """Build the sample of ``spec`` from the grid arrays; None when it is too small to fit.

    ``y`` is (E, T), ``x`` and each control (m, E, T); ``block`` is
    :func:`control_block` of the controls for this span, when already computed.
    """
    span = spans(spec, long_difference)
    ctl, ctl_ok = block if block is not None else control_block(controls, span)
    cols = [transformed(x, spec.lag, span)]
    terms = ["ict"]
    if lead is not None:
        cols.append(transformed(x, -lead, span))
        terms.append("lead")
    terms += [f"control{i}" for i in range(len(controls))]
    yy = transformed(y, 0, span)
    xs = np.stack(cols, axis=-1)  # (m, E, T, q): the ICT terms
    mask = np.isfinite(yy) & ctl_ok & np.isfinite(xs).all(axis=(0, -1))
    e_idx, t_idx = np.nonzero(mask)  # row-major: sorted by economy, then year
    if e_idx.size == 0:
        return None
    new_economy = np.r_[True, e_idx[1:] != e_idx[:-1]]
    if int(new_economy.sum()) < MIN_ECONOMIES:
        return None
    present = np.zeros(mask.shape[1], dtype=bool)
    present[t_idx] = True
    sample = Sample(np.cumsum(new_economy) - 1, (np.cumsum(present) - 1)[t_idx])
    k = len(terms) + sample.n_periods
    if sample.n - k < MIN_RESIDUAL_DF:
        return None
    rows = xs[:, e_idx, t_idx, :]
    if controls:
        rows = np.concatenate([rows, ctl[:, e_idx, t_idx, :]], axis=-1)
    return Design(
        sample, yy[e_idx, t_idx], np.ascontiguousarray(rows.transpose(1, 0, 2)), terms, spec.estimator == "fe"
    )


@dataclass(frozen=True)
class PooledFit:
    """The pooled result of one term of one specification under one SE type."""

    term: str
    se_type: SeType
    estimate: float
    se: float
    df: float  # Barnard-Rubin (p-values and intervals are computed for the whole table at once)
    within: float
    between: float
    total: float
    fmi: float
    std_estimate: float  # estimate x sd(x) / sd(y), both after the effects are absorbed
    n_obs: int
    n_economies: int
    r2_within: float
    m: int


def fit_and_pool(d: Design, se_types: Sequence[SeType], bandwidth: int) -> list[PooledFit]:
    """Fit ``d`` on every draw and pool the ICT (and lead) terms by Rubin's rules under each SE type."""
    try:
        fits = fit_draws(
            d.sample, d.y, d.x, entity_effects=d.entity_effects, se_types=tuple(se_types), bandwidth=bandwidth
        )
    except InvariantError:
        return []  # a regressor without variation in this sample (reported as a missing specification)
    out = []
    for j, term in enumerate(d.terms):
        if term not in ("ict", "lead"):
            continue
        for kind in se_types:
            pooled = rubin(fits.coef[:, j], fits.se[kind][:, j] ** 2, fits.df[kind])
            scale = float(fits.sd_x[:, j].mean() / fits.sd_y) if fits.sd_y > 0 else np.nan
            out.append(
                PooledFit(
                    term,
                    kind,
                    float(pooled.estimate),
                    float(pooled.se),
                    float(pooled.df),
                    float(pooled.within),
                    float(pooled.between),
                    float(pooled.total),
                    float(pooled.fmi),
                    float(pooled.estimate) * scale,
                    fits.n,
                    fits.n_entities,
                    float(fits.r2_within.mean()),
                    pooled.m,
                )
            )
    return out


def run_specs(
    y: np.ndarray,
    x: np.ndarray,
    controls: Mapping[str, np.ndarray],
    settings: ModelSettings,
    blocks: dict[tuple[str, int], tuple[np.ndarray, np.ndarray]] | None = None,
) -> list[tuple[Spec, bool, PooledFit]]:
    """Every specification of ``settings`` for one outcome and measure, plus the headline's lead test.

    ``blocks`` caches :func:`control_block` per (control set, span) across calls. Returns
    (spec, with_lead, pooled fit) for each term kept; specifications whose sample is too
    small, or whose ICT term has no variation, are absent.
    """
    blocks = {} if blocks is None else blocks
    out = []
    head = settings.headline_spec
    for spec in settings.specs():
        cs = [controls[c] for c in settings.control_sets[spec.controls]]
        key = (spec.controls, spans(spec, settings.long_difference))
        if key not in blocks:
            blocks[key] = control_block(cs, key[1])
        for lead in (None, settings.lead) if spec == head else (None,):
            d = design(y, x, cs, spec, long_difference=settings.long_difference, lead=lead, block=blocks[key])
            if d is None:
                continue
            for f in fit_and_pool(d, settings.se_types, settings.dk_bandwidth):
                out.append((spec, lead is not None, f))
    return out
