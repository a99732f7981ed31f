# The `models_outcomes` rule: scripts.models.stage.models_outcomes does the work (importable and tested).
from scripts.models.stage import models_outcomes

models_outcomes(snakemake)  # noqa: F821
