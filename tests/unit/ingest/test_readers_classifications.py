"""Tests of the classification readers: hand-made workbooks/CSV and the real files."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from support import DATA
from support import RAW as RAW_ROOT
from support.observations import cell as one

from scripts.core import tables
from scripts.core.errors import InputError
from scripts.ingest.readers.classifications import (
    read_country_codes,
    read_wb_class,
    read_wb_groups,
    read_wb_income_history,
)

RAW = RAW_ROOT / "classifications"
CODES_SMALL = DATA / "classifications" / "country-codes-small.csv"


def write_xlsx(path: Path, sheets: dict[str, dict[str, object]]) -> Path:
    """Write a workbook whose sheets are given as {cell address: value}."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, cells in sheets.items():
        ws = wb.create_sheet(name)
        for addr, value in cells.items():
            ws[addr] = value
    wb.save(path)
    return path


def rows_to_cells(rows: list[list[object]], first_row: int = 1) -> dict[str, object]:
    """Turn a list of rows (starting at column A) into {address: value}."""
    out: dict[str, object] = {}
    for i, row in enumerate(rows):
        for j, v in enumerate(row):
            if v is not None:
                out[f"{chr(ord('A') + j)}{first_row + i}"] = v
    return out


# --------------------------------------------------------------------------- CLASS.xlsx

CLASS_ROWS = [
    ["Economy", "Code", "Region", "Income group", "Lending category", "Other (EMU or HIPC)"],
    ["Aruba", "ABW", "Latin America & Caribbean", "High income", None, None],
    ["Namibia", "NAM", "Sub-Saharan Africa", "Upper middle income", "IBRD", None],
    [None, None, None, None, None, None],
    ["Venezuela, RB", "VEN", "Latin America & Caribbean", None, "IBRD", None],
    ["Sub-Saharan Africa", "SSF", None, None, None, None],
    ["World", "WLD", None, None, None, None],
]
GROUP_ROWS = [
    ["GroupCode", "GroupName", "CountryCode", "CountryName"],
    ["SSF", "Sub-Saharan Africa", "NAM", "Namibia"],
    ["UMC", "Upper middle income", "NAM", "Namibia"],
    ["HIC", "High income", "ABW", "Aruba"],
]


def _class_book(tmp_path: Path, rows: list[list[object]] = CLASS_ROWS, **extra: dict[str, object]) -> Path:
    sheets = {"List of economies": rows_to_cells(rows), "Groups": rows_to_cells(GROUP_ROWS), **extra}
    return write_xlsx(tmp_path / "CLASS.xlsx", sheets)


def test_wb_class_hand_made(tmp_path: Path) -> None:
    df = read_wb_class(_class_book(tmp_path), "classifications/CLASS.xlsx", "wb_class")
    assert list(df.columns) == list(tables.CLASSIFICATION.columns)
    assert list(df["iso3"]) == ["ABW", "NAM", "VEN", "SSF", "WLD"]  # blank row skipped
    assert list(df["row"]) == [2, 3, 5, 6, 7]
    assert list(df["income_group"]) == ["H", "UM", "", "", ""]
    assert list(df["region"]) == [
        "Latin America & Caribbean",
        "Sub-Saharan Africa",
        "Latin America & Caribbean",
        "",
        "",
    ]
    assert df["year"].isna().all() and str(df["year"].dtype) == "Int64"
    assert (df["source"] == "wb_class").all() and (df["file"] == "classifications/CLASS.xlsx").all()


def test_wb_groups_hand_made(tmp_path: Path) -> None:
    df = read_wb_groups(_class_book(tmp_path), "classifications/CLASS.xlsx", "wb_class")
    assert list(df.columns) == ["group_code", "group_name", "iso3"]
    assert df.values.tolist() == [
        ["SSF", "Sub-Saharan Africa", "NAM"],
        ["UMC", "Upper middle income", "NAM"],
        ["HIC", "High income", "ABW"],
    ]


def test_wb_class_bad_inputs(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "a.xlsx", {"Economies": rows_to_cells(CLASS_ROWS)})
    with pytest.raises(InputError, match="'Economies'"):
        read_wb_class(path, "classifications/a.xlsx", "s")
    with pytest.raises(InputError, match="no sheet 'Groups'"):
        read_wb_groups(path, "classifications/a.xlsx", "s")

    renamed = [["Economy", "Code", "Region", "Income"]] + CLASS_ROWS[1:]
    with pytest.raises(InputError, match=r"lacks the columns \['Income group'\]") as err:
        read_wb_class(_class_book(tmp_path, renamed), "c.xlsx", "s")
    assert err.value.row == 1

    odd = CLASS_ROWS[:2] + [["Namibia", "NAM", "Sub-Saharan Africa", "Middle income", None, None]]
    with pytest.raises(InputError, match="unknown income group 'Middle income'") as err:
        read_wb_class(_class_book(tmp_path, odd), "c.xlsx", "s")
    assert (err.value.row, err.value.column) == (3, "'List of economies'!D")


