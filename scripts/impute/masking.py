"""The masking experiment: how accurate is each imputation chain on cells whose truth is known.

:func:`masking_experiment` hides a seeded random share of observed cells plus whole end
segments (the first or last 1-3 observations of some series, since extrapolation is the
hard case), re-imputes them with each candidate chain and two naive baselines (the
indicator's global mean; last observation carried forward, first carried back where no
earlier one exists) and reports RMSE and MAE in raw units and in units of the indicator's
standard deviation (sample SD of all observed cells of the window, ddof=1; 1 for a
constant indicator) so that indicators can be pooled.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from scripts.core import tables
from scripts.core.contract import conform, empty
from scripts.core.errors import ConfigError
from scripts.core.vocabulary import ROLES
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
    parse_chain,
)

log = logging.getLogger("ictmdg")

#: Kinds of hidden cell.
_RANDOM, _END = 1, 2

BASELINES: tuple[str, ...] = ("global_mean", "locf")


def _mask(
    cube: Cube, share: float, end_segments: bool, rng: np.random.Generator, end_lengths: tuple[int, int] = (1, 3)
) -> np.ndarray:
    """Kind of each hidden cell (0 not hidden, 1 random, 2 end segment), shape (U, T, I)."""
    obs = ~np.isnan(cube.x)
    kind = np.zeros(cube.shape, dtype="int8")
    flat = np.flatnonzero(obs)
    n_random = int(round(share * flat.size))
    if n_random:
        kind.reshape(-1)[rng.choice(flat, size=n_random, replace=False)] = _RANDOM
    if end_segments:
        a = to_rows(obs.astype("float64")) > 0
        n_series = a.shape[0]
        pick = rng.random(n_series) < share
        at_end = rng.integers(0, 2, n_series).astype(bool)
        length = rng.integers(end_lengths[0], end_lengths[1] + 1, n_series)
        # At least two observations must remain, or no trend (and often nothing) can be fitted.
        eligible = pick & (a.sum(axis=1) >= length + 2)
        from_end = np.cumsum(a[:, ::-1], axis=1)[:, ::-1]
        from_start = np.cumsum(a, axis=1)
        rank = np.where(at_end[:, None], from_end, from_start)
        seg = a & eligible[:, None] & (rank <= length[:, None])
        kind = np.where(from_rows(seg, cube.shape), _END, kind).astype("int8")
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
    share: float,
    end_segments: bool,
    baselines: Sequence[str],
    labels: Labels,
) -> pd.DataFrame:
    """Per hidden cell and method: indicator index, cell kind, error, label and status codes."""
    if not 0.0 <= share < 1.0:
        raise ConfigError(
            problem=f"masking share {share} is not in [0, 1)",
            expected="e.g. 0.1",
            fix="set the masking share between 0 and 1",
        )
    rng = np.random.default_rng([settings.seed, 1])
    kind = _mask(cube, share, end_segments, rng)
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
    parts = []
    for method, chains in chains_by_method.items():
        value, status, label = combine(cube, xm, fills, chains)
        parts.append((method, False, value[idx], status[idx], label[idx]))
    for b in baselines:
        value = _baseline_value(cube, xm, b)
        pred = value[idx]
        parts.append(
            (b, True, pred, np.where(np.isnan(pred), STATUS_CODE["missing"], STATUS_CODE["model"]), np.ones_like(ind))
        )
    frames = []
    for method, is_base, pred, status, label in parts:
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
                }
            )
        )
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _aggregate(res: pd.DataFrame, cube: Cube) -> pd.DataFrame:
    if not len(res):
        return empty(tables.ACCURACY)
    res = res.assign(
        role=cube.roles[res["ind"].to_numpy()],
        indicator=np.array(cube.indicators, dtype=object)[res["ind"].to_numpy()],
        cells=np.where(res["kind"].to_numpy() == _END, "end", "random"),
        filled=res["err"].notna(),
        e2=res["err"] ** 2,
        ae=res["err"].abs(),
        z2=res["z"] ** 2,
        az=res["z"].abs(),
    )
    both = pd.concat([res, res.assign(cells="all")], ignore_index=True)
    out = []
    for keys, pooled in (
        (["method", "baseline", "role", "indicator", "cells"], False),
        (["method", "baseline", "role", "cells"], True),
        (["method", "baseline", "cells"], True),
    ):
        agg = (
            both.groupby(keys, observed=True, sort=True)
            .agg(
                n_masked=("filled", "size"),
                n=("filled", "sum"),
                mse=("e2", "mean"),
                mae=("ae", "mean"),
                mse_sd=("z2", "mean"),
                mae_sd=("az", "mean"),
            )
            .reset_index()
        )
        if pooled:
            agg = agg.assign(mse=np.nan, mae=np.nan, scale=np.nan, indicator="all")
            if "role" not in keys:
                agg = agg.assign(role="all")
        else:
            agg = agg.assign(scale=cube.scale[pd.Index(cube.indicators).get_indexer(agg["indicator"])])
        out.append(agg)
    acc = pd.concat(out, ignore_index=True)
    acc = acc.assign(
        coverage=acc["n"] / acc["n_masked"],
        rmse=np.sqrt(acc["mse"]),
        rmse_sd=np.sqrt(acc["mse_sd"]),
    )
    acc = acc.sort_values(["baseline", "method", "role", "indicator", "cells"], kind="stable").reset_index(drop=True)
    return conform(acc, tables.ACCURACY)


def masking_experiment(
    panel: pd.DataFrame,
    catalogue: pd.DataFrame,
    groups: pd.DataFrame,
    first: int,
    last: int,
    *,
    share: float = 0.1,
    end_segments: bool = True,
    methods: Sequence[str | Sequence[str]] = DEFAULT_CANDIDATES,
    settings: ImputeSettings = ImputeSettings(),
    screening: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Measure each imputation chain by hiding observed cells and imputing them again.

    A seeded random ``share`` of the observed cells is hidden; with ``end_segments``, a
    ``share`` of the series (those with enough observations that two remain) also lose
    their first or last 1-3 observations. Each chain in ``methods`` is applied to every
    role, and the baselines ``global_mean`` and ``locf`` are scored alongside. Screening
    is that of the full panel, so the cells are the same for every method.

    Returns the :data:`scripts.core.tables.ACCURACY` table: per method x indicator x cell kind
    ("random", "end", "all"), plus pooled rows per method x role and per method
    (``indicator="all"``; ``role="all"`` for the latter). RMSE and MAE are given in the
    indicator's raw units and in units of its standard deviation (``*_sd``; the only
    scale on which pooled rows are reported). Errors are over the hidden cells each
    method filled; ``coverage`` says what share that is. ``settings`` are those of
    :func:`scripts.impute.point.impute_panel` (its seed also draws the hidden cells).
    """
    named = {chain_name(parse_chain(m)): parse_chain(m) for m in methods}
    cube = build_cube(panel, catalogue, groups, first, last, screening)
    if not cube.x.size:
        log.warning("masking: nothing to measure (no kept economy or indicator)")
        return empty(tables.ACCURACY)
    chains_by_method = {name: {r: steps for r in ROLES} for name, steps in named.items()}
    res = masked_run(cube, chains_by_method, settings, float(share), end_segments, BASELINES, Labels())
    if not len(res):
        log.warning("masking: no observed cell was hidden (share %s too small for this panel)", share)
    return _aggregate(res, cube)


