"""The equations of the data-generating model, one function per component (pure numpy, no I/O).

Latent ln income (:func:`draw_units`), population, urban share, logistic diffusion of the
ICT and other input indicators (:func:`diffuse`), the missingness mechanism
(:func:`observed_mask`), the outcome links and the ICT composite. Every function draws
from its own Generator (:func:`rng_for`), seeded by the config's seed and the names of the
component and indicator, so the draws of one indicator do not change when another is added.
:mod:`scripts.synthetic.generate` assembles them into a panel.

Units: years are calendar years; ln income is the natural log of GDP per capita in current
US$; indicator values are in the indicator's catalogue unit; "logit scale" means the
log-odds of the value's share of its catalogue maximum.
"""

from __future__ import annotations

import math
import zlib

import numpy as np
from scipy.special import expit, logit

from scripts.core.errors import InvariantError
from scripts.synthetic.params import IndicatorSpec, Link, SynthConfig


def rng_for(seed: int, *names: str) -> np.random.Generator:
    """Return the Generator of one model component: seeded by ``seed`` and the names' CRC32s.

    Separate streams per component and indicator keep each indicator's draws unchanged
    when another indicator is added to, or removed from, the subset.
    """
    return np.random.default_rng([seed, *[zlib.crc32(n.encode("utf-8")) for n in names]])


def logistic_curve(t: np.ndarray, ceiling: np.ndarray | float, midpoint: np.ndarray | float, rate: float) -> np.ndarray:
    """Return ``ceiling / (1 + exp(-rate (t - midpoint)))`` (same unit as ``ceiling``), broadcast."""
    return np.asarray(ceiling) * expit(rate * (np.asarray(t, dtype=float) - np.asarray(midpoint)))


def tidy_values(x: np.ndarray, digits: int, decimals: int) -> np.ndarray:
    """Round to ``digits`` significant digits and at most ``decimals`` decimals; NaN stays NaN.

    Each result is the double nearest to a short decimal, so ``repr`` writes it briefly and
    reads back exactly. Negative zero becomes zero.
    """
    x = np.asarray(x, dtype=float)
    out = x.copy()
    # Below 1e-300 the power of ten would overflow; such values round to 0 anyway.
    ok = np.isfinite(x) & (np.abs(x) >= 1e-300)
    v = x[ok]
    d = digits - 1 - np.floor(np.log10(np.abs(v)))
    r = np.empty_like(v)
    up = d >= 0
    # Divide or multiply by an exact power of ten (never by 10**-k, which is inexact).
    p = 10.0 ** d[up]
    r[up] = np.round(v[up] * p) / p
    q = 10.0 ** (-d[~up])
    r[~up] = np.round(v[~up] / q) * q
    out[ok] = r
    out = np.round(out, decimals)
    return out + 0.0


def _ar1(rng: np.random.Generator, n: int, t: int, sd: float, phi: float) -> np.ndarray:
    """Return (n, t) stationary AR(1) paths with standard deviation ``sd`` and autocorrelation ``phi``."""
    eps = rng.standard_normal((n, t))
    out = np.empty((n, t))
    out[:, 0] = sd * eps[:, 0]
    innovation = sd * math.sqrt(1.0 - phi * phi)
    for j in range(1, t):
        out[:, j] = phi * out[:, j - 1] + innovation * eps[:, j]
    return out


def _largest_remainder(shares: np.ndarray, total: int) -> np.ndarray:
    """Integer counts summing to ``total`` in proportion to ``shares`` (largest remainder)."""
    exact = shares / shares.sum() * total
    counts = np.floor(exact).astype(np.int64)
    order = np.argsort(-(exact - counts), kind="stable")
    counts[order[: total - counts.sum()]] += 1
    return counts


