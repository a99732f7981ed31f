# Stage 1: verify raw files against the MANIFEST and read them into one observations table.


rule ingest:
    input:
        files=raw_inputs(),
        manifest=project_path(config["paths"]["manifest"]),
    output:
        observations=f"{RESULTS}/01_ingest/observations.parquet",
        classifications=f"{RESULTS}/01_ingest/classifications.parquet",
        concordance=f"{RESULTS}/01_ingest/concordance.csv",
        groups=f"{RESULTS}/01_ingest/groups.csv",
        files=f"{RESULTS}/01_ingest/files.csv",
    log:
        log_path("01_ingest", "ingest"),
    benchmark:
        bench_path("01_ingest", "ingest")
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=3000,
        runtime=15,
    params:
        **leaves(manifest_rel="paths.manifest"),
        **leaves(classifications="classifications"),
        # The raw folder is inferred from the inputs, so a remote or staged copy still works.
        raw_root=lambda w, input: input.files[0][: -len(raw_files()[0])],
        raw_files=raw_files(),
        sources=SOURCES,
        n_files=len(raw_inputs()),
    message:
        "Verifying and reading {params.n_files} raw files"
    script:
        entry_point("ingest")
