# The `uncertainty_figures` rule: scripts.uncertainty.stage.uncertainty_figures does the work (importable and tested).
from scripts.uncertainty.stage import uncertainty_figures

uncertainty_figures(snakemake)  # noqa: F821
