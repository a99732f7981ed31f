"""A raw file's content against the series its name, MANIFEST row and companion promise (issue 10.4, 10.5)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from support import DATA, RAW

from scripts.core.errors import InputError
from scripts.ingest.promises import check_content, manifest_series, named_series, promised_series
from scripts.ingest.readers.wb_api import read_wb_api, read_wb_metadata_indicator
from scripts.ingest.sources import file_promise

API = "worldbank/wdi_api_2025/API_SP.POP.TOTL_DS2_en_csv_v2_391465.csv"
COMPANION = "worldbank/wdi_api_2025/Metadata_Indicator_API_SP.POP.TOTL_DS2_en_csv_v2_391465.csv"


@pytest.mark.parametrize(
    ("reader", "rel", "code"),
    [
        ("wb_api", "wb/API_IT.NET.USER.ZS_DS2_en_csv_v2_384634.csv", "IT.NET.USER.ZS"),
        ("wb_api", "wb/API_it.net.user.p2_DS2_en_csv_v2.csv", "IT.NET.USER.P2"),
        ("wb_api_excel", "wb/API_TM.VAL.ICTG.ZS.UN_DS2_en_excel_v2_2177.xls", "TM.VAL.ICTG.ZS.UN"),
        ("wb_api", "wb/API_11_DS2_en_csv_v2_3053363.csv", None),  # a topic download: many series
        ("wb_api", "wb/poverty-raw-2021.csv", None),
        ("wb_datahub", "wb/datahub_long/it.net.bbnd.p2/data.csv", "IT.NET.BBND.P2"),
        ("un_mdg", "unmdg/MDG_Export_20191227.csv", None),
    ],
)
def test_named_series(reader: str, rel: str, code: str | None) -> None:
    assert named_series(reader, rel) == code


@pytest.mark.parametrize(
    ("contents", "code"),
    [
        ("IT.NET.SECR.P6 — Secure Internet servers (per 1 million people).", "IT.NET.SECR.P6"),
        ("BX.GSR.CCIS.CD: ICT service exports", "BX.GSR.CCIS.CD"),
        ("long CSV (Country Name, Country Code, Year, Value)", None),
        ("Metadata_Indicator: 29 indicators", None),
        (float("nan"), None),
    ],
)
def test_manifest_series(contents: object, code: str | None) -> None:
    assert manifest_series(contents) == code


def test_claims_that_disagree_are_named_and_agreeing_claims_give_one_series() -> None:
    assert promised_series([(None, "its name x")], "x.csv", "M") is None
    agree = promised_series([("A.B", "its name x"), (None, "its MANIFEST row"), ("A.B", "its companion y")], "x", "M")
    assert agree == ("A.B", "its name x and its companion y")
    with pytest.raises(InputError) as exc:
        promised_series([("A.B", "its name x"), ("C.D", "its MANIFEST row")], "x.csv", "MANIFEST.csv")
    assert exc.value.file == "MANIFEST.csv" and "its name x says A.B; its MANIFEST row says C.D" in str(exc.value)


def test_content_against_the_promise_names_every_line() -> None:
    obs = pd.DataFrame({"series": ["A.B", "A.B", "C.D", "C.D", "E.F"], "row": [6, 6, 7, 7, 9]})
    check_content(obs.iloc[:2], ("A.B", "its name x"), "x.csv")
    check_content(obs, None, "x.csv")
    with pytest.raises(InputError) as exc:
        check_content(obs, ("A.B", "its name x"), "x.csv")
    e = exc.value
    assert (e.file, e.row) == ("x.csv", 7)
    assert "the file holds series ['C.D', 'E.F'] but its name x promises A.B" in e.problem
    assert "2 such cells in this file: row 7: 'C.D'; row 9: 'E.F'" in e.problem


def test_a_real_download_keeps_its_promise() -> None:
    """The vendored population download, its MANIFEST text and its Metadata_Indicator companion."""
    contents = {API: "SP.POP.TOTL — Population, total."}
    promise = file_promise("wb_api", API, [COMPANION], RAW, contents, "MANIFEST.csv")
    assert promise is not None and promise[0] == "SP.POP.TOTL"
    assert "its companion Metadata_Indicator_API_SP.POP.TOTL" in promise[1]
    check_content(read_wb_api(RAW / API, API, "wdi"), promise, API)


def test_the_fixture_download_contradicting_its_name_is_refused(tmp_path: Path) -> None:
    """Variant: the test fixture (a topic file of two series) saved under a one-indicator name."""
    rel = "wb/API_IT.NET.USER.ZS_DS2_en_csv_v2_1.csv"
    obs = read_wb_api(DATA / "worldbank" / "api_small.csv", rel, "wdi")
    promise = promised_series([(named_series("wb_api", rel), "its name")], rel, "M")
    with pytest.raises(InputError, match=r"holds series \['SI.POV.DDAY'\] but its name promises IT.NET.USER.ZS"):
        check_content(obs, promise, rel)


def test_metadata_indicator_reader_checks_its_columns_and_codes(tmp_path: Path) -> None:
    assert read_wb_metadata_indicator(RAW / COMPANION, COMPANION) == ["SP.POP.TOTL"]
    text = (RAW / COMPANION).read_text(encoding="utf-8-sig")
    bad = tmp_path / "m.csv"
    bad.write_text(text.replace('"INDICATOR_NAME",', "", 1), encoding="utf-8")
    with pytest.raises(InputError) as exc:
        read_wb_metadata_indicator(bad, "m.csv")
    assert (exc.value.file, exc.value.row) == ("m.csv", 1) and "INDICATOR_NAME" in str(exc.value)
    bad.write_text(text.replace('"SP.POP.TOTL"', '"#N/A"', 1), encoding="utf-8")
    with pytest.raises(InputError, match="INDICATOR_CODE '#N/A' is not a WDI indicator code"):
        read_wb_metadata_indicator(bad, "m.csv")
