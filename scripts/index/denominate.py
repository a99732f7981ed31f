"""Denomination: divide indicators by a denominator column (GDP, population, area...), COINr's ``Denominate``.

COINr's semantics (``Denominate.data.frame``, COINr 1.1.14): for each indicator with a
denominator, ``x / (denominator / ScaleFactor)``, i.e. ``x * ScaleFactor / denominator``,
matched row by row (here by (unit, year), since denominators are panel data too);
indicators without a denominator are untouched and a missing denominator gives a
missing value. Unlike COINr, which would return Inf, a zero denominator is refused: it
would be a non-finite score downstream.

In the project the denominators are indicators of the imputed panel (``population``,
``gdp_usd``...), so denomination follows imputation instead of preceding it as in
COINr's example chain; :func:`scripts.index.prepare.prepare_index` applies it before
outlier treatment and normalisation.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from scripts.core.errors import ConfigError, InputError


def denomination_spec(setting: Mapping[str, Any] | None) -> dict[str, tuple[str, float]]:
    """Turn a config block ``{indicator: {by: <denominator>, scale: <factor>}}`` into {indicator: (by, scale)}."""
    out: dict[str, tuple[str, float]] = {}
    for ind, rule in dict(setting or {}).items():
        scale = float(rule.get("scale", 1.0))
        if not (np.isfinite(scale) and scale > 0):
            raise ConfigError(
                problem=f"denominate.{ind}.scale is {scale}",
                expected="a positive number (COINr's ScaleFactor)",
                fix="e.g. scale: 1000 to express a per-capita value per thousand people",
            )
        out[str(ind)] = (str(rule["by"]), scale)
    return out


def coinr_denomby(imeta: pd.DataFrame) -> dict[str, tuple[str, float]]:
    """The denomination of a COINr ``iMeta`` table: its indicators with a ``Denominator`` (and ``ScaleFactor``)."""
    ind = imeta[(imeta["Type"] == "Indicator") & imeta["Denominator"].notna() & (imeta["Denominator"] != "")]
    scale = ind["ScaleFactor"] if "ScaleFactor" in ind.columns else pd.Series(1.0, index=ind.index)
    return {str(r.iCode): (str(r.Denominator), float(s)) for r, s in zip(ind.itertuples(), scale)}


def denominate(wide: pd.DataFrame, denominators: pd.DataFrame, spec: Mapping[str, tuple[str, float]]) -> pd.DataFrame:
    """Return ``wide`` with every indicator of ``spec`` divided by its denominator (times its scale factor).

    ``wide`` and ``denominators`` are wide frames indexed by (unit, year); rows are
    matched by label (a row missing from ``denominators`` has a missing denominator).
    ``spec``: {indicator: (denominator column, scale factor)}. Units of a result: the
    indicator's unit x scale / the denominator's unit. Indicators of ``spec`` that are
    not columns of ``wide`` are ignored (screened out, for instance). Raises ConfigError
    for a denominator that is not a column of ``denominators``, and InputError naming
    the unit and year of a zero denominator.
    """
    absent = sorted({by for ind, (by, _) in spec.items() if ind in wide.columns and by not in denominators.columns})
    if absent:
        raise ConfigError(
            problem=f"denominators {absent} are not in the data",
            expected=f"denominator columns among {sorted(map(str, denominators.columns))}",
            fix="name an indicator of the catalogue that the panel holds (e.g. population, gdp_usd)",
        )
    out = wide.copy()
    for ind, (by, scale) in spec.items():
        if ind not in wide.columns:
            continue
        d = denominators[by].reindex(wide.index).to_numpy(dtype=float)
        x = wide[ind].to_numpy(dtype=float)
        zero = (d == 0) & ~np.isnan(x)
        if zero.any():
            unit, year = wide.index[np.flatnonzero(zero)[0]]
            raise InputError(
                problem=f"the denominator {by} of {ind} is 0 for {unit} {year} ({int(zero.sum())} cell(s) in all)",
                expected="non-zero denominators wherever the indicator has a value",
                fix=f"check {by} in the panel, or remove {ind} from the denomination",
            )
        out[ind] = x / (d / scale)  # COINr's order of operations, for bit-identical results
    return out
