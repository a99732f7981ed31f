"""The models' fast estimator on the real panel against linearmodels.PanelOLS and statsmodels OLS with dummies.

Under-5 mortality (observed values) on Internet users lagged one year, log GDP per capita,
urban share and log population, with economy and year effects (tests/data/models/).
Estimates agree to 1e-8; the standard errors agree to 1e-8 under the convention of
scripts.models.fe, and statsmodels' after the stated rescaling of its K.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from linearmodels.panel import PanelOLS
from support import ROOT

from scripts.core.io import read_csv
from scripts.models.fe import fit_draws
from scripts.models.grid import design, fit_and_pool
from scripts.models.settings import Spec

DATA = ROOT / "tests" / "data" / "models" / "under5_internet_panel.csv"
COLS = ["ict", "log_gdp", "urban", "log_pop"]


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    df = read_csv(DATA, keep_default_na=False, na_values=[""]).sort_values(["iso3", "year"])
    df = df.assign(
        ict=df.groupby("iso3")["internet_users_pct"].shift(1),
        log_gdp=np.log(df["gdp_pc_const2015"]),
        urban=df["urban_population_pct"],
        log_pop=np.log(df["population"]),
    )
    return df.dropna(subset=["under5_mortality", *COLS]).reset_index(drop=True)


def _grid(df_all: pd.DataFrame, col: str, economies, years) -> np.ndarray:
    wide = df_all.pivot(index="iso3", columns="year", values=col).reindex(index=economies, columns=years)
    return wide.to_numpy(dtype=float)


def test_real_panel_estimates_and_ses_equal_panelols_and_statsmodels(frame: pd.DataFrame) -> None:
    raw = read_csv(DATA, keep_default_na=False, na_values=[""])
    economies, years = sorted(raw["iso3"].unique()), sorted(raw["year"].unique())
    y = _grid(raw, "under5_mortality", economies, years)
    x = _grid(raw, "internet_users_pct", economies, years)[None]
    controls = [
        np.log(_grid(raw, "gdp_pc_const2015", economies, years))[None],
        _grid(raw, "urban_population_pct", economies, years)[None],
        np.log(_grid(raw, "population", economies, years))[None],
    ]
    d = design(y, x, controls, Spec("fe", "with_gdp", 1), long_difference=5)
    assert d.sample.n == len(frame)
    ours = fit_draws(d.sample, d.y, d.x, entity_effects=True)

    years_d = pd.get_dummies(frame["year"], prefix="yr", dtype=float).iloc[:, 1:]
    idx = pd.MultiIndex.from_frame(frame[["iso3", "year"]])
    exog = pd.concat([frame[COLS], years_d], axis=1).set_index(idx)
    ref = PanelOLS(frame.set_index(["iso3", "year"])["under5_mortality"], exog, entity_effects=True)
    cl = ref.fit(cov_type="clustered", cluster_entity=True, debiased=True, group_debias=True)
    dk = ref.fit(cov_type="kernel", kernel="bartlett", bandwidth=2, debiased=True, auto_df=False, count_effects=False)
    np.testing.assert_allclose(ours.coef[0], cl.params[COLS].to_numpy(), rtol=0, atol=1e-8)
    np.testing.assert_allclose(ours.se["cluster"][0], cl.std_errors[COLS].to_numpy(), rtol=1e-8)
    np.testing.assert_allclose(ours.se["driscoll_kraay"][0], dk.std_errors[COLS].to_numpy(), rtol=1e-8)

    dummies = pd.get_dummies(frame[["iso3", "year"]].astype(str), drop_first=True, dtype=float)
    lsdv = sm.add_constant(pd.concat([frame[COLS], dummies], axis=1))
    ols = sm.OLS(frame["under5_mortality"], lsdv).fit(cov_type="cluster", cov_kwds={"groups": frame["iso3"].to_numpy()})
    np.testing.assert_allclose(ours.coef[0], ols.params[COLS].to_numpy(), rtol=0, atol=1e-8)
    rescale = np.sqrt((len(frame) - lsdv.shape[1]) / (len(frame) - ours.k))
    np.testing.assert_allclose(ours.se["cluster"][0], ols.bse[COLS].to_numpy() * rescale, rtol=1e-8)

    # One draw: Rubin's rules leave the estimate and the within variance as they are.
    (pooled,) = [f for f in fit_and_pool(d, ["cluster"], 2) if f.term == "ict"]
    assert pooled.estimate == pytest.approx(ours.coef[0, 0], abs=1e-12) and pooled.between == 0
