# The `quality_figures` rule: scripts.publish.stage.quality_figures does the work (importable and tested).
from scripts.publish.stage import quality_figures

quality_figures(snakemake)  # noqa: F821
