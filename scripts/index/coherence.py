"""Statistical coherence audit of an index (JRC practice) and decomposition helpers.

Every function takes plain frames: ``children`` is a wide frame (rows = observations,
normally (unit, year) pairs; columns = the indicators or components aggregated into one
parent node), ``parent`` the parent's scores on the same rows. The audit is computed over
whatever rows are passed: pass one year's cross-section for a per-year audit, or the
pooled panel. Pass *normalised* children (with directions applied), since Cronbach's
alpha depends on the children's scales and a "negative" correlation only means something
once every child points the same way.

Conventions (JRC audits of composite indicators, e.g. the COIN audits of the GII):

- Cronbach's alpha >= 0.7 and a first principal component carrying >= 60% of the
  variance of the standardised children are wanted;
- a child whose correlation with its parent is below 0.3 is *silent*;
- two children with |r| > 0.9 are *collinear* (possible double counting);
- negative correlations between children, or with the parent, signal trade-offs;
- a child's *importance* is its first-order effect on the parent, the correlation ratio
  ``S_i = Var(E[parent | child]) / Var(parent)``, normalised to sum 1 over the children
  and set against the normalised nominal weights. ``r_i**2`` is the linear proxy of
  ``S_i``; both are reported.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

from scripts.core.errors import ConfigError
from scripts.core.tables import NODE_CORRELATIONS
from scripts.index.engine import IndexResult

CorrMethod = Literal["pearson", "spearman"]
#: Rows Cronbach's alpha uses: pairwise-complete covariances (COINr) or complete rows only.
AlphaRows = Literal["pairwise", "complete"]

COHERENCE_COLUMNS = [
    "parent",
    "indicator",
    "n",
    "weight",
    "weight_share",
    "pearson",
    "spearman",
    "silent",
    "negative_parent",
    "collinear",
    "collinear_with",
    "negative_with",
    "negative",
    "r2",
    "importance_r2",
    "eta2",
    "importance_eta2",
]


#: Columns of the NODE_CORRELATIONS table, in order.
NODE_CORRELATION_COLUMNS = list(NODE_CORRELATIONS.columns)


def cronbach_alpha(children: pd.DataFrame, use: AlphaRows = "pairwise") -> float:
    """Return Cronbach's alpha of the children (dimensionless, <= 1; may be negative).

    ``k/(k-1) * (1 - sum_i C_ii / sum_ij C_ij)`` with ``C`` the children's covariance
    matrix (ddof=1). ``use="pairwise"`` (default, COINr's ``get_cronbach``, R's
    ``cov(use = "pairwise.complete.obs")``): each entry of ``C`` from the rows where both
    children are present, entries with fewer than 2 such rows left out of both sums.
    ``use="complete"``: ``C`` from the complete rows only, which is the textbook
    ``1 - sum var(x_i) / var(sum x_i)``. NaN with fewer than 2 children or when
    ``sum_ij C_ij`` is 0 or undefined.
    """
    x = children.to_numpy(dtype=float)
    k = x.shape[1]
    if use == "complete":
        x = x[~np.isnan(x).any(axis=1)]
    if k < 2:
        return float("nan")
    c = pairwise_cov(x)
    total = np.nansum(c)
    if not np.isfinite(c).any() or total == 0:
        return float("nan")
    return float(k / (k - 1) * (1.0 - np.nansum(np.diag(c)) / total))


def pairwise_cov(x: np.ndarray) -> np.ndarray:
    """Covariance matrix (ddof=1) with each entry from the rows where both columns are present (NaN below 2)."""
    present = ~np.isnan(x)
    z = np.where(present, x, 0.0)
    p = present.astype(float)
    n = p.T @ p  # rows with both present
    with np.errstate(invalid="ignore", divide="ignore"):
        sx = z.T @ p  # sum of column i over the rows where j is present
        sxy = z.T @ z
        cov = (sxy - sx * sx.T / n) / (n - 1)
    return np.where(n >= 2, cov, np.nan)


def pca_first_share(children: pd.DataFrame) -> float:
    """Return the share (0-1) of the standardised children's variance on the first PC.

    The largest eigenvalue of the children's correlation matrix divided by k, over the
    complete cases. 1.0 for a single child; NaN with fewer than 2 complete rows or when
    a child does not vary (its correlations are undefined).
    """
    cc = children.dropna().to_numpy(dtype=float)
    n, k = cc.shape
    if k == 0 or n < 2 or (np.ptp(cc, axis=0) == 0).any():
        return float("nan")
    if k == 1:
        return 1.0
    eig = np.linalg.eigvalsh(np.corrcoef(cc, rowvar=False))
    return float(eig[-1] / eig.sum())


def _pair_corr(x: np.ndarray, y: np.ndarray, method: CorrMethod) -> tuple[float, int]:
    """Correlation over the rows where both are present, and that number of rows.

    NaN below 3 pairs (two points always correlate perfectly) or when either side is
    constant over those rows.
    """
    ok = ~(np.isnan(x) | np.isnan(y))
    n = int(ok.sum())
    a, b = x[ok], y[ok]
    if n < 3 or np.ptp(a) == 0 or np.ptp(b) == 0:
        return float("nan"), n
    if method == "spearman":
        a, b = stats.rankdata(a), stats.rankdata(b)
    a = a - a.mean()
    b = b - b.mean()
    r = (a * b).sum() / np.sqrt((a * a).sum() * (b * b).sum())
    return float(np.clip(r, -1.0, 1.0)), n


def correlation_ratio(child: pd.Series, parent: pd.Series, n_bins: int = 5) -> float:
    """Return the correlation ratio ``Var(E[parent | child]) / Var(parent)`` (0-1).

    Estimated non-parametrically over the rows where both are present: the child is cut
    into ``n_bins`` equal-frequency bins of its ranks (tied values share a bin, via
    average ranks), E[parent | bin] is the bin mean, and the ratio is the between-bin sum
    of squares over the total sum of squares (one-way ANOVA eta squared). It captures
    non-linear, even non-monotone, dependence; with few rows per bin it is biased upwards
    (by about (n_bins - 1)/n under independence). NaN below 3 pairs or for a constant
    parent.
    """
    if n_bins < 1:
        raise ConfigError(
            problem=f"the correlation-ratio bin count is {n_bins}",
            expected="an integer >= 1",
            fix="use a few bins (e.g. 5), fewer than the number of units",
        )
    x = child.to_numpy(dtype=float)
    y = parent.reindex(child.index).to_numpy(dtype=float)
    ok = ~(np.isnan(x) | np.isnan(y))
    n = int(ok.sum())
    a, b = x[ok], y[ok]
    if n < 3 or np.ptp(b) == 0:
        return float("nan")
    ranks = stats.rankdata(a)
    bins = np.minimum(np.floor((ranks - 1.0) * n_bins / n).astype("int64"), n_bins - 1)
    counts = np.bincount(bins, minlength=n_bins)
    sums = np.bincount(bins, weights=b, minlength=n_bins)
    used = counts > 0
    means = sums[used] / counts[used]
    dev = b - b.mean()
    ss_total = (dev * dev).sum()
    ss_between = (counts[used] * (means - b.mean()) ** 2).sum()
    return float(ss_between / ss_total)


def _normalise(v: np.ndarray) -> np.ndarray:
    """Shares summing to 1 over the non-missing entries (NaN stays NaN)."""
    total = np.nansum(v)
    if not np.isfinite(total) or total == 0:
        return np.full_like(v, np.nan)
    return v / total


def coherence_table(
    children: pd.DataFrame,
    parent: pd.Series,
    weights: pd.Series,
    parent_name: str,
    *,
    silent: float = 0.3,
    collinear: float = 0.9,
    negative: float = 0.0,
    n_bins: int = 5,
    flag_on: CorrMethod = "pearson",
) -> pd.DataFrame:
    """Return the coherence audit of one parent node, one row per child.

    Parameters
    ----------
    children:
        Wide frame of the children's (normalised) values; columns are child names.
    parent:
        The parent's scores, on the same index as ``children`` (aligned by label).
    weights:
        Nominal weights indexed by child name; a child without one gets NaN.
    parent_name:
        Written in the ``parent`` column.
    silent, collinear, negative:
        Flag thresholds (JRC defaults): silent when the correlation with the parent is
        below ``silent`` (or undefined); collinear with another child when
        ``|r| > collinear``; negative when ``r < -negative``.
    n_bins:
        Bins of the correlation-ratio estimator (see :func:`correlation_ratio`).
    flag_on:
        The correlation the flags use; importance always uses Pearson (``r2``) and the
        correlation ratio (``eta2``).

    Returns
    -------
    DataFrame with the columns of :data:`COHERENCE_COLUMNS`: ``n`` rows with both child
    and parent present; ``weight`` nominal and ``weight_share`` normalised to sum 1;
    ``pearson``/``spearman`` with the parent; flags ``silent``, ``negative_parent``,
    ``collinear`` (with partners in ``collinear_with``), ``negative_with`` (children
    correlating negatively with this one), ``negative`` (either kind); ``r2`` = pearson
    squared and ``importance_r2`` its normalised share; ``eta2`` the correlation ratio
    and ``importance_eta2`` its normalised share. Correlations use pairwise-complete rows.
    """
    names = list(children.columns)
    vals = children.to_numpy(dtype=float)
    p = parent.reindex(children.index).to_numpy(dtype=float)
    k = len(names)

    pear = np.full(k, np.nan)
    spear = np.full(k, np.nan)
    n_pairs = np.zeros(k, dtype="int64")
    eta2 = np.full(k, np.nan)
    for i, name in enumerate(names):
        pear[i], n_pairs[i] = _pair_corr(vals[:, i], p, "pearson")
        spear[i], _ = _pair_corr(vals[:, i], p, "spearman")
        eta2[i] = correlation_ratio(children[name], parent, n_bins)

    cc = np.full((k, k), np.nan)
    for i in range(k):
        for j in range(i + 1, k):
            cc[i, j] = cc[j, i] = _pair_corr(vals[:, i], vals[:, j], flag_on)[0]

    flag_r = pear if flag_on == "pearson" else spear
    with np.errstate(invalid="ignore"):
        is_silent = ~(flag_r >= silent)
        neg_parent = flag_r < -negative
        coll = np.abs(cc) > collinear
        neg = cc < -negative
    coll_with = [", ".join(n for n, f in zip(names, row) if f) for row in coll]
    neg_with = [", ".join(n for n, f in zip(names, row) if f) for row in neg]

    w = weights.reindex(names).to_numpy(dtype=float)
    r2 = pear**2
    return pd.DataFrame(
        {
            "parent": [parent_name] * k,
            "indicator": names,
            "n": n_pairs,
            "weight": w,
            "weight_share": _normalise(w),
            "pearson": pear,
            "spearman": spear,
            "silent": is_silent,
            "negative_parent": neg_parent,
            "collinear": coll.any(axis=1),
            "collinear_with": coll_with,
            "negative_with": neg_with,
            "negative": neg_parent | neg.any(axis=1),
            "r2": r2,
            "importance_r2": _normalise(r2),
            "eta2": eta2,
            "importance_eta2": _normalise(eta2),
        },
        columns=COHERENCE_COLUMNS,
    )


def coherence_summary(
    children: pd.DataFrame,
    parent_name: str,
    *,
    alpha_wanted: float = 0.7,
    pc1_wanted: float = 0.6,
) -> pd.DataFrame:
    """Return the one-row summary of a parent's children (concatenate across parents).

    Columns: ``parent``, ``k`` children, ``n`` complete rows, ``alpha`` (Cronbach, from
    pairwise-complete covariances as COINr computes it) and ``alpha_ok`` (>=
    ``alpha_wanted``), ``pc1_share`` (0-1, complete rows) and ``pc1_ok`` (>=
    ``pc1_wanted``). The flags are False when the statistic is undefined.
    """
    alpha = cronbach_alpha(children)
    pc1 = pca_first_share(children)
    return pd.DataFrame(
        {
            "parent": [parent_name],
            "k": [children.shape[1]],
            "n": [int(children.notna().all(axis=1).sum())],
            "alpha": [alpha],
            "alpha_ok": [bool(alpha >= alpha_wanted)],
            "pc1_share": [pc1],
            "pc1_ok": [bool(pc1 >= pc1_wanted)],
        }
    )


def audit_coherence(
    result: IndexResult, *, silent: float, collinear: float, alpha_wanted: float, pc1_wanted: float
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Coherence audit of every aggregate node: (per-child table COHERENCE, per-node summary COHERENCE_SUMMARY).

    Correlations and flags are pooled over all economy-years; ``pearson_within`` and
    ``spearman_within`` beside them are the mean of the correlations within each year
    (:func:`within_year`), free of the diffusion trend all indicators share.
    """
    fw = result.framework
    scores = result.node_scores
    per_child, summaries = [], []
    weights = result.applied_weights
    for node in fw.aggregates:
        kids = list(fw.children(node))
        children = scores[kids]
        w = pd.Series({k: weights[k] for k in kids})
        per_child.append(coherence_table(children, scores[node], w, node, silent=silent, collinear=collinear))
        summaries.append(coherence_summary(children, node, alpha_wanted=alpha_wanted, pc1_wanted=pc1_wanted))
    table = pd.concat(per_child, ignore_index=True)
    means = mean_within(coherence_by_year(result), ["parent", "indicator"])
    table = table.merge(means[["parent", "indicator", "pearson_within", "spearman_within"]], how="left")
    return table, pd.concat(summaries, ignore_index=True)


