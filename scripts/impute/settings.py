"""What the imputation is asked to do: the chains of steps per role, and the settings, validated once."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from scripts.core.errors import ConfigError
from scripts.core.vocabulary import GROUP_LEVELS, ROLES, STEPS, GroupLevel
from scripts.impute.kernels import MAX_FIT_ROWS

log = logging.getLogger("ictmdg")


#: Chains used when none are given. Outcomes are only interpolated across short interior
#: gaps: the models should rest on observed outcomes (REFERENCE.md section 6).
DEFAULT_METHODS: dict[str, list[str]] = {
    "readiness": ["interpolate", "carry", "iterative", "group_median"],
    "use": ["interpolate", "carry", "iterative", "group_median"],
    "impact": ["interpolate", "carry", "iterative", "group_median"],
    "outcome": ["interpolate"],
    "control": ["interpolate", "carry", "group_median"],
}


#: Chains compared by default in the masking experiment.
DEFAULT_CANDIDATES: tuple[str, ...] = (
    "interpolate+carry+group_median",
    "interpolate+trend+group_median",
    "interpolate+carry_long+group_median",
    "interpolate+carry_forward+carry_long+group_median",
    "carry_forward+carry_long+group_median",
    "interpolate+carry_forward+carry_long+knn+group_median",
    "interpolate+carry_forward+carry_long+iterative+group_median",
    "interpolate+carry_all+group_median",
    "interpolate+carry+knn+group_median",
    "interpolate+carry+iterative+group_median",
    "group_median",
    "knn+group_median",
    "iterative+group_median",
)


def parse_chain(chain: str | Sequence[str]) -> list[str]:
    """Return the steps of ``chain`` ("interpolate+carry+group_median" or a list), validated.

    Raises :class:`ConfigError` on an unknown or repeated step.
    """
    steps = [s for s in chain.split("+") if s] if isinstance(chain, str) else list(chain)
    bad = [s for s in steps if s not in STEPS]
    if bad:
        raise ConfigError(
            problem=f"unknown imputation step(s) {bad} in {chain!r}",
            expected=f"steps from {', '.join(STEPS)}",
            fix="correct the imputation methods in the config",
        )
    if len(set(steps)) != len(steps):
        raise ConfigError(
            problem=f"imputation chain {chain!r} repeats a step",
            expected="each step at most once (a repeated step fills nothing new)",
            fix="remove the repeated step",
        )
    return steps


def chain_name(steps: Sequence[str]) -> str:
    """Return the canonical "+"-joined name of a chain."""
    return "+".join(steps)


def methods_by_role(methods: Mapping[str, str | Sequence[str]] | None) -> dict[str, list[str]]:
    """Role -> validated list of steps; :data:`DEFAULT_METHODS` when ``methods`` is None.

    A role left out is not imputed (logged). Raises :class:`ConfigError` for an unknown
    role or step.
    """
    if methods is None:
        return {r: list(s) for r, s in DEFAULT_METHODS.items()}
    bad = [r for r in methods if r not in ROLES]
    if bad:
        raise ConfigError(
            problem=f"imputation methods given for unknown roles {bad}",
            expected=f"roles from {', '.join(ROLES)}",
            fix="correct the role names under the imputation methods in the config",
        )
    out = {r: parse_chain(c) for r, c in methods.items()}
    absent = [r for r in ROLES if r not in out]
    if absent:
        log.info("impute: no methods for roles %s; their gaps stay 'missing'", absent)
    return out


def check_int(name: str, value: int, low: int = 0) -> int:
    """Return ``value`` as an int; raise :class:`ConfigError` unless it is an integer >= ``low``."""
    if int(value) != value or int(value) < low:
        raise ConfigError(
            problem=f"{name}={value!r} is not an integer >= {low}",
            expected=f"an integer >= {low}",
            fix=f"set {name} in the config",
        )
    return int(value)


@dataclass(frozen=True)
class ImputeSettings:
    """The settings every imputation call shares, checked once when built.

    Attributes
    ----------
    max_gap:
        Longest interior gap (years) bridged by ``interpolate``.
    max_extrap:
        Most years ``carry`` and ``trend`` extend a series beyond its first/last observation.
    trend_points:
        Observations nearest the end that ``trend`` fits its line through (>= 2).
    seed:
        Seed of every random draw of the stage (model subsamples, masks, draws).
    max_fit_rows:
        Most economy-years a ``knn`` or ``iterative`` block is fitted on (see
        :mod:`scripts.impute.steps`, "Large panels").
    n_neighbors, max_iter:
        ``KNNImputer`` neighbours and ``IterativeImputer`` rounds.
    group_fallback:
        Group levels tried, in order, when the region x income cell has no observation.
    long_carry:
        Most years ``carry_long`` extends a series beyond its ends, and the longest
        interior gap ``carry_forward`` bridges with the value before it.
    fill_unreported:
        Whether a step may fill a series (economy x indicator) with no observation in the
        window. Off by default: such cells stay ``missing`` with the method label
        :data:`~scripts.core.vocabulary.UNREPORTED_LABEL`, since no experiment measures an
        invented series unless the masking experiment hides whole series (it does when this
        is on).

    Raises :class:`ConfigError` when a count is not an integer in its range or a fallback
    level is unknown.
    """

    max_gap: int = 3
    max_extrap: int = 2
    trend_points: int = 3
    seed: int = 0
    max_fit_rows: int = MAX_FIT_ROWS
    n_neighbors: int = 5
    max_iter: int = 10
    group_fallback: tuple[GroupLevel, ...] = GROUP_LEVELS
    long_carry: int = 5
    fill_unreported: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.fill_unreported, bool):
            raise ConfigError(
                problem=f"fill_unreported={self.fill_unreported!r} is not true or false",
                expected="a boolean",
                fix="set impute.fill_unreported to true or false in the config",
            )
        for name, low in (
            ("long_carry", 0),
            ("max_gap", 0),
            ("max_extrap", 0),
            ("trend_points", 2),
            ("seed", 0),
            ("max_fit_rows", 1),
            ("n_neighbors", 1),
            ("max_iter", 1),
        ):
            object.__setattr__(self, name, check_int(name, getattr(self, name), low))
        bad = [f for f in self.group_fallback if f not in GROUP_LEVELS]
        if bad:
            raise ConfigError(
                problem=f"unknown group fallback {bad}",
                expected=f"levels from {list(GROUP_LEVELS)}",
                fix="set the group fallback to a list of 'income' and/or 'region'",
            )
        object.__setattr__(self, "group_fallback", tuple(self.group_fallback))


#: ``chosen_by`` of a role whose chain the masking experiment picked (``impute.methods`` ``auto``).
BY_EXPERIMENT = "masking experiment"


def resolve_methods(configured: Mapping[str, Any], recommended: Mapping[str, str]) -> pd.DataFrame:
    """The chain each role uses: the configured list, or the recommendation for ``auto``.

    Returns role, chain ('step+step'), chosen_by ('config' | 'masking experiment').
    A role set to ``auto`` with no recommendation (no data for the role) falls back to
    :data:`DEFAULT_METHODS` and says so in ``chosen_by``.
    """
    rows = []
    for role in ROLES:
        setting = configured.get(role, "auto")
        if setting == "auto":
            if role in recommended:
                rows.append((role, recommended[role], BY_EXPERIMENT))
            else:
                rows.append((role, "+".join(DEFAULT_METHODS[role]), "default (no masking result for the role)"))
        else:
            rows.append((role, "+".join(setting), "config"))
    return pd.DataFrame(rows, columns=["role", "chain", "chosen_by"])


def chains_from_table(methods: pd.DataFrame) -> dict[str, list[str]]:
    """role -> list of steps, from a table of role, chain ('step+step')."""
    return {r.role: r.chain.split("+") for r in methods.itertuples()}
