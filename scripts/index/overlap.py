"""The index/outcome overlap guard: an index that contains an outcome's own components cannot predict it.

Indicators carry theme tags (indicators.csv ``themes``, inherited down the framework
tree). :func:`check_no_overlap` refuses a predictor node that contains the outcome or
shares one of its themes; :func:`outcome_disjoint` drops those indicators to build a
variant of the index that can be used as a predictor.
"""

from __future__ import annotations

from collections.abc import Iterable

from scripts.core.errors import ConfigError
from scripts.index.framework import Framework


def _overlapping_leaves(
    fw: Framework, leaves: Iterable[str], outcome: str | None, themes: set[str]
) -> dict[str, list[str]]:
    want = {t.strip().lower() for t in themes}
    out: dict[str, list[str]] = {}
    for leaf in leaves:
        why = sorted(fw.themes(leaf, inherited=True) & want)
        if outcome is not None and leaf == outcome:
            why = ["is the outcome itself"] + why
        if why:
            out[leaf] = why
    return out


def outcome_disjoint(framework: Framework, outcome_themes: set[str]) -> Framework:
    """Return ``framework`` without the leaves that share a theme with the outcome.

    Used to build an index that can be a predictor of an outcome (e.g. drop the
    enrolment indicators before modelling an education MDG). Sibling weights are
    re-normalised; raises ConfigError if every leaf overlaps.
    """
    hit = _overlapping_leaves(framework, framework.leaves, None, outcome_themes)
    if not hit:
        return framework
    if len(hit) == len(framework.leaves):
        raise ConfigError(
            problem=f"every indicator of the framework shares a theme with the outcome ({sorted(outcome_themes)})",
            expected="at least one indicator without the outcome's themes",
            fix="choose another index as predictor, or check the theme tags in the indicator catalogue",
        )
    return framework.drop_leaves(hit)


def check_no_overlap(framework: Framework, node: str, outcome: str, outcome_themes: set[str]) -> None:
    """Raise ConfigError when predictor ``node`` contains the outcome or shares its themes.

    An index that contains an outcome's own components (enrolment in a skills pillar
    vs an education outcome) is circular as a predictor of that outcome. Returns None
    when the node is clean.
    """
    if node not in framework.nodes:
        raise ConfigError(
            problem=f"predictor {node!r} is not a node of the index framework",
            expected=f"one of {list(framework.nodes)}",
            fix="check the predictor name in the model configuration",
        )
    hit = _overlapping_leaves(framework, framework.leaves_under(node), outcome, outcome_themes)
    if hit:
        detail = "; ".join(f"{leaf} ({', '.join(why)})" for leaf, why in hit.items())
        raise ConfigError(
            problem=(
                f"predictor {node!r} overlaps the outcome {outcome!r}: it contains {detail}, "
                "so the model would regress the outcome on its own components"
            ),
            expected=f"no indicator under {node!r} that is {outcome!r} or tagged with {sorted(outcome_themes)}",
            fix=(
                "use an outcome-disjoint version of the index (framework.outcome_disjoint), "
                "pick another predictor node, or correct the theme tags"
            ),
        )
