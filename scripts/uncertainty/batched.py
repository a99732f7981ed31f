"""The batched index engine: R replications of the whole index computation at once, as arrays.

The ordinary engine (:func:`scripts.index.prepare.run_index`) rebuilds and re-validates
a framework and computes one index per call. Here the framework is validated once
(when the index is prepared) and a batch of replications is computed as arrays of shape
(replications, economy-years, indicators):

1. *Data*. Every distinct (imputation draw, outlier treatment, normalisation) triple a
   batch needs is computed once and cached: the draw's wide frame, treated with
   :func:`scripts.index.outliers.treat_outliers` (or not), normalised with the index
   package's own :func:`scripts.index.normalise.normalise` (so the bounds, goalposts
   and every other rule of normalisation are exactly those of the ordinary engine).
   Each triple is one (economy-years, indicators) array; a batch gathers one per
   replication.
2. *Leave one out*: the left-out indicator is set missing, and every node left without
   an indicator gets weight 0, which is what :meth:`Framework.drop_leaves` followed by
   re-normalisation within each parent does.
3. *Weights*: each replication's raw weights (nominal times its factors) are
   normalised within every parent; missing children are re-weighted over the available
   ones and ``min_share`` is applied, as in :func:`scripts.index.aggregate.aggregate_arrays`.
4. *Aggregation* bottom-up with einsum over the children (arithmetic, or geometric with
   the engine's ``shift`` rule: ``k = 1 - min`` of the values entering the node, over
   all economy-years), then ``final_scale``.

Ranks (1 = best within the year, ties share the lowest rank) come from the engine's
:func:`scripts.index.normalise.group_rank`. Replications are split by aggregation
method and into batches of ``batch`` so memory stays at about
``batch x economy-years x indicators x 8`` bytes per array.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from scripts.core.errors import ConfigError, InvariantError
from scripts.index.normalise import group_rank, normalise
from scripts.index.outliers import treat_outliers
from scripts.index.prepare import PreparedIndex
from scripts.uncertainty.inputs import Choices, InputSpace


class BatchedIndex:
    """An index prepared once and computed for many replications (see the module docstring).

    ``prepared`` is the index as the index stage prepares it, ``wides`` the wide frame
    of each imputation draw of ``space.draws`` (draw 0 = ``prepared.wide``), all with the
    same rows and columns.
    """

    def __init__(self, prepared: PreparedIndex, wides: Mapping[int, pd.DataFrame], space: InputSpace) -> None:
        fw = prepared.framework
        self.framework = fw
        self.space = space
        self.spec = prepared.spec
        self.index = prepared.wide.index
        leaves = list(fw.leaves)
        missing = [d for d in space.draws if d not in wides]
        if missing:
            raise InvariantError(f"no data for imputation draws {missing}")
        self._wides = {}
        for d in space.draws:
            w = wides[d]
            if not w.index.equals(self.index) or list(w.columns) != leaves:
                raise InvariantError(f"imputation draw {d} does not have the rows and indicators of draw 0")
            self._wides[d] = w
        self.years = self.index.get_level_values(1).to_numpy()
        self.year_codes = pd.factorize(self.years)[0]
        self._cache: dict[tuple[int, int, int], np.ndarray] = {}
        nodes = list(space.nodes)
        if nodes != list(fw.nodes):
            raise InvariantError("the input space was built for another framework")
        pos = {n: i for i, n in enumerate(nodes)}
        self._leaf_pos = np.array([pos[leaf] for leaf in leaves])
        self._aggs = [(pos[a], np.array([pos[c] for c in fw.children(a)])) for a in fw.aggregates]
        self._parent = np.array([pos[fw.parent(n)] if n != fw.root else -1 for n in nodes])
        self._root = pos[fw.root]
        self._raw = np.array([1.0 if self._equal_weights() else fw.raw_weights()[n] for n in nodes])
        # under[j, i]: leaf j is under node i (itself for a leaf), for the dead-node rule of leave-one-out.
        self._under = np.array([[leaf in fw.leaves_under(n) for n in nodes] for leaf in leaves], dtype=bool)
        self._scale = 1.0 if self.spec.final_scale is None else float(self.spec.final_scale)

    def _equal_weights(self) -> bool:
        w = self.spec.weighting
        return (w if isinstance(w, str) else next(iter(dict(w).values()))) == "equal"

    # ---- data ------------------------------------------------------------------------
    def normalised(self, draw: int, treatment: int, normalisation: int) -> np.ndarray:
        """The (economy-years, indicators) normalised values of one data triple (positions in the space)."""
        key = (draw, treatment, normalisation)
        if key not in self._cache:
            s = self.space
            data = self._wides[s.draws[draw]]
            winmax = s.treatments[treatment]
            if winmax is not None:
                data = treat_outliers(
                    data,
                    winmax=winmax,
                    skew_thresh=s.skew,
                    kurt_thresh=s.kurtosis,
                    pooled=True,
                    exclude=s.exclude,
                ).treated
            ns = s.normalisations[normalisation]
            norm = normalise(
                data,
                ns.method,
                directions=self.framework.directions(),
                params=ns.params,
                by_year=ns.time == "by_year",
                base_year=ns.base_year if ns.time == "base_year" else None,
            )
            self._cache[key] = norm.to_numpy(dtype=float)
        return self._cache[key]

    # ---- scores ----------------------------------------------------------------------
    def scores(self, choices: Choices, *, batch: int = 250) -> np.ndarray:
        """Root scores of every replication: (R, economy-years), rows as ``self.index``.

        Units: the normalised scale times ``final_scale``; NaN where the root has no score.
        """
        out = np.empty((len(choices), len(self.index)))
        for a, method in enumerate(self.space.aggregations):
            rows = np.flatnonzero(choices.aggregation == a)
            for start in range(0, len(rows), batch):
                part = rows[start : start + batch]
                out[part] = self._scores(choices.take(part), method)
        return out

    def _weights(self, choices: Choices) -> np.ndarray:
        """(R, nodes) raw weights: nominal x factors, 0 for nodes without an indicator left."""
        w = self._raw[None, :] * choices.factors
        dropped = choices.dropped
        has = dropped > 0
        if has.any():
            # A node dies when every leaf under it is the left-out one (it has a single leaf).
            leaf_count = self._under.sum(axis=0)
            dead = self._under[np.maximum(dropped - 1, 0)] & (leaf_count[None, :] == 1)
            w = np.where(dead & has[:, None], 0.0, w)
        return w

    def _scores(self, choices: Choices, method: str) -> np.ndarray:
        stack = np.stack([self.normalised(*k) for k in zip(choices.draw, choices.treatment, choices.normalisation)])
        drop = choices.dropped
        if (drop > 0).any():
            stack[drop > 0, :, drop[drop > 0] - 1] = np.nan
        vals: dict[int, np.ndarray] = {int(p): stack[:, :, j] for j, p in enumerate(self._leaf_pos)}
        w = self._weights(choices)
        min_share = self.spec.min_share
        for node, kids in self._aggs:
            x = np.stack([vals[int(c)] for c in kids], axis=2)
            wk = w[:, kids]
            total = wk.sum(axis=1)
            # A node left without indicators has total 0: its weights become 0, so it gets no score.
            wk = wk / np.where(total > 0, total, 1.0)[:, None]
            avail = ~np.isnan(x)
            share = np.einsum("rnc,rc->rn", avail.astype(float), wk)
            ok = (share > 0) & (share >= min_share - 1e-12)
            safe = np.where(share > 0, share, 1.0)
            with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
                if method == "arithmetic":
                    score = np.einsum("rnc,rc->rn", np.where(avail, x, 0.0), wk) / safe
                else:
                    k = self._shift(x, avail & ok[:, :, None], node)
                    logs = np.log(np.where(avail, x + k[:, None, None], 1.0))
                    score = np.exp(np.einsum("rnc,rc->rn", logs, wk) / safe) - k[:, None]
            vals[node] = np.where(ok, score, np.nan)
        return vals[self._root] * self._scale

    def _shift(self, x: np.ndarray, used: np.ndarray, node: int) -> np.ndarray:
        """Per replication, the constant ``k`` added before a geometric mean (0 when all values are > 0)."""
        lowest = np.where(used, x, np.inf).min(axis=(1, 2))
        lowest = np.where(np.isfinite(lowest), lowest, 1.0)
        bad = lowest <= 0
        if bad.any() and self.space.on_nonpositive == "refuse":
            raise ConfigError(
                problem=(
                    f"geometric aggregation of node {self.space.nodes[node]!r} meets values <= 0 "
                    f"(minimum {lowest.min():g}) in {int(bad.sum())} replications"
                ),
                file="config",
                column="uncertainty.inputs.aggregation.on_nonpositive",
                expected="normalisation alternatives with strictly positive values, or on_nonpositive: shift",
                fix="use e.g. minmax with range [1, 100], or set on_nonpositive: shift",
            )
        return np.where(bad, 1.0 - lowest, 0.0)

    def ranks(self, scores: np.ndarray) -> np.ndarray:
        """Ranks (R, economy-years) of ``scores`` within each year: 1 = best, ties share the lowest rank."""
        return group_rank(-scores.T, self.year_codes, "min").T
