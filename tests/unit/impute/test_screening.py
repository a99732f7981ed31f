"""Availability screening: hand-counted shares, decisions and the awkward cases."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scripts.core import tables
from scripts.core.contract import conform
from scripts.core.errors import ConfigError, InputError
from scripts.impute.screening import kept, screen


def make_panel(records: list[tuple[str, int, str, float]]) -> pd.DataFrame:
    """A tables.PANEL frame from (iso3, year, indicator, value) tuples."""
    df = pd.DataFrame(records, columns=["iso3", "year", "indicator", "value"])
    df = df.assign(source="test", series=df["indicator"], file="test.csv", row=np.arange(len(df)) + 2, column="value")
    return conform(df, tables.PANEL)


YEARS = [2000, 2001, 2002, 2003]
CATALOGUE = pd.DataFrame(
    {
        "indicator": ["R1", "U1", "I1", "O1", "E1", "K1"],
        "role": ["readiness", "use", "impact", "outcome", "impact", "control"],
    }
)


@pytest.fixture()
def decisions() -> pd.DataFrame:
    rec: list[tuple[str, int, str, float]] = []
    # R1: A, B, C complete, D one value -> 13 of 16 cells.
    for u in "ABC":
        rec += [(u, y, "R1", y - 1990.5) for y in YEARS]
    rec += [("D", 2000, "R1", 3.0)]
    # U1: A, B complete, C three years -> 11 of 16.
    rec += [(u, y, "U1", float(y % 7)) for u in "AB" for y in YEARS]
    rec += [("C", y, "U1", float(y % 5)) for y in YEARS[:3]]
    # I1: A and B two years each -> 4 of 16.
    rec += [(u, y, "I1", 1.0 + y) for u in "AB" for y in YEARS[:2]]
    # O1 (outcome): a single value.
    rec += [("A", 2001, "O1", 42.0)]
    # K1 (control): the same value everywhere for A and B -> constant indicator, two constant series.
    rec += [(u, y, "K1", 5.0) for u in "AB" for y in YEARS]
    # Not in the catalogue; outside the window; an economy not in the list.
    rec += [("A", 2000, "X9", 1.0), ("A", 1999, "R1", 7.0), ("ZZZ", 2000, "R1", 1.0)]
    return screen(make_panel(rec), CATALOGUE, ["A", "B", "C", "D"], 2000, 2003)


def row(dec: pd.DataFrame, kind: str, item: str) -> pd.Series:
    hit = dec.loc[(dec["kind"] == kind) & (dec["item"] == item)]
    assert len(hit) == 1, f"expected one row for {kind} {item}"
    return hit.iloc[0]


def test_columns_and_dtypes(decisions: pd.DataFrame) -> None:
    assert list(decisions.columns) == list(tables.SCREENING.columns)
    assert {c: str(t) for c, t in decisions.dtypes.items()} == dict(tables.SCREENING.columns)
    assert list(decisions["kind"]) == ["indicator"] * 7 + ["unit"] * 5


def test_indicator_shares_counted_by_hand(decisions: pd.DataFrame) -> None:
    r1 = row(decisions, "indicator", "R1")
    assert (r1["n_observed"], r1["n_possible"]) == (13, 16)  # the 1999 value is outside the window
    assert r1["share"] == pytest.approx(13 / 16)
    assert r1["decision"] == "keep"
    assert r1["reason"] == "availability 81% >= 65% over 2000-2003"
    u1 = row(decisions, "indicator", "U1")
    assert (u1["n_observed"], u1["decision"]) == (11, "keep")
    i1 = row(decisions, "indicator", "I1")
    assert i1["share"] == pytest.approx(0.25)
    assert i1["threshold"] == pytest.approx(0.65)
    assert i1["decision"] == "exclude"
    assert i1["reason"] == "availability 25% < 65% over 2000-2003"


def test_unscreened_roles_kept_but_reported(decisions: pd.DataFrame) -> None:
    o1 = row(decisions, "indicator", "O1")
    assert o1["decision"] == "keep"
    assert np.isnan(o1["threshold"])
    assert o1["n_observed"] == 1
    assert "not screened" in o1["reason"] and "6%" in o1["reason"]  # 1/16 = 6.25%
    assert o1["flag"] == "single value"


def test_no_data_constant_and_uncatalogued(decisions: pd.DataFrame) -> None:
    e1 = row(decisions, "indicator", "E1")
    assert (e1["decision"], e1["n_observed"], e1["flag"]) == ("exclude", 0, "no data")
    assert e1["reason"] == "no data over 2000-2003"
    k1 = row(decisions, "indicator", "K1")
    assert k1["decision"] == "keep"
    assert k1["flag"] == "constant; constant series"
    assert k1["n_constant"] == 2
    assert "all observed values are equal" in k1["reason"]
    x9 = row(decisions, "indicator", "X9")
    assert (x9["decision"], x9["role"], x9["flag"]) == ("exclude", "", "single value")
    assert x9["reason"].startswith("not in the indicator catalogue")


def test_units_measured_over_kept_screened_indicators(decisions: pd.DataFrame) -> None:
    # Kept readiness/use/impact indicators: R1 and U1 -> 2 x 4 = 8 possible cells per economy.
    c = row(decisions, "unit", "C")
    assert (c["n_observed"], c["n_possible"]) == (7, 8)
    assert c["decision"] == "keep"
    d = row(decisions, "unit", "D")
    assert (d["n_observed"], d["n_possible"], d["decision"]) == (1, 8, "exclude")
    assert d["flag"] == "single value"
    assert d["reason"].startswith("availability 12% < 65% over 2000-2003")
    zzz = row(decisions, "unit", "ZZZ")
    assert zzz["decision"] == "exclude"
    assert zzz["reason"].startswith("not in the list of economies")
    assert kept(decisions, "unit") == ["A", "B", "C"]
    assert kept(decisions, "indicator") == ["K1", "O1", "R1", "U1"]


def test_threshold_is_inclusive() -> None:
    # 13 of 20 cells is exactly 65%: kept.  12 of 20 (60%) is not.
    units = list("ABCDE")
    rec = [(u, y, "R1", 1.0 + y) for u in units[:3] for y in YEARS] + [("D", 2000, "R1", 1.0)]
    rec += [(u, y, "U1", 1.0 + y) for u in units[:3] for y in YEARS]
    dec = screen(make_panel(rec), CATALOGUE, units, 2000, 2003)
    assert row(dec, "indicator", "R1")["decision"] == "keep"
    assert row(dec, "indicator", "U1")["decision"] == "exclude"
    assert row(dec, "indicator", "U1")["reason"] == "availability 60% < 65% over 2000-2003"


def test_rounding_never_hides_a_miss() -> None:
    # 1299/2000 = 64.95% prints as "65%": the reason must show the decimals that make the miss visible.
    cat = pd.DataFrame({"indicator": ["R1"], "role": ["readiness"]})
    units = [f"U{i:03d}" for i in range(500)]
    rec = [(u, y, "R1", float(i)) for i, u in enumerate(units) for y in YEARS if i * 4 + (y - 2000) < 1299]
    dec = screen(make_panel(rec), cat, units, 2000, 2003)
    assert row(dec, "indicator", "R1")["reason"] == "availability 64.95% < 65% over 2000-2003"


def test_units_frame_and_empty_panel() -> None:
    groups = pd.DataFrame({"iso3": ["A", "A", "B"], "year": [2000, 2001, 2000]})
    dec = screen(make_panel([]), CATALOGUE, groups, 2000, 2003)
    assert (dec.loc[dec["kind"] == "indicator", "decision"] == "exclude").all()
    units = dec.loc[dec["kind"] == "unit"]
    assert units["item"].tolist() == ["A", "B"]
    # Nothing to measure economies against: they are kept and the reason says so.
    assert (units["decision"] == "keep").all()
    assert units["reason"].str.startswith("not screened").all()


def test_bad_settings_raise_clear_errors() -> None:
    panel = make_panel([("A", 2000, "R1", 1.0)])
    with pytest.raises(ConfigError, match="window 2003-2000 is empty"):
        screen(panel, CATALOGUE, ["A"], 2003, 2000)
    with pytest.raises(ConfigError, match="unknown role"):
        screen(panel, pd.DataFrame({"indicator": ["R1"], "role": ["input"]}), ["A"], 2000, 2003)
    with pytest.raises(ConfigError, match="not a share"):
        screen(panel, CATALOGUE, ["A"], 2000, 2003, min_indicator_share=65)
    dup = make_panel([("A", 2000, "R1", 1.0), ("A", 2000, "R1", 2.0)])
    with pytest.raises(InputError, match="duplicate panel value"):
        screen(dup, CATALOGUE, ["A"], 2000, 2003)
