"""Stage 6, the models rules: how ICT measures are associated with MDG outcomes.

``models_outcomes`` selects and tags the outcomes and guards the measures; ``models_fit``
(one job per chunk of outcome x measure pairs) fits every specification on every imputed
draw of the predictors (observed outcomes only) and pools the draws by Rubin's rules;
``models`` adjusts for multiple testing and writes the tidy coefficient table, the
specification curve, the headline diagnostics (with the lead placebo test) and the
publication tables; ``models_predictive`` runs the out-of-sample check on the point
imputation; ``models_figures`` draws the forest plot, the curve and the scatter.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import pandas as pd
from threadpoolctl import threadpool_limits

from scripts.core import tables
from scripts.core.catalogue import load_catalogue
from scripts.core.contract import empty, read_table, write_table
from scripts.core.errors import InputError
from scripts.core.io import read_csv
from scripts.core.logs import setup_logging
from scripts.core.plotting import save
from scripts.models.assemble import ModelInputs, model_inputs
from scripts.models.coefficients import add_inference, coefficient_rows, diagnostics, spec_summary
from scripts.models.grid import run_specs
from scripts.models.predictive import predictive_check
from scripts.models.publication import findings, headline_caption, headline_table
from scripts.models.settings import ModelSettings
from scripts.publish import figures_models
from scripts.publish.tables import write_publication

log = logging.getLogger("ictmdg")

IMPUTED_COLUMNS = ["iso3", "year", "indicator", "draw", "value"]


def _settings(p: Any) -> ModelSettings:
    return ModelSettings(
        measures=p.measures,
        variables=p.variables,
        control_sets=p.control_sets,
        lags=list(p.lags),
        lead=int(p.lead),
        long_difference=int(p.long_difference),
        estimators=list(p.estimators),
        se_types=list(p.se_types),
        dk_bandwidth=int(p.dk_bandwidth),
        headline=p.headline,
        draws=int(p.draws),
        fdr_alpha=float(p.fdr_alpha),
    )


def _inputs(snakemake: Any, draws: list[int], *, check_index: bool) -> ModelInputs:
    p, inp = snakemake.params, snakemake.input
    cat = load_catalogue(inp.indicators, inp.series, inp.entities, p.source_ids)["indicators"]
    # Only the indicators the models use: the index's, the measures' and the controls'.
    needed = set(read_csv(inp.framework, dtype=str)["node"]) | {v["indicator"] for v in p.variables.values()}
    needed |= {v["indicator"] for v in p.measures.values() if "indicator" in v}

    def imputed(path: str) -> pd.DataFrame:
        t = read_table(path, tables.IMPUTED, columns=IMPUTED_COLUMNS)
        t = t[t["indicator"].isin(sorted(needed))]
        return t.assign(indicator=t["indicator"].astype("category"), iso3=t["iso3"].astype("category"))

    point = imputed(inp.imputed)
    needs_draws = draws != [0]
    return model_inputs(
        catalogue=cat,
        panel=read_table(inp.panel, tables.PANEL, columns=["iso3", "year", "indicator", "value"]),
        trail=read_table(inp.trail, tables.TRAIL, columns=["indicator", "note"]),
        point=point[point["draw"] == 0],
        draws_table=imputed(inp.draws) if needs_draws else None,
        screening=read_table(inp.screening, tables.SCREENING),
        framework_table=read_csv(inp.framework, dtype=str),
        index_settings=p.index,
        scores=read_table(inp.scores, tables.SCORES) if check_index else None,
        variants=read_table(inp.variants, tables.VARIANTS) if check_index else None,
        p=p,
        draws=draws,
        framework_file=p.framework_rel,
    )


def models_outcomes(snakemake: Any) -> None:
    """The ``models_outcomes`` rule: which outcomes are modelled (and why not), and the guarded measures."""
    setup_logging(snakemake)
    data = _inputs(snakemake, [0], check_index=True)
    log.info(
        "models: %d outcomes modelled, %d excluded; %d outcome x measure pairs",
        int((data.outcomes["status"] == "modelled").sum()),
        int((data.outcomes["status"] == "excluded").sum()),
        len(data.resolved),
    )
    write_table(data.outcomes, snakemake.output.outcomes, tables.MODEL_OUTCOMES)
    write_table(data.measures, snakemake.output.measures, tables.MODEL_MEASURES)


def models_fit(snakemake: Any) -> None:
    """The ``models_fit`` rule: one chunk of outcome x measure pairs, every specification on every draw, pooled."""
    setup_logging(snakemake)
    p = snakemake.params
    settings = _settings(p)
    chunk, chunks = int(snakemake.wildcards.chunk), int(p.chunks)
    started = time.perf_counter()
    # Thousands of small matrix products: BLAS threads would only contend with the other jobs.
    threadpool_limits(1)
    draws = list(range(1, settings.draws + 1)) if settings.draws else [0]
    data = _inputs(snakemake, draws, check_index=False)
    outcomes = data.outcomes.set_index("outcome", drop=False)
    pairs = sorted(data.resolved)[chunk::chunks]
    log.info(
        "chunk %d of %d: %d pairs, %d draws; inputs in %.1f s",
        chunk,
        chunks,
        len(pairs),
        len(draws),
        time.perf_counter() - started,
    )
    rows: list[dict] = []
    blocks: dict = {}  # the transformed controls, shared by every pair
    for oid, name in pairs:
        fits = run_specs(data.y[oid], data.x[(oid, name)], data.controls, settings, blocks)
        rows += coefficient_rows(outcomes.loc[oid], name, data.resolved[(oid, name)].label, fits)
    frame = pd.DataFrame(rows) if rows else empty(tables.MODEL_FITS)
    log.info("chunk %d: %d pooled estimates in %.1f s", chunk, len(frame), time.perf_counter() - started)
    write_table(frame, snakemake.output.fits, tables.MODEL_FITS)


def models(snakemake: Any) -> None:
    """The ``models`` rule: the chunks' fits, FDR-adjusted, summarised, with the headline publication table."""
    setup_logging(snakemake)
    inp, out = snakemake.input, snakemake.output
    settings = _settings(snakemake.params)
    fits = pd.concat([read_table(f, tables.MODEL_FITS) for f in inp.fits], ignore_index=True)
    coef = add_inference(fits, settings)
    outcomes = read_table(inp.outcomes, tables.MODEL_OUTCOMES)
    diag = diagnostics(coef, settings)
    summary = spec_summary(coef)
    write_table(coef, out.coefficients, tables.COEFFICIENTS)
    write_table(summary, out.spec_summary, tables.SPEC_SUMMARY)
    write_table(diag, out.diagnostics, tables.DIAGNOSTICS)
    stem = str(out.headline_csv)[: -len(".csv")]
    table = headline_table(coef, summary, outcomes, settings)
    write_publication(table, stem, caption=headline_caption(settings), label="tab:models_headline")
    for line in findings(coef, summary, diag, settings):
        log.info("finding: %s", line)