def test_wb_class_real_file() -> None:
    path = RAW / "CLASS.xlsx"
    df = read_wb_class(path, "classifications/CLASS.xlsx", "wb_class")
    # 265 data rows in the sheet, one of them blank; 218 economies (with a Region), 46 aggregates
    assert len(df) == 264
    assert (df["region"] != "").sum() == 218
    assert df["income_group"].value_counts().to_dict() == {"H": 81, "LM": 54, "UM": 54, "": 47, "L": 28}
    nam = one(df, iso3="NAM")
    assert (nam["name"], nam["region"], nam["income_group"]) == ("Namibia", "Sub-Saharan Africa", "UM")
    assert one(df, iso3="VEN")["income_group"] == ""  # temporarily unclassified (see the Notes sheet)
    assert one(df, iso3="WLD")["region"] == ""
    groups = read_wb_groups(path, "classifications/CLASS.xlsx", "wb_class")
    assert len(groups) == 2146 and groups["group_code"].nunique() == 48
    assert set(groups.loc[groups["group_code"] == "SSF", "iso3"]) >= {"NAM", "ZAF", "NGA"}


# --------------------------------------------------------------------------- OGHIST

HISTORY_ROWS = [
    [None, "World Bank Analytical Classifications"],
    [None, "(presented in World Development Indicators)"],
    [None, None],
    [None, None],
    [None, "Bank's fiscal year:", "FY89", "FY90", "FY91"],
    [None, "Data for calendar year :", 1987, 1988, 1989],
    [None, "Low income (L)", "<= 480", "<= 545", "<= 580"],
    [None, None],
    ["AFG", "Afghanistan", "L", "L", "L"],
    ["YEM", "Yemen, Rep.", "LM*", "LM*", "LM"],
    ["ALB", "Albania", "..", "..", "LM"],
    [None, None],
    [None, "* At this time, there were Yemen, PDR (L) and Yemen, Arab Rep. (LM)."],
    [None, None],
    ["SUN", "USSR (former)", "..", "..", "UM"],
    ["CSK", "Czechoslovakia (former)", "UM"],
]
HISTORY = "Country Analytical History"


def _history_book(tmp_path: Path, rows: list[list[object]] = HISTORY_ROWS) -> Path:
    return write_xlsx(tmp_path / "hist.xlsx", {"Parameters": {"A1": "x"}, HISTORY: rows_to_cells(rows)})


def test_income_history_hand_made(tmp_path: Path) -> None:
    df = read_wb_income_history(_history_book(tmp_path), "classifications/hist.xlsx", "oghist")
    assert list(df.columns) == list(tables.CLASSIFICATION.columns)
    assert len(df) == 5 * 3  # five economies x three fiscal years
    assert set(df["year"]) == {1987, 1988, 1989}  # calendar years of the data, not FY
    assert one(df, iso3="AFG", year=1987)["income_group"] == "L"
    assert [one(df, iso3="YEM", year=y)["income_group"] for y in (1987, 1988, 1989)] == ["LM", "LM", "LM"]
    assert [one(df, iso3="ALB", year=y)["income_group"] for y in (1987, 1988, 1989)] == ["", "", "LM"]
    sun = one(df, iso3="SUN", year=1989)
    assert (sun["name"], sun["income_group"], sun["row"]) == ("USSR (former)", "UM", 15)
    # blank after the entity ceased = unclassified
    assert [one(df, iso3="CSK", year=y)["income_group"] for y in (1987, 1988, 1989)] == ["UM", "", ""]
    assert (df["region"] == "").all()
    assert one(df, iso3="ALB", year=1989)["row"] == 11


def test_income_history_bad_inputs(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "x.xlsx", {"History": rows_to_cells(HISTORY_ROWS)})
    with pytest.raises(InputError, match="'History'"):
        read_wb_income_history(path, "x.xlsx", "s")

    no_header = [r for r in HISTORY_ROWS if not (len(r) > 1 and r[1] == "Bank's fiscal year:")]
    with pytest.raises(InputError, match="Bank's fiscal year"):
        read_wb_income_history(_history_book(tmp_path, no_header), "x.xlsx", "s")

    shifted = [list(r) for r in HISTORY_ROWS]
    shifted[5][4] = 1990  # FY91 data must be calendar 1989
    with pytest.raises(InputError, match="calendar year '1990' under FY91") as err:
        read_wb_income_history(_history_book(tmp_path, shifted), "x.xlsx", "s")
    assert (err.value.row, err.value.column) == (6, f"'{HISTORY}'!E")

    odd = [list(r) for r in HISTORY_ROWS]
    odd[8][3] = "M"
    with pytest.raises(InputError, match="unknown income code 'M'") as err:
        read_wb_income_history(_history_book(tmp_path, odd), "x.xlsx", "s")
    assert (err.value.row, err.value.column) == (9, f"'{HISTORY}'!D")


