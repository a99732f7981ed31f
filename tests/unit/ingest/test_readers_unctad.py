"""Tests of the UNCTADstat reader: the hand-made fixture, bad inputs, and the real ICT-goods table.

Fixture lines (tests/data/unctad/unctad_small.csv, UTF-8 BOM, CRLF): 1 header, 2 World
(code 0), 3-5 Korea (imports 2010, exports 2010 and 2011, the last flagged 'Estimated' and
written 1.00E-05), 6 the United Kingdom under UNCTAD's code 926, 7 'Developed economies'
(code 1100).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from support import DATA, RAW
from support.observations import cell, check_observations

from scripts.core.errors import InputError
from scripts.ingest.readers.unctad import read_unctad

SMALL = DATA / "unctad" / "unctad_small.csv"
REAL = RAW / "unctad" / "Share of ICT goods as percentage of total trade, annual.csv"
MEASURE = "Percentage of total merchandise trade"


def test_fixture_cells_rows_and_codes() -> None:
    df = read_unctad(SMALL, "unctad/small.csv", "unctad_test")
    check_observations(df)
    assert len(df) == 6 and list(df["row"]) == [2, 3, 4, 5, 6, 7]
    assert set(df["column"]) == {MEASURE}
    kor = cell(df, entity_code="410", series="ICT00:1", year=2010)
    assert (kor["row"], kor["entity_raw"], kor["value"], kor["note"]) == (3, "Korea, Republic of", 11.87983, "")
    est = cell(df, entity_code="410", series="ICT00:2", year=2011)
    assert (est["row"], est["value"], est["note"]) == (5, 1e-05, "Estimated")
    # 0 and >= 1000 are groups; 926 is the United Kingdom, not a group
    assert cell(df, row=2)["entity_code"] == "group:0"
    assert cell(df, row=7)["entity_code"] == "group:1100"
    assert cell(df, row=6)["entity_code"] == "926"


def _lines() -> list[str]:
    return SMALL.read_bytes().decode("utf-8-sig").split("\r\n")


def _error(tmp_path: Path, lines: list[str]) -> InputError:
    path = tmp_path / "bad.csv"
    path.write_bytes("\r\n".join(lines).encode("utf-8"))
    with pytest.raises(InputError) as err:
        read_unctad(path, "unctad/bad.csv", "s")
    assert err.value.file == "unctad/bad.csv" and err.value.fix
    return err.value


def test_changed_header(tmp_path: Path) -> None:
    lines = _lines()
    lines[0] = lines[0].replace("Flow Label", "Flow name")
    err = _error(tmp_path, lines)
    assert err.row == 1 and "Flow Label" in str(err)


def test_header_without_the_flag_column(tmp_path: Path) -> None:
    lines = [line.rsplit(",", 1)[0] if line else line for line in _lines()]
    assert _error(tmp_path, lines).row == 1


def test_economy_code_that_is_not_a_number(tmp_path: Path) -> None:
    lines = _lines()
    lines[2] = lines[2].replace(",410,", ",KOR,", 1)
    err = _error(tmp_path, lines)
    assert (err.row, err.column) == (3, "Economy")


def test_bilateral_partner_is_refused(tmp_path: Path) -> None:
    lines = _lines()
    lines[3] = lines[3].replace(",0,World,", ",156,China,", 1)
    err = _error(tmp_path, lines)
    assert (err.row, err.column) == (4, "Partner")


def test_bad_year(tmp_path: Path) -> None:
    lines = _lines()
    lines[4] = "20x1" + lines[4][4:]
    err = _error(tmp_path, lines)
    assert (err.row, err.column) == (5, "Year")


def test_repeated_economy_flow_and_year(tmp_path: Path) -> None:
    lines = _lines()
    lines.insert(4, lines[2].replace("11.87983", "11.9"))
    err = _error(tmp_path, lines)
    assert err.row in (3, 5) and "3" in str(err) and "5" in str(err)


def test_non_numeric_value(tmp_path: Path) -> None:
    lines = _lines()
    lines[5] = lines[5].replace("12.5", "12,5")
    err = _error(tmp_path, lines)
    assert err.row == 6


# ======================================================================================
# The real table (counts in data/raw/MANIFEST.csv; one cell read off the file by hand)
# ======================================================================================


@pytest.fixture(scope="module")
def real() -> object:
    return read_unctad(REAL, "unctad/real.csv", "unctad_2021")


def test_real_counts(real) -> None:
    check_observations(real)
    assert len(real) == 22143 and real["value"].notna().all()
    counts = real["series"].value_counts()
    assert (counts["ICT00:1"], counts["ICT00:2"], counts["ICT00:3"], counts["ICT00:24"]) == (7203, 7046, 4393, 3501)
    assert set(real.loc[real["note"] != "", "note"]) == {"Estimated"}
    codes = real["entity_code"].astype(str)
    economies = codes[~codes.str.startswith("group:")].astype(int)
    assert economies.max() < 1000 and set(economies[economies >= 900]) == {926, 960}


def test_real_cell_checked_by_hand(real) -> None:
    # line 17452: 2015,410,"Korea, Republic of",0,World,2,Exports,ICT00,Total ICT goods,21.71986,
    kor = cell(real, entity_code="410", series="ICT00:2", year=2015)
    assert kor["row"] == 17452 and np.isclose(kor["value"], 21.71986, rtol=0, atol=0)
