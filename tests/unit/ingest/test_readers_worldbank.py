"""Tests of the World Bank readers: hand-made fixtures, bad inputs, and the real raw files.

Expected values of the fixtures are read off the fixture text by hand (line numbers count
the BOM-carrying first line as 1). Real-file expectations are the counts published in
data/raw/PROVENANCE.md ("non-missing cells: ... all / ... economies", economies being the
codes with a Region in the 2025 Metadata_Country file).
"""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support import DATA as TESTDATA
from support import RAW

from scripts.core import tables
from scripts.core.errors import InputError
from scripts.ingest.readers.classifications import read_wb_metadata_country
from scripts.ingest.readers.wb_api import read_wb_api, wb_api_last_updated
from scripts.ingest.readers.wb_databank import read_wb_databank
from scripts.ingest.readers.wb_datahub import read_datapackage, read_wb_datahub

DATA = TESTDATA / "worldbank"
WB = RAW / "worldbank"
METADATA_2025 = WB / "wdi_api_2025" / "Metadata_Country_API_IT.NET.USER.ZS_DS2_en_csv_v2_384634.csv"
DATABANK = WB / "databank_extract" / "P_Data_Extract_From_World_Development_Indicators (1).xlsx"
POVERTY = WB / "wdi_topic_poverty_2021" / "poverty-raw-2021.csv"


def _one(df: pd.DataFrame, code: str, series: str, year: int) -> pd.Series:
    hit = df[(df["entity_code"] == code) & (df["series"] == series) & (df["year"] == year)]
    assert len(hit) == 1, hit
    return hit.iloc[0]


def _check_schema(df: pd.DataFrame) -> None:
    assert list(df.columns) == list(tables.OBSERVATIONS.columns)
    assert {c: str(t) for c, t in df.dtypes.items()} == {
        c: ("string" if t == "string" else t) for c, t in tables.OBSERVATIONS.columns.items()
    }


@pytest.fixture(scope="module")
def economies_2025() -> set[str]:
    meta = read_wb_metadata_country(METADATA_2025, "m.csv", "wdi_api_2025")
    return set(meta.loc[meta["region"] != "", "iso3"])


# ======================================================================================
# API CSV: hand-made fixture
# ======================================================================================

API_TEXT = (DATA / "api_small.csv").read_bytes().decode("utf-8")


def _write(tmp_path: Path, content: str | bytes, name: str = "bad.csv") -> Path:
    path = tmp_path / name
    if isinstance(content, str):
        content = content.encode("utf-8")
    path.write_bytes(content)
    return path


def _api_lines() -> list[str]:
    """The fixture's physical lines (index 0 = line 1), without their CRLF."""
    return API_TEXT.split("\r\n")


def _api_with(lines: list[str]) -> str:
    return "\r\n".join(lines)


def test_api_fixture_values_rows_and_columns() -> None:
    df = read_wb_api(DATA / "api_small.csv", "worldbank/api_small.csv", "wdi_test")
    _check_schema(df)
    # 4 data lines x 3 year columns, missing cells included
    assert len(df) == 12
    assert df["value"].notna().sum() == 8
    assert set(df["source"]) == {"wdi_test"}
    assert set(df["file"]) == {"worldbank/api_small.csv"}
    assert set(df["note"]) == {""}

    nam = _one(df, "NAM", "IT.NET.USER.ZS", 2005)
    assert (nam["row"], nam["column"], nam["entity_raw"], nam["value"]) == (6, "2005", "Namibia", 4.01)
    empty = _one(df, "NAM", "IT.NET.USER.ZS", 2006)
    assert empty["row"] == 6 and empty["column"] == "2006" and math.isnan(empty["value"])

    # a country named "NA" with code "NAN" stays text; '..' is missing; exponents and signs parse
    na = df[df["entity_code"] == "NAN"].sort_values("year")
    assert list(na["entity_raw"]) == ["NA", "NA", "NA"]
    assert list(na["row"]) == [7, 7, 7]
    assert math.isnan(na["value"].iloc[0])
    assert list(na["value"].iloc[1:]) == [15.0, -0.25]
    assert not df["entity_code"].isna().any() and not df["entity_raw"].isna().any()

    # quoted name with a comma; the lower-case indicator code is upper-cased
    kor = _one(df, "KOR", "IT.NET.USER.ZS", 2006)
    assert (kor["entity_raw"], kor["row"], kor["value"]) == ("Korea, Rep.", 8, 78.1)

    # a second indicator in the same file (topic download layout)
    pov = _one(df, "NAM", "SI.POV.DDAY", 2006)
    assert (pov["row"], pov["column"], pov["value"]) == (9, "2006", 13.8)
    assert set(df["series"]) == {"IT.NET.USER.ZS", "SI.POV.DDAY"}


def test_api_legacy_lf_without_bom_reads_the_same(tmp_path: Path) -> None:
    lf = API_TEXT.lstrip("\ufeff").replace("\r\n", "\n")
    crlf = read_wb_api(DATA / "api_small.csv", "f", "s")
    legacy = read_wb_api(_write(tmp_path, lf, "API_X_DS2_en_csv_v2.csv"), "f", "s")
    pd.testing.assert_frame_equal(crlf, legacy)


def test_api_last_updated(tmp_path: Path) -> None:
    assert wb_api_last_updated(DATA / "api_small.csv") == "2025-04-15"
    lines = _api_lines()
    lines[2] = '"Last Updated Date","2017-02-01",'
    assert wb_api_last_updated(_write(tmp_path, _api_with(lines))) == "2017-02-01"
    lines[2] = '"Updated","2017-02-01",'
    with pytest.raises(InputError) as err:
        wb_api_last_updated(_write(tmp_path, _api_with(lines)))
    assert err.value.row == 3 and "Last Updated Date" in str(err.value)


