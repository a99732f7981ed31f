"""The ``models`` config block: cross-checks the schema cannot express, and the specification grid.

:func:`check_models_config` runs at parse time (``workflow/rules/models.smk``), so it
imports nothing heavy. :class:`ModelSettings` gathers the leaves a rule receives as
``params``; :meth:`ModelSettings.specs` lists the specifications that are fitted.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from scripts.core.errors import ConfigError, did_you_mean
from scripts.core.vocabulary import Estimator, SeType


@dataclass(frozen=True)
class Spec:
    """One specification: estimator, control set and ICT lag (the SE types share its fits)."""

    estimator: Estimator
    controls: str
    lag: int

    @property
    def label(self) -> str:
        """A short readable name, e.g. ``fe|with_gdp|lag1``."""
        return f"{self.estimator}|{self.controls}|lag{self.lag}"


@dataclass(frozen=True)
class ModelSettings:
    """The ``models`` block as a rule receives it (see config/README.md for each key)."""

    measures: Mapping[str, Mapping[str, str]]
    variables: Mapping[str, Mapping[str, Any]]
    control_sets: Mapping[str, list[str]]
    lags: list[int]
    lead: int
    long_difference: int
    estimators: list[Estimator]
    se_types: list[SeType]
    dk_bandwidth: int
    headline: Mapping[str, Any]
    draws: int
    fdr_alpha: float

    def specs(self) -> list[Spec]:
        """Every estimator x control set x lag, in config order."""
        return [Spec(e, c, k) for e in self.estimators for c in self.control_sets for k in self.lags]

    @property
    def headline_spec(self) -> Spec:
        """The headline specification (its SE type is ``headline['se_type']``)."""
        h = self.headline
        return Spec(h["estimator"], h["controls"], int(h["lag"]))


def check_models_config(config: Mapping[str, Any], config_file: str) -> None:
    """Raise :class:`ConfigError` for a ``models`` block whose keys do not fit together.

    Checked: the index exists, control sets name declared variables, the headline is one
    of the fitted specifications, ``draws`` does not exceed ``impute.draws``, and the
    window leaves room for the longest lag plus the lead and the long difference.
    """
    m = config["models"]

    def fail(problem: str, expected: str, fix: str) -> None:
        raise ConfigError(problem=problem, file=config_file, expected=expected, fix=fix)

    indices = config["index"]["indices"]
    if m["index"] not in indices:
        fail(
            f"models.index = {m['index']!r} is not an index of index.indices" + did_you_mean(m["index"], indices),
            f"one of {sorted(indices)}",
            "name one of the configured indices under models.index",
        )
    for name, members in m["control_sets"].items():
        unknown = [v for v in members if v not in m["variables"]]
        if unknown:
            fail(
                f"models.control_sets.{name} names {unknown}, not variables of models.variables"
                + did_you_mean(unknown[0], m["variables"]),
                f"names among {sorted(m['variables'])}",
                "declare the variable under models.variables or correct the name",
            )
    h = m["headline"]
    for key, allowed in (
        ("lag", m["lags"]),
        ("controls", list(m["control_sets"])),
        ("estimator", m["estimators"]),
        ("se_type", m["se_types"]),
    ):
        if h[key] not in allowed:
            fail(
                f"models.headline.{key} = {h[key]!r} is not among the fitted ones",
                f"one of {allowed} (models.{'control_sets' if key == 'controls' else key + 's'})",
                "choose a headline the grid fits, or add it to the grid",
            )
    if m["draws"] > config["impute"]["draws"]:
        fail(
            f"models.draws = {m['draws']} exceeds impute.draws = {config['impute']['draws']}",
            "at most impute.draws",
            "lower models.draws or raise impute.draws",
        )
    years = config["analysis"]["last_year"] - config["analysis"]["first_year"] + 1
    need = max(m["lags"]) + m["lead"] + 2
    if "ld" in m["estimators"]:
        need = max(need, max(m["lags"]) + m["long_difference"] + 2)
    if need > years:
        fail(
            f"the analysis window has {years} years, too few for lag {max(m['lags'])}, lead {m['lead']} "
            f"and long difference {m['long_difference']}",
            f"at least {need} years in the window",
            "shorten models.lags or models.long_difference, or widen the analysis window",
        )
    if m["driscoll_kraay_bandwidth"] >= years - max(m["lags"]) - 1:
        fail(
            f"models.driscoll_kraay_bandwidth = {m['driscoll_kraay_bandwidth']} leaves too few periods",
            "a bandwidth below the number of years the longest-lag model keeps",
            "lower models.driscoll_kraay_bandwidth",
        )
