"""Tests of the ITU readers: hand-made workbooks (written to tmp_path) and the real files."""

from __future__ import annotations

import logging
import math
from pathlib import Path

import openpyxl
import pytest
from openpyxl.styles import Font
from support import RAW as RAW_ROOT
from support.observations import cell

from scripts.core import contract, tables
from scripts.core.errors import InputError
from scripts.ingest.readers.itu import DASH_NOTE, ESTIMATE_NOTE
from scripts.ingest.readers.itu_snapshots import read_itu_core_household, read_itu_internet_by_gender
from scripts.ingest.readers.itu_timeseries import read_itu_timeseries

RAW = RAW_ROOT / "itu"
NO_YEAR_NOTE = "no year of data; year set to the table's latest (2018)"


def write_xlsx(path: Path, sheets: dict[str, dict[str, object]], italic: set[str] = frozenset()) -> Path:
    """Write a workbook whose sheets are given as {cell address: value}."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, cells in sheets.items():
        ws = wb.create_sheet(name)
        for addr, value in cells.items():
            ws[addr] = value
            if addr in italic:
                ws[addr].font = Font(italic=True)
    wb.save(path)
    return path


# --------------------------------------------------------------------------- time series

#: Two value blocks (B:C and E:F, years 2000-2001), an unlabelled column D, a metadata
#: block (H:K); three economies, a blank row, then a footnote.
SERIES_CELLS: dict[str, object] = {
    "B1": "Widgets",
    "E1": " Widgets per 100 inhabitants ",
    "H1": "Metadata for widgets",
    "B2": 2000,
    "C2": 2001,
    "E2": 2000,
    "F2": 2001,
    "H2": "Notes 2000",
    "I2": "Source 2000",
    "J2": "Notes 2001",
    "K2": "Source 2001",
    "A3": "Aland",
    "B3": 10,
    "C3": "-",
    "E3": 1.5,
    "F3": "-",
    "H3": "break in series\n comparable",
    "I3": "ITU estimate.",
    "K3": "Regulator.",
    "A4": "Borduria",
    "B4": "..",
    "C4": 20,
    "F4": 2.25,
    "A5": "Namibia",
    "A7": "Note: data as reported by the administrations.",
}


def test_timeseries_hand_made(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "w.xlsx", {"Final": SERIES_CELLS})
    df = read_itu_timeseries(path, "itu/w.xlsx", "itu_test")

    assert list(df.columns) == list(tables.OBSERVATIONS.columns)
    assert dict(df.dtypes.astype(str)) == {
        k: ("string" if v == "string" else v) for k, v in tables.OBSERVATIONS.columns.items()
    }
    # 3 economies x 2 blocks x 2 years, missing cells included; the footnote row is not an economy
    assert len(df) == 12
    assert sorted(df["entity_raw"].unique()) == ["Aland", "Borduria", "Namibia"]
    assert set(df["series"]) == {"Widgets", "Widgets per 100 inhabitants"}
    assert (df["source"] == "itu_test").all() and (df["file"] == "itu/w.xlsx").all()
    assert (df["entity_code"] == "").all()

    a = cell(df, series="Widgets", entity_raw="Aland", year=2000)
    assert (a["row"], a["column"], a["value"]) == (3, "'Final'!B", 10.0)
    assert a["note"] == "notes=break in series comparable; source=ITU estimate."

    dash = cell(df, series="Widgets", entity_raw="Aland", year=2001)
    assert (dash["row"], dash["column"], dash["value"]) == (3, "'Final'!C", 0.0)
    assert dash["note"] == f"source=Regulator.; {DASH_NOTE}"

    # the 2000 notes apply to the same year of the second block too
    b = cell(df, series="Widgets per 100 inhabitants", entity_raw="Aland", year=2000)
    assert (b["column"], b["value"], b["note"]) == (
        "'Final'!E",
        1.5,
        "notes=break in series comparable; source=ITU estimate.",
    )

    missing = cell(df, series="Widgets", entity_raw="Borduria", year=2000)
    assert math.isnan(missing["value"]) and missing["note"] == "" and missing["row"] == 4
    c = cell(df, series="Widgets per 100 inhabitants", entity_raw="Borduria", year=2001)
    assert (c["row"], c["column"], c["value"]) == (4, "'Final'!F", 2.25)

    assert df.loc[df["entity_raw"] == "Namibia", "value"].isna().all()
    assert df["value"].notna().sum() == 6  # Aland 4 (two of them dashes), Borduria 2
    contract.check_unique(df, tables.OBSERVATIONS.key, "cell")


def test_timeseries_logs_stray_cells(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = write_xlsx(tmp_path / "w.xlsx", {"Final": {**SERIES_CELLS, "D3": 99.5}})
    with caplog.at_level(logging.WARNING, logger="ictmdg"):
        df = read_itu_timeseries(path, "itu/w.xlsx", "s")
    assert 99.5 not in set(df["value"])
    assert "'Final'!D" in caplog.text and "1 non-empty cell" in caplog.text


def test_timeseries_missing_sheet_names_sheets_found(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "w.xlsx", {"Data": SERIES_CELLS, "Notes": {"A1": "x"}})
    with pytest.raises(InputError) as err:
        read_itu_timeseries(path, "itu/w.xlsx", "s")
    assert "'Final'" in str(err.value) and "'Data'" in str(err.value) and "'Notes'" in str(err.value)
    assert err.value.file == "itu/w.xlsx"


def test_timeseries_without_year_row(tmp_path: Path) -> None:
    cells = {k: v for k, v in SERIES_CELLS.items() if not (k.endswith("2") and len(k) == 2)}
    path = write_xlsx(tmp_path / "w.xlsx", {"Final": cells})
    with pytest.raises(InputError, match="no row of year labels"):
        read_itu_timeseries(path, "itu/w.xlsx", "s")


def test_timeseries_without_block_title(tmp_path: Path) -> None:
    cells = {k: v for k, v in SERIES_CELLS.items() if not k.endswith("1") or len(k) != 2}
    cells["A1"] = "Economy"  # a label over the names is not a block title
    path = write_xlsx(tmp_path / "w.xlsx", {"Final": cells})
    with pytest.raises(InputError, match="no block title") as err:
        read_itu_timeseries(path, "itu/w.xlsx", "s")
    assert err.value.row == 1


def test_timeseries_non_numeric_value(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "w.xlsx", {"Final": {**SERIES_CELLS, "C4": "20 (est.)"}})
    with pytest.raises(InputError, match="non-numeric") as err:
        read_itu_timeseries(path, "itu/w.xlsx", "s")
    assert (err.value.file, err.value.row, err.value.column) == ("itu/w.xlsx", 4, "'Final'!C")


def test_timeseries_numbers_after_blank_row(tmp_path: Path) -> None:
    # a blank row inside the table would silently end it: the numbers below must fail
    path = write_xlsx(tmp_path / "w.xlsx", {"Final": {**SERIES_CELLS, "A8": "Zembla", "B8": 5}})
    with pytest.raises(InputError, match="below the end of the table") as err:
        read_itu_timeseries(path, "itu/w.xlsx", "s")
    assert (err.value.row, err.value.column) == (8, "'Final'!B")


def test_timeseries_values_without_name(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "w.xlsx", {"Final": {**SERIES_CELLS, "B5": 3, "A5": None}})
    with pytest.raises(InputError, match="no economy name") as err:
        read_itu_timeseries(path, "itu/w.xlsx", "s")
    assert err.value.row == 5


#: PROVENANCE.md: file -> (economy rows, {block title: (economies with data, non-missing)})
REAL_SERIES = {
    "Fixed_broadband_2000-2018_Jun2019_revised27082019.xls": (
        227,
        {
            "Fixed-broadband subscriptions": (214, 3252),
            "Fixed-broadband subscriptions per 100 inhabitants": (214, 3242),
        },
    ),
    "Fixed_tel_2000-2018_Jun2019_revised_27082019.xls": (
        228,
        {
            "Fixed-telephone subscriptions": (226, 4085),
            "Fixed-telephone subscriptions per 100 inhabitants": (226, 4066),
        },
    ),
    "Individuals_Internet_2000-2018_Jun2019.xls": (
        229,
        {"Percentage of Individuals using the Internet": (221, 3806)},
    ),
    "Mobile_cellular_2000-2018_Jun2019.xls": (
        229,
        {
            "Mobile-cellular telephone subscriptions": (225, 3974),
            "Mobile-cellular telephone subscriptions per 100 inhabitants": (225, 3960),
        },
    ),
}


@pytest.mark.parametrize("name", sorted(REAL_SERIES))
def test_timeseries_real_files_match_provenance(name: str) -> None:
    n_rows, blocks = REAL_SERIES[name]
    df = read_itu_timeseries(RAW / name, f"itu/{name}", "itu_2019")
    assert set(df["series"]) == set(blocks)
    assert df["entity_raw"].nunique() == n_rows
    assert len(df) == n_rows * 19 * len(blocks)  # 2000-2018, missing cells included
    for title, (with_data, non_missing) in blocks.items():
        part = df[df["series"] == title]
        assert (part["year"].min(), part["year"].max()) == (2000, 2018)
        assert part.loc[part["value"].notna(), "entity_raw"].nunique() == with_data
        assert part["value"].notna().sum() == non_missing
    contract.check_unique(df, tables.OBSERVATIONS.key, "cell")


def test_timeseries_real_cell_values() -> None:
    name = "Mobile_cellular_2000-2018_Jun2019.xls"
    df = read_itu_timeseries(RAW / name, f"itu/{name}", "itu_2019")
    # Afghanistan, 2003 (column E of row 3): 200000 subscriptions, source "Ministry of Communications."
    a = cell(df, entity_raw="Afghanistan", year=2003, series="Mobile-cellular telephone subscriptions")
    assert (a["row"], a["column"], a["value"]) == (3, "'Final'!E", 200000.0)
    assert a["note"] == "source=Ministry of Communications."
    # 2016 has a note and a source (columns BV and BW)
    b = cell(
        df, entity_raw="Afghanistan", year=2016, series="Mobile-cellular telephone subscriptions per 100 inhabitants"
    )
    assert b["value"] == pytest.approx(61.0546377144842)
    assert b["note"].startswith("notes=21602982 Active Sim; source=Afghanistan Telecommunication Regulatory Authority")
    assert df.loc[df["entity_raw"] == "Vatican", "value"].isna().all()


# --------------------------------------------------------------------------- core household

HOUSEHOLD_CELLS: dict[str, object] = {
    "A1": "Core Household Indicators",
    "D2": "Proportion of households with",
    "D3": "(HH4)",
    "F3": "Year",
    "G3": "(HH6)",
    "I3": "Year",
    "D4": "Computer",
    "F4": "of data",
    "G4": "Internet access at home",
    "I4": "of data",
    "A5": 1,
    "B5": "Aland",
    "D5": "21.6",
    "E5": "",
    "F5": 2017,
    "G5": "...",
    "H5": "",
    "A6": 2,
    "B6": "Borduria",
    "D6": "47.5",
    "E6": "2",
    "F6": 2018,
    "G6": "-",
    "I6": 2016,
    "A7": 3,
    "B7": "Namibia",
    "D7": "...",
    "G7": "...",
    "A9": "Note:",
    "C9": "Figures in italics are ITU estimates.",
    "A10": "(1) 18+ (2) Desktop or laptop, see (5). (3) Last 3 months",
}


def test_core_household_hand_made(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "h.xlsx", {"CoreHouseholdIndicators": HOUSEHOLD_CELLS}, italic={"D6"})
    df = read_itu_core_household(path, "itu/h.xlsx", "itu_hh")

    assert list(df.columns) == list(tables.OBSERVATIONS.columns)
    assert len(df) == 6  # 3 economies x 2 indicators
    assert set(df["series"]) == {"ITU:HH4", "ITU:HH6"}
    s = "'CoreHouseholdIndicators'!"

    a = cell(df, entity_raw="Aland", series="ITU:HH4")
    assert (a["row"], a["column"], a["year"], a["value"], a["note"]) == (5, s + "D", 2017, 21.6, "")
    b = cell(df, entity_raw="Borduria", series="ITU:HH4")
    assert (b["year"], b["value"]) == (2018, 47.5)
    # italic -> estimate; footnote 2 parsed from the numbered block, '(5)' is not a new footnote
    assert b["note"] == f"{ESTIMATE_NOTE}; footnote (2): Desktop or laptop, see (5)."
    d = cell(df, entity_raw="Borduria", series="ITU:HH6")
    assert (d["column"], d["year"], d["value"], d["note"]) == (s + "G", 2016, 0.0, DASH_NOTE)
    # a missing figure without a year takes the table's latest year of data (2018) and says so
    m = cell(df, entity_raw="Aland", series="ITU:HH6")
    assert math.isnan(m["value"]) and m["year"] == 2018 and m["note"] == NO_YEAR_NOTE
    assert df.loc[df["entity_raw"] == "Namibia", "value"].isna().all()


def test_core_household_value_without_year(tmp_path: Path) -> None:
    cells = {**HOUSEHOLD_CELLS, "F5": None}
    path = write_xlsx(tmp_path / "h.xlsx", {"CoreHouseholdIndicators": cells})
    with pytest.raises(InputError, match="no year of data") as err:
        read_itu_core_household(path, "itu/h.xlsx", "s")
    assert (err.value.row, err.value.column) == (5, "'CoreHouseholdIndicators'!F")


def test_core_household_missing_sheet(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "h.xlsx", {"Sheet1": HOUSEHOLD_CELLS})
    with pytest.raises(InputError, match="'Sheet1'"):
        read_itu_core_household(path, "itu/h.xlsx", "s")


def test_core_household_changed_header(tmp_path: Path) -> None:
    # indicator code without parentheses: no header row is recognised
    cells = {**HOUSEHOLD_CELLS, "D3": "HH4", "G3": "HH6"}
    path = write_xlsx(tmp_path / "h.xlsx", {"CoreHouseholdIndicators": cells})
    with pytest.raises(InputError, match="indicator codes"):
        read_itu_core_household(path, "itu/h.xlsx", "s")
    # a 'Year' column lost: the indicator has none before the next one
    cells = {**HOUSEHOLD_CELLS, "F3": None}
    path = write_xlsx(tmp_path / "h2.xlsx", {"CoreHouseholdIndicators": cells})
    with pytest.raises(InputError, match=r"\(HH4\) has 0 'Year' columns"):
        read_itu_core_household(path, "itu/h2.xlsx", "s")


def test_core_household_non_numeric(tmp_path: Path) -> None:
    cells = {**HOUSEHOLD_CELLS, "D7": "n.a"}
    path = write_xlsx(tmp_path / "h.xlsx", {"CoreHouseholdIndicators": cells})
    with pytest.raises(InputError, match="non-numeric") as err:
        read_itu_core_household(path, "itu/h.xlsx", "s")
    assert (err.value.row, err.value.column) == (7, "'CoreHouseholdIndicators'!D")


def test_core_household_real_file() -> None:
    name = "CoreHouseholdIndicators_Jun2019.xlsx"
    df = read_itu_core_household(RAW / name, f"itu/{name}", "itu_2019")
    codes = ["HH1", "HH2", "HH3f", "HH3m", "HH4", "HH6", "HH5", "HH7", "HH10"]
    assert set(df["series"]) == {f"ITU:{c}" for c in codes}
    assert df["entity_raw"].nunique() == 195 and len(df) == 195 * 9
    assert (df["row"].min(), df["row"].max()) == (5, 199)
    assert df.loc[df["value"].notna(), "year"].between(2014, 2018).all()
    # Afghanistan HH7 (AC5): 13.5 % in 2017 with footnote (1) "18+"
    a = cell(df, entity_raw="Afghanistan", series="ITU:HH7")
    assert (a["column"], a["year"], a["value"]) == ("'CoreHouseholdIndicators'!AC", 2017, 13.5)
    assert a["note"] == "footnote (1): 18+"
    z = cell(df, entity_raw="Zimbabwe", series="ITU:HH1")
    assert (z["row"], z["year"], z["value"]) == (199, 2014, 60.7)
    assert df["value"].notna().sum() == 46 + 55 + 61 + 60 + 121 + 117 + 81 + 134 + 53


# --------------------------------------------------------------------------- Internet by gender

GENDER_CELLS: dict[str, object] = {
    "B1": "Individuals using the Internet (from any location), by gender (%)",
    "D2": "Latest",
    "E2": "All",
    "G2": "Gender",
    "B3": "Economy name",
    "D3": "year",
    "E3": "Individuals",
    "G3": "Male",
    "I3": "Female",
    "B4": "Aland",
    "D4": 2018,
    "E4": "59.6",
    "G4": "68.1",
    "I4": "50.3",
    "B5": "Borduria",
    "D5": 2017,
    "E5": "86.5",
    "F5": "1",
    "G5": "...",
    "I5": "...",
    "B7": "Source:",
    "C7": "ITU World Telecommunication/ICT Indicators database.",
    "B9": "Age scope of population varies across countries. (1) Persons aged 15 and over.",
}


def test_gender_hand_made(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "g.xlsx", {"10. Individuals using the Inter": GENDER_CELLS})
    df = read_itu_internet_by_gender(path, "itu/g.xlsx", "itu_g")
    assert len(df) == 6
    s = "'10. Individuals using the Inter'!"
    a = cell(df, entity_raw="Aland", series="ITU:HH7_male")
    assert (a["row"], a["column"], a["year"], a["value"]) == (4, s + "G", 2018, 68.1)
    b = cell(df, entity_raw="Borduria", series="ITU:HH7_total")
    assert (b["year"], b["value"], b["note"]) == (2017, 86.5, "footnote (1): Persons aged 15 and over.")
    f = cell(df, entity_raw="Borduria", series="ITU:HH7_female")
    assert math.isnan(f["value"]) and f["year"] == 2017 and f["note"] == ""


def test_gender_changed_header(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "g.xlsx", {"T": {**GENDER_CELLS, "I3": "Women"}})
    with pytest.raises(InputError, match="female") as err:
        read_itu_internet_by_gender(path, "itu/g.xlsx", "s")
    assert err.value.row == 3
    path = write_xlsx(tmp_path / "g2.xlsx", {"T": {**GENDER_CELLS, "B3": "Economy"}})
    with pytest.raises(InputError, match="'T'"):
        read_itu_internet_by_gender(path, "itu/g2.xlsx", "s")


def test_gender_real_file() -> None:
    name = "Individuals using the internet by gender_Jun2019.xlsx"
    df = read_itu_internet_by_gender(RAW / name, f"itu/{name}", "itu_2019")
    assert df["entity_raw"].nunique() == 115 and len(df) == 345
    counts = df.groupby("series", observed=True)["value"].count().to_dict()
    assert counts == {"ITU:HH7_total": 115, "ITU:HH7_male": 106, "ITU:HH7_female": 106}
    a = cell(df, entity_raw="Algeria", series="ITU:HH7_female")
    assert (a["row"], a["year"], a["value"]) == (4, 2018, 50.3)
    us = cell(df, entity_raw="Puerto Rico", series="ITU:HH7_total")
    assert us["note"].startswith("footnote (10): U.S. Census Bureau")
