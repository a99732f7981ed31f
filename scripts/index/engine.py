"""The composite-index engine: normalise, weight, aggregate up the framework tree.

:func:`compute_index` takes a wide frame (index = (unit, year) MultiIndex with any level
names, the year second; columns = indicator ids; NaN = missing), a
:class:`~scripts.framework.Framework` and an :class:`IndexSpec`, and returns an
:class:`IndexResult` with the normalised indicators, the score and rank of every node,
the weights actually applied and each indicator's contribution to every ancestor.

Choices per node. ``IndexSpec.weighting`` and ``IndexSpec.aggregation`` are either one
method for every aggregate or a mapping whose keys are aggregate node ids, COINr levels
(int: 2 = the parents of the indicators in a balanced tree, up to the root's level) or
``"default"``; a node takes its own entry first, then its level's, then the default
(``"explicit"`` weights / ``"arithmetic"`` aggregation when no default is given).

Contributions. For every aggregate node A and every indicator L under it,
``contribution`` is L's share of A's score, such that the contributions of the indicators
under A add up to A's score for every unit-year (indicators that are missing for the
unit, or whose branch has no score, have no row). Under arithmetic aggregation they are
exactly ``effective weight along the path * normalised value``, the effective weights
being re-normalised over the available children at every level. Under the other methods
each node's score is split into per-child amounts (see :mod:`scripts.aggregate`: log
shares for geometric, value shares for harmonic, credited pairwise margins for
Copeland) and each child's amount is shared among its indicators in proportion to their
contributions to the child (by effective weight when the child's score is 0).

``final_scale`` multiplies the scores of all aggregates (and the contributions) at the
end, e.g. 10 for the ITU IDI's 0-10 scale; the normalised indicators are not rescaled.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from scripts.core.errors import ConfigError
from scripts.core.vocabulary import WEIGHT_METHODS, PcaNegative, TimeMode, WeightMethod
from scripts.index.aggregate import (
    AGG_METHODS,
    AggMethod,
    OnNonpositive,
    aggregate,
    aggregate_arrays,
    year_groups,
)
from scripts.index.framework import Framework
from scripts.index.normalise import NormMethod, group_rank, normalise
from scripts.index.weights import balance_weights, pca_weights


@dataclass(frozen=True)
class NormSpec:
    """How indicators are normalised (see :func:`scripts.normalise.normalise`).

    ``params`` holds the method's parameters (``range`` for minmax, ``scale``,
    ``reference``/``log_reference``/``cap`` for distance_to_reference, ``goalposts``...).
    ``time``: ``"pooled"`` (default: bounds from all years, comparable over time),
    ``"base_year"`` (bounds from ``base_year``, applied to all years) or ``"by_year"``
    (each year rescaled on its own: not comparable over time).
    """

    method: NormMethod = "minmax"
    params: Mapping[str, Any] = field(default_factory=dict)
    time: TimeMode = "pooled"
    base_year: int | None = None


@dataclass(frozen=True)
class IndexSpec:
    """All modelling choices of one index computation.

    Attributes
    ----------
    normalisation:
        A :class:`NormSpec`.
    weighting:
        ``"explicit"`` (framework weights), ``"equal"``, ``"pca"`` or ``"balance"``, or a
        mapping node id / level / "default" -> method (see the module docstring).
    aggregation:
        ``"arithmetic"``, ``"geometric"``, ``"harmonic"`` or ``"copeland"``, or such a mapping.
    min_share:
        Minimum share of a node's (normalised) weight that must be observed for the node
        to get a score; below it the score is NaN. 0 = any available child suffices.
    on_nonpositive:
        ``"refuse"`` or ``"shift"`` for geometric/harmonic means of values <= 0.
    final_scale:
        Factor applied to every aggregate's score at the end (e.g. 10 for the IDI), or None.
    pca_negative:
        ``"zero"`` or ``"refuse"``: what PCA weighting does with negative loadings.
    balance_target:
        Per node, a relative target correlation per child for ``"balance"`` weighting
        (default: equal correlations).
    """

    normalisation: NormSpec = field(default_factory=NormSpec)
    weighting: WeightMethod | Mapping[str | int, WeightMethod] = "explicit"
    aggregation: AggMethod | Mapping[str | int, AggMethod] = "arithmetic"
    min_share: float = 0.0
    on_nonpositive: OnNonpositive = "refuse"
    final_scale: float | None = None
    pca_negative: PcaNegative = "zero"
    balance_target: Mapping[str, Mapping[str, float]] = field(default_factory=dict)


@dataclass(frozen=True, eq=False)
class IndexResult:
    """Output of :func:`compute_index`.

    The long tables are built on first access (a Monte Carlo run that only needs
    ``node_scores`` does not pay for them).

    Attributes
    ----------
    normalised:
        Wide frame of normalised indicators (rows sorted by unit, year).
    node_scores:
        Wide frame of every node's score: indicators (normalised values) and aggregates
        (scaled by ``final_scale``), columns in framework order.
    framework:
        The framework used.
    applied_weights:
        node -> weight applied within its parent (normalised; PCA/balance results
        included; root 1).
    scores:
        Long table ``<unit>, <year>, node, score, rank`` (one row per unit-year-node with a
        score; ``rank`` within the year among units with a score, 1 = best, ties get the
        lowest rank). The unit and year columns take the index's level names
        ("unit"/"year" when unnamed).
    node_ranks:
        The ranks as a wide frame like ``node_scores``.
    weights:
        ``node, parent, weight, effective``: the weight applied to each non-root node and
        its nominal effective weight in the root (product of weights along the path).
    contributions:
        ``<unit>, <year>, indicator, node, contribution`` for every aggregate node and
        indicator under it (see the module docstring). Raises ValueError when the index
        was computed with ``with_contributions=False``.
    """

    normalised: pd.DataFrame
    node_scores: pd.DataFrame
    framework: Framework
    applied_weights: Mapping[str, float]
    _contrib: Mapping[str, np.ndarray] | None = field(default=None, repr=False)
    _order: Mapping[str, list[str]] | None = field(default=None, repr=False)
    _scale: float = 1.0

    @property
    def _names(self) -> tuple[str, str]:
        names = self.node_scores.index.names
        return names[0] or "unit", names[1] or "year"

    @cached_property
    def node_ranks(self) -> pd.DataFrame:
        ranks = _rank_within_year(self.node_scores.to_numpy(dtype=float), self.node_scores.index)
        return pd.DataFrame(ranks, index=self.node_scores.index, columns=self.node_scores.columns)

    @cached_property
    def scores(self) -> pd.DataFrame:
        return _long_scores(self.node_scores, self.node_ranks, *self._names)

    @cached_property
    def weights(self) -> pd.DataFrame:
        return _weights_table(self.framework, self.applied_weights)

    @cached_property
    def contributions(self) -> pd.DataFrame:
        if self._contrib is None or self._order is None:
            raise ValueError("contributions were not computed: call compute_index(..., with_contributions=True)")
        return _long_contributions(
            self.node_scores.index, self.framework, self._contrib, self._order, self._scale, *self._names
        )


def _level_key(key: Any, fw: Framework) -> int | None:
    if isinstance(key, (int, np.integer)) and not isinstance(key, bool):
        return int(key)
    if isinstance(key, str) and key.isdigit() and key not in fw.nodes:
        return int(key)
    return None


def _check_choice(setting: Any, fw: Framework, allowed: tuple[str, ...], what: str) -> None:
    values = [setting] if isinstance(setting, str) else list(dict(setting).values())
    bad = [v for v in values if v not in allowed]
    if bad:
        raise ConfigError(
            problem=f"unknown {what} method(s) {bad}",
            expected=f"one of {list(allowed)}",
            fix=f"correct the {what} setting of the index",
        )
    if isinstance(setting, str):
        return
    levels = {fw.level(a) for a in fw.aggregates}
    for key in setting:
        lvl = _level_key(key, fw)
        if key == "default" or key in fw.aggregates or (lvl is not None and lvl in levels):
            continue
        raise ConfigError(
            problem=f"{what} given for {key!r}, which is neither an aggregate node nor an aggregation level",
            expected=f"aggregate nodes {list(fw.aggregates)}, levels {sorted(levels)} or 'default'",
            fix=f"correct the key in the {what} setting",
        )


def _choice(setting: Any, node: str, fw: Framework, default: str) -> str:
    if isinstance(setting, str):
        return setting
    by_level = {_level_key(k, fw): v for k, v in setting.items() if _level_key(k, fw) is not None}
    if node in setting:
        return setting[node]
    if fw.level(node) in by_level:
        return by_level[fw.level(node)]
    return setting.get("default", default)


def _check_inputs(wide: pd.DataFrame, fw: Framework, spec: IndexSpec) -> None:
    if not isinstance(wide.index, pd.MultiIndex) or wide.index.nlevels != 2:
        raise ConfigError(
            problem="the wide frame must be indexed by a (unit, year) MultiIndex",
            expected="index = MultiIndex (unit, year), columns = indicator ids",
            fix="pivot the long table with index=[unit, year], columns=indicator",
        )
    if wide.index.has_duplicates:
        dup = wide.index[wide.index.duplicated()][0]
        raise ConfigError(
            problem=f"the wide frame has duplicate rows for {dup}",
            expected="one row per (unit, year)",
            fix="deduplicate the panel before computing the index",
        )
    missing = [leaf for leaf in fw.leaves if leaf not in wide.columns]
    if missing:
        raise ConfigError(
            problem=f"indicators {missing} of the framework are not columns of the data",
            expected="a column for every leaf of the framework",
            fix="add the indicators to the data, or drop them from the framework (Framework.drop_leaves)",
        )
    ns = spec.normalisation
    if ns.time not in ("pooled", "base_year", "by_year"):
        raise ConfigError(
            problem=f"normalisation time mode {ns.time!r}",
            expected="'pooled', 'base_year' or 'by_year'",
            fix="correct normalisation time",
        )
    if (ns.time == "base_year") != (ns.base_year is not None):
        raise ConfigError(
            problem=f"normalisation time={ns.time!r} with base_year={ns.base_year!r}",
            expected="a base_year exactly when time is 'base_year'",
            fix="set time: base_year together with base_year: <year>, or drop base_year",
        )
    _check_choice(spec.weighting, fw, WEIGHT_METHODS, "weighting")
    _check_choice(spec.aggregation, fw, AGG_METHODS, "aggregation")
    if spec.pca_negative not in ("zero", "refuse"):
        raise ConfigError(
            problem=f"pca_negative={spec.pca_negative!r}",
            expected="'zero' (negative loadings get weight 0) or 'refuse'",
            fix="set pca_negative to 'zero' or 'refuse'",
        )
    stray = sorted(set(spec.balance_target) - set(fw.aggregates))
    if stray:
        raise ConfigError(
            problem=f"balance targets given for {stray}, which are not aggregate nodes",
            expected=f"targets keyed by aggregate nodes {list(fw.aggregates)}",
            fix="correct the node ids of balance_target",
        )
    if spec.final_scale is not None and not (np.isfinite(spec.final_scale) and spec.final_scale > 0):
        raise ConfigError(
            problem=f"final_scale={spec.final_scale}",
            expected="a positive number or None",
            fix="e.g. final_scale: 10 for a 0-10 index from 0-1 scores",
        )


def _data_driven_weights(node: str, children: pd.DataFrame, spec: IndexSpec, method: str, agg: str) -> pd.Series:
    """PCA or correlation-balancing weights of ``node``'s children, from their pooled scores."""
    if method == "pca":
        return pca_weights(children, negative=spec.pca_negative, name=node)

    def fn(c: pd.DataFrame, w: pd.Series) -> pd.Series:
        return aggregate(c, w, agg, min_share=spec.min_share, on_nonpositive=spec.on_nonpositive, name=node)  # type: ignore[arg-type]

    return balance_weights(children, fn, spec.balance_target.get(node), name=node)


