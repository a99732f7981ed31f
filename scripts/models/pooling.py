"""Rubin's rules for m imputations, and Benjamini-Hochberg q-values.

Rubin's rules (REFERENCE.md section 8) with Barnard and Rubin's (1999) small-sample
degrees of freedom, vectorised over many estimates at once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats


@dataclass(frozen=True)
class Pooled:
    """Pooled estimates, one entry per pooled quantity (arrays of the same shape)."""

    estimate: np.ndarray  # Q-bar, the mean of the m estimates
    within: np.ndarray  # W, the mean of the m squared standard errors
    between: np.ndarray  # B, the variance of the m estimates (ddof 1; 0 when m = 1)
    total: np.ndarray  # T = W + (1 + 1/m) B
    df: np.ndarray  # Barnard-Rubin degrees of freedom (the complete-data df when B = 0)
    fmi: np.ndarray  # fraction of missing information
    m: int

    @property
    def se(self) -> np.ndarray:
        """sqrt(T)."""
        return np.sqrt(self.total)

    def p_value(self) -> np.ndarray:
        """Two-sided p-value of estimate = 0 on the t distribution with ``df`` degrees of freedom."""
        return 2.0 * stats.t.sf(np.abs(self.estimate) / self.se, self.df)

    def interval(self, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
        """The ``level`` confidence interval (lower, upper)."""
        half = stats.t.ppf(0.5 + level / 2, self.df) * self.se
        return self.estimate - half, self.estimate + half


def rubin(estimates: np.ndarray, variances: np.ndarray, df_complete: np.ndarray | float) -> Pooled:
    """Pool ``estimates`` and ``variances`` (shape (m, ...)) over their first axis.

    ``df_complete`` is the complete-data degrees of freedom nu_c (scalar or of the
    trailing shape). Q = mean Q_l; W = mean U_l; B = var(Q_l); T = W + (1 + 1/m) B;
    r = (1 + 1/m) B / W; nu_m = (m - 1)(1 + 1/r)^2; lambda = (1 + 1/m) B / T;
    nu_obs = (nu_c + 1)/(nu_c + 3) nu_c (1 - lambda); nu = 1/(1/nu_m + 1/nu_obs);
    FMI = (r + 2/(nu + 3)) / (r + 1). With B = 0 (m = 1, or draws that agree) nu = nu_obs
    = (nu_c + 1)/(nu_c + 3) nu_c and the FMI is 2/(nu + 3), the formulas' limit.
    """
    q = np.asarray(estimates, dtype=float)
    u = np.asarray(variances, dtype=float)
    m = q.shape[0]
    nu_c = np.broadcast_to(np.asarray(df_complete, dtype=float), q.shape[1:])
    qbar = q.mean(axis=0)
    w = u.mean(axis=0)
    b = q.var(axis=0, ddof=1) if m > 1 else np.zeros_like(qbar)
    t = w + (1 + 1 / m) * b
    with np.errstate(divide="ignore", invalid="ignore"):
        r = (1 + 1 / m) * b / w
        lam = (1 + 1 / m) * b / t
        nu_obs = (nu_c + 1) / (nu_c + 3) * nu_c * (1 - lam)
        inv_nu_m = np.where(b > 0, 1.0 / ((m - 1) * (1 + 1 / r) ** 2), 0.0) if m > 1 else np.zeros_like(qbar)
        nu = 1.0 / (inv_nu_m + 1.0 / nu_obs)
        fmi = (r + 2 / (nu + 3)) / (r + 1)
    return Pooled(qbar, w, b, t, nu, fmi, m)


def bh_qvalues(p: np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg q-values of ``p`` (NaN stays NaN and is not counted in n).

    Sort p ascending; q_(i) = min over j >= i of n p_(j) / j, capped at 1; returned in the
    order of ``p``.
    """
    p = np.asarray(p, dtype=float)
    q = np.full(p.shape, np.nan)
    ok = np.flatnonzero(~np.isnan(p))
    if ok.size == 0:
        return q
    order = ok[np.argsort(p[ok], kind="stable")]
    n = order.size
    scaled = p[order] * n / np.arange(1, n + 1)
    q[order] = np.minimum(np.minimum.accumulate(scaled[::-1])[::-1], 1.0)
    return q
