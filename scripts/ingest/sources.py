"""Reading the configured sources into one observations table, and the per-file account."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pandas.api.types import union_categoricals

from scripts.core import contract, tables
from scripts.core.contract import Table
from scripts.ingest.readers import CLASSIFICATION_READERS, DATA_READERS
from scripts.ingest.readers.classifications import (
    read_wb_groups,
    read_wb_metadata_country,
)

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


def read_sources(sources: list[dict[str, Any]], raw_root: Path) -> pd.DataFrame:
    """Read every file of every source; returns the concatenated OBSERVATIONS table."""
    parts = []
    for src in sources:
        reader = DATA_READERS[src["reader"]]
        for rel in src["files"]:
            obs = reader(raw_root / rel, rel, src["id"])
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


def read_classifications(
    settings: Mapping[str, Any], raw_root: Path
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Read the classification files the config's ``classifications`` block names.

    Returns ``(classifications, concordance, groups)``: the CLASSIFICATION table of the
    current classification, the income history and every Metadata_Country file (sorted by
    source, file, row), the code concordance, and the World Bank group memberships.
    """

    def read(kind: str, source: str) -> pd.DataFrame:
        entry = settings[kind]
        return CLASSIFICATION_READERS[entry["reader"]](raw_root / entry["file"], entry["file"], source)

    meta = [read_wb_metadata_country(raw_root / rel, rel, "wb_metadata") for rel in settings.get("metadata", [])]
    classes = pd.concat(
        [read("current", "wb_class"), read("income_history", "wb_income_history"), *meta], ignore_index=True
    )
    classes = contract.conform(classes, tables.CLASSIFICATION).sort_values(["source", "file", "row"], ignore_index=True)
    current = settings["current"]["file"]
    groups = read_wb_groups(raw_root / current, current, "wb_class")
    return classes, read("concordance", "concordance"), groups