def compute_index(
    wide: pd.DataFrame,
    framework: Framework,
    spec: IndexSpec | None = None,
    *,
    with_contributions: bool = True,
) -> IndexResult:
    """Compute every node of ``framework`` from the indicators in ``wide``.

    Columns of ``wide`` that are not leaves of the framework are ignored. Rows are
    sorted by (unit, year) in every output, so the input's row order does not matter.
    ``with_contributions=False`` skips the decomposition (faster, for Monte Carlo runs).
    Raises ConfigError for a malformed frame, missing indicators, invalid choices, or
    a geometric/harmonic mean of non-positive values under ``on_nonpositive="refuse"``.
    """
    fw = framework
    spec = spec or IndexSpec()
    _check_inputs(wide, fw, spec)
    data = wide.loc[:, list(fw.leaves)].astype(float)
    if not data.index.is_monotonic_increasing:
        data = data.sort_index()
    idx = data.index
    ns = spec.normalisation
    norm = normalise(
        data,
        ns.method,
        directions=fw.directions(),
        params=ns.params,
        by_year=ns.time == "by_year",
        base_year=ns.base_year if ns.time == "base_year" else None,
    )

    norm_values = norm.to_numpy(dtype=float)
    scores: dict[str, np.ndarray] = {leaf: norm_values[:, j] for j, leaf in enumerate(fw.leaves)}
    applied: dict[str, float] = {fw.root: 1.0}
    contrib: dict[str, np.ndarray] = {}
    eff: dict[str, np.ndarray] = {}
    order: dict[str, list[str]] = {}
    if with_contributions:
        for leaf in fw.leaves:
            v = scores[leaf][:, None]
            contrib[leaf] = v
            eff[leaf] = np.where(np.isnan(v), np.nan, 1.0)
            order[leaf] = [leaf]

    groups = year_groups(idx)
    for node in fw.aggregates:
        kids = list(fw.children(node))
        agg = _choice(spec.aggregation, node, fw, "arithmetic")
        wmethod = _choice(spec.weighting, node, fw, "explicit")
        if wmethod in ("pca", "balance"):
            children = pd.DataFrame({k: scores[k] for k in kids}, index=idx)
            w = _data_driven_weights(node, children, spec, wmethod, agg).reindex(kids).to_numpy(dtype=float)
        elif wmethod == "equal":
            w = np.full(len(kids), 1.0 / len(kids))
        else:
            w = np.array([fw.weight(k) for k in kids])
        score, weff, amounts, _ = aggregate_arrays(
            np.column_stack([scores[k] for k in kids]),
            w,
            agg,
            groups=groups,
            min_share=spec.min_share,
            on_nonpositive=spec.on_nonpositive,
            name=node,
        )
        scores[node] = score
        applied.update(zip(kids, (w / w.sum()).tolist()))
        if with_contributions:
            if agg == "arithmetic":
                parts = [weff[:, [i]] * contrib[k] for i, k in enumerate(kids)]
            else:
                parts = []
                for i, k in enumerate(kids):
                    s = scores[k]
                    nonzero = ~np.isnan(s) & (s != 0)
                    with np.errstate(invalid="ignore", divide="ignore"):
                        share = np.where(nonzero[:, None], contrib[k] / np.where(nonzero, s, 1.0)[:, None], eff[k])
                    parts.append(amounts[:, [i]] * share)
            contrib[node] = np.hstack(parts)
            eff[node] = np.hstack([weff[:, [i]] * eff[k] for i, k in enumerate(kids)])
            order[node] = [leaf for k in kids for leaf in order[k]]

    scale = 1.0 if spec.final_scale is None else float(spec.final_scale)
    aggs = set(fw.aggregates)
    node_scores = pd.DataFrame(
        np.column_stack([scores[n] * (scale if n in aggs else 1.0) for n in fw.nodes]),
        index=idx,
        columns=list(fw.nodes),
    )
    return IndexResult(
        normalised=norm,
        node_scores=node_scores,
        framework=fw,
        applied_weights=applied,
        _contrib=contrib if with_contributions else None,
        _order=order if with_contributions else None,
        _scale=scale,
    )


