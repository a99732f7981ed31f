# Stage 4: composite indices, their audit, decomposition and external validation.


rule index:
    input:
        **CATALOGUE,
        imputed=rules.impute.output.imputed,
        screening=rules.screen.output.screening,
        framework=lambda w: project_path(config["index"]["indices"][w.index]["framework"]),
        economies=rules.harmonize.output.economies,
        concordance=rules.ingest.output.concordance,
        entity_map=rules.harmonize.output.entity_map,
        external=[project_path(f"{config['paths']['external']}/{r['file']}") for r in config["external_validation"]],
        external_manifest=project_path(f"{config['paths']['external']}/MANIFEST.csv"),
    output:
        scores=f"{RESULTS}/04_index/{{index}}/scores.csv",
        contributions=f"{RESULTS}/04_index/{{index}}/contributions.parquet",
        weights=f"{RESULTS}/04_index/{{index}}/weights.csv",
        indicators=f"{RESULTS}/04_index/{{index}}/indicators.csv",
        goalposts=f"{RESULTS}/04_index/{{index}}/goalposts.csv",
        treatment=f"{RESULTS}/04_index/{{index}}/treatment.csv",
        treated_points=f"{RESULTS}/04_index/{{index}}/treated_points.csv",
        coherence=f"{RESULTS}/04_index/{{index}}/coherence.csv",
        coherence_summary=f"{RESULTS}/04_index/{{index}}/coherence_summary.csv",
        coherence_by_year=f"{RESULTS}/04_index/{{index}}/coherence_by_year.csv",
        node_correlations=f"{RESULTS}/04_index/{{index}}/node_correlations.csv",
        strengths=f"{RESULTS}/04_index/{{index}}/strengths_weaknesses.csv",
        validation=f"{RESULTS}/04_index/{{index}}/external_validation.csv",
        unmatched=f"{RESULTS}/04_index/{{index}}/external_unmatched.csv",
        variants=f"{RESULTS}/04_index/{{index}}/variants.csv",
        variant_indicators=f"{RESULTS}/04_index/{{index}}/variant_indicators.csv",
    log:
        log_path("04_index", "index_{index}"),
    benchmark:
        bench_path("04_index", "index_{index}")
    wildcard_constraints:
        index="[a-z][a-z0-9_]*",
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=3000,
        runtime=20,
    params:
        **leaves(
            first="analysis.first_year",
            last="analysis.last_year",
            audit="index.audit",
            disjoint_themes="index.outcome_disjoint_themes",
            external="external_validation",
        ),
        name=lambda w: w.index,
        index=lambda w: config["index"]["indices"][w.index],
        framework_rel=lambda w: config["index"]["indices"][w.index]["framework"],
        source_ids=SOURCE_IDS,
    message:
        "Building composite index {wildcards.index}"
    script:
        entry_point("index")
