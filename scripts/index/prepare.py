"""From config, catalogue and imputed panel to a ready index: framework, spec and data.

:func:`prepare_index` is the one place this happens: the index stage, the benchmark and
the uncertainty analysis all call it, so the three compute the same index.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from scripts.core.errors import ConfigError
from scripts.index.denominate import denominate, denomination_spec
from scripts.index.engine import IndexResult, IndexSpec, NormSpec, compute_index
from scripts.index.framework import Framework, load_framework
from scripts.index.outliers import TreatResult, treat_outliers

#: Level names of the wide frames the engine takes.
UNIT, YEAR = "iso3", "year"


@dataclass(frozen=True)
class PreparedIndex:
    """An index ready to compute.

    Attributes
    ----------
    framework:
        The framework without the indicators the data lack or screening excluded.
    spec:
        The methods of the ``index.indices.<name>`` block.
    wide:
        The point imputation of the framework's indicators: rows (iso3, year) of the kept
        economies and the analysis window, one column per leaf, in indicator units.
    leaf_report:
        Every leaf of the framework file: used, or left out and why (INDEX_INDICATORS).
    treatment:
        The block's outlier treatment settings (method, winmax, skew, kurtosis, exclude).
    """

    framework: Framework
    spec: IndexSpec
    wide: pd.DataFrame
    leaf_report: pd.DataFrame
    treatment: Mapping[str, Any]

    def run(self, *, with_contributions: bool = True) -> tuple[TreatResult | None, IndexResult]:
        """Treat outliers as configured and compute the index (see :func:`run_index`)."""
        return run_index(
            self.wide, self.framework, self.spec, treatment=self.treatment, with_contributions=with_contributions
        )


def prepare_index(
    settings: Mapping[str, Any],
    framework_table: pd.DataFrame,
    catalogue: pd.DataFrame,
    point: pd.DataFrame,
    screening: pd.DataFrame,
    first: int,
    last: int,
    *,
    framework_file: str | None = None,
) -> PreparedIndex:
    """Turn an ``index.indices.<name>`` block, its framework table, the catalogue and the imputed panel into an index.

    ``framework_table`` is the framework file as text (node, parent, weight, direction,
    name, themes); leaves without themes take the catalogue's. ``point`` is the point
    imputation (IMPUTED, draw 0), ``screening`` the SCREENING table, ``first``/``last``
    the analysis window; ``framework_file`` labels error messages. Raises
    :class:`ConfigError` for an invalid framework or method setting.
    """
    table = attach_themes(framework_table, catalogue)
    table = table.assign(weight=pd.to_numeric(table["weight"]), direction=pd.to_numeric(table["direction"]))
    framework = load_framework(table, source=framework_file)
    wide, pruned, report = select_indicators(point, framework, screening, first, last)
    denomby = denomination_spec(settings.get("denominate"))
    if denomby:
        wide = denominate(wide, panel_columns(point, {by for by, _ in denomby.values()}), denomby)
    return PreparedIndex(
        pruned, with_catalogue_goalposts(index_spec(settings), catalogue), wide, report, settings["treatment"]
    )


def with_catalogue_goalposts(spec: IndexSpec, catalogue: pd.DataFrame) -> IndexSpec:
    """Fill the fixed goalposts of ``bounds: reference`` from the catalogue's [min, max] where config gives none.

    The catalogue's bounds are the indicator's natural range (0-100 for a percentage), the
    same for every run and release. An indicator with neither is left for the
    normalisation to report (ConfigError naming it).
    """
    ns = spec.normalisation
    if ns.method != "minmax" or ns.params.get("bounds") != "reference" or not {"min", "max"} <= set(catalogue):
        return spec
    given = dict(ns.params.get("goalposts") or {})
    cat = catalogue.set_index("indicator")
    for ind in cat.index:
        lo, hi = pd.to_numeric(pd.Series([cat.at[ind, "min"], cat.at[ind, "max"]]), errors="coerce")
        if ind not in given and np.isfinite(lo) and np.isfinite(hi):
            given[ind] = (float(lo), float(hi))
    params = {**ns.params, "goalposts": given}
    return replace(spec, normalisation=replace(ns, params=params))


def attach_themes(framework_table: pd.DataFrame, catalogue: pd.DataFrame) -> pd.DataFrame:
    """Fill each leaf's ``themes`` from the indicator catalogue where the framework gives none.

    The catalogue is the one place theme tags are maintained; a framework may add tags
    (e.g. tag a whole pillar) but need not repeat them.
    """
    t = framework_table.copy()
    if "themes" not in t.columns:
        t["themes"] = ""
    t["themes"] = t["themes"].fillna("").astype(str)
    tags = catalogue.set_index("indicator")["themes"]
    fill = t["node"].map(tags).fillna("")
    t["themes"] = np.where(t["themes"].str.strip() == "", fill, t["themes"])
    return t


def panel_columns(point: pd.DataFrame, indicators: set[str]) -> pd.DataFrame:
    """The wide (iso3, year) frame of some indicators of the point imputation (e.g. denominators)."""
    sel = point[point["indicator"].isin(sorted(indicators))]
    wide = sel.pivot_table(index=[UNIT, YEAR], columns="indicator", values="value", aggfunc="first", observed=True)
    wide.columns = wide.columns.astype(str)
    return wide.astype("float64")


def select_indicators(
    point: pd.DataFrame, framework: Framework, screening: pd.DataFrame, first: int, last: int
) -> tuple[pd.DataFrame, Framework, pd.DataFrame]:
    """Build the wide (iso3, year) x indicator frame for ``framework`` and prune its leaves.

    ``point`` is the point imputation (IMPUTED, draw 0). A leaf is dropped when the
    catalogue/data do not hold it or screening excluded it. Units excluded by screening
    are left out. Returns ``(wide, pruned framework, leaf report)``; the report has one
    row per leaf: indicator, status ('used' | 'excluded by screening' | 'not in the
    data'), reason.
    """
    excluded_ind = screening[(screening["kind"] == "indicator") & (screening["decision"] == "exclude")]
    excluded_ind = excluded_ind.set_index("item")["reason"]
    excluded_units = set(screening.loc[(screening["kind"] == "unit") & (screening["decision"] == "exclude"), "item"])
    present = set(point["indicator"].unique())
    rows, drop = [], []
    for leaf in framework.leaves:
        if leaf in excluded_ind.index:
            rows.append((leaf, "excluded by screening", str(excluded_ind[leaf])))
            drop.append(leaf)
        elif leaf not in present:
            rows.append((leaf, "not in the data", "no source in the catalogue/raw data holds this indicator"))
            drop.append(leaf)
        else:
            rows.append((leaf, "used", ""))
    report = pd.DataFrame(rows, columns=["indicator", "status", "reason"])
    pruned = framework.drop_leaves(drop) if drop else framework
    sel = point[
        point["indicator"].isin(pruned.leaves)
        & ~point["iso3"].isin(excluded_units)
        & point["year"].between(first, last)
    ]
    wide = sel.pivot_table(index=[UNIT, YEAR], columns="indicator", values="value", aggfunc="first", observed=True)
    wide = wide.reindex(columns=list(pruned.leaves)).sort_index()
    wide.columns.name = None
    return wide.astype("float64"), pruned, report


def index_spec(cfg: Mapping[str, Any]) -> IndexSpec:
    """Translate one ``index.indices.<name>`` config block into an :class:`IndexSpec`."""
    norm = dict(cfg["normalisation"])
    method = norm.pop("method")
    time = norm.pop("time", "pooled")
    base_year = norm.pop("base_year", None)
    if time == "base_year" and base_year is None:
        raise ConfigError(
            problem="normalisation.time is 'base_year' but no base_year is given", fix="set normalisation.base_year"
        )
    if "range" in norm:
        norm["range"] = tuple(norm["range"])
    return IndexSpec(
        normalisation=NormSpec(method=method, params=norm, time=time, base_year=base_year),
        weighting=_level_map(cfg["weighting"]),
        aggregation=_level_map(cfg["aggregation"]),
        min_share=float(cfg["min_share"]),
        on_nonpositive=cfg["on_nonpositive"],
        final_scale=cfg.get("final_scale"),
    )


def _level_map(setting: str | Mapping[str, str]) -> str | dict[str | int, str]:
    if isinstance(setting, str):
        return setting
    return {int(k) if str(k).isdigit() else k: v for k, v in setting.items()}


def run_index(
    wide: pd.DataFrame,
    framework: Framework,
    spec: IndexSpec,
    *,
    treatment: Mapping[str, Any],
    with_contributions: bool = True,
) -> tuple[TreatResult | None, IndexResult]:
    """Treat outliers (unless ``treatment.method`` is 'none') and compute the index.

    Returns the treatment (None when there is none) and the engine's result.
    """
    treated = None
    data = wide
    if treatment["method"] == "coinr":
        treated = treat_outliers(
            wide,
            winmax=int(treatment["winmax"]),
            skew_thresh=float(treatment["skew"]),
            kurt_thresh=float(treatment["kurtosis"]),
            pooled=True,
            exclude=frozenset(treatment.get("exclude", [])),
        )
        data = treated.treated
    return treated, compute_index(data, framework, spec, with_contributions=with_contributions)
