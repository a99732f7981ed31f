"""Array kernels of the imputation steps: each returns a *fill* array, NaN where it fills nothing.

The kernels work on numpy arrays only (rows = series or economy-years, columns = years or
indicators) and are shared by the frame-level steps (:mod:`scripts.impute.steps`) and the
panel cube (:mod:`scripts.impute.cube`). A fill array is always NaN on observed cells.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Sequence

import numpy as np

from scripts.core.vocabulary import ICT_ROLES

log = logging.getLogger("ictmdg")


#: Rows (economy-years) a model block is fitted on at most; see "Large panels" above.
MAX_FIT_ROWS = 4000


#: Memory (MB) for one block of KNN distances (rows x donors x 8 bytes; 4,000 donors: 8,000 rows).
WORKING_MEMORY_MB = 256


#: Model blocks: name -> (roles the block imputes, roles used only as features).
BLOCKS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "ict": (frozenset(ICT_ROLES), frozenset({"control"})),
    "outcome": (frozenset({"outcome"}), frozenset({"control"})),
    "control": (frozenset({"control"}), frozenset()),
}


def interp_fill(a: np.ndarray, max_gap: int) -> np.ndarray:
    """Linear fills of interior gaps of at most ``max_gap`` columns in each row of ``a`` (n, T)."""
    n, t_len = a.shape
    obs = ~np.isnan(a)
    pos = np.arange(t_len)
    prev = np.maximum.accumulate(np.where(obs, pos, -1), axis=1)
    nxt = np.minimum.accumulate(np.where(obs, pos, t_len)[:, ::-1], axis=1)[:, ::-1]
    ok = ~obs & (prev >= 0) & (nxt < t_len) & (nxt - prev - 1 <= max_gap)
    out = np.full_like(a, np.nan)
    r, t = np.nonzero(ok)
    p, q = prev[r, t], nxt[r, t]
    # Weighted form rather than a + slope * dt: exact for the hand cases (10, ., ., 40 -> 20, 30).
    out[r, t] = (a[r, p] * (q - t) + a[r, q] * (t - p)) / (q - p)
    return out


def carry_forward_fill(a: np.ndarray, max_gap: int) -> np.ndarray:
    """Fills of interior gaps of at most ``max_gap`` columns in each row of ``a`` (n, T) by the value before the gap.

    The interior counterpart of carry: a longer gap stays missing entirely, as in
    :func:`interp_fill`; leading and trailing gaps are left alone.
    """
    n, t_len = a.shape
    obs = ~np.isnan(a)
    pos = np.arange(t_len)
    prev = np.maximum.accumulate(np.where(obs, pos, -1), axis=1)
    nxt = np.minimum.accumulate(np.where(obs, pos, t_len)[:, ::-1], axis=1)[:, ::-1]
    ok = ~obs & (prev >= 0) & (nxt < t_len) & (nxt - prev - 1 <= max_gap)
    rows = np.arange(n)[:, None]
    return np.where(ok, a[rows, np.clip(prev, 0, t_len - 1)], np.nan)


def _line_through(a: np.ndarray, weights: np.ndarray, at: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Least-squares line of each row through the weighted points; value at ``at`` (n, T), and point count."""
    x = np.arange(a.shape[1], dtype="float64")
    w = weights.astype("float64")
    y = np.where(weights, a, 0.0)
    s = w.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        xm = (w * x).sum(axis=1) / s
        ym = (w * y).sum(axis=1) / s
        dx = np.where(weights, x - xm[:, None], 0.0)
        sxx = (dx * dx).sum(axis=1)
        slope = np.where(sxx > 0, (dx * (y - ym[:, None])).sum(axis=1) / sxx, np.nan)
        value = ym[:, None] + slope[:, None] * (at - xm[:, None])
    return value, s


