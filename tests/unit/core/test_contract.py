"""The stage contract: tables keep their columns, dtypes and keys through a write and a read."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scripts.core import tables
from scripts.core.contract import Table, check_unique, conform, empty, read_table, write_table
from scripts.core.errors import InputError

SAMPLE = Table(
    "sample row",
    {"iso3": "string", "year": "int64", "first": "Int64", "value": "float64", "ok": "bool", "note": "string"},
    ("iso3", "year"),
)


def sample() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "note": ["", 'a, quoted "note"', "x"],
            "iso3": ["NAM", "NA", "ZAF"],  # "NA" (Namibia's ISO2) must stay text, not become missing
            "year": [2000, 2000, 2001],
            "first": pd.array([2001, None, 1990], dtype="Int64"),
            "value": [0.1 + 0.2, np.nan, 1e-300],
            "ok": [True, False, True],
            "extra": [1, 2, 3],  # not in the table: dropped on write
        }
    )


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_round_trip_keeps_columns_dtypes_and_exact_values(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"t{suffix}"
    write_table(sample(), path, SAMPLE)
    back = read_table(path, SAMPLE)
    assert list(back.columns) == list(SAMPLE.columns)
    assert {c: str(t) for c, t in back.dtypes.items()} == dict(SAMPLE.columns)
    expected = conform(sample(), SAMPLE)
    pd.testing.assert_frame_equal(back, expected)
    assert back.loc[0, "value"] == 0.1 + 0.2  # written at full precision, not rounded
    assert back["iso3"].tolist() == ["NAM", "NA", "ZAF"]


def test_read_subset_of_columns(tmp_path: Path) -> None:
    path = tmp_path / "t.parquet"
    write_table(sample(), path, SAMPLE)
    back = read_table(path, SAMPLE, columns=["iso3", "value"])
    assert list(back.columns) == ["iso3", "value"]


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_read_rows_where_a_column_takes_given_values(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"t{suffix}"
    write_table(sample(), path, SAMPLE)
    expected = conform(sample(), SAMPLE)
    expected = expected[expected["iso3"].isin(["NA", "ZAF"])].reset_index(drop=True)
    back = read_table(path, SAMPLE, where={"iso3": ["ZAF", "NA", "XXX"]})
    pd.testing.assert_frame_equal(back, expected)
    # the filter column need not be among the columns read
    back = read_table(path, SAMPLE, columns=["year", "value"], where={"iso3": ["NAM"]})
    assert back["year"].tolist() == [2000] and back["value"].tolist() == [0.1 + 0.2]
    with pytest.raises(ValueError, match="no columns"):
        read_table(path, SAMPLE, where={"nothing": ["x"]})


def test_blank_text_reads_as_empty_string_and_blank_number_as_missing(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    write_table(sample(), path, SAMPLE)
    back = read_table(path, SAMPLE)
    assert back.loc[0, "note"] == ""
    assert pd.isna(back.loc[1, "first"]) and np.isnan(back.loc[1, "value"])


def test_write_refuses_a_frame_without_a_table_column(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"sample row table lacks columns \['ok'\]"):
        write_table(sample().drop(columns="ok"), tmp_path / "t.csv", SAMPLE)
    assert not (tmp_path / "t.csv").exists()


def test_write_refuses_a_duplicate_key_and_writes_nothing(tmp_path: Path) -> None:
    dup = sample().assign(iso3=["NAM", "NAM", "ZAF"])
    with pytest.raises(InputError, match=r"duplicate sample row for \(iso3=NAM, year=2000\)"):
        write_table(dup, tmp_path / "t.parquet", SAMPLE)
    assert list(tmp_path.iterdir()) == []


def test_read_names_the_file_when_a_column_is_missing(tmp_path: Path) -> None:
    path = tmp_path / "old.csv"
    sample().drop(columns="ok").to_csv(path, index=False)
    with pytest.raises(InputError, match=r"lacks the columns \['ok'\]") as exc:
        read_table(path, SAMPLE)
    assert exc.value.file == str(path) and "run the workflow again" in (exc.value.fix or "")


def test_categoricals_are_written_as_the_declared_text(tmp_path: Path) -> None:
    frame = sample().astype({"iso3": "category", "note": "category"})
    path = tmp_path / "t.parquet"
    write_table(frame, path, SAMPLE, strings=("iso3", "note"))
    assert dict(pd.read_parquet(path).dtypes.astype(str))["iso3"] == "string"
    with pytest.raises(ValueError, match="parquet"):
        write_table(frame, tmp_path / "t.csv", SAMPLE, strings=("iso3",))


def test_empty_table_has_the_columns_and_dtypes() -> None:
    frame = empty(SAMPLE)
    assert len(frame) == 0 and {c: str(t) for c, t in frame.dtypes.items()} == dict(SAMPLE.columns)


def test_a_key_must_name_columns() -> None:
    with pytest.raises(ValueError, match="key columns"):
        Table("bad", {"a": "int64"}, ("b",))


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from(["A", "B", "C"]), st.integers(0, 3), st.sampled_from(["x", "y"])), max_size=30),
    st.booleans(),
)
def test_duplicate_check_agrees_with_pandas_sorted_or_not(rows: list, sort: bool) -> None:
    # The one-pass check on sorted frames and the general path must find the same duplicates.
    df = pd.DataFrame(rows, columns=["a", "b", "c"]).astype({"a": "category", "b": "int64", "c": "string"})
    if sort:
        df = df.sort_values(["a", "b", "c"], ignore_index=True)
    has_dup = df.duplicated(["a", "b", "c"]).any()
    if has_dup:
        with pytest.raises(InputError):
            check_unique(df, ["a", "b", "c"], "row")
    else:
        check_unique(df, ["a", "b", "c"], "row")


def test_every_declared_table_has_its_key_among_its_columns_and_valid_dtypes() -> None:
    declared = {n: t for n, t in vars(tables).items() if isinstance(t, Table)}
    assert len(declared) >= 30
    for name, table in declared.items():
        empty(table)  # every dtype is one pandas knows
        assert set(table.key) <= set(table.columns), name


def test_the_reconciliation_has_a_column_per_drop_reason() -> None:
    from scripts.core.vocabulary import FATES

    dropped = [c.removeprefix("dropped: ") for c in tables.RECONCILIATION.columns if c.startswith("dropped: ")]
    assert dropped == [f for f in FATES if f != "kept"]
