"""Figures of the models stage: the forest plot across outcomes, the specification curve, ICT vs an outcome.

Computed from the models' published tables (COEFFICIENTS, MODEL_OUTCOMES) and, for the
scatter, the observed outcome and the index's point scores. Wording: associations.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from scripts.core.plotting import plt
from scripts.models.fe import Sample, absorb
from scripts.publish.labels import short
from scripts.publish.style import CATEGORICAL, finish, house_style

#: Colours of the outcome bases (measured values vs publishers' modelled estimates).
BASIS_COLOURS = {"measured": CATEGORICAL[0], "modelled estimate": CATEGORICAL[1]}


def _std_interval(rows: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """The 95% interval on the standardised scale (the interval times the same factor as the estimate)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(rows["estimate"] != 0, rows["std_estimate"] / rows["estimate"], 0.0)
    return rows["ci_low"].to_numpy() * factor, rows["ci_high"].to_numpy() * factor


def forest_figure(coef: pd.DataFrame, names: Mapping[str, str], measure: str, alpha: float) -> plt.Figure:
    """Headline standardised estimate and 95% interval of ``measure`` for every outcome, by goal.

    Filled markers are significant after the FDR adjustment; colour says whether the
    outcome's values are measured or modelled estimates.
    """
    rows = coef[coef["headline"] & (coef["measure"] == measure)].sort_values(["goal", "outcome"], ascending=False)
    lo, hi = _std_interval(rows)
    with house_style():
        fig, ax = plt.subplots(figsize=(7, 0.22 * len(rows) + 1.6))
        y = np.arange(len(rows))
        colours = [BASIS_COLOURS.get(b, "0.4") for b in rows["basis"]]
        ax.hlines(y, lo, hi, colors=colours, linewidth=1.2)
        for yi, (est, sig, c) in enumerate(zip(rows["std_estimate"], rows["significant"], colours)):
            ax.plot(est, yi, "o", color=c, markerfacecolor=c if sig else "white", markersize=4.5)
        ax.axvline(0, color="0.3", linewidth=0.6)
        labels = [
            f"{short(names.get(o, o), 42)} [{g.replace('goal', 'G')}]" for o, g in zip(rows["outcome"], rows["goal"])
        ]
        ax.set_yticks(y, labels, fontsize=6)
        ax.set_ylim(-0.7, len(rows) - 0.3)
        ax.set_xlabel(f"standardised association: outcome SDs per SD of {measure} (within economies)")
        for basis, c in BASIS_COLOURS.items():
            ax.plot([], [], "o", color=c, label=basis)
        ax.plot([], [], "o", color="0.3", markerfacecolor="0.3", label=f"q < {alpha:g} (BH)")
        ax.plot([], [], "o", color="0.3", markerfacecolor="white", label="not significant")
        ax.legend(loc="lower right", fontsize=6)
        measure_used = rows["measure_used"].unique()
        note = (
            "Headline model: two-way fixed effects, ICT lagged, controls, errors clustered by economy, pooled over "
            "imputed draws (Rubin). Associations, not effects. Outcome-disjoint variants where the index overlaps: "
            + ", ".join(sorted(m for m in measure_used if m != measure))
            if len(measure_used) > 1
            else "Headline model: two-way fixed effects, ICT lagged, controls, errors clustered by economy, pooled "
            "over imputed draws (Rubin). Associations, not effects."
        )
        return finish(fig, f"How {measure} is associated with each MDG outcome", note=note, top=0.975, bottom=0.06)


