"""The index stage: from the imputed panel to published, audited composite-index scores.

For one index definition (a framework file plus methods from the config) this module
selects the framework's indicators from the point imputation, drops those the data do
not hold or screening excluded (each with its reason), treats outliers, runs the engine
(:func:`scripts.index.compute_index`), audits coherence, decomposes scores, compares the
overall index with published scores, and builds outcome-disjoint variants for the
overlap guard.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from scripts import audit
from scripts.errors import ConfigError
from scripts.framework import Framework, load_framework, outcome_disjoint
from scripts.index import IndexResult, IndexSpec, NormSpec, compute_index
from scripts.treat import TreatResult, treat_outliers

log = logging.getLogger("ictmdg")

UNIT, YEAR = "iso3", "year"


def attach_themes(framework_table: pd.DataFrame, catalogue: pd.DataFrame) -> pd.DataFrame:
    """Fill each leaf's ``themes`` from the indicator catalogue where the framework gives none.

    The catalogue is the one place theme tags are maintained; a framework may add tags
    (e.g. tag a whole pillar) but need not repeat them.
    """
    t = framework_table.copy()
    if "themes" not in t.columns:
        t["themes"] = ""
    t["themes"] = t["themes"].fillna("").astype(str)
    tags = catalogue.set_index("indicator")["themes"]
    fill = t["node"].map(tags).fillna("")
    t["themes"] = np.where(t["themes"].str.strip() == "", fill, t["themes"])
    return t


def select_indicators(
    point: pd.DataFrame, framework: Framework, screening: pd.DataFrame, first: int, last: int
) -> tuple[pd.DataFrame, Framework, pd.DataFrame]:
    """Build the wide (iso3, year) x indicator frame for ``framework`` and prune its leaves.

    ``point`` is the point imputation (IMPUTED, draw 0). A leaf is dropped when the
    catalogue/data do not hold it or screening excluded it. Units excluded by screening
    are left out. Returns ``(wide, pruned framework, leaf report)``; the report has one
    row per leaf: indicator, status ('used' | 'excluded by screening' | 'not in the
    data'), reason.
    """
    excluded_ind = screening[(screening["kind"] == "indicator") & (screening["decision"] == "exclude")]
    excluded_ind = excluded_ind.set_index("item")["reason"]
    excluded_units = set(screening.loc[(screening["kind"] == "unit") & (screening["decision"] == "exclude"), "item"])
    present = set(point["indicator"].unique())
    rows, drop = [], []
    for leaf in framework.leaves:
        if leaf in excluded_ind.index:
            rows.append((leaf, "excluded by screening", str(excluded_ind[leaf])))
            drop.append(leaf)
        elif leaf not in present:
            rows.append((leaf, "not in the data", "no source in the catalogue/raw data holds this indicator"))
            drop.append(leaf)
        else:
            rows.append((leaf, "used", ""))
    report = pd.DataFrame(rows, columns=["indicator", "status", "reason"])
    pruned = framework.drop_leaves(drop) if drop else framework
    sel = point[
        point["indicator"].isin(pruned.leaves)
        & ~point["iso3"].isin(excluded_units)
        & point["year"].between(first, last)
    ]
    wide = sel.pivot_table(index=[UNIT, YEAR], columns="indicator", values="value", aggfunc="first", observed=True)
    wide = wide.reindex(columns=list(pruned.leaves)).sort_index()
    wide.columns.name = None
    return wide.astype("float64"), pruned, report


def index_spec(cfg: Mapping[str, Any]) -> IndexSpec:
    """Translate one ``index.indices.<name>`` config block into an :class:`IndexSpec`."""
    norm = dict(cfg["normalisation"])
    method = norm.pop("method")
    time = norm.pop("time", "pooled")
    base_year = norm.pop("base_year", None)
    if time == "base_year" and base_year is None:
        raise ConfigError(problem="normalisation.time is 'base_year' but no base_year is given", fix="set normalisation.base_year")
    if "range" in norm:
        norm["range"] = tuple(norm["range"])
    return IndexSpec(
        normalisation=NormSpec(method=method, params=norm, time=time, base_year=base_year),
        weighting=_level_map(cfg["weighting"]),
        aggregation=_level_map(cfg["aggregation"]),
        min_share=float(cfg["min_share"]),
        on_nonpositive=cfg["on_nonpositive"],
        final_scale=cfg.get("final_scale"),
    )


def _level_map(setting: str | Mapping[str, str]) -> str | dict[str | int, str]:
    if isinstance(setting, str):
        return setting
    return {int(k) if str(k).isdigit() else k: v for k, v in setting.items()}


def run_index(
    wide: pd.DataFrame, framework: Framework, spec: IndexSpec, *, treatment: Mapping[str, Any]
) -> tuple[TreatResult | None, IndexResult]:
    """Treat outliers (unless ``treatment.method`` is 'none') and compute the index."""
    treated = None
    data = wide
    if treatment["method"] == "coinr":
        treated = treat_outliers(
            wide,
            winmax=int(treatment["winmax"]),
            skew_thresh=float(treatment["skew"]),
            kurt_thresh=float(treatment["kurtosis"]),
            pooled=True,
            exclude=frozenset(treatment.get("exclude", [])),
        )
        data = treated.treated
    return treated, compute_index(data, framework, spec)


def coherence(result: IndexResult, *, silent: float, collinear: float, alpha_wanted: float, pc1_wanted: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Coherence audit of every aggregate node: (per-child table, per-node summary)."""
    fw = result.framework
    scores = result.node_scores
    tables, summaries = [], []
    weights = result.applied_weights
    for node in fw.aggregates:
        kids = list(fw.children(node))
        children = scores[kids]
        w = pd.Series({k: weights[k] for k in kids})
        tables.append(audit.coherence_table(children, scores[node], w, node, silent=silent, collinear=collinear))
        summaries.append(audit.coherence_summary(children, node, alpha_wanted=alpha_wanted, pc1_wanted=pc1_wanted))
    return pd.concat(tables, ignore_index=True), pd.concat(summaries, ignore_index=True)


def external_table(root_scores: pd.DataFrame, published: list[dict[str, Any]]) -> pd.DataFrame:
    """Correlate the index with each published score table.

    ``root_scores`` has iso3, year, score of the root node; each ``published`` entry has
    id, label, data_year and ``scores`` (Series by iso3). Our year is the edition's data
    year, or the nearest year we have (the table says which and how far). Returns one
    row per published table with n, Spearman rho, Pearson r, p-values and coverage.
    """
    rows = []
    years = sorted(root_scores[YEAR].unique())
    for pub in published:
        want = int(pub["data_year"])
        ours_year = min(years, key=lambda y: (abs(y - want), -y))
        ours = root_scores.loc[root_scores[YEAR] == ours_year].set_index(UNIT)["score"]
        stats = audit.external_validation(ours, pub["scores"], pub["label"])
        rows.append({"reference": pub["id"], "data_year": want, "our_year": int(ours_year), "year_gap": int(ours_year) - want, **stats})
    return pd.DataFrame(rows)


def disjoint_variants(
    wide: pd.DataFrame, framework: Framework, spec: IndexSpec, themes: list[str], treatment: Mapping[str, Any]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Scores of the root under outcome-disjoint variants (one per theme).

    Returns ``(scores, dropped)``: root scores per variant (iso3, year, variant, score,
    rank) and the leaves each variant drops.
    """
    out, dropped = [], []
    for theme in themes:
        try:
            fw = outcome_disjoint(framework, {theme})
        except ConfigError as exc:
            log.warning("variant without %r not built: %s", theme, exc.problem)
            continue
        gone = sorted(set(framework.leaves) - set(fw.leaves))
        dropped += [{"variant": f"without_{theme}", "indicator": g} for g in gone]
        _, res = run_index(wide[list(fw.leaves)], fw, spec, treatment=treatment)
        s = res.scores
        s = s[s["node"] == fw.root].assign(variant=f"without_{theme}")
        out.append(s[[UNIT, YEAR, "variant", "score", "rank"]])
    cols = [UNIT, YEAR, "variant", "score", "rank"]
    scores = pd.concat(out, ignore_index=True) if out else pd.DataFrame(columns=cols)
    return scores.sort_values(["variant", YEAR, UNIT], ignore_index=True), pd.DataFrame(dropped, columns=["variant", "indicator"])


def main(snakemake: Any) -> None:
    from scripts.configuration import load_catalogue
    from scripts.external import name_lookup, read_published_scores
    from scripts.ingest import load_manifest, verify_files
    from scripts.files import read_csv, read_parquet, setup_logging, write_csv, write_parquet

    setup_logging(snakemake)
    p = snakemake.params
    cfg = p.index
    cat = load_catalogue(snakemake.input.indicators, snakemake.input.series, snakemake.input.entities, p.source_ids)
    fw_table = attach_themes(read_csv(snakemake.input.framework, dtype=str), cat["indicators"])
    fw_table["weight"] = pd.to_numeric(fw_table["weight"])
    fw_table["direction"] = pd.to_numeric(fw_table["direction"])
    framework = load_framework(fw_table, source=p.framework_rel)

    imputed = read_parquet(snakemake.input.imputed)
    point = imputed[imputed["draw"] == 0]
    screening = read_csv(snakemake.input.screening, dtype={"item": str, "kind": str, "decision": str, "reason": str})
    wide, fw, leaf_report = select_indicators(point, framework, screening, p.first, p.last)
    log.info("index %s: %d units x %d years x %d indicators", p.name, wide.index.get_level_values(0).nunique(),
             wide.index.get_level_values(1).nunique(), wide.shape[1])
    spec = index_spec(cfg)
    treated, result = run_index(wide, fw, spec, treatment=cfg["treatment"])

    scores = result.scores.sort_values(["node", YEAR, UNIT], ignore_index=True)
    contributions = result.contributions.sort_values(["node", "indicator", YEAR, UNIT], ignore_index=True)
    weights = result.weights
    child_table, summary = coherence(result, **p.audit)
    ranks = result.node_ranks[list(fw.leaves)]
    strengths = audit.strengths_weaknesses(result.normalised, ranks, n=3)

    # Published scores are vendored like raw files: check them against their MANIFEST first.
    ext_manifest = Path(snakemake.input.external_manifest)
    verify_files([r["file"] for r in p.external], ext_manifest.parent, load_manifest(ext_manifest), str(ext_manifest))

    names = name_lookup(
        read_csv(snakemake.input.economies, dtype=str), read_csv(snakemake.input.concordance, dtype=str),
        read_csv(snakemake.input.entity_map, dtype=str),
    )
    published, unmatched = [], []
    for ref, path in zip(p.external, snakemake.input.external):
        s, miss = read_published_scores(path, ref["file"], score_column=ref["score_column"], names=names,
                                        code_column=ref.get("code_column"), name_column=ref.get("name_column"))
        published.append({**ref, "scores": s})
        unmatched.append(miss.assign(reference=ref["id"]))
    root = scores[scores["node"] == fw.root]
    validation = external_table(root, published) if published else pd.DataFrame()
    variants, variant_drops = disjoint_variants(wide, fw, spec, list(p.disjoint_themes), cfg["treatment"])

    write_csv(scores, snakemake.output.scores)
    write_parquet(contributions, snakemake.output.contributions)
    write_csv(weights, snakemake.output.weights)
    write_csv(leaf_report, snakemake.output.indicators)
    write_csv(treated.details if treated is not None else pd.DataFrame(), snakemake.output.treatment)
    write_csv(treated.points if treated is not None else pd.DataFrame(), snakemake.output.treated_points)
    write_csv(child_table, snakemake.output.coherence)
    write_csv(summary, snakemake.output.coherence_summary)
    write_csv(strengths, snakemake.output.strengths)
    write_csv(validation, snakemake.output.validation)
    write_csv(pd.concat(unmatched, ignore_index=True) if unmatched else pd.DataFrame(), snakemake.output.unmatched)
    write_csv(variants, snakemake.output.variants)
    write_csv(variant_drops, snakemake.output.variant_indicators)
    if len(validation):
        for r in validation.itertuples():
            log.info("external validation %s: n=%s spearman=%.3f pearson=%.3f (our year %s)", r.reference, r.n_common, r.spearman_rho, r.pearson_r, r.our_year)
