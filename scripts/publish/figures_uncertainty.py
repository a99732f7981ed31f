"""Figures of the uncertainty stage: the Sobol' indices of the uncertain inputs, with intervals and convergence.

Takes the SOBOL and SOBOL_CONVERGENCE tables (results/05_uncertainty/<index>/) and
returns a matplotlib Figure in the house style (:mod:`scripts.publish.style`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from scripts.core.plotting import plt
from scripts.publish.style import CATEGORICAL, finish, house_style

#: Readable names of the uncertain inputs (vocabulary.UNCERTAIN_INPUTS).
INPUT_NAMES = {
    "imputation": "Imputation draw",
    "imputation_chain": "Imputation chain",
    "treatment": "Outlier treatment",
    "normalisation": "Normalisation",
    "weights": "Weights (+/- spread)",
    "aggregation": "Aggregation",
    "leave_one_out": "Indicator left out",
}


def sobol_figure(sobol: pd.DataFrame, convergence: pd.DataFrame, *, title: str, year: int) -> plt.Figure:
    """Sobol' indices of the mean absolute rank shift (bars with confidence intervals) and their convergence.

    Left: first-order and total index of every input, largest total first, with the
    bootstrap confidence half-widths as error bars (shares of variance, 0-1). Right:
    the total index of every input against the number of base samples N (log scale).
    """
    s = sobol[sobol["target"] == "mean_rank_shift"].sort_values("total", ascending=True)
    names = [INPUT_NAMES.get(i, i) for i in s["input"]]
    y = np.arange(len(s))
    with house_style():
        fig, (ax, cx) = plt.subplots(1, 2, figsize=(10, 0.45 * len(s) + 2.2), gridspec_kw={"width_ratios": [3, 2]})
        h = 0.38
        ax.barh(y + h / 2, s["total"], height=h, color=CATEGORICAL[0], label="total effect")
        ax.errorbar(s["total"], y + h / 2, xerr=s["total_conf"], fmt="none", ecolor="0.2", capsize=2, linewidth=0.8)
        ax.barh(y - h / 2, s["first_order"], height=h, color=CATEGORICAL[1], label="first order")
        ax.errorbar(
            s["first_order"], y - h / 2, xerr=s["first_order_conf"], fmt="none", ecolor="0.2", capsize=2, linewidth=0.8
        )
        ax.set_yticks(y, names)
        ax.axvline(0, color="0.5", linewidth=0.6)
        ax.set_xlabel("share of the variance of the mean absolute rank shift")
        ax.set_xlim(min(0.0, float((s["first_order"] - s["first_order_conf"]).min()) - 0.02), 1.0)
        ax.legend(loc="lower right", frameon=False)
        ax.set_title("Sobol' indices (bars: estimate; lines: confidence interval)", fontsize=8, loc="left")
        order = list(s["input"])[::-1]
        for k, name in enumerate(order):
            c = convergence[convergence["input"] == name].sort_values("base_samples")
            colour = CATEGORICAL[k % len(CATEGORICAL)]
            cx.plot(c["base_samples"], c["total"], marker="o", markersize=3, color=colour, label=INPUT_NAMES.get(name))
            cx.fill_between(
                c["base_samples"], c["total"] - c["total_conf"], c["total"] + c["total_conf"], color=colour, alpha=0.15
            )
        cx.set_xscale("log", base=2)
        ns = sorted(convergence["base_samples"].unique())
        cx.set_xticks(ns, [str(n) for n in ns])
        cx.set_xlabel("base samples N (log scale)")
        cx.set_ylabel("total effect")
        cx.set_ylim(bottom=0)
        cx.set_title("Convergence of the total effects", fontsize=8, loc="left")
        cx.legend(fontsize=6, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
        note = (
            f"Mean absolute rank shift against the published ranking, {year}; "
            f"N = {max(ns)} base samples of SALib's Sobol' design, bootstrap confidence intervals."
        )
        return finish(fig, f"{title}: which methodological choices move the ranking", note=note)
