# Stage 6: how ICT measures are associated with MDG outcomes (panel models, placebos, FDR, predictive check).

from scripts.models.settings import check_models_config

check_models_config(config, _config_files())
MODELS = f"{RESULTS}/06_models"
MODEL_INDEX = config["models"]["index"]
MODEL_CHUNKS = list(range(config["models"]["chunks"]))


def model_index_output(name):
    """A file of the modelled index's results folder, e.g. model_index_output("scores")."""
    return expand(getattr(rules.index.output, name), index=MODEL_INDEX)[0]


# What every models rule reads (the draws only where the models are fitted).
MODEL_INPUTS = dict(
    **CATALOGUE,
    panel=rules.harmonize.output.panel,
    trail=rules.harmonize.output.trail,
    imputed=rules.impute.output.imputed,
    screening=rules.screen.output.screening,
    framework=project_path(config["index"]["indices"][MODEL_INDEX]["framework"]),
    scores=model_index_output("scores"),
    variants=model_index_output("variants"),
)
# The leaves that select and guard outcomes and measures, and lay out the predictors.
MODEL_DATA_LEAVES = dict(
    first="analysis.first_year",
    last="analysis.last_year",
    outcomes="models.outcomes",
    measures="models.measures",
    variables="models.variables",
    control_sets="models.control_sets",
    min_economies="models.min_economies",
    min_years="models.min_years",
    modelled_estimates="models.modelled_estimates",
)
# The leaves of the specification grid.
MODEL_SPEC_LEAVES = dict(
    lags="models.lags",
    lead="models.lead",
    long_difference="models.long_difference",
    estimators="models.estimators",
    se_types="models.se_types",
    dk_bandwidth="models.driscoll_kraay_bandwidth",
    headline="models.headline",
    draws="models.draws",
    fdr_alpha="models.fdr_alpha",
)
MODEL_INDEX_PARAMS = dict(
    index=config["index"]["indices"][MODEL_INDEX],
    framework_rel=config["index"]["indices"][MODEL_INDEX]["framework"],
    source_ids=SOURCE_IDS,
)


rule models_outcomes:
    input:
        **MODEL_INPUTS,
    output:
        outcomes=f"{MODELS}/outcomes.csv",
        measures=f"{MODELS}/measures.csv",
    log:
        log_path("06_models", "models_outcomes"),
    benchmark:
        bench_path("06_models", "models_outcomes")
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=3000,
        runtime=10,
    params:
        **leaves(**MODEL_DATA_LEAVES),
        **MODEL_INDEX_PARAMS,
    message:
        "Outcomes of the models and the overlap-guarded ICT measures"
    script:
        entry_point("models_outcomes")


rule models_fit:
    input:
        **MODEL_INPUTS,
        draws=rules.impute_draws.output.draws,
    output:
        fits=f"{MODELS}/chunks/fits_{{chunk}}.parquet",
    log:
        log_path("06_models", "models_fit_{chunk}"),
    benchmark:
        bench_path("06_models", "models_fit_{chunk}")
    wildcard_constraints:
        chunk=r"\d+",
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=4000,
        runtime=30,
    params:
        **leaves(**MODEL_DATA_LEAVES, **MODEL_SPEC_LEAVES, chunks="models.chunks"),
        **MODEL_INDEX_PARAMS,
    message:
        "Fitting chunk {wildcards.chunk} of the models on every imputed draw"
    script:
        entry_point("models_fit")


rule models:
    input:
        fits=expand(rules.models_fit.output.fits, chunk=MODEL_CHUNKS),
        outcomes=rules.models_outcomes.output.outcomes,
    output:
        coefficients=f"{MODELS}/coefficients.csv",
        spec_summary=f"{MODELS}/spec_summary.csv",
        diagnostics=f"{MODELS}/diagnostics.csv",
        headline_csv=f"{MODELS}/headline.csv",
        headline_md=f"{MODELS}/headline.md",
        headline_tex=f"{MODELS}/headline.tex",
        headline_html=report(
            f"{MODELS}/headline.html",
            caption="../report/tab_models_headline.rst",
            category="Models",
            labels={"name": "Headline associations"},
        ),
    log:
        log_path("06_models", "models"),
    benchmark:
        bench_path("06_models", "models")
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        **leaves(
            measures="models.measures",
            variables="models.variables",
            control_sets="models.control_sets",
            **MODEL_SPEC_LEAVES,
        ),
    message:
        "Pooling, FDR adjustment, specification curve and headline table of the models"
    script:
        entry_point("models")


rule models_predictive:
    input:
        **MODEL_INPUTS,
    output:
        predictive=f"{MODELS}/predictive.csv",
        importance=f"{MODELS}/importance.csv",
    log:
        log_path("06_models", "models_predictive"),
    benchmark:
        bench_path("06_models", "models_predictive")
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=3000,
        runtime=20,
    params:
        **leaves(
            **MODEL_DATA_LEAVES,
            headline="models.headline",
            predictive="models.predictive",
            seed="seed",
        ),
        **MODEL_INDEX_PARAMS,
    message:
        "Predictive check: out-of-sample R2 gains of the ICT measures"
    script:
        entry_point("models_predictive")


rule models_figures:
    input:
        coefficients=rules.models.output.coefficients,
        outcomes=rules.models_outcomes.output.outcomes,
        measures=rules.models_outcomes.output.measures,
        panel=rules.harmonize.output.panel,
        scores=model_index_output("scores"),
        variants=model_index_output("variants"),
    output:
        **figure("models_forest", "fig_models_forest", "Models", "Headline associations across outcomes"),
        **figure("models_spec_curve", "fig_models_spec_curve", "Models", "Specification curve"),
        **figure("models_scatter", "fig_models_scatter", "Models", "ICT and an outcome within economies"),
    log:
        log_path("06_models", "models_figures"),
    benchmark:
        bench_path("06_models", "models_figures")
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        **leaves(
            measures="models.measures",
            figure_outcome="models.figure_outcome",
            headline="models.headline",
            fdr_alpha="models.fdr_alpha",
        ),
    message:
        "Figures of the models"
    script:
        entry_point("models_figures")
