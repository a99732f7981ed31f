"""Monte Carlo replications and the rank bands drawn from them.

:func:`replication_choices` seeds every replication from the base seed and its own
number, so a replication's choices do not depend on how the replications are split
into chunk jobs: any K gives the same replications, and gathering them gives the same
bands. :func:`rank_bands` summarises the replications of every economy-year against
the nominal (published) score and rank; :func:`band_years` summarises each year.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from scripts.core.errors import InvariantError
from scripts.uncertainty.batched import BatchedIndex
from scripts.uncertainty.inputs import Choices, InputSpace

#: Percentiles of the bands (in %): the 5th-95th percentile band of the JRC audits.
LOW, HIGH = 5.0, 95.0


def chunk_replications(n: int, chunks: int, chunk: int) -> np.ndarray:
    """The replication numbers (0-based) of chunk ``chunk`` of ``chunks``: contiguous, as even as possible."""
    if not 0 <= chunk < chunks:
        raise InvariantError(f"chunk {chunk} is not among chunks 0..{chunks - 1}")
    return np.array_split(np.arange(n), chunks)[chunk]


def replication_choices(space: InputSpace, seed: int, replications: np.ndarray) -> Choices:
    """The choices of the given replications: replication r draws its point of the unit cube from seed (seed, r)."""
    k = len(space.variables)
    u = np.array([np.random.default_rng([seed, int(r)]).uniform(size=k) for r in replications]).reshape(-1, k)
    return space.choices(u)


def replication_table(engine: BatchedIndex, replications: np.ndarray, scores: np.ndarray) -> pd.DataFrame:
    """Long table (REPLICATIONS) of root scores (R, economy-years) and their ranks within each year."""
    ranks = engine.ranks(scores)
    r, n = scores.shape
    idx = engine.index
    codes, units = pd.factorize(idx.get_level_values(0), sort=True)
    return pd.DataFrame(
        {
            "replication": np.repeat(replications.astype(np.int64), n),
            "iso3": pd.Categorical.from_codes(np.tile(codes, r), categories=units.astype(str)),
            "year": np.tile(idx.get_level_values(1).to_numpy(dtype=np.int64), r),
            "score": scores.ravel(),
            "rank": ranks.ravel(),
        }
    )


def _matrix(replications: pd.DataFrame, column: str) -> tuple[np.ndarray, pd.DataFrame]:
    """(replications, economy-years) matrix of ``column`` and the economy-year of each column."""
    t = replications.sort_values(["replication", "iso3", "year"], ignore_index=True)
    n_rep = t["replication"].nunique()
    if len(t) % n_rep:
        raise InvariantError("the replications do not all cover the same economy-years")
    cells = t.loc[: len(t) // n_rep - 1, ["iso3", "year"]].reset_index(drop=True)
    return t[column].to_numpy(dtype=float).reshape(n_rep, -1), cells


def rank_bands(replications: pd.DataFrame, nominal: pd.DataFrame) -> pd.DataFrame:
    """RANK_BANDS: per economy-year, the nominal and replicated ranks and scores.

    ``replications`` is the REPLICATIONS table of every replication, ``nominal`` the
    index's published root scores (iso3, year, score, rank). Percentiles are numpy's
    linear interpolation over the replications that gave the economy a score (NaN
    where none did); ``band_width`` is ``rank_p95 - rank_p05`` in rank places.
    """
    ranks, cells = _matrix(replications, "rank")
    scores, _ = _matrix(replications, "score")
    scored = (~np.isnan(scores)).sum(axis=0)
    with warnings.catch_warnings():  # economy-years no replication scored give NaN, as documented
        warnings.simplefilter("ignore", RuntimeWarning)
        r_lo, r_med, r_hi = np.nanpercentile(ranks, [LOW, 50.0, HIGH], axis=0)
        s_lo, s_med, s_hi = np.nanpercentile(scores, [LOW, 50.0, HIGH], axis=0)
        r_min, r_max = np.nanmin(ranks, axis=0), np.nanmax(ranks, axis=0)
    out = cells.assign(
        median_rank=r_med,
        rank_p05=r_lo,
        rank_p95=r_hi,
        rank_min=r_min,
        rank_max=r_max,
        band_width=r_hi - r_lo,
        score_median=s_med,
        score_p05=s_lo,
        score_p95=s_hi,
        replications=scored.astype(np.int64),
    )
    nom = nominal[["iso3", "year", "score", "rank"]].rename(columns={"score": "score_nominal", "rank": "nominal_rank"})
    out = out.merge(nom, on=["iso3", "year"], how="left", validate="one_to_one")
    return out.sort_values(["year", "iso3"], ignore_index=True)


def band_years(bands: pd.DataFrame, widest: int) -> pd.DataFrame:
    """BAND_YEARS: per year, the mean and largest rank-band width and the ``widest`` economies with the widest bands."""
    rows = []
    for year, part in bands.dropna(subset=["band_width"]).groupby("year", sort=True):
        top = part.sort_values(["band_width", "iso3"], ascending=[False, True]).head(widest)
        rows.append(
            {
                "year": int(year),
                "economies": len(part),
                "mean_width": float(part["band_width"].mean()),
                "median_width": float(part["band_width"].median()),
                "max_width": float(part["band_width"].max()),
                "widest": ";".join(top["iso3"]),
            }
        )
    return pd.DataFrame(rows, columns=["year", "economies", "mean_width", "median_width", "max_width", "widest"])
