"""Tests of the ITU DataHub reader in its two layouts: fixtures, bad inputs, and the real files.

Fixtures (tests/data/itu/):

* ``datahub_2022_small.csv`` (2022 layout, UTF-8 BOM, LF, no final line break): line 2 Korea
  2010 i4214 479051 Mbit/s; 3 Korea 2011 "2e+006"; 4 Kosovo (ITU code KSO) 2011 "-" with
  a note and a source.
* ``datahub_2025_small.csv`` (2025 layout): line 2 Korea 2010 i271mw "4.73233e+007"; lines
  3-4 one record for Côte d'Ivoire 2011, "1e+006", whose note holds a CRLF; 5 Korea 2010
  i911mw 97.035.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from support import DATA, RAW
from support.observations import cell, check_observations

from scripts.core.errors import InputError
from scripts.ingest.readers.itu import DASH_NOTE
from scripts.ingest.readers.itu_datahub import read_itu_datahub

SMALL_2022 = DATA / "itu" / "datahub_2022_small.csv"
SMALL_2025 = DATA / "itu" / "datahub_2025_small.csv"
BANDWIDTH = RAW / "itu" / "datahub_2022" / "international-bandwidth-usage.csv"
MOBILE_BB = RAW / "itu" / "datahub_2025" / "05_active_mobile_broadband_subscriptions.csv"
HOUSEHOLDS = RAW / "itu" / "datahub_2025" / "1_households_internet_access.csv"


def test_2022_layout() -> None:
    df = read_itu_datahub(SMALL_2022, "itu/small22.csv", "itu_test")
    check_observations(df)
    assert list(df["row"]) == [2, 3, 4] and set(df["column"]) == {"answer1"}
    kor = cell(df, entity_code="KOR", year=2010)
    assert (kor["series"], kor["entity_raw"], kor["value"]) == ("i4214", "Korea (Rep. of)", 479051.0)
    assert kor["note"] == "source=Korea Communications Commission"
    assert cell(df, entity_code="KOR", year=2011)["value"] == 2e6
    kso = cell(df, entity_code="KSO")
    assert kso["value"] == 0.0 and kso["note"] == f"notes=Break in series.; source=ITU estimate.; {DASH_NOTE}"


def test_2025_layout_with_a_line_break_inside_a_note() -> None:
    df = read_itu_datahub(SMALL_2025, "itu/small25.csv", "itu_test")
    check_observations(df)
    assert set(df["column"]) == {"dataValue"}
    assert cell(df, entity_code="KOR", series="i271mw")["value"] == 47323300.0
    civ = cell(df, entity_code="CIV")
    assert (civ["row"], civ["value"], civ["entity_raw"]) == (3, 1e6, "Côte d'Ivoire")
    assert civ["note"] == "notes=Estimate, revised; source=ITU estimate."
    # the record after the two-line note starts on physical line 5
    assert cell(df, series="i911mw")["row"] == 5


def _error(tmp_path: Path, data: bytes) -> InputError:
    path = tmp_path / "bad.csv"
    path.write_bytes(data)
    with pytest.raises(InputError) as err:
        read_itu_datahub(path, "itu/bad.csv", "s")
    assert err.value.file == "itu/bad.csv" and err.value.fix
    return err.value


def test_unknown_header(tmp_path: Path) -> None:
    err = _error(tmp_path, SMALL_2022.read_bytes().replace(b'"answer1"', b'"value"'))
    assert err.row == 1 and "2022" in str(err) and "2025" in str(err)


def test_second_unit_for_a_series(tmp_path: Path) -> None:
    data = SMALL_2022.read_bytes()
    last = data.rindex(b'"Mbit/s"')
    err = _error(tmp_path, data[:last] + b'"Gbit/s"' + data[last + len(b'"Mbit/s"') :])
    assert (err.row, err.column) == (4, "unit") and "Gbit/s" in err.problem


def test_empty_economy_code(tmp_path: Path) -> None:
    err = _error(tmp_path, SMALL_2025.read_bytes().replace(b'"KOR","Korea (Rep. of)","97.035"', b'"","Korea","97"'))
    assert (err.row, err.column) == (5, "entityIso")


def test_bad_year(tmp_path: Path) -> None:
    err = _error(tmp_path, SMALL_2022.read_bytes().replace(b",2011,", b",11,", 1))
    assert (err.row, err.column) == (3, "dataYear")


def test_repeated_series_economy_and_year(tmp_path: Path) -> None:
    err = _error(tmp_path, SMALL_2022.read_bytes().replace(b",2011,", b",2010,", 1))
    assert "2" in str(err) and "3" in str(err)


def test_non_numeric_value(tmp_path: Path) -> None:
    err = _error(tmp_path, SMALL_2022.read_bytes().replace(b'"2e+006"', b'"2 Gbit"'))
    assert (err.row, err.column) == (3, "answer1")


# ======================================================================================
# The real files (counts in data/raw/MANIFEST.csv; cells read off the files by hand)
# ======================================================================================


def test_real_bandwidth() -> None:
    df = read_itu_datahub(BANDWIDTH, "itu/bw.csv", "itu_datahub_2022")
    check_observations(df)
    assert len(df) == 4229 and set(df["series"]) == {"i4214"} and df["value"].notna().all()
    assert (df["year"].min(), df["year"].max()) == (1988, 2020)
    # line 2405: ... "KOR","Korea (Rep. of)",2010,"","Korea Communications Commission","479051"
    assert tuple(cell(df, entity_code="KOR", year=2010)[["row", "value"]]) == (2405, 479051.0)


def test_real_mobile_broadband_and_households() -> None:
    mbb = read_itu_datahub(MOBILE_BB, "itu/mbb.csv", "itu_datahub_2025")
    check_observations(mbb)
    assert mbb["series"].value_counts().to_dict() == {"i911mw": 3150, "i271mw": 3121}
    # line 1425: ..."KOR","Korea (Rep. of)","4.73233e+007",2010,...
    kor = cell(mbb, entity_code="KOR", series="i271mw", year=2010)
    assert (kor["row"], kor["value"]) == (1425, 47323300.0)
    hh = read_itu_datahub(HOUSEHOLDS, "itu/hh.csv", "itu_datahub_2025")
    check_observations(hh)
    assert len(hh) == 3964 and set(hh["series"]) == {"xHH6_IDI"}
    # line 867: ..."CIV","Côte d'Ivoire","0.05",2002,...
    civ = cell(hh, entity_code="CIV", year=2002)
    assert (civ["row"], civ["value"], civ["entity_raw"]) == (867, 0.05, "Côte d'Ivoire")
