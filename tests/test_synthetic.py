"""Tests of the synthetic data generator: determinism, structure, missingness, the known
effect, and the written folder read back through the project's own readers and harmoniser.

Most tests use the shipped config/synthetic.yaml at scale 1 (220 units, generated once per
module in a fraction of a second); tests that write files build a small project under
tmp_path (the config, the real catalogue, the real MANIFEST and classification files) so
nothing is ever written into the repository.
"""

from __future__ import annotations

import copy
import glob
import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import spearmanr
from snakemake.utils import update_config
from threadpoolctl import threadpool_limits

from scripts import harmonize, ingest, synthetic
from scripts.configuration import load_catalogue, load_yaml, validate_config
from scripts.errors import ConfigError
from scripts.readers import CLASSIFICATION_READERS
from scripts.readers.classifications import read_wb_groups
from scripts.readers.worldbank import read_wb_api, read_wb_metadata_country

REPO = Path(__file__).resolve().parents[1]
CONFIG = "config/synthetic.yaml"
FOLDER = "data/synthetic/t"
PROJECT_FILES = [
    "config/synthetic.yaml",
    "config/indicators.csv",
    "config/series.csv",
    "data/raw/MANIFEST.csv",
    "data/raw/classifications/CLASS.xlsx",
    "data/raw/classifications/Historical_income_classification.xlsx",
    "data/raw/classifications/country-codes.csv",
]


def make_project(root: Path) -> Path:
    """Copy the files the generator reads into a throw-away project root."""
    for rel in PROJECT_FILES:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(REPO / rel, root / rel)
    return root


def raw_config() -> dict:
    return load_yaml(REPO / CONFIG)


def catalogue_strings() -> tuple[pd.DataFrame, pd.DataFrame]:
    read = lambda p: pd.read_csv(REPO / p, dtype=str, keep_default_na=False, na_values=[])  # noqa: E731
    return read("config/indicators.csv"), read("config/series.csv")


def config_from(raw: dict, **kw) -> synthetic.SynthConfig:
    cat, ser = catalogue_strings()
    return synthetic.build_config(raw, cat, ser, **kw)


@pytest.fixture(scope="module")
def cfg() -> synthetic.SynthConfig:
    return synthetic.load_config(CONFIG, project_root=REPO)


@pytest.fixture(scope="module")
def synth(cfg) -> synthetic.SynthPanel:
    return synthetic.generate(cfg)


@pytest.fixture(scope="module")
def written(tmp_path_factory, synth) -> tuple[Path, Path]:
    root = make_project(tmp_path_factory.mktemp("project"))
    return root, synthetic.write_dataset(synth, FOLDER, root)


def values(synth: synthetic.SynthPanel, indicator: str, column: str = "value_complete") -> pd.DataFrame:
    """(units x years) frame of one indicator."""
    d = synth.panel[synth.panel["indicator"] == indicator]
    return d.pivot(index="iso3", columns="year", values=column).reindex(index=list(synth.units["iso3"]))


