# Stage 2: one value per (iso3, year, indicator), with the account of every raw observation.


rule harmonize:
    input:
        **CATALOGUE,
        observations=rules.ingest.output.observations,
        classifications=rules.ingest.output.classifications,
        concordance=rules.ingest.output.concordance,
        groups=rules.ingest.output.groups,
    output:
        panel=f"{RESULTS}/02_harmonize/panel.parquet",
        trail=f"{RESULTS}/02_harmonize/trail.parquet",
        reconciliation=f"{RESULTS}/02_harmonize/reconciliation.csv",
        discrepancies=f"{RESULTS}/02_harmonize/discrepancies.csv",
        validation=f"{RESULTS}/02_harmonize/validation.csv",
        coverage=f"{RESULTS}/02_harmonize/coverage.csv",
        economies=f"{RESULTS}/02_harmonize/economies.csv",
        classification=f"{RESULTS}/02_harmonize/classification.csv",
        entity_map=f"{RESULTS}/02_harmonize/entity_map.csv",
    log:
        log_path("02_harmonize", "harmonize"),
    benchmark:
        bench_path("02_harmonize", "harmonize")
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=4000,
        runtime=15,
    params:
        **leaves(
            population_indicator="harmonize.population_indicator",
            ratio_denominators="harmonize.ratio_denominators",
            on_unknown_entity="harmonize.on_unknown_entity",
            discrepancy_tolerance="harmonize.discrepancy_tolerance",
            first_year="database.first_year",
            last_year="database.last_year",
            out_of_range="validation.out_of_range",
            tolerance="validation.tolerance",
            spike_threshold="validation.spikes.threshold",
            spike_min_points="validation.spikes.min_points",
            analysis_first="analysis.first_year",
            analysis_last="analysis.last_year",
        ),
        source_ids=SOURCE_IDS,
    message:
        "Harmonising observations into the ICT indicators database"
    script:
        entry_point("harmonize")


rule database:
    input:
        **CATALOGUE,
        panel=rules.harmonize.output.panel,
        economies=rules.harmonize.output.economies,
        files=rules.ingest.output.files,
    output:
        descriptor=f"{RESULTS}/02_harmonize/database/datapackage.json",
        panel=f"{RESULTS}/02_harmonize/database/panel.csv",
        indicators=f"{RESULTS}/02_harmonize/database/indicators.csv",
        economies=f"{RESULTS}/02_harmonize/database/economies.csv",
        sources=f"{RESULTS}/02_harmonize/database/sources.csv",
    log:
        log_path("02_harmonize", "database"),
    benchmark:
        bench_path("02_harmonize", "database")
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        **leaves(first="analysis.first_year", last="analysis.last_year"),
        source_ids=SOURCE_IDS,
        version=PROJECT_VERSION,
    message:
        "Publishing the harmonised database as a Frictionless Data Package"
    script:
        entry_point("database")
