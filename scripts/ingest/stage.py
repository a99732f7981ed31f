"""Stage 1, the ``ingest`` rule: verify every raw file against the MANIFEST, then read it.

Outputs (results/01_ingest/): the observations table (every cell of every value grid, with
source, file, row and column), the classification tables, the code concordance, the World
Bank group memberships and a per-file summary (sha256, cells read, non-missing cells).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from scripts.core import tables
from scripts.core.contract import write_table
from scripts.core.logs import setup_logging
from scripts.core.provenance import load_manifest, verify_files
from scripts.ingest.sources import country_companions, file_summary, read_classifications, read_sources

log = logging.getLogger("ictmdg")


def ingest(snakemake: Any) -> None:
    """Verify the raw files, read every source and the classifications, write the stage's tables."""
    setup_logging(snakemake)
    p = snakemake.params
    raw_root = Path(p.raw_root)
    manifest = load_manifest(snakemake.input.manifest)
    verified = verify_files(list(p.raw_files), raw_root, manifest, p.manifest_rel)
    source_of = {rel: s["id"] for s in p.sources for rel in s["files"]}
    # A companion (Metadata_*, datapackage.json) belongs to the source of its data file.
    source_of |= {c: s["id"] for s in p.sources for cs in s.get("companions", {}).values() for c in cs}
    verified = verified.assign(source=verified["path"].map(source_of).fillna("classification"))
    contents = dict(zip(manifest["path"], manifest["contents"].fillna(""))) if "contents" in manifest else {}
    obs = read_sources(p.sources, raw_root, contents, p.manifest_rel)
    classes, concordance, groups = read_classifications(p.classifications, raw_root, country_companions(p.sources))
    out = snakemake.output
    write_table(obs, out.observations, tables.OBSERVATIONS)
    write_table(classes, out.classifications, tables.CLASSIFICATION)
    write_table(concordance.sort_values("iso3", ignore_index=True), out.concordance, tables.CONCORDANCE)
    write_table(groups.sort_values(["group_code", "iso3"], ignore_index=True), out.groups, tables.GROUPS)
    write_table(file_summary(obs, verified), out.files, tables.FILES)
    log.info(
        "ingest: %d cells from %d files, %d non-missing", len(obs), obs["file"].nunique(), obs["value"].notna().sum()
    )
