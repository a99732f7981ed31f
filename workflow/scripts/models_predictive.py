# The `models_predictive` rule: scripts.models.stage.models_predictive does the work (importable and tested).
from scripts.models.stage import models_predictive

models_predictive(snakemake)  # noqa: F821
