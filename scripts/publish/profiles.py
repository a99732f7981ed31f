"""Country profiles: one page per economy with its index, its strengths and weaknesses, and its MDG outcomes.

A page (A4 portrait, PNG and PDF) shows the index and sub-index trends; the latest year's
contribution of each indicator to the index, with the economy's best and worst ranked
indicators; the rank band when the uncertainty stage made one; the share of the index's
data that is imputed rather than observed; and the trends of headline MDG outcomes.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from scripts.core.plotting import plt
from scripts.publish.style import CATEGORICAL, INCOME_NAMES, finish, house_style, year_axis


@dataclass(frozen=True)
class ProfileData:
    """What the profile pages are drawn from: one index's published tables plus the panel's outcomes.

    Attributes
    ----------
    scores, contributions, strengths:
        The index's SCORES, CONTRIBUTIONS and STRENGTHS tables.
    imputed:
        The point imputation (IMPUTED, draw 0) of the index's indicators.
    outcomes:
        Observed panel values (iso3, year, indicator, value) of the outcomes to show.
    economies:
        ECONOMIES (names, region, current income group).
    names:
        Display names of indicators and framework nodes.
    bands:
        Rank bands (iso3, year, rank_p05, median_rank, rank_p95), or None.
    """

    scores: pd.DataFrame
    contributions: pd.DataFrame
    strengths: pd.DataFrame
    imputed: pd.DataFrame
    outcomes: pd.DataFrame
    economies: pd.DataFrame
    names: Mapping[str, str]
    bands: pd.DataFrame | None = None


def imputed_share(imputed: pd.DataFrame, iso3: str, indicators: Sequence[str]) -> float:
    """Share (0-1) of the economy's cells of ``indicators`` that are imputed, not observed (missing cells excluded)."""
    cells = imputed[(imputed["iso3"] == iso3) & imputed["indicator"].isin(list(indicators))]
    filled = cells[cells["status"] != "missing"]
    return float((filled["status"] != "observed").mean()) if len(filled) else float("nan")


def profile_figure(
    data: ProfileData,
    iso3: str,
    *,
    root: str,
    sub_indices: Sequence[str],
    outcomes: Sequence[str],
    title: str,
    window: tuple[int, int],
) -> plt.Figure:
    """The profile page of ``iso3`` for the index ``root``; outcome trends are shown over ``window`` (first, last)."""
    info = data.economies.set_index("iso3").loc[iso3]
    mine = data.scores[data.scores["iso3"] == iso3]
    year = int(mine.loc[mine["node"] == root, "year"].max())
    names = data.names
    with house_style():
        fig = plt.figure(figsize=(8.27, 11.69), layout="constrained")
        grid = fig.add_gridspec(3, 2, height_ratios=[1, 1.15, 1.1])
        ax = fig.add_subplot(grid[0, 0])
        for k, node in enumerate([root, *sub_indices]):
            part = mine[mine["node"] == node].sort_values("year")
            ax.plot(
                part["year"],
                part["score"],
                color=CATEGORICAL[k],
                linewidth=2.2 if node == root else 1.2,
                label=textwrap.shorten(names.get(node, node), 50),
            )
        ax.set_title("index and sub-indices", loc="left")
        year_axis(ax)
        ax.set_ylabel("score (0-100)")
        ax.set_xlabel("year")
        ax.legend(loc="upper left", fontsize=6)

        ax = fig.add_subplot(grid[0, 1])
        ranks = mine[mine["node"] == root].sort_values("year")
        ax.plot(ranks["year"], ranks["rank"], color=CATEGORICAL[0], marker="o", markersize=2.5, label="rank")
        if data.bands is not None:
            band = data.bands[data.bands["iso3"] == iso3].sort_values("year")
            ax.fill_between(
                band["year"],
                band["rank_p05"],
                band["rank_p95"],
                color=CATEGORICAL[1],
                alpha=0.3,
                label="5th-95th percentile rank band",
            )
        ax.invert_yaxis()
        year_axis(ax)
        ax.set_title("rank among economies (1 = best)", loc="left")
        ax.set_xlabel("year")
        ax.legend(loc="lower right", fontsize=6)

        ax = fig.add_subplot(grid[1, :])
        c = data.contributions
        c = c[(c["iso3"] == iso3) & (c["year"] == year) & (c["node"] == root)].sort_values("contribution")
        s = data.strengths[(data.strengths["iso3"] == iso3) & (data.strengths["year"] == year)]
        kind = dict(zip(s["indicator"], s["kind"]))
        colour = [
            CATEGORICAL[2] if kind.get(i) == "strength" else CATEGORICAL[3] if kind.get(i) == "weakness" else "0.6"
            for i in c["indicator"]
        ]
        ax.barh([textwrap.fill(names.get(i, i), 34) for i in c["indicator"]], c["contribution"], color=colour)
        ax.tick_params(axis="y", labelsize=6)
        ax.set_xlabel(f"points contributed to the {year} index score (they add up to {c['contribution'].sum():.1f})")
        ax.set_title(f"contributions in {year} (green: its 3 best-ranked indicators; red: its 3 worst)", loc="left")
        ax.grid(axis="y", visible=False)

        inner = grid[2, :].subgridspec(2, (len(outcomes) + 1) // 2)
        obs = data.outcomes[data.outcomes["iso3"] == iso3]
        for k, ind in enumerate(outcomes):
            ax = fig.add_subplot(inner[k % 2, k // 2])
            part = obs[(obs["indicator"] == ind) & obs["year"].between(*window)].sort_values("year")
            ax.plot(part["year"], part["value"], marker="o", markersize=2, color=CATEGORICAL[5])
            ax.set_title(textwrap.fill(names.get(ind, ind), 28), fontsize=6, loc="left", fontweight="normal")
            ax.tick_params(labelsize=5)
            ax.set_xlim(window[0] - 0.5, window[1] + 0.5)
            year_axis(ax)
            if part.empty:
                ax.text(0.5, 0.5, "no observed data", ha="center", va="center", transform=ax.transAxes, fontsize=6)

        leaves = data.contributions.loc[data.contributions["node"] == root, "indicator"].unique()
        share = imputed_share(data.imputed, iso3, list(leaves))
        group = INCOME_NAMES.get(str(info["income_group"]), str(info["income_group"]))
        note = (
            f"{info['name']} ({iso3}), {info['region']}, {group}. Index data imputed rather than observed: "
            f"{share:.0%} of the economy's cells. Outcomes: observed values only."
        )
        return finish(fig, f"{title}: {info['name']}", note=note, top=0.96, bottom=0.05)


def headline_outcomes(catalogue: pd.DataFrame, wanted: Sequence[str]) -> list[str]:
    """The outcomes of ``wanted`` that the catalogue holds, in order (unknown ids are left out)."""
    known = set(catalogue.loc[catalogue["role"] == "outcome", "indicator"])
    return [w for w in wanted if w in known]


def economies_to_profile(selected: Sequence[str] | str, scores: pd.DataFrame, root: str) -> list[str]:
    """The economies of ``selected``, or every economy with a score when it is "all"."""
    if selected == "all":
        return sorted(scores.loc[scores["node"] == root, "iso3"].unique())
    present = set(scores.loc[scores["node"] == root, "iso3"])
    return [s for s in selected if s in present]