def extrap_fill(
    a: np.ndarray,
    max_years: int,
    how: str,
    trend_points: int,
    lo: np.ndarray,
    hi: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Fills at both ends of each row of ``a`` (n, T), and a mask of cells filled by a trend."""
    n, t_len = a.shape
    obs = ~np.isnan(a)
    has = obs.any(axis=1)
    pos = np.arange(t_len)[None, :]
    first = np.where(has, obs.argmax(axis=1), t_len)[:, None]
    last = np.where(has, t_len - 1 - obs[:, ::-1].argmax(axis=1), -1)[:, None]
    lead = has[:, None] & (pos < first) & (first - pos <= max_years)
    trail = has[:, None] & (pos > last) & (pos - last <= max_years)
    rows = np.arange(n)[:, None]
    out = np.full_like(a, np.nan)
    carry_lead = a[rows, np.minimum(first, t_len - 1)]
    carry_trail = a[rows, np.maximum(last, 0)]
    out = np.where(lead, carry_lead, out)
    out = np.where(trail, carry_trail, out)
    trended = np.zeros_like(obs)
    if how == "trend":
        from_end = np.cumsum(obs[:, ::-1], axis=1)[:, ::-1]
        from_start = np.cumsum(obs, axis=1)
        at = np.broadcast_to(pos.astype("float64"), a.shape)
        end_line, n_end = _line_through(a, obs & (from_end <= trend_points), at)
        start_line, n_start = _line_through(a, obs & (from_start <= trend_points), at)
        use_end = trail & (n_end >= 2)[:, None] & ~np.isnan(end_line)
        use_start = lead & (n_start >= 2)[:, None] & ~np.isnan(start_line)
        out = np.where(use_end, end_line, out)
        out = np.where(use_start, start_line, out)
        trended = use_end | use_start
    out = np.clip(out, np.where(np.isnan(lo), -np.inf, lo)[:, None], np.where(np.isnan(hi), np.inf, hi)[:, None])
    return out, trended


def _group_stats(
    x2: np.ndarray, key: np.ndarray, year_idx: np.ndarray, n_years: int, statistic: str
) -> tuple[np.ndarray, np.ndarray]:
    """Statistic and count of observed values per (group key, year, indicator), as dense arrays."""
    n_ind = x2.shape[1]
    n_keys = int(key.max()) + 1 if key.size and key.max() >= 0 else 0
    size = n_keys * n_years * n_ind
    r, c = np.nonzero(~np.isnan(x2) & (key >= 0)[:, None])
    gid = (key[r] * n_years + year_idx[r]) * n_ind + c
    vals = x2[r, c]
    count = np.bincount(gid, minlength=size)
    if statistic == "mean":
        with np.errstate(invalid="ignore", divide="ignore"):
            stat = np.bincount(gid, weights=vals, minlength=size) / count
    else:
        order = np.lexsort((vals, gid))
        sorted_vals = vals[order]
        start = np.cumsum(count) - count
        stat = np.full(size, np.nan)
        nz = count > 0
        lo_i = start[nz] + (count[nz] - 1) // 2
        hi_i = start[nz] + count[nz] // 2
        stat[nz] = (sorted_vals[lo_i] + sorted_vals[hi_i]) / 2.0
    return stat, count


def group_fill(
    x2: np.ndarray,
    year_idx: np.ndarray,
    n_years: int,
    levels: Sequence[np.ndarray],
    statistic: str,
    min_group_n: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Group fills of the missing cells of ``x2`` (rows = economy-years); and the level used (-1 none)."""
    out = np.full_like(x2, np.nan)
    level_used = np.full(x2.shape, -1, dtype="int8")
    n_ind = x2.shape[1]
    for li, key in enumerate(levels):
        stat, count = _group_stats(x2, key, year_idx, n_years, statistic)
        r, c = np.nonzero(np.isnan(x2) & np.isnan(out) & (key >= 0)[:, None])
        gid = (key[r] * n_years + year_idx[r]) * n_ind + c
        ok = count[gid] >= max(min_group_n, 1)
        out[r[ok], c[ok]] = stat[gid[ok]]
        level_used[r[ok], c[ok]] = li
    return out, level_used


def _standardise(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        mu = np.nanmean(x, axis=0)
        sd = np.nanstd(x, axis=0)
    sd = np.where(np.isfinite(sd) & (sd > 0), sd, 1.0)
    mu = np.where(np.isfinite(mu), mu, 0.0)
    return (x - mu) / sd, mu, sd


def model_fill(
    x2: np.ndarray,
    year: np.ndarray,
    roles: np.ndarray,
    kind: str,
    targets_wanted: frozenset[str],
    *,
    seed: int,
    lo: np.ndarray,
    hi: np.ndarray,
    n_neighbors: int = 5,
    max_iter: int = 10,
    sample_posterior: bool = False,
    max_fit_rows: int = MAX_FIT_ROWS,
) -> np.ndarray:
    """Model fills of the missing cells of ``x2`` (rows = economy-years), one fit per role block.

    A block with more than ``max_fit_rows`` rows is fitted on a seeded subsample of them
    (see the module docstring) and predicted on all.
    """
    from sklearn import config_context
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.experimental import enable_iterative_imputer  # noqa: F401  (registers the class)
    from sklearn.impute import IterativeImputer, KNNImputer
    from sklearn.linear_model import BayesianRidge
    from threadpoolctl import threadpool_limits

    out = np.full_like(x2, np.nan)
    has_data = (~np.isnan(x2)).any(axis=0)
    for b, (block, (target_roles, helper_roles)) in enumerate(BLOCKS.items()):
        wanted = target_roles & targets_wanted
        is_target = np.isin(roles, list(wanted)) & has_data
        if not is_target.any():
            continue
        cols = np.flatnonzero((np.isin(roles, list(target_roles)) | np.isin(roles, list(helper_roles))) & has_data)
        sub = x2[:, cols]
        rows = np.flatnonzero((~np.isnan(sub)).any(axis=1))
        if rows.size < 2:
            continue
        feats = np.column_stack([year[rows].astype("float64"), sub[rows]])
        z, mu, sd = _standardise(feats)
        fit_on = None
        if rows.size > max_fit_rows:
            fit_on = np.sort(np.random.default_rng([seed, 3, b]).choice(rows.size, max_fit_rows, replace=False))
            log.info("impute: %s block, %s: fitted on %d of %d rows", block, kind, max_fit_rows, rows.size)
        if kind == "knn":
            # keep_empty_features: an indicator the subsample lacks must keep its column.
            model = KNNImputer(n_neighbors=n_neighbors, keep_empty_features=fit_on is not None)
        else:
            lo_z = np.concatenate([[-np.inf], np.where(np.isnan(lo[cols]), -np.inf, (lo[cols] - mu[1:]) / sd[1:])])
            hi_z = np.concatenate([[np.inf], np.where(np.isnan(hi[cols]), np.inf, (hi[cols] - mu[1:]) / sd[1:])])
            model = IterativeImputer(
                estimator=BayesianRidge(),
                max_iter=max_iter,
                random_state=seed,
                sample_posterior=sample_posterior,
                skip_complete=fit_on is None,
                min_value=lo_z,
                max_value=hi_z,
                keep_empty_features=fit_on is not None,
            )
        # One BLAS thread: these matrices are small, and a multi-threaded BLAS on a busy
        # machine made each regression ten times slower, not faster. KNN distances are taken
        # in blocks of at most WORKING_MEMORY_MB (with sklearn's default, 1 GB, the job's peak
        # memory at 10x the bundled data was 2.5 times higher); the bundled data fit in one block.
        with (
            warnings.catch_warnings(record=True) as caught,
            threadpool_limits(limits=1, user_api="blas"),
            config_context(working_memory=WORKING_MEMORY_MB),
        ):
            warnings.simplefilter("always", ConvergenceWarning)
            filled = (model.fit_transform(z) if fit_on is None else model.fit(z[fit_on]).transform(z)) * sd + mu
        for w in {str(w.message) for w in caught if issubclass(w.category, ConvergenceWarning)}:
            log.info("impute: %s block, %s: %s", block, kind, w)
        pred = filled[:, 1:]
        take = np.isnan(sub[rows]) & is_target[cols][None, :]
        rr, cc = np.nonzero(take)
        out[rows[rr], cols[cc]] = pred[rr, cc]
    return out


def locf_fill(a: np.ndarray) -> np.ndarray:
    """Last observation carried forward along each row of ``a`` (n, T); first carried back before it."""
    n, t_len = a.shape
    obs = ~np.isnan(a)
    pos = np.arange(t_len)
    prev = np.maximum.accumulate(np.where(obs, pos, -1), axis=1)
    nxt = np.minimum.accumulate(np.where(obs, pos, t_len)[:, ::-1], axis=1)[:, ::-1]
    src = np.where(prev >= 0, prev, nxt)
    rows = np.arange(n)[:, None]
    out = np.where(~obs & (src < t_len), a[rows, np.clip(src, 0, t_len - 1)], np.nan)
    return out
