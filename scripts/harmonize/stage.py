"""Stage 2, the ``harmonize`` and ``database`` rules.

``harmonize`` turns the raw observations into the panel (one value per iso3, year and
indicator) with the fate of every raw cell, the reconciliation, the quality reports and
the classification of every economy by year; ``database`` publishes the panel as a
Frictionless Data Package.
"""

from __future__ import annotations

import logging
from typing import Any

import pandas as pd

from scripts.core import tables
from scripts.core.catalogue import load_catalogue
from scripts.core.contract import read_table, write_table
from scripts.core.errors import InvariantError
from scripts.core.io import write_json
from scripts.core.logs import setup_logging
from scripts.harmonize.classification import classification_by_year
from scripts.harmonize.datapackage import descriptor
from scripts.harmonize.entities import (
    build_universe,
    resolve_entities,
    unknown_entity_error,
)
from scripts.harmonize.fates import assign_fates
from scripts.harmonize.panel import build_panel, reconciliation
from scripts.harmonize.quality import coverage, discrepancies, flag_spikes, validate_ranges

log = logging.getLogger("ictmdg")


def check_accounted(recon: pd.DataFrame, n_read: int) -> None:
    """Raise :class:`InvariantError` unless the reconciliation accounts for all ``n_read`` cells."""
    broken = recon.loc[recon["read"] != recon["kept"] + recon["dropped"]]
    if len(broken) or int(recon["read"].sum()) != n_read:
        raise InvariantError(
            f"reconciliation: read = kept + dropped fails for {len(broken)} series, or the "
            f"{int(recon['read'].sum())} cells accounted for differ from the {n_read} read"
        )


def harmonize(snakemake: Any) -> None:
    """Resolve entities, give every raw cell its fate, and write the panel with its account."""
    setup_logging(snakemake)
    p, inp, out = snakemake.params, snakemake.input, snakemake.output
    cat = load_catalogue(inp.indicators, inp.series, inp.entities, p.source_ids)
    obs = read_table(inp.observations, tables.OBSERVATIONS)
    classes = read_table(inp.classifications, tables.CLASSIFICATION)
    history = classes[classes["source"] == "wb_income_history"]
    universe = build_universe(
        classes[classes["source"] == "wb_class"],
        classes[classes["source"] == "wb_metadata"],
        read_table(inp.concordance, tables.CONCORDANCE),
        history,
        read_table(inp.groups, tables.GROUPS),
    )
    entities = resolve_entities(obs, universe, cat["entities"])
    if p.on_unknown_entity == "error" and (entities["entity_fate"] == "unknown entity").any():
        raise unknown_entity_error(obs, entities)

    trail = assign_fates(
        obs,
        cat["series"],
        entities,
        population_indicator=p.population_indicator,
        ratio_denominators=dict(p.ratio_denominators),
        first_year=p.first_year,
        last_year=p.last_year,
    )
    panel = build_panel(trail)
    report = validate_ranges(panel, cat["indicators"], tolerance=p.tolerance, mode=p.out_of_range)
    spikes = flag_spikes(
        panel, cat["indicators"], threshold=p.spike_threshold, min_points=p.spike_min_points, flagged=report
    )
    report = pd.concat([report, spikes], ignore_index=True).sort_values(["indicator", "iso3", "year"])
    recon = reconciliation(trail)
    check_accounted(recon, len(obs))

    years = range(int(min(panel["year"].min(), p.analysis_first)), int(max(panel["year"].max(), p.analysis_last)) + 1)
    economies = universe.economies.assign(in_panel=universe.economies["iso3"].isin(panel["iso3"].unique()))
    n_econ = int(economies["in_panel"].sum())
    window = {"first": p.analysis_first, "last": p.analysis_last, "n_economies": n_econ}

    write_table(panel, out.panel, tables.PANEL)
    write_table(trail.sort_values(list(tables.TRAIL.key), ignore_index=True), out.trail, tables.TRAIL)
    write_table(recon, out.reconciliation, tables.RECONCILIATION)
    write_table(discrepancies(trail, tolerance=p.discrepancy_tolerance), out.discrepancies, tables.DISCREPANCIES)
    write_table(report, out.validation, tables.VALIDATION)
    write_table(coverage(panel, cat["indicators"], **window), out.coverage, tables.COVERAGE)
    write_table(economies, out.economies, tables.ECONOMIES)
    write_table(classification_by_year(universe, history, years), out.classification, tables.CLASSIFICATION_BY_YEAR)
    entity_map = entities.sort_values(["source", "entity_raw", "entity_code"], ignore_index=True)
    write_table(entity_map, out.entity_map, tables.ENTITY_MAP)
    log.info(
        "harmonize: %d observations -> %d panel values (%d indicators, %d economies); %d range flags, %d spikes",
        len(obs),
        len(panel),
        panel["indicator"].nunique(),
        n_econ,
        len(report) - len(spikes),
        len(spikes),
    )


def database(snakemake: Any) -> None:
    """Publish the panel, the catalogue, the economies and the raw files as a Frictionless Data Package."""
    setup_logging(snakemake)
    p, inp, out = snakemake.params, snakemake.input, snakemake.output
    frames = {
        "panel": read_table(inp.panel, tables.PANEL),
        "indicators": load_catalogue(inp.indicators, inp.series, inp.entities, p.source_ids)["indicators"],
        "economies": read_table(inp.economies, tables.ECONOMIES),
        "sources": read_table(inp.files, tables.FILES),
    }
    published = {
        "panel": tables.PANEL,
        "indicators": tables.INDICATORS,
        "economies": tables.ECONOMIES,
        "sources": tables.FILES,
    }
    desc = descriptor(
        frames,
        title="ictmdg harmonised ICT and development indicators database",
        description=(
            "One value per economy, year and indicator, harmonised from World Bank WDI, ITU, UNCTAD, UNDP and "
            f"UN MDG releases; analysis window {p.first}-{p.last}. Every value names the raw file, row and column "
            "it came from. Values are not imputed."
        ),
        version=p.version,
    )
    for name, df in frames.items():
        write_table(df, getattr(out, name), published[name])
    write_json(desc, out.descriptor)