def test_income_history_real_file() -> None:
    df = read_wb_income_history(RAW / "Historical_income_classification.xlsx", "classifications/h.xlsx", "oghist")
    # FY89..FY23 = data years 1987..2021; 218 current economies + 6 listed below the table
    assert (df["year"].min(), df["year"].max(), df["year"].nunique()) == (1987, 2021, 35)
    assert df["iso3"].nunique() == 224 and len(df) == 224 * 35
    assert set(df["income_group"]) == {"L", "LM", "UM", "H", ""}
    assert {"CSK", "SUN", "YUG", "YUGf", "ANT", "MYT"} <= set(df["iso3"])
    assert one(df, iso3="ALB", year=1990)["income_group"] == "LM"  # FY92
    assert one(df, iso3="ALB", year=1989)["income_group"] == ""  # '..'
    assert one(df, iso3="YEM", year=1987)["income_group"] == "LM"  # 'LM*'
    assert one(df, iso3="ZMB", year=2021)["income_group"] == "L"  # FY23, a formula-free cell
    assert one(df, iso3="SUN", year=1990)["income_group"] == "UM"
    assert one(df, iso3="SUN", year=1991)["income_group"] == ""
    ant = df[(df["iso3"] == "ANT") & (df["income_group"] != "")]
    assert (ant["year"].min(), ant["year"].max()) == (1987, 2009)
    assert one(df, iso3="YUG", year=2000)["name"] == "Serbia and Montenegro (former)"


# --------------------------------------------------------------------------- country codes


def test_country_codes_small() -> None:
    df = read_country_codes(CODES_SMALL, "classifications/country-codes-small.csv", "cc")
    assert list(df["iso3"]) == ["AFG", "NAM", "ALA", "BRB"]
    nam = one(df, iso3="NAM")
    assert (nam["iso2"], nam["m49"], nam["itu"], nam["row"]) == ("NA", "516", "NMB", 3)
    afg = one(df, iso3="AFG")
    assert (afg["m49"], afg["iso_numeric"], afg["name_formal"]) == ("4", "4", "the Islamic Republic of Afghanistan")
    assert bool(afg["ldc"]) and bool(afg["lldc"]) and not bool(afg["sids"])
    ala = one(df, iso3="ALA")
    assert (ala["itu"], ala["name"], ala["name_official"], ala["status"]) == ("", "Åland Islands", "", "Part of FI")
    assert not bool(ala["is_independent"]) and bool(afg["is_independent"])
    assert bool(one(df, iso3="BRB")["sids"])
    assert str(df["iso2"].dtype) == "string"


def test_country_codes_bad_inputs(tmp_path: Path) -> None:
    text = CODES_SMALL.read_text(encoding="utf-8")
    path = tmp_path / "cc.csv"
    path.write_text(text.replace(",ITU,", ",ITU code,", 1), encoding="utf-8")
    with pytest.raises(InputError, match=r"\['ITU'\] not found") as err:
        read_country_codes(path, "cc.csv", "s")
    assert err.value.row == 1
    path.write_text(text + text.splitlines()[2] + "\n", encoding="utf-8")
    with pytest.raises(InputError, match="'NAM' on lines \\[3, 6\\]"):
        read_country_codes(path, "cc.csv", "s")
    path.write_text(text.replace(",x,x,,", ",yes,x,,", 1), encoding="utf-8")
    with pytest.raises(InputError, match="unexpected flag 'yes'") as err:
        read_country_codes(path, "cc.csv", "s")
    assert err.value.row == 2


def test_country_codes_real_file() -> None:
    df = read_country_codes(RAW / "country-codes.csv", "classifications/country-codes.csv", "cc")
    assert len(df) == 249 and df["iso3"].is_unique
    assert one(df, iso3="NAM")["iso2"] == "NA"
    assert one(df, iso3="AFG")["m49"] == "4"
    assert one(df, iso3="AFG")["itu"] == "AFG"
    assert int(df["is_independent"].sum()) == 195
    assert (df["m49"] != "").all()