def _rank_within_year(values: np.ndarray, idx: pd.MultiIndex) -> np.ndarray:
    """Rank (1 = highest, ties share the lowest rank) of each column within each year."""
    return group_rank(-values, pd.factorize(idx.get_level_values(1))[0], "min")


def _long_scores(node_scores: pd.DataFrame, ranks: pd.DataFrame, unit_name: str, year_name: str) -> pd.DataFrame:
    n, m = node_scores.shape
    idx = node_scores.index
    s = node_scores.to_numpy(dtype=float).ravel()
    keep = ~np.isnan(s)
    return pd.DataFrame(
        {
            unit_name: np.repeat(idx.get_level_values(0).to_numpy(), m)[keep],
            year_name: np.repeat(idx.get_level_values(1).to_numpy(), m)[keep],
            "node": pd.array(np.tile(np.asarray(node_scores.columns, dtype=object), n)[keep], dtype="string"),
            "score": s[keep],
            "rank": ranks.to_numpy(dtype=float).ravel()[keep],
        }
    )


def _weights_table(fw: Framework, applied: Mapping[str, float]) -> pd.DataFrame:
    nodes = [n for n in fw.nodes if n != fw.root]
    effective = []
    for n in nodes:
        e = 1.0
        p = n
        while p != fw.root:
            e *= applied[p]
            p = fw.parent(p)
        effective.append(e)
    return pd.DataFrame(
        {
            "node": pd.array(nodes, dtype="string"),
            "parent": pd.array([fw.parent(n) for n in nodes], dtype="string"),
            "weight": [applied[n] for n in nodes],
            "effective": effective,
        }
    )


def _long_contributions(
    idx: pd.MultiIndex,
    fw: Framework,
    contrib: Mapping[str, np.ndarray],
    order: Mapping[str, list[str]],
    scale: float,
    unit_name: str,
    year_name: str,
) -> pd.DataFrame:
    units = idx.get_level_values(0).to_numpy()
    years = idx.get_level_values(1).to_numpy()
    n = len(idx)
    frames = []
    for node in fw.aggregates:
        c = contrib[node] * scale
        m = c.shape[1]
        v = c.ravel()
        keep = ~np.isnan(v)
        frames.append(
            pd.DataFrame(
                {
                    unit_name: np.repeat(units, m)[keep],
                    year_name: np.repeat(years, m)[keep],
                    "indicator": np.tile(np.asarray(order[node], dtype=object), n)[keep],
                    "node": node,
                    "contribution": v[keep],
                }
            )
        )
    if not frames:  # a framework that is a single indicator has no aggregates
        return pd.DataFrame({unit_name: [], year_name: [], "indicator": [], "node": [], "contribution": []}).astype(
            {"indicator": "string", "node": "string", "contribution": float}
        )
    out = pd.concat(frames, ignore_index=True)
    return out.astype({"indicator": "string", "node": "string"})
