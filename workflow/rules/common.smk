# Helpers shared by every stage: config validation, paths, input functions.
import tomllib
from pathlib import Path

from scripts.core import rawfiles
from scripts.core.catalogue import check_catalogue
from scripts.core.config import validate_config
from scripts.core.rawfiles import check_present, listed_paths, resolve_sources

PROJECT = Path(workflow.basedir)


def _config_files():
    """The files merged into this run's config, for error messages: the default, then --configfile overlays."""
    default = PROJECT / "config" / "config.yaml"
    files = [Path(f) for f in workflow.configfiles]
    names = ["config/config.yaml"] if default in files else []
    return " + ".join(names + [str(f) for f in files if f != default])


validate_config(config, project_root=PROJECT, config_file=_config_files())
RESULTS = config["paths"]["results"].rstrip("/")
RAW = PROJECT / config["paths"]["raw"]
ENV = str(PROJECT / "environment.yml")
PROJECT_VERSION = tomllib.loads((PROJECT / "pyproject.toml").read_text())["project"]["version"]


def project_path(rel):
    """Absolute path of a project input, so runs with --directory still find it."""
    return str(PROJECT / rel)


# The MANIFEST's listed files: a listed file that a source's pattern should match, or a companion
# or classification file the run reads, that is missing from disk stops the run (no silent loss).
LISTED = listed_paths(project_path(config["paths"]["manifest"]))
# Sources with their glob patterns resolved to sorted file lists, and each data file's companions.
SOURCES = resolve_sources(
    config["sources"], RAW, LISTED, raw_label=config["paths"]["raw"], manifest_label=config["paths"]["manifest"]
)
SOURCE_IDS = [s["id"] for s in SOURCES]
# The catalogue files, as inputs of the rules that read them (indicators=, series=, entities=).
CATALOGUE = {k: project_path(config["catalogue"][k]) for k in ("indicators", "series", "entities")}
# Parse-time check of the catalogue with the csv module: a run with nothing to do then
# never imports pandas (the stages load the catalogue as frames themselves).
check_catalogue(
    CATALOGUE["indicators"],
    CATALOGUE["series"],
    CATALOGUE["entities"],
    SOURCE_IDS,
    config["harmonize"]["ratio_denominators"],
)


def raw_files():
    """Every raw file the run reads, relative to paths.raw (all are sha256-verified)."""
    return rawfiles.raw_files(SOURCES, config["classifications"])


check_present(raw_files(), RAW, raw_label=config["paths"]["raw"], manifest_label=config["paths"]["manifest"])


def raw_inputs():
    return [str(RAW / r) for r in raw_files()]


def leaves(**paths):
    """Config values for ``params:``, one per leaf: ``leaves(first="analysis.first_year")``.

    A rule declares exactly the leaves it reads, so a changed setting re-runs exactly the
    rules that read it (a whole block as one param would re-run every rule that reads any
    part of it). Returns {param name: value}; a dotted path that is not in the validated
    config is a bug in the rule file and raises KeyError.
    """
    out = {}
    for name, dotted in paths.items():
        value = config
        for part in dotted.split("."):
            value = value[part]
        out[name] = value
    return out


# Every rule logs to logs/<stage>/<rule>.log and benchmarks to benchmarks/<stage>/<rule>.tsv,
# and its entry point is workflow/scripts/<rule>.py: rule = entry point = log name.
def log_path(stage, rule):
    return f"{RESULTS}/logs/{stage}/{rule}.log"


def bench_path(stage, rule):
    return f"{RESULTS}/benchmarks/{stage}/{rule}.tsv"


def entry_point(rule):
    return f"../scripts/{rule}.py"


def figure(name, caption, category, label, subcategory=None):
    """The PNG (in the report, with its caption and label) and PDF outputs of one figure."""
    return {
        f"{name}_png": report(
            f"{RESULTS}/figures/{name}.png",
            caption=f"../report/{caption}.rst",
            category=category,
            subcategory=subcategory,
            labels={"name": label},
        ),
        f"{name}_pdf": f"{RESULTS}/figures/{name}.pdf",
    }


def table(name, category, label, subcategory=None):
    """The CSV, Markdown, LaTeX and HTML (in the report, captioned by tab_<name>.rst) outputs of one table."""
    stem = f"{RESULTS}/tables/{name}"
    return {
        name: f"{stem}.csv",
        f"{name}_md": f"{stem}.md",
        f"{name}_tex": f"{stem}.tex",
        f"{name}_html": report(
            f"{stem}.html",
            caption=f"../report/tab_{name}.rst",
            category=category,
            subcategory=subcategory,
            labels={"name": label},
        ),
    }


def all_outputs():
    """The final outputs of every stage (each stage adds its own here)."""
    stage3 = (
        rules.impute.output
        + rules.impute_draws.output
        + rules.impute_alternatives.output
        + rules.impute_accuracy.output
        + rules.accuracy_figure.output
    )
    indices = expand(rules.index.output.scores, index=list(config["index"]["indices"]))
    stage5 = uncertainty_outputs()
    models = (
        rules.models_outcomes.output
        + rules.models.output
        + rules.models_predictive.output
        + rules.models_figures.output
    )
    divide = rules.divide.output
    return rules.harmonize.output + rules.database.output + stage3 + indices + stage5 + models + divide


def uncertainty_outputs():
    """Stage 5: the rank bands, band summaries, Sobol indices and convergence of every index of uncertainty.indices."""
    analysed = list(config["uncertainty"]["indices"])
    return expand(rules.uncertainty.output, index=analysed) + expand(rules.sensitivity.output, index=analysed)


def published_outputs():
    """Every output the run publishes: the stages' final outputs, then the figures, tables and profiles."""
    published = (
        expand(rules.uncertainty_figures.output, index=list(config["uncertainty"]["indices"]))
        + rules.index_figures.output
        + rules.quality_figures.output
        + rules.publish_tables.output
        + rules.country_profiles.output
        + rules.divide_figures.output
    )
    return all_outputs() + published


def manifest_inputs():
    """The input files of the run, relative to the project: raw files, catalogue, frameworks, published scores."""
    raw = [f"{config['paths']['raw']}/{r}" for r in raw_files()]
    frameworks = [spec["framework"] for spec in config["index"]["indices"].values()]
    external = [f"{config['paths']['external']}/{r['file']}" for r in config["external_validation"]]
    manifests = [config["paths"]["manifest"], f"{config['paths']['external']}/MANIFEST.csv"]
    return sorted(set(raw + list(config["catalogue"].values()) + frameworks + external + manifests))
