"""Outlier treatment of indicators, following COINr's default rule.

An indicator *needs treatment* when ``|skewness| >= skew_thresh`` AND ``kurtosis >=
kurt_thresh`` (defaults 2 and 3.5), with skewness and excess kurtosis computed as Excel's
SKEW and KURT (the bias-adjusted sample estimators G1 and G2, identical to
``scipy.stats.skew(bias=False)`` / ``scipy.stats.kurtosis(bias=False)`` and to COINr's
``skew()``/``kurt()``, which copy ``e1071`` type 2). Such an indicator is treated as
COINr's ``Treat()`` does with its default specification (``winsorise`` then ``log_CT``):

1. *Winsorise* one extreme at a time: every cell holding the current maximum (if the
   current skew is >= 0) or minimum (skew < 0) takes the next most extreme value. Ties
   are moved together and each moved cell counts as one point. The side is re-decided
   from the skew before every step, and the test is re-run after it.
2. Stop as soon as the indicator passes, or once ``winmax`` or more points have been
   winsorised. As in COINr, a step is taken whenever fewer than ``winmax`` points have
   been moved, so a step moving several tied cells can take the total past ``winmax``.
3. If it still fails, discard the winsorisation and log-transform the *original* values
   instead: ``log(x - min + a)`` with ``a = 0.01 * (max - min)`` when the original skew is
   >= 0, and the mirrored form ``-log(max + a - x)`` when it is negative. The mirror is
   COINr's ``log_CT_plus``; COINr's default ``log_CT`` applies the plain formula to
   negatively skewed data too, which stretches the long left tail further and reverses
   nothing, so it cannot cure negative skew. Both forms are increasing in ``x``, so the
   indicator's direction and the units' order are kept.

A deliberate departure from COINr, kept on purpose: the mirrored log of step 3 for
negatively skewed indicators (COINr's default would apply ``log_CT`` and leave them
failing). The other departures are all in cases where COINr stops with an error or
returns NA:

- A column (or column-year) with fewer than 4 non-missing values, or with a single
  distinct value, has no defined kurtosis/skewness: it is left as it is and reported
  with status ``"too_few"`` or ``"constant"``.
- A winsorising step that would leave a single distinct value (e.g. ``[1, 1, 1, 1, 100]``)
  is not taken: it would erase the indicator. Winsorisation counts as failed and the log
  step follows.

Missing values (NaN) are ignored by every statistic and stay NaN.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from scripts.core.errors import ConfigError, InputError

#: Status of an indicator (or indicator-year) after :func:`treat_outliers`.
#: ``ok`` passed untouched; ``winsorised`` passes after winsorising; ``log`` passes after
#: the log; ``log_failed`` was log-transformed and still fails the test; ``excluded``
#: was not examined on request; ``too_few`` has < 4 values; ``constant`` one distinct value.
STATUSES = ("ok", "winsorised", "log", "log_failed", "excluded", "too_few", "constant")

DETAILS_COLUMNS = [
    "indicator",
    "n",
    "skew_before",
    "kurt_before",
    "skew_after",
    "kurt_after",
    "n_winsorised",
    "log_applied",
    "status",
]


@dataclass(frozen=True)
class TreatResult:
    """Output of :func:`treat_outliers`.

    Attributes
    ----------
    treated:
        The wide frame with treated values (same index, columns and NaN pattern as the
        input). Winsorised columns keep the indicator's units; log-treated columns are in
        natural-log units of the shifted indicator.
    details:
        One row per indicator (per indicator and year when ``pooled=False``): the year
        (``<NA>`` when pooled), n non-missing values, skew/kurtosis before and after
        (dimensionless), number of winsorised cells (0 when the log replaced the
        winsorisation), whether the log was applied, and the status (:data:`STATUSES`).
    points:
        One row per changed cell: unit, year, indicator, original value, treated value,
        and side (``"high"``/``"low"`` for a winsorised cell, ``"log"`` for a cell of a
        log-transformed indicator).
    """

    treated: pd.DataFrame
    details: pd.DataFrame
    points: pd.DataFrame


def _moments(a: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Column-wise (n, skewness G1, excess kurtosis G2) of a 2-D array, NaN ignored.

    Skewness is NaN below 3 values, kurtosis below 4, and both for a column with a single
    distinct value (tested with max == min, because the floating mean of identical values
    can leave tiny non-zero deviations that would give a meaningless ratio).
    """
    mask = ~np.isnan(a)
    n = mask.sum(axis=0).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(mask, a, 0.0).sum(axis=0) / n
        d = np.where(mask, a - mean, 0.0)
        d2 = d * d
        m2 = d2.sum(axis=0) / n
        m3 = (d2 * d).sum(axis=0) / n
        m4 = (d2 * d2).sum(axis=0) / n
        g1 = m3 / m2**1.5
        g2 = m4 / (m2 * m2) - 3.0
        skew = g1 * np.sqrt(n * (n - 1.0)) / (n - 2.0)
        kurt = ((n + 1.0) * g2 + 6.0) * (n - 1.0) / ((n - 2.0) * (n - 3.0))
    hi = np.where(mask, a, -np.inf).max(axis=0, initial=-np.inf)
    constant = hi == np.where(mask, a, np.inf).min(axis=0, initial=np.inf)
    skew = np.where((n < 3) | constant, np.nan, skew)
    kurt = np.where((n < 4) | constant, np.nan, kurt)
    return n, skew, kurt


