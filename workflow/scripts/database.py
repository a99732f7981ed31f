# The `database` rule: scripts.harmonize.stage.database does the work (importable and tested).
from scripts.harmonize.stage import database

database(snakemake)  # noqa: F821