def spec_curve_figure(coef: pd.DataFrame, outcome: str, name: str, measure: str) -> plt.Figure:
    """Every specification of one outcome and measure, sorted by estimate, with what each specification is."""
    rows = coef[
        (coef["outcome"] == outcome)
        & (coef["measure"] == measure)
        & (coef["model"] == "main")
        & (coef["term"] == "ict")
    ]
    rows = rows.sort_values("std_estimate", ignore_index=True)
    lo, hi = _std_interval(rows)
    with house_style():
        fig, (top, bottom) = plt.subplots(
            2, 1, figsize=(7, 5.4), sharex=True, gridspec_kw={"height_ratios": [2.2, 1.6]}, layout="constrained"
        )
        x = np.arange(len(rows))
        colour = np.where(rows["significant"], CATEGORICAL[3], "0.6")
        top.vlines(x, lo, hi, colors=colour, linewidth=0.6)
        top.scatter(x, rows["std_estimate"], c=colour, s=6, zorder=3)
        top.axhline(0, color="0.3", linewidth=0.6)
        head = rows.index[rows["headline"]]
        if len(head):
            top.scatter(
                head, rows.loc[head, "std_estimate"], marker="D", s=22, facecolor="none", edgecolor="black", zorder=4
            )
        top.set_ylabel("standardised estimate, 95% CI")
        top.plot([], [], "o", color=CATEGORICAL[3], label="q < alpha (BH, per specification)")
        top.plot([], [], "o", color="0.6", label="not significant")
        top.plot([], [], "D", markerfacecolor="none", color="black", label="headline")
        top.legend(loc="upper left", fontsize=6)
        features = (
            [("estimator", v) for v in sorted(rows["estimator"].unique())]
            + [("controls", v) for v in sorted(rows["controls"].unique())]
            + [("lag", v) for v in sorted(rows["lag"].unique())]
            + [("se_type", v) for v in sorted(rows["se_type"].unique())]
        )
        for j, (col, val) in enumerate(features):
            on = np.flatnonzero(rows[col].to_numpy() == val)
            bottom.scatter(on, np.full(on.size, j), s=3, color="0.2", marker="|")
        short_names = {"estimator": "", "controls": "", "lag": "lag ", "se_type": "SE "}
        bottom.set_yticks(range(len(features)), [f"{short_names[c]}{v}" for c, v in features], fontsize=6)
        bottom.set_ylim(len(features) - 0.5, -0.5)
        bottom.set_xlabel("specifications, sorted by estimate")
        bottom.grid(False)
        note = (
            f"{len(rows)} specifications (lags, control sets, estimators, SE types) of {measure} for {name}, each "
            "pooled over the imputed draws. A conclusion that holds across the curve does not rest on one chosen "
            "specification. Associations, not effects."
        )
        return finish(fig, f"Specification curve: {short(name, 60)} and {measure}", note=note, top=0.95, bottom=0.12)


def within_relation(y: pd.Series, x: pd.Series) -> pd.DataFrame:
    """Economy-years with both values, their levels and their values net of economy and year effects.

    ``y`` and ``x`` are indexed by (iso3, year). Returns columns iso3, year, y, x, y_within,
    x_within (two-way demeaned on the common sample, no controls).
    """
    both = pd.concat({"y": y, "x": x}, axis=1).dropna().sort_index()
    iso3 = both.index.get_level_values(0)
    year = both.index.get_level_values(1)
    sample = Sample(pd.factorize(iso3, sort=True)[0], pd.factorize(year, sort=True)[0])
    z = absorb(sample, both[["y", "x"]].to_numpy(), entity_effects=True)
    return pd.DataFrame(
        {
            "iso3": iso3,
            "year": year,
            "y": both["y"].to_numpy(),
            "x": both["x"].to_numpy(),
            "y_within": z[:, 0],
            "x_within": z[:, 1],
        }
    )


def scatter_figure(rel: pd.DataFrame, outcome_name: str, measure: str, lag: int) -> plt.Figure:
    """Levels of the outcome against the lagged measure (between economies) and the within-economy relation."""
    with house_style():
        fig, (left, right) = plt.subplots(1, 2, figsize=(8, 3.6))
        left.scatter(rel["x"], rel["y"], s=3, alpha=0.35, color=CATEGORICAL[0], linewidths=0)
        left.set_xlabel(f"{measure} (t-{lag})")
        left.set_ylabel(short(outcome_name, 48))
        left.set_title("Levels: mostly differences between economies", loc="left", fontsize=8)
        right.scatter(rel["x_within"], rel["y_within"], s=3, alpha=0.35, color=CATEGORICAL[1], linewidths=0)
        xw, yw = rel["x_within"].to_numpy(), rel["y_within"].to_numpy()
        slope = float(xw @ yw / (xw @ xw)) if (xw @ xw) > 0 else np.nan
        grid = np.linspace(xw.min(), xw.max(), 2)
        right.plot(grid, slope * grid, color="black", linewidth=1, label=f"slope {slope:.3g}")
        right.legend(loc="upper right")
        right.set_xlabel(f"{measure} (t-{lag}), net of economy and year effects")
        right.set_ylabel("outcome, net of economy and year effects")
        right.set_title("Within economies, net of common year shocks", loc="left", fontsize=8)
        note = (
            f"{len(rel)} economy-years with the outcome observed. The right panel is the two-way fixed-effects "
            "relation without controls (the models add them): an association within economies over time, not an effect."
        )
        return finish(fig, f"{short(outcome_name, 60)} and {measure}", note=note, top=0.93, bottom=0.14)
