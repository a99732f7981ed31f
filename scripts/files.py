"""File I/O at the edges of a stage: atomic writes, deterministic bytes, logging.

Outputs are written to a temporary name beside the target and renamed into place, so
an interrupted or failed job never leaves a file that looks finished. Writers sort
nothing themselves (callers sort); they fix what would otherwise vary between runs:
float formatting, line endings and parquet metadata.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd


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


def write_parquet(df: pd.DataFrame, target: str | os.PathLike) -> None:
    """Write ``df`` as parquet without the pandas index, byte-identical for equal input."""
    _write_atomic(target, lambda p: df.to_parquet(p, index=False, compression="zstd"))


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


def sha256(path: str | os.PathLike, chunk: int = 1 << 20) -> str:
    """Return the hex sha256 digest of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


def setup_logging(snakemake: Any | None = None, level: int = logging.INFO) -> logging.Logger:
    """Send the stage's log to ``snakemake.log[0]`` (or stderr outside Snakemake)."""
    logger = logging.getLogger("ictmdg")
    logger.handlers.clear()
    logger.setLevel(level)
    log_files = list(getattr(snakemake, "log", []) or [])
    if log_files:
        Path(log_files[0]).parent.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = logging.FileHandler(log_files[0], mode="w", encoding="utf-8")
    else:
        handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    logger.addHandler(handler)
    logging.captureWarnings(True)
    return logger