# ======================================================================================
# API CSV: bad inputs
# ======================================================================================


def _api_error(tmp_path: Path, content: str | bytes) -> InputError:
    path = _write(tmp_path, content)
    with pytest.raises(InputError) as err:
        read_wb_api(path, "worldbank/bad.csv", "s")
    assert err.value.file == "worldbank/bad.csv"
    assert "worldbank/bad.csv" in str(err.value)
    assert err.value.fix
    return err.value


@pytest.mark.parametrize("content", [b"", b"\xef\xbb\xbf", b"\xef\xbb\xbf\r\n\r\n"])
def test_api_empty_file(tmp_path: Path, content: bytes) -> None:
    err = _api_error(tmp_path, content)
    assert "empty" in err.problem


def test_api_missing_preamble(tmp_path: Path) -> None:
    err = _api_error(tmp_path, _api_with(_api_lines()[4:]))
    assert err.row == 1 and "preamble" in err.problem
    assert "Data Source" in str(err)


def test_api_wrong_source_line(tmp_path: Path) -> None:
    lines = _api_lines()
    lines[0] = lines[0].replace("World Development Indicators", "Gender Statistics")
    err = _api_error(tmp_path, _api_with(lines))
    assert err.row == 1 and "Gender Statistics" in err.problem


def test_api_preamble_without_update_date(tmp_path: Path) -> None:
    lines = _api_lines()
    lines[2] = '"Something else","2025-04-15",'
    err = _api_error(tmp_path, _api_with(lines))
    assert err.row == 3 and "Last Updated Date" in str(err)


def test_api_changed_header(tmp_path: Path) -> None:
    lines = _api_lines()
    lines[4] = lines[4].replace('"Country Name"', '"Country"')
    err = _api_error(tmp_path, _api_with(lines))
    assert err.row == 5 and "header" in err.problem and "Country Name" in str(err)


def test_api_header_label_that_is_not_a_year(tmp_path: Path) -> None:
    lines = _api_lines()
    lines[4] = lines[4].replace('"2006"', '"Notes"')
    err = _api_error(tmp_path, _api_with(lines))
    assert (err.row, err.column) == (5, "Notes")


def test_api_empty_label_between_years(tmp_path: Path) -> None:
    lines = _api_lines()
    lines[4] = lines[4].replace('"2005"', '""')
    err = _api_error(tmp_path, _api_with(lines))
    assert (err.row, err.column) == (5, "(unlabelled column 6)")


def test_api_repeated_year_column(tmp_path: Path) -> None:
    lines = _api_lines()
    lines[4] = lines[4].replace('"2006"', '"2005"')
    err = _api_error(tmp_path, _api_with(lines))
    assert (err.row, err.column) == (5, "2005") and "twice" in err.problem


def test_api_truncated_at_a_field_boundary(tmp_path: Path) -> None:
    text = API_TEXT[: API_TEXT.index('"72.7"') + len('"72.7"')]
    err = _api_error(tmp_path, text)
    assert err.row == 8 and "fields" in err.problem and "truncated" in err.problem


def test_api_truncated_inside_a_quoted_field(tmp_path: Path) -> None:
    text = API_TEXT[: API_TEXT.index('"72.7"') + len('"72.')]
    err = _api_error(tmp_path, text)
    assert err.row == 8 and "truncated" in err.problem


def test_api_blank_line_inside_the_data(tmp_path: Path) -> None:
    lines = _api_lines()
    lines.insert(6, "")
    err = _api_error(tmp_path, _api_with(lines))
    assert err.row == 7 and "0 fields" in err.problem


def test_api_latin1_resave(tmp_path: Path) -> None:
    text = API_TEXT.lstrip("\ufeff").replace("Korea, Rep.", "Côte d'Ivoire")
    err = _api_error(tmp_path, text.encode("latin-1"))
    assert err.row == 8 and "UTF-8" in err.problem and "0xf4" in err.problem


