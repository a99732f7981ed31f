"""Figures of a composite index: the ranking, sub-index profiles, trends by group, the tile-grid map.

Every function takes published tables (SCORES, ECONOMIES, CLASSIFICATION_BY_YEAR, rank
bands when the uncertainty stage made them) and returns a matplotlib Figure in the house
style (:mod:`scripts.publish.style`); the stage saves it as PNG and PDF.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from scripts.core.plotting import plt
from scripts.publish.labels import economy_names, short
from scripts.publish.style import (
    CATEGORICAL,
    INCOME_NAMES,
    INCOME_ORDER,
    SEQUENTIAL,
    finish,
    house_style,
    year_axis,
)


def latest_year(scores: pd.DataFrame, node: str) -> int:
    """The last year in which ``node`` has scores."""
    return int(scores.loc[scores["node"] == node, "year"].max())


def ranking_figure(
    scores: pd.DataFrame,
    economies: pd.DataFrame,
    *,
    root: str,
    title: str,
    bands: pd.DataFrame | None = None,
    year: int | None = None,
) -> plt.Figure:
    """Every economy's score in ``year`` (default: the latest), best first, in two columns.

    ``bands`` (optional: iso3, year, rank_p05, rank_p95, as written by the uncertainty stage)
    adds each economy's 5th-95th percentile rank band as a bar beside its score, so that a
    reader does not over-read small differences in rank.
    """
    year = latest_year(scores, root) if year is None else year
    top = scores[(scores["node"] == root) & (scores["year"] == year)].sort_values(["rank", "iso3"])
    names = economy_names(economies)
    labels = [f"{int(r)}. {short(names.get(c, c), 26)}" for c, r in zip(top["iso3"], top["rank"])]
    halves = np.array_split(np.arange(len(top)), 2)
    with house_style():
        # With bands, each half gets a narrow panel of its own for them (rank 1 at the top, like the list).
        ratios = [3, 1.5, 3, 1.5] if bands is not None else [1, 1]
        fig, grid = plt.subplots(
            1,
            len(ratios),
            figsize=(12 if bands is not None else 11, 0.115 * len(halves[0]) + 1.6),
            gridspec_kw={"width_ratios": ratios},
        )
        score_axes = grid[::2] if bands is not None else grid
        for k, (ax, rows) in enumerate(zip(score_axes, halves)):
            part = top.iloc[rows]
            y = np.arange(len(part))
            ax.hlines(y, 0, part["score"], color="0.8", linewidth=0.6)
            ax.scatter(part["score"], y, s=9, color=CATEGORICAL[0], zorder=3)
            ax.set_yticks(y, [labels[i] for i in rows], fontsize=5.5)
            ax.set_ylim(len(part) - 0.5, -0.5)
            ax.set_xlim(0, 100)
            ax.set_xlabel("index score (0-100)")
            ax.grid(axis="y", visible=False)
            if bands is not None:
                band = bands[bands["year"] == year].set_index("iso3").reindex(part["iso3"])
                bx = grid[2 * k + 1]
                bx.hlines(y, band["rank_p05"], band["rank_p95"], color=CATEGORICAL[1], linewidth=1.4)
                bx.scatter(part["rank"], y, s=5, color=CATEGORICAL[0], zorder=3)
                bx.set_ylim(len(part) - 0.5, -0.5)
                bx.set_xlim(len(top) + 1, 0)
                bx.set_yticks([])
                bx.set_xticks([t for t in (150, 100, 50, 1) if t <= len(top)])
                bx.set_xlabel("rank band")
                bx.grid(axis="y", visible=False)
        note = f"{len(top)} economies, {year}."
        if bands is not None:
            note += (
                " Right of each list: the 5th-95th percentile band of the ranks an economy takes across the"
                " uncertainty analysis's replications (orange; dot: the published rank; rank 1 at the right)."
            )
        return finish(fig, f"{title}: scores in {year}", note=note, top=0.975, bottom=0.03)


def profiles_figure(
    scores: pd.DataFrame,
    economies: pd.DataFrame,
    *,
    nodes: Sequence[str],
    node_names: Mapping[str, str],
    selected: Sequence[str],
    title: str,
    year: int | None = None,
) -> plt.Figure:
    """Scores of ``nodes`` (sub-indices, pillars) for the ``selected`` economies in ``year`` (default: latest).

    One group of bars per node, one bar per economy, so that strengths and weaknesses of
    the economies can be compared node by node.
    """
    year = latest_year(scores, nodes[0]) if year is None else year
    data = scores[(scores["year"] == year) & scores["node"].isin(nodes) & scores["iso3"].isin(selected)]
    wide = data.pivot_table(index="node", columns="iso3", values="score").reindex(index=list(nodes))
    wide = wide.reindex(columns=[s for s in selected if s in wide.columns])
    names = economy_names(economies)
    with house_style():
        fig, ax = plt.subplots(figsize=(7.5, 4.2))
        width = 0.8 / max(len(wide.columns), 1)
        x = np.arange(len(wide.index))
        for k, iso3 in enumerate(wide.columns):
            ax.bar(
                x + (k - (len(wide.columns) - 1) / 2) * width,
                wide[iso3],
                width,
                label=names.get(iso3, iso3),
                color=CATEGORICAL[k % len(CATEGORICAL)],
            )
        ax.set_xticks(x, [textwrap.fill(node_names.get(n, n), 18) for n in wide.index])
        ax.set_ylabel("score (0-100)")
        ax.set_ylim(0, 100)
        ax.grid(axis="x", visible=False)
        if len(wide.columns):
            ax.legend(ncol=len(wide.columns), loc="lower left", bbox_to_anchor=(0, 1.0))
        else:
            # publish.selected names no economy of these data (e.g. a synthetic run): say so on the page.
            ax.text(0.5, 0.5, "none of the selected economies has a score", transform=ax.transAxes, ha="center")
        missing = sorted(set(selected) - set(wide.columns))
        note = f"{year}." + (f" No score for {', '.join(missing)}." if missing else "")
        return finish(fig, f"{title}: profiles of selected economies", note=note)


def group_means(scores: pd.DataFrame, groups: pd.DataFrame, *, root: str, by: str) -> pd.DataFrame:
    """Mean score of ``root`` per year and group (``by``: "region" or "income_group" of that year).

    Returns year, group, mean, n (economies with a score): an unweighted mean over economies.
    """
    data = scores[scores["node"] == root].merge(groups[["iso3", "year", by]], on=["iso3", "year"], how="left")
    data = data[data[by].fillna("") != ""]
    out = data.groupby(["year", by]).agg(mean=("score", "mean"), n=("score", "size")).reset_index()
    return out.rename(columns={by: "group"})


def trends_figure(scores: pd.DataFrame, groups: pd.DataFrame, *, root: str, title: str) -> plt.Figure:
    """The index's mean score over time by World Bank region and by income group (of each year)."""
    with house_style():
        fig, axes = plt.subplots(1, 2, figsize=(10, 5), sharey=True)
        for ax, by, heading in ((axes[0], "region", "by region"), (axes[1], "income_group", "by income group")):
            means = group_means(scores, groups, root=root, by=by)
            order = INCOME_ORDER if by == "income_group" else sorted(means["group"].unique())
            for k, g in enumerate(o for o in order if o in set(means["group"])):
                part = means[means["group"] == g]
                label = INCOME_NAMES.get(g, g) if by == "income_group" else g
                ax.plot(
                    part["year"],
                    part["mean"],
                    marker="o",
                    markersize=2.5,
                    color=CATEGORICAL[k % 8],
                    label=f"{label} (n={int(part['n'].max())})",
                )
            ax.set_title(heading, loc="left")
            ax.set_xlabel("year")
            year_axis(ax)
            ax.legend(loc="upper left", bbox_to_anchor=(0, -0.14), ncol=2)
        axes[0].set_ylabel("mean index score (0-100)")
        note = "Unweighted means over the economies with a score; income group of each year (World Bank history)."
        return finish(fig, f"{title}: trends", note=note)


