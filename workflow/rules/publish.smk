# Publishing: figures, tables, country profiles and the manifest of the run.

PUBLISHED = config["publish"]["index"]


def index_output(name):
    """A file of the published index's results folder, e.g. index_output("scores")."""
    return expand(getattr(rules.index.output, name), index=PUBLISHED)[0]


#: Whether the uncertainty stage analyses the published index (its bands and Sobol' tables are then published).
ANALYSED = PUBLISHED in config["uncertainty"]["indices"]


def uncertainty_output(name):
    """A file of the uncertainty stage for the published index, e.g. uncertainty_output("sobol")."""
    for rule in (rules.uncertainty, rules.sensitivity):
        if hasattr(rule.output, name):
            return expand(getattr(rule.output, name), index=PUBLISHED)[0]
    raise ValueError(f"no uncertainty output {name!r}")


def published_uncertainty_tables():
    """The published tables of the uncertainty stage, when it analyses the published index."""
    if not ANALYSED:
        return {}
    return {
        **table("band_years", "Uncertainty", "Rank-band widths by year", PUBLISHED),
        **table("sobol", "Uncertainty", "Sobol' indices of the uncertain inputs", PUBLISHED),
        **table("sobol_convergence", "Uncertainty", "Convergence of the Sobol' indices", PUBLISHED),
    }


def published_bands():
    """The rank bands of the published index when the uncertainty stage analyses it (else none)."""
    return [uncertainty_output("bands")] if ANALYSED else []


rule index_figures:
    input:
        scores=index_output("scores"),
        bands=published_bands(),
        economies=rules.harmonize.output.economies,
        classification=rules.harmonize.output.classification,
        framework=lambda w: project_path(config["index"]["indices"][PUBLISHED]["framework"]),
        tiles=project_path(f"{config['paths']['external']}/tilegrid/Tile-Grid-Map-Cleaned.json"),
    output:
        **figure("ranking", "fig_ranking", "Indices", "Ranking of the latest year", PUBLISHED),
        **figure("profiles", "fig_profiles", "Indices", "Sub-index profiles of selected economies", PUBLISHED),
        **figure("trends", "fig_trends", "Indices", "Trends by region and income group", PUBLISHED),
        **figure("map", "fig_map", "Indices", "World tile-grid map", PUBLISHED),
    log:
        log_path("publish", "index_figures"),
    benchmark:
        bench_path("publish", "index_figures")
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        **leaves(selected="publish.selected"),
    message:
        "Figures of the {PUBLISHED} index"
    script:
        entry_point("index_figures")


rule quality_figures:
    input:
        panel=rules.harmonize.output.panel,
        economies=rules.harmonize.output.economies,
        indicators=CATALOGUE["indicators"],
        scores=index_output("scores"),
        index_indicators=index_output("indicators"),
        framework=lambda w: project_path(config["index"]["indices"][PUBLISHED]["framework"]),
    output:
        **figure("missing", "fig_missing", "Data quality", "Data availability by indicator and year"),
        **figure("coherence", "fig_coherence", "Data quality", "Coherence heatmap"),
    log:
        log_path("publish", "quality_figures"),
    benchmark:
        bench_path("publish", "quality_figures")
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        **leaves(first="analysis.first_year", last="analysis.last_year"),
    message:
        "Data-quality figures"
    script:
        entry_point("quality_figures")


