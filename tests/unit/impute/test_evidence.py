"""Imputation that follows its own evidence: carry steps, never-reported series, strata and per-step counts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scripts.core import tables
from scripts.core.contract import conform
from scripts.core.errors import ConfigError
from scripts.core.vocabulary import MASK_STRATA
from scripts.impute.accuracy import KIND, missing_strata, weighted_rows
from scripts.impute.cube import build_cube
from scripts.impute.kernels import carry_forward_fill
from scripts.impute.masking import MaskDesign, _mask, _pick_series, masking_tables, recommend_methods
from scripts.impute.point import impute_panel, unreported_counts
from scripts.impute.screening import screen
from scripts.impute.settings import ImputeSettings, resolve_methods

NAN = np.nan
YEARS = range(2000, 2016)


def make_panel(records: list[tuple[str, int, str, float]]) -> pd.DataFrame:
    df = pd.DataFrame(records, columns=["iso3", "year", "indicator", "value"])
    df = df.assign(source="test", series=df["indicator"], file="test.csv", row=np.arange(len(df)) + 2, column="value")
    return conform(df, tables.PANEL)


def make_groups(units: list[str], years: range) -> pd.DataFrame:
    """Two regions x two income groups, assigned round-robin, the same every year."""
    return pd.DataFrame(
        [(u, y, f"R{i % 2}", ["L", "H"][(i // 2) % 2]) for i, u in enumerate(units) for y in years],
        columns=["iso3", "year", "region", "income_group"],
    )


def catalogue(roles: dict[str, str]) -> pd.DataFrame:
    return pd.DataFrame({"indicator": list(roles), "role": list(roles.values()), "min": "", "max": ""})


def keep_all(panel: pd.DataFrame, cat: pd.DataFrame, groups: pd.DataFrame, first: int, last: int) -> pd.DataFrame:
    return screen(panel, cat, groups, first, last, min_indicator_share=0.0, min_unit_share=0.0)


# --------------------------------------------------------------------------- the carry steps


def test_carry_forward_bridges_interior_gaps_up_to_k_with_the_value_before() -> None:
    a = np.array([[1.0, NAN, NAN, 4.0, NAN, NAN, NAN, 8.0, NAN]])
    # Gaps of 2 and 3 years: both bridged at k=3 by the value before them; the trailing gap is left alone.
    assert carry_forward_fill(a, 3)[0, [1, 2, 4, 5, 6]].tolist() == [1.0, 1.0, 4.0, 4.0, 4.0]
    assert np.isnan(carry_forward_fill(a, 3)[0, [0, 3, 7, 8]]).all()
    # At k=2 the three-year gap stays missing entirely (not filled partway).
    short = carry_forward_fill(a, 2)[0]
    assert short[[1, 2]].tolist() == [1.0, 1.0] and np.isnan(short[4:7]).all()


def test_carry_long_and_carry_forward_in_the_point_imputation() -> None:
    years = range(2000, 2010)
    rec = [("A", y, "c1", 5.0) for y in (2003, 2004)] + [("A", y, "c1", 7.0) for y in (2009,)]
    rec += [("B", y, "c1", 1.0) for y in years]
    panel = make_panel(rec)
    cat = catalogue({"c1": "control"})
    groups = make_groups(["A", "B"], years)
    out = impute_panel(
        panel,
        cat,
        groups,
        2000,
        2009,
        methods={"control": ["carry_forward", "carry_long"]},
        settings=ImputeSettings(long_carry=4),
        screening=keep_all(panel, cat, groups, 2000, 2009),
    ).set_index(["iso3", "year"])
    a = out.loc["A"]
    # 2005-2008 (a four-year gap) take the value before it; 2000-2002 the first value carried back.
    assert a.loc[2005:2008, "value"].tolist() == [5.0] * 4
    assert set(a.loc[2005:2008, "method"]) == {"carry_forward(k=4)"} and set(a.loc[2005:2008, "status"]) == {
        "interpolated"
    }
    assert a.loc[2000:2002, "value"].tolist() == [5.0] * 3
    assert set(a.loc[2000:2002, "method"]) == {"carry(k=4)"} and set(a.loc[2000:2002, "status"]) == {"extrapolated"}


def test_carry_all_reaches_the_ends_of_the_window() -> None:
    years = range(2000, 2010)
    rec = [("A", 2003, "c1", 2.0), ("A", 2006, "c1", 3.0), ("A", 2007, "c1", 4.0)]
    panel = make_panel(rec + [("B", y, "c1", 1.0) for y in years])
    cat = catalogue({"c1": "control"})
    groups = make_groups(["A", "B"], years)
    kw = dict(settings=ImputeSettings(long_carry=2), screening=keep_all(panel, cat, groups, 2000, 2009))
    out = impute_panel(panel, cat, groups, 2000, 2009, methods={"control": ["carry_all"]}, **kw)
    a = out.loc[out["iso3"] == "A"].set_index("year")
    # The first value carried back to 2000, each value forward across the gap and to 2009.
    assert a["value"].tolist() == [2.0] * 6 + [3.0] + [4.0] * 3
    assert set(a.loc[[2000, 2002, 2008, 2009], "method"]) == {"carry(all)"}
    assert set(a.loc[[2000, 2002, 2008, 2009], "status"]) == {"extrapolated"}
    assert set(a.loc[[2004, 2005], "method"]) == {"carry_forward(all)"}
    assert set(a.loc[[2004, 2005], "status"]) == {"interpolated"}
    # carry_long stops at long_carry years and leaves the gap alone.
    out = impute_panel(panel, cat, groups, 2000, 2009, methods={"control": ["carry_long"]}, **kw)
    assert out.loc[out["iso3"] == "A", "value"].isna().tolist() == [True] + [False] * 3 + [True] * 2 + [False] * 4


# --------------------------------------------------------------------------- never-reported series


def _unreported_case() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Four economies, two readiness indicators; D never reports r2."""
    years = range(2000, 2006)
    rec = [(u, y, "r1", 10.0 * (i + 1) + y - 2000) for i, u in enumerate("ABCD") for y in years]
    rec += [(u, y, "r2", float(i + y - 2000)) for i, u in enumerate("ABC") for y in years]
    groups = pd.DataFrame(
        [(u, y, "R", "H") for u in "ABCD" for y in years], columns=["iso3", "year", "region", "income_group"]
    )
    return make_panel(rec), catalogue({"r1": "readiness", "r2": "readiness"}), groups