def recommend_methods(accuracy: pd.DataFrame, *, min_coverage: float = 0.95) -> dict[str, str]:
    """Pick per role the chain with the lowest pooled RMSE (in SD units) over all hidden cells.

    Only non-baseline chains that filled at least ``min_coverage`` of the role's hidden
    cells compete (a chain that leaves the hard cells empty would otherwise look best);
    ties go to the lower MAE, then the name. A warning is logged when a naive baseline
    beats the pick.

    Returns role -> chain name (usable as a method of :func:`scripts.impute.point.impute_panel`), for every role
    present in ``accuracy``.
    """
    rows = accuracy.loc[(accuracy["indicator"] == "all") & (accuracy["cells"] == "all") & (accuracy["role"] != "all")]
    out: dict[str, str] = {}
    for role, part in rows.groupby("role", sort=True):
        cand = part.loc[~part["baseline"] & (part["coverage"] >= min_coverage) & part["rmse_sd"].notna()]
        if cand.empty:
            log.warning(
                "recommend: no chain covers %.0f%% of hidden %s cells; none recommended", 100 * min_coverage, role
            )
            continue
        best = cand.sort_values(["rmse_sd", "mae_sd", "method"], kind="stable").iloc[0]
        out[str(role)] = str(best["method"])
        base = part.loc[part["baseline"] & part["rmse_sd"].notna()]
        if len(base) and base["rmse_sd"].min() < best["rmse_sd"]:
            log.warning(
                "recommend: for %s, a naive baseline (RMSE %.3f SD) beats %s (%.3f SD)",
                role,
                base["rmse_sd"].min(),
                best["method"],
                best["rmse_sd"],
            )
    return out
