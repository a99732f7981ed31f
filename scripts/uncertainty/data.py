"""The data of every imputation draw, laid out as the prepared index's wide frame."""

from __future__ import annotations

import pandas as pd

from scripts.core.errors import InvariantError
from scripts.index.prepare import PreparedIndex, select_indicators


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
