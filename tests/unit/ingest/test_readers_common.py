"""What every reader shares: cell addresses, the numeric parse, headers, encodings, sheets, cell text."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from scripts.core.errors import InputError
from scripts.ingest.readers.common import (
    LAYOUT_FIX,
    PLACEHOLDERS,
    cell_text,
    decode_utf8,
    excel_column,
    layout_error,
    open_sheet,
    parse_numeric,
    require_header,
    sheet_cell_column,
)


@pytest.mark.parametrize(
    ("index0", "letters"), [(0, "A"), (25, "Z"), (26, "AA"), (51, "AZ"), (52, "BA"), (701, "ZZ"), (702, "AAA")]
)
def test_excel_column_letters(index0: int, letters: str) -> None:
    assert excel_column(index0) == letters


def test_excel_column_refuses_negative_and_labels_a_sheet_column() -> None:
    with pytest.raises(ValueError):
        excel_column(-1)
    assert sheet_cell_column("Data", 27) == "'Data'!AB"


def test_parse_numeric_reads_numbers_and_placeholders() -> None:
    raw = pd.Series(["1.5", "..", "-2e3", " ", "n/a", 7, None, "inf", "…"], dtype=object)
    got = parse_numeric(raw, file="f.csv", rows=range(2, 11), columns=["v"] * 9)
    expected = [1.5, math.nan, -2000.0, math.nan, math.nan, 7.0, math.nan, math.nan, math.nan]
    np.testing.assert_array_equal(got.to_numpy(), np.array(expected))  # inf is not a value either
    assert {"", "..", "...", "n/a", "NA"} <= PLACEHOLDERS and "-" not in PLACEHOLDERS  # ITU's dash is a value


@pytest.mark.parametrize("bad", ["1,234", "12 %", "#N/A", "ten"])
def test_parse_numeric_names_the_first_bad_cell(bad: str) -> None:
    raw = pd.Series(["1", "..", bad, "x"], dtype=object)
    with pytest.raises(InputError) as exc:
        parse_numeric(raw, file="f.csv", rows=[5, 6, 7, 8], columns=["2000", "2001", "2002", "2003"])
    e = exc.value
    assert (e.file, e.row, e.column) == ("f.csv", 7, "2002") and repr(bad) in e.problem


def test_require_header_and_layout_error() -> None:
    require_header(["\ufeffCountry Name", " Country Code", "x"], ["Country Name", "Country Code"], file="f", row=5)
    with pytest.raises(InputError, match=r"unexpected header \['Country', 'Code'\]") as exc:
        require_header(["Country", "Code"], ["Country Name", "Country Code"], file="f", row=5)
    assert exc.value.row == 5 and exc.value.fix == LAYOUT_FIX
    err = layout_error(problem="p", file="f", expected="e", fix="do this")
    assert isinstance(err, InputError) and err.fix == "do this"


def test_decode_utf8_strips_the_bom_and_names_the_line_of_a_bad_byte() -> None:
    assert decode_utf8("\ufeffa,b\n".encode(), file="f", expected="e", fix="x") == "a,b\n"
    data = "a\nb\nC\u00f4te".encode("cp1252")
    with pytest.raises(InputError, match="byte 0xf4 is not valid UTF-8") as exc:
        decode_utf8(b"\xef\xbb\xbf" + data, file="f.csv", expected="e", fix="x")
    assert exc.value.row == 3


@pytest.mark.parametrize(
    ("value", "text"), [(None, ""), (float("nan"), ""), (2005.0, "2005"), (0.5, "0.5"), ("  Kenya ", "Kenya"), (3, "3")]
)
def test_cell_text(value: object, text: str) -> None:
    assert cell_text(value) == text


def test_open_sheet_reads_cells_and_fonts_and_names_the_sheets_when_one_is_missing(tmp_path: Path) -> None:
    path = tmp_path / "book.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Data"
    ws["A1"], ws["B2"] = "title", 3.5
    ws["B2"].font = openpyxl.styles.Font(italic=True)
    wb.create_sheet("Notes")
    wb.save(path)
    sheet = open_sheet(path, "x/book.xlsx", "Data", fix="f")
    assert sheet.values.loc[1, 0] == "title" and sheet.values.loc[2, 1] == 3.5  # 1-based rows, 0-based columns
    assert bool(sheet.italic.loc[2, 1]) and not bool(sheet.italic.loc[1, 0])
    with pytest.raises(InputError, match=r"no sheet 'Final'; sheets found: \['Data', 'Notes'\]") as exc:
        open_sheet(path, "x/book.xlsx", "Final", fix="check the file")
    assert exc.value.file == "x/book.xlsx" and exc.value.fix == "check the file"


def test_a_file_that_is_not_a_workbook_is_named(tmp_path: Path) -> None:
    path = tmp_path / "fake.xlsx"
    path.write_text("not a workbook")
    with pytest.raises(InputError, match="cannot open the workbook") as exc:
        open_sheet(path, "x/fake.xlsx", "Data", fix="f")
    assert exc.value.file == "x/fake.xlsx"


# ---------------------------------------------------------------------- every bad cell of a file (issue 10.2)


def test_every_non_numeric_cell_is_named_in_one_error() -> None:
    from scripts.ingest.readers.common import MAX_BAD_CELLS

    raw = pd.Series(["1.5", "43,1", "..", "n.a.", "7", "#VALUE!", "2e3", "x1"], dtype=object)
    rows, columns = [10, 11, 12, 13, 14, 15, 16, 17], ["2001", "2002", "2003", "2004", "2005", "2006", "2007", "2008"]
    with pytest.raises(InputError) as exc:
        parse_numeric(raw, file="f.csv", rows=rows, columns=columns)
    e = exc.value
    assert (e.file, e.row, e.column) == ("f.csv", 11, "2002")  # located at the first
    text = str(e)
    assert "non-numeric value '43,1' in a numeric column; 4 such cells in this file" in text
    for cell in ["row 11, column 2002: '43,1'", "row 13, column 2004: 'n.a.'", "row 15, column 2006: '#VALUE!'"]:
        assert cell in text
    assert "row 17, column 2008: 'x1'" in text and "more" not in text
    # beyond the cap: the first MAX_BAD_CELLS are named and the rest counted
    n = MAX_BAD_CELLS + 7
    with pytest.raises(InputError) as exc:
        parse_numeric(pd.Series(["bad"] * n, dtype=object), file="f.csv", rows=range(1, n + 1), columns=["c"] * n)
    text = str(exc.value)
    assert f"{n} such cells" in text and "; and 7 more" in text
    assert f"row {MAX_BAD_CELLS}, column c" in text and f"row {MAX_BAD_CELLS + 1}, column c" not in text


def test_a_single_bad_cell_keeps_the_one_cell_message() -> None:
    with pytest.raises(InputError) as exc:
        parse_numeric(pd.Series(["1", "4 3"], dtype=object), file="f.csv", rows=[3, 4], columns=["a", "b"])
    assert exc.value.problem == "non-numeric value '4 3' in a numeric column"


def test_every_malformed_year_and_every_empty_code_is_named() -> None:
    from scripts.ingest.readers.csvtext import parse_years, record_grid, require_filled

    lines = np.array([2, 3, 4, 5])
    with pytest.raises(InputError) as exc:
        parse_years(np.array(["2001", "20O2", "2003", "03"], dtype=object), lines, "f.csv", "Year")
    text = str(exc.value)
    assert (exc.value.row, exc.value.column) == (3, "Year")
    assert "2 such cells" in text and "row 3, column Year: '20O2'" in text and "row 5, column Year: '03'" in text
    with pytest.raises(InputError) as exc:
        require_filled(np.array(["ABW", "", " ", "AFG"], dtype=object), lines, "f.csv", "Country Code")
    assert "2 such cells" in str(exc.value) and "row 4, column Country Code: ' '" in str(exc.value)
    records = [(2, ["a", "b"]), (3, ["a"]), (4, ["a", "b"]), (5, ["a", "b", "c"])]
    with pytest.raises(InputError) as exc:
        record_grid(records, 2, "f.csv", "data line")
    text = str(exc.value)
    assert exc.value.row == 3 and "2 such cells" in text and "row 5: '3 fields'" in text


# ---------------------------------------------------------------------- key columns hold codes of their kind (10.3)


@pytest.mark.parametrize(
    ("kind", "good", "bad"),
    [
        ("alpha-3 code", ["AFG", "XKX", "WLD", "S00001"], ["#N/A", "AF", "afg", "004", "Aruba", "", "S01"]),
        ("numeric code", ["4", "004", "1500"], ["AFG", "#N/A", "4.0", "-4", "12345"]),
        ("WDI indicator code", ["IT.NET.USER.ZS", "SI.DST.02ND.20", "SP.POP.TOTL"], ["IT NET", "#N/A", "it.net"]),
    ],
)
def test_check_codes_accepts_its_kind_and_names_every_other_cell(kind: str, good: list[str], bad: list[str]) -> None:
    from scripts.ingest.readers.common import check_codes

    check_codes(np.array(good, dtype=object), np.arange(2, 2 + len(good)), "f.csv", "Code", kind)
    codes = np.array(good + bad, dtype=object)
    with pytest.raises(InputError) as exc:
        check_codes(codes, np.arange(2, 2 + len(codes)), "f.csv", "Code", kind)
    e = exc.value
    assert (e.file, e.row, e.column) == ("f.csv", 2 + len(good), "Code")
    assert f"Code {bad[0]!r} is not a" in e.problem and kind in e.problem
    assert (f"{len(bad)} such cells" in e.problem) == (len(bad) > 1)
