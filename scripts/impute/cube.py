"""The panel cube: economies x years x indicators as one array, the steps' fills, and their combination.

Every imputation call builds the cube of the kept economies and indicators over the
analysis window once, computes each needed step's fills on it once, and combines them in
each role's chain order; the long IMPUTED table is made from the arrays at the end.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from scripts.core import tables
from scripts.core.contract import conform
from scripts.core.vocabulary import STATUSES, STEPS, UNREPORTED_LABEL
from scripts.impute.kernels import carry_forward_fill, extrap_fill, group_fill, interp_fill, locf_fill, model_fill
from scripts.impute.screening import (
    kept,
    observed_in_window,
    screen,
    validate_catalogue,
    validate_window,
)
from scripts.impute.settings import ImputeSettings
from scripts.impute.steps import group_codes, group_levels

#: Status written for the cells each step fills.
STATUS_OF_STEP: dict[str, str] = {
    "interpolate": "interpolated",
    "carry": "extrapolated",
    "trend": "extrapolated",
    "group_mean": "group",
    "group_median": "group",
    "knn": "model",
    "iterative": "model",
    "carry_forward": "interpolated",
    "carry_long": "extrapolated",
    "carry_all": "extrapolated",  # beyond the ends; inside a series it fills "interpolated" cells
}


STATUS_CODE = {s: i for i, s in enumerate(STATUSES)}
#: A step's fills: values, label codes, and status codes where they differ by cell (else None).
Fill = tuple[np.ndarray, np.ndarray, "np.ndarray | None"]
STEP_CODE = {s: i for i, s in enumerate(STEPS)}
#: Label code of a cell left missing because its series was never reported (see :class:`Labels`).
UNREPORTED_CODE = 2


@dataclass
class Labels:
    """Registry of method labels, shared by the runs whose labels must be compared."""

    names: list[str] = field(default_factory=lambda: ["observed", "", UNREPORTED_LABEL])

    def code(self, name: str) -> int:
        if name not in self.names:
            self.names.append(name)
        return self.names.index(name)


@dataclass
class Cube:
    units: list[str]
    years: np.ndarray
    indicators: list[str]
    roles: np.ndarray  # (I,) role of each indicator
    x: np.ndarray  # (U, T, I) observed values, NaN elsewhere
    lo: np.ndarray  # (I,) valid minimum, NaN = unbounded
    hi: np.ndarray
    region: np.ndarray  # (U, T) code, -1 unknown
    income: np.ndarray
    scale: np.ndarray = field(init=False)  # (I,) SD of observed values (1 when undefined or 0)

    def __post_init__(self) -> None:
        flat = self.x.reshape(-1, self.x.shape[2]) if self.x.size else np.empty((0, len(self.indicators)))
        n = (~np.isnan(flat)).sum(axis=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            sd = np.nanstd(flat, axis=0, ddof=1) if flat.size else np.full(len(self.indicators), np.nan)
        self.scale = np.where((n >= 2) & np.isfinite(sd) & (sd > 0), sd, 1.0)

    @property
    def shape(self) -> tuple[int, int, int]:
        return self.x.shape  # type: ignore[return-value]


def _catalogue_bound(cat: pd.DataFrame, column: str, indicators: list[str]) -> np.ndarray:
    if column not in cat.columns:
        return np.full(len(indicators), np.nan)
    values = pd.to_numeric(cat.set_index("indicator")[column], errors="coerce")
    return values.reindex(indicators).to_numpy(dtype="float64")


def build_cube(
    panel: pd.DataFrame,
    catalogue: pd.DataFrame,
    groups: pd.DataFrame,
    first: int,
    last: int,
    screening: pd.DataFrame | None,
) -> Cube:
    years = np.array(validate_window(first, last), dtype="int64")
    cat = validate_catalogue(catalogue)
    if screening is None:
        screening = screen(panel, cat, groups, first, last)
    units = kept(screening, "unit")
    indicators = [i for i in kept(screening, "indicator") if i in set(cat["indicator"].tolist())]
    obs = observed_in_window(panel, first, last)
    ui = pd.Index(units).get_indexer(obs["iso3"].to_numpy())
    ii = pd.Index(indicators).get_indexer(obs["indicator"].to_numpy())
    ok = (ui >= 0) & (ii >= 0)
    x = np.full((len(units), len(years), len(indicators)), np.nan)
    x[ui[ok], obs["year"].to_numpy()[ok] - years[0], ii[ok]] = obs["value"].to_numpy()[ok]
    roles = cat.set_index("indicator")["role"].reindex(indicators).astype(str).to_numpy(dtype=object)
    u_rep = np.repeat(np.array(units, dtype=object), len(years))
    y_rep = np.tile(years, len(units))
    region, income = group_codes(groups, u_rep, y_rep) if len(units) else (np.empty(0, "int64"),) * 2
    shape2 = (len(units), len(years))
    lo = _catalogue_bound(cat, "min", indicators)
    hi = _catalogue_bound(cat, "max", indicators)
    return Cube(units, years, indicators, roles, x, lo, hi, region.reshape(shape2), income.reshape(shape2))


def to_rows(x: np.ndarray) -> np.ndarray:
    """(U, T, I) -> (U*I, T): one row per series."""
    u, t, i = x.shape
    return x.transpose(0, 2, 1).reshape(u * i, t)


def from_rows(a: np.ndarray, shape: tuple[int, int, int]) -> np.ndarray:
    u, t, i = shape
    return a.reshape(u, i, t).transpose(0, 2, 1)


def step_fills(
    cube: Cube,
    x: np.ndarray,
    needed: Mapping[str, frozenset[str]],
    settings: ImputeSettings,
    labels: Labels,
) -> dict[str, Fill]:
    """Fill, label-code and (for ``carry_all`` only) status-code arrays, (U, T, I), of every step in ``needed``.

    ``needed`` maps step -> roles. The status array is None for a step whose cells all get
    :data:`STATUS_OF_STEP`; ``carry_all`` fills inside a series (interpolated) and beyond
    its ends (extrapolated).
    """
    shape = x.shape
    u, t, i = shape
    fills: dict[str, Fill] = {}
    for step, roles_wanted in needed.items():
        if step == "interpolate":
            val = from_rows(interp_fill(to_rows(x), settings.max_gap), shape)
            lab = np.full(shape, labels.code(f"linear(k={settings.max_gap})"), dtype="int16")
        elif step == "carry_forward":
            val = from_rows(carry_forward_fill(to_rows(x), settings.long_carry), shape)
            lab = np.full(shape, labels.code(f"carry_forward(k={settings.long_carry})"), dtype="int16")
        elif step == "carry_long":
            k = settings.long_carry
            rows, _ = extrap_fill(
                to_rows(x), k, "carry", settings.trend_points, np.tile(cube.lo, u), np.tile(cube.hi, u)
            )
            val = from_rows(rows, shape)
            lab = np.full(shape, labels.code(f"carry(k={k})"), dtype="int16")
        elif step == "carry_all":
            # Last observation carried forward across any gap, the first carried back before it.
            val = from_rows(locf_fill(to_rows(x)), shape)
            inside = ~np.isnan(from_rows(carry_forward_fill(to_rows(x), t), shape))
            lab = np.where(inside, labels.code("carry_forward(all)"), labels.code("carry(all)")).astype("int16")
            st = np.where(inside, STATUS_CODE["interpolated"], STATUS_CODE["extrapolated"]).astype("int8")
            fills[step] = (val, lab, st)
            continue
        elif step in ("carry", "trend"):
            k = settings.max_extrap
            rows, trended = extrap_fill(
                to_rows(x), k, step, settings.trend_points, np.tile(cube.lo, u), np.tile(cube.hi, u)
            )
            val = from_rows(rows, shape)
            lab = np.where(
                from_rows(trended, shape),
                labels.code(f"trend(k={k},n={settings.trend_points})"),
                labels.code(f"carry(k={k})"),
            ).astype("int16")
        elif step in ("group_mean", "group_median"):
            stat = step.split("_")[1]
            levels, names = group_levels(cube.region.reshape(-1), cube.income.reshape(-1), settings.group_fallback)
            fill2, used = group_fill(x.reshape(u * t, i), np.tile(np.arange(t), u), t, levels, stat, 1)
            val = fill2.reshape(shape)
            codes = np.array([1] + [labels.code(f"{step}({n})") for n in names], dtype="int16")
            lab = codes[used.reshape(shape).astype("int64") + 1]
        else:
            fill2 = model_fill(
                x.reshape(u * t, i),
                np.tile(cube.years, u),
                cube.roles,
                step,
                roles_wanted,
                seed=settings.seed,
                lo=cube.lo,
                hi=cube.hi,
                n_neighbors=settings.n_neighbors,
                max_iter=settings.max_iter,
                max_fit_rows=settings.max_fit_rows,
            )
            val = fill2.reshape(shape)
            lab = np.full(
                shape,
                labels.code("iterative" if step == "iterative" else f"knn(k={settings.n_neighbors})"),
                dtype="int16",
            )
        fills[step] = (val, lab, None)
    return fills


def needed_steps(chains: Mapping[str, Sequence[str]]) -> dict[str, frozenset[str]]:
    need: dict[str, set[str]] = {}
    for role, steps in chains.items():
        for s in steps:
            need.setdefault(s, set()).add(role)
    return {s: frozenset(r) for s, r in sorted(need.items())}


def unreported(x: np.ndarray) -> np.ndarray:
    """(U, T, I) mask of the cells of series (economy x indicator) with no observation in ``x``."""
    return np.broadcast_to(np.isnan(x).all(axis=1, keepdims=True), x.shape)


def combine(
    cube: Cube,
    x: np.ndarray,
    fills: Mapping[str, Fill],
    chains: Mapping[str, Sequence[str]],
    fill_unreported: bool = False,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Apply each role's chain in order; return value, status code, label code and step code arrays (U, T, I).

    The step code is the index in :data:`~scripts.core.vocabulary.STEPS` of the step that
    filled the cell (-1 for observed and missing cells). Unless ``fill_unreported``, the
    cells of a series with no observation in ``x`` are left missing with the label
    :data:`UNREPORTED_CODE`, whatever the chain could have filled them with.
    """
    obs = ~np.isnan(x)
    value = x.copy()
    status = np.where(obs, STATUS_CODE["observed"], STATUS_CODE["missing"]).astype("int8")
    label = np.where(obs, 0, 1).astype("int16")
    step_code = np.full(x.shape, -1, dtype="int8")
    closed = np.zeros(x.shape, dtype=bool) if fill_unreported else unreported(x)
    for role, steps in chains.items():
        cols = (cube.roles == role)[None, None, :]
        if not cols.any():
            continue
        for step in steps:
            fv, fl, fs = fills[step]
            take = cols & np.isnan(value) & ~np.isnan(fv) & ~closed
            value = np.where(take, fv, value)
            status = np.where(take, STATUS_CODE[STATUS_OF_STEP[step]] if fs is None else fs, status).astype("int8")
            label = np.where(take, fl, label).astype("int16")
            step_code = np.where(take, STEP_CODE[step], step_code).astype("int8")
    label = np.where(closed, UNREPORTED_CODE, label).astype("int16")
    return value, status, label, step_code


