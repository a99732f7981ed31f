# Snakemake entry point: the work is done by scripts.database.main (importable and tested).
from scripts.database import main

main(snakemake)  # noqa: F821