@pytest.mark.parametrize("step", ["group_median", "knn", "iterative"])
def test_a_never_reported_series_is_not_invented_by_default(step: str) -> None:
    panel, cat, groups = _unreported_case()
    screening = keep_all(panel, cat, groups, 2000, 2005)
    kw = dict(methods={"readiness": ["interpolate", "carry", step]}, screening=screening)
    out = impute_panel(panel, cat, groups, 2000, 2005, **kw)
    d = out.loc[(out["iso3"] == "D") & (out["indicator"] == "r2")]
    assert len(d) == 6 and d["value"].isna().all()
    assert (d["status"] == "missing").all() and (d["method"] == "never reported").all()
    counts = unreported_counts(out, cat)
    assert counts.to_dict("records") == [
        {
            "indicator": "r2",
            "role": "readiness",
            "economies": 1,
            "cells": 6,
            "share": 6 / 24,
            "iso3": "D",
            "reason": "no observation in the analysis window; left missing (impute.fill_unreported is off)",
        }
    ]
    # Switched on, the same chain fills the series, flagged by its step.
    filled = impute_panel(panel, cat, groups, 2000, 2005, settings=ImputeSettings(fill_unreported=True), **kw)
    d = filled.loc[(filled["iso3"] == "D") & (filled["indicator"] == "r2")]
    assert d["value"].notna().all() and (d["status"] != "observed").all() and (d["method"] != "never reported").all()
    assert unreported_counts(filled, cat).empty


def test_fill_unreported_must_be_a_boolean() -> None:
    with pytest.raises(ConfigError, match="fill_unreported"):
        ImputeSettings(fill_unreported="yes")  # type: ignore[arg-type]


# --------------------------------------------------------------------------- the strata and per-step counts