@pytest.mark.parametrize(
    ("content", "row"),
    [
        (b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00\xb7\x1a", 1),
        (API_TEXT.replace('"..","1.5e1"', '"..\x00\x01","1.5e1"').encode("utf-8"), 7),
    ],
    ids=["zip-bytes", "nul-in-line-7"],
)
def test_api_binary_garbage(tmp_path: Path, content: bytes, row: int) -> None:
    err = _api_error(tmp_path, content)
    assert err.row == row and "binary" in err.problem


def test_api_duplicated_country_and_indicator(tmp_path: Path) -> None:
    lines = _api_lines()
    lines.insert(9, lines[5])  # line 10 repeats line 6
    err = _api_error(tmp_path, _api_with(lines))
    assert "duplicate" in err.problem
    assert "Country Code=NAM" in err.problem and "Indicator Code=IT.NET.USER.ZS" in err.problem
    assert "row=6" in err.problem and "row=10" in err.problem


def test_api_non_numeric_value(tmp_path: Path) -> None:
    err = _api_error(tmp_path, API_TEXT.replace('"4.01"', '"4,01"'))
    assert (err.row, err.column) == (6, "2005") and "non-numeric" in err.problem


def test_api_value_in_the_trailing_unlabelled_column(tmp_path: Path) -> None:
    lines = _api_lines()
    lines[6] = lines[6] + '"oops"'
    err = _api_error(tmp_path, _api_with(lines))
    assert err.row == 7 and "oops" in err.problem


def test_api_empty_country_code(tmp_path: Path) -> None:
    err = _api_error(tmp_path, API_TEXT.replace('"KOR"', '""'))
    assert (err.row, err.column) == (8, "Country Code")


def test_api_header_without_data(tmp_path: Path) -> None:
    err = _api_error(tmp_path, _api_with(_api_lines()[:5]) + "\r\n")
    assert err.row == 6 and "no data lines" in err.problem


# ======================================================================================
# API CSV: real files (counts from PROVENANCE.md)
# ======================================================================================

# file: (data lines, first year column, last year column, non-missing all, non-missing economies)
API_REAL = {
    "wdi_api_2025/API_EG.ELC.ACCS.ZS_DS2_en_csv_v2_390382.csv": (266, 1960, 2024, 7874, 6532),
    "wdi_api_2025/API_IT.NET.USER.ZS_DS2_en_csv_v2_384634.csv": (266, 1960, 2024, 6138, 6038),
    "wdi_api_2025/API_NY.GDP.PCAP.CD_DS2_en_csv_v2_391545.csv": (266, 1960, 2024, 14312, 11361),
    "wdi_api_2025/API_SE.ADT.LITR.ZS_DS2_en_csv_v2_391551.csv": (266, 1960, 2024, 2852, 1069),
    "wdi_api_2025/API_SE.PRM.ENRR_DS2_en_csv_v2_85429.csv": (266, 1960, 2024, 11022, 8437),
    "wdi_api_2025/API_SE.SEC.ENRR_DS2_en_csv_v2_85430.csv": (266, 1960, 2024, 9656, 7086),
    "wdi_api_2025/API_SP.DYN.IMRT.IN_DS2_en_csv_v2_391572.csv": (266, 1960, 2024, 13220, 11588),
    "wdi_api_2025/API_SP.DYN.LE00.IN_DS2_en_csv_v2_391571.csv": (266, 1960, 2024, 16926, 13854),
    "wdi_api_2025/API_SP.POP.TOTL_DS2_en_csv_v2_391465.csv": (266, 1960, 2024, 16930, 13858),
    "wdi_api_2025/API_SP.URB.TOTL.IN.ZS_DS2_en_csv_v2_380445.csv": (266, 1960, 2024, 16832, 13760),
    "wdi_api_2019/API_NY.GDP.MKTP.CD_DS2_en_csv_v2_247793.csv": (264, 1960, 2018, 12089, 9678),
    "wdi_api_2019/API_SP.POP.TOTL_DS2_en_csv_v2_247892.csv": (264, 1960, 2018, 15409, 12695),
    "wdi_api_2017/API_IT.CEL.SETS.P2_DS2_en_csv_v2.csv": (264, 1960, 2016, 10861, 8834),
    "wdi_api_2017/API_IT.NET.SECR.P6_DS2_en_csv_v2.csv": (264, 1960, 2016, 3216, 2608),
    "wdi_api_2017/API_IT.NET.USER.P2_DS2_en_csv_v2.csv": (264, 1960, 2016, 5722, 4656),
    "wdi_api_2017/API_NY.GDP.PCAP.CD_DS2_en_csv_v2.csv": (264, 1960, 2016, 11047, 8874),
    "wdi_api_2017/API_SE.ADT.1524.LT.ZS_DS2_en_csv_v2.csv": (264, 1960, 2016, 950, 837),
    "wdi_api_2017/API_SE.ENR.PRSC.FM.ZS_DS2_en_csv_v2.csv": (264, 1960, 2016, 6971, 4954),
    "wdi_api_2017/API_SH.DYN.AIDS.ZS_DS2_en_csv_v2.csv": (264, 1960, 2016, 3276, 2756),
    "wdi_api_2017/API_SH.H2O.SAFE.ZS_DS2_en_csv_v2.csv": (264, 1960, 2016, 6248, 5052),
    "wdi_api_2017/API_SH.STA.ACSN.UR_DS2_en_csv_v2.csv": (264, 1960, 2016, 6257, 5064),
    "wdi_api_2017/API_SP.DYN.LE00.IN_DS2_en_csv_v2.csv": (264, 1960, 2016, 13253, 10689),
}


def _check_api_real(df: pd.DataFrame, counts: tuple[int, int, int, int, int], economies: set[str]) -> None:
    lines, first, last, nonmissing, nonmissing_econ = counts
    _check_schema(df)
    assert len(df) == lines * (last - first + 1)
    assert (df["year"].min(), df["year"].max()) == (first, last)
    assert set(df["row"]) == set(range(6, 6 + lines))
    assert int(df["value"].notna().sum()) == nonmissing
    assert int(df.loc[df["entity_code"].isin(economies), "value"].notna().sum()) == nonmissing_econ


@pytest.mark.parametrize("name", sorted(API_REAL))
def test_api_real_file_counts(name: str, economies_2025: set[str]) -> None:
    rel = f"worldbank/{name}"
    df = read_wb_api(RAW / rel, rel, "real")
    _check_api_real(df, API_REAL[name], economies_2025)
    code = name.split("/")[1].removeprefix("API_").split("_DS2")[0]
    assert set(df["series"]) == {code}


def test_api_real_cells_checked_by_hand() -> None:
    rel = "worldbank/wdi_api_2025/API_IT.NET.USER.ZS_DS2_en_csv_v2_384634.csv"
    df = read_wb_api(RAW / rel, rel, "wdi_api_2025")
    nam = _one(df, "NAM", "IT.NET.USER.ZS", 2005)
    assert (nam["row"], nam["column"], nam["entity_raw"], nam["value"]) == (177, "2005", "Namibia", 4.01)
    assert wb_api_last_updated(RAW / rel) == "2025-04-15"


def test_api_real_topic_file(economies_2025: set[str]) -> None:
    rel = "worldbank/wdi_topic_poverty_2021/poverty-raw-2021.csv"
    df = read_wb_api(POVERTY, rel, "wdi_topic_poverty_2021")
    # 7714 lines = 266 economies and aggregates x 29 indicators; year columns 1960-2020
    _check_api_real(df, (7714, 1960, 2020, 32930, 29904), economies_2025)
    assert df["series"].nunique() == 29
    assert df["entity_code"].nunique() == 266
    pov = _one(df, "NAM", "SI.POV.DDAY", 2015)
    assert (pov["row"], pov["column"], pov["value"]) == (4984, "2015", 13.8)
    assert wb_api_last_updated(POVERTY) == "2021-09-15"


# ======================================================================================
# Metadata_Country
# ======================================================================================


def test_metadata_country_fixture() -> None:
    df = read_wb_metadata_country(DATA / "metadata_country_small.csv", "m.csv", "wdi_test")
    assert list(df.columns) == list(tables.CLASSIFICATION.columns)
    assert list(df["iso3"]) == ["ABW", "AFE", "AFG", "NAM", "VEN", "IND"]
    # AFG's note spans lines 4-6, so NAM starts on line 7
    assert list(df["row"]) == [2, 3, 4, 7, 8, 9]
    assert list(df["income_group"]) == ["H", "", "L", "UM", "", "LM"]
    assert list(df["region"]) == [
        "Latin America & Caribbean",
        "",
        "South Asia",
        "Sub-Saharan Africa",
        "Latin America & Caribbean",
        "South Asia",
    ]
    assert list(df["name"])[4] == "Venezuela, RB"
    assert df["year"].isna().all() and str(df["year"].dtype) == "Int64"
    assert set(df["source"]) == {"wdi_test"} and set(df["file"]) == {"m.csv"}


def _meta_error(tmp_path: Path, text: str) -> InputError:
    with pytest.raises(InputError) as err:
        read_wb_metadata_country(_write(tmp_path, text), "bad.csv", "s")
    assert err.value.file == "bad.csv"
    return err.value


META_TEXT = (DATA / "metadata_country_small.csv").read_bytes().decode("utf-8")


def test_metadata_country_changed_header(tmp_path: Path) -> None:
    err = _meta_error(tmp_path, META_TEXT.replace('"IncomeGroup"', '"Income Group"'))
    assert err.row == 1 and "IncomeGroup" in str(err)


def test_metadata_country_unknown_income_group(tmp_path: Path) -> None:
    err = _meta_error(tmp_path, META_TEXT.replace('"Upper middle income"', '"Middle income"'))
    assert (err.row, err.column) == (7, "IncomeGroup") and "Middle income" in err.problem


def test_metadata_country_names_every_unknown_income_group_and_malformed_code(tmp_path: Path) -> None:
    """Issue 10.2/10.3 in a companion file: two renamed groups, both named; '#N/A' as a code."""
    text = META_TEXT.replace('"Upper middle income"', '"Middle income"').replace('"Low income"', '"Poor"')
    err = _meta_error(tmp_path, text)
    assert (err.row, err.column) == (4, "IncomeGroup")
    assert (
        "2 such cells in this file: row 4, column IncomeGroup: 'Poor'; row 7, column IncomeGroup: 'Middle income'"
        in (err.problem)
    )
    err = _meta_error(tmp_path, META_TEXT.replace('"NAM"', '"#N/A"'))
    assert (err.row, err.column) == (7, "Country Code") and "'#N/A' is not an alpha-3 code" in err.problem


def test_metadata_country_duplicate_code(tmp_path: Path) -> None:
    err = _meta_error(tmp_path, META_TEXT.replace('"IND"', '"ABW"'))
    assert "duplicate" in err.problem and "row=2" in err.problem and "row=9" in err.problem


def test_metadata_country_truncated(tmp_path: Path) -> None:
    err = _meta_error(tmp_path, META_TEXT[: META_TEXT.index('"India"')] + "\r\n")
    assert err.row == 9 and "fields" in err.problem


@pytest.mark.parametrize(
    "rel",
    [
        "worldbank/wdi_api_2025/Metadata_Country_API_IT.NET.USER.ZS_DS2_en_csv_v2_384634.csv",
        "worldbank/wdi_topic_poverty_2021/Metadata_Country_API_11_DS2_en_csv_v2_3053363.csv",
    ],
)
def test_metadata_country_real(rel: str) -> None:
    df = read_wb_metadata_country(RAW / rel, rel, "real")
    assert len(df) == 265
    assert int((df["region"] != "").sum()) == 217
    # aggregates have neither region nor income group
    assert set(df.loc[df["region"] == "", "income_group"]) == {""}
    assert set(df["income_group"]) == {"L", "LM", "UM", "H", ""}
    ven = df[df["iso3"] == "VEN"].iloc[0]
    assert ven["region"] == "Latin America & Caribbean" and ven["income_group"] == ""


def test_metadata_country_real_row_after_multiline_notes() -> None:
    df = read_wb_metadata_country(METADATA_2025, "m", "s")
    nam = df[df["iso3"] == "NAM"].iloc[0]
    # 283 physical lines for 265 records: NAM's record starts on physical line 185
    assert (nam["row"], nam["name"], nam["income_group"]) == (185, "Namibia", "UM")


# ======================================================================================
# datahub.io long CSV + datapackage.json
# ======================================================================================

HUB = DATA / "datahub" / "it.net.user.zs"


def test_read_datapackage_fixture() -> None:
    package = read_datapackage(HUB / "datapackage.json")
    assert package == {
        "name": "it.net.user.zs",
        "title": "Individuals using the Internet (% of population)",
        "licences": ["CC-BY-4.0"],
        "resource_path": "data.csv",
        "fields": ["Country Name", "Country Code", "Year", "Value"],
    }


def test_datahub_fixture() -> None:
    df = read_wb_datahub(HUB / "data.csv", "worldbank/datahub/it.net.user.zs/data.csv", "hub")
    _check_schema(df)
    assert len(df) == 6
    assert set(df["series"]) == {"IT.NET.USER.ZS"} and set(df["column"]) == {"Value"}
    nam = _one(df, "NAM", "IT.NET.USER.ZS", 2005)
    assert (nam["row"], nam["entity_raw"], nam["value"]) == (3, "Namibia", 4.01)
    na = _one(df, "NAN", "IT.NET.USER.ZS", 2005)
    assert (na["row"], na["entity_raw"], na["value"]) == (4, "NA", 12.5)
    kor = _one(df, "KOR", "IT.NET.USER.ZS", 2005)
    assert (kor["row"], kor["entity_raw"]) == (5, "Korea, Rep.")
    tcd = _one(df, "TCD", "IT.NET.USER.ZS", 2005)
    assert tcd["row"] == 6 and math.isnan(tcd["value"])
    # aggregates are kept (the harmoniser drops them)
    assert _one(df, "WLD", "IT.NET.USER.ZS", 2005)["value"] == 15.8


def _hub_copy(tmp_path: Path) -> Path:
    target = tmp_path / "it.net.user.zs"
    shutil.copytree(HUB, target)
    return target


def _hub_error(folder: Path) -> InputError:
    with pytest.raises(InputError) as err:
        read_wb_datahub(folder / "data.csv", "hub/data.csv", "s")
    return err.value


def test_datahub_header_differs_from_schema(tmp_path: Path) -> None:
    folder = _hub_copy(tmp_path)
    csv_path = folder / "data.csv"
    csv_path.write_bytes(csv_path.read_bytes().replace(b"Country Name,", b"Country,", 1))
    err = _hub_error(folder)
    assert err.file == "hub/data.csv" and err.row == 1 and "datapackage.json" in err.problem


def test_datahub_schema_declares_other_fields(tmp_path: Path) -> None:
    folder = _hub_copy(tmp_path)
    package = json.loads((folder / "datapackage.json").read_text())
    package["resources"][0]["schema"]["fields"][3]["name"] = "Observation"
    (folder / "datapackage.json").write_text(json.dumps(package))
    err = _hub_error(folder)
    assert err.file == "hub/datapackage.json" and "Observation" in err.problem


def test_datahub_without_datapackage(tmp_path: Path) -> None:
    folder = _hub_copy(tmp_path)
    (folder / "datapackage.json").unlink()
    err = _hub_error(folder)
    assert "datapackage.json" in err.problem and err.file == "hub/datapackage.json"


def test_datahub_invalid_datapackage_json(tmp_path: Path) -> None:
    folder = _hub_copy(tmp_path)
    (folder / "datapackage.json").write_text('{\n  "name": "x",\n  "resources": [\n')
    err = _hub_error(folder)
    assert "invalid JSON" in err.problem and (err.file, err.row) == ("hub/datapackage.json", 4)


def test_datahub_package_without_name(tmp_path: Path) -> None:
    folder = _hub_copy(tmp_path)
    package = json.loads((folder / "datapackage.json").read_text())
    del package["name"]
    (folder / "datapackage.json").write_text(json.dumps(package))
    assert "'name'" in _hub_error(folder).problem


def test_datahub_bad_year(tmp_path: Path) -> None:
    folder = _hub_copy(tmp_path)
    (folder / "data.csv").write_bytes((HUB / "data.csv").read_bytes().replace(b"KOR,2005", b"KOR,2005.0"))
    err = _hub_error(folder)
    assert (err.row, err.column) == (5, "Year")


def test_datahub_duplicate_economy_year(tmp_path: Path) -> None:
    folder = _hub_copy(tmp_path)
    (folder / "data.csv").write_bytes((HUB / "data.csv").read_bytes() + b"Namibia,NAM,2005,4.5\r\n")
    err = _hub_error(folder)
    assert "duplicate" in err.problem and "row=3" in err.problem and "row=8" in err.problem


def test_datahub_truncated_line(tmp_path: Path) -> None:
    folder = _hub_copy(tmp_path)
    (folder / "data.csv").write_bytes((HUB / "data.csv").read_bytes() + b"World,WLD,20")
    err = _hub_error(folder)
    assert err.row == 8 and "fields" in err.problem


def test_datahub_non_numeric_value(tmp_path: Path) -> None:
    folder = _hub_copy(tmp_path)
    (folder / "data.csv").write_bytes((HUB / "data.csv").read_bytes().replace(b",12.5", b",12.5%"))
    err = _hub_error(folder)
    assert (err.row, err.column) == (4, "Value")


# code: (rows, first year, last year, non-missing economies, economies with data, aggregates with data);
# None where PROVENANCE.md does not publish the count
DATAHUB_REAL = {
    "eg.elc.accs.zs": (7835, 1990, 2023, 6532, 216, 47),
    "it.cel.sets.p2": (13017, 1960, 2025, 10594, 214, 47),
    "it.mlt.main.p2": (14528, 1960, 2025, 11794, 213, 47),
    "it.net.bbnd.p2": (5319, 1998, 2025, 4330, 208, 47),
    "it.net.secr.p6": (3898, 2010, 2024, 3193, 215, 47),
    "ny.gdp.pcap.cd": (14743, 1960, 2025, 11762, 214, 47),
    "ny.gdp.pcap.pp.cd": (8476, 1990, 2024, 6831, 203, 47),
    "se.adt.litr.zs": (2804, 1970, 2024, 1121, 170, 41),
    "se.enr.prsc.fm.zs": (8084, 1970, 2022, 5854, 204, 45),
    "se.prm.cmpt.zs": (6805, 1970, 2025, 5049, 198, 45),
    "se.prm.nenr": (6069, 1970, 2019, 4342, 197, 43),
    "se.sec.enrr": (8307, 1970, 2025, 6280, 208, 45),
    "se.ter.enrr": (7351, 1970, 2025, 5353, 203, 45),
    "sg.gen.parl.zs": (6573, 1997, 2025, 5259, 193, 47),
    "sh.dyn.aids.zs": (6135, 1990, 2024, 5268, 153, 33),
    "sh.dyn.mort": (13506, 1960, 2024, 11861, 196, 47),
    "sh.imm.meas": (10001, 1980, 2024, 7931, 193, 47),
    "sh.sta.brtc.zs": (3146, 1980, 2022, 2990, 206, 47),
    "sh.sta.mmrt": (9399, 1985, 2023, 7566, 194, 47),
    "sh.tbs.incd": (5632, 2000, 2024, 5157, 208, 19),
    "si.pov.dday": (2980, 1963, 2025, 2430, 171, 14),
    "sn.itk.defc.zs": (4912, 2001, 2023, 3831, 169, 47),
    "sp.dyn.imrt.in": (13475, 1960, 2024, 11830, 196, 47),
    "sp.dyn.le00.in": (17126, 1960, 2024, 14071, 217, 47),
    "sp.pop.totl": (17394, 1960, 2025, 14292, 217, 47),
    "sp.urb.totl.in.zs": (17424, 1960, 2025, 14322, 217, 47),
    "tx.val.tech.mf.zs": (3354, 2007, 2024, None, None, None),
    "ip.jrn.artc.sc": (6832, 1996, 2023, None, None, None),
    "ip.pat.resd": (4276, 1980, 2021, None, None, None),
    "sp.pop.scie.rd.p6": (2475, 1996, 2024, None, None, None),
    "gb.xpd.rsdv.gd.zs": (3198, 1996, 2024, None, None, None),
    "nv.mnf.tech.zs.un": (5048, 1990, 2022, None, None, None),
    "sh.dyn.nmrt": (11715, 1960, 2024, None, None, None),
    "sh.sta.maln.zs": (1477, 1983, 2024, None, None, None),
    "si.pov.gaps": (2980, 1963, 2025, None, None, None),
    "si.dst.frst.20": (2430, 1963, 2025, None, None, None),
    "sl.gdp.pcap.em.kd": (7546, 1991, 2024, None, None, None),
    "sl.emp.totl.sp.zs": (8176, 1991, 2025, None, None, None),
    "se.adt.1524.lt.zs": (2964, 1970, 2024, None, None, None),
    "sp.ado.tfrt": (17160, 1960, 2024, None, None, None),
    "sp.dyn.conu.zs": (1363, 1961, 2024, None, None, None),
    "sh.sta.anvc.zs": (1062, 1984, 2021, None, None, None),
    "en.atm.co2e.pc": (12214, 1960, 2014, None, None, None),
    "ag.lnd.frst.zs": (8639, 1990, 2023, None, None, None),
    "er.ptd.totl.zs": (3357, 2013, 2025, None, None, None),
    "en.pop.slum.ur.zs": (2423, 2000, 2022, None, None, None),
    "dt.oda.odat.pc.zs": (11516, 1960, 2023, None, None, None),
    "dt.tds.dect.ex.zs": (5252, 1970, 2024, None, None, None),
    "sh.hiv.1524.fe.zs": (5813, 1990, 2024, None, None, None),
    "sh.imm.idpt": (10124, 1980, 2024, None, None, None),
    "se.enr.prim.fm.zs": (9740, 1970, 2022, None, None, None),
    "sl.emp.vuln.fe.zs": (8176, 1991, 2025, None, None, None),
    "sl.emp.vuln.ma.zs": (8176, 1991, 2025, None, None, None),
}
DATAHUB_QUICK = ["it.cel.sets.p2", "si.pov.dday", "en.atm.co2e.pc"]


def _check_datahub_real(code: str, economies: set[str]) -> None:
    rows, first, last, nonmissing_econ, n_economies, n_aggregates = DATAHUB_REAL[code]
    rel = f"worldbank/datahub_long/{code}/data.csv"
    df = read_wb_datahub(RAW / rel, rel, "datahub")
    _check_schema(df)
    assert len(df) == rows
    assert int(df["value"].notna().sum()) == rows  # the long format lists non-missing cells only
    assert list(df["row"]) == list(range(2, rows + 2))
    assert (df["year"].min(), df["year"].max()) == (first, last)
    assert set(df["series"]) == {code.upper()}
    if nonmissing_econ is not None:
        is_economy = df["entity_code"].isin(economies)
        assert int(is_economy.sum()) == nonmissing_econ
        # aggregates (WLD, HIC, ...) are kept, not dropped by the reader
        assert df.loc[is_economy, "entity_code"].nunique() == n_economies
        assert df.loc[~is_economy, "entity_code"].nunique() == n_aggregates


def test_datahub_real_folders_all_listed() -> None:
    assert sorted(p.name for p in (WB / "datahub_long").iterdir()) == sorted(DATAHUB_REAL)


@pytest.mark.parametrize("code", DATAHUB_QUICK)
def test_datahub_real_counts(code: str, economies_2025: set[str]) -> None:
    _check_datahub_real(code, economies_2025)


@pytest.mark.slow
@pytest.mark.parametrize("code", sorted(set(DATAHUB_REAL) - set(DATAHUB_QUICK)))
def test_datahub_real_counts_all(code: str, economies_2025: set[str]) -> None:
    _check_datahub_real(code, economies_2025)


def test_datahub_real_cell_checked_by_hand() -> None:
    rel = "worldbank/datahub_long/it.cel.sets.p2/data.csv"
    df = read_wb_datahub(RAW / rel, rel, "datahub")
    nam = _one(df, "NAM", "IT.CEL.SETS.P2", 2005)
    assert (nam["row"], nam["column"], nam["value"]) == (8470, "Value", 22.8242198901444)
    package = read_datapackage(RAW / "worldbank/datahub_long/it.cel.sets.p2/datapackage.json")
    assert package["title"] == "Mobile cellular subscriptions (per 100 people)"
    assert package["licences"] == ["CC-BY-4.0"]


# ======================================================================================
# DataBank extract
# ======================================================================================

GDP = "GDP per capita (constant 2015 US$)"
CO2 = "CO2 emissions (metric tons per capita)"
DATABANK_ROWS: list[list[object]] = [
    ["Country", "Code", "Series Name", 2004, 2005],  # row 1
    ["Namibia", "NAM", GDP, "..", 3148.5],  # row 2
    ["NA", "NAN", GDP, 10, ".."],  # row 3
    ["Namibia", "NAM", CO2, 1.25, None],  # row 4
    [],  # row 5
    [],  # row 6
    ["Data from database: World Development Indicators"],  # row 7
    ["Last Updated: 12/22/2022"],  # row 8
]
META_ROWS: list[list[object]] = [
    ["Code", "License Type", "Indicator Name"],
    ["NY.GDP.PCAP.KD", "CC BY-4.0", GDP],
    ["EN.ATM.CO2E.PC", "CC BY-NC 4.0", CO2],
]


def _databank(
    path: Path,
    data: list[list[object]] | None = None,
    meta: list[list[object]] | None = None,
    sheets: tuple[str, ...] = ("Data", "Series - Metadata"),
) -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)
    content = {
        "Data": DATABANK_ROWS if data is None else data,
        "Series - Metadata": META_ROWS if meta is None else meta,
    }
    for name in sheets:
        sheet = book.create_sheet(name)
        for i, row in enumerate(content.get(name, [["x"]]), start=1):
            for j, value in enumerate(row, start=1):
                sheet.cell(row=i, column=j, value=value)
    book.save(path)
    return path