def coherence_by_year(result: IndexResult) -> pd.DataFrame:
    """Each aggregate's correlation with each of its children within each year (COHERENCE_BY_YEAR).

    Columns parent, indicator (the child), year, n, pearson, spearman; see :func:`within_year`.
    """
    fw = result.framework
    pairs = [(node, kid) for node in fw.aggregates for kid in fw.children(node)]
    table = within_year(result.node_scores, pairs).rename(columns={"a": "parent", "b": "indicator"})
    return table.sort_values(["parent", "indicator", "year"], ignore_index=True)


def within_year(scores: pd.DataFrame, pairs: list[tuple[str, str]]) -> pd.DataFrame:
    """Pearson and Spearman correlations of each pair of columns of ``scores`` within each year.

    ``scores``: wide frame indexed (unit, year). Returns a, b, year, n (economies with
    both), pearson, spearman (NaN below 3 economies or for a constant side), sorted by
    a, b, year.
    """
    years = scores.index.get_level_values(1)
    rows = []
    for year in np.unique(years):
        block = scores[years == year]
        for a, b in pairs:
            x, y = block[a].to_numpy(dtype=float), block[b].to_numpy(dtype=float)
            pear, n = _pair_corr(x, y, "pearson")
            spear, _ = _pair_corr(x, y, "spearman")
            rows.append((a, b, int(year), n, pear, spear))
    out = pd.DataFrame(rows, columns=["a", "b", "year", "n", "pearson", "spearman"])
    return out.sort_values(["a", "b", "year"], ignore_index=True)


