# The `impute` rule: scripts.impute.stage.impute does the work (importable and tested).
from scripts.impute.stage import impute

impute(snakemake)  # noqa: F821