def test_databank_fixture(tmp_path: Path) -> None:
    df = read_wb_databank(_databank(tmp_path / "extract.xlsx"), "wb/extract.xlsx", "databank")
    _check_schema(df)
    # 3 data rows x 2 years; blank rows and the footer are not data
    assert len(df) == 6
    assert set(df["row"]) == {2, 3, 4}
    assert set(df["series"]) == {"NY.GDP.PCAP.KD", "EN.ATM.CO2E.PC"}
    nam = _one(df, "NAM", "NY.GDP.PCAP.KD", 2005)
    assert (nam["row"], nam["column"], nam["entity_raw"], nam["value"]) == (2, "'Data'!E", "Namibia", 3148.5)
    assert math.isnan(_one(df, "NAM", "NY.GDP.PCAP.KD", 2004)["value"])
    na = _one(df, "NAN", "NY.GDP.PCAP.KD", 2004)
    assert (na["entity_raw"], na["row"], na["column"], na["value"]) == ("NA", 3, "'Data'!D", 10.0)
    co2 = _one(df, "NAM", "EN.ATM.CO2E.PC", 2005)
    assert co2["row"] == 4 and math.isnan(co2["value"])
    assert int(df["value"].notna().sum()) == 3


def test_databank_year_labels_with_yr_suffix(tmp_path: Path) -> None:
    data = [list(r) for r in DATABANK_ROWS]
    data[0] = ["Country", "Code", "Series Name", "2004 [YR2004]", "2005 [YR2005]"]
    df = read_wb_databank(_databank(tmp_path / "x.xlsx", data=data), "x", "s")
    assert sorted(set(df["year"])) == [2004, 2005]


