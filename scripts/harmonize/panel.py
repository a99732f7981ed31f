"""The harmonised panel and the reconciliation that accounts for every raw observation."""

from __future__ import annotations

import pandas as pd

from scripts.core import contract, tables
from scripts.core.vocabulary import FATES


def build_panel(trail: pd.DataFrame) -> pd.DataFrame:
    """Return the PANEL table (kept observations, with provenance), sorted by key."""
    kept = trail[trail["fate"] == "kept"]
    panel = kept.assign(value=kept["value_out"])[list(tables.PANEL.columns)]
    panel = contract.conform(panel, tables.PANEL).sort_values(list(tables.PANEL.key), ignore_index=True)
    contract.check_unique(panel, tables.PANEL.key, tables.PANEL.name)
    return panel


def reconciliation(trail: pd.DataFrame) -> pd.DataFrame:
    """Count observations per (source, file, series) by fate; read = kept + dropped exactly.

    Returns columns source, file, series, read, kept, dropped (total), then one column per
    drop reason, sorted by source, file, series.
    """
    counts = trail.groupby(["source", "file", "series", "fate"], observed=True).size().unstack("fate", fill_value=0)
    for f in FATES:
        if f not in counts.columns:
            counts[f] = 0
    reasons = [f for f in FATES if f != "kept"]
    out = counts[["kept", *reasons]].reset_index()
    out.insert(3, "read", out[["kept", *reasons]].sum(axis=1))
    out.insert(5, "dropped", out[reasons].sum(axis=1))
    out.columns = [
        c if c in ("source", "file", "series", "read", "kept", "dropped") else f"dropped: {c}" for c in out.columns
    ]
    return out.sort_values(["source", "file", "series"], ignore_index=True)
