# Snakemake entry point: the work is done by scripts.composite.main (importable and tested).
from scripts.composite import main

main(snakemake)  # noqa: F821