def _fails(skew: np.ndarray, kurt: np.ndarray, skew_thresh: float, kurt_thresh: float) -> np.ndarray:
    """True where the outlier rule asks for treatment; NaN statistics never fail."""
    with np.errstate(invalid="ignore"):
        return (np.abs(skew) >= skew_thresh) & (kurt >= kurt_thresh)


def skew_kurt(wide: pd.DataFrame) -> pd.DataFrame:
    """Return, per column, n, skewness and excess kurtosis as Excel's SKEW and KURT.

    Columns ``n`` (non-missing values), ``skew`` and ``kurt`` (dimensionless), indexed by
    the columns of ``wide``; NaN where undefined (n < 3 / n < 4, or a constant column).
    """
    n, skew, kurt = _moments(wide.to_numpy(dtype=float))
    return pd.DataFrame({"n": n.astype("int64"), "skew": skew, "kurt": kurt}, index=wide.columns)


def _treat_columns(
    x: np.ndarray,
    eligible: np.ndarray,
    winmax: int,
    skew_thresh: float,
    kurt_thresh: float,
) -> dict[str, np.ndarray]:
    """Apply the rule to every column of ``x`` at once; returns arrays keyed by name.

    Columns are processed together (one winsorising step per loop pass for every column
    still failing) so the cost is at most ``winmax`` vectorised passes whatever the
    number of columns.
    """
    mask = ~np.isnan(x)
    n, sk0, ku0 = _moments(x)
    active = eligible & _fails(sk0, ku0, skew_thresh, kurt_thresh)

    w = x.copy()
    sk, ku = sk0, ku0
    nwin = np.zeros(x.shape[1], dtype="int64")
    stuck = np.zeros(x.shape[1], dtype=bool)
    while True:
        go = active & ~stuck & (nwin < winmax) & _fails(sk, ku, skew_thresh, kurt_thresh)
        if not go.any():
            break
        high = sk >= 0
        hi_fill = np.where(mask, w, -np.inf)
        lo_fill = np.where(mask, w, np.inf)
        mx = hi_fill.max(axis=0, initial=-np.inf)
        mn = lo_fill.min(axis=0, initial=np.inf)
        extreme = np.where(high, mx, mn)
        tie = w == extreme
        nxt = np.where(
            high,
            np.where(tie, -np.inf, hi_fill).max(axis=0, initial=-np.inf),
            np.where(tie, np.inf, lo_fill).min(axis=0, initial=np.inf),
        )
        # Moving the extreme onto the opposite extreme would leave one distinct value.
        degenerate = go & (~np.isfinite(nxt) | (nxt == np.where(high, mn, mx)))
        stuck |= degenerate
        go &= ~degenerate
        w = np.where(tie & go, nxt, w)
        nwin = ((w != x) & mask).sum(axis=0)
        _, sk, ku = _moments(w)

    need_log = active & _fails(sk, ku, skew_thresh, kurt_thresh)
    out = w
    if need_log.any():
        xl = x[:, need_log]
        lo = np.nanmin(xl, axis=0)
        hi = np.nanmax(xl, axis=0)
        a = 0.01 * (hi - lo)
        positive = sk0[need_log] >= 0
        # (hi - xl) + a, not (hi + a) - xl: the same rounding as (xl - lo) + a, so treating -x
        # gives exactly -1 times treating x even where the skew sits on the threshold.
        with np.errstate(invalid="ignore", divide="ignore"):
            logged = np.where(positive, np.log((xl - lo) + a), -np.log((hi - xl) + a))
        out = w.copy()
        out[:, need_log] = logged
        _, sk_l, ku_l = _moments(logged)
        sk = sk.copy()
        ku = ku.copy()
        sk[need_log] = sk_l
        ku[need_log] = ku_l
        nwin = np.where(need_log, 0, nwin)

    still = _fails(sk, ku, skew_thresh, kurt_thresh)
    constant = (n >= 4) & np.isnan(sk0)
    status = np.select(
        [
            ~eligible,
            n < 4,
            constant,
            need_log & still,
            need_log,
            active,
        ],
        ["excluded", "too_few", "constant", "log_failed", "log", "winsorised"],
        default="ok",
    )
    return {
        "values": out,
        "n": n.astype("int64"),
        "skew_before": sk0,
        "kurt_before": ku0,
        "skew_after": sk,
        "kurt_after": ku,
        "n_winsorised": nwin,
        "log_applied": need_log,
        "status": status,
    }


