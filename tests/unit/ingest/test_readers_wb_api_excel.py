"""Tests of the World Bank API Excel reader: workbooks built here, bad inputs, and the real .xls.

The fixture workbooks are written with openpyxl in ``tmp_path`` (.xlsx; the reader opens
.xls through xlrd and .xlsx through openpyxl with the same sheet model); the real file is
the BIFF8 .xls the World Bank serves.
"""

from __future__ import annotations

import math
from pathlib import Path

import openpyxl
import pytest
from support import RAW
from support.observations import cell, check_observations

from scripts.core.errors import InputError
from scripts.ingest.readers.wb_api_excel import last_updated_date, read_wb_api_excel, wb_api_excel_last_updated

REAL = RAW / "worldbank" / "wdi_api_excel_2021" / "API_TM.VAL.ICTG.ZS.UN_DS2_en_excel_v2_2178789.xls"
NAME = "ICT goods imports (% total goods imports)"
CODE = "TM.VAL.ICTG.ZS.UN"

ROWS: list[list[object]] = [
    ["Data Source", "World Development Indicators"],  # row 1
    ["Last Updated Date", 44274],  # row 2: an Excel date serial (2021-03-19)
    [],  # row 3
    ["Country Name", "Country Code", "Indicator Name", "Indicator Code", "2009", "2010"],  # row 4
    ["Korea, Rep.", "KOR", NAME, CODE, 11.2, 11.8798276524],  # row 5
    ["Namibia", "NAM", NAME, CODE, None, 2.5],  # row 6
    ["World", "WLD", NAME, "tm.val.ictg.zs.un", 14.0, 14.5],  # row 7: lower-case code
    [],  # row 8: trailing empty rows are not data
]


def _book(path: Path, rows: list[list[object]] | None = None, sheet: str = "Data") -> Path:
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = sheet
    for i, row in enumerate(ROWS if rows is None else rows, start=1):
        for j, value in enumerate(row, start=1):
            ws.cell(row=i, column=j, value=value)
    book.create_sheet("Metadata - Countries")
    book.save(path)
    return path


def test_fixture_cells_rows_and_columns(tmp_path: Path) -> None:
    df = read_wb_api_excel(_book(tmp_path / "api.xlsx"), "wb/api.xlsx", "wdi_test")
    check_observations(df)
    assert len(df) == 6 and set(df["row"]) == {5, 6, 7}
    kor = cell(df, entity_code="KOR", year=2010)
    assert (kor["row"], kor["column"], kor["entity_raw"], kor["value"]) == (5, "'Data'!F", "Korea, Rep.", 11.8798276524)
    assert math.isnan(cell(df, entity_code="NAM", year=2009)["value"])
    assert cell(df, entity_code="WLD", year=2009)["series"] == CODE
    assert wb_api_excel_last_updated(tmp_path / "api.xlsx") == "2021-03-19"


@pytest.mark.parametrize(
    ("value", "iso"), [(44274, "2021-03-19"), (44274.0, "2021-03-19"), (61, "1900-03-01"), ("2019-10-02", "2019-10-02")]
)
def test_last_updated_date(value: object, iso: str) -> None:
    assert last_updated_date(value, rel="f") == iso


@pytest.mark.parametrize("value", ["19 March 2021", 44274.5, -3])
def test_last_updated_that_is_not_a_date(value: object) -> None:
    with pytest.raises(InputError) as err:
        last_updated_date(value, rel="wb/f.xls")
    assert (err.value.row, err.value.column) == (2, "'Data'!B")


def _error(tmp_path: Path, rows: list[list[object]], sheet: str = "Data") -> InputError:
    path = _book(tmp_path / "bad.xlsx", rows, sheet)
    with pytest.raises(InputError) as err:
        read_wb_api_excel(path, "wb/bad.xlsx", "s")
    assert err.value.file == "wb/bad.xlsx" and err.value.fix
    return err.value


def _rows() -> list[list[object]]:
    return [list(r) for r in ROWS]


def test_missing_data_sheet(tmp_path: Path) -> None:
    assert "'Data'" in _error(tmp_path, _rows(), sheet="Sheet1").problem


def test_csv_preamble_is_not_the_excel_one(tmp_path: Path) -> None:
    rows = _rows()
    rows.insert(1, [])  # the CSV's blank line between source and date
    err = _error(tmp_path, rows)
    assert err.row == 2 and "Last Updated Date" in str(err)


def test_changed_header(tmp_path: Path) -> None:
    rows = _rows()
    rows[3][0] = "Country"
    err = _error(tmp_path, rows)
    assert err.row == 4 and "Country Name" in str(err)


def test_year_label_that_is_not_a_year(tmp_path: Path) -> None:
    rows = _rows()
    rows[3][5] = "Notes"
    err = _error(tmp_path, rows)
    assert (err.row, err.column) == (4, "Notes")


def test_empty_country_code(tmp_path: Path) -> None:
    rows = _rows()
    rows[5][1] = None
    err = _error(tmp_path, rows)
    assert (err.row, err.column) == (6, "Country Code")


def test_repeated_country_and_indicator(tmp_path: Path) -> None:
    rows = _rows()
    rows[5][1] = "KOR"
    err = _error(tmp_path, rows)
    assert "5" in str(err) and "6" in str(err)


def test_non_numeric_value(tmp_path: Path) -> None:
    rows = _rows()
    rows[5][4] = "n.a. (see notes)"
    err = _error(tmp_path, rows)
    assert (err.row, err.column) == (6, "'Data'!E")


def test_value_after_the_last_year(tmp_path: Path) -> None:
    rows = _rows()
    rows[4].append(99.0)
    err = _error(tmp_path, rows)
    assert err.row == 5 and "unlabelled" in err.column


def test_header_without_data(tmp_path: Path) -> None:
    assert _error(tmp_path, _rows()[:4]).row == 5


# ======================================================================================
# The real .xls (counts in data/raw/MANIFEST.csv; one cell read off the sheet by hand)
# ======================================================================================


def test_real_file() -> None:
    df = read_wb_api_excel(REAL, "wb/real.xls", "wdi_excel_2021")
    check_observations(df)
    assert len(df) == 264 * 61 and int(df["value"].notna().sum()) == 4018
    assert set(df["series"]) == {CODE} and (df["year"].min(), df["year"].max()) == (1960, 2020)
    # sheet 'Data', row 129 (Korea, Rep.), column BC (2010): 11.8798276524...
    kor = cell(df, entity_code="KOR", year=2010)
    assert (kor["row"], kor["column"]) == (129, "'Data'!BC")
    assert kor["value"] == pytest.approx(11.8798276524, abs=1e-10)
    assert wb_api_excel_last_updated(REAL) == "2021-03-19"
