"""The alternative chains: each experiment-chosen role on its k-th runner-up; configured chains stay."""

from __future__ import annotations

import numpy as np
import pandas as pd

from scripts.impute.alternatives import alternative_chains
from scripts.impute.masking import chain_rmse, ranked_chains, recommend_methods
from scripts.impute.settings import chains_from_table


def _accuracy() -> pd.DataFrame:
    rows = [
        # method, baseline, role, cells, coverage, rmse_sd, mae_sd
        ("a", False, "use", "weighted", 1.0, 0.30, 0.2),
        ("b", False, "use", "weighted", 1.0, 0.20, 0.2),
        ("c", False, "use", "weighted", 1.0, 0.25, 0.1),
        ("c", False, "use", "all", 1.0, 0.01, 0.1),  # the weighted rows rank a role that has them
        ("d", False, "use", "weighted", 0.5, 0.01, 0.1),  # too little coverage to compete
        ("mean", True, "use", "weighted", 1.0, 0.02, 0.1),  # baselines never compete
        ("a", False, "readiness", "all", 1.0, 0.4, 0.3),
        ("b", False, "control", "all", 1.0, 0.4, 0.3),
    ]
    acc = pd.DataFrame(rows, columns=["method", "baseline", "role", "cells", "coverage", "rmse_sd", "mae_sd"])
    return acc.assign(indicator="all")


def test_chains_are_ranked_as_the_recommendation_ranks_them() -> None:
    acc = _accuracy()
    ranked = ranked_chains(acc)
    assert ranked == {"control": ["b"], "readiness": ["a"], "use": ["b", "c", "a"]}
    assert recommend_methods(acc) == {role: chains[0] for role, chains in ranked.items()}
    assert chain_rmse(acc)[("use", "c")] == 0.25


def test_alternatives_take_the_runners_up_and_keep_configured_chains() -> None:
    acc = _accuracy()
    methods = pd.DataFrame(
        {
            "role": ["use", "readiness", "control", "outcome"],
            "chain": ["b", "a", "x+y", "interpolate"],
            "chosen_by": ["masking experiment", "masking experiment", "config", "config"],
        }
    )
    table = alternative_chains(methods, ranked_chains(acc), chain_rmse(acc), 3)
    assert sorted(table["alternative"].unique()) == [0, 1, 2, 3]
    assert chains_from_table(table[table["alternative"] == 0]) == {
        "use": ["b"],
        "readiness": ["a"],
        "control": ["x", "y"],
        "outcome": ["interpolate"],
    }
    use = table[table["role"] == "use"].set_index("alternative")
    assert use["chain"].tolist() == ["b", "c", "a", "a"]  # fewer runners-up than alternatives: the last stays
    assert use["rank"].tolist() == [1, 2, 3, 3]
    np.testing.assert_array_equal(use["rmse_sd"], [0.20, 0.25, 0.30, 0.30])
    # readiness has no runner-up and control is configured: the same chain in every alternative
    assert set(table.loc[table["role"] == "readiness", "chain"]) == {"a"}
    control = table[table["role"] == "control"]
    assert set(control["chain"]) == {"x+y"} and (control["rank"] == 0).all() and control["rmse_sd"].isna().all()
