"""The masking experiment: how accurate is each imputation chain on cells whose truth is known.

:func:`masking_experiment` hides observed cells, re-imputes them with each candidate chain
and two naive baselines (the indicator's global mean; last observation carried forward,
first carried back where no earlier one exists) and reports RMSE and MAE in raw units and
in units of the indicator's standard deviation (sample SD of all observed cells of the
window, ddof=1; 1 for a constant indicator) so that indicators can be pooled.

Classes of cells, and how they are hidden
-----------------------------------------
Which step of a chain fills a cell depends on where the cell sits in its series, so every
missing cell, real or hidden, is put in a class (:func:`scripts.impute.accuracy.classify_missing`,
:data:`~scripts.core.vocabulary.MASK_STRATA`): ``random`` (inside a gap of at most
``max_gap`` years: interpolate), ``long_gap`` (a longer interior gap: carry_forward, a
model, the group), ``end`` (at most ``max_extrap`` years beyond the first or last
observation: carry, trend), ``long_end`` (further out: carry_long, a model, the group) and
``series`` (a series with no observation: only a model or the group, and only with
``fill_unreported``).

Cells are hidden in strata aimed at these classes: a seeded ``share`` of all observed
cells at random; with ``end_segments``, the first or last 1..``max_extrap``
observations of a ``share`` of the series; end segments and interior runs as long as the
role's own long end gaps and long interior gaps (lengths drawn from them, so that the
hidden segments are as long as the real ones); and, with ``fill_unreported``, whole
series. Each structured stratum takes per role at least as many series (drawn at random
among those with enough observations that two remain; a series in one stratum only) as
it needs to hide ``min_cells`` cells. A hidden cell is reported under the class it falls
in once hidden (a random cell next to a hidden end segment is an end cell).

:func:`scripts.impute.accuracy.step_accuracy` counts, per chain, role and step, how many hidden cells the step
filled and with what error, and flags a step measured on fewer than ``min_cells``;
:func:`scripts.impute.accuracy.missing_strata` counts the panel's own missing cells per class, whose shares weight
the ``weighted`` accuracy rows on which :func:`recommend_methods` chooses.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from scripts.core import tables
from scripts.core.contract import conform, empty
from scripts.core.errors import ConfigError
from scripts.core.vocabulary import ROLES
from scripts.impute.accuracy import KIND, aggregate, classify_missing, missing_strata, step_accuracy, weighted_rows
from scripts.impute.cube import (
    STATUS_CODE,
    Cube,
    Labels,
    build_cube,
    combine,
    from_rows,
    needed_steps,
    step_fills,
    to_rows,
)
from scripts.impute.kernels import locf_fill
from scripts.impute.settings import (
    DEFAULT_CANDIDATES,
    ImputeSettings,
    chain_name,
    check_int,
    parse_chain,
)

log = logging.getLogger("ictmdg")


BASELINES: tuple[str, ...] = ("global_mean", "locf")


@dataclass(frozen=True)
class MaskDesign:
    """Which observed cells the masking experiment hides (see the module docstring).

    Attributes
    ----------
    share:
        Share of observed cells hidden at random, and of series losing an end segment.
    end_segments:
        Whether the structured strata (ends, long ends, long gaps, whole series) are hidden.
    min_cells:
        Hidden cells wanted per role in each structured stratum, and per step of a chain
        before its error counts as measured.

    Raises :class:`ConfigError` for a share outside [0, 1) or a negative ``min_cells``.
    """

    share: float = 0.1
    end_segments: bool = True
    min_cells: int = 200

    def __post_init__(self) -> None:
        if not 0.0 <= float(self.share) < 1.0:
            raise ConfigError(
                problem=f"masking share {self.share} is not in [0, 1)",
                expected="e.g. 0.1",
                fix="set impute.masking.share between 0 and 1",
            )
        object.__setattr__(self, "share", float(self.share))
        object.__setattr__(self, "min_cells", check_int("impute.masking.min_cells", self.min_cells))


def _gap_lengths(obs: np.ndarray, role_of: np.ndarray, settings: ImputeSettings) -> dict[str, dict[str, np.ndarray]]:
    """The panel's own long end gaps and long interior gaps (years), per stratum and role, from ``obs`` (S, T)."""
    t_len = obs.shape[1]
    has = obs.any(axis=1)
    lead = np.where(has, obs.argmax(axis=1), 0)
    trail = np.where(has, obs[:, ::-1].argmax(axis=1), 0)
    pos = np.arange(t_len)
    prev = np.maximum.accumulate(np.where(obs, pos, -1), axis=1)
    nxt = np.minimum.accumulate(np.where(obs, pos, t_len)[:, ::-1], axis=1)[:, ::-1]
    # A gap is counted once, at its first year.
    starts = ~obs & (prev >= 0) & (nxt < t_len) & (pos == prev + 1)
    r, c = np.nonzero(starts)
    gaps = nxt[r, c] - prev[r, c] - 1
    out: dict[str, dict[str, np.ndarray]] = {"long_end": {}, "long_gap": {}}
    for role in sorted(set(role_of.tolist())):
        mine = has & (role_of == role)
        ends = np.concatenate([lead[mine], trail[mine]])
        out["long_end"][role] = np.sort(ends[ends > settings.max_extrap])
        g = gaps[role_of[r] == role]
        out["long_gap"][role] = np.sort(g[g > settings.max_gap])
    return out


