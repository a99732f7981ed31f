"""Ingest: verify every raw file against the MANIFEST, then read it with its publisher's reader.

Outputs (results/01_ingest/): the observations table (every cell of every value grid, with
source, file, row and column), the classification tables, the code concordance and a
per-file summary (sha256, cells read, non-missing cells).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pandas.api.types import union_categoricals

from scripts import contract
from scripts.errors import InputError
from scripts.files import read_csv, setup_logging, sha256, write_csv, write_parquet
from scripts.readers import CLASSIFICATION_READERS, DATA_READERS

log = logging.getLogger("ictmdg")


def load_manifest(path: str | Path) -> pd.DataFrame:
    """Read MANIFEST.csv (path, sha256, bytes, publisher, licence, vintage, contents, origin)."""
    manifest = read_csv(path, dtype=str)
    need = ["path", "sha256", "publisher", "licence", "vintage"]
    missing = [c for c in need if c not in manifest.columns]
    if missing:
        raise InputError(problem=f"MANIFEST lacks columns {missing}", file=str(path), row=1, expected=f"columns {need}")
    return manifest


def verify_files(rels: list[str], raw_root: Path, manifest: pd.DataFrame, manifest_file: str) -> pd.DataFrame:
    """Check that every file is listed in the MANIFEST and that its sha256 matches.

    Returns the manifest rows of ``rels`` (in that order) with the computed digest.
    Raises :class:`InputError` on the first unlisted or changed file.
    """
    listed = manifest.set_index("path")
    rows = []
    for rel in rels:
        if rel not in listed.index:
            raise InputError(
                problem=f"raw file {rel} is not listed in the MANIFEST",
                file=manifest_file,
                expected="a row with its path, sha256, publisher, licence and vintage",
                fix="add the file's provenance to data/raw/MANIFEST.csv (raw files are vendored with provenance)",
            )
        digest = sha256(raw_root / rel)
        want = listed.loc[rel, "sha256"]
        if digest != want:
            raise InputError(
                problem=f"sha256 mismatch for raw file {rel}: the file is {digest}, the MANIFEST says {want}",
                file=f"{raw_root.name}/{rel}",
                expected="the exact bytes the publisher released (raw files are never edited)",
                fix="restore the original file (git checkout -- data/raw), or, for a new vintage, add it "
                "under a new name with its own MANIFEST row",
            )
        rows.append({**listed.loc[rel].to_dict(), "path": rel, "sha256_verified": digest})
    return pd.DataFrame(rows)


def concat_categorical(parts: list[pd.DataFrame], schema: dict[str, str]) -> pd.DataFrame:
    """Stack frames of ``schema`` whose categorical columns have different categories.

    ``pd.concat`` would turn such columns into Python strings and ``conform`` would hash
    every cell again; the categories are merged instead (sorted, unused ones dropped), which
    gives the same frame as concatenating and converting.
    """

    def text_categories(col: pd.Series) -> pd.Series:
        # Readers may label the same text as object or string categories; the union needs one kind.
        return col.cat.rename_categories(col.cat.categories.astype(object))

    columns = {
        col: (
            union_categoricals([text_categories(p[col]) for p in parts], sort_categories=True).remove_unused_categories()
            if dtype == "category"
            else np.concatenate([p[col].to_numpy() for p in parts])
        )
        for col, dtype in schema.items()
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
    obs = concat_categorical(parts, contract.OBSERVATIONS) if parts else contract.empty(contract.OBSERVATIONS)
    obs = contract.conform(obs, contract.OBSERVATIONS)
    contract.check_unique(obs, contract.OBSERVATIONS_KEY, "cell")
    return obs.sort_values(contract.OBSERVATIONS_KEY, ignore_index=True)


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


def main(snakemake: Any) -> None:
    setup_logging(snakemake)
    p = snakemake.params
    raw_root = Path(p.raw_root)
    manifest = load_manifest(snakemake.input.manifest)
    cls_cfg = p.classifications
    verified = verify_files(list(p.raw_files), raw_root, manifest, p.manifest_rel)
    verified = verified.assign(source=verified["path"].map({rel: s["id"] for s in p.sources for rel in s["files"]}).fillna("classification"))

    obs = read_sources(p.sources, raw_root)

    current = CLASSIFICATION_READERS[cls_cfg["current"]["reader"]](raw_root / cls_cfg["current"]["file"], cls_cfg["current"]["file"], "wb_class")
    history = CLASSIFICATION_READERS[cls_cfg["income_history"]["reader"]](raw_root / cls_cfg["income_history"]["file"], cls_cfg["income_history"]["file"], "wb_income_history")
    meta = [CLASSIFICATION_READERS["wb_metadata_country"](raw_root / rel, rel, "wb_metadata") for rel in cls_cfg.get("metadata", [])]
    classes = pd.concat([current, history, *meta], ignore_index=True)
    classes = contract.conform(classes, contract.CLASSIFICATION).sort_values(["source", "file", "row"], ignore_index=True)
    concordance = CLASSIFICATION_READERS[cls_cfg["concordance"]["reader"]](raw_root / cls_cfg["concordance"]["file"], cls_cfg["concordance"]["file"], "concordance")

    from scripts.readers.classifications import read_wb_groups

    groups = read_wb_groups(raw_root / cls_cfg["current"]["file"], cls_cfg["current"]["file"], "wb_class")

    write_parquet(obs, snakemake.output.observations)
    write_parquet(classes, snakemake.output.classifications)
    write_csv(concordance.sort_values("iso3", ignore_index=True), snakemake.output.concordance)
    write_csv(groups.sort_values(["group_code", "iso3"], ignore_index=True), snakemake.output.groups)
    write_csv(file_summary(obs, verified), snakemake.output.files)
    log.info("ingest: %d cells from %d files, %d non-missing", len(obs), obs["file"].nunique(), obs["value"].notna().sum())

