# The `harmonize` rule: scripts.harmonize.stage.harmonize does the work (importable and tested).
from scripts.harmonize.stage import harmonize

harmonize(snakemake)  # noqa: F821
