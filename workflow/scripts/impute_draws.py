# Snakemake entry point: the work is done by scripts.impute_stage.draws_main (importable and tested).
from scripts.impute_stage import draws_main

draws_main(snakemake)  # noqa: F821
