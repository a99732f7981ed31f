# Snakemake entry point: the work is done by scripts.impute_stage.impute_main (importable and tested).
from scripts.impute_stage import impute_main

impute_main(snakemake)  # noqa: F821
