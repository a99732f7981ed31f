"""The data of every imputation draw, laid out as the prepared index's wide frame."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from scripts.core.errors import InvariantError
from scripts.index.prepare import PreparedIndex, prepare_index, select_indicators
from scripts.uncertainty.batched import BatchedIndex
from scripts.uncertainty.inputs import input_space


def draw_wides(
    prepared: PreparedIndex, imputed: pd.DataFrame, screening: pd.DataFrame, first: int, last: int
) -> dict[int, pd.DataFrame]:
    """Return draw -> wide (iso3, year) x indicator frame, for every draw in ``imputed``.

    ``imputed`` holds IMPUTED rows of any draws (0 = the point imputation the index was
    prepared from, 1..m the multiple imputations). Each draw's frame is selected exactly
    as :func:`scripts.index.prepare.select_indicators` selects the point imputation, and
    must have the rows and indicators of ``prepared.wide`` (the draws fill the same
    cells), else InvariantError. Draw 0 is ``prepared.wide`` itself.
    """
    out = {0: prepared.wide}
    for d, part in imputed.groupby("draw", sort=True):
        if int(d) == 0:
            continue
        wide, pruned, _ = select_indicators(part, prepared.framework, screening, first, last)
        if pruned.leaves != prepared.framework.leaves or not wide.index.equals(prepared.wide.index):
            raise InvariantError(f"imputation draw {d} does not cover the cells of the point imputation")
        out[int(d)] = wide
    return out


def batched_index(
    name: str,
    index_settings: Mapping[str, Any],
    inputs: Mapping[str, Any],
    framework_table: pd.DataFrame,
    catalogue: pd.DataFrame,
    imputed: pd.DataFrame,
    screening: pd.DataFrame,
    first: int,
    last: int,
    *,
    framework_file: str | None = None,
) -> BatchedIndex:
    """Prepare index ``name`` as the index stage does and return its batched engine over ``inputs``.

    ``imputed`` holds the point imputation (draw 0) and the multiple imputations (draws
    1..m); the draws are used only when the imputation input varies.
    """
    point = imputed[imputed["draw"] == 0]
    prepared = prepare_index(
        index_settings, framework_table, catalogue, point, screening, first, last, framework_file=framework_file
    )
    used = imputed if inputs["imputation"]["vary"] else point
    wides = draw_wides(prepared, used, screening, first, last)
    space = input_space(inputs, index_settings, prepared.framework, sorted(wides), index=name)
    return BatchedIndex(prepared, wides, space)
