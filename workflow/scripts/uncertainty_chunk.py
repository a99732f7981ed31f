# The `uncertainty_chunk` rule: scripts.uncertainty.stage.uncertainty_chunk does the work (importable and tested).
from scripts.uncertainty.stage import uncertainty_chunk

uncertainty_chunk(snakemake)  # noqa: F821
