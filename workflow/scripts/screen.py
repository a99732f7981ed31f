# The `screen` rule: scripts.impute.stage.screen does the work (importable and tested).
from scripts.impute.stage import screen

screen(snakemake)  # noqa: F821
