"""Figures of the digital divide (results/07_divide): Lorenz curves, Theil decomposition, gaps, convergence,
time distance and the gender gap.

Every function takes tables of the divide stage and returns a matplotlib Figure in the
house style (:mod:`scripts.publish.style`), one panel per measure; the publishing rule
saves each as PNG and PDF.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib.ticker import FuncFormatter, NullFormatter

from scripts.core.plotting import plt
from scripts.core.vocabulary import INDEX_MEASURE_PREFIX
from scripts.divide.inequality import lorenz
from scripts.publish.style import CATEGORICAL, INCOME_NAMES, INCOME_ORDER, colours, finish, house_style, year_axis


def measure_names(measures: Sequence[str], catalogue: pd.DataFrame) -> dict[str, str]:
    """Measure -> its catalogue name (which states the unit); "index:ict" -> "Composite index 'ict' (score)"."""
    names = dict(zip(catalogue["indicator"], catalogue["name"]))
    prefix = len(INDEX_MEASURE_PREFIX)
    return {
        m: f"Composite index '{m[prefix:]}' (score)" if m.startswith(INDEX_MEASURE_PREFIX) else str(names.get(m, m))
        for m in measures
    }


def _legend_on_top(fig: plt.Figure, ax: plt.Axes, ncol: int = 4) -> None:
    """One legend for the whole figure, under its title, from the entries of ``ax``."""
    handles, labels = ax.get_legend_handles_labels()
    fig.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, 0.955), ncol=ncol, fontsize=7)


def _grid(n: int, height: float = 2.9) -> tuple[plt.Figure, np.ndarray]:
    cols = min(n, 2)
    rows = int(np.ceil(n / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(7.5, height * rows + 0.6), squeeze=False)
    for ax in axes.flat[n:]:
        ax.set_visible(False)
    return fig, axes.flat


def _title(ax: plt.Axes, name: str) -> None:
    ax.set_title(textwrap.fill(name, 46), fontsize=8, loc="left")


def _basis_of(table: pd.DataFrame, measure: str, basis: str) -> pd.DataFrame:
    """The rows of ``measure`` on ``basis``, or on the basis it has (an index has only with_imputed)."""
    rows = table[table["measure"] == measure]
    return rows[rows["basis"] == basis] if (rows["basis"] == basis).any() else rows


def lorenz_figure(values: pd.DataFrame, inequality: pd.DataFrame, names: Mapping[str, str], basis: str) -> plt.Figure:
    """Lorenz curves of each measure in its first and last year, between economies and between people."""
    measures = list(names)
    with house_style():
        fig, axes = _grid(len(measures))
        for ax, m in zip(axes, measures):
            v = _basis_of(values, m, basis)
            v = v[v["value"].notna()]
            ax.plot([0, 1], [0, 1], color="0.6", linewidth=0.6, linestyle=":", label="equality")
            if v.empty:
                _title(ax, names[m])
                continue
            years = sorted(v["year"].unique())
            for year, colour in ((years[0], CATEGORICAL[1]), (years[-1], CATEGORICAL[0])):
                y = v[v["year"] == year]
                ineq = _basis_of(inequality, m, basis)
                for weighting, style in (("economies", "-"), ("people", "--")):
                    rows = y if weighting == "economies" else y[y["population"] > 0]
                    w = np.ones(len(rows)) if weighting == "economies" else rows["population"].to_numpy(float)
                    if rows["value"].sum() <= 0:
                        continue
                    px, py = lorenz(rows["value"].to_numpy(float), w)
                    g = ineq[(ineq["year"] == year) & (ineq["weighting"] == weighting) & (ineq["statistic"] == "gini")]
                    gini = f", Gini {g['value'].iloc[0]:.2f}" if len(g) else ""
                    ax.plot(px, py, style, color=colour, linewidth=1.1, label=f"{year}, {weighting}{gini}")
            ax.set_xlim(0, 1)
            ax.set_ylim(0, 1)
            ax.set_xlabel("cumulative share of economies (solid) or people (dashed)")
            ax.set_ylabel("cumulative share of the total")
            ax.legend(loc="upper left", fontsize=6)
            _title(ax, names[m])
        note = (
            "Economies sorted from the lowest to the highest value; the further a curve bows below the diagonal, the "
            f"more unequal the measure. Values: {basis.replace('_', ' ')} (an index rests on imputed inputs)."
        )
        return finish(fig, "Digital divide: Lorenz curves of the first and last year", note=note, top=0.97, bottom=0.1)


def decomposition_figure(decomposition: pd.DataFrame, names: Mapping[str, str], basis: str) -> plt.Figure:
    """Theil T between economies over time, split into within- and between-group parts (income groups, regions)."""
    measures = list(names)
    with house_style():
        fig, axes = _grid(len(measures))
        for ax, m in zip(axes, measures):
            d = _basis_of(decomposition, m, basis)
            d = d[(d["statistic"] == "theil_t") & (d["weighting"] == "economies")]
            inc = d[d["grouping"] == "income_group"].sort_values("year")
            reg = d[d["grouping"] == "region"].sort_values("year")
            if not inc.empty:
                ax.stackplot(
                    inc["year"],
                    inc["between"],
                    inc["within"],
                    colors=[CATEGORICAL[0], "#BFD7EA"],
                    labels=["between income groups", "within income groups"],
                )
            if not reg.empty:
                ax.plot(reg["year"], reg["between"], color=CATEGORICAL[1], linewidth=1.4, label="between regions")
            ax.set_ylabel("Theil T (nats)")
            ax.set_ylim(bottom=0)
            year_axis(ax)
            _title(ax, names[m])
        _legend_on_top(fig, axes[0], ncol=3)
        note = (
            "Theil T between economies (each counts once), split exactly into inequality within groups and between "
            "group means. Income groups as divide.income_groups sets them (by default each economy's group in the "
            "first year, so the groups do not change over time)."
        )
        return finish(
            fig, "Digital divide: how much lies between income groups and regions", note=note, top=0.93, bottom=0.1
        )


def gaps_figure(gaps: pd.DataFrame, names: Mapping[str, str], basis: str) -> plt.Figure:
    """Absolute gaps (top row of each panel pair) and ratios of high- vs low-income and top vs bottom economies."""
    measures = list(names)
    with house_style():
        fig, axes = plt.subplots(2, len(measures), figsize=(2.6 * len(measures) + 0.6, 5.2), squeeze=False)
        for k, m in enumerate(measures):
            g = _basis_of(gaps, m, basis)
            g = g[g["weighting"] == "economies"]
            top, bottom = axes[0, k], axes[1, k]
            for colour, (comparison, rows) in zip(colours(2), g.groupby("comparison", sort=True)):
                rows = rows.sort_values("year")
                top.plot(rows["year"], rows["absolute_gap"], color=colour, linewidth=1.3, label=comparison)
                ok = rows["ratio"].notna()
                bottom.plot(rows.loc[ok, "year"], rows.loc[ok, "ratio"], color=colour, linewidth=1.3)
            top.set_title(textwrap.fill(names[m], 34), fontsize=7.5, loc="left")
            top.set_ylabel("absolute gap (measure's unit)" if k == 0 else "")
            ratios = g["ratio"].dropna()
            if len(ratios) and ratios.max() / max(ratios.min(), 1e-12) > 20:  # spans decades: a log axis
                bottom.set_yscale("log")
                bottom.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
                bottom.yaxis.set_minor_formatter(NullFormatter())
                bottom.set_ylabel("ratio upper / lower (log scale)")
            else:
                bottom.set_ylim(0, max(float(ratios.max()) * 1.1, 1.5) if len(ratios) else 2)
                bottom.set_ylabel("ratio upper / lower")
            bottom.axhline(1, color="0.6", linewidth=0.6, linestyle=":")
            for ax in (top, bottom):
                year_axis(ax)
        _legend_on_top(fig, axes[0, 0], ncol=2)
        note = (
            "Top: difference between the groups' mean values; bottom: their ratio. A falling ratio with a rising "
            "difference means the lower group grows faster in proportion yet falls further behind in units. "
            "Top vs bottom economies: the highest and lowest share of economies each year (divide.decile_share, "
            "10% by default)."
        )
        return finish(fig, "Digital divide: absolute and relative gaps", note=note, top=0.92, bottom=0.1)


def convergence_figure(
    values: pd.DataFrame, beta: pd.DataFrame, names: Mapping[str, str], basis: str, groups: pd.Series
) -> plt.Figure:
    """Annual log growth against the log of the starting level, by income group, with the unconditional fit."""
    measures = list(names)
    with house_style():
        fig, axes = _grid(len(measures))
        for ax, m in zip(axes, measures):
            v = _basis_of(values, m, basis)
            v = v[v["value"] > 0]
            _title(ax, names[m])
            if v.empty:
                continue
            first, last = int(v["year"].min()), int(v["year"].max())
            wide = v.pivot_table(index="iso3", columns="year", values="value")
            if first not in wide or last not in wide:
                continue
            wide = wide[[first, last]].dropna()
            start = np.log(wide[first])
            growth = (np.log(wide[last]) - start) / (last - first)
            grp = groups.reindex(wide.index).fillna("")
            for colour, code in zip(colours(4), INCOME_ORDER):
                sel = (grp == code).to_numpy()
                ax.scatter(start[sel], growth[sel], s=7, color=colour, alpha=0.8, label=INCOME_NAMES[code])
            b = _basis_of(beta, m, basis)
            b = b[(b["transform"] == "log") & (b["specification"] == "unconditional")]
            if len(b):
                row = b.iloc[0]
                slope = row["beta"]
                xs = np.linspace(start.min(), start.max(), 20)
                ax.plot(xs, growth.mean() + slope * (xs - start.mean()), color="0.2", linewidth=1)
                life = f", half-life {row['half_life']:.1f} y" if np.isfinite(row["half_life"]) else ""
                ax.text(
                    0.98,
                    0.95,
                    f"beta {slope:.3f} [{row['ci_low']:.3f}, {row['ci_high']:.3f}]{life}, n={int(row['n'])}",
                    transform=ax.transAxes,
                    ha="right",
                    va="top",
                    fontsize=6,
                )
            ax.set_xlabel(f"log of the value in {first}")
            ax.set_ylabel(f"annual log growth {first}-{last}")

        note = (
            "Each dot is an economy (income group of the first year); the line is the unconditional beta-convergence "
            "fit, labelled with its 95% interval (HC1 SEs). A negative slope: economies that started lower "
            "grew faster. Economies with a value of 0 in the first year have no log and are left out."
        )
        _legend_on_top(fig, axes[0])
        return finish(fig, "Digital divide: beta-convergence", note=note, top=0.93, bottom=0.1)


def time_distance_figure(distance: pd.DataFrame, names: Mapping[str, str]) -> plt.Figure:
    """Years behind the reference in the last year, per economy, by income group (censored distances hollow)."""
    measures = list(names)
    with house_style():
        fig, axes = _grid(len(measures))
        rng = np.random.default_rng(0)  # vertical jitter only, fixed for identical bytes
        for ax, m in zip(axes, measures):
            d = distance[distance["measure"] == m]
            _title(ax, names[m])
            if d.empty:
                continue
            year = int(d["year"].max())
            d = d[d["year"] == year]
            counts = d["status"].value_counts()
            for k, code in enumerate(INCOME_ORDER):
                g = d[d["income_group"] == code]
                defined = g[g["status"] == "defined"]
                censored = g[g["at_least"].notna()]
                jitter = rng.uniform(-0.25, 0.25, len(g))
                ax.scatter(defined["time_distance"], k + jitter[: len(defined)], s=7, color=colours(4)[k])
                ax.scatter(
                    censored["at_least"],
                    k + jitter[len(defined) : len(defined) + len(censored)],
                    s=9,
                    facecolors="none",
                    edgecolors=colours(4)[k],
                    linewidths=0.6,
                )
            ax.set_yticks(range(len(INCOME_ORDER)), [INCOME_NAMES[c].replace(" income", "") for c in INCOME_ORDER])
            ax.axvline(0, color="0.6", linewidth=0.6, linestyle=":")
            ahead = int(counts.get("reference never reached", 0))
            ax.set_xlabel(
                f"years behind the reference in {year}\n({ahead} economies above its highest level: not shown)"
            )
        reference = str(distance["reference"].iloc[0]).replace("_", " ") if len(distance) else ""
        note = (
            f"Time distance: how many years ago the reference ({reference}) was at the economy's current level. "
            "Hollow: the reference was above that level already in the first year, so the distance is at least this."
        )
        return finish(fig, "Digital divide: how many years behind, by income group", note=note, top=0.97, bottom=0.1)


def gender_figure(gender: pd.DataFrame, coverage: pd.DataFrame) -> plt.Figure:
    """Women's against men's Internet use per economy (latest year), coloured by region, with the parity line."""
    with house_style():
        fig, (ax, bx) = plt.subplots(1, 2, figsize=(7.5, 3.6), gridspec_kw={"width_ratios": [1.2, 1]})
        latest = gender.sort_values("year").groupby("iso3").tail(1)
        regions = sorted(r for r in latest["region"].unique() if r)
        for colour, region in zip(colours(len(regions)), regions):
            g = latest[latest["region"] == region]
            ax.scatter(g["male"], g["female"], s=8, color=colour, label=region)
        ax.plot([0, 100], [0, 100], color="0.5", linewidth=0.6, linestyle=":")
        ax.set_xlim(0, 102)
        ax.set_ylim(0, 102)
        ax.set_xlabel("men using the Internet (% of men)")
        ax.set_ylabel("women using the Internet (% of women)")
        ax.legend(loc="upper left", fontsize=5.5)
        ax.set_title("Below the diagonal: fewer women than men online", fontsize=7.5, loc="left")
        by_income = coverage[coverage["grouping"] == "income_group"].set_index("group").reindex(list(INCOME_ORDER))
        y = np.arange(len(INCOME_ORDER))
        bx.barh(y, by_income["median_gap"], color=colours(4))
        labels = [
            f"{INCOME_NAMES[c]}\n({int(n)} of {int(a)} economies)" if pd.notna(n) else INCOME_NAMES[c]
            for c, n, a in zip(INCOME_ORDER, by_income["n_economies"], by_income["n_analysis_economies"])
        ]
        bx.set_yticks(y, labels, fontsize=6)
        bx.axvline(0, color="0.4", linewidth=0.6)
        bx.set_xlim(
            min(0.0, float(by_income["median_gap"].min()) * 1.15), max(0.5, float(by_income["median_gap"].max()) * 1.15)
        )
        bx.set_xlabel("median gap, women - men (percentage points)")
        bx.set_title("Median gap by current income group", fontsize=7.5, loc="left")
        overall = coverage[coverage["grouping"] == "all"]
        span = f"{int(overall['first_year'].iloc[0])}-{int(overall['last_year'].iloc[0])}" if len(overall) else ""
        note = (
            f"ITU household surveys, one latest year per economy ({span}): a snapshot of levels, not a trend. "
            f"{len(latest)} economies covered; {int(latest['snapshot'].sum())} have a single year."
        )
        return finish(fig, "The gender gap in Internet use", note=note, bottom=0.12)
