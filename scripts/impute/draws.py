"""Multiple imputation by residual bootstrap: m completed panels whose spread is the measured error.

:func:`multiple_imputation` draws ``m`` completed panels by a **residual bootstrap**
around the point imputation: each imputed cell receives an error resampled from the
masking experiment's out-of-sample errors of the same step on the same indicator (pooled
over the role, then the status, when fewer than ``min_pool`` errors exist). This is
preferred to ``IterativeImputer(sample_posterior=True)`` because (i) it covers every step
(interpolated, extrapolated and group cells are uncertain too, and a posterior sampler only
covers model cells), (ii) the spread is the *measured* error of the step used, so an
extrapolated cell varies more than an interpolated one, and (iii) it costs milliseconds
rather than m model fits. Its limits: errors are drawn independently across cells (errors
of consecutive extrapolated years are in truth correlated, so uncertainty of series means
is understated), and the errors are those of hiding ~10% of cells.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from scripts.core import tables
from scripts.core.contract import empty
from scripts.core.vocabulary import STATUSES
from scripts.impute.cube import STATUS_CODE, Cube, Labels, build_cube, to_long
from scripts.impute.masking import MaskDesign, masked_run
from scripts.impute.point import point_arrays
from scripts.impute.settings import ImputeSettings, check_int, methods_by_role

log = logging.getLogger("ictmdg")


def _pool_draws(
    res: pd.DataFrame,
    cube: Cube,
    cells: tuple[np.ndarray, ...],
    status: np.ndarray,
    label: np.ndarray,
    m: int,
    min_pool: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """Resampled errors (SD units), shape (n_cells, m), for the imputed ``cells``."""
    res = res.loc[res["err"].notna()]
    role_code = pd.Index(sorted(set(cube.roles.tolist()))).get_indexer(cube.roles)
    ind_c = cells[2]
    n_lab = int(max(label.max(initial=0), res["label"].max() if len(res) else 0)) + 1
    r_ind = res["ind"].to_numpy(dtype="int64")
    r_lab = res["label"].to_numpy(dtype="int64")
    r_st = res["status"].to_numpy(dtype="int64")
    ind_c = ind_c.astype("int64")
    # Pools from the most to the least specific: indicator x step label, role x label,
    # role x status, status, everything.
    levels = [
        (r_ind * n_lab + r_lab, ind_c * n_lab + label),
        (role_code[r_ind] * n_lab + r_lab, role_code[ind_c] * n_lab + label),
        (role_code[r_ind] * len(STATUSES) + r_st, role_code[ind_c] * len(STATUSES) + status),
        (r_st.astype("int64"), status.astype("int64")),
        (np.zeros(len(res), dtype="int64"), np.zeros(len(ind_c), dtype="int64")),
    ]
    z = res["z"].to_numpy()
    u = rng.random((len(ind_c), m))
    out = np.zeros((len(ind_c), m))
    todo = np.ones(len(ind_c), dtype=bool)
    for li, (rkey, ckey) in enumerate(levels):
        order = np.argsort(rkey, kind="stable")
        skeys, sz = rkey[order], z[order]
        start = np.searchsorted(skeys, ckey, side="left")
        count = np.searchsorted(skeys, ckey, side="right") - start
        need = min_pool if li < len(levels) - 1 else 1
        use = todo & (count >= need)
        pick = start[use][:, None] + np.minimum((u[use] * count[use][:, None]).astype("int64"), count[use][:, None] - 1)
        out[use] = sz[pick]
        todo &= ~use
    if todo.any():
        log.warning(
            "multiple imputation: no masking errors to resample; %d imputed cells get no spread", int(todo.sum())
        )
    return out


def multiple_imputation(
    panel: pd.DataFrame,
    catalogue: pd.DataFrame,
    groups: pd.DataFrame,
    first: int,
    last: int,
    *,
    methods: Mapping[str, str | Sequence[str]] | None = None,
    m: int = 20,
    settings: ImputeSettings = ImputeSettings(),
    share: float = 0.1,
    end_segments: bool = True,
    min_cells: int = 0,
    min_pool: int = 20,
    screening: pd.DataFrame | None = None,
    include_point: bool = False,
    categorical: bool = False,
) -> pd.DataFrame:
    """Return ``m`` completed panels (tables.IMPUTED, ``draw`` 1..m) by residual bootstrap.

    The point imputation is that of :func:`scripts.impute.point.impute_panel` with the same
    settings. Its out-of-sample errors are measured by hiding cells as in
    :func:`scripts.impute.masking.masking_tables`
    (same chains per role and strata, ``min_cells`` included); each imputed cell of draw d is then

        point - e * sd(indicator)

    with ``e`` resampled (seeded) from the standardised errors of the same step label on
    the same indicator, or, when fewer than ``min_pool`` exist, of the same label in the
    role, the same status in the role, the same status, or all errors. Draws are clipped to
    the indicator's valid range. Observed cells are identical in every draw; missing cells
    stay NaN with status "missing". Status and method are those of the point imputation.
    With ``include_point`` the point imputation itself is returned too, as draw 0 (it is
    computed anyway, and equals the point imputation with the same settings).
    ``categorical`` is as in :func:`~scripts.impute.point.impute_panel`.
    """
    m = check_int("m", m, 1)
    chains = methods_by_role(methods)
    cube = build_cube(panel, catalogue, groups, first, last, screening)
    if not cube.x.size:
        log.warning("multiple imputation: nothing to impute (no kept economy or indicator)")
        return empty(tables.IMPUTED)
    labels = Labels()
    value, status, label, _ = point_arrays(cube, chains, settings, labels)
    design = MaskDesign(share=share, end_segments=end_segments, min_cells=min_cells)
    res = masked_run(cube, {"configured": chains}, settings, design, (), labels)
    imputed = (status != STATUS_CODE["observed"]) & (status != STATUS_CODE["missing"])
    cells = np.nonzero(imputed)
    rng = np.random.default_rng([settings.seed, 2])
    e = _pool_draws(
        res,
        cube,
        cells,
        status[cells].astype("int64"),
        label[cells].astype("int64"),
        m,
        check_int("min_pool", min_pool, 1),
        rng,
    )
    first_draw = 0 if include_point else 1
    draws = np.broadcast_to(value, (m + 1 - first_draw, *value.shape)).copy()
    ind = cells[2]
    lo = np.where(np.isnan(cube.lo), -np.inf, cube.lo)[ind]
    hi = np.where(np.isnan(cube.hi), np.inf, cube.hi)[ind]
    noisy = np.clip(value[cells][:, None] - e * cube.scale[ind][:, None], lo[:, None], hi[:, None])
    draws[(slice(1 - first_draw, None), *cells)] = noisy.T
    return to_long(cube, draws, status, label, labels, list(range(first_draw, m + 1)), categorical)
