# The `sensitivity` rule: scripts.uncertainty.stage.sensitivity does the work (importable and tested).
from scripts.uncertainty.stage import sensitivity

sensitivity(snakemake)  # noqa: F821
