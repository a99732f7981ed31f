# The `index_figures` rule: scripts.publish.stage.index_figures does the work (importable and tested).
from scripts.publish.stage import index_figures

index_figures(snakemake)  # noqa: F821
