# Snakemake entry point: the work is done by scripts.impute_stage.accuracy_main (importable and tested).
from scripts.impute_stage import accuracy_main

accuracy_main(snakemake)  # noqa: F821
