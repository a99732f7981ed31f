"""The figure of the masking experiment: out-of-sample error of every imputation chain.

Drawn by the ``accuracy_figure`` rule and saved with :func:`scripts.core.plotting.save`.
"""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd

from scripts.core.plotting import plt
from scripts.core.vocabulary import METHOD_NAMES, method_label

ROLE_TITLES = {
    "readiness": "ICT readiness indicators",
    "use": "ICT use indicators",
    "impact": "ICT impact indicators",
    "outcome": "MDG outcome indicators",
    "control": "Control variables",
}


def _step_note(steps: pd.DataFrame, role: str, chain: str | None) -> str:
    """'hidden cells per step: interpolate 1,657, carry 590*' for the chain in use (* = fewer than min_cells)."""
    mine = steps.loc[(steps["method"] == chain) & (steps["role"] == role) & (steps["cells"] == "all")]
    if mine.empty:
        return ""
    parts = [
        f"{METHOD_NAMES.get(r.step, r.step)} {r.n:,}{'' if r.measured else '*'}"
        for r in mine.sort_values("position").itertuples()
    ]
    # Wrapped to the width of a panel (about 75 characters at 6 pt).
    note = textwrap.fill("hidden cells filled per step of the chain in use: " + ", ".join(parts), width=75)
    if not mine["measured"].all():
        note += f"\n* measured on fewer than {int(mine['min_cells'].iloc[0]):,} hidden cells"
    return note


def draw_accuracy_figure(accuracy: pd.DataFrame, chosen: pd.DataFrame, steps: pd.DataFrame | None = None) -> plt.Figure:
    """Out-of-sample error of every imputation chain and baseline, one panel per role.

    ``accuracy`` is the masking experiment's table (pooled rows: indicator 'all', cells
    'weighted' where present, else 'all'); ``chosen`` has role, chain (the chain each role
    uses); ``steps`` (the per-step table, optional) adds to each panel how many hidden
    cells each step of the chain in use filled. Bars show RMSE in units of each
    indicator's standard deviation; baselines are grey and hatched, the chain in use is
    dark and labelled.
    """
    pooled = accuracy[(accuracy["indicator"] == "all") & (accuracy["role"] != "all")]
    # The weighted rows (strata weighted as the panel's own gaps) where the table has them: what the choice rests on.
    weighted = set(pooled.loc[pooled["cells"] == "weighted", "role"])
    pooled = pooled[np.where(pooled["role"].isin(weighted), pooled["cells"] == "weighted", pooled["cells"] == "all")]
    roles = [r for r in ROLE_TITLES if r in set(pooled["role"])]
    used = dict(zip(chosen["role"], chosen["chain"]))
    n_bars = int(pooled.groupby("role").size().max()) if len(pooled) else 1
    fig, axes = plt.subplots(
        len(roles), 1, figsize=(9.0, 1.2 + (0.8 + 0.16 * n_bars) * len(roles)), sharex=True, squeeze=False
    )
    xmax = float(pooled["rmse_sd"].max()) * 1.25
    for ax, role in zip(axes[:, 0], roles):
        d = pooled[pooled["role"] == role].sort_values("rmse_sd", ascending=False)
        colours = [
            "0.75" if b else ("#1f4e79" if m == used.get(role) else "#9dc3e6")
            for m, b in zip(d["method"], d["baseline"])
        ]
        names = [method_label(m) for m in d["method"]]
        bars = ax.barh(names, d["rmse_sd"], color=colours, edgecolor="0.3", linewidth=0.5)
        for bar, is_base in zip(bars, d["baseline"]):
            if is_base:
                bar.set_hatch("///")
        for y, (m, v) in enumerate(zip(d["method"], d["rmse_sd"])):
            label = f"{v:.2f}" + ("  (in use)" if m == used.get(role) else "")
            ax.text(v + xmax * 0.01, y, label, va="center", fontsize=7)
        n = int(d["n_masked"].max())
        ax.set_title(f"{ROLE_TITLES[role]} ({n:,} hidden cells)", fontsize=9, loc="left")
        if steps is not None:
            # Room above the bars for the note (about 0.75 bar per line): the top bar ends at len(d) - 0.6.
            note = _step_note(steps, role, used.get(role))
            ax.set_ylim(-0.6, len(d) - 0.4 + 0.75 * (note.count("\n") + 1))
            ax.text(0.01, 0.985, note, transform=ax.transAxes, ha="left", va="top", fontsize=6, color="0.25")
        ax.tick_params(axis="y", labelsize=7)
        ax.set_xlim(0, xmax)
    axes[-1, 0].set_xlabel("RMSE on hidden cells (SD units of each indicator)")
    fig.suptitle("Imputation accuracy: masking experiment (grey hatched = naive baselines)", fontsize=10)
    fig.tight_layout(rect=(0.0, 0.0, 1.0, 0.985))
    return fig
