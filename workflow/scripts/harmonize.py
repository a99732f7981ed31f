# Snakemake entry point: the work is done by scripts.harmonize.main (importable and tested).
from scripts.harmonize import main

main(snakemake)  # noqa: F821
