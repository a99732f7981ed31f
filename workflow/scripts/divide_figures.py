# The `divide_figures` rule: scripts.publish.stage.divide_figures does the work (importable and tested).
from scripts.publish.stage import divide_figures

divide_figures(snakemake)  # noqa: F821
