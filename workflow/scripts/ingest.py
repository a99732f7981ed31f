# Snakemake entry point: the work is done by scripts.ingest.main (importable and tested).
from scripts.ingest import main

main(snakemake)  # noqa: F821
