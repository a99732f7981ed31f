"""The fast panel estimator: absorb the fixed effects once per sample, then solve every draw by array algebra.

For one estimation sample (rows sorted by economy, then year) :func:`absorb` removes the
economy and year effects (or the year effects only) from the outcome and from the
regressors of all m imputed draws at once, exactly (Frisch-Waugh-Lovell: economy
demeaning, then an exact projection on the economy-demeaned year dummies, whose T x T
cross-product is formed from counts). :func:`fit_draws` then solves the m small normal
equations and computes both standard-error types.

Small-sample convention (that of Stata's ``xtreg, fe vce(cluster)`` with year dummies,
and of ``linearmodels.PanelOLS`` with the year dummies as regressors, entity effects and
``cluster_entity=True``): the clustered covariance is scaled by
``G/(G-1) * (n-1)/(n-K)`` and the Driscoll-Kraay covariance by ``n/(n-K)``, where G is
the number of economies, n the observations and K the slope regressors plus the year
effects that survive absorption (T-1 with economy effects, T without). Economy effects
are not counted: they are nested in the clusters. The complete-data degrees of freedom
are G-1 (clustered) and T-1 (Driscoll-Kraay).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scripts.core.errors import InvariantError
from scripts.core.vocabulary import SeType


@dataclass(frozen=True)
class Sample:
    """The rows of one estimation sample: integer economy and year codes (0-based, dense)."""

    entity: np.ndarray  # (n,) economy code, rows sorted by economy then year
    time: np.ndarray  # (n,) year code

    @property
    def n(self) -> int:
        return int(self.entity.size)

    @property
    def n_entities(self) -> int:
        return int(self.entity.max()) + 1 if self.n else 0

    @property
    def n_periods(self) -> int:
        return int(self.time.max()) + 1 if self.n else 0


def dense_codes(values: np.ndarray) -> np.ndarray:
    """0-based codes of ``values`` in sorted order of the distinct values."""
    return np.unique(values, return_inverse=True)[1].reshape(-1)


def absorb(sample: Sample, z: np.ndarray, *, entity_effects: bool) -> np.ndarray:
    """``z`` (n x c) with the year effects, and the economy effects when asked, projected out.

    With economy effects the year dummies are first economy-demeaned; their cross-product
    ``diag(n_t) - C' diag(1/n_i) C`` (C the economy x year count matrix) has rank T-1 and
    is solved with a pseudo-inverse, which is exact for the projection. Without economy
    effects the year effects (which span the constant) are removed by year demeaning.
    Returns an array of the shape of ``z``.
    """
    e, t = sample.entity, sample.time
    n_e, n_t = sample.n_entities, sample.n_periods
    if not entity_effects:
        sums = np.zeros((n_t, z.shape[1]))
        np.add.at(sums, t, z)
        return z - (sums / np.bincount(t, minlength=n_t)[:, None])[t]
    cnt_e = np.bincount(e, minlength=n_e).astype(float)
    sums_e = np.zeros((n_e, z.shape[1]))
    np.add.at(sums_e, e, z)
    z1 = z - (sums_e / cnt_e[:, None])[e]
    counts = np.zeros((n_e, n_t))
    np.add.at(counts, (e, t), 1.0)
    a = np.diag(counts.sum(axis=0)) - counts.T @ (counts / cnt_e[:, None])
    b = np.zeros((n_t, z.shape[1]))
    np.add.at(b, t, z1)
    g = np.linalg.pinv(a, hermitian=True) @ b
    # The economy-demeaned year dummies times g: g at the row's year less the economy mean of g.
    return z1 - (g[t] - ((counts @ g) / cnt_e[:, None])[e])


@dataclass(frozen=True)
class DrawFits:
    """The fits of one specification on each of m draws (p slope coefficients)."""

    coef: np.ndarray  # (m, p)
    se: dict[SeType, np.ndarray]  # (m, p) per SE type
    r2_within: np.ndarray  # (m,) R2 of the model after the effects are absorbed
    n: int  # observations
    n_entities: int  # economies (clusters)
    n_periods: int  # years
    k: int  # slope regressors + year effects counted in the small-sample scale
    df: dict[SeType, int]  # complete-data degrees of freedom per SE type


def bartlett_weights(bandwidth: int) -> np.ndarray:
    """Bartlett kernel weights ``1 - j/(bw+1)`` for lags j = 0..bw."""
    return 1.0 - np.arange(bandwidth + 1) / (bandwidth + 1)


def fit_draws(
    sample: Sample,
    y: np.ndarray,
    x: np.ndarray,
    *,
    entity_effects: bool,
    se_types: tuple[SeType, ...] = ("cluster", "driscoll_kraay"),
    bandwidth: int = 2,
) -> DrawFits:
    """OLS of ``y`` (n,) on ``x`` (m, n, p) with the effects absorbed, for each of the m draws.

    The outcome is the same in every draw (models use observed outcomes only); the
    regressors differ by draw. Returns coefficients, standard errors (convention in the
    module docstring) and the within R2 per draw. Raises InvariantError when a regressor
    has no variation left after absorbing the effects.
    """
    m, n, p = x.shape
    z = absorb(
        sample,
        np.concatenate([y[:, None], x.transpose(1, 0, 2).reshape(n, m * p)], axis=1),
        entity_effects=entity_effects,
    )
    yt = z[:, 0]
    xt = z[:, 1:].reshape(n, m, p).transpose(1, 0, 2)
    xtx = np.einsum("mni,mnj->mij", xt, xt)
    if np.any(np.linalg.eigvalsh(xtx)[:, 0] <= 1e-10 * np.maximum(np.einsum("mii->m", xtx), 1e-300)[:, None]):
        raise InvariantError("a regressor has no variation within the sample after the fixed effects are absorbed")
    xty = np.einsum("mni,n->mi", xt, yt)
    coef = np.linalg.solve(xtx, xty[..., None])[..., 0]
    resid = yt[None, :] - np.einsum("mni,mi->mn", xt, coef)
    inv = np.linalg.inv(xtx)
    scores = xt * resid[..., None]  # (m, n, p)
    k = p + sample.n_periods - (1 if entity_effects else 0)
    if n - k <= 0:
        raise InvariantError(f"no residual degrees of freedom ({n} observations, {k} parameters)")
    g, t = sample.n_entities, sample.n_periods
    se: dict[SeType, np.ndarray] = {}
    df: dict[SeType, int] = {}
    for kind in se_types:
        if kind == "cluster":
            s = np.zeros((g, m, p))
            np.add.at(s, sample.entity, scores.transpose(1, 0, 2))
            meat = np.einsum("gmi,gmj->mij", s, s)
            scale = g / (g - 1) * (n - 1) / (n - k)
            df[kind] = g - 1
        else:
            s = np.zeros((t, m, p))
            np.add.at(s, sample.time, scores.transpose(1, 0, 2))
            meat = np.einsum("tmi,tmj->mij", s, s)
            for j, w in enumerate(bartlett_weights(bandwidth)[1:], start=1):
                op = np.einsum("tmi,tmj->mij", s[j:], s[:-j])
                meat = meat + w * (op + op.transpose(0, 2, 1))
            scale = n / (n - k)
            df[kind] = t - 1
        cov = inv @ meat @ inv * scale
        se[kind] = np.sqrt(np.einsum("mii->mi", cov))
    tss = float(yt @ yt)
    r2 = 1.0 - np.einsum("mn,mn->m", resid, resid) / tss if tss > 0 else np.full(m, np.nan)
    return DrawFits(coef, se, r2, n, g, t, k, df)
