"""Outcome-disjoint variants: the index rebuilt without the indicators that share a theme with an outcome."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import pandas as pd

from scripts.core import tables
from scripts.core.contract import empty
from scripts.core.errors import ConfigError
from scripts.index.overlap import outcome_disjoint
from scripts.index.prepare import UNIT, YEAR, PreparedIndex, run_index

log = logging.getLogger("ictmdg")


def disjoint_variants(index: PreparedIndex, themes: Sequence[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Scores of the root under outcome-disjoint variants (one per theme).

    Returns ``(scores, dropped)``: root scores per variant (VARIANTS: iso3, year, variant,
    score, rank) and the leaves each variant drops (VARIANT_INDICATORS). A theme every
    leaf carries builds no variant (logged).
    """
    framework = index.framework
    out, dropped = [], []
    for theme in themes:
        try:
            fw = outcome_disjoint(framework, {theme})
        except ConfigError as exc:
            log.warning("variant without %r not built: %s", theme, exc.problem)
            continue
        gone = sorted(set(framework.leaves) - set(fw.leaves))
        dropped += [{"variant": f"without_{theme}", "indicator": g} for g in gone]
        _, res = run_index(
            index.wide[list(fw.leaves)], fw, index.spec, treatment=index.treatment, with_contributions=False
        )
        s = res.scores
        s = s[s["node"] == fw.root].assign(variant=f"without_{theme}")
        out.append(s[[UNIT, YEAR, "variant", "score", "rank"]])
    scores = pd.concat(out, ignore_index=True) if out else empty(tables.VARIANTS)
    return scores.sort_values(["variant", YEAR, UNIT], ignore_index=True), pd.DataFrame(
        dropped, columns=["variant", "indicator"]
    )
