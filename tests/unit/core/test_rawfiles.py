"""Raw files a run reads: patterns checked against the MANIFEST, companions, and the sha256 check."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import pytest

from scripts.core.errors import InputError
from scripts.core.provenance import load_manifest, normalise_digest, verify_files
from scripts.core.rawfiles import (
    MAX_NAMED,
    check_present,
    companions,
    expand,
    listed_paths,
    matches,
    raw_files,
    resolve_sources,
)

LABELS = {"raw_label": "data/raw", "manifest_label": "data/raw/MANIFEST.csv"}


def _touch(root: Path, *rels: str) -> None:
    for rel in rels:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(rel.encode())


@pytest.mark.parametrize(
    ("pattern", "rel", "hit"),
    [
        ("wb/API_*.csv", "wb/API_X.csv", True),
        ("wb/API_*.csv", "wb/sub/API_X.csv", False),  # '*' does not cross a '/', as in glob
        ("wb/*/data.csv", "wb/it.net/data.csv", True),
        ("wb/API_?.csv", "wb/API_XY.csv", False),
        ("wb/API_X.csv", "wb/API_X.csv", True),
        ("wb/API_*.csv", "wb/api_x.csv", False),  # case-sensitive, like the file system
    ],
)
def test_matches_follows_glob(pattern: str, rel: str, hit: bool) -> None:
    assert matches(pattern, rel) is hit


def test_a_listed_file_missing_from_disk_is_named(tmp_path: Path) -> None:
    """The issue's case: one WDI API file of a glob deleted; the run must stop, naming it."""
    _touch(tmp_path, "wb/API_A.csv", "wb/API_C.csv")
    listed = ["wb/API_A.csv", "wb/API_B.csv", "wb/API_C.csv", "other/API_D.csv"]
    with pytest.raises(InputError) as exc:
        expand(["wb/API_*.csv"], tmp_path, listed, key="sources[wdi]", **LABELS)
    text = str(exc.value)
    assert "sources[wdi]: 1 file(s) listed in the MANIFEST are missing from data/raw: wb/API_B.csv" in text
    assert exc.value.file == "data/raw/MANIFEST.csv" and "git checkout" in exc.value.fix
    assert expand(["wb/API_*.csv"], tmp_path, listed[:1] + listed[2:], key="k", **LABELS) == [
        "wb/API_A.csv",
        "wb/API_C.csv",
    ]


def test_a_whole_listed_folder_deleted_is_named_not_matches_nothing(tmp_path: Path) -> None:
    """Variant: every file of a pattern deleted (and more than the cap): all counted, the first named."""
    listed = [f"wb/API_{i:02d}.csv" for i in range(MAX_NAMED + 5)]
    with pytest.raises(InputError) as exc:
        expand(["wb/API_*.csv"], tmp_path, listed, key="sources[wdi]", **LABELS)
    text = str(exc.value)
    assert f"{MAX_NAMED + 5} file(s) listed" in text and "(and 5 more)" in text
    assert "wb/API_00.csv" in text and f"wb/API_{MAX_NAMED:02d}.csv" not in text


def test_a_pattern_matching_nothing_listed_or_on_disk_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="'wb/API_\\*.csv' matches no file under data/raw"):
        expand(["wb/API_*.csv"], tmp_path, [], key="sources[wdi]", **LABELS)


def test_companions_of_a_wb_api_file_and_a_datahub_folder(tmp_path: Path) -> None:
    _touch(tmp_path, "wb/API_X_DS2.csv", "wb/Metadata_Country_API_X_DS2.csv")
    listed = ["wb/API_X_DS2.csv", "wb/Metadata_Country_API_X_DS2.csv", "wb/Metadata_Indicator_API_X_DS2.csv"]
    # listed but deleted: still a companion, so that the presence check refuses it
    assert companions("wb_api", "wb/API_X_DS2.csv", tmp_path, listed) == listed[1:]
    assert companions("wb_api", "wb/API_X_DS2.csv", tmp_path, []) == listed[1:2]
    assert companions("wb_datahub", "dh/x/data.csv", tmp_path, []) == ["dh/x/datapackage.json"]
    assert companions("un_mdg", "un/export.csv", tmp_path, listed) == []
    with pytest.raises(InputError) as exc:
        check_present(listed, tmp_path, **LABELS)
    assert "wb/Metadata_Indicator_API_X_DS2.csv" in str(exc.value) and "wb/API_X_DS2.csv" not in str(exc.value)