def _databank_error(path: Path) -> InputError:
    with pytest.raises(InputError) as err:
        read_wb_databank(path, "wb/bad.xlsx", "s")
    assert err.value.file == "wb/bad.xlsx"
    return err.value


@pytest.mark.parametrize("missing", ["Series - Metadata", "Data"])
def test_databank_missing_sheet(tmp_path: Path, missing: str) -> None:
    sheets = tuple(s for s in ("Data", "Series - Metadata", "Definition and Source") if s != missing)
    err = _databank_error(_databank(tmp_path / "x.xlsx", sheets=sheets))
    assert repr(missing) in err.problem
    for found in sheets:
        assert found in err.problem


def test_databank_unknown_series_name(tmp_path: Path) -> None:
    data = [list(r) for r in DATABANK_ROWS]
    data[2][2] = "GDP per capita (current US$)"
    err = _databank_error(_databank(tmp_path / "x.xlsx", data=data))
    assert (err.row, err.column) == (3, "'Data'!C") and "GDP per capita (current US$)" in err.problem


def test_databank_data_row_below_the_footer(tmp_path: Path) -> None:
    data = [list(r) for r in DATABANK_ROWS] + [["Chad", "TCD", GDP, 1, 2]]
    err = _databank_error(_databank(tmp_path / "x.xlsx", data=data))
    assert err.row == 9 and "footer" in err.problem


