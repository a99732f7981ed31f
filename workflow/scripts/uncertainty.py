# The `uncertainty` rule: scripts.uncertainty.stage.uncertainty does the work (importable and tested).
from scripts.uncertainty.stage import uncertainty

uncertainty(snakemake)  # noqa: F821
