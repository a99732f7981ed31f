# The `models` rule: scripts.models.stage.models does the work (importable and tested).
from scripts.models.stage import models

models(snakemake)  # noqa: F821
