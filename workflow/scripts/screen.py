# Snakemake entry point: the work is done by scripts.impute_stage.screen_main (importable and tested).
from scripts.impute_stage import screen_main

screen_main(snakemake)  # noqa: F821
