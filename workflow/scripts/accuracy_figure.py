# The `accuracy_figure` rule: scripts.impute.stage.accuracy_figure does the work (importable and tested).
from scripts.impute.stage import accuracy_figure

accuracy_figure(snakemake)  # noqa: F821
