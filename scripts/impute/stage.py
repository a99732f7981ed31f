"""Stage 3, the ``screen``, ``impute_accuracy``, ``accuracy_figure``, ``impute``, ``impute_draws`` and
``impute_alternatives`` rules.

Each function reads its rule's inputs and params, calls the pure functions of this
package, and writes its outputs; the settings every imputation call shares are gathered
once in :func:`_settings`.
"""

from __future__ import annotations

import logging
from typing import Any

import pandas as pd

from scripts.core import tables
from scripts.core.contract import read_table, write_table
from scripts.core.io import read_csv
from scripts.core.logs import setup_logging
from scripts.core.plotting import save
from scripts.impute import screening
from scripts.impute.accuracy_figure import draw_accuracy_figure
from scripts.impute.alternatives import alternative_chains
from scripts.impute.draws import multiple_imputation
from scripts.impute.masking import chain_rmse, masking_tables, ranked_chains, recommend_methods
from scripts.impute.point import impute_panel, status_counts, unreported_counts
from scripts.impute.settings import ImputeSettings, chains_from_table, resolve_methods

log = logging.getLogger("ictmdg")

#: Text columns of the imputed tables: computed as categoricals, written as the contract's strings.
TEXT_COLUMNS = ("iso3", "indicator", "status", "method")


def _inputs(snakemake: Any) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The panel (value columns only: provenance is not needed here), the catalogue and the groups."""
    panel = read_table(snakemake.input.panel, tables.PANEL, columns=["iso3", "year", "indicator", "value"])
    catalogue = read_csv(snakemake.input.indicators, dtype=str)
    groups = read_table(snakemake.input.classification, tables.CLASSIFICATION_BY_YEAR)
    return panel, catalogue, groups


def _settings(snakemake: Any) -> ImputeSettings:
    p = snakemake.params
    return ImputeSettings(
        max_gap=p.max_gap,
        max_extrap=p.max_extrapolation,
        trend_points=p.trend_points,
        seed=p.seed,
        max_fit_rows=p.max_fit_rows,
        long_carry=p.long_carry,
        fill_unreported=p.fill_unreported,
    )


def _methods_in_use(snakemake: Any) -> pd.DataFrame:
    """The chain of every role: the configured one, or the masking experiment's for ``auto``."""
    rec = read_table(snakemake.input.recommended, tables.RECOMMENDED)
    return resolve_methods(snakemake.params.methods, dict(zip(rec["role"], rec["chain"])))


def screen(snakemake: Any) -> None:
    """The ``screen`` rule: availability screening of indicators and economies."""
    setup_logging(snakemake)
    p = snakemake.params
    panel, catalogue, _ = _inputs(snakemake)
    in_window = panel.loc[panel["year"].between(p.first, p.last), "iso3"]
    economies = read_table(snakemake.input.economies, tables.ECONOMIES)
    units = screening.analysis_units(economies, p.economies, set(in_window.astype(str)))
    decisions = screening.screen(
        panel,
        catalogue,
        units,
        p.first,
        p.last,
        min_indicator_share=p.min_indicator_share,
        min_unit_share=p.min_unit_share,
    )
    write_table(decisions, snakemake.output.screening, tables.SCREENING)
    kept = decisions[decisions["decision"] == "keep"]
    log.info(
        "screening: kept %d indicators and %d economies",
        (kept["kind"] == "indicator").sum(),
        (kept["kind"] == "unit").sum(),
    )


def impute_accuracy(snakemake: Any) -> None:
    """The ``impute_accuracy`` rule: the masking experiment, its per-step counts and the chain recommended per role."""
    setup_logging(snakemake)
    p = snakemake.params
    panel, catalogue, groups = _inputs(snakemake)
    acc, steps, missingness = masking_tables(
        panel,
        catalogue,
        groups,
        p.first,
        p.last,
        share=p.masking_share,
        end_segments=p.masking_end_segments,
        min_cells=p.masking_min_cells,
        methods=list(p.masking_candidates),
        settings=_settings(snakemake),
        screening=read_table(snakemake.input.screening, tables.SCREENING),
    )
    best = recommend_methods(acc)
    write_table(acc, snakemake.output.accuracy, tables.ACCURACY)
    write_table(steps, snakemake.output.steps, tables.STEP_ACCURACY)
    write_table(missingness, snakemake.output.missingness, tables.MISSINGNESS)
    write_table(
        pd.DataFrame(sorted(best.items()), columns=["role", "chain"]), snakemake.output.recommended, tables.RECOMMENDED
    )
    for role, chain in sorted(best.items()):
        log.info("masking experiment: best chain for %s = %s", role, chain)


