# The `manifest` rule: scripts.publish.stage.manifest does the work (importable and tested).
from scripts.publish.stage import manifest

manifest(snakemake)  # noqa: F821