def _pick_series(
    eligible: np.ndarray, cells: np.ndarray, role_of: np.ndarray, share: float, min_cells: int, rng: np.random.Generator
) -> np.ndarray:
    """Series chosen for a stratum: per role, a ``share`` of the eligible ones, and enough to hide ``min_cells``."""
    chosen = np.zeros(eligible.shape, dtype=bool)
    for role in sorted(set(role_of[eligible].tolist())):
        order = rng.permutation(np.flatnonzero(eligible & (role_of == role)))
        needed = int(np.searchsorted(np.cumsum(cells[order]), min_cells)) + 1 if min_cells else 0
        chosen[order[: max(needed, int(round(share * order.size)))]] = True
    return chosen


def _mask(cube: Cube, design: MaskDesign, settings: ImputeSettings, rng: np.random.Generator) -> np.ndarray:
    """Stratum code of each hidden cell (0 not hidden, :data:`KIND` otherwise), shape (U, T, I)."""
    obs = ~np.isnan(cube.x)
    kind = np.zeros(cube.shape, dtype="int8")
    flat = np.flatnonzero(obs)
    n_random = int(round(design.share * flat.size))
    if n_random:
        kind.reshape(-1)[rng.choice(flat, size=n_random, replace=False)] = KIND["random"]
    if not design.end_segments:
        return kind
    a = to_rows(obs.astype("float64")) > 0
    n_series = a.shape[0]
    n_obs = a.sum(axis=1)
    role_of = np.tile(cube.roles, cube.shape[0])
    from_start = np.cumsum(a, axis=1)
    from_end = np.cumsum(a[:, ::-1], axis=1)[:, ::-1]
    real = _gap_lengths(~np.isnan(to_rows(cube.x)), role_of, settings)
    taken = np.zeros(n_series, dtype=bool)
    strata = ["end", "long_end", "long_gap"] + (["series"] if settings.fill_unreported else [])
    for stratum in strata:
        if stratum == "series":
            length = n_obs
            eligible = ~taken & (n_obs >= 1)
        elif stratum == "end":
            length = rng.integers(1, max(settings.max_extrap, 1) + 1, n_series)
            eligible = ~taken & (n_obs >= length + 2)
        else:
            # Lengths drawn from the role's own long gaps, so the hidden segments are as long as the real ones;
            # a role without such gaps has no cells of the stratum to impute and none are hidden.
            length = np.zeros(n_series, dtype="int64")
            for role, lengths in real[stratum].items():
                mine = role_of == role
                if lengths.size:
                    length[mine] = rng.choice(lengths, size=int(mine.sum()))
            # At least two observations must remain (one on each side of a gap), or no trend can be fitted.
            eligible = ~taken & (length > 0) & (n_obs >= length + 2)
        share = design.share if stratum == "end" else 0.0
        pick = _pick_series(eligible, length, role_of, share, design.min_cells, rng)
        if stratum == "series":
            seg = a & pick[:, None]
        elif stratum == "long_gap":
            # The run starts after the j-th observation, j in 1..n_obs-length-1.
            j = rng.integers(1, np.maximum(n_obs - length, 2))
            seg = a & pick[:, None] & (from_start > j[:, None]) & (from_start <= (j + length)[:, None])
        else:
            at_end = rng.integers(0, 2, n_series).astype(bool)
            rank = np.where(at_end[:, None], from_end, from_start)
            seg = a & pick[:, None] & (rank <= length[:, None])
        taken |= pick
        kind = np.where(from_rows(seg, cube.shape), KIND[stratum], kind).astype("int8")
    return kind


def _baseline_value(cube: Cube, xm: np.ndarray, name: str) -> np.ndarray:
    if name == "global_mean":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            mean = np.nanmean(xm.reshape(-1, xm.shape[2]), axis=0)
        return np.where(np.isnan(xm), mean[None, None, :], xm)
    fill = from_rows(locf_fill(to_rows(xm)), xm.shape)
    return np.where(np.isnan(xm), fill, xm)


