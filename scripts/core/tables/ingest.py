"""Tables of stage 1 (results/01_ingest): the raw cells, classifications, concordance, files."""

from __future__ import annotations

from scripts.core.contract import Table

#: One row per data cell of a raw file (missing cells included, value NaN), so that every
#: raw observation can be accounted for in the reconciliation table. Text columns repeat a
#: few hundred distinct values over millions of rows, so they are categoricals: ten times
#: less memory and faster sorting, grouping and parquet I/O than Python strings (group
#: with ``observed=True``).
OBSERVATIONS = Table(
    "cell",
    {
        "source": "category",  # source id from config (e.g. "wdi_api_2025")
        "file": "category",  # path relative to data/raw, e.g. "itu/Mobile_cellular_2000-2018_Jun2019.xls"
        "row": "int64",  # 1-based physical line (CSV) or sheet row (workbook) of the cell
        "column": "category",  # CSV header label, or "'<sheet>'!<letter>" for workbooks
        "entity_raw": "category",  # economy name as written in the file
        # publisher's code when the file has one (ISO3, M49 number), else ""; "group:<code>" where the
        # publisher's own convention marks a group of economies (vocabulary.GROUP_CODE_PREFIX)
        "entity_code": "category",
        "year": "int64",
        "series": "category",  # publisher series code, e.g. "IT.NET.USER.ZS", or an ITU block title
        "value": "float64",  # NaN when the cell is empty or a placeholder ('..', '...', 'n/a')
        "note": "category",  # footnote / notes / type text attached to the cell, else ""
    },
    ("source", "file", "row", "column"),
)

#: Economy metadata a file carries besides its data (WDI Metadata_Country, CLASS.xlsx,
#: the historical income classification). ``year`` is <NA> for undated (current)
#: classifications and the calendar year *of the data* for historical ones (the World
#: Bank's FY t classification is based on GNI of calendar year t-2).
CLASSIFICATION = Table(
    "classification row",
    {
        "iso3": "string",  # code as the file gives it (ISO3 for economies, WB group codes for aggregates)
        "name": "string",
        "year": "Int64",
        "region": "string",  # World Bank region; "" for aggregates
        "income_group": "string",  # "L", "LM", "UM", "H", or "" when unclassified / aggregate
        "source": "string",  # "wb_class" | "wb_income_history" | "wb_metadata"
        "file": "string",  # path relative to data/raw
        "row": "int64",  # 1-based sheet row or physical line
    },
    ("source", "file", "row", "year"),
)

#: The ISO 3166 / UN M49 concordance (datahub country-codes), one row per ISO country.
CONCORDANCE = Table(
    "concordance row",
    {
        "iso3": "string",  # ISO 3166-1 alpha-3
        "iso2": "string",  # ISO 3166-1 alpha-2 ("NA" is Namibia)
        "iso_numeric": "string",  # ISO 3166-1 numeric, as written (no zero padding)
        "m49": "string",  # UN M49 code, as written
        "itu": "string",  # ITU's code
        "name": "string",  # CLDR display name
        "name_official": "string",  # UNTERM English short name
        "name_formal": "string",  # UNTERM English formal name
        "status": "string",  # the file's is_independent text ("Yes", "Part of NL", ...)
        "region": "string",  # UN M49 region
        "sub_region": "string",
        "intermediate_region": "string",
        "ldc": "bool",  # least developed country
        "lldc": "bool",  # landlocked developing country
        "sids": "bool",  # small island developing state
        "is_independent": "bool",  # status is "Yes"
        "row": "int64",  # physical line in the file
    },
    ("iso3",),
)

#: World Bank group membership (CLASS.xlsx sheet "Groups"), as published: the sheet lists a
#: few memberships twice (Australia in OED), so the table has no key.
GROUPS = Table(
    "group membership",
    {
        "group_code": "string",  # e.g. "SSF", "HIC"
        "group_name": "string",
        "iso3": "string",  # the member's code
    },
)

#: Per raw file: provenance from the MANIFEST and what ingest read from it.
FILES = Table(
    "raw file",
    {
        "source": "string",  # source id (of the data file, for its companions), or "classification"
        "file": "string",  # path relative to data/raw
        "sha256": "string",  # verified digest of the file's bytes
        "publisher": "string",
        "licence": "string",
        "vintage": "string",  # release or update date, as the MANIFEST gives it
        "cells": "int64",  # data cells read (0 for files without a value grid)
        "values": "int64",  # non-missing values read
        "series": "int64",  # distinct publisher series in the file
    },
    ("source", "file"),
)
