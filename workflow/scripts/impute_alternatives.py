# The `impute_alternatives` rule: scripts.impute.stage.impute_alternatives does the work (importable and tested).
from scripts.impute.stage import impute_alternatives

impute_alternatives(snakemake)  # noqa: F821
