"""The batched index engine: R replications of the whole index computation at once, as arrays.

The ordinary engine (:func:`scripts.index.prepare.run_index`) rebuilds and re-validates
a framework and computes one index per call. Here the framework is validated once
(when the index is prepared) and a batch of replications is computed as arrays of shape
(replications, economy-years, indicators):

1. *Data*. Every distinct data choice (imputation draw, imputation chain, outlier
   treatment, normalisation) a batch needs is computed once and cached: the draw's wide
   frame under the chain (:meth:`BatchedIndex.data`), treated with
   :func:`scripts.index.outliers.treated_values` (or not), normalised with the index
   package's own :func:`scripts.index.normalise.normalise` (so the bounds, goalposts
   and every other rule of normalisation are exactly those of the ordinary engine).
   Each data choice is one (economy-years, indicators) array; a batch gathers, per
   replication, the values of its own.
2. *Leave one out*: the left-out indicator gets weight 0, and so does every node left
   without an indicator, which is what :meth:`Framework.drop_leaves` followed by
   re-normalisation within each parent does.
3. *Weights*: each replication's raw weights (nominal times its factors) are
   normalised within every parent; missing children are re-weighted over the available
   ones and ``min_share`` is applied, as in :func:`scripts.index.aggregate.aggregate_arrays`.
4. *Aggregation* bottom-up, all replications of a batch at once: a node's value is an
   (R, economy-years) array, the weighted sum of its children's values (arithmetic),
   or of their logs (geometric, with the engine's ``shift`` rule: ``k = 1 - min`` of the
   values entering the node, over all economy-years, per replication), then
   ``final_scale``. Every replication adds its terms in the same order, so its scores
   do not depend on which replications share its batch, nor on the chunking.

Ranks are the engine's (1 = best within the year, ties share the lowest rank).
Replications are grouped by aggregation method only, at most ``batch`` at a time, so
memory stays at about ``batch x economy-years x 8`` bytes per node and temporary, plus
the batch's distinct data choices (at most ``batch x economy-years x indicators x 8`` bytes).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from scripts.core.errors import ConfigError, InvariantError
from scripts.index.normalise import normalise
from scripts.index.outliers import treated_values
from scripts.index.prepare import PreparedIndex
from scripts.uncertainty.inputs import Choices, InputSpace

#: Replications ranked at once (see :meth:`BatchedIndex.ranks`).
_RANK_BLOCK = 128


class BatchedIndex:
    """An index prepared once and computed for many replications (see the module docstring).

    ``prepared`` is the index as the index stage prepares it, ``wides`` the wide frame
    of each imputation draw of ``space.draws`` (draw 0 = ``prepared.wide``) and
    ``chains`` that of each alternative imputation chain of ``space.chains`` (1..k; 0 is
    draw 0), all with the same rows and columns (see :meth:`data` for how a chain and a
    draw combine).
    """

    def __init__(
        self,
        prepared: PreparedIndex,
        wides: Mapping[int, pd.DataFrame],
        space: InputSpace,
        chains: Mapping[int, pd.DataFrame] | None = None,
    ) -> None:
        fw = prepared.framework
        self.framework = fw
        self.space = space
        self.spec = prepared.spec
        self.index = prepared.wide.index
        leaves = list(fw.leaves)
        missing = [d for d in space.draws if d not in wides]
        if missing:
            raise InvariantError(f"no data for imputation draws {missing}")
        missing = [c for c in space.chains if c and c not in (chains or {})]
        if missing:
            raise InvariantError(f"no data for imputation chains {missing}")
        self._wides, self._chains = {}, {}
        for what, frames, keys, into in (
            ("draw", wides, space.draws, self._wides),
            ("chain", chains or {}, [c for c in space.chains if c], self._chains),
        ):
            for k in keys:
                w = frames[k]
                if not w.index.equals(self.index) or list(w.columns) != leaves:
                    raise InvariantError(f"imputation {what} {k} does not have the rows and indicators of draw 0")
                into[k] = w
        if 0 not in self._wides:  # the perturbations of the draws are against draw 0
            self._wides[0] = prepared.wide
        self.years = self.index.get_level_values(1).to_numpy()
        self.year_codes = pd.factorize(self.years)[0]
        self._unit_codes = pd.factorize(self.index.get_level_values(0))[0]
        self._n_years, self._n_units = int(self.year_codes.max()) + 1, int(self._unit_codes.max()) + 1
        self._cache: dict[tuple[int, int, int, int], np.ndarray] = {}
        self._treated_cache: dict[tuple[int, int, int], pd.DataFrame] = {}
        nodes = list(space.nodes)
        if nodes != list(fw.nodes):
            raise InvariantError("the input space was built for another framework")
        pos = {n: i for i, n in enumerate(nodes)}
        # Per aggregate: its position, its children (indicators first), their data columns and
        # the positions (in that order) of the aggregate children.
        self._aggs = []
        for a in fw.aggregates:
            kids = [c for c in fw.children(a) if fw.is_leaf(c)] + [c for c in fw.children(a) if not fw.is_leaf(c)]
            n_leaf = sum(fw.is_leaf(c) for c in kids)
            cols = np.array([leaves.index(c) for c in kids[:n_leaf]], dtype=np.int64)
            self._aggs.append((pos[a], np.array([pos[c] for c in kids]), cols, np.arange(n_leaf, len(kids))))
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
    def data(self, draw: int, chain: int) -> pd.DataFrame:
        """The wide data of imputation draw ``draw`` under chain ``chain`` (positions in the space).

        Chain 0 (the chains in use) gives the draw itself. An alternative chain gives its
        own point imputation plus the draw's bootstrap perturbation of the point
        imputation (draw minus draw 0, zero where draw 0 is missing or observed): the
        draws measure the error of the chains in use, and it is carried over to the
        alternative rather than re-estimated for it. Cells the alternative leaves missing
        stay missing.
        """
        s = self.space
        d, c = s.draws[draw], s.chains[chain]
        if c == 0:
            return self._wides[d]
        if d == 0:
            return self._chains[c]
        return self._chains[c] + (self._wides[d] - self._wides[0]).fillna(0.0)

    def _treated(self, draw: int, chain: int, treatment: int) -> pd.DataFrame:
        key = (draw, chain, treatment)
        if key not in self._treated_cache:
            s = self.space
            data = self.data(draw, chain)
            winmax = s.treatments[treatment]
            if winmax is not None:
                data = treated_values(
                    data, winmax=winmax, skew_thresh=s.skew, kurt_thresh=s.kurtosis, exclude=s.exclude
                )
            self._treated_cache[key] = data
        return self._treated_cache[key]

    def normalised(self, draw: int, chain: int, treatment: int, normalisation: int) -> np.ndarray:
        """The (economy-years, indicators) normalised values of one data choice (positions in the space)."""
        key = (draw, chain, treatment, normalisation)
        if key not in self._cache:
            ns = self.space.normalisations[normalisation]
            norm = normalise(
                self._treated(draw, chain, treatment),
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
        Replications sharing an aggregation method are computed together, at most
        ``batch`` at a time, whatever their data choices: each gathers its own choice's
        normalised values, so a batch is one pass over the tree however many choices it
        holds (a replication's scores do not depend on the others in its batch).
        """
        out = np.empty((len(choices), len(self.index)))
        s = self.space
        sizes = (len(s.draws), len(s.chains), len(s.treatments), len(s.normalisations))
        key = np.ravel_multi_index((choices.draw, choices.chain, choices.treatment, choices.normalisation), sizes)
        for a, method in enumerate(s.aggregations):
            rows = np.flatnonzero(choices.aggregation == a)
            for lo in range(0, len(rows), batch):
                part = rows[lo : lo + batch]
                data, inverse = np.unique(key[part], return_inverse=True)
                stack = np.stack([self.normalised(*map(int, np.unravel_index(k, sizes))).T for k in data])
                out[part] = self._batch_scores(stack, inverse.ravel(), choices.take(part), method)
        return out

    def _weights(self, choices: Choices) -> np.ndarray:
        """(R, nodes) raw weights: nominal x factors, 0 for the left-out indicator and nodes left without one."""
        w = self._raw[None, :] * choices.factors
        dropped = choices.dropped
        has = dropped > 0
        if has.any():
            # A node dies when every leaf under it is the left-out one (it has a single leaf).
            leaf_count = self._under.sum(axis=0)
            dead = self._under[np.maximum(dropped - 1, 0)] & (leaf_count[None, :] == 1)
            w = np.where(dead & has[:, None], 0.0, w)
        return w

    def _batch_scores(self, stack: np.ndarray, which: np.ndarray, choices: Choices, method: str) -> np.ndarray:
        """Root scores (R, economy-years) of replications that share one aggregation method.

        ``stack`` holds the normalised values of the batch's data choices as (choices,
        indicators, economy-years), ``which`` the choice of each replication. Values of a
        node are (R, economy-years) arrays; an indicator child enters as its values in
        each replication's data choice times that replication's weight. A left-out indicator
        has weight 0, so it is neither observed nor counted. Terms are added in the same
        order (indicator children, then aggregate children) for every replication.
        """
        w = self._weights(choices)
        vals: dict[int, np.ndarray] = {}
        min_share = self.spec.min_share
        for node, kids, lk, ak in self._aggs:
            wk = w[:, kids]
            total = wk.sum(axis=1)
            # A node left without indicators has total 0: its weights become 0, so it gets no score.
            wk = wk / np.where(total > 0, total, 1.0)[:, None]
            xs = [stack[which, j, :] for j in lk]  # the indicator children, (R, economy-years) each
            avail = [~np.isnan(x) for x in xs]
            share = np.zeros((len(which), stack.shape[2]))
            for i, a in enumerate(avail):
                share += a * wk[:, i, None]
            for i in ak:
                share = share + ~np.isnan(vals[int(kids[i])]) * wk[:, i, None]
            ok = (share > 0) & (share >= min_share - 1e-12)
            safe = np.where(share > 0, share, 1.0)
            with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
                if method == "arithmetic":
                    num = np.zeros_like(share)
                    for i, (x, a) in enumerate(zip(xs, avail)):
                        num += np.where(a, x, 0.0) * wk[:, i, None]
                    for i in ak:
                        num = num + np.nan_to_num(vals[int(kids[i])]) * wk[:, i, None]
                    score = num / safe
                else:
                    k = self._shift(xs, wk[:, : len(lk)] > 0, [vals[int(kids[i])] for i in ak], ok, node)
                    # Values <= 0 can only remain in rows without a score or in indicators without
                    # weight (the left-out one); they take log 1 = 0 like missing values (x + 0 is x).
                    num = np.zeros_like(share)
                    for i, (x, a) in enumerate(zip(xs, avail)):
                        xk = x + k[:, None]
                        num += np.log(np.where(a & (xk > 0), xk, 1.0)) * wk[:, i, None]
                    for i in ak:
                        v = vals[int(kids[i])]
                        num = num + np.log(np.where(np.isnan(v), 1.0, v + k[:, None])) * wk[:, i, None]
                    score = np.exp(num / safe) - k[:, None]
            vals[node] = np.where(ok, score, np.nan)
        return vals[self._root] * self._scale

    def _shift(
        self,
        xs: list[np.ndarray],
        wpos: np.ndarray,
        aggs: list[np.ndarray],
        ok: np.ndarray,
        node: int,
    ) -> np.ndarray:
        """Per replication, the constant ``k`` added before a geometric mean (0 when all values are > 0).

        ``xs`` holds the indicator children's values (R, economy-years) each, ``wpos``
        (R, l) whether each has weight in the replication (the left-out indicator's values
        do not enter the node), ``aggs`` the aggregate children's values; only rows with a
        score (``ok``) count, as in the engine.
        """
        lowest = np.full(ok.shape, np.inf)
        for i, x in enumerate(xs):
            lowest = np.minimum(lowest, np.where(np.isnan(x) | ~wpos[:, i, None], np.inf, x))
        for v in aggs:
            lowest = np.minimum(lowest, np.where(np.isnan(v), np.inf, v))
        lowest = np.where(ok, lowest, np.inf).min(axis=1)
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

    def ranks(self, scores: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
        """Ranks (R, economy-years) of ``scores`` within each year: 1 = best, ties share the lowest rank.

        The engine's ranks (``group_rank(-scores, years, "min")``), computed on a
        (replications, years, economies) cube so that one short sort per replication-year
        replaces the engine's sort of whole columns; NaN stays NaN. With ``rows``
        (positions in ``self.index`` covering whole years), ``scores`` holds only those
        economy-years and is ranked within them.
        """
        years = self.year_codes if rows is None else self.year_codes[rows]
        units = self._unit_codes if rows is None else self._unit_codes[rows]
        out = np.empty(scores.shape)
        # In blocks of replications: the cube and its sort temporaries stay a few MB, where
        # one cube of thousands of replications would cost more in page faults than in sorting.
        for lo in range(0, scores.shape[0], _RANK_BLOCK):
            block = scores[lo : lo + _RANK_BLOCK]
            cube = np.full((len(block), self._n_years, self._n_units), np.inf)
            cube[:, years, units] = np.where(np.isnan(block), np.inf, -block)
            order = np.argsort(cube, axis=2)
            ordered = np.take_along_axis(cube, order, axis=2)
            pos = np.broadcast_to(np.arange(self._n_units, dtype=float), ordered.shape)
            new_run = np.ones(ordered.shape, dtype=bool)
            new_run[:, :, 1:] = ordered[:, :, 1:] != ordered[:, :, :-1]
            first = np.maximum.accumulate(np.where(new_run, pos, 0.0), axis=2) + 1.0
            ranks = np.empty_like(cube)
            np.put_along_axis(ranks, order, first, axis=2)
            out[lo : lo + _RANK_BLOCK] = ranks[:, years, units]
        out[np.isnan(scores)] = np.nan
        return out
