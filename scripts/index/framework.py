"""Index frameworks: the tree of indicators, pillars, sub-indices and the index.

A framework is a table in the spirit of COINr's ``iMeta``, one row per node:

========== ==================================================================
column     meaning
========== ==================================================================
node       unique id (an indicator id for leaves, any label for aggregates)
parent     id of the node one level up; ``""`` (or empty) for the root
weight     relative weight >= 0 within the parent (normalised to sum 1 there);
           ignored for the root
direction  +1 (higher is better) or -1 (lower is better); required for leaves,
           ignored elsewhere
name       optional display name
themes     optional ``";"``-separated tags (e.g. ``"education;health"``), used
           by the index/outcome overlap guard; matched case-insensitively; an
           indicator inherits the tags of its ancestors
========== ==================================================================

Leaves are the nodes without children. The tree can have any depth. Levels follow
COINr: a leaf is level 1 and an aggregate is one level above its highest child, so
in a balanced tree pillars are level 2, sub-indices level 3 and so on; depth counts
from the root (depth 0) down.

:func:`load_framework` validates a table and returns a :class:`Framework`; every
broken rule raises :class:`~scripts.errors.ConfigError` naming the node and the row.
Rows are reported as physical lines of a CSV with one header line (row 2 = first
data row).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from scripts.core.errors import ConfigError

#: Columns a framework table must have; ``name`` and ``themes`` are optional.
REQUIRED_COLUMNS = ("node", "parent", "weight", "direction")
OPTIONAL_COLUMNS = ("name", "themes")


def _blank(value: Any) -> bool:
    """True for NaN/None/empty-string cells (a root's parent may be written either way)."""
    if value is None:
        return True
    if isinstance(value, float) and np.isnan(value):
        return True
    return isinstance(value, str) and value.strip() == ""


def _split_themes(value: Any) -> frozenset[str]:
    if _blank(value):
        return frozenset()
    return frozenset(t.strip().lower() for t in str(value).split(";") if t.strip())


class Framework:
    """A validated index tree. Build it with :func:`load_framework`, not directly.

    Instances are immutable: :meth:`with_weights` and :meth:`drop_leaves` return new
    frameworks. Nodes keep the order of the table they came from.
    """

    __slots__ = (
        "_table",
        "_nodes",
        "_parent",
        "_children",
        "_raw_weight",
        "_direction",
        "_themes",
        "_root",
        "_leaves",
        "_depth",
        "_level",
        "_norm_weight",
        "_leaves_under",
    )

    def __init__(self, table: pd.DataFrame) -> None:
        # The table is assumed valid here; load_framework checks it first.
        t = table.reset_index(drop=True)
        nodes = tuple(str(n) for n in t["node"])
        parent = {n: ("" if _blank(p) else str(p)) for n, p in zip(nodes, t["parent"])}
        children: dict[str, list[str]] = {n: [] for n in nodes}
        for n in nodes:
            if parent[n]:
                children[parent[n]].append(n)
        root = next(n for n in nodes if parent[n] == "")
        raw_weight = {n: float(w) if not _blank(w) else np.nan for n, w in zip(nodes, t["weight"])}
        raw_weight[root] = 1.0
        leaves = tuple(n for n in nodes if not children[n])
        leaf_set = set(leaves)
        direction = {n: int(float(d)) for n, d in zip(nodes, t["direction"]) if n in leaf_set}
        themes_col = t["themes"] if "themes" in t.columns else pd.Series([""] * len(t))
        themes = {n: _split_themes(v) for n, v in zip(nodes, themes_col)}

        depth: dict[str, int] = {root: 0}
        order = [root]
        for n in order:  # breadth-first from the root; the list grows while we walk it
            for c in children[n]:
                depth[c] = depth[n] + 1
                order.append(c)
        level: dict[str, int] = {}
        for n in reversed(order):  # children come after parents in `order`
            level[n] = 1 if not children[n] else 1 + max(level[c] for c in children[n])

        norm_weight = {root: 1.0}
        for kids in children.values():
            if kids:
                total = sum(raw_weight[k] for k in kids)
                for k in kids:
                    norm_weight[k] = raw_weight[k] / total

        under: dict[str, tuple[str, ...]] = {}
        leaf_pos = {leaf: i for i, leaf in enumerate(leaves)}
        for n in reversed(order):
            if not children[n]:
                under[n] = (n,)
            else:
                collected = [leaf for c in children[n] for leaf in under[c]]
                under[n] = tuple(sorted(collected, key=leaf_pos.__getitem__))

        object.__setattr__(self, "_table", t)
        object.__setattr__(self, "_nodes", nodes)
        object.__setattr__(self, "_parent", parent)
        object.__setattr__(self, "_children", {n: tuple(c) for n, c in children.items()})
        object.__setattr__(self, "_raw_weight", raw_weight)
        object.__setattr__(self, "_direction", direction)
        object.__setattr__(self, "_themes", themes)
        object.__setattr__(self, "_root", root)
        object.__setattr__(self, "_leaves", leaves)
        object.__setattr__(self, "_depth", depth)
        object.__setattr__(self, "_level", level)
        object.__setattr__(self, "_norm_weight", norm_weight)
        object.__setattr__(self, "_leaves_under", under)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("Framework is immutable; use with_weights() or drop_leaves()")

    def __repr__(self) -> str:
        return (
            f"Framework(root={self._root!r}, {len(self._leaves)} leaves, "
            f"{len(self._nodes) - len(self._leaves)} aggregates, levels={self.max_level})"
        )

    def _check(self, node: str) -> str:
        if node not in self._parent:
            raise KeyError(f"{node!r} is not a node of the framework")
        return node

    # ---- structure -----------------------------------------------------------------
    @property
    def nodes(self) -> tuple[str, ...]:
        """All node ids, in table order."""
        return self._nodes

    @property
    def root(self) -> str:
        """The id of the single root (the index)."""
        return self._root

    @property
    def leaves(self) -> tuple[str, ...]:
        """Leaf ids (the indicators), in table order."""
        return self._leaves

    @property
    def aggregates(self) -> tuple[str, ...]:
        """Non-leaf node ids, bottom-up (every aggregate after all of its children)."""
        return tuple(n for n in self.bottom_up() if self._children[n])

    @property
    def max_level(self) -> int:
        """Level of the root (1 when the framework is a single indicator)."""
        return self._level[self._root]

    def children(self, node: str) -> tuple[str, ...]:
        """Children of ``node`` in table order (empty for a leaf)."""
        return self._children[self._check(node)]

    def parent(self, node: str) -> str:
        """Parent of ``node``; ``""`` for the root."""
        return self._parent[self._check(node)]

    def is_leaf(self, node: str) -> bool:
        """True when ``node`` has no children."""
        return not self._children[self._check(node)]

    def depth(self, node: str) -> int:
        """Number of edges from the root to ``node`` (root = 0)."""
        return self._depth[self._check(node)]

    def level(self, node: str) -> int:
        """COINr level: leaves 1, an aggregate one above its highest child."""
        return self._level[self._check(node)]

    def levels(self) -> pd.Series:
        """Level of every node (Series indexed by node, table order)."""
        return pd.Series([self._level[n] for n in self._nodes], index=list(self._nodes), name="level")

    def ancestors(self, node: str) -> tuple[str, ...]:
        """Ancestors of ``node`` from its parent up to the root."""
        out = []
        p = self._parent[self._check(node)]
        while p:
            out.append(p)
            p = self._parent[p]
        return tuple(out)

    def leaves_under(self, node: str) -> tuple[str, ...]:
        """Leaves in the subtree of ``node`` (itself for a leaf), in table order."""
        return self._leaves_under[self._check(node)]

    def bottom_up(self) -> tuple[str, ...]:
        """All nodes in a topological order with every child before its parent.

        Sorted by level, then table order, so the order is deterministic.
        """
        pos = {n: i for i, n in enumerate(self._nodes)}
        return tuple(sorted(self._nodes, key=lambda n: (self._level[n], pos[n])))

    # ---- attributes ----------------------------------------------------------------
    def weights(self) -> pd.Series:
        """Weights normalised within each parent (they sum to 1 under every parent).

        Returns a Series indexed by node in table order; the root's weight is 1.
        """
        return pd.Series([self._norm_weight[n] for n in self._nodes], index=list(self._nodes), name="weight")

    def weight(self, node: str) -> float:
        """Normalised weight of ``node`` within its parent (1 for the root)."""
        return self._norm_weight[self._check(node)]

    def raw_weights(self) -> pd.Series:
        """Weights as written in the table (root set to 1)."""
        return pd.Series([self._raw_weight[n] for n in self._nodes], index=list(self._nodes), name="weight")

    def path_weight(self, leaf: str, ancestor: str) -> float:
        """Product of normalised weights on the path from ``node`` up to ``ancestor``.

        ``path_weight(x, x)`` is 1. This is the leaf's nominal (effective) weight in
        ``ancestor`` when no data are missing; raises ValueError when ``ancestor`` is
        not above ``leaf``.
        """
        self._check(leaf)
        self._check(ancestor)
        w = 1.0
        n = leaf
        while n != ancestor:
            if n == self._root:
                raise ValueError(f"{ancestor!r} is not an ancestor of {leaf!r}")
            w *= self._norm_weight[n]
            n = self._parent[n]
        return w

    def directions(self) -> pd.Series:
        """Direction (+1/-1) of every leaf, indexed by leaf id."""
        return pd.Series([self._direction[n] for n in self._leaves], index=list(self._leaves), name="direction")

    def themes(self, node: str, *, inherited: bool = False) -> frozenset[str]:
        """Lower-cased theme tags of ``node``; with ``inherited`` also those of its ancestors.

        The overlap guard uses inherited themes, so tagging a pillar (e.g. Skills with
        "education") tags every indicator under it.
        """
        own = self._themes[self._check(node)]
        if not inherited:
            return own
        return own.union(*(self._themes[a] for a in self.ancestors(node)))

    def name(self, node: str) -> str:
        """Display name of ``node`` (its id when the table gives none)."""
        value = self._table.loc[self._table["node"] == self._check(node), "name"].iloc[0]
        return value or node

    def to_frame(self) -> pd.DataFrame:
        """The framework as a table with the columns of :data:`REQUIRED_COLUMNS` plus name/themes."""
        return self._table.copy()

    # ---- derived frameworks ------------------------------------------------------------
    def with_weights(self, weights: Mapping[str, float]) -> Framework:
        """Return a framework with the raw weights of the given nodes replaced.

        Weights stay relative (re-normalised within each parent); the result is
        validated again, so e.g. an all-zero sibling group raises ConfigError.
        """
        unknown = sorted(set(weights) - set(self._nodes))
        if unknown:
            raise ConfigError(
                problem=f"weights given for nodes not in the framework: {unknown}",
                expected=f"node ids among {list(self._nodes)}",
                fix="check the spelling of the node ids",
            )
        t = self._table.copy()
        new = t["node"].map(lambda n: weights.get(n, np.nan))
        t["weight"] = new.where(new.notna(), t["weight"]).astype(float)
        return load_framework(t)

    def drop_leaves(self, drop: Iterable[str]) -> Framework:
        """Return a framework without the given leaves, re-normalising sibling weights.

        An aggregate left without children is dropped too (recursively). Raises
        ConfigError when a name is not a leaf or when nothing would be left.
        """
        drop = set(drop)
        bad = sorted(d for d in drop if d not in self._children or self._children[d])
        if bad:
            raise ConfigError(
                problem=f"cannot drop {bad}: not leaves of the framework",
                expected=f"leaf ids among {list(self._leaves)}",
                fix="drop only indicators (leaves); aggregates go away when their last child does",
            )
        gone = set(drop)
        changed = True
        while changed:
            changed = False
            for n in self._nodes:
                if n in gone or not self._children[n]:
                    continue
                if all(c in gone for c in self._children[n]):
                    gone.add(n)
                    changed = True
        if self._root in gone:
            raise ConfigError(
                problem=f"dropping leaves {sorted(drop)} leaves the framework empty",
                expected="at least one indicator left under the root",
                fix="keep at least one indicator, or use a different framework",
            )
        t = self._table.loc[~self._table["node"].isin(gone)]
        return load_framework(t)


def _error(problem: str, row: int | None, expected: str, fix: str, file: str | None, column: str | None = None):
    return ConfigError(problem=problem, file=file, row=row, column=column, expected=expected, fix=fix)


def load_framework(df: pd.DataFrame, *, source: str | None = None) -> Framework:
    """Validate a framework table and return the :class:`Framework`.

    Rules (each raises ConfigError naming the node and row): the required columns
    exist; node ids are non-empty and unique; exactly one root (empty parent); every
    parent is a node; no cycles; weights of non-root nodes are finite and >= 0 and not
    all zero within a parent; every leaf has direction +1 or -1. ``source`` (a file
    path) only labels the messages.
    """
    missing = [c for c in REQUIRED_COLUMNS if c not in df.columns]
    if missing:
        raise _error(
            f"framework table lacks columns {missing}",
            None,
            f"columns {list(REQUIRED_COLUMNS)} (optional: {list(OPTIONAL_COLUMNS)})",
            "add the missing columns to the framework file",
            source,
        )
    t = df.reset_index(drop=True).copy()
    rows = {i: i + 2 for i in range(len(t))}  # physical CSV line with one header line

    node_raw = t["node"].tolist()
    for i, n in enumerate(node_raw):
        if _blank(n):
            raise _error(
                "row has an empty node id", rows[i], "a non-empty node id", "fill in the node id", source, "node"
            )
    nodes = [str(n).strip() for n in node_raw]
    seen: dict[str, int] = {}
    for i, n in enumerate(nodes):
        if n in seen:
            raise _error(
                f"node {n!r} is listed twice (rows {rows[seen[n]]} and {rows[i]})",
                rows[i],
                "each node exactly once",
                "remove or rename one of the two rows",
                source,
                "node",
            )
        seen[n] = i
    parents = ["" if _blank(p) else str(p).strip() for p in t["parent"].tolist()]
    t["node"] = nodes
    t["parent"] = parents

    for i, p in enumerate(parents):
        if p and p not in seen:
            raise _error(
                f"parent {p!r} of node {nodes[i]!r} is not a node of the framework",
                rows[i],
                "a parent id that appears in the node column",
                f"add a row for {p!r} or correct the parent of {nodes[i]!r}",
                source,
                "parent",
            )
    roots = [i for i, p in enumerate(parents) if p == ""]
    if len(roots) != 1:
        names = [nodes[i] for i in roots]
        raise _error(
            f"framework has {len(roots)} roots {names}; exactly one node must have an empty parent",
            rows[roots[1]] if len(roots) > 1 else None,
            "exactly one root (the index)",
            "give every node but the index a parent" if roots else "leave the parent of the index empty",
            source,
            "parent",
        )
    root = nodes[roots[0]]
    for i, n in enumerate(nodes):
        # Walk up; with one root and existing parents, failing to reach the root means a cycle.
        path = [n]
        p = parents[i]
        while p:
            if p in path:
                cycle = " -> ".join(path[path.index(p) :] + [p])
                raise _error(
                    f"node {n!r} is on a cycle ({cycle})",
                    rows[i],
                    "a tree: following parents from any node reaches the root",
                    "correct the parent column so the chain ends at the index",
                    source,
                    "parent",
                )
            path.append(p)
            p = parents[seen[p]]
        if path[-1] != root:  # pragma: no cover - unreachable given the checks above
            raise AssertionError

    weights = pd.to_numeric(t["weight"], errors="coerce").astype(float)
    for i, n in enumerate(nodes):
        if n == root:
            continue
        w = weights.iloc[i]
        if not np.isfinite(w) or w < 0:
            raise _error(
                f"weight of node {n!r} is {t['weight'].iloc[i]!r}",
                rows[i],
                "a finite number >= 0 (weights are relative within the parent)",
                f"set a valid weight for {n!r}",
                source,
                "weight",
            )
    t["weight"] = weights
    has_child = set(parents) - {""}
    for p in has_child:
        kids = [i for i, q in enumerate(parents) if q == p]
        if float(weights.iloc[kids].sum()) <= 0:
            raise _error(
                f"all children of {p!r} ({[nodes[i] for i in kids]}) have weight 0",
                rows[kids[0]],
                "at least one child with a positive weight",
                f"give a positive weight to one of the children of {p!r}, or drop {p!r}",
                source,
                "weight",
            )

    directions = pd.to_numeric(t["direction"], errors="coerce")
    for i, n in enumerate(nodes):
        if n in has_child:
            continue
        d = directions.iloc[i]
        if d not in (1, -1):
            raise _error(
                f"direction of indicator {n!r} is {t['direction'].iloc[i]!r} (a node without children is an indicator)",
                rows[i],
                "+1 (higher is better) or -1 (lower is better)",
                f"set the direction of {n!r} to 1 or -1",
                source,
                "direction",
            )
    t["direction"] = directions.astype(float)
    for col in OPTIONAL_COLUMNS:
        if col not in t.columns:
            t[col] = ""
        t[col] = ["" if _blank(v) else str(v) for v in t[col]]
    return Framework(t[list(REQUIRED_COLUMNS) + list(OPTIONAL_COLUMNS)])


def framework_from_coinr_imeta(imeta: pd.DataFrame) -> pd.DataFrame:
    """Convert a COINr ``iMeta`` table to a framework table.

    Keeps the ``Indicator`` and ``Aggregate`` rows (groups and denominators are not
    part of the tree); maps iCode -> node, Parent -> parent, Weight -> weight,
    Direction -> direction (indicators only), iName -> name. Returns a DataFrame with
    the framework columns, ready for :func:`load_framework`.
    """
    if "Type" in imeta.columns:
        keep = imeta["Type"].isin(["Indicator", "Aggregate"])
    else:
        keep = imeta["Level"].notna()
    m = imeta.loc[keep]
    is_ind = (m["Type"] == "Indicator") if "Type" in m.columns else (m["Level"] == 1)
    return pd.DataFrame(
        {
            "node": m["iCode"].astype(str).to_numpy(),
            "parent": ["" if _blank(p) else str(p) for p in m["Parent"]],
            "weight": pd.to_numeric(m["Weight"], errors="coerce").to_numpy(dtype=float),
            "direction": np.where(is_ind, pd.to_numeric(m["Direction"], errors="coerce"), np.nan),
            "name": m["iName"].astype(str).to_numpy() if "iName" in m.columns else "",
            "themes": "",
        }
    )
