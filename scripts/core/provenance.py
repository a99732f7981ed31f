"""Raw-file provenance: every file the workflow reads is listed in a MANIFEST with its sha256.

Raw inputs (``data/raw``) and published reference scores (``data/external``) are vendored
byte for byte; a file whose digest differs from its MANIFEST row, or that has no row, is
refused before anything is read from it.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from scripts.core.errors import InputError
from scripts.core.io import read_csv, sha256


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
