"""The Frictionless Data Package: a descriptor that documents every field and matches the CSVs."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pandas as pd
import pytest
from support import ROOT, job

from scripts.core import tables
from scripts.core.contract import conform, write_table
from scripts.harmonize import stage
from scripts.harmonize.datapackage import FIELD_DOCS, descriptor


def frames() -> dict[str, pd.DataFrame]:
    panel = pd.DataFrame(
        {
            "iso3": ["KEN"],
            "year": [2015],
            "indicator": ["internet_users_pct"],
            "value": [16.6],
            "source": ["itu_2019"],
            "series": ["Internet"],
            "file": ["itu/x.xls"],
            "row": [9],
            "column": ["'Final'!Q"],
        }
    )
    economies = pd.DataFrame(
        {
            "iso3": ["KEN"],
            "name": ["Kenya"],
            "region": ["Sub-Saharan Africa"],
            "income_group": ["LM"],
            "wb": [True],
            "in_panel": [True],
        }
    )
    sources = pd.DataFrame(
        {
            "source": ["itu_2019", "wdi"],
            "file": ["itu/x.xls", "wb/y.csv"],
            "sha256": ["a", "b"],
            "publisher": ["ITU", "World Bank"],
            "licence": ["ITU terms of use (attribution; not an open licence)", "CC BY 4.0"],
            "vintage": ["2019", "2025"],
            "cells": [10, 20],
            "values": [5, 6],
            "series": [1, 1],
        }
    )
    return {
        "panel": conform(panel, tables.PANEL),
        "economies": conform(economies, tables.ECONOMIES),
        "sources": conform(sources, tables.FILES),
    }


def test_descriptor_documents_every_field_with_its_type_and_key() -> None:
    desc = descriptor(frames(), title="t", description="d", version="1.0")
    assert desc["profile"] == "tabular-data-package" and desc["version"] == "1.0"
    by_name = {r["name"]: r for r in desc["resources"]}
    panel_fields = by_name["panel"]["schema"]["fields"]
    assert [f["name"] for f in panel_fields] == list(tables.PANEL.columns)
    assert all(f["description"] and f["type"] in ("string", "integer", "number", "boolean") for f in panel_fields)
    assert by_name["panel"]["schema"]["primaryKey"] == ["iso3", "year", "indicator"]
    assert by_name["economies"]["schema"]["primaryKey"] == ["iso3"]
    assert by_name["sources"]["schema"]["primaryKey"] == ["source", "file"]
    # references only to the tables present (no indicators table here)
    assert by_name["panel"]["schema"]["foreignKeys"] == [
        {"fields": ["iso3"], "reference": {"resource": "economies", "fields": ["iso3"]}},
        {"fields": ["source", "file"], "reference": {"resource": "sources", "fields": ["source", "file"]}},
    ]
    assert all(r["profile"] == "tabular-data-resource" for r in desc["resources"])
    assert [lic["name"] for lic in desc["licenses"]] == ["CC-BY-4.0", "ITU-terms-of-use"]
    assert desc["licenses"][0]["path"] == "https://creativecommons.org/licenses/by/4.0/"
    assert desc["sources"] == [{"title": "ITU"}, {"title": "World Bank"}]  # no path outside the package


def test_an_undocumented_field_is_refused() -> None:
    bad = frames()
    bad["economies"] = bad["economies"].assign(colour="red")
    with pytest.raises(ValueError, match=r"undocumented fields \['colour'\] in table economies"):
        descriptor(bad, title="t", description="d", version="1")


def test_field_docs_cover_the_published_tables() -> None:
    for name, table in (
        ("panel", tables.PANEL),
        ("economies", tables.ECONOMIES),
        ("sources", tables.FILES),
        ("indicators", tables.INDICATORS),
    ):
        assert list(FIELD_DOCS[name]) == list(table.columns), name


def _write_package(tmp_path: Path) -> Path:
    """Run the database rule on :func:`frames` and the real catalogue; return the package folder."""
    f = frames()
    write_table(f["panel"], tmp_path / "panel.parquet", tables.PANEL)
    write_table(f["economies"], tmp_path / "economies.csv", tables.ECONOMIES)
    write_table(f["sources"], tmp_path / "files.csv", tables.FILES)
    catalogue = {k: str(ROOT / "config" / f"{k}.csv") for k in ("indicators", "series", "entities")}
    source_ids = sorted({r["source"] for r in csv.DictReader(open(catalogue["series"], encoding="utf-8"))})
    out = {
        "descriptor": "db/datapackage.json",
        "panel": "db/panel.csv",
        "indicators": "db/indicators.csv",
        "economies": "db/economies.csv",
        "sources": "db/sources.csv",
    }
    stage.database(
        job(
            tmp_path,
            input={
                "panel": str(tmp_path / "panel.parquet"),
                "economies": str(tmp_path / "economies.csv"),
                "files": str(tmp_path / "files.csv"),
                **catalogue,
            },
            output=out,
            params=dict(source_ids=source_ids, first=2000, last=2015, version="9.9"),
            name="database",
        )
    )
    return tmp_path / "db"


def test_database_rule_writes_a_package_whose_csvs_match_the_descriptor(tmp_path: Path) -> None:
    _write_package(tmp_path)
    desc = json.loads((tmp_path / "db" / "datapackage.json").read_text())
    for res in desc["resources"]:
        with open(tmp_path / "db" / res["path"], encoding="utf-8") as fh:
            header = next(csv.reader(fh))
        assert header == [fld["name"] for fld in res["schema"]["fields"]], res["name"]
    # the span of the data, then the analysis window (not the window as if it were the span)
    assert "values for 2015-2015, of which the analyses use 2000-2015" in desc["description"]


def test_the_package_is_valid_for_frictionless_and_its_keys_are_checked(tmp_path: Path) -> None:
    """``frictionless validate`` of the written package: valid; then a panel value whose economy is
    not in economies.csv (a broken foreign key) and a repeated primary key are reported."""
    import frictionless

    folder = _write_package(tmp_path)
    report = frictionless.validate(folder / "datapackage.json")
    assert report.valid, report.flatten(["type", "note"])
    panel = (folder / "panel.csv").read_text(encoding="utf-8")
    lines = panel.splitlines(keepends=True)
    (folder / "panel.csv").write_text(panel + lines[1].replace("KEN", "ATL", 1) + lines[1], encoding="utf-8")
    errors = frictionless.validate(folder / "datapackage.json").flatten(["type"])
    assert ["foreign-key"] in errors and ["primary-key"] in errors


def test_a_licence_without_an_identifier_is_named() -> None:
    from scripts.core.errors import InputError
    from scripts.harmonize.datapackage import licence

    assert licence("CC BY-SA 4.0")["name"] == "CC-BY-SA-4.0"
    with pytest.raises(InputError, match="licence 'Some terms' of a raw file has no identifier"):
        licence("Some terms")
