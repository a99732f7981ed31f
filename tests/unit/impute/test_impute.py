"""Imputation: hand-computed steps, role separation, the masking experiment and MI draws."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scripts.core import tables
from scripts.core.contract import conform
from scripts.core.errors import ConfigError, InputError
from scripts.core.vocabulary import STATUSES, STEPS
from scripts.impute.draws import multiple_imputation
from scripts.impute.masking import masking_experiment, recommend_methods
from scripts.impute.point import impute_panel
from scripts.impute.settings import ImputeSettings, parse_chain
from scripts.impute.steps import extrapolate, group_impute, interpolate, iterative_impute, knn_impute

NAN = np.nan


def make_panel(records: list[tuple[str, int, str, float]]) -> pd.DataFrame:
    """A tables.PANEL frame from (iso3, year, indicator, value) tuples."""
    df = pd.DataFrame(records, columns=["iso3", "year", "indicator", "value"])
    df = df.assign(source="test", series=df["indicator"], file="test.csv", row=np.arange(len(df)) + 2, column="value")
    return conform(df, tables.PANEL)


def make_groups(spec: dict[str, tuple[str, str]], years: range) -> pd.DataFrame:
    """Groups frame giving every economy the same (region, income group) in every year."""
    return pd.DataFrame(
        [(u, y, r, g) for u, (r, g) in spec.items() for y in years],
        columns=["iso3", "year", "region", "income_group"],
    )


def no_screening(
    panel: pd.DataFrame, catalogue: pd.DataFrame, groups: pd.DataFrame, first: int, last: int
) -> pd.DataFrame:
    from scripts.impute.screening import screen

    return screen(panel, catalogue, groups, first, last, min_indicator_share=0.0, min_unit_share=0.0)


def cell(out: pd.DataFrame, iso3: str, year: int, indicator: str, draw: int = 0) -> pd.Series:
    hit = out.loc[
        (out["iso3"] == iso3) & (out["year"] == year) & (out["indicator"] == indicator) & (out["draw"] == draw)
    ]
    assert len(hit) == 1
    return hit.iloc[0]


# --------------------------------------------------------------------------- interpolation


def test_interpolation_hand_case() -> None:
    wide = pd.DataFrame([[10.0, NAN, NAN, 40.0]], columns=[2000, 2001, 2002, 2003])
    filled = interpolate(wide, max_gap=2)
    assert filled.iloc[0].tolist() == [10.0, 20.0, 30.0, 40.0]
    assert interpolate(wide, max_gap=3).iloc[0].tolist() == [10.0, 20.0, 30.0, 40.0]
    # A gap longer than k stays missing entirely: not even the year next to an observation is filled.
    unchanged = interpolate(wide, max_gap=1)
    assert unchanged.iloc[0, [0, 3]].tolist() == [10.0, 40.0]
    assert unchanged.iloc[0, [1, 2]].isna().all()


def test_interpolation_leaves_ends_and_uses_each_gap_length() -> None:
    wide = pd.DataFrame(
        [[NAN, 2.0, NAN, 6.0, NAN, NAN, NAN, 0.0, NAN]],
        columns=range(2000, 2009),
    )
    out = interpolate(wide, max_gap=2).iloc[0].tolist()
    # gap of 1 filled (4.0); gap of 3 (2004-2006) too long; leading and trailing gaps untouched.
    assert out[1:4] == [2.0, 4.0, 6.0]
    assert np.isnan(out[0]) and np.isnan(out[8]) and all(np.isnan(out[4:7]))
    out3 = interpolate(wide, max_gap=3).iloc[0].tolist()
    assert out3[4:7] == pytest.approx([4.5, 3.0, 1.5])


def test_interpolation_rejects_non_consecutive_years() -> None:
    with pytest.raises(InputError, match="not consecutive"):
        interpolate(pd.DataFrame([[1.0, NAN, 3.0]], columns=[2000, 2002, 2003]), 2)


# --------------------------------------------------------------------------- extrapolation


def test_carry_extrapolation_bounded() -> None:
    wide = pd.DataFrame([[NAN, NAN, NAN, 5.0, 7.0, NAN, NAN, NAN]], columns=range(2000, 2008))
    out = extrapolate(wide, 2, "carry").iloc[0].tolist()
    assert out[1:7] == [5.0, 5.0, 5.0, 7.0, 7.0, 7.0]
    assert np.isnan(out[0]) and np.isnan(out[7])  # three years out: beyond k=2


def test_trend_uses_the_last_n_points() -> None:
    wide = pd.DataFrame([[0.0, 10.0, 2.0, 4.0, NAN]], columns=range(2000, 2005))
    # n=2: line through (2002, 2) and (2003, 4): slope 2 -> 6 in 2004.
    assert extrapolate(wide, 1, "trend", trend_points=2).iloc[0, 4] == pytest.approx(6.0)
    # n=3: points (1, 10), (2, 2), (3, 4); x mean 2, y mean 16/3, slope ((-1)(10-16/3) + (4-16/3)) / 2 = -3
    # -> 16/3 - 3 * 2 = -2/3 in 2004.
    assert extrapolate(wide, 1, "trend", trend_points=3).iloc[0, 4] == pytest.approx(-2 / 3)


def test_trend_at_the_start_is_clipped_and_single_points_fall_back_to_carry() -> None:
    wide = pd.DataFrame(
        [[NAN, NAN, 4.0, 6.0, 8.0], [NAN, 5.0, NAN, NAN, NAN]],
        columns=range(2000, 2005),
        index=["a", "b"],
    )
    out = extrapolate(wide, 2, "trend", lower=pd.Series({"a": 1.0, "b": 0.0}))
    assert out.loc["a"].tolist() == pytest.approx([1.0, 2.0, 4.0, 6.0, 8.0])  # 0 clipped to the bound 1
    assert out.loc["b", [2000, 2001, 2002, 2003]].tolist() == [5.0, 5.0, 5.0, 5.0]
    assert np.isnan(out.loc["b", 2004])


# --------------------------------------------------------------------------- groups


def test_group_mean_and_median_with_fallback_and_yearly_income() -> None:
    groups = pd.DataFrame(
        [
            # (iso3, year, region, income): C is high income in 2000 and lower-middle in 2001.
            ("A", 2000, "R1", "H"),
            ("A", 2001, "R1", "H"),
            ("B", 2000, "R1", "H"),
            ("B", 2001, "R1", "H"),
            ("F", 2000, "R1", "H"),
            ("F", 2001, "R1", "H"),
            ("C", 2000, "R1", "H"),
            ("C", 2001, "R1", "LM"),
            ("G", 2000, "R1", "LM"),
            ("G", 2001, "R1", "LM"),
            ("D", 2000, "R2", "L"),
            ("D", 2001, "R2", "L"),
            ("E", 2000, "R3", "L"),
            ("E", 2001, "R3", "L"),
            ("Z", 2000, "R4", "UM"),
            ("Z", 2001, "R4", "UM"),
        ],
        columns=["iso3", "year", "region", "income_group"],
    )
    values = {
        ("A", 2000): 1.0,
        ("B", 2000): 2.0,
        ("F", 2000): 9.0,
        ("G", 2000): 100.0,
        ("E", 2000): 50.0,
        ("A", 2001): 1.0,
        ("B", 2001): 2.0,
        ("F", 2001): 9.0,
        ("G", 2001): 100.0,
        ("E", 2001): 50.0,
    }
    idx = pd.MultiIndex.from_product([list("ABCDEFGZ"), [2000, 2001]], names=["iso3", "year"])
    wide = pd.DataFrame({"x": [values.get(k, NAN) for k in idx]}, index=idx)

    med, lab = group_impute(wide, groups, statistic="median")
    mean, _ = group_impute(wide, groups, statistic="mean")
    # C in 2000: (R1, H) peers A, B, F = 1, 2, 9 -> median 2, mean 4.
    assert med.loc[("C", 2000), "x"] == 2.0
    assert mean.loc[("C", 2000), "x"] == 4.0
    assert lab.loc[("C", 2000), "x"] == "group_median(region x income)"
    # C in 2001 is LM: peer G = 100.
    assert med.loc[("C", 2001), "x"] == 100.0
    # D (R2, L): nobody observed in R2 x L -> income group L alone: E = 50.
    assert med.loc[("D", 2000), "x"] == 50.0
    assert lab.loc[("D", 2000), "x"] == "group_median(income)"
    # Z (R4, UM): no peer at any level -> stays missing, with no label.
    assert np.isnan(med.loc[("Z", 2000), "x"])
    assert lab.loc[("Z", 2000), "x"] == ""
    # Observed cells untouched, unlabelled.
    assert med.loc[("F", 2000), "x"] == 9.0 and lab.loc[("F", 2000), "x"] == ""
    # Region before income when asked: D's region R2 has nobody either, then income -> same value.
    med_r, lab_r = group_impute(wide, groups, fallback=("region",))
    assert np.isnan(med_r.loc[("D", 2000), "x"])


def test_undated_classification_fills_years_without_a_dated_row() -> None:
    idx = pd.MultiIndex.from_product([["A", "B", "C"], [2000, 2001]], names=["iso3", "year"])
    wide = pd.DataFrame({"x": [1.0, 2.0, 10.0, 20.0, NAN, NAN]}, index=idx)
    groups = pd.DataFrame(
        {
            "iso3": ["A", "B", "C", "C"],
            "year": [pd.NA, pd.NA, pd.NA, 2001],
            "region": ["R1", "R2", "R1", "R2"],  # C: R1 today, but R2 in 2001 (a dated row wins)
            "income_group": ["H", "H", "H", "H"],
        }
    )
    filled, _ = group_impute(wide, groups)
    assert filled.loc[("C", 2000), "x"] == 1.0
    assert filled.loc[("C", 2001), "x"] == 20.0
    # A frame without a year column is a current classification.
    filled, _ = group_impute(wide, groups.iloc[:3].drop(columns="year"))
    assert filled.loc[("C", 2001), "x"] == 2.0


# --------------------------------------------------------------------------- models and role blocks


def _block_panel(seed: int = 3) -> tuple[pd.DataFrame, dict[str, str]]:
    """12 economies x 6 years: two ICT indicators, one outcome, one control, with holes."""
    rng = np.random.default_rng(seed)
    units = [f"E{i:02d}" for i in range(12)]
    idx = pd.MultiIndex.from_product([units, range(2000, 2006)], names=["iso3", "year"])
    dev = np.repeat(rng.normal(size=12), 6)
    t = np.tile(np.arange(6), 12)
    wide = pd.DataFrame(
        {
            "ict1": 10 + 5 * dev + t + rng.normal(0, 0.5, 72),
            "ict2": 20 + 3 * dev + 2 * t + rng.normal(0, 0.5, 72),
            "out1": 50 - 4 * dev + rng.normal(0, 0.5, 72),
            "ctl1": 8 + dev + rng.normal(0, 0.1, 72),
        },
        index=idx,
    )
    holes = rng.random(wide.shape) < 0.2
    return wide.mask(holes), {"ict1": "use", "ict2": "readiness", "out1": "outcome", "ctl1": "control"}


@pytest.mark.parametrize("method", ["knn", "iterative"])
def test_outcome_never_informs_ict_and_vice_versa(method: str) -> None:
    wide, roles = _block_panel()
    run = (lambda w: knn_impute(w, roles)) if method == "knn" else (lambda w: iterative_impute(w, roles, seed=1))
    base = run(wide)
    ict = ["ict1", "ict2"]
    missing_ict = wide[ict].isna()
    # Most ICT holes are filled (a row with no ICT or control value observed is left alone).
    assert missing_ict.to_numpy().sum() > 10
    assert base[ict][missing_ict].notna().to_numpy().sum() > 0.8 * missing_ict.to_numpy().sum()
    block_empty = wide[["ict1", "ict2", "ctl1"]].isna().all(axis=1)
    assert base.loc[block_empty, ict].isna().all().all()

    # Perturbing the outcome leaves every ICT imputation bit-identical ...
    perturbed = wide.assign(out1=wide["out1"] * -3.0 + 1000.0)
    assert run(perturbed)[ict].equals(base[ict])
    # ... and perturbing ICT leaves the outcome imputations identical.
    assert run(wide.assign(ict1=wide["ict1"] ** 2))["out1"].equals(base["out1"])
    # The check can fail: a control is a feature of the ICT block, so perturbing it moves ICT imputations.
    moved = run(wide.assign(ctl1=wide["ctl1"] * -3.0 + 1000.0))
    assert not moved[ict][missing_ict].equals(base[ict][missing_ict])
    # Controls are imputed from controls only: perturbing ICT does not move them either.
    assert run(wide.assign(ict1=wide["ict1"] ** 2))["ctl1"].equals(base["ctl1"])
    # Observed cells unchanged.
    assert (base.where(wide.notna()) == wide).sum().sum() == wide.notna().sum().sum()


def test_iterative_respects_bounds() -> None:
    wide, roles = _block_panel()
    out = iterative_impute(wide, roles, seed=1, upper={"ict1": 11.0})
    filled = out["ict1"][wide["ict1"].isna()].dropna()
    assert len(filled) > 5 and (filled <= 11.0).all() and (filled == 11.0).any()


@pytest.mark.parametrize("method", ["knn", "iterative"])
def test_a_cap_above_the_rows_changes_nothing(method: str) -> None:
    wide, roles = _block_panel()
    run = knn_impute if method == "knn" else (lambda w, r, **kw: iterative_impute(w, r, seed=1, **kw))
    # 72 economy-years: a cap of 72 or more fits on every row, exactly as without a cap.
    assert run(wide, roles, max_fit_rows=72).equals(run(wide, roles))
    assert run(wide, roles, max_fit_rows=10**6).equals(run(wide, roles))


@pytest.mark.parametrize("method", ["knn", "iterative"])
def test_a_capped_fit_fills_the_same_cells_reproducibly(method: str) -> None:
    wide, roles = _block_panel()
    run = knn_impute if method == "knn" else (lambda w, r, **kw: iterative_impute(w, r, seed=1, **kw))
    full, capped = run(wide, roles), run(wide, roles, max_fit_rows=30)
    # Fitted on 30 of the 72 rows, the model still fills every cell the full fit fills ...
    assert capped.isna().equals(full.isna())
    assert (capped.where(wide.notna()) == wide).sum().sum() == wide.notna().sum().sum()
    # ... with other values (other donors / regressions), seeded: a second run is identical.
    hole = wide.isna() & full.notna()
    assert not capped[hole].equals(full[hole])
    assert run(wide, roles, max_fit_rows=30).equals(capped)
    # The blocks stay separate under the cap too.
    ict = ["ict1", "ict2"]
    assert run(wide.assign(out1=wide["out1"] * -3.0 + 1000.0), roles, max_fit_rows=30)[ict].equals(capped[ict])


def test_knn_with_a_cap_takes_its_donors_from_the_subsample() -> None:
    idx = pd.MultiIndex.from_product([[f"E{i:02d}" for i in range(40)], [2000]], names=["iso3", "year"])
    x = pd.DataFrame({"a": np.arange(40.0), "b": np.arange(40.0) * 2}, index=idx)
    holes = [5, 17, 30]
    x.iloc[holes, 1] = NAN
    roles = {"a": "use", "b": "use"}
    # On all rows, each hole takes its own two nearest neighbours: b = 2a exactly.
    full = knn_impute(x, roles, n_neighbors=2)
    assert full.iloc[holes, 1].to_numpy() == pytest.approx([10.0, 34.0, 60.0])
    # Fitted on 3 rows, at most 3 donors exist; with k = 3 every hole gets their mean.
    capped = knn_impute(x, roles, n_neighbors=3, max_fit_rows=3)
    fills = capped.iloc[holes, 1]
    assert fills.max() - fills.min() < 1e-9 and fills.iloc[0] != pytest.approx(full.iloc[holes[0], 1])


# --------------------------------------------------------------------------- impute_panel


def _tiny() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    rec = [
        # A: interior gap of 2 years (2001, 2002) and one missing end year (2004).
        ("A", 2000, "R1", 1 / 3),
        ("A", 2003, "R1", np.pi),
        # B: full but for 2000 (a leading gap) -> carry.
        ("B", 2001, "R1", 2.0),
        ("B", 2002, "R1", 2.5),
        ("B", 2003, "R1", 3.0),
        ("B", 2004, "R1", 3.5),
        # C: a single value -> carry both ways for k years, the rest from the group.
        ("C", 2002, "R1", 0.1 + 0.2),
        # Outcome O1 with a gap.
        ("A", 2000, "O1", 10.0),
        ("A", 2002, "O1", 14.0),
    ]
    catalogue = pd.DataFrame({"indicator": ["R1", "O1", "E1"], "role": ["readiness", "outcome", "use"]})
    groups = make_groups({"A": ("R1", "H"), "B": ("R1", "H"), "C": ("R1", "H")}, range(2000, 2005))
    return make_panel(rec), catalogue, groups


def test_impute_panel_statuses_methods_and_exact_observed_values() -> None:
    panel, catalogue, groups = _tiny()
    screening = no_screening(panel, catalogue, groups, 2000, 2004)
    out = impute_panel(
        panel,
        catalogue,
        groups,
        2000,
        2004,
        screening=screening,
        settings=ImputeSettings(max_gap=3, max_extrap=1),
        methods={"readiness": ["interpolate", "carry", "group_median"], "outcome": ["interpolate"]},
    )
    assert list(out.columns) == list(tables.IMPUTED.columns)
    assert {c: str(t) for c, t in out.dtypes.items()} == dict(tables.IMPUTED.columns)
    # Every cell of the window for the kept economies and indicators (E1 has no data: excluded).
    assert len(out) == 3 * 5 * 2
    assert not out.duplicated(["iso3", "year", "indicator", "draw"]).any()
    assert out.equals(out.sort_values(["iso3", "year", "indicator", "draw"]).reset_index(drop=True))
    # Observed values bit for bit.
    merged = panel.merge(out, on=["iso3", "year", "indicator"], suffixes=("_in", "_out"))
    assert len(merged) == len(panel)
    assert (merged["value_in"] == merged["value_out"]).all()
    assert (merged["status"] == "observed").all() and (merged["method"] == "observed").all()

    a01 = cell(out, "A", 2001, "R1")
    assert (a01["status"], a01["method"]) == ("interpolated", "linear(k=3)")
    assert a01["value"] == pytest.approx(1 / 3 + (np.pi - 1 / 3) / 3)
    a04 = cell(out, "A", 2004, "R1")
    assert (a04["status"], a04["method"], a04["value"]) == ("extrapolated", "carry(k=1)", np.pi)
    assert cell(out, "B", 2000, "R1")["value"] == 2.0
    # Two years before C's only value: beyond k=1, so the median of its group that year (only A observed).
    c00 = cell(out, "C", 2000, "R1")
    assert (c00["status"], c00["method"], c00["value"]) == ("group", "group_median(region x income)", 1 / 3)
    assert cell(out, "C", 2001, "R1")["method"] == "carry(k=1)"
    # Outcomes: interpolated only; the rest is missing, with a status and no silent NaN.
    assert cell(out, "A", 2001, "O1")["value"] == 12.0
    b_o1 = out.loc[(out["iso3"] == "B") & (out["indicator"] == "O1")]
    # B never reported O1: its cells are missing with the reason as their method.
    assert (b_o1["status"] == "missing").all() and b_o1["value"].isna().all()
    assert (b_o1["method"] == "never reported").all()
    assert (out["value"].isna() == (out["status"] == "missing")).all()
    assert out["status"].isin(STATUSES).all()


def test_catalogue_bounds_clip_extrapolation() -> None:
    panel = make_panel([("A", 2000, "R1", 90.0), ("A", 2001, "R1", 95.0), ("A", 2002, "R1", 99.0)])
    catalogue = pd.DataFrame({"indicator": ["R1"], "role": ["readiness"], "min": [0.0], "max": ["100"]})
    groups = make_groups({"A": ("R1", "H")}, range(2000, 2005))
    out = impute_panel(
        panel,
        catalogue,
        groups,
        2000,
        2004,
        methods={"readiness": ["trend"]},
        settings=ImputeSettings(max_extrap=2),
        screening=no_screening(panel, catalogue, groups, 2000, 2004),
    )
    # Line through 90, 95, 99: slope 4.5, mean 94.67 at 2001 -> 103.67 and 108.17, clipped to 100.
    assert out.loc[out["year"] >= 2003, "value"].tolist() == [100.0, 100.0]
    assert out.loc[out["year"] >= 2003, "method"].tolist() == ["trend(k=2,n=3)"] * 2


def test_bad_input_is_recorded_not_fatal() -> None:
    rec = [(u, y, "R1", float(i + y - 2000)) for i, u in enumerate("ABCD") for y in range(2000, 2004)]
    rec += [("S", 2001, "R1", 5.0)]  # an economy with a single value
    rec += [(u, y, "K1", 7.0) for u in "ABCD" for y in range(2000, 2004)]  # a constant indicator
    catalogue = pd.DataFrame({"indicator": ["R1", "K1", "E1"], "role": ["readiness", "use", "impact"]})
    groups = make_groups({u: ("R1", "H") for u in "ABCDS"}, range(2000, 2004))
    panel = make_panel(rec)
    for methods in (None, {r: list(STEPS) for r in ("readiness", "use", "impact")}):
        out = impute_panel(panel, catalogue, groups, 2000, 2003, methods=methods)
        # E1 (no data) and S (one value of four) are excluded by screening; K1 stays constant.
        assert sorted(out["indicator"].unique()) == ["K1", "R1"]
        assert sorted(out["iso3"].unique()) == list("ABCD")
        assert (out.loc[out["indicator"] == "K1", "value"] == 7.0).all()
        assert out["status"].notna().all() and (out["value"].isna() == (out["status"] == "missing")).all()
    # Kept anyway (no thresholds): the single-value economy is carried and grouped, never a crash.
    screening = no_screening(panel, catalogue, groups, 2000, 2003)
    out = impute_panel(
        panel,
        catalogue,
        groups,
        2000,
        2003,
        screening=screening,
        methods={r: ["interpolate", "trend", "knn", "iterative", "group_mean"] for r in ("readiness", "use")},
    )
    s = out.loc[(out["iso3"] == "S") & (out["indicator"] == "R1")].set_index("year")
    assert s.loc[2001, "status"] == "observed"
    assert s.loc[2002, "method"] == "carry(k=2)"  # a trend needs two points: falls back to carry, and says so
    assert (out["value"].isna() == (out["status"] == "missing")).all()
    # Nothing kept at all: an empty, well-formed table.
    empty = impute_panel(make_panel([]), catalogue, groups, 2000, 2003)
    assert list(empty.columns) == list(tables.IMPUTED.columns) and len(empty) == 0


def test_bad_settings_raise() -> None:
    panel, catalogue, groups = _tiny()
    with pytest.raises(ConfigError, match="unknown imputation step"):
        impute_panel(panel, catalogue, groups, 2000, 2004, methods={"readiness": ["interpolate", "spline"]})
    with pytest.raises(ConfigError, match="unknown roles"):
        impute_panel(panel, catalogue, groups, 2000, 2004, methods={"ict": ["carry"]})
    with pytest.raises(ConfigError, match="repeats a step"):
        parse_chain("carry+carry")
    with pytest.raises(ConfigError, match="max_gap"):
        ImputeSettings(max_gap=-1)
    assert parse_chain("interpolate+carry+group_median") == ["interpolate", "carry", "group_median"]


def test_point_imputation_is_deterministic() -> None:
    wide, roles = _block_panel()
    long = wide.stack().rename("value").reset_index().rename(columns={"level_2": "indicator"})
    panel = make_panel(list(long[["iso3", "year", "indicator", "value"]].itertuples(index=False, name=None)))
    catalogue = pd.DataFrame({"indicator": list(roles), "role": list(roles.values())})
    groups = make_groups(
        {u: ("R1", "H" if i % 2 else "L") for i, u in enumerate(wide.index.levels[0])}, range(2000, 2006)
    )
    methods = {r: ["iterative", "group_median"] for r in roles.values()}
    one = impute_panel(panel, catalogue, groups, 2000, 2005, methods=methods, settings=ImputeSettings(seed=5))
    two = impute_panel(panel, catalogue, groups, 2000, 2005, methods=methods, settings=ImputeSettings(seed=5))
    pd.testing.assert_frame_equal(one, two)
    assert (one["status"] == "model").any()


# --------------------------------------------------------------------------- masking experiment


def _linear_panel(n_units: int = 20, years: range = range(2000, 2012), seed: int = 0):
    """Each economy follows its own straight line in each indicator; nothing is missing."""
    rng = np.random.default_rng(seed)
    t = np.arange(len(years))
    rec = []
    for ind in ("R1", "U1", "O1"):
        a = rng.normal(50, 10, n_units)
        b = rng.normal(2, 1, n_units)
        for u in range(n_units):
            rec += [(f"E{u:02d}", y, ind, float(a[u] + b[u] * k)) for k, y in zip(t, years)]
    catalogue = pd.DataFrame({"indicator": ["R1", "U1", "O1"], "role": ["readiness", "use", "outcome"]})
    regions = ["R1", "R2"]
    groups = make_groups({f"E{u:02d}": (regions[u % 2], "H") for u in range(n_units)}, years)
    return make_panel(rec), catalogue, groups


def test_masking_recovers_a_linear_series_almost_exactly() -> None:
    panel, catalogue, groups = _linear_panel()
    acc = masking_experiment(
        panel,
        catalogue,
        groups,
        2000,
        2011,
        share=0.15,
        methods=["interpolate+trend", "interpolate+carry"],
        settings=ImputeSettings(seed=4, max_gap=3, max_extrap=3),
    )
    assert list(acc.columns) == list(tables.ACCURACY.columns)
    top = acc.set_index(["method", "role", "indicator", "cells"]).sort_index()
    lin = top.loc[("interpolate+trend", "all", "all", "all")]
    assert lin["n_masked"] > 50 and lin["coverage"] > 0.9
    assert lin["rmse_sd"] < 1e-9 and lin["mae_sd"] < 1e-9
    # The same hidden cells for every method, and the baselines are far off.
    assert top.loc[("global_mean", "all", "all", "all"), "n_masked"] == lin["n_masked"]
    assert top.loc[("global_mean", "all", "all", "all"), "rmse_sd"] > 0.3
    # Carrying a trending series, on the other hand, misses at the ends.
    carry = top.loc[("interpolate+carry", "all", "all")]
    assert carry.loc["end", "rmse_sd"] > 0.05
    assert top.loc[("interpolate+carry", "readiness", "R1", "end"), "rmse"] > 0.5
    # Indicator rows carry the raw scale: raw RMSE = SD-unit RMSE x SD.
    r1 = top.loc[("locf", "readiness", "R1", "all")]
    assert r1["rmse"] == pytest.approx(r1["rmse_sd"] * r1["scale"])
    assert r1["scale"] == pytest.approx(panel.loc[panel["indicator"] == "R1", "value"].std())


def test_masking_is_seeded() -> None:
    panel, catalogue, groups = _linear_panel(n_units=8)
    kw = dict(share=0.2, methods=["interpolate+carry+group_median"])
    one = masking_experiment(panel, catalogue, groups, 2000, 2011, settings=ImputeSettings(seed=1), **kw)
    two = masking_experiment(panel, catalogue, groups, 2000, 2011, settings=ImputeSettings(seed=1), **kw)
    pd.testing.assert_frame_equal(one, two)
    other = masking_experiment(panel, catalogue, groups, 2000, 2011, settings=ImputeSettings(seed=2), **kw)
    assert not one["rmse_sd"].equals(other["rmse_sd"])


def test_recommend_methods_picks_lowest_error_with_enough_coverage() -> None:
    rows = [
        # method, baseline, role, coverage, rmse_sd, mae_sd
        ("a+b", False, "use", 1.00, 0.30, 0.20),
        ("interpolate", False, "use", 0.60, 0.01, 0.01),  # best error but leaves 40% of cells empty
        ("c", False, "use", 0.99, 0.25, 0.20),
        ("global_mean", True, "use", 1.00, 0.10, 0.05),  # baselines never win
        ("a+b", False, "outcome", 1.00, 0.40, 0.30),
        ("c", False, "outcome", 1.00, 0.40, 0.25),  # tie on RMSE: lower MAE wins
        ("c", False, "all", 1.00, 0.01, 0.01),  # pooled rows are not a role
    ]
    acc = pd.DataFrame(rows, columns=["method", "baseline", "role", "coverage", "rmse_sd", "mae_sd"])
    acc = acc.assign(indicator="all", cells="all")
    extra = acc.iloc[[0]].assign(indicator="X", rmse_sd=0.0)  # indicator rows are ignored
    assert recommend_methods(pd.concat([acc, extra])) == {"outcome": "c", "use": "c"}
    assert recommend_methods(acc, min_coverage=0.5) == {"outcome": "c", "use": "interpolate"}


# --------------------------------------------------------------------------- multiple imputation


def _mi_panel(n_units: int = 16):
    panel, catalogue, groups = _linear_panel(n_units=n_units, seed=7)
    rng = np.random.default_rng(11)
    keep = rng.random(len(panel)) > 0.3
    noisy = panel.assign(value=panel["value"] + rng.normal(0, 1.0, len(panel)))
    return noisy.loc[keep].reset_index(drop=True), catalogue, groups


def test_multiple_imputation_draws() -> None:
    panel, catalogue, groups = _mi_panel()
    methods = {r: ["interpolate", "carry", "group_median"] for r in ("readiness", "use", "outcome")}
    kw = dict(
        methods=methods,
        m=5,
        settings=ImputeSettings(seed=3, max_extrap=2),
        screening=no_screening(panel, catalogue, groups, 2000, 2011),
    )
    mi = multiple_imputation(panel, catalogue, groups, 2000, 2011, **kw)
    assert list(mi.columns) == list(tables.IMPUTED.columns)
    assert sorted(mi["draw"].unique()) == [1, 2, 3, 4, 5]
    wide = mi.pivot_table(
        index=["iso3", "year", "indicator"], columns="draw", values="value", dropna=False, observed=True
    ).sort_index()
    status = mi.loc[mi["draw"] == 1].set_index(["iso3", "year", "indicator"])["status"].reindex(wide.index)
    observed = status == "observed"
    imputed = status.isin(["interpolated", "extrapolated", "group", "model"])
    assert observed.sum() == len(panel) and imputed.sum() > 50
    # Observed cells identical in every draw (and equal to the input); imputed cells differ between draws.
    obs_vals = wide.loc[observed]
    assert (obs_vals.nunique(axis=1) == 1).all()
    truth = panel.set_index(["iso3", "year", "indicator"])["value"]
    assert (obs_vals[1] == truth.reindex(obs_vals.index)).all()
    n_distinct = wide.loc[imputed].nunique(axis=1)
    assert (n_distinct >= 2).all() and n_distinct.mean() > 4.0
    # Draws scatter around the point imputation.
    point = impute_panel(
        panel, catalogue, groups, 2000, 2011, methods=methods, settings=kw["settings"], screening=kw["screening"]
    )
    pv = point.set_index(["iso3", "year", "indicator"])["value"].reindex(wide.index)
    spread = wide.loc[imputed].sub(pv[imputed], axis=0)
    assert abs(spread.to_numpy().mean()) < 0.5 and 0.05 < spread.to_numpy().std() < 5.0
    # Same seed, same draws; another seed, other draws; the point is draw 0 when asked for.
    again = multiple_imputation(panel, catalogue, groups, 2000, 2011, **kw)
    pd.testing.assert_frame_equal(mi, again)
    other = multiple_imputation(
        panel, catalogue, groups, 2000, 2011, **{**kw, "settings": ImputeSettings(seed=4, max_extrap=2)}
    )
    assert not mi["value"].equals(other["value"])
    with_point = multiple_imputation(panel, catalogue, groups, 2000, 2011, include_point=True, **kw)
    pd.testing.assert_frame_equal(with_point.loc[with_point["draw"] == 0].reset_index(drop=True), point)
    pd.testing.assert_frame_equal(with_point.loc[with_point["draw"] > 0].reset_index(drop=True), mi)


def test_multiple_imputation_spread_follows_measured_error() -> None:
    # Extrapolated cells of noisy series err more than interpolated ones, and the draws say so.
    panel, catalogue, groups = _mi_panel(n_units=40)
    methods = {r: ["interpolate", "trend"] for r in ("readiness", "use", "outcome")}
    mi = multiple_imputation(
        panel,
        catalogue,
        groups,
        2000,
        2011,
        methods=methods,
        m=20,
        settings=ImputeSettings(seed=1, max_extrap=3),
        share=0.3,
        screening=no_screening(panel, catalogue, groups, 2000, 2011),
    )
    sd = mi.groupby(["iso3", "year", "indicator"], observed=True).agg(sd=("value", "std"), status=("status", "first"))
    by_status = sd.groupby("status", observed=True)["sd"].mean()
    assert by_status["observed"] == 0.0
    assert by_status["extrapolated"] > by_status["interpolated"] > 0.0


# --------------------------------------------------------------------------- invariants on arbitrary panels


@settings(max_examples=40, deadline=None)
@given(
    n_units=st.integers(1, 4),
    n_years=st.integers(1, 7),
    cells=st.lists(st.one_of(st.none(), st.floats(-1e6, 1e6, allow_nan=False)), min_size=56, max_size=56),
    max_gap=st.integers(0, 3),
    max_extrap=st.integers(0, 3),
    extrap=st.sampled_from(["carry", "trend"]),
)
def test_every_cell_has_a_status_and_observed_values_survive(
    n_units: int, n_years: int, cells: list[float | None], max_gap: int, max_extrap: int, extrap: str
) -> None:
    units = [f"E{u}" for u in range(n_units)]
    years = range(2000, 2000 + n_years)
    keys = [(u, y, ind) for u in units for y in years for ind in ("R1", "O1")]
    rec = [(u, y, ind, v) for (u, y, ind), v in zip(keys, cells) if v is not None]
    panel = make_panel(rec)
    catalogue = pd.DataFrame({"indicator": ["R1", "O1"], "role": ["readiness", "outcome"]})
    groups = make_groups({u: ("R1", "H" if i % 2 else "L") for i, u in enumerate(units)}, years)
    screening = no_screening(panel, catalogue, groups, 2000, 2000 + n_years - 1)
    chain = ["interpolate", extrap, "group_mean"]
    out = impute_panel(
        panel,
        catalogue,
        groups,
        2000,
        2000 + n_years - 1,
        screening=screening,
        methods={"readiness": chain, "outcome": chain[:2]},
        settings=ImputeSettings(max_gap=max_gap, max_extrap=max_extrap),
    )
    kept_ind = sorted(panel["indicator"].unique())
    assert len(out) == n_units * n_years * len(kept_ind)
    assert out["status"].isin(STATUSES).all()
    assert (out["value"].isna() == (out["status"] == "missing")).all()
    merged = panel.merge(out, on=["iso3", "year", "indicator"])
    assert len(merged) == len(panel) and (merged["value_x"] == merged["value_y"]).all()
    # An interpolated value lies between the observations around its gap.
    for _, series in out.groupby(["iso3", "indicator"], observed=True):
        v = series["value"].to_numpy()
        s = series["status"].to_numpy()
        obs = np.flatnonzero(s == "observed")
        for t in np.flatnonzero(s == "interpolated"):
            lo_v, hi_v = v[obs[obs < t].max()], v[obs[obs > t].min()]
            assert min(lo_v, hi_v) - 1e-6 <= v[t] <= max(lo_v, hi_v) + 1e-6
