"""Stage 5, the ``uncertainty_chunk``, ``uncertainty``, ``sensitivity`` and ``uncertainty_figures`` rules.

``uncertainty_chunk`` computes one chunk of the Monte Carlo replications of an index
with the batched engine; ``uncertainty`` gathers the chunks into rank bands, per-year
band summaries and the latest year's replication scores; ``sensitivity`` runs the
Sobol' design and writes the Sobol indices with their confidence intervals and the
convergence table; ``uncertainty_figures`` draws the Sobol' figure.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import pandas as pd

from scripts.core import tables
from scripts.core.catalogue import load_catalogue
from scripts.core.contract import read_table, write_table
from scripts.core.io import read_csv
from scripts.core.logs import setup_logging
from scripts.core.plotting import save
from scripts.publish.figures_uncertainty import sobol_figure
from scripts.uncertainty.bands import band_years, chunk_replications, rank_bands, replication_choices, replication_table
from scripts.uncertainty.batched import BatchedIndex
from scripts.uncertainty.data import batched_index, read_imputations
from scripts.uncertainty.sobol import sobol_tables

log = logging.getLogger("ictmdg")


def _engine(snakemake: Any) -> BatchedIndex:
    p, inp = snakemake.params, snakemake.input
    cat = load_catalogue(inp.indicators, inp.series, inp.entities, p.source_ids)
    framework = read_csv(inp.framework, dtype=str)
    imputed, alternatives = read_imputations(
        inp.imputed, inp.draws, inp.alternatives if "alternatives" in inp.keys() else None, framework
    )
    start = time.perf_counter()
    engine = batched_index(
        p.name,
        p.index,
        p.inputs,
        framework,
        cat["indicators"],
        imputed,
        read_table(inp.screening, tables.SCREENING),
        p.first,
        p.last,
        framework_file=p.framework_rel,
        alternatives=alternatives,
    )
    s = engine.space
    log.info(
        "index %s: %d economy-years x %d indicators; inputs %s (%d variables); prepared in %.2f s",
        p.name,
        len(engine.index),
        len(engine.framework.leaves),
        ", ".join(f"{k} ({n})" for k, n in s.discrete.items()) + (f", weights (+/-{s.spread:g})" if s.spread else ""),
        len(s.variables),
        time.perf_counter() - start,
    )
    return engine


def uncertainty_chunk(snakemake: Any) -> None:
    """Compute chunk ``wildcards.chunk`` of the Monte Carlo replications of one index (REPLICATIONS)."""
    setup_logging(snakemake)
    p = snakemake.params
    engine = _engine(snakemake)
    reps = chunk_replications(int(p.replications), int(p.chunks), int(snakemake.wildcards.chunk))
    start = time.perf_counter()
    choices = replication_choices(engine.space, int(p.seed), reps)
    scores = engine.scores(choices, batch=int(p.batch))
    table = replication_table(engine, reps, scores)
    elapsed = time.perf_counter() - start
    log.info(
        "replications %d-%d: %d in %.2f s (%.0f per second, with ranks)",
        reps[0] if len(reps) else 0,
        reps[-1] if len(reps) else -1,
        len(reps),
        elapsed,
        len(reps) / elapsed if elapsed > 0 else float("nan"),
    )
    write_table(table, snakemake.output.replications, tables.REPLICATIONS, strings=["iso3"])


def uncertainty(snakemake: Any) -> None:
    """Gather the chunks of one index into RANK_BANDS, BAND_YEARS and the latest year's replications."""
    setup_logging(snakemake)
    inp, out = snakemake.input, snakemake.output
    reps = pd.concat([read_table(f, tables.REPLICATIONS) for f in inp.chunks], ignore_index=True)
    scores = read_table(inp.scores, tables.SCORES)
    framework = read_csv(inp.framework, dtype=str)
    root = framework.loc[framework["parent"].fillna("").str.strip() == "", "node"].iloc[0]
    nominal = scores[scores["node"] == root]
    bands = rank_bands(reps, nominal)
    years = band_years(bands, int(snakemake.params.widest))
    latest = int(reps["year"].max())
    write_table(bands, out.bands, tables.RANK_BANDS)
    write_table(years, out.years, tables.BAND_YEARS)
    last = reps[reps["year"] == latest].sort_values(["replication", "iso3"], ignore_index=True)
    write_table(last, out.latest, tables.REPLICATIONS)
    for r in years.itertuples():
        log.info("%d: %d economies, mean rank band %.1f places, widest %s", r.year, r.economies, r.mean_width, r.widest)


def sensitivity(snakemake: Any) -> None:
    """Sobol' indices of one index for both targets, with intervals, and the convergence table."""
    setup_logging(snakemake)
    p, inp, out = snakemake.params, snakemake.input, snakemake.output
    engine = _engine(snakemake)
    start = time.perf_counter()
    published = read_table(inp.scores, tables.SCORES)
    latest = published[(published["node"] == engine.framework.root) & (published["year"] == engine.years.max())]
    table, convergence = sobol_tables(engine, latest.set_index("iso3")["rank"], p.sobol, int(p.seed), int(p.batch))
    log.info("Sobol: %d base samples in %.1f s", int(p.sobol["base_samples"]), time.perf_counter() - start)
    for r in table[table["target"] == "mean_rank_shift"].itertuples():
        ok = convergence[(convergence["input"] == r.input) & convergence["settled"]]["base_samples"]
        log.info(
            "%s: first order %.3f +/- %.3f, total %.3f +/- %.3f; settled from N = %s",
            r.input,
            r.first_order,
            r.first_order_conf,
            r.total,
            r.total_conf,
            int(ok.min()) if len(ok) else "never",
        )
    write_table(table, out.sobol, tables.SOBOL)
    write_table(
        convergence.sort_values(["base_samples", "input"], ignore_index=True), out.convergence, tables.SOBOL_CONVERGENCE
    )


def uncertainty_figures(snakemake: Any) -> None:
    """The Sobol' figure of one index: indices with confidence intervals, and their convergence."""
    setup_logging(snakemake)
    inp, out = snakemake.input, snakemake.output
    framework = read_csv(inp.framework, dtype=str)
    root = framework[framework["parent"].fillna("").str.strip() == ""].iloc[0]
    title = str(root.get("name") or root["node"])
    sobol = read_table(inp.sobol, tables.SOBOL)
    convergence = read_table(inp.convergence, tables.SOBOL_CONVERGENCE)
    figure = sobol_figure(sobol, convergence, title=title, year=int(snakemake.params.last))
    save(figure, out.sobol_png, out.sobol_pdf)