def models_predictive(snakemake: Any) -> None:
    """The ``models_predictive`` rule: grouped and out-of-time out-of-sample R2 gains of the ICT measures."""
    setup_logging(snakemake)
    p, out = snakemake.params, snakemake.output
    threadpool_limits(1)
    data = _inputs(snakemake, [0], check_index=False)
    gains, importance = predictive_check(
        data, p.predictive, list(p.control_sets[p.headline["controls"]]), int(p.headline["lag"]), p.seed
    )
    write_table(gains, out.predictive, tables.PREDICTIVE)
    write_table(importance, out.importance, tables.IMPORTANCE)


def models_figures(snakemake: Any) -> None:
    """The ``models_figures`` rule: forest plot, specification curve and ICT vs the figure outcome."""
    setup_logging(snakemake)
    p, inp, out = snakemake.params, snakemake.input, snakemake.output
    coef = read_table(inp.coefficients, tables.COEFFICIENTS)
    outcomes = read_table(inp.outcomes, tables.MODEL_OUTCOMES)
    names = dict(zip(outcomes["outcome"], outcomes["name"]))
    measure = next(iter(p.measures))
    save(
        figures_models.forest_figure(coef, names, measure, float(p.fdr_alpha)),
        out.models_forest_png,
        out.models_forest_pdf,
    )
    target = p.figure_outcome if p.figure_outcome in set(coef["outcome"]) else sorted(set(coef["outcome"]))[0]
    curve = figures_models.spec_curve_figure(coef, target, names.get(target, target), measure)
    save(curve, out.models_spec_curve_png, out.models_spec_curve_pdf)
    measures = read_table(inp.measures, tables.MODEL_MEASURES).set_index(["outcome", "measure"])
    used = measures.loc[(target, measure)]
    if used["kind"] == "node" and used["variant"]:
        scores = read_table(inp.variants, tables.VARIANTS)
        scores = scores[scores["variant"] == used["variant"]]
    elif used["kind"] == "node":
        scores = read_table(inp.scores, tables.SCORES)
        scores = scores[scores["node"] == used["target"]]
    else:
        raise InputError(
            problem=f"the scatter figure shows an index measure; models.measures.{measure} is an indicator",
            file="config",
            fix="list an index node first under models.measures",
        )
    panel = read_table(inp.panel, tables.PANEL, columns=["iso3", "year", "indicator", "value"])
    y = panel[panel["indicator"] == target].set_index(["iso3", "year"])["value"]
    lag = int(p.headline["lag"])
    x = scores.assign(year=scores["year"] + lag).set_index(["iso3", "year"])["score"]
    rel = figures_models.within_relation(y, x)
    save(
        figures_models.scatter_figure(rel, names.get(target, target), used["measure_used"], lag),
        out.models_scatter_png,
        out.models_scatter_pdf,
    )
