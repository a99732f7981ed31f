"""Availability screening: which indicators and economies enter imputation, and why.

The result is a decision table, not a log line: one row per indicator and one per
economy, with what was counted, the threshold it was held to and the decision taken, so
that the report can show every exclusion and a reviewer can re-derive it.

Order (the JRC/COINr convention, see REFERENCE.md section 2):

1. Indicators: share of the (economy x year) cells of the window that are observed,
   counted over every economy in ``units``. Only the roles in ``roles_screened`` (by
   default the ICT inputs) are held to the threshold; outcomes and controls are kept and
   the models decide what to do with their gaps, but their availability is reported.
   An indicator with no observed value in the window is excluded whatever its role.
2. Economies: share of the (indicator x year) cells observed, counted over the
   *screened* indicators kept in step 1. Outcomes do not count, so an economy is never
   dropped (or kept) because of the outcome data it happens to have.

Problems that would break later stages are flagged rather than raised: "no data",
"single value" (one observation: no trend, no variance) and "constant" (all observed
values equal: a min-max or z-score normalisation would divide by zero). ``n_constant``
counts the economy-indicator series with at least three observations that never change,
which usually means a publisher carried a value forward.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

import numpy as np
import pandas as pd

from scripts.core import tables
from scripts.core.contract import check_unique, conform
from scripts.core.errors import ConfigError, InputError
from scripts.core.vocabulary import ICT_ROLES, ROLES

log = logging.getLogger("ictmdg")


# A series needs this many observations before "it never changes" says something.
_MIN_CONSTANT_RUN = 3


def _pct(share: float, threshold: float | None = None) -> str:
    """Format a share as a whole percent, with as many decimals as it takes to differ from the threshold."""
    text = f"{share:.0%}"
    if threshold is not None and share != threshold:
        for decimals in range(1, 5):
            if text != f"{threshold:.{decimals - 1}%}":
                break
            text = f"{share:.{decimals}%}"
    return text


def _unit_list(units: Iterable[str] | pd.DataFrame | pd.Series) -> list[str]:
    if isinstance(units, pd.DataFrame):
        if "iso3" not in units.columns:
            raise InputError(
                problem="the units frame has no 'iso3' column",
                expected="a list of ISO3 codes or a frame with an 'iso3' column (e.g. the groups frame)",
                fix="pass groups or groups['iso3']",
            )
        units = units["iso3"]
    values = pd.Series(list(units), dtype="string").dropna()
    return sorted(set(values.tolist()))


def validate_window(first: int, last: int) -> list[int]:
    """Return the years ``first..last`` inclusive; raise :class:`ConfigError` if empty."""
    if int(first) > int(last):
        raise ConfigError(
            problem=f"analysis window {first}-{last} is empty",
            expected="first year <= last year",
            fix="set the window's first and last years in config/config.yaml",
        )
    return list(range(int(first), int(last) + 1))


def validate_catalogue(catalogue: pd.DataFrame) -> pd.DataFrame:
    """Return ``catalogue`` with ``indicator`` and ``role`` as strings, checked.

    Raises :class:`ConfigError` on missing columns, an unknown role or a repeated
    indicator.
    """
    missing = [c for c in ("indicator", "role") if c not in catalogue.columns]
    if missing:
        raise ConfigError(
            problem=f"indicator catalogue lacks columns {missing}",
            expected="columns 'indicator' and 'role' (readiness|use|impact|outcome|control)",
            fix="add the columns to the indicator catalogue",
        )
    cat = catalogue.assign(
        indicator=catalogue["indicator"].astype("string"),
        role=catalogue["role"].astype("string").str.strip().str.lower(),
    )
    bad = cat.loc[~cat["role"].isin(ROLES), ["indicator", "role"]]
    if len(bad):
        first = bad.iloc[0]
        raise ConfigError(
            problem=f"indicator {first['indicator']!r} has unknown role {first['role']!r}",
            expected=f"one of {', '.join(ROLES)}",
            fix="correct the role in the indicator catalogue",
        )
    check_unique(cat, ["indicator"], "catalogue entry")
    return cat


def observed_in_window(panel: pd.DataFrame, first: int, last: int) -> pd.DataFrame:
    """Return the panel rows with a finite value inside ``first..last`` (iso3, year, indicator, value).

    Rows with a missing value are dropped (the contract says the panel holds observed
    values only; a NaN that slipped through is logged, not counted).
    """
    missing = [c for c in ("iso3", "year", "indicator", "value") if c not in panel.columns]
    if missing:
        raise InputError(
            problem=f"panel lacks columns {missing}",
            expected="the tables.PANEL columns (iso3, year, indicator, value, ...)",
            fix="run the harmonise stage, which writes the panel",
        )
    check_unique(panel, ["iso3", "year", "indicator"], "panel value")
    years = panel["year"].astype("int64")
    value = panel["value"].astype("float64")
    finite = np.isfinite(value.to_numpy())
    if (~finite).any():
        log.warning(
            "panel: %d rows without a finite value ignored (the panel should hold observed values only)",
            int((~finite).sum()),
        )
    keep = finite & years.between(int(first), int(last)).to_numpy()
    return pd.DataFrame(
        {
            "iso3": panel["iso3"].astype("string").to_numpy()[keep],
            "year": years.to_numpy()[keep],
            "indicator": panel["indicator"].astype("string").to_numpy()[keep],
            "value": value.to_numpy()[keep],
        }
    ).astype({"iso3": "string", "indicator": "string"})


def _series_stats(obs: pd.DataFrame, by: str) -> pd.DataFrame:
    """Per ``by`` value: observed count, distinct values, constant series count."""
    per = obs.groupby(by, observed=True)["value"].agg(n_observed="size", n_unique="nunique")
    series = obs.groupby(["iso3", "indicator"], observed=True)["value"].agg(n="size", u="nunique")
    const = series[(series["n"] >= _MIN_CONSTANT_RUN) & (series["u"] == 1)].reset_index()
    per["n_constant"] = const.groupby(by).size().reindex(per.index, fill_value=0)
    return per


def _flags(n_observed: pd.Series, n_unique: pd.Series, n_constant: pd.Series, whole: bool) -> pd.Series:
    """Join the problem flags of each row; ``whole`` marks indicator rows (constant = all values equal)."""
    checks = {
        "no data": (n_observed == 0).tolist(),
        "single value": (n_observed == 1).tolist(),
        "constant": ((n_observed > 1) & (n_unique == 1) & whole).tolist(),
        "constant series": (n_constant > 0).tolist(),
    }
    joined = ["; ".join(k for k, hit in zip(checks, row) if hit) for row in zip(*checks.values())]
    return pd.Series(joined, index=n_observed.index, dtype="string")


def screen(
    panel: pd.DataFrame,
    catalogue: pd.DataFrame,
    units: Iterable[str] | pd.DataFrame | pd.Series,
    first: int,
    last: int,
    *,
    min_indicator_share: float = 0.65,
    min_unit_share: float = 0.65,
    roles_screened: tuple[str, ...] = ICT_ROLES,
) -> pd.DataFrame:
    """Decide which indicators and economies enter imputation.

    Parameters
    ----------
    panel:
        Long panel (tables.PANEL); only ``iso3``, ``year``, ``indicator`` and ``value``
        are used. Years outside ``first..last`` are ignored.
    catalogue:
        Indicator catalogue with at least ``indicator`` and ``role``.
    units:
        The economies to screen: ISO3 codes, or a frame with an ``iso3`` column (the
        groups frame). Economies of the panel not listed are recorded as excluded.
    first, last:
        Analysis window, inclusive.
    min_indicator_share, min_unit_share:
        Minimum share (0-1) of observed cells for an indicator / economy to be kept.
    roles_screened:
        Roles held to ``min_indicator_share`` and counted for unit availability.

    Returns
    -------
    The :data:`scripts.core.tables.SCREENING` table, one row per indicator (catalogue plus
    any uncatalogued panel indicator; ``kind="indicator"``) then one per economy
    (``kind="unit"``), each block sorted by ``item``. Shares are fractions (0-1).
    """
    years = validate_window(first, last)
    for name, value in (("min_indicator_share", min_indicator_share), ("min_unit_share", min_unit_share)):
        if not 0.0 <= float(value) <= 1.0:
            raise ConfigError(
                problem=f"{name}={value} is not a share",
                expected="a number in [0, 1]",
                fix=f"set {name} between 0 and 1 (0.65 is the JRC convention)",
            )
    unknown = [r for r in roles_screened if r not in ROLES]
    if unknown:
        raise ConfigError(
            problem=f"roles_screened names unknown roles {unknown}",
            expected=f"roles from {ROLES}",
            fix="correct the screening roles in the config",
        )
    cat = validate_catalogue(catalogue)
    unit_list = _unit_list(units)
    span = f"{years[0]}-{years[-1]}"
    n_years = len(years)

    obs_all = observed_in_window(panel, first, last)
    listed = obs_all["iso3"].isin(unit_list)
    strangers = sorted(set(obs_all.loc[~listed, "iso3"].tolist()))
    if strangers:
        log.warning(
            "screen: %d panel economies are not in the list of economies and are excluded: %s",
            len(strangers),
            ", ".join(strangers[:10]) + (" ..." if len(strangers) > 10 else ""),
        )
    obs = obs_all.loc[listed]

    # ---- indicators -------------------------------------------------------------------
    role_of = dict(zip(cat["indicator"].tolist(), cat["role"].tolist()))
    uncatalogued = sorted(set(obs_all["indicator"].tolist()) - set(role_of))
    names = sorted(set(role_of) | set(uncatalogued))
    stats = _series_stats(obs, "indicator").reindex(names, fill_value=0)
    ind = pd.DataFrame({"item": names}, dtype="string")
    ind["role"] = pd.array([role_of.get(n, "") for n in names], dtype="string")
    ind["n_observed"] = stats["n_observed"].to_numpy(dtype="int64")
    ind["n_possible"] = np.int64(len(unit_list) * n_years)
    ind["share"] = ind["n_observed"] / ind["n_possible"].where(ind["n_possible"] > 0)
    screened = ind["role"].isin(list(roles_screened))
    ind["threshold"] = np.where(screened, float(min_indicator_share), np.nan)
    no_data = ind["n_observed"] == 0
    is_cat = ind["item"].isin(list(role_of))
    passes = ind["share"] >= float(min_indicator_share)
    keep = is_cat & ~no_data & (~screened | passes)
    ind["decision"] = np.where(keep, "keep", "exclude")
    share_txt = [_pct(s, min_indicator_share) if s == s else "n/a" for s in ind["share"]]
    reason = [
        "not in the indicator catalogue"
        if not c
        else f"no data over {span}"
        if nd
        else (
            f"availability {t} {'>=' if p else '<'} {min_indicator_share:.0%} over {span}"
            if s
            else f"role {r} not screened; availability {t} over {span}"
        )
        for c, nd, s, p, t, r in zip(is_cat, no_data, screened, passes.fillna(False), share_txt, ind["role"])
    ]
    ind["flag"] = _flags(
        ind["n_observed"],
        pd.Series(stats["n_unique"].to_numpy(), index=ind.index),
        pd.Series(stats["n_constant"].to_numpy(), index=ind.index),
        whole=True,
    )
    ind["reason"] = [
        r
        + (
            "; all observed values are equal (no information, cannot be normalised)"
            if "constant" in f.split("; ")
            else "; a single observed value"
            if "single value" in f.split("; ")
            else ""
        )
        for r, f in zip(reason, ind["flag"])
    ]
    ind["n_constant"] = stats["n_constant"].to_numpy(dtype="int64")
    ind["kind"] = "indicator"
    for row in ind.loc[ind["decision"] == "exclude"].itertuples():
        log.info("screen: indicator %s excluded: %s", row.item, row.reason)

    # ---- units ------------------------------------------------------------------------
    kept_screened = ind.loc[(ind["decision"] == "keep") & screened, "item"].tolist()
    all_units = sorted(set(unit_list) | set(strangers))
    on_kept = obs_all.loc[obs_all["indicator"].isin(kept_screened)]
    ustats = _series_stats(on_kept, "iso3").reindex(all_units, fill_value=0)
    uni = pd.DataFrame({"item": all_units}, dtype="string")
    uni["role"] = pd.array([""] * len(all_units), dtype="string")
    uni["n_observed"] = ustats["n_observed"].to_numpy(dtype="int64")
    uni["n_possible"] = np.int64(len(kept_screened) * n_years)
    uni["share"] = uni["n_observed"] / uni["n_possible"].where(uni["n_possible"] > 0)
    listed_u = uni["item"].isin(unit_list)
    if kept_screened:
        uni["threshold"] = np.where(listed_u, float(min_unit_share), np.nan)
        passes_u = uni["share"] >= float(min_unit_share)
        uni["decision"] = np.where(listed_u & passes_u, "keep", "exclude")
        what = f"{len(kept_screened)} kept {'/'.join(roles_screened)} indicators"
        uni["reason"] = [
            "not in the list of economies screened"
            if not lu
            else f"availability {_pct(s, min_unit_share)} {'>=' if p else '<'} {min_unit_share:.0%} "
            f"over {span} on {what}"
            for lu, p, s in zip(listed_u, passes_u, uni["share"])
        ]
    else:
        log.warning("screen: no indicator of roles %s kept, so economies are not screened", roles_screened)
        uni["threshold"] = np.nan
        uni["decision"] = np.where(listed_u, "keep", "exclude")
        uni["reason"] = [
            f"not screened: no {'/'.join(roles_screened) or 'screened'} indicator kept"
            if lu
            else "not in the list of economies screened"
            for lu in listed_u
        ]
    uni["flag"] = _flags(
        uni["n_observed"],
        pd.Series(ustats["n_unique"].to_numpy(), index=uni.index),
        pd.Series(ustats["n_constant"].to_numpy(), index=uni.index),
        whole=False,
    )
    uni["n_constant"] = ustats["n_constant"].to_numpy(dtype="int64")
    uni["kind"] = "unit"
    n_out = int((uni["decision"] == "exclude").sum())
    if n_out:
        log.info("screen: %d of %d economies excluded", n_out, len(uni))

    table = pd.concat([ind, uni], ignore_index=True)
    return conform(table, tables.SCREENING)


def kept(decisions: pd.DataFrame, kind: str) -> list[str]:
    """Return the sorted items of ``kind`` ("indicator" or "unit") whose decision is "keep"."""
    rows = decisions.loc[(decisions["kind"] == kind) & (decisions["decision"] == "keep"), "item"]
    return sorted(rows.astype(str).tolist())


def analysis_units(economies: pd.DataFrame, which: str, with_data: set[str] | None = None) -> list[str]:
    """Economies the analysis considers.

    ``world_bank`` (default): the World Bank economies; non-World-Bank ISO territories
    (Tokelau, Norfolk Island, ...) stay in the database but would only dilute availability
    shares. ``all``: every economy. ``with_data``: the economies in ``with_data`` (those
    with at least one value in the window), for datasets whose economies are not World
    Bank ones (synthetic panels).
    """
    if which == "all":
        return sorted(economies["iso3"])
    if which == "with_data":
        return sorted(set(economies["iso3"]) & (with_data or set()))
    return sorted(economies.loc[economies["wb"].astype(bool), "iso3"])
