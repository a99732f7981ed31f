"""Data-quality figures: what the database holds (missingness) and how coherent an index is.

Both are computed from published tables only: the panel and the economies for the
missingness heatmap, an index's SCORES (which hold every node's score, indicators'
normalised values included) for the coherence heatmap.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from scripts.core.plotting import plt
from scripts.publish.labels import short
from scripts.publish.style import SEQUENTIAL, finish, house_style


def observed_shares(panel: pd.DataFrame, economies: Sequence[str], first: int, last: int) -> pd.DataFrame:
    """Share (0-1) of ``economies`` with an observed value, per indicator (rows) and year (columns)."""
    inside = panel[panel["iso3"].isin(list(economies)) & panel["year"].between(first, last)]
    counts = inside.groupby(["indicator", "year"]).size().unstack("year")
    counts = counts.reindex(columns=range(first, last + 1)).fillna(0)
    return counts / max(len(economies), 1)


def missingness_figure(
    shares: pd.DataFrame, roles: Mapping[str, str], names: Mapping[str, str], *, n_economies: int
) -> plt.Figure:
    """Heatmap of the observed share of every indicator (rows, grouped by role) in every year (columns)."""
    order = sorted(
        shares.index,
        key=lambda i: (
            ["readiness", "use", "impact", "outcome", "control"].index(roles.get(i, "control"))
            if roles.get(i) in ("readiness", "use", "impact", "outcome", "control")
            else 9,
            i,
        ),
    )
    data = shares.reindex(order)
    with house_style():
        fig, ax = plt.subplots(figsize=(8, 0.14 * len(data) + 1.8))
        image = ax.imshow(data.to_numpy(), aspect="auto", cmap=SEQUENTIAL, vmin=0, vmax=1, interpolation="none")
        ax.set_yticks(
            range(len(data)), [f"{short(names.get(i, i), 44)} [{roles.get(i, '?')}]" for i in data.index], fontsize=5
        )
        years = list(data.columns)
        ax.set_xticks(range(len(years)), [str(y) for y in years], rotation=90, fontsize=6)
        ax.grid(False)
        bar = fig.colorbar(image, ax=ax, fraction=0.03, pad=0.02)
        bar.set_label(f"share of the {n_economies} World Bank economies observed")
        note = "Observed values of the harmonised database, before imputation; [role] after each indicator."
        return finish(fig, "Data availability by indicator and year", note=note, top=0.97, bottom=0.04)


def node_correlations(
    scores: pd.DataFrame, *, year: int, leaves: Sequence[str], aggregates: Sequence[str], min_economies: int = 10
) -> pd.DataFrame:
    """Pearson correlation across economies in ``year`` of every leaf (rows) with every aggregate (columns).

    One year, not the pooled panel: the common diffusion trend would inflate every pooled
    correlation. A pair with fewer than ``min_economies`` economies is NaN.
    """
    wide = scores[scores["year"] == year].pivot_table(index="iso3", columns="node", values="score")
    corr = wide.corr(method="pearson", min_periods=min_economies)
    return corr.reindex(index=list(leaves), columns=list(aggregates))


def coherence_figure(corr: pd.DataFrame, names: Mapping[str, str], *, title: str, year: int) -> plt.Figure:
    """Heatmap of indicator-aggregate correlations, annotated, diverging around 0."""
    with house_style():
        fig, ax = plt.subplots(figsize=(1.1 * corr.shape[1] + 4, 0.32 * corr.shape[0] + 1.8))
        image = ax.imshow(corr.to_numpy(), cmap="RdBu_r", vmin=-1, vmax=1, aspect="auto")
        for (i, j), v in np.ndenumerate(corr.to_numpy()):
            if np.isfinite(v):
                ax.text(
                    j, i, f"{v:.2f}", ha="center", va="center", fontsize=6, color="white" if abs(v) > 0.6 else "0.1"
                )
        ax.set_xticks(range(corr.shape[1]), [short(names.get(c, c), 22) for c in corr.columns], rotation=30, ha="right")
        ax.set_yticks(range(corr.shape[0]), [short(names.get(r, r), 40) for r in corr.index])
        ax.grid(False)
        bar = fig.colorbar(image, ax=ax, fraction=0.04, pad=0.02)
        bar.set_label("Pearson correlation across economies")
        note = (
            f"{year}: indicators' normalised values against the scores of the sub-indices and pillars. "
            "Below 0.3 an indicator is 'silent' in its parent; above 0.9 two measures are collinear."
        )
        return finish(fig, f"{title}: coherence", note=note)
