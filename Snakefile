# ictmdg: harmonised ICT indicators, composite ICT indices and ICT-MDG models.
# Thin on purpose: configuration, its validation, and the rule files. See README.md.
from snakemake.utils import min_version

min_version("9.0")


configfile: "config/config.yaml"


include: "workflow/rules/common.smk"
include: "workflow/rules/ingest.smk"
include: "workflow/rules/harmonize.smk"
include: "workflow/rules/impute.smk"
include: "workflow/rules/index.smk"


rule all:
    input:
        all_outputs(),
    default_target: True