def files_of(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


# ======================================================================================
# Determinism
# ======================================================================================


def test_same_config_gives_identical_frames(cfg, synth):
    again = synthetic.generate(cfg)
    for name in ("panel", "units", "aggregates", "latent", "diffusion"):
        pd.testing.assert_frame_equal(getattr(synth, name), getattr(again, name))
    assert json.dumps(synth.truth, sort_keys=True) == json.dumps(again.truth, sort_keys=True)


def test_written_files_are_byte_identical(tmp_path):
    outputs = []
    for name in ("a", "b"):
        root = make_project(tmp_path / name)
        cfg = synthetic.load_config(CONFIG, project_root=root, scale=0.25)
        outputs.append(files_of(synthetic.write_dataset(synthetic.generate(cfg), FOLDER, root)))
    assert outputs[0].keys() == outputs[1].keys()
    assert len(outputs[0]) > 30
    differing = [p for p in outputs[0] if outputs[0][p] != outputs[1][p]]
    assert differing == []


def test_different_seeds_differ(cfg, synth):
    other = synthetic.generate(synthetic.load_config(CONFIG, project_root=REPO, seed=cfg.seed + 1))
    a, b = synth.panel["value_complete"].to_numpy(), other.panel["value_complete"].to_numpy()
    assert a.shape == b.shape
    assert np.mean(a != b) > 0.95
    assert not synth.panel["value"].isna().equals(other.panel["value"].isna())
    assert not synth.units["region"].equals(other.units["region"])


def test_scale_multiplies_units_and_codes_stay_unique():
    cfg = synthetic.load_config(CONFIG, project_root=REPO, scale=0.5)
    s = synthetic.generate(cfg)
    assert cfg.n_units == 110 == len(s.units) == s.units["iso3"].nunique()
    assert len(s.panel) == 110 * 26 * len(cfg.indicators)
    assert s.units["iso3"].iloc[0] == "S00001"
    assert synthetic.unit_codes(123456)[-1] == "S123456"


def test_an_indicator_draws_do_not_depend_on_the_subset(synth):
    raw = raw_config()
    raw["indicators"]["exclude"] = ["hh_computer_pct", "rnd_expenditure_pct_gdp"]
    smaller = synthetic.generate(config_from(raw))
    assert "hh_computer_pct" not in set(smaller.panel["indicator"])
    for ind in ("internet_users_pct", "hh_internet_pct", "under5_mortality", "gdp_pc_usd"):
        pd.testing.assert_frame_equal(values(synth, ind), values(smaller, ind))
        pd.testing.assert_frame_equal(values(synth, ind, "value"), values(smaller, ind, "value"))


# ======================================================================================
# Structure: diffusion, income, ranges
# ======================================================================================


@settings(max_examples=60, deadline=None)
@given(
    ceiling=st.floats(0.01, 1e4),
    midpoint=st.floats(1950, 2050),
    rate=st.floats(0.01, 3),
)
def test_logistic_curve_is_monotone_and_bounded(ceiling, midpoint, rate):
    t = np.arange(1990, 2031)
    y = synthetic.logistic_curve(t, ceiling, midpoint, rate)
    assert np.all(np.diff(y) >= 0)
    assert np.all((y >= 0) & (y <= ceiling))
    assert synthetic.logistic_curve(np.array([midpoint]), ceiling, midpoint, rate)[0] == pytest.approx(ceiling / 2)


def test_diffusion_rises_over_time_on_average(cfg, synth):
    for spec in cfg.indicators:
        if spec.generator != "diffusion":
            continue
        mean = values(synth, spec.indicator).mean().to_numpy()
        steps = np.diff(mean)
        # Unit noise and income shocks average out over 220 units but not completely:
        # the cross-unit mean must rise in most years and overall, and trend upward.
        assert mean[-1] > 1.1 * mean[0], spec.indicator
        assert np.mean(steps > 0) >= 0.75, spec.indicator
        assert spearmanr(np.arange(len(mean)), mean)[0] > 0.95, spec.indicator


def test_richer_units_adopt_earlier(synth):
    z = synth.units.set_index("iso3")["income_z"]
    for ind, d in synth.diffusion.groupby("indicator"):
        assert np.corrcoef(z.loc[d["iso3"]], d["midpoint"])[0, 1] < -0.5, ind
    # In the data themselves: the year Internet use first reaches 10% falls with income.
    net = values(synth, "internet_users_pct")
    reached = net.ge(10).to_numpy()
    first = np.where(reached.any(axis=1), net.columns.to_numpy()[reached.argmax(axis=1)], 2030)
    assert spearmanr(z.loc[net.index], first)[0] < -0.7


def test_indicators_correlate_more_within_pillars(cfg, synth):
    ids = [s.indicator for s in cfg.indicators if s.generator == "diffusion"]
    pillar = {s.indicator: s.pillar for s in cfg.indicators}
    w = synth.panel[(synth.panel["year"] == 2010) & synth.panel["indicator"].isin(ids)]
    w = w.pivot(index="iso3", columns="indicator", values="value_complete")
    # Partial out income (which drives everything) so that the pillar factor shows.
    z = synth.units.set_index("iso3").loc[w.index, "income_z"].to_numpy()
    logs = np.log(w[ids].to_numpy() + 1e-3)
    design = np.column_stack([np.ones_like(z), z, z**2])
    resid = logs - design @ np.linalg.lstsq(design, logs, rcond=None)[0]
    corr = np.corrcoef(resid, rowvar=False)
    same = np.array([[pillar[a] == pillar[b] for b in ids] for a in ids])
    off = ~np.eye(len(ids), dtype=bool)
    assert corr[same & off].mean() > corr[~same].mean() + 0.2


def test_income_groups_follow_last_year_income(cfg, synth):
    gdp = values(synth, "gdp_pc_usd")[cfg.last_year]
    groups = synth.units.set_index("iso3")["income_group"]
    t1, t2, t3 = cfg.income.thresholds_usd
    expected = np.select([gdp <= t1, gdp <= t2, gdp <= t3], ["L", "LM", "UM"], "H")
    assert (groups.loc[gdp.index].to_numpy() == expected).all()
    assert set(groups) == {"L", "LM", "UM", "H"}
    # Income grows: the median unit is richer at the end than at the start.
    assert values(synth, "gdp_pc_usd").median().iloc[-1] > 1.3 * values(synth, "gdp_pc_usd").median().iloc[0]
    assert synth.units["region"].nunique() == len(cfg.regions)


def test_values_respect_unit_ranges(cfg, synth):
    for spec in cfg.indicators:
        x = synth.panel.loc[synth.panel["indicator"] == spec.indicator, "value_complete"].to_numpy()
        assert np.isfinite(x).all(), spec.indicator
        if np.isfinite(spec.lower):
            assert x.min() >= spec.lower, spec.indicator
        if np.isfinite(spec.upper):
            assert x.max() <= spec.upper, spec.indicator
        if spec.unit == "percent":
            assert 0 <= x.min() and x.max() <= 100, spec.indicator
        if spec.unit in ("per100", "per_million", "persons", "usd", "per1000", "per100k", "percent_gross"):
            assert x.min() >= 0, spec.indicator
    # The aggregates as well, and nothing had to be clipped with the shipped parameters.
    agg = synth.aggregates.merge(pd.DataFrame({"indicator": [s.indicator for s in cfg.indicators],
                                               "upper": [s.upper for s in cfg.indicators]}), on="indicator")
    assert (agg["value"] >= 0).all() and not (agg["value"] > agg["upper"]).any()
    assert sum(synth.truth["values_clipped"].values()) == 0


def test_tidy_values_are_short_and_exact():
    x = np.array([123456789.0, 0.000123456789, 2.5e-7, -3.14159265, 0.0, np.nan, -0.0, 99.99999999])
    y = synthetic.tidy_values(x, 6, 6)
    assert [repr(v) for v in y[[0, 1, 2, 3, 4, 6, 7]].tolist()] == [
        "123457000.0", "0.000123", "0.0", "-3.14159", "0.0", "0.0", "100.0"
    ]
    assert np.isnan(y[5])


# ======================================================================================
# Missingness
# ======================================================================================


def test_missingness_is_higher_early_and_in_poorer_units(synth):
    d = synth.panel.merge(synth.units[["iso3", "income_group", "ghost"]], on="iso3")
    d = d.assign(missing=d["value"].isna())
    by_year = d.groupby("year")["missing"].mean()
    assert by_year.loc[1995:1999].mean() > by_year.loc[2008:2012].mean() + 0.1
    by_group = d[~d["ghost"]].groupby("income_group")["missing"].mean()
    assert by_group["L"] > by_group["LM"] > by_group["UM"] > by_group["H"]
    assert by_group["L"] > by_group["H"] + 0.15
    # The complete values exist everywhere; only `value` has gaps.
    assert d["value_complete"].notna().all()
    observed = d["value"].notna()
    assert (d.loc[observed, "value"] == d.loc[observed, "value_complete"]).all()


def test_sparse_indicators_and_ghost_units(cfg, synth):
    share = synth.panel.assign(obs=synth.panel["value"].notna()).groupby("indicator", observed=True)["obs"].mean()
    for spec in cfg.indicators:
        if spec.availability <= 0.5:
            assert 0.25 <= share[spec.indicator] <= 0.5, spec.indicator
            assert abs(share[spec.indicator] - spec.availability) < 0.06, spec.indicator
    assert share["population"] > 0.9
    ghosts = synth.units.loc[synth.units["ghost"], "iso3"]
    assert len(ghosts) == round(cfg.missingness.ghost_share * cfg.n_units) > 0
    ghost_share = synth.panel[synth.panel["iso3"].isin(ghosts)]["value"].notna().mean()
    assert ghost_share < 0.1


def test_end_gaps_and_late_starts_cut_whole_years():
    raw = raw_config()
    raw["missingness"]["end_gap"] = {"prob": 1.0, "max_years": 4}
    raw["missingness"]["late_start"] = {"prob": 1.0, "max_years": 3}
    s = synthetic.generate(config_from(raw, scale=0.25))
    d = s.panel
    gappy = ~d["indicator"].isin(["population", "gdp_pc_usd", "urban_population_pct"])
    last = d["year"] == 2020
    first = d["year"] == 1995
    assert d.loc[gappy & (last | first), "value"].isna().all()
    # Gaps are 1-4 years: the fifth year before the end is not cut by the end gap.
    assert d.loc[gappy & (d["year"] == 2016), "value"].notna().any()
    assert d.loc[~gappy & last, "value"].notna().mean() > 0.9


# ======================================================================================
# The truth: composite, outcome equations, recoverable effect
# ======================================================================================


def test_composite_and_log_income_match_the_truth(cfg, synth):
    lat = synth.latent.set_index(["iso3", "year"])
    comp = synth.truth["ict_composite"]["components"]
    assert set(comp) == {"internet_users_pct", "mobile_per100", "fixed_broadband_per100", "fixed_tel_per100"}
    expected = sum(
        c["weight"] * np.minimum(values(synth, k).stack() / c["reference"], 1.0) for k, c in comp.items()
    ) * 100
    got = lat["ict_composite"].loc[expected.index]
    np.testing.assert_allclose(got.to_numpy(), expected.to_numpy(), rtol=1e-12)
    gdp = values(synth, "gdp_pc_usd").stack()
    np.testing.assert_array_equal(lat["log_income"].loc[gdp.index].to_numpy(), np.log(gdp.to_numpy()))


def test_outcome_equation_is_fully_described_by_the_truth(synth):
    """Rebuilding e = g(y) - alpha_i - lambda_t - beta ICT - gamma ln y from the truth leaves
    iid noise of the stated sd: nothing that drives the outcomes is missing from the truth."""
    lat = synth.latent.set_index(["iso3", "year"])
    alpha = synth.units.set_index("iso3")
    for o, t in synth.truth["outcomes"].items():
        y = values(synth, o).stack()
        iso, yr = y.index.get_level_values(0), y.index.get_level_values(1)
        g = synthetic.link_function(y.to_numpy(), t["link"], t["upper"] or np.nan)
        lam = np.array([t["year_effects"][str(v)] for v in yr])
        e = (
            g
            - alpha.loc[iso, f"alpha_{o}"].to_numpy()
            - lam
            - t["beta"] * lat.loc[y.index, "ict_composite"].to_numpy()
            - t["gamma"] * lat.loc[y.index, "log_income"].to_numpy()
        )
        # 5,720 draws: the sample sd is within ~1% of sigma; rounding to 6 digits adds ~0.
        assert abs(e.mean()) < 0.05 * t["sigma"], o
        assert e.std() == pytest.approx(t["sigma"], rel=0.05), o


def twfe(d: pd.DataFrame, y: np.ndarray, regressors: list[str], unit_fe: bool = True) -> sm.regression.linear_model.RegressionResultsWrapper:
    parts = [d[regressors].reset_index(drop=True)]
    if unit_fe:
        parts.append(pd.get_dummies(d["iso3"].astype(str), drop_first=True, dtype=float).reset_index(drop=True))
    parts.append(pd.get_dummies(d["year"], drop_first=True, prefix="y", dtype=float).reset_index(drop=True))
    # QR rather than statsmodels' default pseudo-inverse (same estimates, much faster), on one
    # BLAS thread: with other jobs on the machine, threaded BLAS on this small matrix stalls.
    with threadpool_limits(1):
        return sm.OLS(y, sm.add_constant(pd.concat(parts, axis=1))).fit(method="qr")


def test_known_effect_is_recovered_by_two_way_fixed_effects(cfg, synth):
    """OLS of g(y) on the ICT composite and ln income with unit and year dummies, on the
    complete data of the analysis window (220 units x 16 years).

    Tolerance: the model is exactly the data-generating one with iid normal errors that are
    independent of the regressors, so (b - beta) / SE is standard normal and |z| <= 4 fails
    with probability 6e-5 per outcome. The test has power: every true effect is at least
    5 SE from zero, and the misspecified pooled regression without income (the confounder)
    is rejected by the same criterion.
    """
    lat = synth.latent
    n_effects = 0
    for o, t in synth.truth["outcomes"].items():
        d = synth.panel[synth.panel["indicator"] == o].merge(lat, on=["iso3", "year"])
        d = d[d["year"].between(cfg.analysis_first_year, cfg.analysis_last_year)].reset_index(drop=True)
        y = synthetic.link_function(d["value_complete"].to_numpy(), t["link"], t["upper"] or np.nan)
        fit = twfe(d, y, ["ict_composite", "log_income"])
        b, se = fit.params["ict_composite"], fit.bse["ict_composite"]
        assert abs(b - t["beta"]) <= 4 * se, (o, b, t["beta"], se)
        assert abs(fit.params["log_income"] - t["gamma"]) <= 4 * fit.bse["log_income"], o
        if t["placebo"]:
            continue
        n_effects += 1
        assert abs(t["beta"]) >= 5 * se, (o, se)
        naive = twfe(d, y, ["ict_composite"], unit_fe=False)
        assert abs(naive.params["ict_composite"] - t["beta"]) > 4 * naive.bse["ict_composite"], o
    assert n_effects >= 4 and any(t["placebo"] for t in synth.truth["outcomes"].values())


def test_lagged_outcomes_use_the_lagged_composite():
    raw = raw_config()
    raw["outcomes"]["life_expectancy"]["lag"] = 2
    s = synthetic.generate(config_from(raw))
    assert s.truth["outcomes"]["life_expectancy"]["lag"] == 2
    lat = s.latent.set_index(["iso3", "year"])
    # The lag-2 composite of year t is the composite of year t - 2.
    shifted = lat["ict_composite"].groupby(level=0, observed=True).shift(2).dropna()
    np.testing.assert_array_equal(lat.loc[shifted.index, "ict_composite_lag2"].to_numpy(), shifted.to_numpy())


# ======================================================================================
# The written folder
# ======================================================================================


def test_api_files_round_trip_at_full_precision(cfg, synth, written):
    root, folder = written
    series = pd.read_csv(folder / "config" / "series.csv", dtype=str, keep_default_na=False)
    code_to_ind = dict(zip(series["series"], series["indicator"]))
    files = sorted((folder / "raw" / "synthetic").glob("API_*.csv"))
    assert len(files) == len(cfg.indicators)
    assert files[0].read_bytes().startswith(b'\xef\xbb\xbf"Data Source","World Development Indicators",\r\n\r\n')
    agg_codes = set(synth.aggregates["iso3"])
    for path in files:
        obs = read_wb_api(path, path.name, "synthetic")
        assert obs["series"].nunique() == 1
        ind = code_to_ind[obs["series"].iloc[0]]
        assert sorted(obs["year"].unique()) == list(range(cfg.first_year, cfg.last_year + 1))
        econ = obs[~obs["entity_code"].isin(agg_codes)]
        got = econ.pivot(index="entity_code", columns="year", values="value").reindex(index=list(synth.units["iso3"]))
        want = values(synth, ind, "value")
        np.testing.assert_array_equal(got.to_numpy(), want.to_numpy())  # NaN == NaN here; exact otherwise
        agg = obs[obs["entity_code"].isin(agg_codes)].rename(columns={"entity_code": "iso3"})
        expected = synth.aggregates[synth.aggregates["indicator"] == ind]
        m = agg.merge(expected, on=["iso3", "year"], suffixes=("", "_want"), validate="one_to_one")
        assert len(m) == len(expected) > 0
        np.testing.assert_array_equal(m["value"].to_numpy(), m["value_want"].to_numpy())


def test_api_writer_quotes_names_and_leaves_missing_cells_empty(tmp_path):
    path = tmp_path / "API_SYN.X_DS2_en_csv_v2_1.csv"
    grid = np.array([[1.5, np.nan], [1e-06, 123456789.0]])
    path.write_bytes(synthetic.format_api_csv(
        ['Say "hi", world', "Plain"], ["S00001", "WLD"], 'An "odd", name', "SYN.X", np.array([2000, 2001]), grid, "2025-01-01"
    ))
    text = path.read_bytes().decode("utf-8-sig").split("\r\n")
    assert text[5] == '"Say ""hi"", world","S00001","An ""odd"", name","SYN.X","1.5","",'
    obs = read_wb_api(path, path.name, "synthetic")
    assert list(obs["entity_raw"]) == ['Say "hi", world'] * 2 + ["Plain"] * 2
    np.testing.assert_array_equal(obs["value"].to_numpy(), grid.ravel())


def test_metadata_country_round_trips(synth, written):
    _, folder = written
    meta_path = folder / "raw" / "synthetic" / synthetic.METADATA_FILE
    meta = read_wb_metadata_country(meta_path, meta_path.name, "wb_metadata").set_index("iso3")
    units = synth.units.set_index("iso3")
    for col in ("region", "income_group", "name"):
        assert (meta.loc[units.index, col].to_numpy() == units[col].to_numpy()).all(), col
    aggs = sorted(set(synth.aggregates["iso3"]))
    assert {"WLD", "LIC", "HIC", "SSF"} <= set(aggs)
    assert (meta.loc[aggs, "region"] == "").all() and (meta.loc[aggs, "income_group"] == "").all()
    assert len(meta) == len(units) + len(aggs)


def test_overlay_validates_and_catalogue_loads(cfg, written):
    root, folder = written
    config = load_yaml(REPO / "config" / "config.yaml")
    update_config(config, load_yaml(folder / "config.yaml"))
    validate_config(config, project_root=root)
    assert config["paths"]["raw"] == f"{FOLDER}/raw"
    assert [s["id"] for s in config["sources"]] == ["synthetic"]
    assert (config["analysis"]["first_year"], config["analysis"]["last_year"]) == (2000, 2015)
    cat = load_catalogue(*(root / config["catalogue"][k] for k in ("indicators", "series", "entities")), ["synthetic"])
    assert list(cat["indicators"]["indicator"]) == [s.indicator for s in cfg.indicators]
    assert (cat["series"]["precedence"] == 1).all() and (cat["series"]["transform"] == "none").all()
    assert cat["entities"].empty
    # The written catalogue rows are the real ones, byte for byte.
    real = (REPO / "config" / "indicators.csv").read_text(encoding="utf-8").splitlines()
    mine = (folder / "config" / "indicators.csv").read_text(encoding="utf-8").splitlines()
    assert mine[0] == real[0] and set(mine[1:]) <= set(real[1:])
    # Every raw file the run reads is where the overlay says and verified by the MANIFEST.
    raw = root / config["paths"]["raw"]
    data_files = sorted(Path(p).relative_to(raw).as_posix() for p in glob.glob(str(raw / config["sources"][0]["files"][0])))
    assert len(data_files) == len(cfg.indicators)
    cls = config["classifications"]
    rels = data_files + [cls[k]["file"] for k in ("current", "income_history", "concordance")] + cls["metadata"]
    manifest = ingest.load_manifest(root / config["paths"]["manifest"])
    verified = ingest.verify_files(rels, raw, manifest, config["paths"]["manifest"])
    assert len(verified) == len(rels)
    assert set(manifest.loc[manifest["path"].str.startswith("synthetic/"), "publisher"]) == {synthetic.PUBLISHER}
    assert (manifest["bytes"].astype(int) == [(raw / p).stat().st_size for p in manifest["path"]]).all()
    real_manifest = ingest.load_manifest(REPO / "data" / "raw" / "MANIFEST.csv").set_index("path")
    for k in ("current", "income_history", "concordance"):
        rel = cls[k]["file"]
        assert (raw / rel).read_bytes() == (REPO / "data" / "raw" / rel).read_bytes()
        row = manifest.set_index("path").loc[rel]
        assert row["sha256"] == real_manifest.loc[rel, "sha256"]
        assert row["publisher"] == real_manifest.loc[rel, "publisher"]


def test_harmoniser_recovers_the_observed_panel(synth, written):
    """Ingest and harmonise the folder with the project's own code: the panel is exactly the
    generated observed values, the aggregates are dropped and no entity is unknown."""
    root, folder = written
    config = load_yaml(REPO / "config" / "config.yaml")
    update_config(config, load_yaml(folder / "config.yaml"))
    raw = root / config["paths"]["raw"]
    sources = [
        {**s, "files": sorted(Path(p).relative_to(raw).as_posix() for f in s["files"] for p in glob.glob(str(raw / f)))}
        for s in config["sources"]
    ]
    cat = load_catalogue(*(root / config["catalogue"][k] for k in ("indicators", "series", "entities")), ["synthetic"])
    obs = ingest.read_sources(sources, raw)
    cls = config["classifications"]
    read = lambda key, name, src: CLASSIFICATION_READERS[name](raw / cls[key]["file"], cls[key]["file"], src)  # noqa: E731
    current = read("current", "wb_class", "wb_class")
    history = read("income_history", "wb_income_history", "wb_income_history")
    concordance = read("concordance", "country_codes", "concordance")
    meta = CLASSIFICATION_READERS["wb_metadata_country"](raw / cls["metadata"][0], cls["metadata"][0], "wb_metadata")
    groups = read_wb_groups(raw / cls["current"]["file"], cls["current"]["file"], "wb_class")
    universe = harmonize.build_universe(current, meta, concordance, history, groups)
    entities = harmonize.resolve_entities(obs, universe, cat["entities"])
    assert set(entities["entity_fate"]) == {"economy", "aggregate"}
    trail = harmonize.assign_fates(obs, cat["series"], entities, population_indicator="population",
                                   first_year=None, last_year=None)
    assert (trail.loc[trail["entity_code"].isin(set(synth.aggregates["iso3"])), "fate"].isin(["aggregate", "missing"])).all()
    panel = harmonize.build_panel(trail)
    want = synth.panel.dropna(subset=["value"])
    want = want.assign(iso3=want["iso3"].astype(str), indicator=want["indicator"].astype(str))
    m = panel.merge(want, on=["iso3", "year", "indicator"], how="outer", suffixes=("", "_want"), indicator=True)
    assert (m["_merge"] == "both").all()
    np.testing.assert_array_equal(m["value"].to_numpy(), m["value_want"].to_numpy())
    assert harmonize.validate_ranges(panel, cat["indicators"], tolerance=0.0, mode="flag").empty


def test_truth_json_and_readme(cfg, synth, written):
    _, folder = written
    truth = json.loads((folder / "truth.json").read_text(encoding="utf-8"))
    assert truth["generator"] == "scripts.synthetic"
    assert truth["config"]["seed"] == cfg.seed and truth["n_units"] == 220
    for o, t in truth["outcomes"].items():
        assert t["beta"] == cfg.spec(o).outcome.beta and t["gamma"] == cfg.spec(o).outcome.gamma
        assert "ICT_i,t" in t["formula"]
    lat = pd.read_parquet(folder / "truth" / "latent.parquet")
    np.testing.assert_array_equal(lat["ict_composite"].to_numpy(), synth.latent["ict_composite"].to_numpy())
    complete = pd.read_parquet(folder / "truth" / "complete.parquet")
    np.testing.assert_array_equal(complete["value_complete"].to_numpy(), synth.panel["value_complete"].to_numpy())
    assert (complete["observed"].to_numpy() == synth.panel["value"].notna().to_numpy()).all()
    readme = (folder / "README.md").read_text(encoding="utf-8")
    assert f"--seed {cfg.seed}" in readme and f"--configfile {FOLDER}/config.yaml" in readme


# ======================================================================================
# Errors and the command line
# ======================================================================================


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda r: r.update(sead=r.pop("seed")), "did you mean 'seed'"),
        (lambda r: r["composite"].update(life_expectancy={"reference": 1, "weight": 1}), "not a generated diffusion"),
        (lambda r: r["outcomes"]["maternal_mortality"].update(link="logit"), "logit link needs"),
        (lambda r: r["outcomes"]["life_expectancy"].update(link="probit"), "is not one of"),
        (lambda r: r["indicators"].update(exclude=["gdp_pc_usd"]), "gdp_pc_usd"),
        (lambda r: r["indicators"]["include"].append("poverty_300"), "has no parameters under outcomes"),
        (lambda r: r["diffusion"].update(mobile_per100={"rate": 0.2, "ceilin_rich": 3}), "did you mean 'ceiling_rich'"),
        (lambda r: r["diffusion"].update(internet_users_pct={"ceiling_rich": 120}), "below the catalogue maximum"),
        (lambda r: r.update(analysis={"first_year": 1990, "last_year": 2015}), "analysis.first_year"),
    ],
)
def test_bad_configs_are_refused_with_the_key(edit, message):
    raw = copy.deepcopy(raw_config())
    edit(raw)
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")):
        config_from(raw)