def mean_within(by_year: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Per pair: the mean (and min, max) over years of the within-year correlations, and the years averaged."""
    g = by_year.groupby(keys, sort=True)
    out = g.agg(
        n_years=("spearman", "count"),
        pearson_within=("pearson", "mean"),
        spearman_within=("spearman", "mean"),
        spearman_within_min=("spearman", "min"),
        spearman_within_max=("spearman", "max"),
    )
    return out.reset_index()


def node_correlations(result: IndexResult) -> pd.DataFrame:
    """Correlations of every aggregate below the root with every other one (NODE_CORRELATIONS).

    One row per ordered pair (node, other): n (economy-years with both), pooled pearson
    and spearman, and the within-year means (pearson_within, spearman_within, with the
    lowest and highest year's Spearman and the number of years). "Each sub-index's
    correlation with the others" reads off the rows of one node.
    """
    fw = result.framework
    scores = result.node_scores
    nodes = [n for n in fw.aggregates if n != fw.root]
    pairs = [(a, b) for a in nodes for b in nodes if a != b]
    if not pairs:
        return pd.DataFrame(columns=NODE_CORRELATION_COLUMNS)
    pooled = []
    for a, b in pairs:
        x, y = scores[a].to_numpy(dtype=float), scores[b].to_numpy(dtype=float)
        pear, n = _pair_corr(x, y, "pearson")
        pooled.append((a, b, n, pear, _pair_corr(x, y, "spearman")[0]))
    table = pd.DataFrame(pooled, columns=["a", "b", "n", "pearson", "spearman"])
    table = table.merge(mean_within(within_year(scores, pairs), ["a", "b"]), on=["a", "b"], how="left")
    table = table.rename(columns={"a": "node", "b": "other"})
    return table[NODE_CORRELATION_COLUMNS].sort_values(["node", "other"], ignore_index=True)
