"""Helpers of the uncertainty tests: the ASEM index prepared as the stage prepares one, and the ordinary path."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from scripts.core.config import load_yaml, validate_config
from scripts.index.framework import load_framework
from scripts.index.prepare import PreparedIndex, index_spec, run_index
from scripts.uncertainty.data import coinr_index
from scripts.uncertainty.inputs import Choices, InputSpace
from support import ROOT

ASEM = ROOT / "data" / "external" / "asem"


def merged_config(overlay: str) -> dict[str, Any]:
    """config/config.yaml with ``overlay`` (a path under the project) merged on top, validated."""

    def merge(base: dict, top: dict) -> dict:
        out = dict(base)
        for k, v in top.items():
            out[k] = merge(base[k], v) if isinstance(v, dict) and isinstance(base.get(k), dict) else v
        return out

    config = merge(load_yaml(ROOT / "config" / "config.yaml"), load_yaml(ROOT / overlay))
    return validate_config(config, project_root=ROOT)


def asem_prepared(settings: dict[str, Any]) -> PreparedIndex:
    """COINr's ASEM example (raw indicators, 63 missing cells) as a prepared index with ``settings``."""
    read = {"keep_default_na": False, "na_values": [""]}
    return coinr_index(pd.read_csv(ASEM / "iData.csv", **read), pd.read_csv(ASEM / "iMeta.csv", **read), settings)


def noisy_draws(wide: pd.DataFrame, m: int, seed: int = 5) -> dict[int, pd.DataFrame]:
    """Draw 0 = ``wide``; draws 1..m multiply every value by a seeded factor in [0.9, 1.1]."""
    rng = np.random.default_rng(seed)
    out = {0: wide}
    for d in range(1, m + 1):
        out[d] = wide * rng.uniform(0.9, 1.1, wide.shape)
    return out


def noisy_chains(wide: pd.DataFrame, seed: int = 8) -> dict[int, pd.DataFrame]:
    """Two alternative imputation chains: 1 moves values by up to 5% and leaves 5% more cells missing,
    2 fills every missing cell with its column's median (cells draw 0 leaves missing)."""
    rng = np.random.default_rng(seed)
    one = wide * rng.uniform(0.95, 1.05, wide.shape)
    one = one.mask(rng.uniform(size=wide.shape) < 0.05)
    return {1: one, 2: wide.fillna(wide.median())}


def chain_data(wides: dict[int, pd.DataFrame], chains: dict[int, pd.DataFrame], draw: int, chain: int) -> pd.DataFrame:
    """The documented data of (draw, chain): the draw under chain 0, else the chain plus the draw's perturbation."""
    if chain == 0:
        return wides[draw]
    return chains[chain] if draw == 0 else chains[chain] + (wides[draw] - wides[0]).fillna(0.0)


def ordinary_root(
    prepared: PreparedIndex,
    wides: dict[int, pd.DataFrame],
    space: InputSpace,
    choices: Choices,
    i: int,
    chains: dict[int, pd.DataFrame] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Root scores and ranks of replication ``i`` by the ordinary engine: a rebuilt framework, one run_index call."""
    fw = prepared.framework
    raw = fw.raw_weights()
    factors = choices.factors[i]
    perturbed = fw.with_weights({n: raw[n] * factors[j] for j, n in enumerate(space.nodes) if n != fw.root})
    d = int(choices.dropped[i])
    if d > 0:
        perturbed = perturbed.drop_leaves([space.dropped[d]])
    winmax = space.treatments[choices.treatment[i]]
    treatment = (
        {"method": "none"}
        if winmax is None
        else {"method": "coinr", "winmax": winmax, "skew": space.skew, "kurtosis": space.kurtosis, "exclude": []}
    )
    spec = replace(
        prepared.spec,
        normalisation=space.normalisations[choices.normalisation[i]],
        aggregation=space.aggregations[choices.aggregation[i]],
        on_nonpositive=space.on_nonpositive,
    )
    data = chain_data(wides, chains or {}, space.draws[choices.draw[i]], space.chains[choices.chain[i]])
    _, res = run_index(data, perturbed, spec, treatment=treatment, with_contributions=False)
    return res.node_scores[fw.root].to_numpy(), res.node_ranks[fw.root].to_numpy()


TOY_FRAMEWORK = pd.DataFrame(
    {
        "node": ["idx", "p1", "p2", "a", "b", "c", "d", "e"],
        "parent": ["", "idx", "idx", "p1", "p1", "p2", "p2", "p2"],
        "weight": [1, 1, 2, 1, 1, 1, 1, 2],
        "direction": [np.nan, np.nan, np.nan, 1, -1, 1, 1, 1],
    }
)
TOY_INDEX = {
    "treatment": {"method": "coinr", "winmax": 2, "skew": 2.0, "kurtosis": 3.5, "exclude": []},
    "normalisation": {"method": "minmax", "range": [0, 100]},
    "weighting": {"default": "explicit"},
    "aggregation": {"default": "arithmetic"},
    "min_share": 0.5,
    "on_nonpositive": "refuse",
    "final_scale": None,
}
TOY_INPUTS = {
    "imputation": {"vary": True},
    "imputation_chain": {"vary": True},
    "treatment": {"vary": True, "untreated": True, "winmax": [2, 4]},
    "normalisation": {
        "vary": True,
        "alternatives": [{"method": "minmax", "range": [0, 100]}, {"method": "zscore", "mean": 0, "sd": 1}],
    },
    "weights": {"vary": True, "spread": 0.25, "levels": []},
    "aggregation": {"vary": True, "methods": ["arithmetic", "geometric"], "on_nonpositive": "shift"},
    "leave_one_out": {"vary": True},
}


def toy_prepared(units: int = 12, years: int = 3, seed: int = 3) -> PreparedIndex:
    """A small index (2 pillars, 5 indicators, a few missing and skewed values) ready to compute."""
    fw = load_framework(TOY_FRAMEWORK)
    rng = np.random.default_rng(seed)
    idx = pd.MultiIndex.from_product(
        [[f"U{i:02d}" for i in range(units)], range(2000, 2000 + years)], names=["iso3", "year"]
    )
    values = rng.lognormal(2.0, 1.0, size=(len(idx), len(fw.leaves)))
    values[rng.uniform(size=values.shape) < 0.08] = np.nan
    wide = pd.DataFrame(values, index=idx, columns=list(fw.leaves))
    report = pd.DataFrame({"indicator": list(fw.leaves), "status": "used", "reason": ""})
    return PreparedIndex(fw, index_spec(TOY_INDEX), wide, report, TOY_INDEX["treatment"])


def toy_engine(inputs: dict[str, Any] | None = None):
    """The batched engine of :func:`toy_prepared` with two noisy imputation draws and two alternative chains."""
    from scripts.uncertainty.batched import BatchedIndex
    from scripts.uncertainty.inputs import input_space

    prepared = toy_prepared()
    wides = noisy_draws(prepared.wide, 2)
    chains = noisy_chains(prepared.wide)
    space = input_space(
        inputs or TOY_INPUTS, TOY_INDEX, prepared.framework, sorted(wides), index="toy", chains=[0, *chains]
    )
    return BatchedIndex(prepared, wides, space, chains)