def _calibrate_intercept(eta: np.ndarray, target: float) -> float:
    """Return b such that mean(logistic(b + eta)) = target (bisection; eta on the logit scale)."""
    lo, hi = -40.0, 40.0
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        if expit(mid + eta).mean() < target:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def draw_units(cfg: SynthConfig, years: np.ndarray, burn: int) -> dict[str, np.ndarray]:
    """Draw the units: region, latent ln income (rounded through gdp_pc_usd), capacity, ghosts.

    ``years`` start ``burn`` years before the written window (for lagged ICT); ``income_z``
    standardises ln income by the mean and sd of the window's first year.
    """
    n, inc = cfg.n_units, cfg.income
    rng = rng_for(cfg.seed, "units")
    counts = _largest_remainder(np.array([r.share for r in cfg.regions]), n)
    region = rng.permutation(np.repeat(np.arange(len(cfg.regions)), counts))
    offset = np.array([r.income_offset for r in cfg.regions])[region]
    z = rng.standard_normal(n)
    growth = inc.growth_mean + inc.growth_sd * rng.standard_normal(n)
    shocks = _ar1(rng, n, len(years), inc.shock_sd, inc.shock_ar)
    common = np.cumsum(rng.normal(0.0, inc.common_sd, len(years)))
    common -= common[0]
    # A normal in logs has tails far beyond any real economy once there are 22,000 units;
    # tanh squashes the first-year level smoothly into log_bounds (near-identity mid-range).
    lo, hi = inc.log_bounds
    mid, half = 0.5 * (lo + hi), 0.5 * (hi - lo)
    level = mid + half * np.tanh((inc.log_mean + offset + inc.log_sd * z - mid) / half)
    log_latent = level[:, None] + growth[:, None] * (years - years[burn])[None, :]
    gdp = tidy_values(np.exp(log_latent + shocks + common[None, :]), cfg.significant_digits, cfg.max_decimals)
    # ln income is defined from the rounded GDP so that ln(gdp_pc_usd) in the files is exact.
    log_income = np.log(gdp)
    first = log_income[:, burn]
    spread = first.std() if first.std() > 0 else 1.0
    group = np.digitize(gdp[:, -1], np.array(cfg.income.thresholds_usd), right=True)
    capacity = rng.normal(0.0, cfg.missingness.capacity_sd, n)
    ghost = np.zeros(n, dtype=bool)
    ghost[rng.permutation(n)[: int(round(cfg.missingness.ghost_share * n))]] = True
    return {
        "region": region,
        "gdp": gdp[:, burn:],
        "log_income": log_income[:, burn:],
        "income_z_path": (log_income - first.mean()) / spread,
        "income_z": (first - first.mean()) / spread,
        "growth": growth,
        "group": group,
        "capacity": capacity,
        "ghost": ghost,
    }


def draw_population(cfg: SynthConfig, years: np.ndarray, z: np.ndarray) -> np.ndarray:
    """Return the (units, years) population in persons; growth falls with standardised first-year income ``z``."""
    p = cfg.population
    rng = rng_for(cfg.seed, "population")
    n = len(z)
    level = rng.normal(p.log_mean, p.log_sd, n)
    growth = p.growth_rich + (p.growth_poor - p.growth_rich) * expit(-1.5 * z) + rng.normal(0.0, p.growth_sd, n)
    return np.exp(level[:, None] + growth[:, None] * (years - years[0])[None, :])


def draw_urban(cfg: SynthConfig, years: np.ndarray, log_income: np.ndarray) -> np.ndarray:
    """Return the (units, years) urban population in percent, rising with ``log_income`` (ln US$) and time."""
    u = cfg.urban
    rng = rng_for(cfg.seed, "urban")
    unit = rng.normal(0.0, u.unit_sd, log_income.shape[0])
    eta = (
        u.intercept
        + unit[:, None]
        + u.slope * (log_income - cfg.income.reference)
        + u.trend * (years - years[0])[None, :]
    )
    return 100.0 * expit(eta)


