"""Logging of a stage: every job writes its log to the file Snakemake names, errors included."""

from __future__ import annotations

import logging
import sys
import traceback
from pathlib import Path
from typing import Any

from scripts.core.errors import InputError


def setup_logging(snakemake: Any | None = None, level: int = logging.INFO) -> logging.Logger:
    """Send the stage's log to ``snakemake.log[0]`` (or stderr outside Snakemake)."""
    logger = logging.getLogger("ictmdg")
    logger.handlers.clear()
    logger.setLevel(level)
    log_files = list(getattr(snakemake, "log", []) or [])
    if log_files:
        Path(log_files[0]).parent.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = logging.FileHandler(log_files[0], mode="w", encoding="utf-8")
        # The log Snakemake points to ("check log file(s) for error details") gets the reason a
        # job failed too; on a cluster the job's stderr (the traceback) lands elsewhere.
        sys.excepthook = _log_uncaught_exception
    else:
        handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    logger.addHandler(handler)
    logging.captureWarnings(True)
    return logger


def _log_uncaught_exception(kind: type[BaseException], value: BaseException, tb: Any) -> None:
    """Write an uncaught exception to the stage's log (an InputError as its message), then report
    it as Python does."""
    text = str(value) if isinstance(value, InputError) else "".join(traceback.format_exception(kind, value, tb))
    logging.getLogger("ictmdg").error("%s", text)
    sys.__excepthook__(kind, value, tb)
