# Stage 7: the digital divide (results/07_divide) and its figures (results/figures/divide_*).

DIVIDE_INDICES = [m.split(":", 1)[1] for m in config["divide"]["measures"] if m.startswith("index:")]


def divide_table(name):
    return f"{RESULTS}/07_divide/{name}.csv"


rule divide:
    input:
        indicators=CATALOGUE["indicators"],
        panel=rules.harmonize.output.panel,
        economies=rules.harmonize.output.economies,
        classification=rules.harmonize.output.classification,
        imputed=rules.impute.output.imputed,
        index_scores=expand(rules.index.output.scores, index=DIVIDE_INDICES),
        frameworks=[project_path(config["index"]["indices"][i]["framework"]) for i in DIVIDE_INDICES],
    output:
        values=f"{RESULTS}/07_divide/values.parquet",
        inequality=divide_table("inequality"),
        imputation=divide_table("imputation_effect"),
        decomposition=divide_table("decomposition"),
        gaps=divide_table("gaps"),
        gap_trends=divide_table("gap_trends"),
        sigma=divide_table("sigma_convergence"),
        beta=divide_table("beta_convergence"),
        diffusion=divide_table("diffusion"),
        time_distance=divide_table("time_distance"),
        gender=divide_table("gender_gap"),
        gender_coverage=divide_table("gender_coverage"),
        exclusions=divide_table("exclusions"),
    log:
        log_path("07_divide", "divide"),
    benchmark:
        bench_path("07_divide", "divide")
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=2000,
        runtime=20,
    params:
        **leaves(
            first="analysis.first_year",
            last="analysis.last_year",
            economies="analysis.economies",
            seed="seed",
            population_indicator="harmonize.population_indicator",
            measures="divide.measures",
            basis="divide.basis",
            income_groups="divide.income_groups",
            bootstrap="divide.bootstrap",
            decile_share="divide.decile_share",
            hac_lags="divide.convergence.hac_lags",
            logit_shares="divide.convergence.logit_shares",
            diffusion="divide.diffusion",
            reference="divide.time_distance.reference",
            gender="divide.gender",
        ),
        index_measures=[m for m in config["divide"]["measures"] if m.startswith("index:")],
        indices=sorted(config["index"]["indices"]),  # sorted: an overlay may reorder the keys
    message:
        "The digital divide: inequality, decomposition, gaps, convergence, diffusion, time distance, gender gap"
    script:
        entry_point("divide")
