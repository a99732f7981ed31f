"""The overlap guard of the models: an outcome is never regressed on a measure containing its own components.

An index measure that holds indicators sharing a theme with the outcome is replaced, for
that outcome, by the index stage's outcome-disjoint construction
(:func:`scripts.index.overlap.outcome_disjoint`: the index rebuilt without those
indicators, weights re-normalised), checked clean with
:func:`scripts.index.overlap.check_no_overlap`, and named ``without_<theme>[_<theme>]``.
A single-indicator measure has no such variant: if it is the outcome or shares one of its
themes, the configuration is circular and is refused.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from scripts.core.errors import ConfigError
from scripts.core.vocabulary import ICT_ROLES
from scripts.index.framework import Framework
from scripts.index.overlap import check_no_overlap, outcome_disjoint


def themes_of(catalogue: pd.DataFrame, indicator: str) -> frozenset[str]:
    """The catalogue's theme tags of ``indicator`` (lower case)."""
    raw = catalogue.set_index("indicator").at[indicator, "themes"]
    return frozenset(t.strip().lower() for t in str(raw).split(";") if t.strip())


def variant_name(themes: frozenset[str]) -> str:
    """``without_<theme>_<theme>`` for the sorted themes, "" for none (the index as built)."""
    return "without_" + "_".join(sorted(themes)) if themes else ""


@dataclass(frozen=True)
class Resolved:
    """The measure a model of one outcome uses."""

    measure: str  # the configured name
    kind: str  # "node" | "indicator"
    target: str  # framework node or catalogue indicator
    drop_themes: frozenset[str]  # themes whose indicators the variant leaves out (empty: none)
    usable: bool  # False when no indicator of the node is left
    reason: str  # why the variant is used, or why the pair cannot be modelled

    @property
    def variant(self) -> str:
        return variant_name(self.drop_themes)

    @property
    def label(self) -> str:
        """The measure as the tables name it, e.g. ``readiness`` or ``readiness (without_education)``."""
        return f"{self.measure} ({self.variant})" if self.variant else self.measure


def check_indicator_measures(
    measures: Mapping[str, Mapping[str, str]], catalogue: pd.DataFrame, outcomes: pd.DataFrame
) -> None:
    """Refuse a single-indicator measure that is not an ICT indicator or overlaps any outcome modelled.

    Raises ConfigError naming the measure, the outcome and the shared theme.
    """
    roles = catalogue.set_index("indicator")["role"]
    for name, spec in measures.items():
        ind = spec.get("indicator")
        if ind is None:
            continue
        if ind not in roles.index or roles[ind] not in ICT_ROLES:
            raise ConfigError(
                problem=f"models.measures.{name} names {ind!r}, which is not an ICT indicator of the catalogue",
                file="config",
                expected=f"an indicators.csv id with role in {list(ICT_ROLES)}",
                fix="name an ICT indicator, or a node of the index with {node: ...}",
            )
        mine = themes_of(catalogue, ind)
        for o in outcomes.itertuples():
            shared = sorted(mine & themes_of(catalogue, o.indicator))
            if ind == o.indicator or shared:
                raise ConfigError(
                    problem=(
                        f"models.measures.{name} ({ind}) overlaps the outcome {o.indicator!r}"
                        + (f": both carry the theme(s) {shared}" if shared else ": it is the outcome itself")
                        + ", so the model would regress the outcome on its own component (a circular specification)"
                    ),
                    file="config",
                    expected="a measure sharing no theme with any modelled outcome",
                    fix="drop the measure, use an index node (its outcome-disjoint variant is built), "
                    "restrict models.outcomes, or correct the theme tags in indicators.csv",
                )


def resolve(
    name: str,
    spec: Mapping[str, str],
    framework: Framework,
    outcome: str,
    outcome_themes: frozenset[str],
    file_nodes: frozenset[str] | None = None,
) -> Resolved:
    """The measure ``name`` as used for ``outcome``: as configured, or its outcome-disjoint variant.

    ``framework`` is the index as built (without the indicators the data lack);
    ``file_nodes`` the nodes of its framework file (default: those of ``framework``). A
    node of the file that the built index lost is not estimable (with the reason); a node
    that is not in the file raises ConfigError.
    """
    if "indicator" in spec:
        return Resolved(name, "indicator", spec["indicator"], frozenset(), True, "")
    node = spec["node"]
    if node not in framework.nodes and node in (file_nodes or frozenset()):
        why = f"the index as built has no {node!r}: none of its indicators has data or passed screening"
        return Resolved(name, "node", node, frozenset(), False, why)
    if node not in framework.nodes:
        raise ConfigError(
            problem=f"models.measures.{name} names node {node!r}, which the index framework (as built) lacks",
            file="config",
            expected=f"one of {list(framework.nodes)}",
            fix="name a node of the index framework (a node whose indicators were all dropped has no score)",
        )
    leaves = framework.leaves_under(node)
    shared = frozenset().union(*(framework.themes(leaf, inherited=True) & outcome_themes for leaf in leaves))
    if not shared and outcome not in leaves:
        return Resolved(name, "node", node, frozenset(), True, "")
    try:
        clean = outcome_disjoint(framework, set(shared))
    except ConfigError as exc:
        return Resolved(name, "node", node, shared, False, exc.problem)
    if node not in clean.nodes:
        why = f"every indicator of {node!r} carries the outcome's theme(s) {sorted(shared)}"
        return Resolved(name, "node", node, shared, False, why)
    check_no_overlap(clean, node, outcome, set(outcome_themes))
    gone = sorted(set(leaves) - set(clean.leaves_under(node)))
    return Resolved(
        name, "node", node, shared, True, f"leaves out {', '.join(gone)} (theme {', '.join(sorted(shared))})"
    )