def test_databank_changed_header(tmp_path: Path) -> None:
    data = [list(r) for r in DATABANK_ROWS]
    data[0][0] = "Country Name"
    err = _databank_error(_databank(tmp_path / "x.xlsx", data=data))
    assert err.row == 1 and "header" in err.problem


def test_databank_non_numeric_value(tmp_path: Path) -> None:
    data = [list(r) for r in DATABANK_ROWS]
    data[1][4] = "3,148.5"
    err = _databank_error(_databank(tmp_path / "x.xlsx", data=data))
    assert (err.row, err.column) == (2, "'Data'!E") and "non-numeric" in err.problem


def test_databank_duplicate_row(tmp_path: Path) -> None:
    data = [list(r) for r in DATABANK_ROWS]
    data.insert(4, list(data[1]))  # row 5 repeats row 2
    err = _databank_error(_databank(tmp_path / "x.xlsx", data=data))
    assert "duplicate" in err.problem and "row=2" in err.problem and "row=5" in err.problem


def test_databank_metadata_sheet_without_indicator_name(tmp_path: Path) -> None:
    meta = [["Code", "License Type", "Name"], *META_ROWS[1:]]
    err = _databank_error(_databank(tmp_path / "x.xlsx", meta=meta))
    assert "Indicator Name" in err.problem and err.row == 1