def tile_map_figure(
    scores: pd.DataFrame,
    economies: pd.DataFrame,
    tiles: pd.DataFrame,
    *,
    root: str,
    title: str,
    year: int | None = None,
) -> plt.Figure:
    """The index in ``year`` (default: latest) on a world tile grid: one square per economy, no shapefile.

    ``tiles`` has iso3, x, y (grid coordinates from the top left); only the World Bank
    economies' squares are drawn. Squares without a score are grey; economies with a score
    but no square are listed under the map.
    """
    tiles = tiles[tiles["iso3"].isin(economies.loc[economies["wb"].astype(bool), "iso3"])]
    year = latest_year(scores, root) if year is None else year
    value = scores[(scores["node"] == root) & (scores["year"] == year)].set_index("iso3")["score"]
    cmap = plt.get_cmap(SEQUENTIAL)
    with house_style():
        fig, ax = plt.subplots(figsize=(8, 7.6))
        for t in tiles.itertuples():
            v = value.get(t.iso3, np.nan)
            face = "0.88" if np.isnan(v) else cmap(v / 100)
            ax.add_patch(plt.Rectangle((t.x, -t.y), 0.94, 0.94, facecolor=face, edgecolor="white", linewidth=0.4))
            dark = not np.isnan(v) and v < 55
            ax.text(
                t.x + 0.47,
                -t.y + 0.47,
                t.iso3,
                ha="center",
                va="center",
                fontsize=4.2,
                color="white" if dark else "0.15",
            )
        ax.set_xlim(-0.5, tiles["x"].max() + 1.5)
        ax.set_ylim(-tiles["y"].max() - 0.2, 1.1)
        ax.set_aspect("equal")
        ax.axis("off")
        sm = plt.cm.ScalarMappable(cmap=cmap, norm=plt.Normalize(0, 100))
        bar = fig.colorbar(sm, ax=ax, orientation="horizontal", fraction=0.035, pad=0.02, aspect=40)
        bar.set_label(f"index score in {year} (0-100); grey: no score")
        off = sorted(set(value.index) - set(tiles["iso3"]))
        names = economy_names(economies)
        note = f"{len(value)} economies with a score; squares after J. Schwabish's World Tile Grid Map (CC BY-SA 4.0)."
        if off:
            note += f" Not on the grid: {', '.join(names.get(c, c) for c in off)}."
        return finish(fig, f"{title}: map, {year}", note=note, top=0.95, bottom=0.07)
