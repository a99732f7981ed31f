"""Figures as files: the non-interactive backend and deterministic PNG + PDF writing.

Every figure of the project is drawn with matplotlib's Agg backend and saved by
:func:`save`, which writes PNG (300 dpi) and PDF atomically with fixed metadata, so a
re-run writes identical bytes.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from scripts.core.io import atomic_path  # noqa: E402


def save(fig: plt.Figure, png: str | Path, pdf: str | Path) -> None:
    """Write ``fig`` as PNG and PDF atomically, without timestamps, then close it."""
    with atomic_path(png) as tmp:
        fig.savefig(tmp, format="png", dpi=300, metadata={"Software": None})
    with atomic_path(pdf) as tmp:
        fig.savefig(
            tmp, format="pdf", metadata={"CreationDate": None, "ModDate": None, "Producer": None, "Creator": None}
        )
    plt.close(fig)