def test_databank_not_a_workbook(tmp_path: Path) -> None:
    err = _databank_error(_write(tmp_path, "Country,Code\n", "x.xlsx"))
    assert "xlsx" in err.problem


def test_databank_real(economies_2025: set[str]) -> None:
    rel = "worldbank/databank_extract/P_Data_Extract_From_World_Development_Indicators (1).xlsx"
    df = read_wb_databank(DATABANK, rel, "databank")
    _check_schema(df)
    # 266 economies and aggregates x 3 series, 1972-2021
    assert len(df) == 266 * 3 * 50
    assert (df["year"].min(), df["year"].max()) == (1972, 2021)
    assert df["row"].max() == 799  # rows 800-804 are blanks and the footer
    assert int(df["value"].notna().sum()) == 25508
    assert int(df.loc[df["entity_code"].isin(economies_2025), "value"].notna().sum()) == 20288
    assert set(df["series"]) == {"NY.GDP.PCAP.KD", "NY.GDP.PCAP.PP.KD", "EN.ATM.CO2E.PC"}
    assert not df["entity_raw"].str.startswith(("Data from", "Last Updated")).any()
    nam = _one(df, "NAM", "NY.GDP.PCAP.KD", 2002)
    assert (nam["row"], nam["column"]) == (410, "'Data'!AH")
    assert nam["value"] == pytest.approx(3148.35790797604, rel=1e-14)
    assert np.isfinite(df["value"].dropna()).all()


