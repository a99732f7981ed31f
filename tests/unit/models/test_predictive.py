"""The predictive check on a planted panel: ICT that drives the outcome raises out-of-sample R2."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.linear_model import LinearRegression
from sklearn.metrics import r2_score

from scripts.models.assemble import ModelInputs
from scripts.models.data import Grid
from scripts.models.guard import Resolved
from scripts.models.predictive import permutation_drops, predictive_check

SETTINGS = {
    "folds": 4,
    "split_year": 2007,
    "models": ["ridge", "gbm"],
    "permutations": 3,
    "gbm_trees": 30,
    "gbm_depth": 2,
    "gbm_learning_rate": 0.1,
}


def _inputs(beta: float) -> ModelInputs:
    rng = np.random.default_rng(4)
    n_e, years = 40, np.arange(2000, 2013)
    ict = rng.uniform(0, 100, size=(1, n_e, years.size))
    gdp = rng.normal(8, 1, size=(1, n_e, years.size))
    y = 0.5 * gdp[0] + beta * ict[0, :, :] + rng.normal(size=(n_e, years.size))
    y = np.concatenate([np.full((n_e, 1), np.nan), y[:, 1:]], axis=1)
    r = Resolved("ict", "node", "ict", frozenset(), True, "")
    return ModelInputs(
        Grid(np.array([f"E{i:02d}" for i in range(n_e)]), years),
        pd.DataFrame(),
        pd.DataFrame(),
        {("y", "ict"): r},
        {"y": y},
        {("y", "ict"): ict},
        {"gdp": gdp},
        [0],
    )


def test_ict_that_drives_the_outcome_gives_a_gain_and_importance() -> None:
    # y depends on ICT at lag 0: the check at lag 0 sees it.
    gains, importance = predictive_check(_inputs(0.05), SETTINGS, ["gdp"], 0, seed=1)
    assert set(gains["split"]) == {"group_kfold", "out_of_time"} and set(gains["learner"]) == {"ridge", "gbm"}
    assert (gains["gain"] > 0.1).all()
    assert (importance["importance"] > 0.1).all()


def test_without_ict_the_gain_is_about_zero() -> None:
    gains, _ = predictive_check(_inputs(0.0), SETTINGS, ["gdp"], 0, seed=1)
    ridge = gains[gains["learner"] == "ridge"]
    assert (ridge["gain"].abs() < 0.05).all()


def test_permutation_drops_are_drops_in_r2() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 2))
    y = 2 * x[:, 0] + rng.normal(size=200) * 0.1
    model = LinearRegression().fit(x, y)
    base = r2_score(y, model.predict(x))
    drops = permutation_drops(model, x, y, base, [0, 1], 4, np.random.default_rng(5))
    assert drops.shape == (2, 4)
    again = np.random.default_rng(5)
    xp = x.copy()
    xp[:, 0] = x[again.permutation(200), 0]
    assert drops[0, 0] == np.float64(base - r2_score(y, model.predict(xp)))
    assert (drops[0] > 1).all() and (np.abs(drops[1]) < 0.01).all()
