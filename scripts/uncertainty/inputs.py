"""The uncertain inputs of an index and the mapping from the unit cube to choices.

Each input of ``uncertainty.inputs`` is either *discrete* (a list of alternatives: the
imputation draw, the imputation chain, the outlier treatment, the normalisation, the aggregation method, the
indicator left out) or the *weights*, one continuous variable per perturbed node. A
replication is a point ``u`` of the unit cube with one coordinate per discrete input
and one per perturbed node (:attr:`InputSpace.variables`); :meth:`InputSpace.choices`
turns a matrix of such points into :class:`Choices`.

Discrete inputs with ``n`` alternatives take alternative ``floor(u * n)`` (``u = 1``, which
a closed design can hold, goes to the last one): every alternative covers an interval
of length ``1 / n``, so under a uniform ``u`` each is equally likely, and under a
quasi-random (Sobol') design the alternatives are balanced as well as the design is.
A node's weight factor is ``1 + spread * (2u - 1)``, uniform within ``+/- spread`` of
its nominal weight; weights are renormalised within every parent by the engine.

An input with ``vary: false`` (or a single alternative) is fixed at the index's own
(nominal) choice and takes no coordinate.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from scripts.core.errors import ConfigError
from scripts.core.vocabulary import UNCERTAIN_AGGREGATIONS, UNCERTAIN_INPUTS
from scripts.index.engine import IndexSpec, NormSpec
from scripts.index.framework import Framework
from scripts.index.prepare import index_spec

#: Key of the uncertainty config, for error messages.
_KEY = "uncertainty.inputs"


@dataclass(frozen=True)
class Choices:
    """One choice per input for each of ``R`` replications (arrays of length R).

    ``draw``, ``chain``, ``treatment``, ``normalisation``, ``aggregation`` and ``dropped``
    are positions in the alternatives of :class:`InputSpace` (``dropped`` 0 = no indicator
    left out, ``j + 1`` = leaf ``j`` left out); ``factors`` is (R, nodes): the factor
    multiplying every framework node's nominal raw weight (1 for unperturbed nodes).
    """

    draw: np.ndarray
    chain: np.ndarray
    treatment: np.ndarray
    normalisation: np.ndarray
    aggregation: np.ndarray
    dropped: np.ndarray
    factors: np.ndarray

    def __len__(self) -> int:
        return len(self.draw)

    def take(self, rows: np.ndarray) -> Choices:
        """The choices of the replications at positions ``rows``."""
        return Choices(
            self.draw[rows],
            self.chain[rows],
            self.treatment[rows],
            self.normalisation[rows],
            self.aggregation[rows],
            self.dropped[rows],
            self.factors[rows],
        )


@dataclass(frozen=True)
class InputSpace:
    """The alternatives of every uncertain input of one index.

    Attributes
    ----------
    draws:
        Imputation draws (0 = point imputation).
    chains:
        Imputation chains (0 = the chains in use, k = alternative k of
        ``alternative_chains.csv``).
    treatments:
        Winsorisation limits of the COINr treatment; None = no treatment.
    normalisations:
        :class:`NormSpec` alternatives.
    aggregations:
        Aggregation methods applied to every aggregate (arithmetic or geometric).
    dropped:
        None (every indicator kept), then each leaf that may be left out.
    nodes:
        The framework's nodes in table order (the columns of ``Choices.factors``).
    perturbed:
        Positions in ``nodes`` of the nodes whose weights vary.
    spread:
        Relative half-width of the weight factors.
    on_nonpositive:
        Rule for geometric means of values <= 0 ("shift" or "refuse").
    skew, kurtosis, exclude:
        The index's outlier-rule thresholds and excluded indicators (kept for every
        treatment alternative).
    nominal:
        The index's own choice as a one-replication :class:`Choices`; None where a
        nominal component is not among the alternatives.
    """

    draws: tuple[int, ...]
    chains: tuple[int, ...]
    treatments: tuple[int | None, ...]
    normalisations: tuple[NormSpec, ...]
    aggregations: tuple[str, ...]
    dropped: tuple[str | None, ...]
    nodes: tuple[str, ...]
    perturbed: tuple[int, ...]
    spread: float
    on_nonpositive: str
    skew: float
    kurtosis: float
    exclude: frozenset[str]
    nominal: Choices | None

    @property
    def discrete(self) -> dict[str, int]:
        """Varied discrete inputs -> number of alternatives, in :data:`UNCERTAIN_INPUTS` order."""
        sizes = {
            "imputation": len(self.draws),
            "imputation_chain": len(self.chains),
            "treatment": len(self.treatments),
            "normalisation": len(self.normalisations),
            "aggregation": len(self.aggregations),
            "leave_one_out": len(self.dropped),
        }
        return {k: sizes[k] for k in UNCERTAIN_INPUTS if k in sizes and sizes[k] > 1}

    @property
    def variables(self) -> list[tuple[str, str]]:
        """(variable name, input it belongs to), one per coordinate of the unit cube."""
        out = [(name, name) for name in self.discrete]
        if self.spread > 0:
            out += [(f"weight:{self.nodes[i]}", "weights") for i in self.perturbed]
        return out

    @property
    def inputs(self) -> list[str]:
        """The varied inputs (the Sobol groups), in :data:`UNCERTAIN_INPUTS` order."""
        present = {group for _, group in self.variables}
        return [k for k in UNCERTAIN_INPUTS if k in present]

    def choices(self, u: np.ndarray) -> Choices:
        """Map points ``u`` (R, len(variables)) of the unit cube to choices (see module docstring)."""
        u = np.asarray(u, dtype=float)
        n_vars = len(self.variables)
        if u.ndim != 2 or u.shape[1] != n_vars:
            raise ValueError(f"expected points with {n_vars} coordinates, got shape {u.shape}")
        r = u.shape[0]
        col = 0
        picked: dict[str, np.ndarray] = {}
        for name, n in self.discrete.items():
            picked[name] = np.minimum(np.floor(u[:, col] * n), n - 1).astype(np.int64)
            col += 1
        factors = np.ones((r, len(self.nodes)))
        if self.spread > 0:
            factors[:, list(self.perturbed)] = 1.0 + self.spread * (2.0 * u[:, col:] - 1.0)
        zero = np.zeros(r, dtype=np.int64)
        return Choices(
            draw=picked.get("imputation", zero),
            chain=picked.get("imputation_chain", zero),
            treatment=picked.get("treatment", zero),
            normalisation=picked.get("normalisation", zero),
            aggregation=picked.get("aggregation", zero),
            dropped=picked.get("leave_one_out", zero),
            factors=factors,
        )


def _single(setting: str | Mapping[Any, str], what: str, index: str) -> str:
    """The one method of a weighting/aggregation setting that names a single method."""
    values = {setting} if isinstance(setting, str) else set(dict(setting).values())
    if len(values) != 1:
        raise ConfigError(
            problem=f"index {index!r} uses several {what} methods {sorted(values)}",
            file="config",
            column=f"index.indices.{index}.{what}",
            expected=f"one {what} method for every node, so that the analysis varies it as one choice",
            fix=f"give the index one {what} method, or leave it out of uncertainty.indices",
        )
    return values.pop()


def input_space(
    settings: Mapping[str, Any],
    index_settings: Mapping[str, Any],
    framework: Framework,
    draws: Sequence[int],
    *,
    index: str,
    chains: Sequence[int] = (0,),
) -> InputSpace:
    """Build the :class:`InputSpace` of an index from ``uncertainty.inputs`` and its config block.

    ``settings`` is the validated ``uncertainty.inputs`` block, ``index_settings`` the
    ``index.indices.<index>`` block, ``framework`` the prepared (pruned) framework and
    ``draws`` the imputation draws available (0 first), ``chains`` the imputation chains
    (0 = the chains in use, then the alternatives; an ``imputation_chain`` input absent
    from ``settings`` is fixed). Raises ConfigError when the index
    uses data-driven weights or several methods (the batched engine varies one method for
    the whole tree) or an aggregation method the batched engine does not compute.
    """
    spec: IndexSpec = index_spec(index_settings)
    weighting = _single(spec.weighting, "weighting", index)
    if weighting not in ("explicit", "equal"):
        raise ConfigError(
            problem=f"index {index!r} uses {weighting!r} weights, which depend on the data of each replication",
            file="config",
            column=f"index.indices.{index}.weighting",
            expected="explicit or equal weights",
            fix="analyse an index with explicit or equal weights",
        )
    aggregation = _single(spec.aggregation, "aggregation", index)
    if aggregation not in UNCERTAIN_AGGREGATIONS:
        raise ConfigError(
            problem=f"index {index!r} aggregates with {aggregation!r}",
            file="config",
            column=f"index.indices.{index}.aggregation",
            expected=f"one of {list(UNCERTAIN_AGGREGATIONS)}",
            fix="analyse an index with arithmetic or geometric aggregation",
        )
    treat_cfg = index_settings["treatment"]
    nominal_treat = None if treat_cfg["method"] == "none" else int(treat_cfg.get("winmax", 5))

    def varied(name: str) -> bool:
        return bool(settings[name]["vary"])

    draw_alts = tuple(int(d) for d in draws) if varied("imputation") else (0,)
    chain_alts = tuple(int(c) for c in chains) if settings.get("imputation_chain", {}).get("vary") else (0,)
    if varied("treatment"):
        t = settings["treatment"]
        treat_alts: tuple[int | None, ...] = ((None,) if t["untreated"] else ()) + tuple(
            sorted(set(int(w) for w in t["winmax"]))
        )
        if not treat_alts:
            raise ConfigError(
                problem="the treatment input has no alternative",
                file="config",
                column=f"{_KEY}.treatment",
                expected="untreated: true or a non-empty winmax list",
                fix="add alternatives, or set vary: false",
            )
    else:
        treat_alts = (nominal_treat,)
    if varied("normalisation"):
        norm_alts = tuple(
            index_spec({**index_settings, "normalisation": alt}).normalisation
            for alt in settings["normalisation"]["alternatives"]
        )
    else:
        norm_alts = (spec.normalisation,)
    agg_alts = tuple(settings["aggregation"]["methods"]) if varied("aggregation") else (aggregation,)
    drop_alts: tuple[str | None, ...] = (None,) + (tuple(framework.leaves) if varied("leave_one_out") else ())

    nodes = tuple(framework.nodes)
    w = settings["weights"]
    levels = set(int(v) for v in w["levels"])
    perturbed = tuple(
        i
        for i, n in enumerate(nodes)
        if n != framework.root
        and (not levels or framework.level(n) in levels)
        and len(framework.children(framework.parent(n))) > 1
    )
    spread = float(w["spread"]) if varied("weights") and perturbed else 0.0

    def position(alts: Sequence[Any], value: Any) -> int | None:
        return alts.index(value) if value in alts else None

    parts = [
        position(draw_alts, 0),
        position(chain_alts, 0),
        position(treat_alts, nominal_treat),
        position(norm_alts, spec.normalisation),
        position(agg_alts, aggregation),
    ]
    nominal = None
    if all(p is not None for p in parts):
        nominal = Choices(
            *(np.array([p], dtype=np.int64) for p in parts), np.zeros(1, dtype=np.int64), np.ones((1, len(nodes)))
        )
    return InputSpace(
        draws=draw_alts,
        chains=chain_alts,
        treatments=treat_alts,
        normalisations=norm_alts,
        aggregations=agg_alts,
        dropped=drop_alts,
        nodes=nodes,
        perturbed=perturbed,
        spread=spread,
        on_nonpositive=str(settings["aggregation"]["on_nonpositive"]),
        skew=float(treat_cfg.get("skew", 2.0)),
        kurtosis=float(treat_cfg.get("kurtosis", 3.5)),
        exclude=frozenset(treat_cfg.get("exclude", [])),
        nominal=nominal,
    )
