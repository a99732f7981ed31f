"""The synthetic generator's known effect (truth.json) is recovered by the models' estimator.

Each replication generates a small panel with scripts.synthetic (its own seed), fits the
two-way fixed-effects model of the generator's life-expectancy equation (identity link:
y = alpha_i + lambda_t + beta ICT_it + gamma ln income_it + e_it) on the observed outcome
values, and checks the 95% interval (clustered by economy, the stated small-sample
convention) against the true beta.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest
from scipy import stats
from support import ROOT

from scripts.core.config import load_yaml
from scripts.core.io import read_csv
from scripts.models.grid import design, fit_and_pool
from scripts.models.settings import Spec
from scripts.synthetic.config import build_config
from scripts.synthetic.generate import generate

OUTCOME = "life_expectancy"
REPLICATIONS = 500


def _setup() -> tuple[dict, object, object]:
    raw = load_yaml(ROOT / "config" / "synthetic.yaml")
    raw["units"] = 60
    raw["indicators"] = {
        "roles": [],
        "include": [
            "population",
            "gdp_pc_usd",
            "internet_users_pct",
            "mobile_per100",
            "fixed_broadband_per100",
            "fixed_tel_per100",
        ],
        "exclude": [],
    }
    raw["outcomes"] = {OUTCOME: raw["outcomes"][OUTCOME]}
    cat = read_csv(ROOT / "config" / "indicators.csv", dtype=str, na_values=[])
    ser = read_csv(ROOT / "config" / "series.csv", dtype=str, na_values=[])
    return raw, cat, ser


def _replication(raw: dict, cat, ser, seed: int) -> tuple[float, float, float, float]:
    """(estimate, lower, upper, true beta) of one seeded panel."""
    panel = generate(build_config(copy.deepcopy(raw), cat, ser, seed=seed))
    first, last = raw["analysis"]["first_year"], raw["analysis"]["last_year"]
    lat = panel.latent[panel.latent["year"].between(first, last)]
    units = sorted(lat["iso3"].unique())
    n_t = last - first + 1
    grid = lambda frame, col: frame.sort_values(["iso3", "year"])[col].to_numpy(dtype=float).reshape(len(units), n_t)  # noqa: E731
    obs = panel.panel[(panel.panel["indicator"] == OUTCOME) & panel.panel["year"].between(first, last)]
    y = grid(obs.assign(iso3=obs["iso3"].astype(str)), "value")
    x = grid(lat, "ict_composite")[None]
    income = grid(lat, "log_income")[None]
    d = design(y, x, [income], Spec("fe", "income", 0), long_difference=5)
    (fit,) = [f for f in fit_and_pool(d, ["cluster"], 2) if f.term == "ict"]
    half = stats.t.ppf(0.975, fit.df) * fit.se
    return fit.estimate, fit.estimate - half, fit.estimate + half, panel.truth["outcomes"][OUTCOME]["beta"]


@pytest.mark.slow
def test_the_known_effect_is_recovered_with_nominal_coverage() -> None:
    raw, cat, ser = _setup()
    results = np.array([_replication(raw, cat, ser, seed) for seed in range(1000, 1000 + REPLICATIONS)])
    est, lo, hi, beta = results.T
    assert np.all(beta == beta[0])
    coverage = float(np.mean((lo <= beta) & (beta <= hi)))
    assert 0.925 <= coverage <= 0.975, coverage
    mc_se = est.std(ddof=1) / np.sqrt(REPLICATIONS)
    assert abs(est.mean() - beta[0]) < 3 * mc_se, (est.mean(), beta[0], mc_se)


def test_one_replication_is_close_to_the_truth() -> None:
    """A quick version for make test-quick: one panel's interval covers the truth and is informative."""
    raw, cat, ser = _setup()
    est, lo, hi, beta = _replication(raw, cat, ser, 1000)
    assert lo <= beta <= hi and (hi - lo) < abs(beta)
