"""Inequality between economies per measure, year, basis and weighting, with bootstrap intervals.

The input is the long frame of :func:`scripts.divide.values.measure_values` (one row per
measure, basis, economy and year, with the economy's population). For each sample the
four statistics of :mod:`scripts.divide.inequality` are computed twice: between economies
(each counts once) and between people (population weights). Theil L is computed on the
economies with a value above 0 only, and the number left out is in the row. A sample
that cannot give a statistic (fewer than two economies, a mean of 0) gives an exclusion
row instead of a NaN.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd

from scripts.core.vocabulary import INEQUALITY_STATS, WEIGHTINGS
from scripts.divide.inequality import statistic

#: Fewest economies a between-economy statistic is computed on.
MIN_ECONOMIES = 2


@dataclass(frozen=True)
class Bootstrap:
    """Settings of the percentile bootstrap over economies."""

    reps: int  # resamples
    level: float  # confidence level of the interval, e.g. 0.95
    seed: int  # the run's seed; each sample's stream is derived from it and the sample's name


def rng_for(seed: int, *parts: object) -> np.random.Generator:
    """A generator seeded by ``seed`` and the sample's name, so a sample's draws do not depend on run order."""
    name = "|".join(str(p) for p in parts).encode()
    return np.random.default_rng([seed, zlib.crc32(name)])


def exclusion(measure: str, basis: str, analysis: str, year: int | None, reason: str, n: int) -> dict:
    """One row of the EXCLUSIONS table."""
    return {"measure": measure, "basis": basis, "analysis": analysis, "year": year, "reason": reason, "n_economies": n}


def samples(values: pd.DataFrame) -> Iterator[tuple[tuple[str, str, int], pd.DataFrame]]:
    """(measure, basis, year) and its rows with a value, in sorted order."""
    present = values[values["value"].notna()]
    for key, rows in present.groupby(["measure", "basis", "year"], sort=True, observed=True):
        yield (str(key[0]), str(key[1]), int(key[2])), rows


def empty_years(values: pd.DataFrame, first: int, last: int) -> list[dict]:
    """An exclusion for every (measure, basis) and year of first..last without a single value."""
    out = []
    for (measure, basis), g in values.groupby(["measure", "basis"], sort=True):
        have = set(g.loc[g["value"].notna(), "year"])
        for year in range(first, last + 1):
            if year not in have:
                out.append(exclusion(str(measure), str(basis), "all", year, "no value in this year", 0))
    return out


def _weights(rows: pd.DataFrame, weighting: str) -> np.ndarray:
    return np.ones(len(rows)) if weighting == "economies" else rows["population"].to_numpy(float)


def inequality_table(values: pd.DataFrame, boot: Bootstrap) -> tuple[pd.DataFrame, list[dict]]:
    """Every statistic of every (measure, basis, year, weighting) with its bootstrap interval.

    Returns (rows of INEQUALITY, rows of EXCLUSIONS). ``value`` is the statistic of the
    data, ``ci_low``/``ci_high`` the percentile interval of ``boot.reps`` resamples of the
    economies (with replacement, each keeping its weight).
    """
    rows, excluded = [], []
    tail = (1 - boot.level) / 2
    for (measure, basis, year), data in samples(values):
        for weighting in WEIGHTINGS:
            sample = data if weighting == "economies" else data[data["population"] > 0]
            if len(sample) < len(data):
                excluded.append(
                    exclusion(
                        measure,
                        basis,
                        f"inequality ({weighting})",
                        year,
                        "economies without a population left out",
                        len(data) - len(sample),
                    )
                )
            for stat in INEQUALITY_STATS:
                used = sample[sample["value"] > 0] if stat == "theil_l" else sample
                x, w = used["value"].to_numpy(float), _weights(used, weighting)
                analysis = f"inequality {stat} ({weighting})"
                if len(used) < MIN_ECONOMIES:
                    excluded.append(exclusion(measure, basis, analysis, year, "fewer than 2 economies", len(used)))
                    continue
                if (x * w).sum() <= 0:
                    excluded.append(exclusion(measure, basis, analysis, year, "every value is 0", len(used)))
                    continue
                point = float(statistic(stat, x[None, :], w[None, :])[0])
                draw = rng_for(boot.seed, measure, basis, year, weighting, stat).integers(
                    0, len(x), (boot.reps, len(x))
                )
                xb, wb = x[draw], w[draw]
                keep = (xb * wb).sum(axis=1) > 0  # a resample of only zeros has no statistic
                reps = statistic(stat, xb[keep], wb[keep])
                low, high = np.quantile(reps, [tail, 1 - tail]) if len(reps) else (np.nan, np.nan)
                rows.append(
                    {
                        "measure": measure,
                        "basis": basis,
                        "year": year,
                        "weighting": weighting,
                        "statistic": stat,
                        "value": point,
                        "ci_low": float(low),
                        "ci_high": float(high),
                        "n": len(used),
                        "n_zero_excluded": len(sample) - len(used),
                        "reps": int(keep.sum()),
                    }
                )
    return pd.DataFrame(rows), excluded


def imputation_effect(inequality: pd.DataFrame) -> pd.DataFrame:
    """Each statistic on observed values beside the same on observed + imputed values, and their difference.

    Returns one row per (measure, year, weighting, statistic) that has both bases; the
    difference is with_imputed - observed, in the statistic's units.
    """
    key = ["measure", "year", "weighting", "statistic"]
    obs = inequality[inequality["basis"] == "observed"].set_index(key)
    imp = inequality[inequality["basis"] == "with_imputed"].set_index(key)
    both = obs.index.intersection(imp.index)
    out = pd.DataFrame(
        {
            "observed": obs.loc[both, "value"],
            "with_imputed": imp.loc[both, "value"],
            "n_observed": obs.loc[both, "n"],
            "n_with_imputed": imp.loc[both, "n"],
        }
    )
    out["difference"] = out["with_imputed"] - out["observed"]
    out["outside_interval"] = (out["with_imputed"] < obs.loc[both, "ci_low"]) | (
        out["with_imputed"] > obs.loc[both, "ci_high"]
    )
    return out.reset_index().sort_values(key, ignore_index=True)
