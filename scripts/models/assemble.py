"""From the stage inputs to everything the models are fitted on: outcomes, guarded measures, controls, draws."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from scripts.index.prepare import prepare_index
from scripts.models.data import (
    Grid,
    check_against_index_stage,
    index_arrays,
    indicator_arrays,
    outcome_arrays,
    wide_draws,
)
from scripts.models.guard import Resolved, check_indicator_measures, resolve, themes_of
from scripts.models.outcomes import estimated_shares, outcome_basis, outcome_coverage, select_outcomes

log = logging.getLogger("ictmdg")


@dataclass(frozen=True)
class ModelInputs:
    """The arrays and tables of one models run."""

    grid: Grid
    outcomes: pd.DataFrame  # MODEL_OUTCOMES
    measures: pd.DataFrame  # MODEL_MEASURES
    resolved: dict[tuple[str, str], Resolved]  # (outcome, measure) -> the measure used (usable pairs only)
    y: dict[str, np.ndarray]  # outcome -> (E, T) observed values
    x: dict[tuple[str, str], np.ndarray]  # (outcome, measure) -> (m, E, T) on each draw
    controls: dict[str, np.ndarray]  # variable -> (m, E, T)
    draws: list[int]


def model_inputs(
    *,
    catalogue: pd.DataFrame,
    panel: pd.DataFrame,
    trail: pd.DataFrame,
    point: pd.DataFrame,
    draws_table: pd.DataFrame | None,
    screening: pd.DataFrame,
    framework_table: pd.DataFrame,
    index_settings: Mapping[str, Any],
    scores: pd.DataFrame | None,
    variants: pd.DataFrame | None,
    p: Any,
    draws: Sequence[int],
    framework_file: str,
) -> ModelInputs:
    """Select and tag the outcomes, guard the measures and lay every predictor out on each draw.

    ``point`` is IMPUTED draw 0; ``draws_table`` IMPUTED draws 1..m (None when ``draws``
    is [0]); ``p`` carries the models leaves (outcomes, measures, variables, control_sets,
    min_economies, min_years, modelled_estimates, first, last). ``scores``/``variants``
    are the index stage's outputs that the recomputed draw-0 scores are checked against.
    """
    selected = select_outcomes(catalogue, p.outcomes)
    check_indicator_measures(p.measures, catalogue, selected)
    grid = Grid(np.array(sorted(point["iso3"].astype(str).unique())), np.arange(p.first, p.last + 1))
    observed = panel[panel["iso3"].isin(grid.economies) & panel["year"].between(p.first, p.last)]
    ids = list(selected["indicator"])
    coverage = outcome_coverage(observed, ids, p.min_economies, p.min_years)
    basis = outcome_basis(selected, estimated_shares(trail, ids), p.modelled_estimates)
    table = selected.rename(columns={"indicator": "outcome", "pillar": "goal"})[
        ["outcome", "name", "goal", "mdg_code", "direction", "unit"]
    ]
    table = table.merge(basis, on="outcome").merge(coverage, on="outcome")
    modelled = list(table.loc[table["status"] == "modelled", "outcome"])

    prepared = prepare_index(
        index_settings, framework_table, catalogue, point, screening, p.first, p.last, framework_file=framework_file
    )
    pairs, resolved, wanted = [], {}, {}
    file_nodes = frozenset(framework_table["node"].astype(str))
    for oid in modelled:
        themes = themes_of(catalogue, oid)
        for name, spec in p.measures.items():
            r = resolve(name, spec, prepared.framework, oid, themes, file_nodes)
            pairs.append(
                (oid, name, r.kind, r.target, r.variant, r.label, "used" if r.usable else "not estimable", r.reason)
            )
            if r.usable:
                resolved[(oid, name)] = r
                if r.kind == "node":
                    wanted.setdefault(r.drop_themes, set()).add(r.target)
    measures = pd.DataFrame(
        pairs, columns=["outcome", "measure", "kind", "target", "variant", "measure_used", "status", "reason"]
    )

    index_draws = [0] + [d for d in draws if d != 0]
    frames = {0: point}
    if draws_table is not None:
        frames.update({d: g for d, g in draws_table.groupby("draw", sort=True) if d in draws})
    imputed = pd.concat([frames[d] for d in index_draws], ignore_index=True)
    by_indicator = dict(iter(imputed.groupby("indicator", observed=True)))
    wide = wide_draws(prepared, by_indicator, index_draws)
    scored = index_arrays(prepared, wide, wanted, grid)
    if scores is not None and variants is not None:
        n = check_against_index_stage(scored, 0, scores, variants, prepared.framework.root, grid)
        log.info("recomputed index scores of draw 0 equal the index stage's (%d values compared)", n)
    pick = [index_draws.index(d) for d in draws]
    indicators = {name: spec["indicator"] for name, spec in p.measures.items() if "indicator" in spec}
    ind_x = indicator_arrays(by_indicator, indicators, {}, grid, list(draws))
    x = {}
    for (oid, name), r in resolved.items():
        x[(oid, name)] = scored[(r.drop_themes, r.target)][pick] if r.kind == "node" else ind_x[name]
    used = sorted({v for members in p.control_sets.values() for v in members})
    controls = indicator_arrays(
        by_indicator,
        {k: p.variables[k]["indicator"] for k in used},
        {k: bool(p.variables[k].get("log", False)) for k in used},
        grid,
        list(draws),
    )
    y = outcome_arrays(observed, modelled, grid)
    return ModelInputs(grid, table, measures, resolved, y, x, controls, list(draws))