rule publish_tables:
    input:
        scores=index_output("scores"),
        bands=published_bands(),
        uncertainty=[uncertainty_output(n) for n in ("years", "sobol", "convergence")] if ANALYSED else [],
        economies=rules.harmonize.output.economies,
        coverage=rules.harmonize.output.coverage,
        reconciliation=rules.harmonize.output.reconciliation,
        discrepancies=rules.harmonize.output.discrepancies,
        validation=rules.harmonize.output.validation,
        screening=rules.screen.output.screening,
        coherence_summary=index_output("coherence_summary"),
        node_correlations=index_output("node_correlations"),
        goalposts=index_output("goalposts"),
        external=expand(rules.index.output.validation, index=sorted(config["index"]["indices"])),
        framework=lambda w: project_path(config["index"]["indices"][PUBLISHED]["framework"]),
    output:
        **table("ranking", "Indices", "Ranking of the latest year", PUBLISHED),
        **table("coherence", "Indices", "Coherence audit", PUBLISHED),
        **table("node_correlations", "Indices", "Correlations between sub-indices and pillars", PUBLISHED),
        **table("goalposts", "Indices", "Goalposts of the normalisation", PUBLISHED),
        **table("external_validation", "Indices", "External validation of every index"),
        **table("coverage", "Harmonised database", "Coverage of the database"),
        **table("reconciliation", "Harmonised database", "Reconciliation of every raw cell"),
        **table("discrepancies", "Harmonised database", "Discrepancies between sources"),
        **table("validation", "Harmonised database", "Values outside their plausible range"),
        **table("screening", "Imputation", "Screening of indicators and economies"),
        **published_uncertainty_tables(),
        workbook=f"{RESULTS}/tables/tables.xlsx",
    log:
        log_path("publish", "publish_tables"),
    benchmark:
        bench_path("publish", "publish_tables")
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        **leaves(indices="index.indices"),
    message:
        "Published tables (CSV, Markdown, LaTeX, Excel)"
    script:
        entry_point("publish_tables")


rule country_profiles:
    input:
        **CATALOGUE,
        scores=index_output("scores"),
        bands=published_bands(),
        contributions=index_output("contributions"),
        strengths=index_output("strengths"),
        imputed=rules.impute.output.imputed,
        panel=rules.harmonize.output.panel,
        economies=rules.harmonize.output.economies,
        framework=lambda w: project_path(config["index"]["indices"][PUBLISHED]["framework"]),
    output:
        folder=report(
            directory(f"{RESULTS}/profiles"),
            patterns=["{iso3}.png"],
            caption="../report/fig_profile.rst",
            category="Country profiles",
            labels={"economy": "{iso3}"},
        ),
    log:
        log_path("publish", "country_profiles"),
    benchmark:
        bench_path("publish", "country_profiles")
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=2000,
        runtime=30,
    params:
        **leaves(
            economies="publish.profiles",
            outcomes="publish.profile_outcomes",
            first="analysis.first_year",
            last="analysis.last_year",
        ),
    message:
        "Country profiles"
    script:
        entry_point("country_profiles")


rule divide_figures:
    input:
        indicators=CATALOGUE["indicators"],
        values=rules.divide.output.values,
        inequality=rules.divide.output.inequality,
        decomposition=rules.divide.output.decomposition,
        gaps=rules.divide.output.gaps,
        beta=rules.divide.output.beta,
        time_distance=rules.divide.output.time_distance,
        gender=rules.divide.output.gender,
        gender_coverage=rules.divide.output.gender_coverage,
    output:
        **figure("divide_lorenz", "fig_divide_lorenz", "Digital divide", "Lorenz curves"),
        **figure("divide_decomposition", "fig_divide_decomposition", "Digital divide", "Theil decomposition"),
        **figure("divide_gaps", "fig_divide_gaps", "Digital divide", "Absolute and relative gaps"),
        **figure("divide_convergence", "fig_divide_convergence", "Digital divide", "Beta-convergence"),
        **figure("divide_distance", "fig_divide_distance", "Digital divide", "Time distance"),
        **figure("divide_gender", "fig_divide_gender", "Digital divide", "Gender gap in Internet use"),
    log:
        log_path("publish", "divide_figures"),
    benchmark:
        bench_path("publish", "divide_figures")
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        **leaves(measures="divide.measures", basis="divide.basis"),
    message:
        "Figures of the digital divide"
    script:
        entry_point("divide_figures")


rule manifest:
    input:
        published_outputs(),
    output:
        manifest=f"{RESULTS}/MANIFEST.json",
    log:
        log_path("publish", "manifest"),
    benchmark:
        bench_path("publish", "manifest")
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        results=RESULTS,
        project=str(PROJECT),
        version=PROJECT_VERSION,
        config=config,
        inputs=lambda w: manifest_inputs(),
        output_patterns=lambda w: [str(o) for r in workflow.rules for o in r.output],
    message:
        "Manifest of the run's outputs"
    script:
        entry_point("manifest")
