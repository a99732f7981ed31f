# Stage 3: screening, measured imputation and multiple imputation over the analysis window.

# The config leaves every imputation call reads (scripts.impute.settings.ImputeSettings),
# and those of the masking experiment that the draws reuse.
IMPUTE_SETTINGS = dict(
    first="analysis.first_year",
    last="analysis.last_year",
    seed="seed",
    max_gap="impute.max_gap",
    max_extrapolation="impute.max_extrapolation",
    trend_points="impute.trend_points",
    max_fit_rows="impute.max_fit_rows",
    long_carry="impute.long_carry",
    fill_unreported="impute.fill_unreported",
)
MASKING = dict(
    masking_share="impute.masking.share",
    masking_end_segments="impute.masking.end_segments",
    masking_min_cells="impute.masking.min_cells",
)


rule screen:
    input:
        panel=rules.harmonize.output.panel,
        classification=rules.harmonize.output.classification,
        economies=rules.harmonize.output.economies,
        indicators=CATALOGUE["indicators"],
    output:
        screening=f"{RESULTS}/03_impute/screening.csv",
    log:
        log_path("03_impute", "screen"),
    benchmark:
        bench_path("03_impute", "screen")
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        **leaves(
            first="analysis.first_year",
            last="analysis.last_year",
            economies="analysis.economies",
            min_indicator_share="impute.screening.min_indicator_share",
            min_unit_share="impute.screening.min_unit_share",
        ),
    message:
        "Screening indicators and economies for data availability"
    script:
        entry_point("screen")


rule impute_accuracy:
    input:
        panel=rules.harmonize.output.panel,
        classification=rules.harmonize.output.classification,
        screening=rules.screen.output.screening,
        indicators=CATALOGUE["indicators"],
    output:
        accuracy=f"{RESULTS}/03_impute/accuracy.csv",
        recommended=f"{RESULTS}/03_impute/recommended_methods.csv",
        steps=f"{RESULTS}/03_impute/step_accuracy.csv",
        missingness=f"{RESULTS}/03_impute/missingness.csv",
    log:
        log_path("03_impute", "impute_accuracy"),
    benchmark:
        bench_path("03_impute", "impute_accuracy")
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=3000,
        runtime=20,
    params:
        **leaves(
            **IMPUTE_SETTINGS,
            **MASKING,
            masking_candidates="impute.masking.candidates",
        ),
    message:
        "Masking experiment: accuracy of each imputation chain against naive baselines"
    script:
        entry_point("impute_accuracy")


# A rule of its own: drawn beside the point imputation, not on the way to it.
rule accuracy_figure:
    input:
        accuracy=rules.impute_accuracy.output.accuracy,
        recommended=rules.impute_accuracy.output.recommended,
        steps=rules.impute_accuracy.output.steps,
    output:
        figure_png=report(
            f"{RESULTS}/03_impute/accuracy.png",
            caption="../report/accuracy.rst",
            category="Imputation",
            labels={"name": "Imputation accuracy (masking experiment)"},
        ),
        figure_pdf=f"{RESULTS}/03_impute/accuracy.pdf",
    log:
        log_path("03_impute", "accuracy_figure"),
    benchmark:
        bench_path("03_impute", "accuracy_figure")
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        **leaves(methods="impute.methods"),
    message:
        "Figure of the masking experiment"
    script:
        entry_point("accuracy_figure")


rule impute:
    input:
        panel=rules.harmonize.output.panel,
        classification=rules.harmonize.output.classification,
        screening=rules.screen.output.screening,
        recommended=rules.impute_accuracy.output.recommended,
        indicators=CATALOGUE["indicators"],
    output:
        imputed=f"{RESULTS}/03_impute/imputed.parquet",
        counts=f"{RESULTS}/03_impute/status_counts.csv",
        methods=f"{RESULTS}/03_impute/methods_used.csv",
        unreported=f"{RESULTS}/03_impute/unreported.csv",
    log:
        log_path("03_impute", "impute"),
    benchmark:
        bench_path("03_impute", "impute")
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=3000,
        runtime=20,
    params:
        **leaves(
            **IMPUTE_SETTINGS,
            methods="impute.methods",
        ),
    message:
        "Point imputation with a status and method for every cell"
    script:
        entry_point("impute")


rule impute_draws:
    input:
        panel=rules.harmonize.output.panel,
        classification=rules.harmonize.output.classification,
        screening=rules.screen.output.screening,
        methods=rules.impute.output.methods,
        indicators=CATALOGUE["indicators"],
    output:
        draws=f"{RESULTS}/03_impute/draws.parquet",
    log:
        log_path("03_impute", "impute_draws"),
    benchmark:
        bench_path("03_impute", "impute_draws")
    # The longest job after the point imputation: started first, it runs beside the index
    # jobs rather than after them.
    priority: 10
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=4000,
        runtime=30,
    params:
        **leaves(
            **IMPUTE_SETTINGS,
            **MASKING,
            draws="impute.draws",
        ),
    message:
        "Multiple imputation: {params.draws} completed panels by residual bootstrap"
    script:
        entry_point("impute_draws")


rule impute_alternatives:
    input:
        panel=rules.harmonize.output.panel,
        classification=rules.harmonize.output.classification,
        screening=rules.screen.output.screening,
        accuracy=rules.impute_accuracy.output.accuracy,
        methods=rules.impute.output.methods,
        indicators=CATALOGUE["indicators"],
    output:
        chains=f"{RESULTS}/03_impute/alternative_chains.csv",
        alternatives=f"{RESULTS}/03_impute/alternatives.parquet",
    log:
        log_path("03_impute", "impute_alternatives"),
    benchmark:
        bench_path("03_impute", "impute_alternatives")
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=3000,
        runtime=20,
    params:
        **leaves(
            **IMPUTE_SETTINGS,
            runners_up="impute.runners_up",
        ),
    message:
        "Alternative point imputations: every experiment-chosen role on its runner-up chains"
    script:
        entry_point("impute_alternatives")
