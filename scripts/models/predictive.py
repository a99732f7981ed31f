"""The predictive check: do the ICT measures improve out-of-sample predictions of an outcome?

For each outcome, two learners (a standardised ridge regression and gradient boosting) are
trained on the controls of the headline specification and the year, then on the same rows
with the ICT measures (lagged like the headline) added. Their out-of-sample R2 is compared
under two splits: ``GroupKFold`` with economies as groups (no economy in both train and
test) and out-of-time (train on years <= ``split_year``, test on the later ones). The
permutation importance of each ICT feature is measured on the grouped test folds. A gain
says the measures carry predictive information; like the panel models, it is an
association, not an effect.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.linear_model import RidgeCV
from sklearn.metrics import r2_score
from sklearn.model_selection import GroupKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from scripts.models.assemble import ModelInputs
from scripts.models.grid import shifted


def learners(settings: Mapping[str, Any], seed: int) -> dict[str, Any]:
    """The configured learners, unfitted."""
    out = {
        "ridge": make_pipeline(StandardScaler(), RidgeCV(alphas=np.logspace(-3, 3, 13))),
        # Histogram-based boosting: ten times faster than the exact trees at this size, same model class.
        "gbm": HistGradientBoostingRegressor(
            max_iter=int(settings["gbm_trees"]),
            max_depth=int(settings["gbm_depth"]),
            learning_rate=float(settings["gbm_learning_rate"]),
            early_stopping=False,
            random_state=seed,
        ),
    }
    return {k: out[k] for k in settings["models"]}


def outcome_frame(data: ModelInputs, oid: str, controls: Sequence[str], lag: int) -> tuple[pd.DataFrame, list[str]]:
    """Rows (economy-years with the outcome observed and every feature present) and the ICT feature names."""
    e, t = np.meshgrid(np.arange(data.grid.economies.size), np.arange(data.grid.years.size), indexing="ij")
    cols = {"economy": e.ravel(), "year": data.grid.years[t.ravel()], "y": data.y[oid].ravel()}
    cols |= {c: data.controls[c][0].ravel() for c in controls}
    ict = []
    for (o, name), r in sorted(data.resolved.items()):
        if o == oid:
            cols[r.label] = shifted(data.x[(o, name)][0], lag).ravel()
            ict.append(r.label)
    frame = pd.DataFrame(cols).dropna().reset_index(drop=True)
    return frame, ict


def _fit_score(
    model: Any, frame: pd.DataFrame, features: list[str], train: np.ndarray, test: np.ndarray
) -> tuple[Any, float]:
    m = clone(model).fit(frame.loc[train, features].to_numpy(), frame.loc[train, "y"].to_numpy())
    return m, float(r2_score(frame.loc[test, "y"].to_numpy(), m.predict(frame.loc[test, features].to_numpy())))


def permutation_drops(
    model: Any,
    x: np.ndarray,
    y: np.ndarray,
    score: float,
    columns: Sequence[int],
    repeats: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """Drop in R2 when each of ``columns`` is permuted, ``repeats`` times: (len(columns), repeats).

    The same measure as :func:`sklearn.inspection.permutation_importance` with R2 scoring,
    with every permuted copy predicted in one call.
    """
    n = x.shape[0]
    copies = []
    for j in columns:
        for _ in range(repeats):
            xp = x.copy()
            xp[:, j] = x[rng.permutation(n), j]
            copies.append(xp)
    pred = model.predict(np.concatenate(copies)).reshape(len(copies), n)
    ss_tot = float(((y - y.mean()) ** 2).sum())
    r2 = 1.0 - ((pred - y[None, :]) ** 2).sum(axis=1) / ss_tot
    return (score - r2).reshape(len(columns), repeats)


def predictive_check(
    data: ModelInputs, settings: Mapping[str, Any], controls: Sequence[str], lag: int, seed: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """PREDICTIVE and IMPORTANCE tables for every modelled outcome (see the module docstring)."""
    gains, importance = [], []
    split_year = int(settings["split_year"])
    rng = np.random.default_rng(seed)
    for oid in sorted(data.y):
        frame, ict = outcome_frame(data, oid, controls, lag)
        if not ict or frame["economy"].nunique() < int(settings["folds"]):
            continue
        base = [*controls, "year"]
        full = base + ict
        folds = list(GroupKFold(n_splits=int(settings["folds"])).split(frame, groups=frame["economy"]))
        for name, model in learners(settings, seed).items():
            g, r2c, r2f, n_tr, n_te = [], [], [], [], []
            imp: dict[str, list[float]] = {f: [] for f in ict}
            for train, test in folds:
                _, a = _fit_score(model, frame, base, train, test)
                fitted, b = _fit_score(model, frame, full, train, test)
                g.append(b - a)
                r2c.append(a)
                r2f.append(b)
                n_tr.append(train.size)
                n_te.append(test.size)
                drops = permutation_drops(
                    fitted,
                    frame.loc[test, full].to_numpy(),
                    frame.loc[test, "y"].to_numpy(),
                    b,
                    range(len(base), len(full)),
                    int(settings["permutations"]),
                    rng,
                )
                for j, f in enumerate(ict):
                    imp[f] += list(drops[j])
            gains.append(
                (
                    oid,
                    name,
                    "group_kfold",
                    int(np.mean(n_tr)),
                    int(np.mean(n_te)),
                    len(folds),
                    np.mean(r2c),
                    np.mean(r2f),
                    np.mean(g),
                    np.std(g, ddof=1),
                    np.min(g),
                    np.max(g),
                )
            )
            importance += [(oid, name, f, float(np.mean(v)), float(np.std(v, ddof=1))) for f, v in imp.items()]
            train = np.flatnonzero(frame["year"] <= split_year)
            test = np.flatnonzero(frame["year"] > split_year)
            if train.size and test.size:
                _, a = _fit_score(model, frame, base, train, test)
                _, b = _fit_score(model, frame, full, train, test)
                gains.append((oid, name, "out_of_time", train.size, test.size, 1, a, b, b - a, np.nan, b - a, b - a))
    g_cols = [
        "outcome",
        "learner",
        "split",
        "n_train",
        "n_test",
        "n_folds",
        "r2_controls",
        "r2_with_ict",
        "gain",
        "gain_sd",
        "gain_min",
        "gain_max",
    ]
    i_cols = ["outcome", "learner", "feature", "importance", "importance_sd"]
    return pd.DataFrame(gains, columns=g_cols), pd.DataFrame(importance, columns=i_cols)