def masked_run(
    cube: Cube,
    chains_by_method: Mapping[str, Mapping[str, Sequence[str]]],
    settings: ImputeSettings,
    design: MaskDesign,
    baselines: Sequence[str],
    labels: Labels,
) -> pd.DataFrame:
    """Per hidden cell and method: indicator index, stratum code, error, and status, label and step codes."""
    rng = np.random.default_rng([settings.seed, 1])
    kind = _mask(cube, design, settings, rng)
    hidden = kind > 0
    xm = np.where(hidden, np.nan, cube.x)
    need: dict[str, set[str]] = {}
    for chains in chains_by_method.values():
        for s, r in needed_steps(chains).items():
            need.setdefault(s, set()).update(r)
    fills = step_fills(cube, xm, {s: frozenset(r) for s, r in sorted(need.items())}, settings, labels)
    idx = np.nonzero(hidden)
    truth = cube.x[idx]
    ind = idx[2]
    # Each hidden cell is reported under the class of real missing cells it resembles once hidden.
    kind = classify_missing(xm, settings)
    parts = []
    for method, chains in chains_by_method.items():
        value, status, label, step = combine(cube, xm, fills, chains, settings.fill_unreported)
        parts.append((method, False, value[idx], status[idx], label[idx], step[idx]))
    for b in baselines:
        value = _baseline_value(cube, xm, b)
        pred = value[idx]
        parts.append(
            (
                b,
                True,
                pred,
                np.where(np.isnan(pred), STATUS_CODE["missing"], STATUS_CODE["model"]),
                np.ones_like(ind),
                np.full(ind.shape, -1),
            )
        )
    frames = []
    for method, is_base, pred, status, label, step in parts:
        err = pred - truth
        frames.append(
            pd.DataFrame(
                {
                    "method": method,
                    "baseline": is_base,
                    "ind": ind,
                    "kind": kind[idx],
                    "err": err,
                    "z": err / cube.scale[ind],
                    "status": status.astype("int8"),
                    "label": label.astype("int16"),
                    "step": step.astype("int8"),
                }
            )
        )
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def masking_tables(
    panel: pd.DataFrame,
    catalogue: pd.DataFrame,
    groups: pd.DataFrame,
    first: int,
    last: int,
    *,
    share: float = 0.1,
    end_segments: bool = True,
    min_cells: int = 0,
    methods: Sequence[str | Sequence[str]] = DEFAULT_CANDIDATES,
    settings: ImputeSettings = ImputeSettings(),
    screening: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Measure each imputation chain by hiding observed cells and imputing them again.

    Cells are hidden in the strata of the module docstring: a seeded random ``share`` of
    the observed cells; with ``end_segments``, a ``share`` of the series lose their first
    or last 1..``max_extrap`` observations, and per role each structured stratum hides at
    least ``min_cells`` cells (0: the long strata are not drawn). Each chain in
    ``methods`` is applied to every role, and the baselines ``global_mean`` and ``locf``
    are scored alongside. Screening is that of the full panel, so the cells are the same
    for every method. With ``settings.fill_unreported`` off, a series left with no
    observation once its cells are hidden is not filled by any chain (as in the point
    imputation), so no chain is credited with cells it would never fill.

    Returns ``(accuracy, steps, missingness)``, the tables of :mod:`scripts.impute.accuracy`.
    ``accuracy`` is :data:`scripts.core.tables.ACCURACY`: per method x indicator x class of
    cell (and "all"), plus pooled rows per method x role and per method
    (``indicator="all"``; ``role="all"`` for the latter), and per method x role the
    ``weighted`` rows: the classes weighted by how often the panel's own missing cells fall
    in each (``missingness``), the error to expect of the real imputation. RMSE and MAE
    are given in the indicator's raw units and in units of its standard deviation
    (``*_sd``; the only scale on which pooled rows are reported). Errors are over the
    hidden cells each method filled; ``coverage`` says what share that is. ``steps`` is
    :data:`scripts.core.tables.STEP_ACCURACY`. ``settings`` are those of
    :func:`scripts.impute.point.impute_panel` (its seed also draws the hidden cells).
    """
    design = MaskDesign(share=share, end_segments=end_segments, min_cells=min_cells)
    named = {chain_name(parse_chain(m)): parse_chain(m) for m in methods}
    cube = build_cube(panel, catalogue, groups, first, last, screening)
    if not cube.x.size:
        log.warning("masking: nothing to measure (no kept economy or indicator)")
        return empty(tables.ACCURACY), empty(tables.STEP_ACCURACY), empty(tables.MISSINGNESS)
    chains_by_method = {name: {r: steps for r in ROLES} for name, steps in named.items()}
    res = masked_run(cube, chains_by_method, settings, design, BASELINES, Labels())
    if not len(res):
        log.warning("masking: no observed cell was hidden (share %s too small for this panel)", share)
    steps = step_accuracy(res, cube, named, design.min_cells)
    missingness = missing_strata(cube, settings)
    short = steps.loc[(steps["cells"] == "all") & ~steps["measured"] & (steps["n"] > 0)]
    for r in short.itertuples():
        log.info(
            "masking: %s, %s: step %s measured on %d hidden cells only (< %d)", r.method, r.role, r.step, r.n, min_cells
        )
    acc = aggregate(res, cube)
    acc = pd.concat([acc, weighted_rows(acc, missingness)], ignore_index=True)
    acc = acc.sort_values(["baseline", "method", "role", "indicator", "cells"], kind="stable", ignore_index=True)
    return conform(acc, tables.ACCURACY), steps, missingness


def masking_experiment(
    panel: pd.DataFrame, catalogue: pd.DataFrame, groups: pd.DataFrame, first: int, last: int, **kw: Any
) -> pd.DataFrame:
    """The accuracy table of :func:`masking_tables` (same arguments), without the per-step table."""
    return masking_tables(panel, catalogue, groups, first, last, **kw)[0]


def ranked_chains(accuracy: pd.DataFrame, *, min_coverage: float = 0.95) -> dict[str, list[str]]:
    """Per role, the competing chains from the most to the least accurate in the masking experiment.

    The RMSE (in SD units) is that of the ``weighted`` rows (the strata weighted as the
    panel's own missing cells) where the table has them for the role, else the pooled
    ``all`` rows. Only non-baseline chains that filled at least ``min_coverage`` of the
    role's hidden cells compete (a chain that leaves the hard cells empty would otherwise
    look best); ties go to the lower MAE, then the name. A role no chain qualifies for is
    left out (logged).

    Returns role -> chain names (usable as methods of :func:`scripts.impute.point.impute_panel`), best first.
    """
    out: dict[str, list[str]] = {}
    for role, part in _role_rows(accuracy).groupby("role", sort=True):
        cand = part.loc[~part["baseline"] & (part["coverage"] >= min_coverage) & part["rmse_sd"].notna()]
        if cand.empty:
            log.warning(
                "recommend: no chain covers %.0f%% of hidden %s cells; none recommended", 100 * min_coverage, role
            )
            continue
        out[str(role)] = [str(m) for m in cand.sort_values(["rmse_sd", "mae_sd", "method"], kind="stable")["method"]]
    return out


def chain_rmse(accuracy: pd.DataFrame) -> dict[tuple[str, str], float]:
    """(role, chain) -> the RMSE in SD units that :func:`ranked_chains` ranks the chains of the role on."""
    rows = _role_rows(accuracy)
    rows = rows[~rows["baseline"]]
    return {(str(r.role), str(r.method)): float(r.rmse_sd) for r in rows.itertuples()}


def _role_rows(accuracy: pd.DataFrame) -> pd.DataFrame:
    """The rows of ``accuracy`` chains are ranked on: per role, the weighted strata where present, else all cells."""
    pooled = accuracy.loc[(accuracy["indicator"] == "all") & (accuracy["role"] != "all")]
    weighted_roles = set(pooled.loc[pooled["cells"] == "weighted", "role"])
    return pooled.loc[
        np.where(pooled["role"].isin(weighted_roles), pooled["cells"] == "weighted", pooled["cells"] == "all")
    ]


def recommend_methods(accuracy: pd.DataFrame, *, min_coverage: float = 0.95) -> dict[str, str]:
    """Pick per role the most accurate chain of :func:`ranked_chains`.

    A warning is logged when a naive baseline beats the pick. Returns role -> chain name
    (usable as a method of :func:`scripts.impute.point.impute_panel`), for every role a
    chain qualifies for.
    """
    rows = _role_rows(accuracy)
    rmse = chain_rmse(accuracy)
    out: dict[str, str] = {}
    for role, chains in ranked_chains(accuracy, min_coverage=min_coverage).items():
        out[role] = chains[0]
        best = rmse[(role, chains[0])]
        base = rows.loc[(rows["role"] == role) & rows["baseline"] & rows["rmse_sd"].notna(), "rmse_sd"]
        if len(base) and base.min() < best:
            log.warning(
                "recommend: for %s, a naive baseline (RMSE %.3f SD) beats %s (%.3f SD)",
                role,
                base.min(),
                chains[0],
                best,
            )
    return out