def to_long(
    cube: Cube,
    value: np.ndarray,
    status: np.ndarray,
    label: np.ndarray,
    labels: Labels,
    draws: Sequence[int],
    categorical: bool,
) -> pd.DataFrame:
    """Long IMPUTED frame sorted by key; ``value`` is (D, U, T, I) for the ``draws`` given, status/label (U, T, I).

    With ``categorical`` the text columns stay categoricals instead of the contract's strings.
    """
    u, t, i = cube.shape
    d = len(draws)
    # Cell-major, draw-minor: rows come out already in key order (units and indicators are sorted).
    # copy=False: the columns are fresh arrays; consolidating them would double the peak memory.
    frame = pd.DataFrame(
        copy=False,
        data={
            "iso3": pd.Categorical.from_codes(
                np.repeat(np.arange(u, dtype=np.int32), t * i * d), categories=cube.units
            ),
            "year": np.tile(np.repeat(cube.years, i * d), u),
            "indicator": pd.Categorical.from_codes(
                np.tile(np.repeat(np.arange(i, dtype=np.int32), d), u * t), categories=cube.indicators
            ),
            "draw": np.tile(np.asarray(draws, dtype="int64"), u * t * i),
            "value": value.reshape(d, -1).T.reshape(-1),
            "status": pd.Categorical.from_codes(np.repeat(status.reshape(-1), d), categories=list(STATUSES)),
            "method": pd.Categorical.from_codes(np.repeat(label.reshape(-1), d), categories=labels.names),
        },
    )
    return frame if categorical else conform(frame, tables.IMPUTED)
