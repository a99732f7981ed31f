# The `models_fit` rule: scripts.models.stage.models_fit does the work (importable and tested).
from scripts.models.stage import models_fit

models_fit(snakemake)  # noqa: F821
