# Stage 3: screening, measured imputation and multiple imputation over the analysis window.


rule screen:
    message:
        "Screening indicators and economies for data availability"
    input:
        panel=rules.harmonize.output.panel,
        classification=rules.harmonize.output.classification,
        economies=rules.harmonize.output.economies,
        indicators=project_path(config["catalogue"]["indicators"]),
    output:
        screening=report(f"{RESULTS}/03_impute/screening.csv", caption="../report/screening.rst", category="Imputation"),
    params:
        first=config["analysis"]["first_year"],
        last=config["analysis"]["last_year"],
        screening=config["impute"]["screening"],
        economies=config["analysis"]["economies"],
    log:
        log_path("03_impute", "screen"),
    benchmark:
        bench_path("03_impute", "screen")
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    conda:
        ENV
    script:
        "../scripts/screen.py"


rule impute_accuracy:
    message:
        "Masking experiment: accuracy of each imputation chain against naive baselines"
    input:
        panel=rules.harmonize.output.panel,
        classification=rules.harmonize.output.classification,
        screening=rules.screen.output.screening,
        indicators=project_path(config["catalogue"]["indicators"]),
    output:
        accuracy=f"{RESULTS}/03_impute/accuracy.csv",
        recommended=f"{RESULTS}/03_impute/recommended_methods.csv",
    params:
        first=config["analysis"]["first_year"],
        last=config["analysis"]["last_year"],
        impute=config["impute"],
        seed=config["seed"],
    log:
        log_path("03_impute", "accuracy"),
    benchmark:
        bench_path("03_impute", "accuracy")
    threads: 1
    resources:
        mem_mb=3000,
        runtime=20,
    conda:
        ENV
    script:
        "../scripts/impute_accuracy.py"


# A rule of its own: drawn beside the point imputation, not on the way to it.
rule accuracy_figure:
    message:
        "Figure of the masking experiment"
    input:
        accuracy=rules.impute_accuracy.output.accuracy,
        recommended=rules.impute_accuracy.output.recommended,
    output:
        figure_png=report(f"{RESULTS}/03_impute/accuracy.png", caption="../report/accuracy.rst", category="Imputation"),
        figure_pdf=f"{RESULTS}/03_impute/accuracy.pdf",
    params:
        methods=config["impute"]["methods"],
    log:
        log_path("03_impute", "accuracy_figure"),
    benchmark:
        bench_path("03_impute", "accuracy_figure")
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    conda:
        ENV
    script:
        "../scripts/accuracy_figure.py"


rule impute:
    message:
        "Point imputation with a status and method for every cell"
    input:
        panel=rules.harmonize.output.panel,
        classification=rules.harmonize.output.classification,
        screening=rules.screen.output.screening,
        recommended=rules.impute_accuracy.output.recommended,
        indicators=project_path(config["catalogue"]["indicators"]),
    output:
        imputed=f"{RESULTS}/03_impute/imputed.parquet",
        counts=f"{RESULTS}/03_impute/status_counts.csv",
        methods=f"{RESULTS}/03_impute/methods_used.csv",
    params:
        first=config["analysis"]["first_year"],
        last=config["analysis"]["last_year"],
        impute=config["impute"],
        seed=config["seed"],
    log:
        log_path("03_impute", "impute"),
    benchmark:
        bench_path("03_impute", "impute")
    threads: 1
    resources:
        mem_mb=3000,
        runtime=20,
    conda:
        ENV
    script:
        "../scripts/impute.py"


rule impute_draws:
    message:
        "Multiple imputation: {params.m} completed panels by residual bootstrap"
    input:
        panel=rules.harmonize.output.panel,
        classification=rules.harmonize.output.classification,
        screening=rules.screen.output.screening,
        methods=rules.impute.output.methods,
        indicators=project_path(config["catalogue"]["indicators"]),
    output:
        draws=f"{RESULTS}/03_impute/draws.parquet",
    params:
        first=config["analysis"]["first_year"],
        last=config["analysis"]["last_year"],
        impute=config["impute"],
        m=config["impute"]["draws"],
        seed=config["seed"],
    log:
        log_path("03_impute", "draws"),
    benchmark:
        bench_path("03_impute", "draws")
    # The longest job after the point imputation: started first, it runs beside the index
    # jobs rather than after them.
    priority: 10
    threads: 1
    resources:
        mem_mb=4000,
        runtime=30,
    conda:
        ENV
    script:
        "../scripts/impute_draws.py"