def _level_names(index: pd.MultiIndex) -> tuple[str, str]:
    """Names for the unit and year columns of the output tables."""
    unit = index.names[0] if index.names[0] is not None else "unit"
    year = index.names[1] if index.names[1] is not None else "year"
    return str(unit), str(year)


def _year_array(values: list, year_level: pd.Index) -> pd.api.extensions.ExtensionArray:
    """The details' year column: nullable integers for integer years (NA when pooled)."""
    dtype = "Int64" if pd.api.types.is_integer_dtype(year_level) else "object"
    return pd.array(values, dtype=dtype)


def _check_wide(wide: pd.DataFrame) -> np.ndarray:
    """Return the values of ``wide`` as float64 after checking its shape."""
    if not isinstance(wide.index, pd.MultiIndex) or wide.index.nlevels != 2:
        raise ValueError(f"expected a wide frame indexed by (unit, year); got index levels {list(wide.index.names)}")
    if wide.index.has_duplicates:
        dup = wide.index[wide.index.duplicated()][0]
        raise InputError(
            problem=f"the (unit, year) pair {dup} appears more than once",
            expected="one row per (unit, year)",
            fix="deduplicate the panel before treatment (check the harmonisation stage)",
        )
    values = wide.to_numpy(dtype=float)
    if np.isinf(values).any():
        col = wide.columns[np.isinf(values).any(axis=0)][0]
        raise InputError(
            problem=f"indicator {col} holds an infinite value",
            column=str(col),
            expected="finite numbers or NaN",
            fix="check the stage that computed this indicator (a division by zero?)",
        )
    return values


def _check_winmax(winmax: int) -> None:
    """Raise ConfigError for a negative winsorisation limit."""
    if winmax < 0:
        raise ConfigError(
            problem=f"outlier treatment winmax is {winmax}",
            expected="an integer >= 0",
            fix="set winmax to 0 (log only) or more; COINr's default is 5",
        )


def treated_values(
    wide: pd.DataFrame,
    *,
    winmax: int,
    skew_thresh: float,
    kurt_thresh: float,
    exclude: set[str] | frozenset[str] = frozenset(),
) -> pd.DataFrame:
    """The ``treated`` frame of :func:`treat_outliers` with ``pooled=True``, without its details and points.

    For callers that treat the same data many times (the uncertainty stage treats every
    imputation draw with every winsorisation limit): the values are those of
    :func:`treat_outliers`, at about half its cost.
    """
    _check_winmax(winmax)
    x = _check_wide(wide)
    eligible = ~wide.columns.isin(list(exclude))
    res = _treat_columns(x, eligible, winmax, skew_thresh, kurt_thresh)
    return pd.DataFrame(res["values"], index=wide.index, columns=wide.columns)