def test_write_refuses_folders_outside_the_project_or_not_generated(tmp_path, synth):
    root = make_project(tmp_path / "p")
    with pytest.raises(ConfigError, match="outside the project root"):
        synthetic.write_dataset(synth, tmp_path / "elsewhere", root)
    precious = root / "data" / "synthetic" / "mine"
    precious.mkdir(parents=True)
    (precious / "notes.txt").write_text("keep me")
    with pytest.raises(ConfigError, match="not a synthetic dataset"):
        synthetic.write_dataset(synth, precious, root)
    assert (precious / "notes.txt").read_text() == "keep me"


def test_rewriting_replaces_the_whole_folder(tmp_path):
    root = make_project(tmp_path / "p")
    big = synthetic.load_config(CONFIG, project_root=root, scale=0.1)
    folder = synthetic.write_dataset(synthetic.generate(big), FOLDER, root)
    n_before = len(list((folder / "raw" / "synthetic").glob("API_*.csv")))
    raw = raw_config()
    raw["indicators"]["exclude"] = ["hh_computer_pct"]
    small = config_from(raw, scale=0.1)
    synthetic.write_dataset(synthetic.generate(small), FOLDER, root)
    after = list((folder / "raw" / "synthetic").glob("API_*.csv"))
    assert len(after) == n_before - 1 == len(small.indicators)
    assert not list(folder.parent.glob(".*"))  # no staging or old folders left behind


def test_cli_writes_a_dataset(tmp_path):
    root = make_project(tmp_path / "p")
    status = synthetic.main(["--config", CONFIG, "--scale", "0.1", "--seed", "7", "--out", "data/synthetic/cli",
                             "--project-root", str(root)])
    assert status == 0
    truth = json.loads((root / "data" / "synthetic" / "cli" / "truth.json").read_text(encoding="utf-8"))
    assert truth["n_units"] == 22 and truth["config"]["seed"] == 7
    assert synthetic.main(["--config", CONFIG, "--out", str(tmp_path / "outside"), "--project-root", str(root)]) == 2
