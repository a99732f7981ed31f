"""Tests of the UNDP HDR reader: the cp1252 fixture, encodings and bad inputs, and the real file.

Fixture (tests/data/undp/hdr_small.csv, Windows-1252, CRLF): line 1 header (iso3, country,
hdicode, region, hdi_rank_2022, hdi_2009, hdi_2010, mys_2009, mys_2010); 2 Côte d'Ivoire
(0xF4) with an empty mys_2010; 3 Korea; 4 Türkiye (0xFC) with 'NaN' for mys_2009; 5 the
UNDP aggregate ZZK.WORLD.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from support import DATA, RAW
from support.observations import cell, check_observations

from scripts.core.errors import InputError
from scripts.ingest.readers.undp_hdr import read_undp_hdr

SMALL = DATA / "undp" / "hdr_small.csv"
REAL = RAW / "undp" / "HDR23-24_Composite_indices_complete_time_series.csv"


def test_fixture_cells_and_names() -> None:
    df = read_undp_hdr(SMALL, "undp/small.csv", "undp_test")
    check_observations(df)
    assert len(df) == 4 * 5  # 4 lines x 5 value columns, missing cells included
    assert df["value"].notna().sum() == 17
    civ = cell(df, entity_code="CIV", series="mys", year=2009)
    assert (civ["row"], civ["column"], civ["entity_raw"], civ["value"]) == (2, "mys_2009", "Côte d'Ivoire", 4.1)
    assert math.isnan(cell(df, entity_code="CIV", series="mys", year=2010)["value"])
    kor = cell(df, entity_code="KOR", series="mys", year=2010)
    assert (kor["row"], kor["value"]) == (3, 11.6382103)
    assert cell(df, entity_code="TUR", series="hdi", year=2010)["entity_raw"] == "Türkiye"
    assert math.isnan(cell(df, entity_code="TUR", series="mys", year=2009)["value"])  # 'NaN'
    assert cell(df, entity_code="KOR", series="hdi_rank", year=2022)["value"] == 19.0
    assert cell(df, row=5, column="mys_2010")["entity_code"] == "group:ZZK.WORLD"


def _error(tmp_path: Path, data: bytes) -> InputError:
    path = tmp_path / "bad.csv"
    path.write_bytes(data)
    with pytest.raises(InputError) as err:
        read_undp_hdr(path, "undp/bad.csv", "s")
    assert err.value.file == "undp/bad.csv" and err.value.fix
    return err.value


def test_a_copy_converted_to_utf8_is_refused(tmp_path: Path) -> None:
    # cp1252 would decode these bytes too, as mojibake ('CÃ´te'): the reader says what happened
    err = _error(tmp_path, SMALL.read_bytes().decode("cp1252").encode("utf-8"))
    assert err.row == 2 and "UTF-8" in err.problem


def test_a_byte_cp1252_leaves_undefined(tmp_path: Path) -> None:
    data = SMALL.read_bytes().replace(b"T\xfcrkiye", b"T\x81rkiye")
    err = _error(tmp_path, data)
    assert err.row == 4 and "0x81" in err.problem


def test_value_label_of_another_form(tmp_path: Path) -> None:
    err = _error(tmp_path, SMALL.read_bytes().replace(b"mys_2010", b"mys 2010"))
    assert (err.row, err.column) == (1, "mys 2010")


def test_changed_identifier_columns(tmp_path: Path) -> None:
    err = _error(tmp_path, SMALL.read_bytes().replace(b"iso3,country", b"code,country"))
    assert err.row == 1 and "iso3" in str(err)


def test_repeated_economy(tmp_path: Path) -> None:
    lines = SMALL.read_bytes().split(b"\r\n")
    lines.insert(3, lines[2])
    err = _error(tmp_path, b"\r\n".join(lines))
    assert "3" in str(err) and "4" in str(err)


def test_non_numeric_value(tmp_path: Path) -> None:
    err = _error(tmp_path, SMALL.read_bytes().replace(b"11.6382103", b"11.6 yrs"))
    assert (err.row, err.column) == (3, "mys_2010")


# ======================================================================================
# The real file (sizes in data/raw/MANIFEST.csv; one cell read off the file by hand)
# ======================================================================================


def test_real_file() -> None:
    df = read_undp_hdr(REAL, "undp/real.csv", "undp_hdr_2024")
    check_observations(df)
    assert df["row"].nunique() == 206 and df["column"].nunique() == 1072
    assert len(df) == 206 * 1072
    groups = df.loc[df["entity_code"].astype(str).str.startswith("group:"), "entity_code"].astype(str)
    assert groups.nunique() == 11
    mys = df[(df["series"] == "mys") & ~df["entity_code"].astype(str).str.startswith("group:")]
    assert mys["year"].min() == 1990 and mys["year"].max() == 2022
    # MANIFEST: 190 of the 195 economies have mean years of schooling for >= 8 years of 2000-2015
    window = mys[mys["year"].between(2000, 2015)]
    assert window.groupby("entity_code", observed=True)["value"].count().ge(8).sum() == 190
    # line 93, column 125 (mys_2010): KOR,South Korea,... 11.6382103
    kor = cell(df, entity_code="KOR", series="mys", year=2010)
    assert (kor["row"], kor["column"], kor["value"]) == (93, "mys_2010", 11.6382103)
    assert cell(df, entity_code="CIV", series="hdi", year=1990)["entity_raw"] == "Côte d'Ivoire"
