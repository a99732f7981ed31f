# Stage 2: one value per (iso3, year, indicator), with the account of every raw observation.


rule harmonize:
    message:
        "Harmonising observations into the ICT indicators database"
    input:
        observations=rules.ingest.output.observations,
        classifications=rules.ingest.output.classifications,
        concordance=rules.ingest.output.concordance,
        groups=rules.ingest.output.groups,
        indicators=project_path(config["catalogue"]["indicators"]),
        series=project_path(config["catalogue"]["series"]),
        entities=project_path(config["catalogue"]["entities"]),
    output:
        panel=f"{RESULTS}/02_harmonize/panel.parquet",
        trail=f"{RESULTS}/02_harmonize/trail.parquet",
        reconciliation=report(
            f"{RESULTS}/02_harmonize/reconciliation.csv", caption="../report/reconciliation.rst", category="Harmonised database"
        ),
        discrepancies=report(
            f"{RESULTS}/02_harmonize/discrepancies.csv", caption="../report/discrepancies.rst", category="Harmonised database"
        ),
        validation=report(
            f"{RESULTS}/02_harmonize/validation.csv", caption="../report/validation.rst", category="Harmonised database"
        ),
        coverage=report(
            f"{RESULTS}/02_harmonize/coverage.csv", caption="../report/coverage.rst", category="Harmonised database"
        ),
        economies=f"{RESULTS}/02_harmonize/economies.csv",
        classification=f"{RESULTS}/02_harmonize/classification.csv",
        entity_map=f"{RESULTS}/02_harmonize/entity_map.csv",
    params:
        source_ids=SOURCE_IDS,
        population_indicator=config["harmonize"]["population_indicator"],
        on_unknown_entity=config["harmonize"]["on_unknown_entity"],
        discrepancy_tolerance=config["harmonize"]["discrepancy_tolerance"],
        first_year=config["database"]["first_year"],
        last_year=config["database"]["last_year"],
        out_of_range=config["validation"]["out_of_range"],
        tolerance=config["validation"]["tolerance"],
        analysis_first=config["analysis"]["first_year"],
        analysis_last=config["analysis"]["last_year"],
    log:
        log_path("02_harmonize", "harmonize"),
    benchmark:
        bench_path("02_harmonize", "harmonize")
    threads: 1
    resources:
        mem_mb=4000,
        runtime=15,
    conda:
        ENV
    script:
        "../scripts/harmonize.py"


rule database:
    message:
        "Publishing the harmonised database as a Frictionless Data Package"
    input:
        panel=rules.harmonize.output.panel,
        economies=rules.harmonize.output.economies,
        files=rules.ingest.output.files,
        indicators=project_path(config["catalogue"]["indicators"]),
        series=project_path(config["catalogue"]["series"]),
        entities=project_path(config["catalogue"]["entities"]),
    output:
        descriptor=f"{RESULTS}/02_harmonize/database/datapackage.json",
        panel=f"{RESULTS}/02_harmonize/database/panel.csv",
        indicators=f"{RESULTS}/02_harmonize/database/indicators.csv",
        economies=f"{RESULTS}/02_harmonize/database/economies.csv",
        sources=f"{RESULTS}/02_harmonize/database/sources.csv",
    params:
        source_ids=SOURCE_IDS,
        first=config["analysis"]["first_year"],
        last=config["analysis"]["last_year"],
        version=PROJECT_VERSION,
    log:
        log_path("02_harmonize", "database"),
    benchmark:
        bench_path("02_harmonize", "database")
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    conda:
        ENV
    script:
        "../scripts/database.py"
