"""Raw-file provenance: every file the workflow reads is listed in a MANIFEST with its sha256.

Raw inputs (``data/raw``) and published reference scores (``data/external``) are vendored
byte for byte; a file whose digest differs from its MANIFEST row, or that has no row, is
refused before anything is read from it.
"""

from __future__ import annotations

import re
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


#: A sha256 digest as hex text, in either case (PowerShell's Get-FileHash prints upper case).
_HEX64 = re.compile(r"^[0-9a-fA-F]{64}$")


def normalise_digest(written: str, rel: str, manifest_file: str, row: int | None = None) -> str:
    """Return the MANIFEST's sha256 of ``rel`` in lower case (surrounding blanks removed).

    Digests are compared case-insensitively: ``Get-FileHash`` and ``sha256sum`` write the same
    digest in upper and lower case. Raises :class:`InputError` naming the MANIFEST, its ``row``
    and the file when the text is not 64 hexadecimal digits.
    """
    digest = written.strip()
    if not _HEX64.match(digest):
        raise InputError(
            problem=f"the MANIFEST's sha256 of {rel} is {written!r}, not a sha256 digest",
            file=manifest_file,
            row=row,
            column="sha256",
            expected="64 hexadecimal digits (as sha256sum or Get-FileHash print them)",
            fix=f"write the digest of the original file (sha256sum data/raw/{rel}) into its MANIFEST row",
        )
    return digest.lower()


def verify_files(rels: list[str], raw_root: Path, manifest: pd.DataFrame, manifest_file: str) -> pd.DataFrame:
    """Check that every file is listed in the MANIFEST and that its sha256 matches.

    Returns the manifest rows of ``rels`` (in that order) with the computed digest.
    Digests are compared case-insensitively (see :func:`normalise_digest`). Raises
    :class:`InputError` on the first unlisted or changed file, or a malformed digest.
    """
    listed = manifest.set_index("path")
    line_of = {path: i + 2 for i, path in enumerate(manifest["path"])}  # the header is line 1
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
        written = str(listed.loc[rel, "sha256"])
        want = normalise_digest(written, rel, manifest_file, line_of[rel])
        if digest != want:
            raise InputError(
                problem=f"sha256 mismatch for raw file {rel}: the file is {digest}, the MANIFEST says {want}",
                file=f"{raw_root.name}/{rel}",
                expected="the exact bytes the publisher released (raw files are never edited)",
                fix="restore the original file (git checkout -- data/raw), or, for a new vintage, add it "
                "under a new name with its own MANIFEST row",
            )
        rows.append({**listed.loc[rel].to_dict(), "path": rel, "sha256": want, "sha256_verified": digest})
    return pd.DataFrame(rows)
