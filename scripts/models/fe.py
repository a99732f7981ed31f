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
from functools import cached_property

import numpy as np
from scipy import sparse

from scripts.core.errors import InvariantError
from scripts.core.vocabulary import SeType


@dataclass(frozen=True)
class Sample:
    """The rows of one estimation sample: integer economy and year codes (0-based, dense).

    Rows are sorted by economy (then year), so that per-economy sums are contiguous blocks.
    """

    entity: np.ndarray  # (n,) economy code
    time: np.ndarray  # (n,) year code

    def __post_init__(self) -> None:
        if self.entity.size and np.any(np.diff(self.entity) < 0):
            raise InvariantError("the rows of an estimation sample must be sorted by economy")

    @property
    def n(self) -> int:
        return int(self.entity.size)

    @property
    def n_entities(self) -> int:
        return int(self.entity[-1]) + 1 if self.n else 0

    @property
    def n_periods(self) -> int:
        return int(self.time.max()) + 1 if self.n else 0

    @cached_property
    def starts(self) -> np.ndarray:
        """First row of each economy's block."""
        return np.flatnonzero(np.r_[True, self.entity[1:] != self.entity[:-1]])

    @cached_property
    def entity_counts_int(self) -> np.ndarray:
        """Rows of each economy."""
        return np.diff(np.r_[self.starts, self.n])

    @cached_property
    def entity_counts(self) -> np.ndarray:
        return self.entity_counts_int.astype(float)

    @cached_property
    def _entity_matrix(self) -> sparse.csr_matrix:
        # Sparse G x n indicator matrix: a sum over each economy's rows is one sparse product.
        return sparse.csr_matrix((np.ones(self.n), (self.entity, np.arange(self.n))), shape=(self.n_entities, self.n))

    @cached_property
    def _time_matrix(self) -> sparse.csr_matrix:
        return sparse.csr_matrix((np.ones(self.n), (self.time, np.arange(self.n))), shape=(self.n_periods, self.n))

    @cached_property
    def time_counts(self) -> np.ndarray:
        return np.bincount(self.time, minlength=self.n_periods).astype(float)

    def entity_sums(self, z: np.ndarray) -> np.ndarray:
        """Sums of the rows of ``z`` (n, c) per economy: (G, c)."""
        return np.asarray(self._entity_matrix @ z)

    def time_sums(self, z: np.ndarray) -> np.ndarray:
        """Sums of the rows of ``z`` (n, c) per year: (T, c)."""
        return np.asarray(self._time_matrix @ z)

    @cached_property
    def counts(self) -> np.ndarray:
        """(G, T) the economy x year count matrix C (0 or 1)."""
        c = np.zeros((self.n_entities, self.n_periods))
        c[self.entity, self.time] = 1.0
        return c


def absorb(sample: Sample, z: np.ndarray, *, entity_effects: bool) -> np.ndarray:
    """``z`` (n x c) with the year effects, and the economy effects when asked, projected out.

    With economy effects the year dummies are first economy-demeaned; their cross-product
    ``diag(n_t) - C' diag(1/n_i) C`` (C the economy x year count matrix) has rank T-1 and
    is solved with a pseudo-inverse, which is exact for the projection. Without economy
    effects the year effects (which span the constant) are removed by year demeaning.
    Returns an array of the shape of ``z``.
    """
    t = sample.time
    if not entity_effects:
        return z - (sample.time_sums(z) / sample.time_counts[:, None])[t]
    cnt_e = sample.entity_counts
    means = sample.entity_sums(z) / cnt_e[:, None]  # (G, c)
    counts = sample.counts
    a = np.diag(counts.sum(axis=0)) - counts.T @ (counts / cnt_e[:, None])
    # D'(z - economy means) without forming the demeaned z: D'z - C' means. The null
    # direction of ``a`` (the constant, which the economy effects absorb) computes as an
    # eigenvalue of about 1e-15 of the largest, on either side of pinv's default cutoff
    # depending on the machine (tests/data/models: 9.3e-16, inverted on one machine and
    # not on another, moving estimates by 1e-3). A cutoff of 1e-10 drops it everywhere and
    # keeps every true eigenvalue (there the smallest is 1/176 of the largest).
    g = np.linalg.pinv(a, rtol=1e-10, hermitian=True) @ (sample.time_sums(z) - counts.T @ means)
    # z less its economy means, less the economy-demeaned year dummies times g.
    return z - np.repeat(means - (counts @ g) / cnt_e[:, None], sample.entity_counts_int, axis=0) - g[t]


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
    sd_y: float  # root mean square of the outcome after the effects are absorbed
    sd_x: np.ndarray  # (m, p) the same for each regressor (for standardised coefficients)


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
    """OLS of ``y`` (n,) on ``x`` (n, m, p) with the effects absorbed, for each of the m draws.

    The outcome is the same in every draw (models use observed outcomes only); the
    regressors differ by draw. Returns coefficients, standard errors (convention in the
    module docstring) and the within R2 per draw. Raises InvariantError when a regressor
    has no variation left after absorbing the effects.
    """
    n, m, p = x.shape
    z = absorb(sample, np.concatenate([y[:, None], x.reshape(n, m * p)], axis=1), entity_effects=entity_effects)
    yt = z[:, 0]
    xt = z[:, 1:].reshape(n, m, p)
    xtx = np.einsum("nmi,nmj->mij", xt, xt, optimize=True)
    trace = np.maximum(np.trace(xtx, axis1=1, axis2=2), 1e-300)
    if np.any(np.linalg.eigvalsh(xtx)[:, 0] <= 1e-10 * trace):
        raise InvariantError("a regressor has no variation within the sample after the fixed effects are absorbed")
    xty = np.einsum("nmi,n->mi", xt, yt)
    coef = np.linalg.solve(xtx, xty[..., None])[..., 0]
    resid = yt[:, None] - np.einsum("nmi,mi->nm", xt, coef)
    inv = np.linalg.inv(xtx)
    scores = (xt * resid[..., None]).reshape(n, m * p)
    k = p + sample.n_periods - (1 if entity_effects else 0)
    if n - k <= 0:
        raise InvariantError(f"no residual degrees of freedom ({n} observations, {k} parameters)")
    g, t = sample.n_entities, sample.n_periods
    se: dict[SeType, np.ndarray] = {}
    df: dict[SeType, int] = {}
    for kind in se_types:
        if kind == "cluster":
            s = sample.entity_sums(scores).reshape(g, m, p).transpose(1, 0, 2)  # (m, G, p)
            meat = s.transpose(0, 2, 1) @ s
            scale = g / (g - 1) * (n - 1) / (n - k)
            df[kind] = g - 1
        else:
            s = sample.time_sums(scores).reshape(t, m, p).transpose(1, 0, 2)  # (m, T, p)
            meat = s.transpose(0, 2, 1) @ s
            for j, w in enumerate(bartlett_weights(bandwidth)[1:], start=1):
                op = s[:, j:].transpose(0, 2, 1) @ s[:, :-j]
                meat = meat + w * (op + op.transpose(0, 2, 1))
            scale = n / (n - k)
            df[kind] = t - 1
        cov = inv @ meat @ inv * scale
        se[kind] = np.sqrt(np.diagonal(cov, axis1=1, axis2=2))
    tss = float(yt @ yt)
    r2 = 1.0 - (resid**2).sum(axis=0) / tss if tss > 0 else np.full(m, np.nan)
    sd_x = np.sqrt((xt**2).sum(axis=0) / n)
    return DrawFits(coef, se, r2, n, g, t, k, df, float(np.sqrt(tss / n)), sd_x)
