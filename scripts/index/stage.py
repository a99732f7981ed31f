"""Stage 4, the ``index`` rule: from the imputed panel to published, audited composite-index scores.

For one index definition (a framework file plus methods from the config) the rule
prepares the index (:func:`scripts.index.prepare.prepare_index`: the framework's
indicators from the point imputation, without those the data do not hold or screening
excluded, each with its reason), treats outliers, runs the engine, audits coherence,
finds each economy's strengths and weaknesses, compares the overall index with published
scores, and builds outcome-disjoint variants for the overlap guard.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pandas as pd

from scripts.core import tables
from scripts.core.catalogue import load_catalogue
from scripts.core.contract import empty, read_table, write_table
from scripts.core.io import read_csv, write_csv
from scripts.core.logs import setup_logging
from scripts.core.provenance import load_manifest, verify_files
from scripts.index.coherence import audit_coherence, coherence_by_year, node_correlations
from scripts.index.external import external_table, name_lookup, read_references
from scripts.index.goalposts import published_goalposts
from scripts.index.prepare import YEAR, prepare_index
from scripts.index.strengths import strengths_weaknesses
from scripts.index.variants import disjoint_variants

log = logging.getLogger("ictmdg")


def index(snakemake: Any) -> None:
    """Build one index of ``index.indices`` with its audit, validation and variants."""
    setup_logging(snakemake)
    p, inp, out = snakemake.params, snakemake.input, snakemake.output
    cat = load_catalogue(inp.indicators, inp.series, inp.entities, p.source_ids)
    imputed = read_table(inp.imputed, tables.IMPUTED)
    prepared = prepare_index(
        p.index,
        read_csv(inp.framework, dtype=str),
        cat["indicators"],
        imputed[imputed["draw"] == 0],
        read_table(inp.screening, tables.SCREENING),
        p.first,
        p.last,
        framework_file=p.framework_rel,
    )
    wide, fw = prepared.wide, prepared.framework
    log.info(
        "index %s: %d units x %d years x %d indicators",
        p.name,
        wide.index.get_level_values(0).nunique(),
        wide.index.get_level_values(1).nunique(),
        wide.shape[1],
    )
    treated, result = prepared.run()
    ns = prepared.spec.normalisation
    normalised_input = (prepared.wide if treated is None else treated.treated)[list(fw.leaves)]
    goalposts = published_goalposts(normalised_input, ns.method, ns.params, time=ns.time, base_year=ns.base_year)

    scores = result.scores.sort_values(["node", YEAR, "iso3"], ignore_index=True)
    child_table, summary = audit_coherence(result, **p.audit)

    # Published scores are vendored like raw files: check them against their MANIFEST first.
    ext_manifest = Path(inp.external_manifest)
    verify_files([r["file"] for r in p.external], ext_manifest.parent, load_manifest(ext_manifest), str(ext_manifest))
    names = name_lookup(
        read_table(inp.economies, tables.ECONOMIES),
        read_table(inp.concordance, tables.CONCORDANCE),
        read_table(inp.entity_map, tables.ENTITY_MAP),
    )
    published, unmatched = read_references(p.external, inp.external, names)
    root = scores[scores["node"] == fw.root]
    validation = external_table(root, published) if published else empty(tables.EXTERNAL_VALIDATION)
    variants, variant_drops = disjoint_variants(prepared, list(p.disjoint_themes))

    write_table(scores, out.scores, tables.SCORES)
    contributions = result.contributions.sort_values(["node", "indicator", YEAR, "iso3"], ignore_index=True)
    write_table(contributions, out.contributions, tables.CONTRIBUTIONS)
    write_table(result.weights, out.weights, tables.WEIGHTS)
    write_table(prepared.leaf_report, out.indicators, tables.INDEX_INDICATORS)
    write_table(goalposts.sort_values(["indicator", "year"], ignore_index=True), out.goalposts, tables.GOALPOSTS)
    if treated is not None:
        write_table(treated.details, out.treatment, tables.TREATMENT)
        write_table(treated.points, out.treated_points, tables.TREATED_POINTS)
    else:  # no treatment: written as empty files (the byte-identical layout of earlier runs)
        write_csv(pd.DataFrame(), out.treatment)
        write_csv(pd.DataFrame(), out.treated_points)
    write_table(child_table, out.coherence, tables.COHERENCE)
    write_table(summary, out.coherence_summary, tables.COHERENCE_SUMMARY)
    write_table(coherence_by_year(result), out.coherence_by_year, tables.COHERENCE_BY_YEAR)
    write_table(node_correlations(result), out.node_correlations, tables.NODE_CORRELATIONS)
    strengths = strengths_weaknesses(result.normalised, result.node_ranks[list(fw.leaves)], n=3)
    write_table(strengths, out.strengths, tables.STRENGTHS)
    write_table(validation, out.validation, tables.EXTERNAL_VALIDATION)
    write_table(unmatched, out.unmatched, tables.EXTERNAL_UNMATCHED)
    write_table(variants, out.variants, tables.VARIANTS)
    write_table(variant_drops, out.variant_indicators, tables.VARIANT_INDICATORS)
    for r in validation.itertuples():
        log.info(
            "external validation %s: n=%s spearman=%.3f pearson=%.3f (our year %s)",
            r.reference,
            r.n_common,
            r.spearman_rho,
            r.pearson_r,
            r.our_year,
        )
