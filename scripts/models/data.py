"""The arrays the models are fitted on: observed outcomes, and predictors on every imputed draw.

Everything is an economy x year grid over the economies the imputation kept and the
analysis window: outcomes (E, T) from the harmonised panel (observed values only, NaN
elsewhere), predictors (m, E, T), one slice per imputed draw. Index measures are the
index recomputed on each draw with the index stage's own preparation and engine
(:func:`scripts.index.prepare.prepare_index`, :func:`~scripts.index.prepare.run_index`), for
the index as built and for each outcome-disjoint variant the guard asks for.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from scripts.core.errors import InputError, InvariantError
from scripts.index.overlap import outcome_disjoint
from scripts.index.prepare import PreparedIndex, run_index

log = logging.getLogger("ictmdg")


@dataclass(frozen=True)
class Grid:
    """The economy x year grid every array is laid on."""

    economies: np.ndarray  # (E,) ISO3 codes, sorted
    years: np.ndarray  # (T,) consecutive years

    def cube(self, long: pd.DataFrame, draws: Sequence[int], column: str = "value") -> np.ndarray:
        """(m, E, T) array of ``column`` from a long frame with iso3, year, draw; NaN where absent."""
        out = np.full((len(draws), self.economies.size, self.years.size), np.nan)
        d = pd.Index(list(draws)).get_indexer(long["draw"])
        e = pd.Index(self.economies).get_indexer(long["iso3"].astype(str))
        t = pd.Index(self.years).get_indexer(long["year"])
        ok = (d >= 0) & (e >= 0) & (t >= 0)
        out[d[ok], e[ok], t[ok]] = long[column].to_numpy(dtype=float)[ok]
        return out


def outcome_arrays(panel: pd.DataFrame, outcomes: Iterable[str], grid: Grid) -> dict[str, np.ndarray]:
    """Observed values of each outcome as an (E, T) array (NaN where not observed)."""
    wanted = list(outcomes)
    groups = dict(iter(panel[panel["indicator"].isin(wanted)].groupby("indicator", observed=True)))
    return {oid: grid.cube(groups[oid].assign(draw=0), [0])[0] for oid in wanted if oid in groups}


def indicator_arrays(
    imputed: Mapping[str, pd.DataFrame],
    indicators: Mapping[str, str],
    logs: Mapping[str, bool],
    grid: Grid,
    draws: Sequence[int],
) -> dict[str, np.ndarray]:
    """Each named indicator on every draw, (m, E, T); natural log where ``logs[name]``.

    ``imputed`` maps indicator ids to their IMPUTED rows (draws as asked). Raises InputError when an indicator is not in
    the imputed panel; values <= 0 of a logged indicator become NaN (logged).
    """
    out = {}
    for name, ind in indicators.items():
        rows = imputed.get(ind)
        if rows is None or rows.empty:
            raise InputError(
                problem=f"models: {name} needs indicator {ind!r}, which the imputed panel lacks",
                file="results/03_impute/imputed.parquet",
                expected="an indicator that screening keeps",
                fix="choose another indicator in models.variables / models.measures, or check the screening table",
            )
        a = grid.cube(rows, draws)
        if logs.get(name, False):
            bad = np.isfinite(a) & (a <= 0)
            if bad.any():
                # The residual bootstrap of the imputation can push a small imputed value below zero:
                # such a cell has no log, and the economy-year leaves the samples that need it.
                log.warning(
                    "models: %s: %d values of %r (over %d draws) are <= 0 and have no log; left out",
                    name,
                    int(bad.sum()),
                    ind,
                    a.shape[0],
                )
                a = np.where(bad, np.nan, a)
            a = np.log(a)
        out[name] = a
    return out


def index_arrays(
    prepared: PreparedIndex,
    wide_by_draw: Sequence[pd.DataFrame],
    wanted: Mapping[frozenset[str], set[str]],
    grid: Grid,
) -> dict[tuple[frozenset[str], str], np.ndarray]:
    """Node scores of the index on every draw, for the index as built and each variant.

    ``wide_by_draw`` holds the framework's indicators of each draw laid out like
    ``prepared.wide``; ``wanted`` maps the themes a variant leaves out (empty: the index as
    built) to the nodes needed from it. Returns {(themes, node): (m, E, T)}.
    """
    out: dict[tuple[frozenset[str], str], np.ndarray] = {}
    e_idx = pd.Index(grid.economies).get_indexer(prepared.wide.index.get_level_values(0))
    t_idx = pd.Index(grid.years).get_indexer(prepared.wide.index.get_level_values(1))
    ok = (e_idx >= 0) & (t_idx >= 0)
    for themes, nodes in sorted(wanted.items(), key=lambda kv: sorted(kv[0])):
        fw = outcome_disjoint(prepared.framework, set(themes)) if themes else prepared.framework
        arrays = {node: np.full((len(wide_by_draw), grid.economies.size, grid.years.size), np.nan) for node in nodes}
        for d, wide in enumerate(wide_by_draw):
            _, res = run_index(
                wide[list(fw.leaves)], fw, prepared.spec, treatment=prepared.treatment, with_contributions=False
            )
            scores = res.node_scores.reindex(prepared.wide.index)
            for node in nodes:
                arrays[node][d, e_idx[ok], t_idx[ok]] = scores[node].to_numpy(dtype=float)[ok]
        out.update({(themes, node): a for node, a in arrays.items()})
    return out


def wide_draws(
    prepared: PreparedIndex, imputed: Mapping[str, pd.DataFrame], draws: Sequence[int]
) -> list[pd.DataFrame]:
    """The framework's indicators of each draw, laid out exactly like ``prepared.wide`` (draw 0's).

    ``imputed`` maps indicator ids to their IMPUTED rows.
    """
    leaves = list(prepared.wide.columns)
    values = np.full((len(draws), len(prepared.wide), len(leaves)), np.nan)
    for j, leaf in enumerate(leaves):
        rows = imputed[leaf]
        r = prepared.wide.index.get_indexer(pd.MultiIndex.from_arrays([rows["iso3"].astype(str), rows["year"]]))
        d = pd.Index(list(draws)).get_indexer(rows["draw"])
        ok = (r >= 0) & (d >= 0)
        values[d[ok], r[ok], j] = rows["value"].to_numpy(dtype=float)[ok]
    return [pd.DataFrame(values[k], index=prepared.wide.index, columns=leaves) for k in range(len(draws))]


def check_against_index_stage(
    computed: Mapping[tuple[frozenset[str], str], np.ndarray],
    draw0: int | None,
    scores: pd.DataFrame,
    variants: pd.DataFrame,
    root: str,
    grid: Grid,
) -> int:
    """Check the recomputed point-imputation scores against the index stage's own outputs.

    ``draw0`` is the position of draw 0 in the draws (None when it is not among them).
    Compares every node of the index as built with SCORES and each single-theme root
    variant with VARIANTS; raises InvariantError on a difference above 1e-9. Returns the
    number of values compared.
    """
    if draw0 is None:
        return 0
    compared = 0
    for (themes, node), a in computed.items():
        if not themes:
            ref = scores[scores["node"] == node]
        elif len(themes) == 1 and node == root:
            ref = variants[variants["variant"] == f"without_{next(iter(themes))}"]
        else:
            continue
        if ref.empty:
            continue
        theirs = grid.cube(ref.assign(draw=0), [0], column="score")[0]
        both = np.isfinite(theirs)
        diff = np.abs(a[draw0][both] - theirs[both])
        if diff.size and (np.nanmax(diff) > 1e-9 or np.isnan(a[draw0][both]).any()):
            raise InvariantError(
                f"the models stage's recomputed index {node!r} ({sorted(themes)}) differs from the index stage's "
                f"by up to {np.nanmax(diff):.3g}"
            )
        compared += int(both.sum())
    return compared
