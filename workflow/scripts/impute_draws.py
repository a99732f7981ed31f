# The `impute_draws` rule: scripts.impute.stage.impute_draws does the work (importable and tested).
from scripts.impute.stage import impute_draws

impute_draws(snakemake)  # noqa: F821
