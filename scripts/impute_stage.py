"""Stage 3 wiring: read the harmonised panel, screen, measure, impute, draw; write the tables.

The methods live in :mod:`scripts.screen` and :mod:`scripts.impute`; this module only
chooses what the config asks for (including ``auto`` chains, taken from the masking
experiment), and writes outputs. Each ``*_main`` is one Snakemake rule.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import pandas as pd

from scripts import impute, screen
from scripts.files import read_csv, read_parquet, setup_logging, write_csv, write_parquet

log = logging.getLogger("ictmdg")

ROLES = ("readiness", "use", "impact", "outcome", "control")
#: Text columns of the imputed tables: computed as categoricals, written as the contract's strings.
TEXT_COLUMNS = ("iso3", "indicator", "status", "method")


def resolve_methods(configured: Mapping[str, Any], recommended: Mapping[str, str]) -> pd.DataFrame:
    """The chain each role uses: the configured list, or the recommendation for ``auto``.

    Returns role, chain ('step+step'), chosen_by ('config' | 'masking experiment').
    Raises KeyError-free: a role set to ``auto`` with no recommendation (no data for the
    role) falls back to the module default and says so.
    """
    rows = []
    for role in ROLES:
        setting = configured.get(role, "auto")
        if setting == "auto":
            if role in recommended:
                rows.append((role, recommended[role], "masking experiment"))
            else:
                rows.append((role, "+".join(impute.DEFAULT_METHODS[role]), "default (no masking result for the role)"))
        else:
            rows.append((role, "+".join(setting), "config"))
    return pd.DataFrame(rows, columns=["role", "chain", "chosen_by"])


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
    return sorted(economies.loc[economies["wb"].astype(str).str.lower() == "true", "iso3"])


def status_counts(imputed: pd.DataFrame) -> pd.DataFrame:
    """Cells per indicator by status and method (what a reviewer counts), draw 0 only."""
    point = imputed[imputed["draw"] == 0]
    out = point.groupby(["indicator", "status", "method"], observed=True).size().rename("cells").reset_index()
    # As text, so that rows sort alphabetically whether the frame held strings or categoricals.
    out = out.astype({c: "string" for c in ("indicator", "status", "method")})
    total = out.groupby("indicator")["cells"].transform("sum")
    return out.assign(share=out["cells"] / total).sort_values(["indicator", "status", "method"], ignore_index=True)


def _inputs(snakemake: Any) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    # Provenance columns are not needed here; reading four columns keeps the stage light.
    panel = read_parquet(snakemake.input.panel, columns=["iso3", "year", "indicator", "value"])
    panel = panel.astype({"iso3": str, "indicator": str})
    catalogue = read_csv(snakemake.input.indicators, dtype=str)
    groups = read_csv(snakemake.input.classification, dtype={"iso3": str, "region": str, "income_group": str, "income_basis": str})
    return panel, catalogue, groups


def _screening(snakemake: Any) -> pd.DataFrame:
    return read_csv(snakemake.input.screening, dtype={"item": str, "kind": str, "decision": str, "reason": str, "role": str})


def screen_main(snakemake: Any) -> None:
    setup_logging(snakemake)
    p = snakemake.params
    panel, catalogue, groups = _inputs(snakemake)
    in_window = panel.loc[panel["year"].between(p.first, p.last), "iso3"]
    units = analysis_units(
        read_csv(snakemake.input.economies, dtype={"iso3": str, "wb": str}), p.economies, set(in_window.astype(str))
    )
    decisions = screen.screen(
        panel, catalogue, units, p.first, p.last,
        min_indicator_share=p.screening["min_indicator_share"],
        min_unit_share=p.screening["min_unit_share"],
    )
    write_csv(decisions, snakemake.output.screening)
    kept = decisions[decisions["decision"] == "keep"]
    log.info("screening: kept %d indicators and %d economies",
             (kept["kind"] == "indicator").sum(), (kept["kind"] == "unit").sum())


def _shared(snakemake: Any) -> tuple[tuple, dict[str, Any]]:
    """The inputs and settings every imputation call takes: (positional args, keyword args)."""
    p = snakemake.params
    cfg = p.impute
    panel, catalogue, groups = _inputs(snakemake)
    settings = {
        "seed": p.seed,
        "max_gap": cfg["max_gap"],
        "max_extrap": cfg["max_extrapolation"],
        "trend_points": cfg["trend_points"],
        "max_fit_rows": cfg["max_fit_rows"],
        "screening": _screening(snakemake),
    }
    return (panel, catalogue, groups, p.first, p.last), settings


def _chains(methods: pd.DataFrame) -> dict[str, list[str]]:
    """role -> list of steps, from a table of role, chain ('step+step')."""
    return {r.role: r.chain.split("+") for r in methods.itertuples()}


def accuracy_main(snakemake: Any) -> None:
    setup_logging(snakemake)
    masking = snakemake.params.impute["masking"]
    args, settings = _shared(snakemake)
    acc = impute.masking_experiment(
        *args, share=masking["share"], end_segments=masking["end_segments"],
        methods=list(masking["candidates"]), **settings,
    )
    best = impute.recommend_methods(acc)
    write_csv(acc, snakemake.output.accuracy)
    write_csv(pd.DataFrame(sorted(best.items()), columns=["role", "chain"]), snakemake.output.recommended)
    for role, chain in sorted(best.items()):
        log.info("masking experiment: best chain for %s = %s", role, chain)


def figure_main(snakemake: Any) -> None:
    from scripts.figures import accuracy_figure, save

    setup_logging(snakemake)
    acc = read_csv(snakemake.input.accuracy)
    rec = read_csv(snakemake.input.recommended, dtype=str)
    chosen = resolve_methods(snakemake.params.methods, dict(zip(rec["role"], rec["chain"])))
    save(accuracy_figure(acc, chosen), snakemake.output.figure_png, snakemake.output.figure_pdf)


def impute_main(snakemake: Any) -> None:
    setup_logging(snakemake)
    rec = read_csv(snakemake.input.recommended, dtype=str)
    methods = resolve_methods(snakemake.params.impute["methods"], dict(zip(rec["role"], rec["chain"])))
    args, settings = _shared(snakemake)
    imputed = impute.impute_panel(*args, methods=_chains(methods), categorical=True, **settings)
    write_parquet(imputed, snakemake.output.imputed, strings=TEXT_COLUMNS)
    write_csv(status_counts(imputed), snakemake.output.counts)
    write_csv(methods, snakemake.output.methods)


def draws_main(snakemake: Any) -> None:
    setup_logging(snakemake)
    masking = snakemake.params.impute["masking"]
    args, settings = _shared(snakemake)
    draws = impute.multiple_imputation(
        *args, methods=_chains(read_csv(snakemake.input.methods, dtype=str)), m=snakemake.params.m,
        share=masking["share"], end_segments=masking["end_segments"], categorical=True, **settings,
    )
    write_parquet(draws, snakemake.output.draws, strings=TEXT_COLUMNS)