def _constant_panel(n_units: int = 24, role: str = "control") -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Series that never change within an economy but differ between economies: carrying is exact, peers are not.

    Some series have the panel's own long gaps, which the masking experiment copies: a
    five-year leading gap (x0 of the first six economies), a five-year interior gap (x1 of
    the next six) and a four-year trailing gap (x2 of the next four).
    """
    units = [f"U{i:02d}" for i in range(n_units)]
    rng = np.random.default_rng(7)
    level = rng.normal(50, 15, (n_units, 3))

    def reported(i: int, y: int, j: int) -> bool:
        return not (
            (j == 0 and i < 6 and y < 2005)
            or (j == 1 and 6 <= i < 12 and 2004 <= y <= 2008)
            or (j == 2 and 12 <= i < 16 and y > 2011)
        )

    rec = [
        (u, y, f"x{j}", float(level[i, j]))
        for i, u in enumerate(units)
        for y in YEARS
        for j in range(3)
        if reported(i, y, j)
    ]
    return make_panel(rec), catalogue({f"x{j}": role for j in range(3)}), make_groups(units, YEARS)


def test_pick_series_takes_enough_series_for_min_cells_per_role() -> None:
    eligible = np.array([True, True, True, True, False, True])
    cells = np.array([3, 3, 3, 3, 3, 10])
    role_of = np.array(["a", "a", "a", "a", "a", "b"], dtype=object)
    rng = np.random.default_rng(0)
    chosen = _pick_series(eligible, cells, role_of, 0.0, 7, rng)
    # Role a needs three series of 3 cells to reach 7; role b's one series has 10; the ineligible one is never taken.
    assert chosen[:4].sum() == 3 and chosen[5] and not chosen[4]
    assert not _pick_series(eligible, cells, role_of, 0.0, 0, rng).any()
    assert _pick_series(eligible, cells, role_of, 0.5, 0, rng)[:4].sum() == 2


def test_every_structured_stratum_hides_min_cells_as_long_as_the_panel_gaps() -> None:
    panel, cat, groups = _constant_panel()
    settings = ImputeSettings(max_gap=3, max_extrap=2)
    cube = build_cube(panel, cat, groups, 2000, 2015, keep_all(panel, cat, groups, 2000, 2015))
    kind = _mask(cube, MaskDesign(share=0.0, min_cells=60), settings, np.random.default_rng(1))
    for stratum in ("end", "long_end", "long_gap"):
        assert (kind == KIND[stratum]).sum() >= 60, stratum
    assert not (kind == KIND["series"]).any(), "whole series are hidden only when fill_unreported is on"
    years = np.arange(16)
    observed = ~np.isnan(cube.x)
    lengths = {"long_gap": {5}, "long_end": {4, 5}}  # the panel's own long gaps
    for stratum in ("long_gap", "long_end"):
        for u, i in zip(*np.nonzero((kind == KIND[stratum]).any(axis=1))):
            hidden = years[kind[u, :, i] == KIND[stratum]]
            kept = years[observed[u, :, i] & (kind[u, :, i] == 0)]
            assert hidden.size in lengths[stratum], stratum
            if stratum == "long_gap":
                # An interior run, with observations kept on both sides.
                assert kept.min() < hidden.min() and hidden.max() < kept.max()
            else:
                assert hidden.max() < kept.min() or hidden.min() > kept.max()
    on = _mask(
        cube, MaskDesign(share=0.0, min_cells=60), ImputeSettings(fill_unreported=True), np.random.default_rng(1)
    )
    whole = on == KIND["series"]
    # Whole series: every observation of a series, at least 60 cells of them.
    assert whole.sum() >= 60 and (whole == (whole.any(axis=1, keepdims=True) & observed)).all()


def test_step_counts_add_up_and_flag_the_under_measured() -> None:
    panel, cat, groups = _constant_panel()
    chains = ["interpolate+carry+group_median", "carry_forward+carry_long+group_median"]
    acc, steps, _ = masking_tables(
        panel,
        cat,
        groups,
        2000,
        2015,
        share=0.1,
        min_cells=60,
        methods=chains,
        settings=ImputeSettings(long_carry=5),
        screening=keep_all(panel, cat, groups, 2000, 2015),
    )
    assert set(steps["method"]) == set(chains) and set(steps["cells"]) == {*MASK_STRATA, "all"}
    pooled = acc.loc[(acc["indicator"] == "all") & (acc["role"] == "control") & ~acc["baseline"]]
    for chain in chains:
        mine = steps.loc[(steps["method"] == chain) & (steps["cells"] == "all")]
        assert mine["step"].tolist() == chain.split("+") and mine["position"].tolist() == [1, 2, 3]
        # Each filled hidden cell is counted once, under the step that filled it, in each stratum.
        for cells in ("random", "end", "long_end", "long_gap", "all"):
            n = steps.loc[(steps["method"] == chain) & (steps["cells"] == cells), "n"].sum()
            assert n == pooled.loc[(pooled["method"] == chain) & (pooled["cells"] == cells), "n"].item()
        assert (mine["measured"] == (mine["n"] >= 60)).all()
    # Carrying a constant series is exact wherever it reaches; the peers' median is not.
    exact = steps.loc[steps["step"].isin(["carry", "carry_forward", "carry_long"]) & (steps["n"] > 0)]
    assert exact["rmse_sd"].max() < 1e-12
    assert steps.loc[(steps["step"] == "group_median") & (steps["cells"] == "all"), "rmse_sd"].min() > 0.1
    assert (steps.loc[steps["cells"] == "series", "n"] == 0).all()


def test_masking_tables_are_seeded() -> None:
    panel, cat, groups = _constant_panel(12)
    kw = dict(share=0.1, min_cells=30, methods=["interpolate+carry_long+group_median"])
    one = masking_tables(panel, cat, groups, 2000, 2015, settings=ImputeSettings(seed=4), **kw)
    two = masking_tables(panel, cat, groups, 2000, 2015, settings=ImputeSettings(seed=4), **kw)
    other = masking_tables(panel, cat, groups, 2000, 2015, settings=ImputeSettings(seed=5), **kw)
    assert all(a.equals(b) for a, b in zip(one, two))
    assert not one[0].equals(other[0])


def test_the_evidence_picks_carrying_for_series_that_never_change_controls_included() -> None:
    """Constant series: carrying is exact at any distance, interpolation cannot bridge long gaps, peers are wrong."""
    panel, cat, groups = _constant_panel()
    chains = [
        "interpolate+carry+group_median",
        "interpolate+trend+group_median",
        "interpolate+carry_long+group_median",
        "carry_forward+carry_long+group_median",
        "group_median",
    ]
    acc, _, _ = masking_tables(
        panel,
        cat,
        groups,
        2000,
        2015,
        share=0.1,
        min_cells=60,
        methods=chains,
        settings=ImputeSettings(long_carry=5),
        screening=keep_all(panel, cat, groups, 2000, 2015),
    )
    best = recommend_methods(acc)
    assert best == {"control": "carry_forward+carry_long+group_median"}
    used = resolve_methods({"control": "auto"}, best).set_index("role")
    assert used.loc["control", "chain"] == "carry_forward+carry_long+group_median"
    assert used.loc["control", "chosen_by"] == "masking experiment"


def test_the_evidence_picks_interpolation_and_trend_for_straight_lines() -> None:
    """Series on straight lines of different slopes: interpolation and the trend are exact, carrying is not."""
    units = [f"U{i:02d}" for i in range(24)]
    rng = np.random.default_rng(3)
    slope = rng.normal(2.0, 1.0, (24, 2))
    rec = [
        (u, y, f"x{j}", 10.0 + slope[i, j] * (y - 2000)) for i, u in enumerate(units) for y in YEARS for j in range(2)
    ]
    panel, cat, groups = make_panel(rec), catalogue({"x0": "use", "x1": "use"}), make_groups(units, YEARS)
    chains = [
        "interpolate+carry+group_median",
        "interpolate+trend+group_median",
        "carry_forward+carry_long+group_median",
    ]
    acc, steps, _ = masking_tables(
        panel,
        cat,
        groups,
        2000,
        2015,
        share=0.1,
        min_cells=0,
        methods=chains,
        settings=ImputeSettings(long_carry=5),
        screening=keep_all(panel, cat, groups, 2000, 2015),
    )
    assert recommend_methods(acc) == {"use": "interpolate+trend+group_median"}
    trend = steps.loc[(steps["step"] == "trend") & (steps["n"] > 0)]
    assert len(trend) and trend["rmse_sd"].max() < 1e-9


def test_mask_design_is_validated() -> None:
    with pytest.raises(ConfigError, match="share"):
        MaskDesign(share=1.0)
    with pytest.raises(ConfigError, match="min_cells"):
        MaskDesign(min_cells=-1)


# --------------------------------------------------------------------------- weighting by the panel's own gaps


def test_missing_cells_are_classed_by_the_stratum_they_resemble() -> None:
    values = [1.0, NAN, 3.0, NAN, NAN, NAN, NAN, 8.0, NAN, NAN, NAN]
    years = range(2000, 2011)
    rec = [("A", y, "r1", v) for y, v in zip(years, values) if not np.isnan(v)]
    rec += [("A", y, "r2", 1.0) for y in years] + [("B", y, "r1", 2.0) for y in years]
    panel = make_panel(rec)
    cat = catalogue({"r1": "readiness", "r2": "readiness"})
    groups = make_groups(["A", "B"], years)
    cube = build_cube(panel, cat, groups, 2000, 2010, keep_all(panel, cat, groups, 2000, 2010))
    settings = ImputeSettings(max_gap=3, max_extrap=2)
    got = missing_strata(cube, settings).set_index("cells")["n_missing"].to_dict()
    # 2001: a one-year gap; 2003-2006: a four-year gap; 2008-2009 within two years of the end; 2010 beyond.
    assert got == {"end": 2, "long_end": 1, "long_gap": 4, "random": 1}
    on = missing_strata(cube, ImputeSettings(max_gap=3, max_extrap=2, fill_unreported=True))
    # B never reports r2: its 11 cells count only when they would be filled.
    assert on.set_index("cells").loc["series", "n_missing"] == 11
    assert on["weight"].sum() == pytest.approx(1.0)


def test_weighted_rows_weight_each_stratum_by_the_panel_gaps() -> None:
    rows = [
        ("c", False, "use", "all", "random", 10, 10, 1.0, 0.1, 0.05),
        ("c", False, "use", "all", "end", 10, 5, 0.5, 0.3, 0.2),
        ("c", False, "use", "all", "long_end", 10, 0, 0.0, NAN, NAN),
    ]
    acc = pd.DataFrame(
        rows,
        columns=["method", "baseline", "role", "indicator", "cells", "n_masked", "n", "coverage", "rmse_sd", "mae_sd"],
    )
    missingness = pd.DataFrame(
        {"role": "use", "cells": ["random", "end", "long_end", "long_gap"], "n_missing": [6, 2, 2, 5]}
    ).assign(weight=lambda d: d["n_missing"] / 15)
    out = weighted_rows(conform(acc.assign(rmse=NAN, mae=NAN, scale=NAN), tables.ACCURACY), missingness).iloc[0]
    # long_gap was not hidden: weights renormalised over random, end, long_end (0.6, 0.2, 0.2);
    # long_end was hidden but not filled: the errors are the mean over the filled strata (0.6, 0.2 -> 0.75, 0.25).
    assert out["cells"] == "weighted" and (out["n_masked"], out["n"]) == (30, 15)
    assert out["coverage"] == pytest.approx(0.6 * 1.0 + 0.2 * 0.5)
    assert out["rmse_sd"] == pytest.approx(np.sqrt(0.75 * 0.01 + 0.25 * 0.09))
    assert out["mae_sd"] == pytest.approx(0.75 * 0.05 + 0.25 * 0.2)
    # The recommendation reads the weighted rows when a role has them.
    worse = conform(
        pd.DataFrame(
            [
                ("d", False, "use", "all", "all", 30, 30, 1.0, 0.01, 0.01),
                ("d", False, "use", "all", "weighted", 30, 30, 1.0, 0.5, 0.4),
            ],
            columns=acc.columns,
        ).assign(rmse=NAN, mae=NAN, scale=NAN),
        tables.ACCURACY,
    )
    both = pd.concat([conform(pd.DataFrame([out]), tables.ACCURACY), worse], ignore_index=True)
    assert recommend_methods(both.assign(coverage=1.0)) == {"use": "c"}


def test_with_fill_unreported_the_experiment_measures_whole_series() -> None:
    panel, cat, groups = _constant_panel()
    kw = dict(share=0.1, min_cells=60, methods=["interpolate+carry_all+group_median"])
    screening = keep_all(panel, cat, groups, 2000, 2015)
    on = ImputeSettings(fill_unreported=True)
    acc, steps, missingness = masking_tables(panel, cat, groups, 2000, 2015, settings=on, screening=screening, **kw)
    series = acc.loc[(acc["cells"] == "series") & (acc["indicator"] == "all") & (acc["role"] == "control")]
    chain = series.loc[series["method"] == "interpolate+carry_all+group_median"].iloc[0]
    # Only the group median can fill a series with nothing left: it fills them all, with a peer's error.
    assert chain["n_masked"] >= 60 and chain["coverage"] == 1.0 and chain["rmse_sd"] > 0.1
    group = steps.loc[(steps["step"] == "group_median") & (steps["cells"] == "series")].iloc[0]
    assert group["n"] == chain["n"]
    # The panel reports every series, so no real cell is of that class and the weights ignore it.
    assert "series" not in set(missingness["cells"])
    off, _, _ = masking_tables(panel, cat, groups, 2000, 2015, settings=ImputeSettings(), screening=screening, **kw)
    assert "series" not in set(off["cells"])
