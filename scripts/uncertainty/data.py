"""The data of every imputation draw, laid out as the prepared index's wide frame."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from scripts.core import tables
from scripts.core.contract import read_table
from scripts.core.errors import InvariantError
from scripts.index.framework import framework_from_coinr_imeta, load_framework
from scripts.index.prepare import PreparedIndex, index_spec, prepare_index
from scripts.uncertainty.batched import BatchedIndex
from scripts.uncertainty.inputs import input_space


def read_imputations(
    imputed: str | os.PathLike,
    draws: str | os.PathLike,
    alternatives: str | os.PathLike | None,
    framework_table: pd.DataFrame,
) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """The values of the framework's indicators the batched engine is prepared from.

    Returns the point imputation and the draws (IMPUTED rows: iso3, year, indicator,
    draw, value) and, when ``alternatives`` is given, the alternative chains
    (ALTERNATIVE_IMPUTED rows: iso3, year, indicator, alternative, value). Only the
    framework's indicators are read, and not the status and method text of millions of
    cells: the draws also hold the outcomes and controls.
    """
    where = {"indicator": sorted(framework_table["node"])}
    key = ["iso3", "year", "indicator"]
    point_and_draws = pd.concat(
        [read_table(f, tables.IMPUTED, columns=[*key, "draw", "value"], where=where) for f in (imputed, draws)],
        ignore_index=True,
    )
    if alternatives is None:
        return point_and_draws, None
    alt = read_table(alternatives, tables.ALTERNATIVE_IMPUTED, columns=[*key, "alternative", "value"], where=where)
    return point_and_draws, alt


def draw_wides(prepared: PreparedIndex, imputed: pd.DataFrame) -> dict[int, pd.DataFrame]:
    """Return draw -> wide (iso3, year) x indicator frame, for every draw in ``imputed``.

    ``imputed`` holds IMPUTED rows of any draws (0 = the point imputation the index was
    prepared from, 1..m the multiple imputations). Each draw's frame has exactly the
    rows and indicators of ``prepared.wide`` (the economies, years and indicators the
    index stage selected); a draw that lacks one of its cells, or fills a cell the point
    imputation left missing, raises InvariantError. Draw 0 is ``prepared.wide`` itself.
    """
    wide0 = prepared.wide
    leaves = list(wide0.columns)
    sel = imputed[(imputed["draw"] != 0) & imputed["indicator"].isin(leaves)]
    units = set(wide0.index.get_level_values(0))
    sel = sel[sel["iso3"].isin(units) & sel["year"].isin(set(wide0.index.get_level_values(1)))]
    cube = sel.set_index(["draw", "iso3", "year", "indicator"])["value"].unstack("indicator")
    out = {0: wide0}
    for d, part in cube.groupby(level="draw", sort=True):
        wide = part.droplevel("draw").reindex(index=wide0.index, columns=leaves).astype("float64")
        wide.columns.name = None
        if len(part) != len(wide0) or not np.array_equal(np.isnan(wide.to_numpy()), np.isnan(wide0.to_numpy())):
            raise InvariantError(f"imputation draw {d} does not cover the cells of the point imputation")
        out[int(d)] = wide
    return out


def chain_wides(prepared: PreparedIndex, alternatives: pd.DataFrame) -> dict[int, pd.DataFrame]:
    """Return alternative -> wide (iso3, year) x indicator frame, for every alternative chain in ``alternatives``.

    ``alternatives`` holds ALTERNATIVE_IMPUTED rows; each frame has exactly the rows and
    indicators of ``prepared.wide`` (cells an alternative chain leaves missing, or that it
    does not hold, are missing).
    """
    wide0 = prepared.wide
    leaves = list(wide0.columns)
    sel = alternatives[alternatives["indicator"].isin(leaves)]
    cube = sel.set_index(["alternative", "iso3", "year", "indicator"])["value"].unstack("indicator")
    out = {}
    for k, part in cube.groupby(level="alternative", sort=True):
        wide = part.droplevel("alternative").reindex(index=wide0.index, columns=leaves).astype("float64")
        wide.columns.name = None
        out[int(k)] = wide
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
    alternatives: pd.DataFrame | None = None,
) -> BatchedIndex:
    """Prepare index ``name`` as the index stage does and return its batched engine over ``inputs``.

    ``imputed`` holds the point imputation (draw 0) and the multiple imputations (draws
    1..m); the draws are used only when the imputation input varies. ``alternatives``
    (ALTERNATIVE_IMPUTED rows) holds the alternative imputation chains, used when the
    imputation_chain input varies.
    """
    point = imputed[imputed["draw"] == 0]
    prepared = prepare_index(
        index_settings, framework_table, catalogue, point, screening, first, last, framework_file=framework_file
    )
    used = imputed if inputs["imputation"]["vary"] else point
    wides = draw_wides(prepared, used)
    chains = chain_wides(prepared, alternatives) if alternatives is not None else {}
    space = input_space(inputs, index_settings, prepared.framework, sorted(wides), index=name, chains=[0, *chains])
    return BatchedIndex(prepared, wides, space, chains)


def coinr_index(idata: pd.DataFrame, imeta: pd.DataFrame, settings: Mapping[str, Any]) -> PreparedIndex:
    """A COINr example (``iData``, ``iMeta`` tables, e.g. data/external/asem) as a prepared index.

    The raw indicators (missing cells stay missing) indexed by (uCode as iso3, Time as
    year), the framework from ``iMeta``, and the methods of the ``index.indices`` block
    ``settings``. For benchmarks and reference tests: COINr's data set is not one of the
    workflow's inputs.
    """
    fw = load_framework(framework_from_coinr_imeta(imeta), source="iMeta")
    wide = idata[list(fw.leaves)].astype("float64")
    wide.index = pd.MultiIndex.from_arrays([idata["uCode"], idata["Time"]], names=["iso3", "year"])
    report = pd.DataFrame({"indicator": list(fw.leaves), "status": "used", "reason": ""})
    return PreparedIndex(fw, index_spec(settings), wide.sort_index(), report, settings["treatment"])
