# The `index` rule: scripts.index.stage.index does the work (importable and tested).
from scripts.index.stage import index

index(snakemake)  # noqa: F821