def _pillar_factors(cfg: SynthConfig, pillar: str, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Return the unit factors (timing, level; standard normal) shared by the indicators of ``pillar``."""
    rng = rng_for(cfg.seed, "pillar", pillar)
    return rng.standard_normal(n), rng.standard_normal(n)


def diffuse(
    cfg: SynthConfig, spec: IndicatorSpec, years: np.ndarray, z: np.ndarray, z_path: np.ndarray
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Return the (units, years) values of one diffusing indicator and its unit parameters.

    ``z`` is the standardised first-year ln income, ``z_path`` the same standardisation of
    every year's ln income: the midpoint moves with current income, so that income growth
    and shocks speed adoption (confounding that unit fixed effects do not remove). The
    ``midpoint`` returned is the one at first-year income.
    """
    d = spec.diffusion
    if d is None:
        raise InvariantError(f"diffuse() called for {spec.indicator}, which is generated by {spec.generator!r}")
    n = len(z)
    rng = rng_for(cfg.seed, "diffusion", spec.indicator)
    f_time, f_level = _pillar_factors(cfg, spec.pillar, n)
    shared, own = math.sqrt(cfg.pillar_corr), math.sqrt(1.0 - cfg.pillar_corr)
    timing = d.midpoint + d.timing_sd * (shared * f_time + own * rng.standard_normal(n))
    ceiling = d.ceiling_poor + (d.ceiling_rich - d.ceiling_poor) * expit(1.5 * z)
    level = d.level_sd * (shared * f_level + own * rng.standard_normal(n))
    noise = _ar1(rng, n, len(years), d.noise_sd, d.noise_ar)
    curve = logistic_curve(years[None, :], ceiling[:, None], timing[:, None] - d.income_shift * z_path, d.rate)
    midpoint = timing - d.income_shift * z
    if math.isfinite(spec.upper):
        # Noise on the logit scale keeps a bounded indicator strictly inside (0, max).
        share = np.clip(curve / spec.upper, 1e-300, 1.0 - 1e-12)
        x = spec.upper * expit(logit(share) + level[:, None] + noise)
    else:
        x = curve * np.exp(level[:, None] + noise)
    return x, {"midpoint": midpoint, "ceiling": ceiling, "level": level}


def clip_to_bounds(x: np.ndarray, spec: IndicatorSpec) -> tuple[np.ndarray, int]:
    """Clip ``x`` into the catalogue bounds; return it and the number of values clipped."""
    lo = spec.lower if math.isfinite(spec.lower) else -np.inf
    hi = spec.upper if math.isfinite(spec.upper) else np.inf
    clipped = int(((x < lo) | (x > hi)).sum())
    return np.clip(x, lo, hi), clipped


def observed_mask(cfg: SynthConfig, spec: IndicatorSpec, units: dict[str, np.ndarray], n_years: int) -> np.ndarray:
    """Return the (units, years) mask of observed cells of one indicator."""
    m = cfg.missingness
    n = len(units["income_z"])
    rng = rng_for(cfg.seed, "missing", spec.indicator)
    s = np.arange(n_years) / (n_years - 1) - 0.5
    eta = m.early_slope * s[None, :] + (m.income_slope * units["income_z"] + units["capacity"])[:, None]
    # Calibrate on at most 2,000 non-ghost units: the units are iid, so the intercept is the
    # same in expectation, and the cost no longer grows with the number of units.
    sample = eta[~units["ghost"]][:2000]
    b = _calibrate_intercept(sample if len(sample) else eta, spec.availability)
    observed = rng.random((n, n_years)) < expit(b + eta)
    observed &= ~units["ghost"][:, None] | (rng.random((n, n_years)) < m.ghost_availability)
    col = np.arange(n_years)[None, :]
    end = rng.random(n) < m.end_gap_prob
    gap = rng.integers(1, m.end_gap_max_years + 1, n)
    late = rng.random(n) < m.late_start_prob
    start = rng.integers(1, m.late_start_max_years + 1, n)
    if spec.gaps:
        observed &= ~(end[:, None] & (col >= n_years - gap[:, None]))
        observed &= ~(late[:, None] & (col < start[:, None]))
    return observed


def inverse_link(g: np.ndarray, link: Link, upper: float) -> np.ndarray:
    """Return y from g(y) on the link scale: g, exp(g) or ``upper * logistic(g)`` (y in the outcome's unit)."""
    if link == "identity":
        return g
    if link == "log":
        return np.exp(g)
    return upper * expit(g)


def link_function(y: np.ndarray, link: Link, upper: float) -> np.ndarray:
    """Return g(y): the outcome on its data-generating scale (identity, log, or logit of y / upper)."""
    y = np.asarray(y, dtype=float)
    if link == "identity":
        return y
    with np.errstate(divide="ignore"):
        if link == "log":
            return np.log(y)
        return logit(y / upper)


def ict_composite(values: dict[str, np.ndarray], composite: tuple[tuple[str, float, float], ...]) -> np.ndarray:
    """Return the ICT composite (0-100): 100 * sum_k w_k * min(x_k / reference_k, 1).

    ``values`` maps each component id to an array of its values (any common shape).
    """
    return 100.0 * sum(w * np.minimum(values[k] / ref, 1.0) for k, ref, w in composite)


def unit_codes(n: int) -> list[str]:
    """Return the codes of ``n`` units: "S00001", "S00002", ... (at least five digits)."""
    width = max(5, len(str(n)))
    return [f"S{k:0{width}d}" for k in range(1, n + 1)]
