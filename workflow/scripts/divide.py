# The `divide` rule: scripts.divide.stage.divide does the work (importable and tested).
from scripts.divide.stage import divide

divide(snakemake)  # noqa: F821
