# Snakemake entry point: the work is done by scripts.impute_stage.figure_main (importable and tested).
from scripts.impute_stage import figure_main

figure_main(snakemake)  # noqa: F821
