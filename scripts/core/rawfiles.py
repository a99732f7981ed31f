"""Which raw files a run reads: the sources' glob patterns resolved, and checked against the MANIFEST.

A pattern such as ``worldbank/wdi_api_2017/API_*.csv`` is resolved on disk, so a deleted
file would silently drop out of the run (and its values out of the panel). The MANIFEST
lists every vendored file; a listed file that a pattern should match but that is not on
disk is therefore an error naming it. Companion files that a publisher ships beside a
data file (the ``Metadata_Country_`` / ``Metadata_Indicator_`` files of a World Bank API
download, the ``datapackage.json`` of a DataHub folder) are part of the run too: they are
sha256-verified and read like every other raw file.

This module uses the csv module, not pandas: the Snakefile imports it at parse time.
"""

from __future__ import annotations

import csv
import glob
from collections.abc import Iterable, Mapping
from fnmatch import fnmatchcase
from pathlib import Path, PurePosixPath
from typing import Any

from scripts.core.errors import InputError

#: Missing files named one by one in an error message; the rest are counted.
MAX_NAMED = 20

#: Prefixes of the companion files the World Bank writes beside each API download
#: (``API_<code>_DS2_....csv``): economies' region and income group, and the indicator's definition.
WB_COMPANION_PREFIXES: tuple[str, ...] = ("Metadata_Country_", "Metadata_Indicator_")


def listed_paths(manifest: str | Path) -> list[str]:
    """Return the ``path`` column of a MANIFEST.csv (any line ending, BOM allowed), in file order.

    Raises :class:`InputError` naming the file when it is missing or has no ``path`` column.
    """
    try:
        fh = open(manifest, encoding="utf-8-sig", newline="")
    except FileNotFoundError:
        raise InputError(
            problem="the MANIFEST is missing",
            file=str(manifest),
            expected="the list of every vendored raw file with its sha256 and provenance",
            fix="restore it (git checkout -- data/raw/MANIFEST.csv) or correct paths.manifest",
        ) from None
    with fh:
        reader = csv.DictReader(fh)
        if "path" not in (reader.fieldnames or []):
            raise InputError(
                problem=f"the MANIFEST has no 'path' column (header {reader.fieldnames})",
                file=str(manifest),
                row=1,
                expected="the columns path, sha256, bytes, publisher, licence, vintage, contents, origin",
                fix="restore data/raw/MANIFEST.csv (git checkout -- data/raw/MANIFEST.csv)",
            )
        return [row["path"] for row in reader if row.get("path")]


def matches(pattern: str, rel: str) -> bool:
    """True when the relative path ``rel`` matches the glob ``pattern`` as :func:`glob.glob` would.

    As in a non-recursive glob, ``*`` and ``?`` never cross a ``/``: both are compared part by part.
    """
    p, r = PurePosixPath(pattern).parts, PurePosixPath(rel).parts
    return len(p) == len(r) and all(fnmatchcase(b, a) for a, b in zip(p, r))


def missing_listed_error(missing: list[str], *, key: str, raw_label: str, manifest_label: str) -> InputError:
    """The error for MANIFEST-listed files that the run should read but that are not on disk."""
    named = ", ".join(missing[:MAX_NAMED])
    more = f" (and {len(missing) - MAX_NAMED} more)" if len(missing) > MAX_NAMED else ""
    return InputError(
        problem=f"{key}: {len(missing)} file(s) listed in the MANIFEST are missing from {raw_label}: {named}{more}",
        file=manifest_label,
        expected="every listed raw file that the configuration reads, on disk (reading the others would "
        "silently lose their values)",
        fix=f"restore the file(s) under {raw_label} (git checkout -- {raw_label}), or, to leave a file out on "
        "purpose, name the source's files explicitly in the configuration",
    )


def expand(
    patterns: Iterable[str], raw_root: Path, listed: Iterable[str], *, key: str, raw_label: str, manifest_label: str
) -> list[str]:
    """Resolve ``patterns`` (paths or glob patterns under ``raw_root``) to the files they name.

    Returns the matched files (relative to ``raw_root``, sorted per pattern). Raises
    :class:`InputError` when a pattern matches nothing, or when the MANIFEST (``listed``)
    holds files that a pattern matches but that are not on disk: all of them are named.
    """
    listed = list(listed)
    files: list[str] = []
    missing: list[str] = []
    for pattern in patterns:
        hits = sorted(Path(p).relative_to(raw_root).as_posix() for p in glob.glob(str(raw_root / pattern)))
        on_disk = set(hits)
        absent = [rel for rel in listed if matches(pattern, rel) and rel not in on_disk]
        if not hits and not absent:
            raise InputError(
                problem=f"{key}: {pattern!r} matches no file under {raw_label}",
                file="config",
                fix="check the file name (raw files keep their publisher's names) or vendor the file",
            )
        files += hits
        missing += absent
    if missing:
        raise missing_listed_error(sorted(set(missing)), key=key, raw_label=raw_label, manifest_label=manifest_label)
    return files


def companions(reader: str, rel: str, raw_root: Path, listed: Iterable[str]) -> list[str]:
    """The companion files of data file ``rel`` that the run verifies and reads, sorted.

    A DataHub folder's ``datapackage.json`` always; for a World Bank API download, each
    ``Metadata_Country_`` / ``Metadata_Indicator_`` file beside it that is on disk or listed
    in the MANIFEST (a listed one that is missing is then refused by the sha256 check's
    missing-file error, see :func:`check_present`).
    """
    path = PurePosixPath(rel)
    if reader == "wb_datahub":
        return [str(path.parent / "datapackage.json")]
    if reader != "wb_api":
        return []
    listed = set(listed)
    names = [str(path.parent / f"{prefix}{path.name}") for prefix in WB_COMPANION_PREFIXES]
    return sorted(c for c in names if c in listed or (raw_root / c).is_file())


def check_present(rels: Iterable[str], raw_root: Path, *, raw_label: str, manifest_label: str) -> None:
    """Raise :class:`InputError` naming every file of ``rels`` that is not a file under ``raw_root``."""
    missing = sorted({rel for rel in rels if not (raw_root / rel).is_file()})
    if missing:
        raise missing_listed_error(missing, key="raw files", raw_label=raw_label, manifest_label=manifest_label)


def resolve_sources(
    sources: list[Mapping[str, Any]], raw_root: Path, listed: list[str], *, raw_label: str, manifest_label: str
) -> list[dict[str, Any]]:
    """The configured sources with ``files`` resolved (see :func:`expand`) and, per source,
    ``companions``: {data file: its companion files} (see :func:`companions`)."""
    out = []
    for src in sources:
        files = expand(
            src["files"],
            raw_root,
            listed,
            key=f"sources[{src['id']}]",
            raw_label=raw_label,
            manifest_label=manifest_label,
        )
        found = {f: companions(src["reader"], f, raw_root, listed) for f in files}
        out.append({**src, "files": files, "companions": {f: c for f, c in found.items() if c}})
    return out


def raw_files(sources: list[Mapping[str, Any]], classifications: Mapping[str, Any]) -> list[str]:
    """Every raw file a run reads (relative to ``paths.raw``), given sources resolved by
    :func:`resolve_sources`: data files, classification files and companions, without repeats."""
    rels = [f for s in sources for f in s["files"]]
    rels += [classifications[k]["file"] for k in ("current", "income_history", "concordance")]
    rels += list(classifications.get("metadata", []))
    rels += [c for s in sources for cs in s.get("companions", {}).values() for c in cs]
    return list(dict.fromkeys(rels))
