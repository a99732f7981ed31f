"""The masking-experiment figure, and the deterministic PNG/PDF writer every figure uses."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from scripts.core.plotting import plt, save
from scripts.impute.accuracy_figure import ROLE_TITLES, draw_accuracy_figure


def accuracy() -> pd.DataFrame:
    rows = []
    for role in ("readiness", "outcome"):
        for method, base, rmse in (
            ("interpolate+carry", False, 0.3),
            ("group_median", False, 0.6),
            ("locf", True, 0.4),
            ("global_mean", True, 1.0),
        ):
            rows.append(
                {
                    "method": method,
                    "baseline": base,
                    "role": role,
                    "indicator": "all",
                    "cells": "all",
                    "n_masked": 120,
                    "rmse_sd": rmse,
                }
            )
    # Rows the figure must leave out: per indicator, per cell kind, and pooled over roles.
    rows.append(
        {
            "method": "x",
            "baseline": False,
            "role": "readiness",
            "indicator": "r1",
            "cells": "all",
            "n_masked": 1,
            "rmse_sd": 9.0,
        }
    )
    rows.append(
        {
            "method": "x",
            "baseline": False,
            "role": "all",
            "indicator": "all",
            "cells": "all",
            "n_masked": 1,
            "rmse_sd": 9.0,
        }
    )
    return pd.DataFrame(rows)


def test_one_panel_per_role_with_the_chain_in_use_labelled() -> None:
    chosen = pd.DataFrame({"role": ["readiness", "outcome"], "chain": ["interpolate+carry", "group_median"]})
    fig = draw_accuracy_figure(accuracy(), chosen)
    axes = fig.get_axes()
    assert [a.get_title(loc="left") for a in axes] == [
        f"{ROLE_TITLES[r]} (120 hidden cells)" for r in ("readiness", "outcome")
    ]
    labels = [[t.get_text() for t in a.texts] for a in axes]
    assert "0.30  (in use)" in labels[0] and "0.60  (in use)" in labels[1]
    assert [t.get_text() for t in axes[0].get_yticklabels()] == [
        "baseline: global mean",
        "group median",
        "baseline: last value carried",
        "interpolate > carry nearest",
    ]
    assert axes[0].get_xlim()[1] == pytest.approx(1.25)  # the widest bar of either panel, plus room for its label
    plt.close(fig)


def test_save_writes_identical_bytes_twice_and_nothing_on_failure(tmp_path: Path) -> None:
    def draw() -> plt.Figure:
        fig, ax = plt.subplots()
        ax.plot([1, 2, 3], [3, 1, 2])
        return fig

    save(draw(), tmp_path / "a.png", tmp_path / "a.pdf")
    first = (tmp_path / "a.png").read_bytes(), (tmp_path / "a.pdf").read_bytes()
    save(draw(), tmp_path / "a.png", tmp_path / "a.pdf")
    assert first == ((tmp_path / "a.png").read_bytes(), (tmp_path / "a.pdf").read_bytes())
    broken = draw()

    def fail_half_way(target: Path, **kwargs: object) -> None:
        Path(target).write_bytes(b"\x89PNG half a file")
        raise OSError("disk full")

    broken.savefig = fail_half_way  # type: ignore[method-assign]
    with pytest.raises(OSError, match="disk full"):
        save(broken, tmp_path / "b.png", tmp_path / "b.pdf")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.pdf", "a.png"]  # no b.png, no temporary file


def test_each_panel_counts_the_hidden_cells_per_step_of_the_chain_in_use() -> None:
    chosen = pd.DataFrame({"role": ["readiness", "outcome"], "chain": ["interpolate+carry", "group_median"]})
    steps = pd.DataFrame(
        [
            ("interpolate+carry", "readiness", "interpolate", 1, "all", 1200, True),
            ("interpolate+carry", "readiness", "carry", 2, "all", 5, False),
            ("interpolate+carry", "readiness", "carry", 2, "end", 5, False),
            ("group_median", "outcome", "group_median", 1, "all", 80, True),
        ],
        columns=["method", "role", "step", "position", "cells", "n", "measured"],
    ).assign(min_cells=50)
    fig = draw_accuracy_figure(accuracy(), chosen, steps)
    notes = [[t.get_text() for t in a.texts if "per step" in t.get_text()] for a in fig.get_axes()]
    assert [n.replace("\n", " ") for n in notes[0]] == [
        "hidden cells filled per step of the chain in use: interpolate 1,200, carry nearest 5* "
        "* measured on fewer than 50 hidden cells"
    ]
    assert notes[1] == ["hidden cells filled per step of the chain in use: group median 80"]
    plt.close(fig)
