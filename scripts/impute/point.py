"""The point imputation: one value, status and method for every cell of the analysis window."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from scripts.core import tables
from scripts.core.contract import conform, empty
from scripts.core.vocabulary import STATUSES, UNREPORTED_LABEL
from scripts.impute.cube import (
    STATUS_CODE,
    UNREPORTED_CODE,
    Cube,
    Labels,
    build_cube,
    combine,
    needed_steps,
    step_fills,
    to_long,
)
from scripts.impute.settings import ImputeSettings, methods_by_role

log = logging.getLogger("ictmdg")


def impute_panel(
    panel: pd.DataFrame,
    catalogue: pd.DataFrame,
    groups: pd.DataFrame,
    first: int,
    last: int,
    *,
    methods: Mapping[str, str | Sequence[str]] | None = None,
    settings: ImputeSettings = ImputeSettings(),
    screening: pd.DataFrame | None = None,
    categorical: bool = False,
) -> pd.DataFrame:
    """Return the point imputation (tables.IMPUTED, ``draw`` 0) of every cell of the window.

    Parameters
    ----------
    panel, catalogue, groups, first, last:
        Long panel (tables.PANEL, observed values only), indicator catalogue
        (``indicator``, ``role``; the optional ``min``/``max`` columns of
        config/indicators.csv bound extrapolated, model and drawn values, empty =
        unbounded), economy groups (iso3, year, region, income_group) and the inclusive
        analysis window. Group peers and model rows are the kept economies.
    methods:
        Role -> chain of steps (a list, or "interpolate+carry+group_median"), applied in
        the order listed; default :data:`~scripts.impute.settings.DEFAULT_METHODS`. A
        role left out is not imputed.
    settings:
        Gap and extrapolation limits, seed and model settings (see :class:`ImputeSettings`).
    screening:
        Decision table from :func:`scripts.impute.screening.screen`; computed with its
        defaults, over the economies of ``groups``, when None.
    categorical:
        Return iso3, indicator, status and method as categoricals (same values) rather
        than the contract's strings: what the workflow writes, through
        ``write_table(..., strings=...)``, since a large panel's draws hold 10^8 rows.

    Returns
    -------
    One row per (kept economy, year of the window, kept indicator), sorted by the key,
    value in the indicator's units, ``status`` from :data:`STATUSES` and ``method`` the
    step's label ("observed" for observed cells, "" for missing ones).
    """
    chains = methods_by_role(methods)
    cube = build_cube(panel, catalogue, groups, first, last, screening)
    if not cube.x.size:
        log.warning("impute: nothing to impute (no kept economy or indicator)")
        return empty(tables.IMPUTED)
    labels = Labels()
    value, status, label, _ = point_arrays(cube, chains, settings, labels)
    _log_summary(status, label)
    return to_long(cube, value[None], status, label, labels, [0], categorical)


def point_arrays(
    cube: Cube, chains: Mapping[str, Sequence[str]], settings: ImputeSettings, labels: Labels
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Value, status code, label code and step code arrays (U, T, I) of the point imputation of ``cube``."""
    fills = step_fills(cube, cube.x, needed_steps(chains), settings, labels)
    return combine(cube, cube.x, fills, chains, settings.fill_unreported)


def _log_summary(status: np.ndarray, label: np.ndarray) -> None:
    counts = np.bincount(status.reshape(-1), minlength=len(STATUSES))
    log.info("impute: %s", ", ".join(f"{s} {c}" for s, c in zip(STATUSES, counts)))
    n_unreported = int((label == UNREPORTED_CODE).sum())
    if n_unreported:
        log.info("impute: %d cells of never-reported series left missing (impute.fill_unreported is off)", n_unreported)
    if counts[STATUS_CODE["missing"]]:
        log.warning("impute: %d cells could not be filled and keep status 'missing'", counts[STATUS_CODE["missing"]])


def status_counts(imputed: pd.DataFrame) -> pd.DataFrame:
    """Cells per indicator by status and method (what a reviewer counts), draw 0 only."""
    point = imputed[imputed["draw"] == 0]
    out = point.groupby(["indicator", "status", "method"], observed=True).size().rename("cells").reset_index()
    # As text, so that rows sort alphabetically whether the frame held strings or categoricals.
    out = out.astype({c: "string" for c in ("indicator", "status", "method")})
    total = out.groupby("indicator")["cells"].transform("sum")
    return out.assign(share=out["cells"] / total).sort_values(["indicator", "status", "method"], ignore_index=True)


def unreported_counts(imputed: pd.DataFrame, catalogue: pd.DataFrame) -> pd.DataFrame:
    """Per indicator, the economies that never reported it in the window and whose cells were left missing.

    Returns tables.UNREPORTED, sorted by indicator: role, economies, cells, share of the
    indicator's cells, the ISO3 codes ("; "-joined) and the reason. Only indicators with
    at least one such economy appear; none do when ``impute.fill_unreported`` is on.
    """
    point = imputed[imputed["draw"] == 0]
    total = point.groupby("indicator", observed=True).size()
    hit = point.loc[point["method"].astype("string") == UNREPORTED_LABEL, ["iso3", "indicator"]].astype("string")
    if hit.empty:
        return empty(tables.UNREPORTED)
    by = hit.drop_duplicates().groupby("indicator", sort=True)["iso3"]
    out = pd.DataFrame({"economies": by.size(), "iso3": by.agg(lambda s: "; ".join(sorted(s)))})
    out = out.assign(cells=hit.groupby("indicator").size()).reset_index()
    out = out.assign(share=out["cells"] / total.reindex(out["indicator"].tolist()).to_numpy())
    role = catalogue.drop_duplicates("indicator").set_index("indicator")["role"]
    out = out.assign(
        role=role.reindex(out["indicator"]).fillna("").to_numpy(),
        reason="no observation in the analysis window; left missing (impute.fill_unreported is off)",
    )
    return conform(out, tables.UNREPORTED)
