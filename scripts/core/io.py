"""File I/O at the edges of a stage: atomic writes, deterministic bytes.

Outputs are written to a temporary name beside the target and renamed into place, so
an interrupted or failed job never leaves a file that looks finished. Writers sort
nothing themselves (callers sort); they fix what would otherwise vary between runs:
float formatting, line endings and parquet metadata.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

#: Rows per parquet row group: pyarrow's default, which :func:`write_parquet` keeps when it writes in parts.
PARQUET_ROW_GROUP = 1024 * 1024


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_UMASK = _current_umask()


@contextmanager
def atomic_path(target: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path next to ``target``; rename it onto ``target`` on success.

    On any exception the temporary file is removed and ``target`` is left untouched.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    # A job killed with SIGKILL mid-write leaves its temporary file behind; the rerun of
    # that job clears it, so nothing half-written survives a resume.
    for stale in target.parent.glob(f".{target.name}.*.part"):
        stale.unlink(missing_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        # mkstemp creates 0600 files; give the output the permissions a plain open() would.
        os.chmod(tmp_path, 0o666 & ~_UMASK)
        os.replace(tmp_path, target)
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise


def _write_atomic(target: str | os.PathLike, writer: Callable[[Path], None]) -> None:
    with atomic_path(target) as tmp:
        writer(tmp)


def write_csv(df: pd.DataFrame, target: str | os.PathLike) -> None:
    """Write ``df`` as UTF-8 CSV (no index, ``\\n`` line ends).

    Floats are written as their shortest round-trip representation (numpy's repr), so
    :func:`read_csv` gives back the identical double: nothing is rounded between stages.
    """
    _write_atomic(target, lambda p: df.to_csv(p, index=False, lineterminator="\n"))


def write_parquet(df: pd.DataFrame, target: str | os.PathLike, *, strings: Sequence[str] = ()) -> None:
    """Write ``df`` as parquet without the pandas index, byte-identical for equal input.

    ``strings`` names categorical columns to store as text: the file is byte for byte the
    one ``df.astype({c: "string" for c in strings})`` gives (and reads back as that), but
    Arrow expands the categories one row group at a time, where the conversion to the
    "string" dtype would hold a Python string per cell (10^8 cells for the draws of a 100x
    panel).
    """
    if not strings or not len(df):
        _write_atomic(
            target, lambda p: df.astype({c: "string" for c in strings}).to_parquet(p, index=False, compression="zstd")
        )
        return
    schema = pa.Schema.from_pandas(df.head(0).astype({c: "string" for c in strings}), preserve_index=False)

    def column(values: pd.Series, field: pa.Field) -> pa.Array:
        if values.name not in strings:
            return pa.Array.from_pandas(values, type=field.type)
        cat = values.cat
        dictionary = pa.array(cat.categories.astype(object).to_numpy(), type=field.type)
        codes = pa.array(cat.codes.to_numpy(), mask=cat.codes.to_numpy() < 0)
        return pa.DictionaryArray.from_arrays(codes, dictionary).cast(field.type)

    def write(p: Path) -> None:
        with pq.ParquetWriter(p, schema, compression="zstd") as writer:
            for start in range(0, len(df), PARQUET_ROW_GROUP):
                part = df.iloc[start : start + PARQUET_ROW_GROUP]
                writer.write_table(pa.Table.from_arrays([column(part[f.name], f) for f in schema], schema=schema))

    _write_atomic(target, write)


def write_text(text: str, target: str | os.PathLike) -> None:
    """Write ``text`` as UTF-8 with ``\\n`` line ends."""

    def _w(p: Path) -> None:
        with open(p, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)

    _write_atomic(target, _w)


def write_json(obj: Any, target: str | os.PathLike) -> None:
    """Write ``obj`` as indented, key-sorted JSON."""
    write_text(json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False) + "\n", target)


def read_csv(path: str | os.PathLike, **kwargs: Any) -> pd.DataFrame:
    """Read a CSV written by this project: text stays text ('NA' is Namibia, not missing)."""
    kwargs.setdefault("keep_default_na", False)
    kwargs.setdefault("na_values", [""])
    kwargs.setdefault("float_precision", "round_trip")
    return pd.read_csv(path, **kwargs)


def read_parquet(
    path: str | os.PathLike, columns: Sequence[str] | None = None, filters: list[tuple[str, str, Any]] | None = None
) -> pd.DataFrame:
    """Read a parquet file: the frame ``pd.read_parquet(path, columns=columns, filters=filters)`` gives.

    Text columns are read through Arrow dictionaries and then given the dtype pandas would
    give them, so a value repeated on millions of rows (an ISO3 code, an indicator id)
    becomes one Python string shared by those rows rather than one string per row: the
    same frame in a fraction of the time and memory.
    """
    schema = pq.read_schema(path)
    names = list(columns) if columns is not None else schema.names
    text = [
        n for n in names if pa.types.is_string(schema.field(n).type) or pa.types.is_large_string(schema.field(n).type)
    ]
    dtypes = schema.empty_table().to_pandas().dtypes
    df = pd.read_parquet(path, columns=columns, read_dictionary=text, filters=filters)
    return df.astype({n: dtypes[n] for n in text})


def sha256(path: str | os.PathLike, chunk: int = 1 << 20) -> str:
    """Return the hex sha256 digest of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()
