"""Tests of the UN MDG export reader: a hand-made CSV and the real export."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from support import DATA, RAW
from support.observations import cell

from scripts.core import contract, tables
from scripts.core.errors import InputError
from scripts.ingest.readers.unmdg import read_un_mdg

SMALL = DATA / "unmdg" / "mdg_small.csv"
REAL = RAW / "unmdg" / "MDG_Export_20191227.csv"


def test_small_export() -> None:
    df = read_un_mdg(SMALL, "unmdg/mdg_small.csv", "unmdg_test")
    assert list(df.columns) == list(tables.OBSERVATIONS.columns)
    assert len(df) == 8  # 4 records x 2 years, missing cells included
    assert df["value"].notna().sum() == 4
    assert set(df["series"]) == {"MDG:567", "MDG:749", "MDG:616"}

    a = cell(df, entity_code="4", year=1990)
    assert (a["row"], a["column"], a["entity_raw"], a["value"], a["note"]) == (2, "1990", "Afghanistan", 2.1, "type=E")
    # ' ' cells are missing and carry no note
    a91 = cell(df, entity_code="4", year=1991)
    assert math.isnan(a91["value"]) and a91["note"] == ""

    n = cell(df, entity_raw="Namibia", year=1990)
    assert (n["entity_code"], n["series"], n["value"], n["note"]) == ("516", "MDG:749", 11.5, "type=C; footnote=4")
    assert cell(df, entity_raw="Namibia", year=1991)["note"] == "type=G"

    # the code keeps its leading zero; the record starts on line 4 and spans two lines
    d = cell(df, entity_raw="Andorra", year=1991)
    assert (d["entity_code"], d["row"], d["column"], d["value"], d["note"]) == (
        "020",
        4,
        "1991",
        9.75,
        "type=C; footnote=1",
    )
    # so the next record is on physical line 6, not 5
    m = cell(df, entity_raw="Monaco", year=1990)
    assert m["row"] == 6 and math.isnan(m["value"]) and m["note"] == "type=E"
    contract.check_unique(df, tables.OBSERVATIONS.key, "cell")


def _variant(tmp_path: Path, old: str, new: str) -> Path:
    text = SMALL.read_text(encoding="utf-8")
    assert old in text
    out = tmp_path / "v.csv"
    out.write_text(text.replace(old, new, 1), encoding="utf-8")
    return out


def test_changed_header(tmp_path: Path) -> None:
    path = _variant(tmp_path, "1991,Footnotes,Type", "1991,Footnote,Type")
    with pytest.raises(InputError, match="Footnote") as err:
        read_un_mdg(path, "unmdg/v.csv", "s")
    assert err.value.row == 1 and err.value.column == "Footnote"
    path = _variant(tmp_path, "CountryCode,Country", "Code,Country")
    with pytest.raises(InputError, match="unexpected header") as err:
        read_un_mdg(path, "unmdg/v.csv", "s")
    assert err.value.row == 1


def test_non_numeric_value(tmp_path: Path) -> None:
    path = _variant(tmp_path, ",12,,G", ",12 kt,,G")
    with pytest.raises(InputError, match="non-numeric") as err:
        read_un_mdg(path, "unmdg/v.csv", "s")
    assert (err.value.file, err.value.row, err.value.column) == ("unmdg/v.csv", 3, "1991")


def test_short_row(tmp_path: Path) -> None:
    path = _variant(tmp_path, ",12,,G", ",12,")
    with pytest.raises(InputError, match="fields where the header has 11") as err:
        read_un_mdg(path, "unmdg/v.csv", "s")
    assert err.value.row == 3


def test_duplicate_country_series(tmp_path: Path) -> None:
    text = SMALL.read_text(encoding="utf-8")
    line = text.splitlines()[1]
    path = tmp_path / "d.csv"
    path.write_text(text + line + "\n", encoding="utf-8")
    with pytest.raises(InputError, match="duplicate MDG value"):
        read_un_mdg(path, "unmdg/d.csv", "s")


def test_real_export_matches_provenance() -> None:
    df = read_un_mdg(REAL, "unmdg/MDG_Export_20191227.csv", "unmdg_2019")
    # PROVENANCE.md: 230 countries, 690 rows, year columns 1990-2019, data 1990-2014, 6136 non-missing
    assert len(df) == 690 * 30
    assert df["entity_code"].nunique() == 230
    assert set(df["series"]) == {"MDG:567", "MDG:749", "MDG:616"}
    assert (df["year"].min(), df["year"].max()) == (1990, 2019)
    present = df[df["value"].notna()]
    assert len(present) == 6136
    assert (present["year"].min(), present["year"].max()) == (1990, 2014)
    assert (df["row"].min(), df["row"].max()) == (2, 691)
    co2 = cell(df, entity_code="4", series="MDG:749", year=1990)
    assert (co2["row"], co2["value"], co2["note"]) == (3, 2676.9, "type=G")
    assert cell(df, entity_code="716", series="MDG:616", year=1990)["value"] == 16.9
    # Monaco's forest cells carry a Type but no value: counted as missing, the type kept
    monaco = df[(df["entity_raw"] == "Monaco") & (df["series"] == "MDG:567") & (df["note"] == "type=E")]
    assert len(monaco) == 4 and monaco["value"].isna().all()
