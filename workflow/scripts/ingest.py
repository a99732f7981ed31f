# The `ingest` rule: scripts.ingest.stage.ingest does the work (importable and tested).
from scripts.ingest.stage import ingest

ingest(snakemake)  # noqa: F821
