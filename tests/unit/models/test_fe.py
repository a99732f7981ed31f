"""The fast estimator against linearmodels.PanelOLS (the reference) and statsmodels OLS with dummies.

Point estimates must agree to 1e-8; standard errors agree to 1e-8 under the convention of
scripts.models.fe (PanelOLS with the year dummies as regressors), and statsmodels'
cluster-robust errors, which count every dummy in K, agree after the stated rescaling.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from linearmodels.panel import PanelOLS

from scripts.models.fe import Sample, absorb, fit_draws


def _panel(seed: int, n_e: int = 30, n_t: int = 10, p: int = 2, drop: float = 0.25) -> pd.DataFrame:
    """An unbalanced panel with economy and year effects and p regressors correlated with them."""
    rng = np.random.default_rng(seed)
    e, t = np.meshgrid(np.arange(n_e), np.arange(n_t), indexing="ij")
    e, t = e.ravel(), t.ravel()
    a, lam = rng.normal(size=n_e), rng.normal(size=n_t)
    x = rng.normal(size=(e.size, p)) + a[e, None] + 0.5 * lam[t, None]
    y = x @ np.arange(1, p + 1) * 0.3 + a[e] + lam[t] + rng.normal(size=e.size) * (1 + 0.5 * (e % 3))
    df = pd.DataFrame({"entity": e, "time": 2000 + t, "y": y} | {f"x{j}": x[:, j] for j in range(p)})
    keep = rng.random(len(df)) > drop
    return df[keep].reset_index(drop=True)


def _sample(df: pd.DataFrame) -> Sample:
    """Dense 0-based economy and year codes (rows are sorted by economy, then year)."""
    return Sample(pd.factorize(df["entity"], sort=True)[0], pd.factorize(df["time"], sort=True)[0])


def _ours(df: pd.DataFrame, cols: list[str], *, entity_effects: bool = True, bandwidth: int = 2):
    sample = _sample(df)
    x = df[cols].to_numpy()[:, None, :]
    return fit_draws(sample, df["y"].to_numpy(), x, entity_effects=entity_effects, bandwidth=bandwidth)


def _reference(df: pd.DataFrame, cols: list[str], *, entity_effects: bool = True):
    """PanelOLS with year dummies as regressors (and entity effects): our convention exactly."""
    years = pd.get_dummies(df["time"], prefix="yr", dtype=float)
    if entity_effects:
        years = years.iloc[:, 1:]
    exog = pd.concat([df[cols], years], axis=1).set_index(pd.MultiIndex.from_frame(df[["entity", "time"]]))
    dep = df.set_index(["entity", "time"])["y"]
    return PanelOLS(dep, exog, entity_effects=entity_effects)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_two_way_fe_equals_panelols_estimates_and_both_standard_errors(seed: int) -> None:
    df = _panel(seed)
    cols = ["x0", "x1"]
    ours = _ours(df, cols)
    ref = _reference(df, cols)
    cl = ref.fit(cov_type="clustered", cluster_entity=True, debiased=True, group_debias=True)
    dk = ref.fit(cov_type="kernel", kernel="bartlett", bandwidth=2, debiased=True, auto_df=False, count_effects=False)
    np.testing.assert_allclose(ours.coef[0], cl.params[cols].to_numpy(), rtol=0, atol=1e-8)
    np.testing.assert_allclose(ours.se["cluster"][0], cl.std_errors[cols].to_numpy(), rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(ours.se["driscoll_kraay"][0], dk.std_errors[cols].to_numpy(), rtol=1e-8, atol=1e-12)


def test_two_way_fe_equals_panelols_with_both_effects_absorbed() -> None:
    """PanelOLS absorbing both effects gives the same estimates and R2; its SE differs only by the stated scale."""
    df = _panel(7)
    cols = ["x0", "x1"]
    ours = _ours(df, cols)
    mod = PanelOLS(
        df.set_index(["entity", "time"])["y"],
        df.set_index(["entity", "time"])[cols],
        entity_effects=True,
        time_effects=True,
    )
    res = mod.fit(
        cov_type="clustered", cluster_entity=True, debiased=True, group_debias=True, auto_df=False, count_effects=False
    )
    np.testing.assert_allclose(ours.coef[0], res.params.to_numpy(), rtol=0, atol=1e-8)
    np.testing.assert_allclose(ours.r2_within[0], res.rsquared, rtol=0, atol=1e-8)
    n, p = len(df), len(cols)
    # PanelOLS here scales by n/(n-p); our K also counts the T-1 year effects.
    rescale = np.sqrt((n - p) / (n - ours.k))
    np.testing.assert_allclose(ours.se["cluster"][0], res.std_errors.to_numpy() * rescale, rtol=1e-8)


def test_two_way_fe_equals_statsmodels_ols_with_dummies() -> None:
    """An independent implementation: OLS on economy and year dummies, cluster-robust by economy."""
    df = _panel(11)
    cols = ["x0", "x1"]
    ours = _ours(df, cols)
    dummies = pd.get_dummies(df[["entity", "time"]].astype(str), drop_first=True, dtype=float)
    exog = sm.add_constant(pd.concat([df[cols], dummies], axis=1))
    res = sm.OLS(df["y"], exog).fit(cov_type="cluster", cov_kwds={"groups": df["entity"].to_numpy()})
    np.testing.assert_allclose(ours.coef[0], res.params[cols].to_numpy(), rtol=0, atol=1e-8)
    # statsmodels: G/(G-1) (n-1)/(n-K_all), K_all counting every dummy and the constant.
    n, k_all = len(df), exog.shape[1]
    rescale = np.sqrt((n - k_all) / (n - ours.k))
    np.testing.assert_allclose(ours.se["cluster"][0], res.bse[cols].to_numpy() * rescale, rtol=1e-8)


def test_year_effects_only_equals_panelols_for_differences() -> None:
    """First/long differences: year effects only (they span the constant)."""
    df = _panel(5)
    cols = ["x0", "x1"]
    ours = _ours(df, cols, entity_effects=False)
    res = _reference(df, cols, entity_effects=False).fit(
        cov_type="clustered", cluster_entity=True, debiased=True, group_debias=True
    )
    np.testing.assert_allclose(ours.coef[0], res.params[cols].to_numpy(), rtol=0, atol=1e-8)
    np.testing.assert_allclose(ours.se["cluster"][0], res.std_errors[cols].to_numpy(), rtol=1e-8)


def test_draws_are_fitted_independently() -> None:
    """Fitting m draws at once equals fitting each draw alone."""
    df = _panel(3)
    rng = np.random.default_rng(0)
    sample = _sample(df)
    base = df[["x0", "x1"]].to_numpy()
    x = np.stack([base + rng.normal(scale=0.1, size=base.shape) for _ in range(4)], axis=1)
    y = df["y"].to_numpy()
    together = fit_draws(sample, y, x, entity_effects=True)
    for d in range(4):
        alone = fit_draws(sample, y, x[:, d : d + 1], entity_effects=True)
        np.testing.assert_allclose(together.coef[d], alone.coef[0], atol=1e-12)
        np.testing.assert_allclose(together.se["driscoll_kraay"][d], alone.se["driscoll_kraay"][0], atol=1e-12)


def test_absorb_leaves_no_economy_or_year_means() -> None:
    df = _panel(4)
    sample = _sample(df)
    z = absorb(sample, df[["y", "x0"]].to_numpy(), entity_effects=True)
    by_e = pd.DataFrame(z).groupby(sample.entity).mean().abs().to_numpy().max()
    by_t = pd.DataFrame(z).groupby(sample.time).sum().abs().to_numpy().max()
    assert by_e < 1e-10 and by_t < 1e-9
