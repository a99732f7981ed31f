"""Reading the configured sources into one observations table, and the per-file account."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np
import pandas as pd
from pandas.api.types import union_categoricals

from scripts.core import contract, tables
from scripts.core.contract import Table
from scripts.ingest.promises import check_content, manifest_series, named_series, promised_series
from scripts.ingest.readers import CLASSIFICATION_READERS, DATA_READERS
from scripts.ingest.readers.classifications import (
    read_wb_groups,
    read_wb_metadata_country,
)
from scripts.ingest.readers.wb_api import read_wb_metadata_indicator

log = logging.getLogger("ictmdg")


def concat_categorical(parts: list[pd.DataFrame], table: Table) -> pd.DataFrame:
    """Stack frames of ``table`` whose categorical columns have different categories.

    ``pd.concat`` would turn such columns into Python strings and ``conform`` would hash
    every cell again; the categories are merged instead (sorted, unused ones dropped), which
    gives the same frame as concatenating and converting.
    """

    def text_categories(col: pd.Series) -> pd.Series:
        # Readers may label the same text as object or string categories; the union needs one kind.
        return col.cat.rename_categories(col.cat.categories.astype(object))

    columns = {
        col: (
            union_categoricals(
                [text_categories(p[col]) for p in parts], sort_categories=True
            ).remove_unused_categories()
            if dtype == "category"
            else np.concatenate([p[col].to_numpy() for p in parts])
        )
        for col, dtype in table.columns.items()
    }
    return pd.DataFrame(columns)


def file_promise(
    reader: str, rel: str, companions: list[str], raw_root: Path, contents: Mapping[str, str], manifest_file: str
) -> tuple[str, str] | None:
    """The series that data file ``rel`` promises by its name, its MANIFEST ``contents`` and its
    Metadata_Indicator companion (read and checked here), and who promises it; None if nothing does."""
    path = PurePosixPath(rel)
    by_name = f"its folder {path.parent.name}" if reader == "wb_datahub" else f"its name {path.name}"
    claims = [(named_series(reader, rel), by_name)]
    claims.append((manifest_series(contents.get(rel)), "its MANIFEST row"))
    for companion in companions:
        if PurePosixPath(companion).name.startswith("Metadata_Indicator_"):
            codes = read_wb_metadata_indicator(raw_root / companion, companion)
            claims += [(code, f"its companion {PurePosixPath(companion).name}") for code in codes]
    return promised_series(claims, rel, manifest_file)


def read_sources(
    sources: list[dict[str, Any]],
    raw_root: Path,
    contents: Mapping[str, str] | None = None,
    manifest_file: str = "MANIFEST.csv",
) -> pd.DataFrame:
    """Read every file of every source; returns the concatenated OBSERVATIONS table.

    ``contents`` maps raw files to their MANIFEST ``contents`` text. A file whose series
    differ from the one its name, MANIFEST row and Metadata_Indicator companion promise is
    refused (see :mod:`scripts.ingest.promises`).
    """
    parts = []
    for src in sources:
        reader = DATA_READERS[src["reader"]]
        for rel in src["files"]:
            companions = src.get("companions", {}).get(rel, [])
            promise = file_promise(src["reader"], rel, companions, raw_root, contents or {}, manifest_file)
            obs = reader(raw_root / rel, rel, src["id"])
            check_content(obs, promise, rel)
            log.info("%s: %s -> %d cells (%d non-missing)", src["id"], rel, len(obs), obs["value"].notna().sum())
            parts.append(obs)
    obs = concat_categorical(parts, tables.OBSERVATIONS) if parts else contract.empty(tables.OBSERVATIONS)
    obs = contract.conform(obs, tables.OBSERVATIONS)
    contract.check_unique(obs, tables.OBSERVATIONS.key, tables.OBSERVATIONS.name)
    return obs.sort_values(list(tables.OBSERVATIONS.key), ignore_index=True)


def file_summary(obs: pd.DataFrame, verified: pd.DataFrame) -> pd.DataFrame:
    """Per raw file: provenance from the MANIFEST and the number of cells / values read.

    ``verified`` has one row per raw file (path, source, sha256 ...); files that hold no
    value grid (classifications, datapackage.json) get zero counts.
    """
    g = obs.groupby("file", observed=True)
    counts = pd.DataFrame({"cells": g.size(), "values": g["value"].count(), "series": g["series"].nunique()})
    counts.index = counts.index.astype(str)
    out = verified.rename(columns={"path": "file"}).join(counts, on="file")
    out[["cells", "values", "series"]] = out[["cells", "values", "series"]].fillna(0).astype("int64")
    cols = ["source", "file", "sha256", "publisher", "licence", "vintage", "cells", "values", "series"]
    return out.reindex(columns=cols).sort_values(["source", "file"], ignore_index=True)


def country_companions(sources: list[Mapping[str, Any]]) -> list[str]:
    """The Metadata_Country companions of the sources' data files (see :func:`scripts.core.rawfiles.companions`)."""
    found = [c for s in sources for cs in s.get("companions", {}).values() for c in cs]
    return sorted(c for c in set(found) if PurePosixPath(c).name.startswith("Metadata_Country_"))


def read_classifications(
    settings: Mapping[str, Any], raw_root: Path, companions: list[str] | None = None
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Read the classification files the config's ``classifications`` block names.

    Returns ``(classifications, concordance, groups)``: the CLASSIFICATION table of the
    current classification, the income history and every Metadata_Country file (those of
    ``classifications.metadata`` and the ``companions`` beside the WDI API downloads, each
    read and checked once; sorted by source, file, row), the code concordance, and the
    World Bank group memberships.
    """

    def read(kind: str, source: str) -> pd.DataFrame:
        entry = settings[kind]
        return CLASSIFICATION_READERS[entry["reader"]](raw_root / entry["file"], entry["file"], source)

    metadata = list(dict.fromkeys([*settings.get("metadata", []), *(companions or [])]))
    meta = [read_wb_metadata_country(raw_root / rel, rel, "wb_metadata") for rel in metadata]
    classes = pd.concat(
        [read("current", "wb_class"), read("income_history", "wb_income_history"), *meta], ignore_index=True
    )
    classes = contract.conform(classes, tables.CLASSIFICATION).sort_values(["source", "file", "row"], ignore_index=True)
    current = settings["current"]["file"]
    groups = read_wb_groups(raw_root / current, current, "wb_class")
    return classes, read("concordance", "concordance"), groups
