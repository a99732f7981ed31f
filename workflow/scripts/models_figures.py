# The `models_figures` rule: scripts.models.stage.models_figures does the work (importable and tested).
from scripts.models.stage import models_figures

models_figures(snakemake)  # noqa: F821
