"""Weighting schemes for the children of a node.

Every function returns a ``pd.Series`` child -> weight, with weights >= 0 summing to 1.

* :func:`equal_weights` - 1/n for each child (or for every node, per parent).
* :func:`explicit_weights` - the framework's weights, normalised within the parent.
* :func:`pca_weights` - loadings of the first principal component of the standardised
  children, sign-guarded.
* :func:`balance_weights` - weights that make each child's Pearson correlation with the
  aggregate match a target profile (default: equal correlations).

The data-driven schemes use the children's scores pooled over all units and years
(one set of weights for the whole panel, so scores stay comparable over time).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd
from scipy.optimize import minimize

from scripts.core.errors import ConfigError
from scripts.core.vocabulary import PcaNegative
from scripts.index.aggregate import aggregate
from scripts.index.framework import Framework


def equal_weights(framework: Framework, node: str | None = None) -> pd.Series:
    """Equal weights: 1/n for each of the n children of ``node``.

    With ``node=None`` returns the weights of every non-root node (1/n within each
    parent; they sum to 1 under every parent), indexed by node in table order.
    """
    if node is not None:
        kids = framework.children(node)
        return pd.Series(1.0 / len(kids), index=list(kids), name="weight")
    nodes = [n for n in framework.nodes if n != framework.root]
    return pd.Series([1.0 / len(framework.children(framework.parent(n))) for n in nodes], index=nodes, name="weight")


def explicit_weights(framework: Framework, node: str | None = None) -> pd.Series:
    """The framework's own weights normalised within each parent.

    For ``node`` the weights of its children (sum 1); with ``node=None`` those of
    every non-root node (sum 1 under every parent).
    """
    if node is not None:
        kids = list(framework.children(node))
        return pd.Series([framework.weight(k) for k in kids], index=kids, name="weight")
    return framework.weights().drop(framework.root)


def pca_weights(
    children_scores: pd.DataFrame,
    *,
    negative: PcaNegative = "zero",
    name: str | None = None,
) -> pd.Series:
    """Weights from the first principal component of the standardised children.

    The children are standardised (pooled mean 0, sd 1 over the rows with every child
    observed - listwise deletion), the first eigenvector of their correlation matrix is
    taken, and its sign is fixed so the loadings sum to a positive number (an
    eigenvector's sign is arbitrary). Loadings that are still negative - a child that
    moves against the others - are set to zero (``negative="zero"``, default) or make
    the function raise ConfigError (``"refuse"``). The loadings are then divided by
    their sum. Returns a Series child -> weight summing to 1. ``name`` labels errors.
    """
    cols = list(children_scores.columns)
    label = f"node {name!r}" if name else "the node"
    if len(cols) == 1:
        return pd.Series([1.0], index=cols, name="weight")
    x = children_scores.dropna().to_numpy(dtype=float)
    if x.shape[0] < 3:
        raise ConfigError(
            problem=f"PCA weights for {label} need at least 3 rows with every child observed; found {x.shape[0]}",
            expected="enough complete unit-years to estimate a correlation matrix",
            fix="use explicit or equal weights for this node, or impute the missing values first",
        )
    sd = x.std(axis=0, ddof=1)
    flat = [c for c, s in zip(cols, sd) if not s > 0]
    if flat:
        raise ConfigError(
            problem=f"PCA weights for {label}: children {flat} are constant (sd 0)",
            expected="children that vary across units and years",
            fix="drop the constant indicators or use explicit weights",
        )
    z = (x - x.mean(axis=0)) / sd
    corr = (z.T @ z) / (x.shape[0] - 1)
    vals, vecs = np.linalg.eigh(corr)
    load = vecs[:, np.argmax(vals)]
    if load.sum() < 0:
        load = -load
    neg = load < -1e-12
    if neg.any():
        names = [c for c, n in zip(cols, neg) if n]
        if negative == "refuse":
            raise ConfigError(
                problem=(
                    f"PCA weights for {label}: children {names} load negatively on the first component "
                    f"(loadings {dict(zip(cols, np.round(load, 4)))})"
                ),
                expected="all children loading in the same direction",
                fix="check the indicators' directions, drop the indicators, or use pca negative='zero'",
            )
        load = np.where(neg, 0.0, load)
    load = np.clip(load, 0.0, None)
    if load.sum() <= 0:  # pragma: no cover - a unit eigenvector with a positive sum has a positive entry
        raise ConfigError(problem=f"PCA weights for {label} are all zero", fix="use explicit weights")
    return pd.Series(load / load.sum(), index=cols, name="weight")


def _correlations(children: np.ndarray, agg: np.ndarray) -> np.ndarray:
    """Pearson correlation of each column of ``children`` with ``agg`` (pairwise complete)."""
    out = np.empty(children.shape[1])
    for j in range(children.shape[1]):
        m = ~np.isnan(children[:, j]) & ~np.isnan(agg)
        a = children[m, j] - children[m, j].mean()
        b = agg[m] - agg[m].mean()
        den = np.sqrt((a * a).sum() * (b * b).sum())
        out[j] = (a * b).sum() / den if den > 0 else 0.0
    return out


def balance_weights(
    children_scores: pd.DataFrame,
    aggregate_fn: Callable[[pd.DataFrame, pd.Series], pd.Series] | None = None,
    target: Mapping[str, float] | pd.Series | None = None,
    *,
    name: str | None = None,
) -> pd.Series:
    """Weights that balance the children's correlations with the aggregate.

    Finds weights ``w >= 0``, ``sum(w) = 1`` minimising
    ``sum_i (r_i / sum(r) - t_i)^2`` where ``r_i`` is the Pearson correlation of child
    i with ``aggregate_fn(children_scores, w)`` (default: weighted arithmetic mean)
    and ``t`` the target profile normalised to sum 1 (default: equal, i.e. every child
    equally correlated with the aggregate) - COINr's ``get_opt_weights(optype =
    "balance")``, solved with SLSQP instead of Nelder-Mead. Returns a Series child ->
    weight summing to 1. ``name`` labels errors.
    """
    cols = list(children_scores.columns)
    label = f"node {name!r}" if name else "the node"
    k = len(cols)
    if k == 1:
        return pd.Series([1.0], index=cols, name="weight")
    if target is None:
        t = np.full(k, 1.0 / k)
    else:
        ts = pd.Series(target, dtype=float).reindex(cols)
        if ts.isna().any() or (ts < 0).any() or ts.sum() <= 0:
            raise ConfigError(
                problem=f"balance target for {label} is {dict(pd.Series(target))}",
                expected=f"a relative target >= 0 for every child {cols}",
                fix="give one non-negative target correlation share per child",
            )
        t = ts.to_numpy() / ts.sum()
    fn = aggregate_fn or (lambda c, w: aggregate(c, w, "arithmetic"))
    x = children_scores.to_numpy(dtype=float)

    def loss(v: np.ndarray) -> float:
        v = np.clip(v, 0.0, None)
        if v.sum() <= 0:
            return 1e3
        agg = fn(children_scores, pd.Series(v / v.sum(), index=cols)).to_numpy(dtype=float)
        r = _correlations(x, agg)
        if r.sum() <= 0:
            return 1e3
        return float(((r / r.sum() - t) ** 2).sum())

    res = minimize(
        loss,
        x0=np.full(k, 1.0 / k),
        method="SLSQP",
        bounds=[(0.0, 1.0)] * k,
        constraints=[{"type": "eq", "fun": lambda v: v.sum() - 1.0}],
        options={"ftol": 1e-14, "maxiter": 500},
    )
    v = np.clip(res.x, 0.0, None)
    if not np.isfinite(v).all() or v.sum() <= 0:
        raise ConfigError(
            problem=f"correlation-balancing weights for {label} did not converge ({res.message})",
            expected="an optimisation that ends at valid weights",
            fix="use explicit or PCA weights for this node",
        )
    return pd.Series(v / v.sum(), index=cols, name="weight")
