"""The publishing rules: figures, tables, country profiles and the run's manifest.

Each function reads published tables of the earlier stages, draws or formats them with
the pure modules of this package, and writes PNG + PDF figures (results/figures/),
CSV + Markdown + LaTeX tables and one Excel workbook (results/tables/), profile pages
(results/profiles/) and results/MANIFEST.json.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pandas as pd

from scripts.core import tables
from scripts.core.contract import read_table
from scripts.core.io import read_csv, write_csv, write_json
from scripts.core.logs import setup_logging
from scripts.core.plotting import save
from scripts.publish import figures_divide, figures_index, figures_quality
from scripts.publish.labels import node_names, with_names
from scripts.publish.manifest import build_manifest, declared_outputs, file_digests, package_versions
from scripts.publish.profiles import ProfileData, economies_to_profile, headline_outcomes, profile_figure
from scripts.publish.tables import external_validation_table, publication_frame, ranking_table, write_publication
from scripts.publish.workbook import write_workbook

log = logging.getLogger("ictmdg")

#: Column headings of the published ranking table.
RANKING_HEADERS = {
    "iso3": "ISO3",
    "economy": "Economy",
    "region": "Region",
    "income_group": "Income group",
    "score": "Score",
    "rank": "Rank",
    "rank_p05": "Rank band from",
    "median_rank": "Median rank",
    "rank_p95": "Rank band to",
}


def _framework(path: str) -> pd.DataFrame:
    """A framework table as text, blanks as "" (the root's empty parent)."""
    return read_csv(path, dtype=str, na_values=[])


def _structure(framework: pd.DataFrame) -> tuple[str, list[str], list[str]]:
    """The root, its children (sub-indices) and their aggregate children (pillars) of a framework table."""
    root = framework.loc[framework["parent"] == "", "node"].iloc[0]
    subs = framework.loc[framework["parent"] == root, "node"].tolist()
    parents = set(framework["parent"])
    pillars = framework.loc[framework["parent"].isin(subs) & framework["node"].isin(parents), "node"].tolist()
    return root, subs, pillars


def _names(framework: pd.DataFrame, catalogue: pd.DataFrame) -> dict[str, str]:
    return {**dict(zip(catalogue["indicator"], catalogue["name"])), **node_names(framework)}


def _tiles(path: str) -> pd.DataFrame:
    with open(path, encoding="utf-8") as fh:
        squares = json.load(fh)
    return pd.DataFrame([{"iso3": s["alpha-3"], "x": s["coordinates"][0], "y": s["coordinates"][1]} for s in squares])


def _bands(inp: Any) -> pd.DataFrame | None:
    """The published index's rank bands (RANK_BANDS), or None when the uncertainty stage does not analyse it."""
    return read_table(inp.bands[0], tables.RANK_BANDS) if len(inp.bands) else None


def index_figures(snakemake: Any) -> None:
    """Figures of the published index: ranking, sub-index profiles, trends by group, the tile-grid map."""
    setup_logging(snakemake)
    p, inp, out = snakemake.params, snakemake.input, snakemake.output
    scores = read_table(inp.scores, tables.SCORES)
    economies = read_table(inp.economies, tables.ECONOMIES)
    framework = _framework(inp.framework)
    root, subs, pillars = _structure(framework)
    title = node_names(framework)[root]
    figure = figures_index.ranking_figure(scores, economies, root=root, title=title, bands=_bands(inp))
    save(figure, out.ranking_png, out.ranking_pdf)
    figure = figures_index.profiles_figure(
        scores,
        economies,
        nodes=[*subs, *pillars],
        node_names=node_names(framework),
        selected=list(p.selected),
        title=title,
    )
    save(figure, out.profiles_png, out.profiles_pdf)
    groups = read_table(inp.classification, tables.CLASSIFICATION_BY_YEAR)
    save(figures_index.trends_figure(scores, groups, root=root, title=title), out.trends_png, out.trends_pdf)
    figure = figures_index.tile_map_figure(scores, economies, _tiles(inp.tiles), root=root, title=title)
    save(figure, out.map_png, out.map_pdf)


def quality_figures(snakemake: Any) -> None:
    """Data-quality figures: availability of every indicator by year, and the index's coherence heatmap."""
    setup_logging(snakemake)
    p, inp, out = snakemake.params, snakemake.input, snakemake.output
    catalogue = read_csv(inp.indicators, dtype=str, na_values=[])
    economies = read_table(inp.economies, tables.ECONOMIES)
    world_bank = economies.loc[economies["wb"], "iso3"].tolist()
    panel = read_table(inp.panel, tables.PANEL, columns=["iso3", "year", "indicator", "value"])
    shares = figures_quality.observed_shares(panel, world_bank, p.first, p.last)
    roles, names = (
        dict(zip(catalogue["indicator"], catalogue["role"])),
        dict(zip(catalogue["indicator"], catalogue["name"])),
    )
    save(
        figures_quality.missingness_figure(shares, roles, names, n_economies=len(world_bank)),
        out.missing_png,
        out.missing_pdf,
    )
    framework = _framework(inp.framework)
    root, subs, pillars = _structure(framework)
    scores = read_table(inp.scores, tables.SCORES)
    used = read_table(inp.index_indicators, tables.INDEX_INDICATORS)
    leaves = used.loc[used["status"] == "used", "indicator"].tolist()
    year = figures_index.latest_year(scores, root)
    corr = figures_quality.node_correlations(scores, year=year, leaves=leaves, aggregates=[root, *subs, *pillars])
    figure = figures_quality.coherence_figure(
        corr, _names(framework, catalogue), title=node_names(framework)[root], year=year
    )
    save(figure, out.coherence_png, out.coherence_pdf)


def publish_tables(snakemake: Any) -> None:
    """The published tables as CSV, Markdown, LaTeX and HTML, and all of them in one workbook."""
    setup_logging(snakemake)
    p, inp, out = snakemake.params, snakemake.input, snakemake.output
    framework = _framework(inp.framework)
    root, subs, _ = _structure(framework)
    scores = read_table(inp.scores, tables.SCORES)
    economies = read_table(inp.economies, tables.ECONOMIES)
    year = figures_index.latest_year(scores, root)
    names = node_names(framework)
    ranking = ranking_table(scores, economies, root=root, sub_indices=subs, year=year, bands=_bands(inp))
    external = external_validation_table(
        {name: read_table(f, tables.EXTERNAL_VALIDATION) for name, f in zip(sorted(p.indices), inp.external)}
    )
    validation = with_names(read_table(inp.validation, tables.VALIDATION), economies)
    sheets = {
        "ranking": (
            publication_frame(ranking, headers={**RANKING_HEADERS, **{s: names[s] for s in subs}}),
            f"{names[root]}: scores and ranks of {year}",
        ),
        "coherence": (
            publication_frame(read_table(inp.coherence_summary, tables.COHERENCE_SUMMARY), decimals=3),
            f"{names[root]}: coherence of every aggregate (Cronbach's alpha, first-component share)",
        ),
        "node_correlations": (
            publication_frame(read_table(inp.node_correlations, tables.NODE_CORRELATIONS), decimals=3),
            f"{names[root]}: correlations between sub-indices and pillars, pooled and within years",
        ),
        "goalposts": (
            publication_frame(read_table(inp.goalposts, tables.GOALPOSTS), decimals=3),
            f"{names[root]}: the goalposts of the normalisation and the values capped at them",
        ),
        "external_validation": (
            publication_frame(external, decimals=3),
            "Every index against published scores (Spearman and Pearson correlations)",
        ),
        "coverage": (
            publication_frame(read_table(inp.coverage, tables.COVERAGE), decimals=3),
            "Coverage of every indicator of the harmonised database",
        ),
        "reconciliation": (
            read_table(inp.reconciliation, tables.RECONCILIATION),
            "Every raw cell, kept or dropped with its reason, per source, file and series",
        ),
        "discrepancies": (
            publication_frame(read_table(inp.discrepancies, tables.DISCREPANCIES), decimals=3),
            "How often and how far alternative sources disagree with the one kept",
        ),
        "validation": (publication_frame(validation, decimals=3), "Values outside their plausible range"),
        "screening": (
            publication_frame(read_table(inp.screening, tables.SCREENING), decimals=3),
            "Screening of indicators and economies over the analysis window",
        ),
    }
    if len(inp.uncertainty):
        years, sobol, convergence = inp.uncertainty
        sheets["band_years"] = (
            publication_frame(read_table(years, tables.BAND_YEARS), decimals=1),
            f"{names[root]}: how wide the 5th-95th percentile rank bands are, by year",
        )
        sheets["sobol"] = (
            publication_frame(with_names(read_table(sobol, tables.SOBOL), economies), decimals=3),
            f"{names[root]}: Sobol' indices of the uncertain inputs",
        )
        sheets["sobol_convergence"] = (
            publication_frame(read_table(convergence, tables.SOBOL_CONVERGENCE), decimals=3),
            f"{names[root]}: the Sobol' indices as the design grows",
        )
    for name, (frame, caption) in sheets.items():
        write_publication(frame, Path(getattr(out, name)).with_suffix(""), caption=caption, label=f"tab:{name}")
    write_workbook({name: frame for name, (frame, _) in sheets.items()}, out.workbook)


def country_profiles(snakemake: Any) -> None:
    """One profile page (PNG and PDF) per economy of ``publish.profiles``, and a list of the pages."""
    setup_logging(snakemake)
    p, inp, out = snakemake.params, snakemake.input, snakemake.output
    framework, catalogue = _framework(inp.framework), read_csv(inp.indicators, dtype=str, na_values=[])
    root, subs, _ = _structure(framework)
    imputed = read_table(inp.imputed, tables.IMPUTED)
    outcomes = headline_outcomes(catalogue, p.outcomes)
    panel = read_table(inp.panel, tables.PANEL, columns=["iso3", "year", "indicator", "value"])
    data = ProfileData(
        scores=read_table(inp.scores, tables.SCORES),
        contributions=read_table(inp.contributions, tables.CONTRIBUTIONS),
        strengths=read_table(inp.strengths, tables.STRENGTHS),
        imputed=imputed[imputed["draw"] == 0],
        outcomes=panel[panel["indicator"].isin(outcomes)],
        economies=read_table(inp.economies, tables.ECONOMIES),
        names=_names(framework, catalogue),
        bands=_bands(inp),
    )
    folder = Path(out.folder)
    pages = []
    for iso3 in economies_to_profile(p.economies, data.scores, root):
        figure = profile_figure(
            data,
            iso3,
            root=root,
            sub_indices=subs,
            outcomes=outcomes,
            title=node_names(framework)[root],
            window=(p.first, p.last),
        )
        save(figure, folder / f"{iso3}.png", folder / f"{iso3}.pdf")
        pages.append(iso3)
    write_csv(
        pd.DataFrame({"iso3": pages, "png": [f"{c}.png" for c in pages], "pdf": [f"{c}.pdf" for c in pages]}),
        folder / "pages.csv",
    )
    log.info("country profiles: %d pages", len(pages))


def manifest(snakemake: Any) -> None:
    """results/MANIFEST.json: every output of the run with its sha256, the inputs' sha256, config hash, versions."""
    setup_logging(snakemake)
    p, out = snakemake.params, snakemake.output
    results = Path(p.results)
    produced = declared_outputs(results, p.output_patterns, Path(out.manifest))
    project = Path(p.project)
    inputs = file_digests([project / f for f in p.inputs], project)
    document = build_manifest(
        outputs=file_digests(produced, results),
        inputs=inputs,
        config=p.config,
        packages=package_versions(project / "requirements.lock"),
        version=p.version,
    )
    write_json(document, out.manifest)
    log.info("manifest: %d outputs, %d inputs", len(document["outputs"]), len(document["inputs"]))


def divide_figures(snakemake: Any) -> None:
    """Figures of the digital divide: Lorenz curves, Theil decomposition, gaps, convergence, time distance, gender."""
    setup_logging(snakemake)
    p, inp, out = snakemake.params, snakemake.input, snakemake.output
    names = figures_divide.measure_names(list(p.measures), read_csv(inp.indicators, dtype=str, keep_default_na=False))
    values = read_table(inp.values, tables.DIVIDE_VALUES)
    inequality = read_table(inp.inequality, tables.INEQUALITY)
    save(figures_divide.lorenz_figure(values, inequality, names, p.basis), out.divide_lorenz_png, out.divide_lorenz_pdf)
    decomposition = read_table(inp.decomposition, tables.DECOMPOSITION)
    figure = figures_divide.decomposition_figure(decomposition, names, p.basis)
    save(figure, out.divide_decomposition_png, out.divide_decomposition_pdf)
    gaps = read_table(inp.gaps, tables.GAPS)
    save(figures_divide.gaps_figure(gaps, names, p.basis), out.divide_gaps_png, out.divide_gaps_pdf)
    start_groups = values.sort_values("year").groupby("iso3")["group_income"].first()
    figure = figures_divide.convergence_figure(values, read_table(inp.beta, tables.BETA), names, p.basis, start_groups)
    save(figure, out.divide_convergence_png, out.divide_convergence_pdf)
    distance = read_table(inp.time_distance, tables.TIME_DISTANCE)
    save(figures_divide.time_distance_figure(distance, names), out.divide_distance_png, out.divide_distance_pdf)
    gender = read_table(inp.gender, tables.GENDER_GAP)
    coverage = read_table(inp.gender_coverage, tables.GENDER_COVERAGE)
    save(figures_divide.gender_figure(gender, coverage), out.divide_gender_png, out.divide_gender_pdf)