# ======================================================================================
# The data-line parser: Arrow when it can vouch for the lines, else the csv module


def _csv_module_grid(text: str, first_line: int, width: int) -> tuple[list[int], list[list[str]]] | str:
    """What the csv module alone makes of ``text``: lines and fields, or the error's row."""
    from scripts.ingest.readers.csvtext import csv_records, drop_trailing_blanks, record_grid

    try:
        records = drop_trailing_blanks(csv_records(text, "f.csv", first_line))
        if not records:
            return [], []
        lines, cells = record_grid(records, width, "f.csv", "data line")
    except InputError as exc:
        return f"error at row {exc.row}"
    return lines.tolist(), cells.tolist()


def _data_grid_result(text: str, first_line: int, width: int) -> tuple[list[int], list[list[str]]] | str:
    from scripts.ingest.readers.csvtext import data_grid

    try:
        lines, cells = data_grid(text, first_line, width, "f.csv", "data line")
    except InputError as exc:
        return f"error at row {exc.row}"
    return lines.tolist(), cells.tolist()


@settings(max_examples=400, deadline=None)
@given(
    st.lists(st.text(alphabet='ab,"\n\r é', max_size=12), min_size=1, max_size=6),
    st.integers(1, 3),
    st.integers(1, 9),
)
def test_fast_parser_agrees_with_the_csv_module(lines: list[str], width: int, first_line: int) -> None:
    """Any text, however malformed: same fields on the same physical lines, or the same error line."""
    text = "\n".join(lines)
    assert _data_grid_result(text, first_line, width) == _csv_module_grid(text, first_line, width)


@pytest.mark.parametrize(
    "text",
    [
        '"Aruba","ABW","1.5"\r\n"Korea, Rep.","KOR",""\r\n',  # CRLF, quoted commas: Arrow
        'Aruba,ABW,1.5\n"Cote\nd\'Ivoire",CIV,2\nChad,TCD,3\n\n',  # a quoted line break: csv module
        'Aruba,ABW,1.5\n"Say ""hi""",XXX,2\n',  # doubled quotes: csv module
    ],
)
def test_fast_parser_keeps_physical_lines(text: str) -> None:
    assert _data_grid_result(text, 6, 3) == _csv_module_grid(text, 6, 3)
