# The `impute_accuracy` rule: scripts.impute.stage.impute_accuracy does the work (importable and tested).
from scripts.impute.stage import impute_accuracy

impute_accuracy(snakemake)  # noqa: F821