def accuracy_figure(snakemake: Any) -> None:
    """The ``accuracy_figure`` rule: the masking experiment as a figure (PNG and PDF)."""
    setup_logging(snakemake)
    acc = read_table(snakemake.input.accuracy, tables.ACCURACY)
    steps = read_table(snakemake.input.steps, tables.STEP_ACCURACY)
    save(
        draw_accuracy_figure(acc, _methods_in_use(snakemake), steps),
        snakemake.output.figure_png,
        snakemake.output.figure_pdf,
    )


def impute(snakemake: Any) -> None:
    """The ``impute`` rule: the point imputation, its status counts, the never-reported series and the chains used."""
    setup_logging(snakemake)
    methods = _methods_in_use(snakemake)
    panel, catalogue, groups = _inputs(snakemake)
    imputed = impute_panel(
        panel,
        catalogue,
        groups,
        snakemake.params.first,
        snakemake.params.last,
        methods=chains_from_table(methods),
        settings=_settings(snakemake),
        screening=read_table(snakemake.input.screening, tables.SCREENING),
        categorical=True,
    )
    write_table(imputed, snakemake.output.imputed, tables.IMPUTED, strings=TEXT_COLUMNS)
    write_table(status_counts(imputed), snakemake.output.counts, tables.STATUS_COUNTS)
    write_table(unreported_counts(imputed, catalogue), snakemake.output.unreported, tables.UNREPORTED)
    write_table(methods, snakemake.output.methods, tables.METHODS_USED)


def impute_draws(snakemake: Any) -> None:
    """The ``impute_draws`` rule: m multiple imputations by residual bootstrap."""
    setup_logging(snakemake)
    p = snakemake.params
    panel, catalogue, groups = _inputs(snakemake)
    draws = multiple_imputation(
        panel,
        catalogue,
        groups,
        p.first,
        p.last,
        methods=chains_from_table(read_table(snakemake.input.methods, tables.METHODS_USED)),
        m=p.draws,
        settings=_settings(snakemake),
        share=p.masking_share,
        end_segments=p.masking_end_segments,
        min_cells=p.masking_min_cells,
        screening=read_table(snakemake.input.screening, tables.SCREENING),
        categorical=True,
    )
    write_table(draws, snakemake.output.draws, tables.IMPUTED, strings=TEXT_COLUMNS)


def impute_alternatives(snakemake: Any) -> None:
    """The ``impute_alternatives`` rule: the point imputation by each runner-up set of chains."""
    setup_logging(snakemake)
    p = snakemake.params
    accuracy = read_table(snakemake.input.accuracy, tables.ACCURACY)
    chains = alternative_chains(
        read_table(snakemake.input.methods, tables.METHODS_USED),
        ranked_chains(accuracy),
        chain_rmse(accuracy),
        int(p.runners_up),
    )
    panel, catalogue, groups = _inputs(snakemake)
    screening_table = read_table(snakemake.input.screening, tables.SCREENING)
    settings = _settings(snakemake)
    parts = []
    for alt in range(1, int(p.runners_up) + 1):
        imputed = impute_panel(
            panel,
            catalogue,
            groups,
            p.first,
            p.last,
            methods=chains_from_table(chains[chains["alternative"] == alt]),
            settings=settings,
            screening=screening_table,
            categorical=True,
        )
        parts.append(imputed.drop(columns="draw").assign(alternative=alt))
        for r in chains[chains["alternative"] == alt].itertuples():
            log.info("alternative %d: %s = %s (rank %d, RMSE %.3f SD)", alt, r.role, r.chain, r.rank, r.rmse_sd)
    columns = list(tables.ALTERNATIVE_IMPUTED.columns)
    alternatives = pd.concat(parts, ignore_index=True)[columns] if parts else pd.DataFrame(columns=columns)
    # concat makes categoricals of different categories plain objects again
    alternatives = alternatives.astype({c: "category" for c in TEXT_COLUMNS})
    write_table(chains, snakemake.output.chains, tables.ALTERNATIVE_CHAINS)
    write_table(alternatives, snakemake.output.alternatives, tables.ALTERNATIVE_IMPUTED, strings=TEXT_COLUMNS)
