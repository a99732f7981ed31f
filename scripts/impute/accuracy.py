"""The masking experiment's tables: classes of missing cells, errors per class and per step, and the weights.

The experiment itself (which cells are hidden, and re-imputing them) is
:mod:`scripts.impute.masking`; this module classes missing cells, real and hidden, by
where they sit in their series (:func:`classify_missing`), aggregates the errors of the
hidden cells per method, role, indicator and class (:func:`aggregate`) and per step of
each chain (:func:`step_accuracy`), counts the panel's own missing cells per class
(:func:`missing_strata`) and weights the classes by them (:func:`weighted_rows`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from scripts.core import tables
from scripts.core.contract import conform, empty
from scripts.core.vocabulary import MASK_STRATA, STEPS
from scripts.impute.cube import Cube, from_rows, to_rows
from scripts.impute.settings import ImputeSettings

#: Code of each stratum in the hidden-cell kind array (0 = not hidden).
KIND = {s: i + 1 for i, s in enumerate(MASK_STRATA)}


def classify_missing(x: np.ndarray, settings: ImputeSettings) -> np.ndarray:
    """Class (:data:`KIND`) of every missing cell of ``x`` (U, T, I) by where it sits in its series; 0 if observed.

    Inside a series: ``random`` for a gap of at most ``max_gap`` years, ``long_gap``
    beyond; before the first or after the last observation: ``end`` up to ``max_extrap``
    years away, ``long_end`` beyond; a series with no observation: ``series``. The same
    rule classes the panel's own missing cells and the hidden ones, so that each hidden
    cell stands for the real cells of its class.
    """
    a = to_rows(x)
    obs = ~np.isnan(a)
    t_len = a.shape[1]
    pos = np.arange(t_len)
    prev = np.maximum.accumulate(np.where(obs, pos, -1), axis=1)
    nxt = np.minimum.accumulate(np.where(obs, pos, t_len)[:, ::-1], axis=1)[:, ::-1]
    has = obs.any(axis=1)[:, None]
    interior = ~obs & (prev >= 0) & (nxt < t_len)
    outside = ~obs & has & ~interior
    dist = np.where(prev < 0, nxt - pos, pos - prev)
    gap = nxt - prev - 1
    code = np.zeros(a.shape, dtype="int8")
    code[interior & (gap <= settings.max_gap)] = KIND["random"]
    code[interior & (gap > settings.max_gap)] = KIND["long_gap"]
    code[outside & (dist <= settings.max_extrap)] = KIND["end"]
    code[outside & (dist > settings.max_extrap)] = KIND["long_end"]
    code[~obs & ~has] = KIND["series"]
    return from_rows(code, x.shape)


def aggregate(res: pd.DataFrame, cube: Cube) -> pd.DataFrame:
    if not len(res):
        return empty(tables.ACCURACY)
    res = res.assign(
        role=cube.roles[res["ind"].to_numpy()],
        indicator=np.array(cube.indicators, dtype=object)[res["ind"].to_numpy()],
        cells=np.array(MASK_STRATA, dtype=object)[res["kind"].to_numpy() - 1],
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


def missing_strata(cube: Cube, settings: ImputeSettings) -> pd.DataFrame:
    """The panel's own missing cells per role and class (:func:`classify_missing`), and each class's weight.

    Cells of never-reported series (``series``) count only when ``fill_unreported`` is on
    (they are not imputed otherwise). Returns tables.MISSINGNESS: role, cells, n_missing,
    and weight (the class's share of the role's counted cells).
    """
    code = classify_missing(cube.x, settings)
    if not settings.fill_unreported:
        code = np.where(code == KIND["series"], 0, code)
    role_of = np.broadcast_to(cube.roles[None, None, :], code.shape)
    hit = code > 0
    counts = (
        pd.DataFrame({"role": role_of[hit], "cells": np.array(MASK_STRATA, dtype=object)[code[hit] - 1]})
        .groupby(["role", "cells"], sort=True)
        .size()
        .rename("n_missing")
        .reset_index()
    )
    counts = counts.assign(weight=counts["n_missing"] / counts.groupby("role")["n_missing"].transform("sum"))
    return conform(counts, tables.MISSINGNESS)


def weighted_rows(acc: pd.DataFrame, missingness: pd.DataFrame) -> pd.DataFrame:
    """Per method and role, the strata's errors weighted by how often the panel's own gaps look like them.

    Rows with ``cells="weighted"`` (indicator "all"): mean squared and absolute error (SD
    units) and coverage are the weighted means over the strata that were hidden, with the
    weights of :func:`missing_strata` renormalised over those strata.
    """
    per = acc.loc[(acc["indicator"] == "all") & (acc["role"] != "all") & acc["cells"].isin(MASK_STRATA)]
    per = per.merge(missingness[["role", "cells", "weight"]], on=["role", "cells"], how="inner")
    per = per.loc[per["n_masked"] > 0]
    if per.empty:
        return empty(tables.ACCURACY)
    keys = ["method", "baseline", "role"]
    w = per["weight"] / per.groupby(keys)["weight"].transform("sum")
    per = per.assign(
        mse_w=w * per["rmse_sd"].fillna(0.0) ** 2,
        mae_w=w * per["mae_sd"].fillna(0.0),
        cov_w=w * per["coverage"],
        w_filled=w * (per["n"] > 0),
    )
    out = (
        per.groupby(keys, sort=True)
        .agg(
            n_masked=("n_masked", "sum"),
            n=("n", "sum"),
            mse=("mse_w", "sum"),
            mae=("mae_w", "sum"),
            coverage=("cov_w", "sum"),
            w_filled=("w_filled", "sum"),
        )
        .reset_index()
    )
    # A stratum the method filled nothing of has no error: the mean is over the filled strata.
    filled = out["w_filled"] > 0
    out = out.assign(
        rmse_sd=np.where(filled, np.sqrt(out["mse"] / out["w_filled"].where(filled, 1.0)), np.nan),
        mae_sd=np.where(filled, out["mae"] / out["w_filled"].where(filled, 1.0), np.nan),
        rmse=np.nan,
        mae=np.nan,
        scale=np.nan,
        indicator="all",
        cells="weighted",
    )
    return conform(out, tables.ACCURACY)


def step_accuracy(res: pd.DataFrame, cube: Cube, chains: Mapping[str, Sequence[str]], min_cells: int) -> pd.DataFrame:
    """Per chain, role and step: the hidden cells the step filled, per stratum and in all, with their error.

    Every step of every chain appears for every role of the cube, with ``n`` 0 when it
    filled no hidden cell; ``measured`` says whether the step filled at least
    ``min_cells`` hidden cells of the role in all strata together.
    """
    grid = pd.DataFrame(
        [
            (m, r, s, p + 1, c)
            for m, steps in chains.items()
            for r in sorted(set(cube.roles.tolist()))
            for p, s in enumerate(steps)
            for c in (*MASK_STRATA, "all")
        ],
        columns=["method", "role", "step", "position", "cells"],
    )
    if not len(grid):
        return empty(tables.STEP_ACCURACY)
    res = res.loc[~res["baseline"] & (res["step"] >= 0)] if len(res) else res
    if len(res):
        res = res.assign(
            role=cube.roles[res["ind"].to_numpy()],
            step=np.array(STEPS, dtype=object)[res["step"].to_numpy()],
            cells=np.array(MASK_STRATA, dtype=object)[res["kind"].to_numpy() - 1],
            z2=res["z"] ** 2,
            az=res["z"].abs(),
        )
        both = pd.concat([res, res.assign(cells="all")], ignore_index=True)
        agg = (
            both.groupby(["method", "role", "step", "cells"], sort=True)
            .agg(n=("z", "size"), mse_sd=("z2", "mean"), mae_sd=("az", "mean"))
            .reset_index()
        )
        grid = grid.merge(agg, on=["method", "role", "step", "cells"], how="left")
    else:
        grid = grid.assign(n=0, mse_sd=np.nan, mae_sd=np.nan)
    grid = grid.assign(n=grid["n"].fillna(0).astype("int64"), rmse_sd=np.sqrt(grid["mse_sd"]), min_cells=int(min_cells))
    n_all = grid.loc[grid["cells"] == "all"].set_index(["method", "role", "step"])["n"]
    measured = n_all.reindex(pd.MultiIndex.from_frame(grid[["method", "role", "step"]])).to_numpy() >= min_cells
    grid = grid.assign(measured=measured)
    return conform(grid.sort_values(["method", "role", "position", "cells"], kind="stable"), tables.STEP_ACCURACY)
