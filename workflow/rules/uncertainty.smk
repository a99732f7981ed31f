# Stage 5: Monte Carlo uncertainty (K chunk jobs, then a gather) and Sobol sensitivity of the indices.


def uncertainty_inputs(w):
    """The inputs the batched engine prepares an index from (those of the index rule, and the alternative chains)."""
    chains = config["uncertainty"]["inputs"]["imputation_chain"]["vary"] and config["impute"]["runners_up"] > 0
    return {
        **CATALOGUE,
        "imputed": rules.impute.output.imputed,
        "draws": rules.impute_draws.output.draws,
        **({"alternatives": rules.impute_alternatives.output.alternatives} if chains else {}),
        "screening": rules.screen.output.screening,
        "framework": project_path(config["index"]["indices"][w.index]["framework"]),
    }


rule uncertainty_chunk:
    input:
        unpack(uncertainty_inputs),
    output:
        replications=f"{RESULTS}/05_uncertainty/{{index}}/chunks/{{chunk}}.parquet",
    log:
        log_path("05_uncertainty", "uncertainty_chunk_{index}_{chunk}"),
    benchmark:
        bench_path("05_uncertainty", "uncertainty_chunk_{index}_{chunk}")
    wildcard_constraints:
        index="[a-z][a-z0-9_]*",
        chunk="[0-9]+",
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=2000,
        runtime=30,
    params:
        **leaves(
            first="analysis.first_year",
            last="analysis.last_year",
            seed="seed",
            replications="uncertainty.replications",
            chunks="uncertainty.chunks",
            batch="uncertainty.batch",
            inputs="uncertainty.inputs",
        ),
        name=lambda w: w.index,
        index=lambda w: config["index"]["indices"][w.index],
        framework_rel=lambda w: config["index"]["indices"][w.index]["framework"],
        source_ids=SOURCE_IDS,
    message:
        "Monte Carlo replications of index {wildcards.index}, chunk {wildcards.chunk}"
    script:
        entry_point("uncertainty_chunk")


rule uncertainty:
    input:
        chunks=lambda w: expand(
            rules.uncertainty_chunk.output.replications,
            index=w.index,
            chunk=range(config["uncertainty"]["chunks"]),
        ),
        scores=rules.index.output.scores,
        framework=lambda w: project_path(config["index"]["indices"][w.index]["framework"]),
    output:
        bands=f"{RESULTS}/05_uncertainty/{{index}}/rank_bands.csv",
        years=f"{RESULTS}/05_uncertainty/{{index}}/band_years.csv",
        latest=f"{RESULTS}/05_uncertainty/{{index}}/replications_latest.parquet",
    log:
        log_path("05_uncertainty", "uncertainty_{index}"),
    benchmark:
        bench_path("05_uncertainty", "uncertainty_{index}")
    wildcard_constraints:
        index="[a-z][a-z0-9_]*",
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=3000,
        runtime=20,
    params:
        **leaves(widest="uncertainty.widest"),
    message:
        "Rank bands of index {wildcards.index}"
    script:
        entry_point("uncertainty")


rule sensitivity:
    input:
        unpack(uncertainty_inputs),
        scores=rules.index.output.scores,
    output:
        sobol=f"{RESULTS}/05_uncertainty/{{index}}/sobol.csv",
        convergence=f"{RESULTS}/05_uncertainty/{{index}}/sobol_convergence.csv",
    log:
        log_path("05_uncertainty", "sensitivity_{index}"),
    benchmark:
        bench_path("05_uncertainty", "sensitivity_{index}")
    wildcard_constraints:
        index="[a-z][a-z0-9_]*",
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=3000,
        runtime=30,
    params:
        **leaves(
            first="analysis.first_year",
            last="analysis.last_year",
            seed="seed",
            batch="uncertainty.batch",
            inputs="uncertainty.inputs",
            sobol="uncertainty.sobol",
        ),
        name=lambda w: w.index,
        index=lambda w: config["index"]["indices"][w.index],
        framework_rel=lambda w: config["index"]["indices"][w.index]["framework"],
        source_ids=SOURCE_IDS,
    message:
        "Sobol sensitivity analysis of index {wildcards.index}"
    script:
        entry_point("sensitivity")


rule uncertainty_figures:
    input:
        sobol=rules.sensitivity.output.sobol,
        convergence=rules.sensitivity.output.convergence,
        framework=lambda w: project_path(config["index"]["indices"][w.index]["framework"]),
    output:
        sobol_png=report(
            f"{RESULTS}/figures/sobol_{{index}}.png",
            caption="../report/fig_sobol.rst",
            category="Uncertainty",
            subcategory="{index}",
            labels={"name": "Sobol' indices of the uncertain inputs"},
        ),
        sobol_pdf=f"{RESULTS}/figures/sobol_{{index}}.pdf",
    log:
        log_path("05_uncertainty", "uncertainty_figures_{index}"),
    benchmark:
        bench_path("05_uncertainty", "uncertainty_figures_{index}")
    wildcard_constraints:
        index="[a-z][a-z0-9_]*",
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        **leaves(last="analysis.last_year"),
    message:
        "Sobol figure of index {wildcards.index}"
    script:
        entry_point("uncertainty_figures")
