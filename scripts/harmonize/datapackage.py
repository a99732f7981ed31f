"""The harmonised database as a Frictionless Data Package: the descriptor of its tables.

The package is what others cite and load: the panel with its provenance columns, the
indicator catalogue, the economies and the raw-file sources, each described field by field.
No timestamps are written, so a re-run gives identical bytes.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

PACKAGE_NAME = "ictmdg-ict-indicators"

FIELD_DOCS: dict[str, dict[str, tuple[str, str]]] = {
    "panel": {
        "iso3": ("string", "ISO 3166-1 alpha-3 code of the economy (XKX for Kosovo, CHI for the Channel Islands)"),
        "year": ("integer", "calendar year of the observation"),
        "indicator": ("string", "indicator id from indicators.csv"),
        "value": ("number", "value in the indicator's unit (see indicators.csv), full precision"),
        "source": ("string", "source id of the raw file the value came from (see sources.csv)"),
        "series": ("string", "the publisher's series code or block title"),
        "file": ("string", "raw file, relative to data/raw"),
        "row": ("integer", "1-based line (CSV) or sheet row (workbook) of the value in the raw file"),
        "column": ("string", "column label (CSV) or 'sheet'!letter (workbook) of the value in the raw file"),
    },
    "indicators": {
        "indicator": ("string", "indicator id"),
        "name": ("string", "indicator name"),
        "unit": (
            "string",
            "unit: percent (0-100), percent_gross (ratio in %, may exceed 100), per100, per1000, per100k, "
            "per_million, usd, intl_usd, persons, years, ratio, growth_pct, tonnes_per_capita, bit_per_second",
        ),
        "role": ("string", "readiness | use | impact (ICT inputs), outcome (MDG outcomes), control"),
        "pillar": ("string", "pillar or MDG goal the indicator belongs to"),
        "direction": ("integer", "1 if higher is better, -1 if lower is better"),
        "core_code": ("string", "code in the Partnership on Measuring ICT for Development core list"),
        "mdg_code": ("string", "MDG indicator number (e.g. 8.16)"),
        "themes": ("string", "';'-separated theme tags used by the index/outcome overlap guard"),
        "min": ("number", "lowest plausible value (validation bound)"),
        "max": ("number", "highest plausible value (validation bound)"),
        "description": ("string", "definition notes, vintages and caveats"),
    },
    "economies": {
        "iso3": ("string", "economy code"),
        "name": ("string", "economy name (World Bank, else ISO 3166 short name)"),
        "region": ("string", "World Bank region ('' for territories the World Bank does not classify)"),
        "income_group": ("string", "current World Bank income group: L, LM, UM, H"),
        "wb": ("boolean", "true for World Bank economies, false for other ISO 3166 territories"),
        "in_panel": ("boolean", "true if the panel holds at least one value for the economy"),
    },
    "sources": {
        "source": ("string", "source id"),
        "file": ("string", "raw file, relative to data/raw"),
        "sha256": ("string", "sha256 of the raw file's bytes"),
        "publisher": ("string", "publisher"),
        "licence": ("string", "licence or terms of use"),
        "vintage": ("string", "release or update date of the file"),
        "cells": ("integer", "data cells read"),
        "values": ("integer", "non-missing values read"),
        "series": ("integer", "number of publisher series in the file"),
    },
}


def descriptor(frames: dict[str, pd.DataFrame], *, title: str, description: str, version: str) -> dict[str, Any]:
    """Return the datapackage.json descriptor for ``frames`` (name -> frame written as name.csv).

    Licences are the distinct licences of the raw files (from the sources table); every
    field carries its type and description from :data:`FIELD_DOCS`.
    """
    resources = []
    for name, df in frames.items():
        docs = FIELD_DOCS[name]
        unknown = [c for c in df.columns if c not in docs]
        if unknown:
            raise ValueError(f"undocumented fields {unknown} in table {name}")
        fields = [{"name": c, "type": docs[c][0], "description": docs[c][1]} for c in df.columns]
        res: dict[str, Any] = {
            "name": name,
            "path": f"{name}.csv",
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8",
            "schema": {"fields": fields, "missingValues": [""]},
        }
        if name == "panel":
            res["schema"]["primaryKey"] = ["iso3", "year", "indicator"]
        if name == "indicators":
            res["schema"]["primaryKey"] = ["indicator"]
        resources.append(res)
    licences = sorted(set(frames["sources"]["licence"])) if "sources" in frames else []
    return {
        "profile": "tabular-data-package",
        "name": PACKAGE_NAME,
        "title": title,
        "description": description,
        "version": version,
        "licenses": [{"name": lic, "title": lic} for lic in licences],
        "sources": [
            {"title": f"{r.publisher}: {r.file}", "path": f"data/raw/{r.file}"}
            for r in frames["sources"].drop_duplicates("file").itertuples()
        ]
        if "sources" in frames
        else [],
        "resources": resources,
    }
