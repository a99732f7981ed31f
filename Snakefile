# ictmdg: harmonised ICT indicators, composite ICT indices and ICT-MDG models.
# Thin on purpose: configuration, its validation, and the rule files. See README.md.
import os

from snakemake.utils import min_version

min_version("9.0")


# The default config is found next to this file, so `--directory` runs (the end-to-end tests)
# still read it; `--configfile` files are merged on top of it.
configfile: os.path.join(workflow.basedir, "config", "config.yaml")


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/ingest.smk"
include: "workflow/rules/harmonize.smk"
include: "workflow/rules/impute.smk"
include: "workflow/rules/index.smk"
include: "workflow/rules/uncertainty.smk"
include: "workflow/rules/models.smk"
include: "workflow/rules/divide.smk"
include: "workflow/rules/publish.smk"


rule all:
    default_target: True
    input:
        published_outputs(),
        rules.manifest.output,