def test_raw_files_lists_data_classifications_and_companions_once(tmp_path: Path) -> None:
    _touch(tmp_path, "wb/API_X_DS2.csv", "wb/Metadata_Country_API_X_DS2.csv", "cls/a.xlsx", "cls/b.xlsx", "cls/c.csv")
    sources = resolve_sources([{"id": "wdi", "reader": "wb_api", "files": ["wb/API_*.csv"]}], tmp_path, [], **LABELS)
    assert sources[0]["companions"] == {"wb/API_X_DS2.csv": ["wb/Metadata_Country_API_X_DS2.csv"]}
    cls = {
        "current": {"file": "cls/a.xlsx"},
        "income_history": {"file": "cls/b.xlsx"},
        "concordance": {"file": "cls/c.csv"},
        "metadata": ["wb/Metadata_Country_API_X_DS2.csv"],
    }
    assert raw_files(sources, cls) == [
        "wb/API_X_DS2.csv",
        "cls/a.xlsx",
        "cls/b.xlsx",
        "cls/c.csv",
        "wb/Metadata_Country_API_X_DS2.csv",
    ]


@pytest.mark.parametrize("ending", ["\n", "\r\n"])
def test_listed_paths_reads_a_windows_manifest(tmp_path: Path, ending: str) -> None:
    manifest = tmp_path / "MANIFEST.csv"
    text = ending.join(["path,sha256", "a/b.csv,00", '"a/c d.csv",11', ""])
    manifest.write_bytes(("\ufeff" + text).encode())
    assert listed_paths(manifest) == ["a/b.csv", "a/c d.csv"]


def test_listed_paths_names_a_missing_or_headless_manifest(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="the MANIFEST is missing"):
        listed_paths(tmp_path / "MANIFEST.csv")
    (tmp_path / "MANIFEST.csv").write_text("file,digest\na,b\n")
    with pytest.raises(InputError, match="no 'path' column"):
        listed_paths(tmp_path / "MANIFEST.csv")


# ---------------------------------------------------------------------- the sha256 check


def _manifest(tmp_path: Path, digest: str, ending: str = "\n") -> pd.DataFrame:
    path = tmp_path / "MANIFEST.csv"
    rows = ["path,sha256,publisher,licence,vintage", f"x.csv,{digest},P,CC BY 4.0,2020", ""]
    path.write_bytes(ending.join(rows).encode())
    return load_manifest(path)


@pytest.mark.parametrize(
    ("case", "ending"),
    [("upper", "\n"), ("upper", "\r\n"), ("mixed", "\r\n"), ("padded", "\n")],
    ids=["get-filehash", "get-filehash-crlf", "mixed-case-crlf", "padded"],
)
def test_a_digest_in_upper_case_or_padded_is_the_same_digest(tmp_path: Path, case: str, ending: str) -> None:
    """PowerShell's Get-FileHash prints upper case; a Windows MANIFEST ends lines with CRLF."""
    (tmp_path / "x.csv").write_bytes(b"a,b\n")
    digest = hashlib.sha256(b"a,b\n").hexdigest()
    written = {"upper": digest.upper(), "mixed": digest[:32].upper() + digest[32:], "padded": f" {digest} "}[case]
    out = verify_files(["x.csv"], tmp_path, _manifest(tmp_path, written, ending), "MANIFEST.csv")
    assert out.loc[0, "sha256"] == digest == out.loc[0, "sha256_verified"]


def test_a_changed_file_is_still_a_mismatch_whatever_the_case(tmp_path: Path) -> None:
    (tmp_path / "x.csv").write_bytes(b"a,c\n")
    digest = hashlib.sha256(b"a,b\n").hexdigest().upper()
    with pytest.raises(InputError, match="sha256 mismatch for raw file x.csv"):
        verify_files(["x.csv"], tmp_path, _manifest(tmp_path, digest), "MANIFEST.csv")


@pytest.mark.parametrize("written", ["abc", "g" * 64, "", "sha256:" + "a" * 64])
def test_a_digest_that_is_not_sha256_hex_is_named_with_its_row(written: str) -> None:
    with pytest.raises(InputError) as exc:
        normalise_digest(written, "x.csv", "data/raw/MANIFEST.csv", 7)
    assert (exc.value.file, exc.value.row, exc.value.column) == ("data/raw/MANIFEST.csv", 7, "sha256")
    assert "not a sha256 digest" in str(exc.value) and "sha256sum data/raw/x.csv" in exc.value.fix
