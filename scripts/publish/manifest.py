"""The run's manifest: every output with its sha256, the inputs' sha256, the config hash, the package versions.

``results/MANIFEST.json`` says exactly which outputs a run made from which inputs with
which software, so a reader can check that a file is the one the run published, and two
runs can be compared file by file. It holds no timestamps and sorts everything, so two
runs from clean give the same manifest.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from importlib import metadata
from pathlib import Path
from typing import Any

from scripts.core.io import sha256

#: Folders of results/ that hold timings and logs, which differ between runs by nature.
VOLATILE = ("logs", "benchmarks")


def config_hash(config: Mapping[str, Any]) -> str:
    """sha256 of the config as canonical JSON (keys sorted): equal for equal settings, whatever the YAML looked like."""
    text = json.dumps(config, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def package_versions(lock: Path) -> dict[str, str]:
    """Installed version of every package pinned in ``lock`` (requirements.lock), by name."""
    out = {}
    for line in lock.read_text(encoding="utf-8").splitlines():
        if "==" in line and not line.startswith("#"):
            name = line.split("==")[0].strip()
            try:
                out[name] = metadata.version(name)
            except metadata.PackageNotFoundError:
                out[name] = "not installed"
    return dict(sorted(out.items(), key=lambda kv: kv[0].lower()))


def file_digests(files: Iterable[Path], root: Path) -> dict[str, str]:
    """Path relative to ``root`` -> sha256, sorted by path."""
    return {p.relative_to(root).as_posix(): sha256(p) for p in sorted(files)}


def pattern_regex(pattern: str) -> re.Pattern[str]:
    """A rule's output pattern ("04_index/{index}/scores.csv") as a regex over paths below results/.

    A wildcard matches one path segment; a match may go on below it (directory outputs).
    """
    return re.compile(re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(pattern)) + r"(/.*)?$")


def declared_outputs(results: Path, patterns: Iterable[str], manifest: Path) -> list[Path]:
    """Files under ``results`` that some rule's output pattern declares (logs, benchmarks and ``manifest`` left out).

    ``patterns`` are the workflow's output paths; those outside ``results`` are ignored, so
    stale files of other runs in the same folder are not listed.
    """
    regexes = [
        pattern_regex(Path(x).relative_to(results).as_posix()) for x in patterns if Path(x).is_relative_to(results)
    ]
    found = []
    for f in sorted(results.rglob("*")):
        rel = f.relative_to(results).as_posix()
        if (
            f.is_file()
            and f != manifest
            and not f.name.startswith(".")
            and rel.split("/")[0] not in VOLATILE
            and any(rx.match(rel) for rx in regexes)
        ):
            found.append(f)
    return found


def build_manifest(
    *,
    outputs: Mapping[str, str],
    inputs: Mapping[str, str],
    config: Mapping[str, Any],
    packages: Mapping[str, str],
    version: str,
) -> dict[str, Any]:
    """The manifest as a dict: project version, config hash, and sorted digests of outputs and inputs."""
    return {
        "project_version": version,
        "config_sha256": config_hash(config),
        "outputs": dict(sorted(outputs.items())),
        "inputs": dict(sorted(inputs.items())),
        "packages": dict(packages),
    }
