"""The harmonised database as a Frictionless Data Package: the descriptor of its tables.

The package is what others cite and load: the panel with its provenance columns, the
indicator catalogue, the economies and the raw-file sources, each described field by field,
with primary and foreign keys, written with the ``frictionless`` library (and validated with
it in the tests). No timestamps are written, so a re-run gives identical bytes.
"""

from __future__ import annotations

from typing import Any

import frictionless
import pandas as pd

from scripts.core.errors import InputError

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


#: Primary keys of the published tables (each table's contract key).
PRIMARY_KEYS: dict[str, list[str]] = {
    "panel": ["iso3", "year", "indicator"],
    "indicators": ["indicator"],
    "economies": ["iso3"],
    "sources": ["source", "file"],
}

#: The panel's references: every value's economy, indicator and raw file is a row of another table.
FOREIGN_KEYS: dict[str, list[tuple[list[str], str, list[str]]]] = {
    "panel": [
        (["iso3"], "economies", ["iso3"]),
        (["indicator"], "indicators", ["indicator"]),
        (["source", "file"], "sources", ["source", "file"]),
    ],
}

#: Licence identifiers and texts for the licences of the MANIFEST (its ``licence`` column). Open
#: licences get their SPDX identifier and URL; a publisher's own terms get an identifier of ours.
LICENCES: dict[str, tuple[str, str | None]] = {
    "CC BY 4.0": ("CC-BY-4.0", "https://creativecommons.org/licenses/by/4.0/"),
    "CC BY-SA 4.0": ("CC-BY-SA-4.0", "https://creativecommons.org/licenses/by-sa/4.0/"),
    "ODC-PDDL": ("ODC-PDDL-1.0", "https://opendatacommons.org/licenses/pddl/1-0/"),
    # the synthetic data sets (scripts/synthetic)
    "CC0 1.0 (generated data, no rights reserved)": ("CC0-1.0", "https://creativecommons.org/publicdomain/zero/1.0/"),
    "ITU terms of use (attribution; not an open licence)": ("ITU-terms-of-use", None),
    "UN data terms (free use with attribution)": ("UN-data-terms-of-use", None),
    "UNCTADstat terms of use (attribution)": ("UNCTADstat-terms-of-use", None),
    "UNDP HDRO terms of use (attribution); check before redistribution": ("UNDP-HDRO-terms-of-use", None),
}


def licence(text: str) -> dict[str, str]:
    """The Data Package licence entry of a MANIFEST licence text: name (an identifier), title, path.

    Raises :class:`InputError` for a licence :data:`LICENCES` does not know, so that a new
    licence gets its identifier deliberately.
    """
    if text not in LICENCES:
        raise InputError(
            problem=f"licence {text!r} of a raw file has no identifier for the data package",
            file="data/raw/MANIFEST.csv",
            column="licence",
            expected=f"one of {sorted(LICENCES)}",
            fix="add the licence with its SPDX identifier (or one of ours) to LICENCES in "
            "scripts/harmonize/datapackage.py",
        )
    name, url = LICENCES[text]
    return {"name": name, "title": text, **({"path": url} if url else {})}


def _resource(name: str, df: pd.DataFrame, published: set[str]) -> frictionless.Resource:
    """The tabular data resource ``<name>.csv`` of ``df``, every field typed and described; its
    foreign keys to the ``published`` tables (a reference to another would dangle)."""
    docs = FIELD_DOCS[name]
    unknown = [c for c in df.columns if c not in docs]
    if unknown:
        raise ValueError(f"undocumented fields {unknown} in table {name}")
    fields = [
        frictionless.Field.from_descriptor({"name": c, "type": docs[c][0], "description": docs[c][1]}) for c in df
    ]
    keys = [
        {"fields": own, "reference": {"resource": other, "fields": theirs}}
        for own, other, theirs in FOREIGN_KEYS.get(name, [])
        if other in published
    ]
    schema = frictionless.Schema(
        fields=fields, missing_values=[""], primary_key=PRIMARY_KEYS.get(name, []), foreign_keys=keys
    )
    return frictionless.Resource(
        name=name,
        path=f"{name}.csv",
        format="csv",
        mediatype="text/csv",
        encoding="utf-8",
        profile="tabular-data-resource",
        schema=schema,
    )


def descriptor(frames: dict[str, pd.DataFrame], *, title: str, description: str, version: str) -> dict[str, Any]:
    """Return the datapackage.json descriptor for ``frames`` (name -> frame written as name.csv).

    Built with the ``frictionless`` library as a tabular data package: every resource a
    tabular data resource whose fields carry their type and description from
    :data:`FIELD_DOCS`, with primary keys (:data:`PRIMARY_KEYS`) and the panel's foreign keys
    (:data:`FOREIGN_KEYS`, for the tables present). Licences are the distinct licences of
    the raw files as identifiers (see :func:`licence`); sources are their publishers (each
    raw file, with its sha256, is a row of the sources table inside the package).
    """
    resources = [_resource(name, df, set(frames)) for name, df in frames.items()]
    files = frames.get("sources")
    licences = [] if files is None else [licence(t) for t in sorted(set(files["licence"]))]
    publishers = [] if files is None else sorted(set(files["publisher"]))
    package = frictionless.Package(
        name=PACKAGE_NAME,
        title=title,
        description=description,
        version=version,
        profile="tabular-data-package",
        licenses=licences,
        sources=[{"title": p} for p in publishers],
        resources=resources,
    )
    return package.to_descriptor()
