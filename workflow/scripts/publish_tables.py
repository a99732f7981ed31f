# The `publish_tables` rule: scripts.publish.stage.publish_tables does the work (importable and tested).
from scripts.publish.stage import publish_tables

publish_tables(snakemake)  # noqa: F821
