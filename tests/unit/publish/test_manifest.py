"""The manifest lists exactly the declared outputs, with digests, and hashes the config by content."""

from __future__ import annotations

from pathlib import Path

from scripts.core.io import sha256
from scripts.publish.manifest import build_manifest, config_hash, declared_outputs, pattern_regex


def test_a_pattern_matches_its_wildcards_and_directory_contents() -> None:
    rx = pattern_regex("04_index/{index}/scores.csv")
    assert rx.match("04_index/ict/scores.csv") and not rx.match("04_index/ict/old/scores.csv")
    assert pattern_regex("profiles").match("profiles/KEN.png") and not pattern_regex("profiles").match("profiles_old/x")


def test_declared_outputs_leave_out_logs_stale_files_temporaries_and_the_manifest(tmp_path: Path) -> None:
    results = tmp_path / "results"
    for rel in (
        "a/t.csv",
        "a/stale.csv",
        "logs/a/x.log",
        "benchmarks/x.tsv",
        "a/.t.csv.123.part",
        "MANIFEST.json",
        "profiles/KEN.png",
    ):
        (results / rel).parent.mkdir(parents=True, exist_ok=True)
        (results / rel).write_text(rel)
    patterns = [str(results / "a/t.csv"), str(results / "profiles"), str(results / "logs/a/x.log"), "elsewhere/f"]
    found = declared_outputs(results, patterns, results / "MANIFEST.json")
    assert [f.relative_to(results).as_posix() for f in found] == ["a/t.csv", "profiles/KEN.png"]


def test_config_hash_depends_on_content_not_order() -> None:
    assert config_hash({"a": 1, "b": [1, 2]}) == config_hash({"b": [1, 2], "a": 1})
    assert config_hash({"a": 1}) != config_hash({"a": 2})


def test_build_manifest_sorts(tmp_path: Path) -> None:
    f = tmp_path / "x"
    f.write_text("x")
    m = build_manifest(
        outputs={"b": "2", "a": sha256(f)}, inputs={"z": "1"}, config={"k": 1}, packages={"p": "1"}, version="0.1"
    )
    assert list(m["outputs"]) == ["a", "b"] and m["project_version"] == "0.1" and len(m["config_sha256"]) == 64
