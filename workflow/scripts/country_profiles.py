# The `country_profiles` rule: scripts.publish.stage.country_profiles does the work (importable and tested).
from scripts.publish.stage import country_profiles

country_profiles(snakemake)  # noqa: F821