def treat_outliers(
    wide: pd.DataFrame,
    *,
    winmax: int = 5,
    skew_thresh: float = 2.0,
    kurt_thresh: float = 3.5,
    pooled: bool = True,
    exclude: set[str] | frozenset[str] = frozenset(),
) -> TreatResult:
    """Treat outlying indicators of a wide (unit, year) x indicator frame, COINr-style.

    Parameters
    ----------
    wide:
        Values indexed by a two-level (unit, year) MultiIndex (any level names), one
        column per indicator, NaN for missing.
    winmax:
        Winsorising stops once this many cells have been moved (see module docstring);
        0 goes straight to the log.
    skew_thresh, kurt_thresh:
        Treatment is needed when ``|skew| >= skew_thresh`` and ``kurt >= kurt_thresh``.
    pooled:
        True: statistics and treatment over the whole panel (all years together, one rule
        for every year). False: each year's cross-section separately.
    exclude:
        Indicators left untouched (status ``"excluded"``). Names not among the columns
        are ignored, so that a list written against the catalogue survives screening.

    Returns
    -------
    TreatResult
        ``treated`` (same shape as ``wide``), ``details`` and ``points``; see
        :class:`TreatResult`.
    """
    _check_winmax(winmax)
    x = _check_wide(wide)
    unit_name, year_name = _level_names(wide.index)
    indicators = wide.columns
    k = len(indicators)
    eligible_ind = ~indicators.isin(list(exclude))

    year_level = wide.index.get_level_values(1)
    if pooled:
        res = _treat_columns(x, eligible_ind, winmax, skew_thresh, kurt_thresh)
        treated = res["values"]
        cell_log = np.broadcast_to(res["log_applied"], x.shape)
        det_ind = indicators
        det_year = _year_array([pd.NA] * k, year_level)
    else:
        # One column per (year, indicator) with units as rows turns the per-year rule into
        # the same column-wise problem, so it stays a single vectorised pass.
        ucode, _ = pd.factorize(wide.index.get_level_values(0))
        ycode, years = pd.factorize(year_level, sort=True)
        n_u, n_y = int(ucode.max(initial=-1)) + 1, len(years)
        cube = np.full((n_u, n_y, k), np.nan)
        cube[ucode, ycode, :] = x
        res = _treat_columns(cube.reshape(n_u, n_y * k), np.tile(eligible_ind, n_y), winmax, skew_thresh, kurt_thresh)
        treated = res["values"].reshape(n_u, n_y, k)[ucode, ycode, :]
        cell_log = res["log_applied"].reshape(n_y, k)[ycode, :]
        # Order details by indicator, then year.
        order = np.arange(n_y * k).reshape(n_y, k).T.ravel()
        res = {key: (val if key == "values" else val[order]) for key, val in res.items()}
        det_ind = indicators.repeat(n_y)
        det_year = _year_array(list(np.tile(years.to_numpy(), k)), year_level)

    details = pd.DataFrame(
        {
            "indicator": pd.Index(det_ind).to_numpy(),
            year_name: det_year,
            "n": res["n"],
            "skew_before": res["skew_before"],
            "kurt_before": res["kurt_before"],
            "skew_after": res["skew_after"],
            "kurt_after": res["kurt_after"],
            "n_winsorised": res["n_winsorised"],
            "log_applied": res["log_applied"],
            "status": res["status"],
        }
    )

    observed = ~np.isnan(x)
    changed = observed & ((treated != x) | cell_log)
    # Column-major so the points of one indicator are listed together.
    cols, rows = np.nonzero(changed.T)
    orig = x[rows, cols]
    new = treated[rows, cols]
    side = np.where(cell_log[rows, cols], "log", np.where(new < orig, "high", "low"))
    points = pd.DataFrame(
        {
            unit_name: wide.index.get_level_values(0)[rows],
            year_name: year_level[rows],
            "indicator": indicators[cols].to_numpy(),
            "original": orig,
            "treated": new,
            "side": side,
        }
    )
    out = pd.DataFrame(treated, index=wide.index, columns=wide.columns)
    return TreatResult(treated=out, details=details, points=points)
