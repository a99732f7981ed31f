"""Benchmarks: wall time and peak memory of every workflow job at growing data sizes.

Run from the project root::

    make bench                                   # = .venv/bin/python benchmarks/run.py
    .venv/bin/python benchmarks/run.py --scales 1 10 100 --cores 2 --out benchmarks/results
    .venv/bin/python benchmarks/run.py --scales 1 10 --skip-default     # synthetic data only

What it does, for the bundled (default) data and for synthetic data at each ``--scales``
multiple of the default size (220 economies at 1x, ~22,000 at 100x; the datasets are
generated into ``data/synthetic/x<scale>/`` by ``scripts.synthetic`` when missing):

1. runs the whole workflow (``snakemake --cores <cores>``) in a clean working directory
   ``<out>/runs/<dataset>/`` and times it, while sampling the summed resident memory of
   Snakemake and all its jobs;
2. runs ``snakemake`` again with nothing changed (``--reruns`` times; the median is
   reported) and checks that it had nothing to do;
3. reads every job's Snakemake benchmark file (``results/.../benchmarks/<stage>/<job>.tsv``:
   wall time, CPU time, peak resident memory ``max_rss``). Snakemake samples a job every
   0.5 s for its first 15 s and every 30 s after that, so for long jobs ``max_rss`` (and
   ``cpu_time``) can miss the peak; the benchmark therefore also reads each job process's
   high-water mark (``VmHWM`` in ``/proc/<pid>/status``, Linux) while it runs, as
   ``peak_rss_mb``;
4. on the default data, times the models stage alone (issue 12's target: under 60 s on 2
   cores): its rules forced to run again (``--forcerun`` the models rules, ``--until`` its
   last ones), reported as the pseudo-rule ``models_stage`` of stage ``06_models``;
5. on the default data, times Monte Carlo replications of the index engine: repeated
   :func:`scripts.index.compute_index` calls on the point-imputed panel of the ``ict``
   index (outliers treated once, as in the index stage), each with every weight drawn
   uniformly within +/-25% of its nominal value and normalisation and aggregation fixed;
   only the node scores are computed (no contributions, no ranks); and times the goalposts
   alone (``goalpost_bounds`` on the same data: pseudo-rule ``goalposts``);
5. on the default data, times the divide stage's bootstrap: the inequality table (four
   statistics, two weightings) of every (measure, basis, year) sample, as resamples per second.

Outputs (``--out``, git-ignored): ``benchmarks.csv`` with one row per dataset and job
(columns dataset, scale, units, stage, rule, wall_s, cpu_s, max_rss_mb, peak_rss_mb,
mean_load, reps_per_s, status), where ``rule`` is the job's benchmark name (an index job
is named after its index) and the pseudo-rules ``total`` (whole run; ``peak_rss_mb`` is
the peak summed resident memory of Snakemake and all its jobs), ``rerun`` (no-change
re-run) and ``mc_scores`` (Monte Carlo, ``reps_per_s``) sit in stage ``workflow``, ``divide_bootstrap``
(resamples per second) in stage ``07_divide``. Wall
times include waiting for a core: on a machine doing other work they grow. And
``scaling.png``/``scaling.pdf``,
wall time per job against the number of economies on log-log axes with a slope-1
(linear) reference line. ``units`` is the number of economies the dataset holds (the
generator's count for synthetic data, economies with data in the harmonised panel for
the default data). Not a test and not run in CI: the 100x run takes tens of minutes.
"""

from __future__ import annotations

import argparse
import itertools
import json
import logging
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import psutil

from scripts.core import tables
from scripts.core.catalogue import load_catalogue
from scripts.core.config import load_yaml, validate_config
from scripts.core.contract import read_table
from scripts.core.io import read_csv
from scripts.core.plotting import plt, save
from scripts.divide.between import Bootstrap, inequality_table
from scripts.index.engine import compute_index
from scripts.index.goalposts import bounds_settings, goalpost_bounds
from scripts.index.prepare import PreparedIndex, prepare_index
from scripts.uncertainty.bands import replication_choices
from scripts.uncertainty.data import batched_index, coinr_index, read_imputations
from scripts.uncertainty.sobol import sobol_tables

ROOT = Path(__file__).resolve().parent.parent

log = logging.getLogger("bench")

#: Columns of benchmarks.csv, in order.
COLUMNS = [
    "dataset",
    "scale",
    "units",
    "stage",
    "rule",
    "wall_s",
    "cpu_s",
    "max_rss_mb",
    "peak_rss_mb",
    "mean_load",
    "reps_per_s",
    "status",
]
#: How often the memory of the process tree is sampled (seconds).
MEMORY_INTERVAL = 0.25
#: Relative half-width of the uniform weight perturbation of the Monte Carlo benchmark.
WEIGHT_SPREAD = 0.25
#: A job's log path, as Snakemake's script preamble holds it: names the job like its benchmark file.
JOB_LOG = re.compile(rb"logs/(\d\d_[0-9A-Za-z_]+)/([0-9A-Za-z_]+)\.log")


@dataclass(frozen=True)
class Dataset:
    """One benchmark dataset: its label, scale (None for the bundled data) and config overlay."""

    name: str
    scale: float | None
    overlay: Path | None


@dataclass(frozen=True)
class Run:
    """One ``snakemake`` invocation: wall seconds, peak summed RSS (MB), each job's peak RSS (MB), exit code, output."""

    wall_s: float
    peak_rss_mb: float
    job_peaks: dict[tuple[str, str], float]
    returncode: int
    output: str


def synthetic_dataset(scale: float, regenerate: bool) -> Dataset:
    """Return the synthetic dataset at ``scale``, generating it first when missing (or asked to)."""
    rel = f"data/synthetic/x{scale:g}"
    folder = ROOT / rel
    if regenerate or not (folder / "truth.json").exists():
        log.info("generating %s", rel)
        subprocess.run(
            [
                sys.executable,
                "-m",
                "scripts.synthetic",
                "--config",
                "config/synthetic.yaml",
                "--scale",
                f"{scale:g}",
                "--out",
                rel,
            ],
            cwd=ROOT,
            check=True,
        )
    return Dataset(f"synthetic_x{scale:g}", scale, folder / "config.yaml")


def _job_of(proc: psutil.Process) -> tuple[str, str] | None:
    """(stage, job name) of a Snakemake script job's process, from the log path in its script; else None."""
    script = next((a for a in proc.cmdline() if "/.snakemake/scripts/" in a), None)
    if script is None:
        return None
    try:
        hit = JOB_LOG.search(Path(script).read_bytes())
    except OSError:
        return None
    return (hit.group(1).decode(), hit.group(2).decode()) if hit else None


def _high_water_mb(pid: int) -> float:
    """Peak resident memory so far (VmHWM, MB) of a process; 0 where /proc does not say."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0
    hit = re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE)
    return int(hit.group(1)) / 1024 if hit else 0.0


def run_snakemake(args: list[str], workdir: Path) -> Run:
    """Run ``snakemake <args>`` in ``workdir``, sampling the memory of its process tree and of each job."""
    cmd = [
        str(Path(sys.executable).parent / "snakemake"),
        "-s",
        str(ROOT / "Snakefile"),
        "--directory",
        str(workdir),
        *args,
    ]
    peak = 0
    jobs: dict[int, tuple[str, str] | None] = {}
    job_peaks: dict[tuple[str, str], float] = {}
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=workdir, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        try:
            handle = psutil.Process(proc.pid)
            while not done.wait(MEMORY_INTERVAL):
                total = 0
                for p in [handle, *handle.children(recursive=True)]:
                    try:  # a job may end between listing and reading
                        total += p.memory_info().rss
                        if p.pid not in jobs:
                            jobs[p.pid] = _job_of(p)
                        if jobs[p.pid] is not None:
                            job_peaks[jobs[p.pid]] = max(job_peaks.get(jobs[p.pid], 0.0), _high_water_mb(p.pid))
                    except psutil.Error:
                        pass
                peak = max(peak, total)
        except psutil.Error:
            pass

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    output, _ = proc.communicate()
    wall = time.perf_counter() - start
    done.set()
    sampler.join()
    return Run(wall, peak / 2**20, job_peaks, proc.returncode, output)


def job_benchmarks(workdir: Path, job_peaks: dict[tuple[str, str], float]) -> pd.DataFrame:
    """One row per job benchmark file under ``workdir``.

    Columns: stage, rule, wall_s, cpu_s, max_rss_mb, peak_rss_mb, mean_load.
    """
    rows = []
    for path in sorted(workdir.glob("results/**/benchmarks/*/*.tsv")):
        b = pd.read_csv(path, sep="\t").iloc[-1]
        rows.append(
            {
                "stage": path.parent.name,
                "rule": path.stem,
                "wall_s": float(b["s"]),
                "cpu_s": float(b["cpu_time"]),
                "max_rss_mb": float(b["max_rss"]),
                "peak_rss_mb": job_peaks.get((path.parent.name, path.stem), np.nan),
                "mean_load": float(b["mean_load"]),
                "status": "ok",
            }
        )
    return pd.DataFrame(
        rows, columns=["stage", "rule", "wall_s", "cpu_s", "max_rss_mb", "peak_rss_mb", "mean_load", "status"]
    )


def failed_jobs(output: str) -> pd.DataFrame:
    """One row per job Snakemake reports as failed (stage, rule from its log path; status 'failed')."""
    keys = sorted(
        {
            JOB_LOG.search(block.encode()).groups()
            for block in output.split("Error in rule ")[1:]
            if JOB_LOG.search(block.encode())
        }
    )
    return pd.DataFrame(
        [{"stage": k[0].decode(), "rule": k[1].decode(), "status": "failed"} for k in keys],
        columns=["stage", "rule", "status"],
    )


def results_folder(workdir: Path) -> Path:
    """The run's results folder (the one holding 02_harmonize), found below ``workdir``."""
    hits = sorted(workdir.glob("results/**/02_harmonize"))
    return hits[0].parent if hits else workdir / "results"


def count_units(dataset: Dataset, workdir: Path) -> float:
    """Economies in the dataset: the generator's count, or the economies with data in the panel."""
    if dataset.overlay is not None:
        return float(json.loads((dataset.overlay.parent / "truth.json").read_text())["n_units"])
    path = results_folder(workdir) / "02_harmonize" / "economies.csv"
    if not path.exists():
        return float("nan")
    economies = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[])
    return float((economies["in_panel"].str.lower() == "true").sum())


def benchmark_dataset(dataset: Dataset, out: Path, cores: int, reruns: int) -> tuple[pd.DataFrame, Path]:
    """Run the workflow on ``dataset`` in a clean folder; return its rows and the working directory."""
    workdir = out / "runs" / dataset.name
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    args = ["--cores", str(cores), "--keep-going"]
    if dataset.overlay is not None:
        args += ["--configfile", str(dataset.overlay)]
    log.info("%s: running the workflow in %s", dataset.name, workdir)
    full = run_snakemake(args, workdir)
    (workdir / "snakemake.log").write_text(full.output)
    status = "ok" if full.returncode == 0 else f"failed (exit {full.returncode}; see {workdir / 'snakemake.log'})"
    log.info("%s: %.1f s, peak %.0f MB, %s", dataset.name, full.wall_s, full.peak_rss_mb, status)
    again = [run_snakemake(args, workdir) for _ in range(reruns)]
    idle = all("Nothing to be done" in r.output for r in again)
    rerun_s = statistics.median(r.wall_s for r in again) if again else float("nan")
    log.info("%s: no-change re-run %.2f s (%s)", dataset.name, rerun_s, "nothing to do" if idle else "JOBS RAN")
    jobs = pd.concat([job_benchmarks(workdir, full.job_peaks), failed_jobs(full.output)], ignore_index=True)
    totals = pd.DataFrame(
        [
            {
                "stage": "workflow",
                "rule": "total",
                "wall_s": full.wall_s,
                "peak_rss_mb": full.peak_rss_mb,
                "status": status,
            },
            {
                "stage": "workflow",
                "rule": "rerun",
                "wall_s": rerun_s,
                "peak_rss_mb": max((r.peak_rss_mb for r in again), default=float("nan")),
                "status": "ok: nothing to do" if idle else "jobs ran on a no-change re-run",
            },
        ]
    )
    rows = pd.concat([jobs, totals], ignore_index=True)
    rows = rows.assign(
        dataset=dataset.name,
        scale=dataset.scale if dataset.scale is not None else np.nan,
        units=count_units(dataset, workdir),
    )
    return rows, workdir


#: The rules of the models stage, and the last ones (nothing after them is run by the timing).
MODEL_RULES = ["models_outcomes", "models_fit", "models", "models_predictive", "models_figures"]
MODEL_LAST = ["models_figures", "models_predictive"]


def models_stage_seconds(workdir: Path, cores: int) -> Run:
    """Run the models stage again in ``workdir`` (a finished default run) and time it."""
    return run_snakemake(["--cores", str(cores), "--forcerun", *MODEL_RULES, "--until", *MODEL_LAST], workdir)


def mc_reps_per_second(results: Path, reps: int, seed: int = 1) -> float:
    """Monte Carlo replications per second of the ``ict`` index (scores only; see the module docstring).

    ``results`` is the results folder of a default run (03_impute/imputed.parquet and
    03_impute/screening.csv are read).
    """
    prepared = _prepared_ict(results)
    treated, _ = prepared.run(with_contributions=False)
    data = treated.treated if treated is not None else prepared.wide
    fw, spec = prepared.framework, prepared.spec
    nominal = fw.raw_weights().drop(fw.root)
    rng = np.random.default_rng(seed)
    start = time.perf_counter()
    for _ in range(reps):
        factors = rng.uniform(1 - WEIGHT_SPREAD, 1 + WEIGHT_SPREAD, len(nominal))
        perturbed = fw.with_weights(dict(zip(nominal.index, nominal.to_numpy() * factors)))
        _ = compute_index(data, perturbed, spec, with_contributions=False).node_scores
    return reps / (time.perf_counter() - start)


def divide_resamples_per_second(results: Path, reps: int, seed: int = 1) -> float:
    """Bootstrap resamples per second of the divide stage's inequality table (every statistic, sample and weighting).

    ``results`` is the results folder of a default run (07_divide/values.parquet is read);
    one resample is one draw of the economies of one (measure, basis, year) sample.
    """
    values = read_table(results / "07_divide" / "values.parquet", tables.DIVIDE_VALUES)
    values = values.drop(columns=["income_group"]).rename(columns={"group_income": "income_group"})
    samples = values.loc[values["value"].notna(), ["measure", "basis", "year"]].drop_duplicates()
    start = time.perf_counter()
    inequality_table(values, Bootstrap(reps=reps, level=0.95, seed=seed))
    return len(samples) * reps / (time.perf_counter() - start)


def goalposts_per_second(results: Path, reps: int) -> float:
    """Calls per second of the goalpost computation (``goalpost_bounds``) on the ``ict`` index's treated data.

    Every engine call with data-driven goalposts makes one; the Monte Carlo rate above includes it.
    """
    prepared = _prepared_ict(results)
    treated, _ = prepared.run(with_contributions=False)
    data = (treated.treated if treated is not None else prepared.wide)[list(prepared.framework.leaves)]
    settings = bounds_settings(prepared.spec.normalisation.params)
    start = time.perf_counter()
    for _ in range(reps):
        goalpost_bounds(data, **settings)
    return reps / (time.perf_counter() - start)


def _prepared_ict(results: Path) -> PreparedIndex:
    """The ``ict`` index of the default config, prepared from a default run's imputation and screening."""
    config = validate_config(load_yaml(ROOT / "config" / "config.yaml"), project_root=ROOT)
    cfg = config["index"]["indices"]["ict"]
    cat = load_catalogue(
        *(ROOT / config["catalogue"][k] for k in ("indicators", "series", "entities")),
        [s["id"] for s in config["sources"]],
    )
    imputed = read_table(results / "03_impute" / "imputed.parquet", tables.IMPUTED)
    return prepare_index(
        cfg,
        read_csv(ROOT / cfg["framework"], dtype=str),
        cat["indicators"],
        imputed[imputed["draw"] == 0],
        read_table(results / "03_impute" / "screening.csv", tables.SCREENING),
        config["analysis"]["first_year"],
        config["analysis"]["last_year"],
        framework_file=cfg["framework"],
    )


def uncertainty_rows(results: Path, reps: int, sobol_n: int = 4096) -> list[dict]:
    """Speed of the uncertainty stage's batched engine (rows of benchmarks.csv, stage ``05_uncertainty``).

    ``unc_setup``: reading the draws and alternative chains, preparing the ``ict`` index
    and computing every data choice (draw x chain x treatment x normalisation) once; ``unc_reps``: ``reps``
    Monte Carlo replications on the default data with every input of config.yaml
    varying, ranks included; ``unc_asem``: the same on COINr's ASEM example with the
    specification of COINr's sensitivity vignette (config/test/asem_uncertainty.yaml),
    ``wall_s`` per replication; ``unc_sobol``: the Sobol' analysis of the default data
    with ``sobol_n`` base samples, both targets and the convergence table. BLAS is held
    to one thread, so the rates are those of one core.
    """
    from threadpoolctl import threadpool_limits

    config = validate_config(load_yaml(ROOT / "config" / "config.yaml"), project_root=ROOT)
    cfg = config["index"]["indices"]["ict"]
    unc = config["uncertainty"]
    cat = load_catalogue(
        *(ROOT / config["catalogue"][k] for k in ("indicators", "series", "entities")),
        [s["id"] for s in config["sources"]],
    )
    rows = []
    with threadpool_limits(1):
        start = time.perf_counter()
        framework = read_csv(ROOT / cfg["framework"], dtype=str)
        folder = results / "03_impute"
        imputed, alternatives = read_imputations(
            folder / "imputed.parquet", folder / "draws.parquet", folder / "alternatives.parquet", framework
        )
        engine = batched_index(
            "ict",
            cfg,
            unc["inputs"],
            framework,
            cat["indicators"],
            imputed,
            read_table(results / "03_impute" / "screening.csv", tables.SCREENING),
            config["analysis"]["first_year"],
            config["analysis"]["last_year"],
            alternatives=alternatives,
        )
        s = engine.space
        data_choices = list(
            itertools.product(*(range(len(a)) for a in (s.draws, s.chains, s.treatments, s.normalisations)))
        )
        for choice in data_choices:
            engine.normalised(*choice)
        n_data = len(data_choices)
        rows.append(
            {"rule": "unc_setup", "wall_s": time.perf_counter() - start, "status": f"ok ({n_data} data choices)"}
        )
        for name, eng, n_reps in (("unc_reps", engine, reps), ("unc_asem", _asem_engine(), reps)):
            choices = replication_choices(eng.space, 1, np.arange(n_reps))
            eng.ranks(eng.scores(choices.take(np.arange(min(n_reps, 200)))))  # fills the caches
            wall, cpu = time.perf_counter(), time.process_time()
            eng.ranks(eng.scores(choices, batch=unc["batch"]))
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            rows.append(
                {
                    "rule": name,
                    "wall_s": wall / n_reps,
                    "cpu_s": cpu / n_reps,
                    "reps_per_s": n_reps / wall,
                    "status": f"ok ({n_reps} replications, ranks included; per replication)",
                }
            )
        scores = read_table(results / "04_index" / "ict" / "scores.csv", tables.SCORES)
        latest = scores[(scores["node"] == "ict") & (scores["year"] == engine.years.max())]
        settings = {**unc["sobol"], "base_samples": sobol_n}
        wall, cpu = time.perf_counter(), time.process_time()
        sobol_tables(engine, latest.set_index("iso3")["rank"], settings, 1, unc["batch"])
        n_design = sobol_n * (len(engine.space.inputs) + 2)
        rows.append(
            {
                "rule": "unc_sobol",
                "wall_s": time.perf_counter() - wall,
                "cpu_s": time.process_time() - cpu,
                "reps_per_s": n_design / (time.perf_counter() - wall),
                "status": f"ok (N={sobol_n}: {n_design} replications, both targets, {settings['doublings']} doublings)",
            }
        )
    return [{"stage": "05_uncertainty", **r} for r in rows]


def _asem_engine():
    """The batched engine of COINr's ASEM example with its sensitivity vignette's specification."""
    from scripts.uncertainty.batched import BatchedIndex
    from scripts.uncertainty.inputs import input_space

    overlay = load_yaml(ROOT / "config" / "test" / "asem_uncertainty.yaml")
    config = load_yaml(ROOT / "config" / "config.yaml")
    config["index"]["indices"].update(overlay["index"]["indices"])
    config["uncertainty"] = overlay["uncertainty"]
    config = validate_config(config, project_root=ROOT)
    settings = config["index"]["indices"]["asem"]
    read = {"keep_default_na": False, "na_values": [""]}
    asem = ROOT / "data" / "external" / "asem"
    prepared = coinr_index(pd.read_csv(asem / "iData.csv", **read), pd.read_csv(asem / "iMeta.csv", **read), settings)
    space = input_space(config["uncertainty"]["inputs"], settings, prepared.framework, [0], index="asem")
    return BatchedIndex(prepared, {0: prepared.wide}, space)


def scaling_figure(table: pd.DataFrame, png: Path, pdf: Path) -> None:
    """Log-log plot of wall time per job against economies, with a slope-1 reference line."""
    # Jobs that ran, and the whole run where it succeeded (a failed run's total is not its cost).
    ok = table["status"].fillna("").str.startswith("ok")
    jobs = table[ok & ((table["stage"] != "workflow") | (table["rule"] == "total"))].dropna(subset=["units", "wall_s"])
    jobs = jobs[jobs["wall_s"] > 0]
    fig, ax = plt.subplots(figsize=(8, 5.5))
    colours = plt.get_cmap("tab20").colors
    for k, ((stage, rule), part) in enumerate(jobs.groupby(["stage", "rule"], sort=True)):
        colour = "black" if rule == "total" else colours[(2 * k) % len(colours)]
        synth = part[part["scale"].notna()].sort_values("units")
        label = "whole workflow" if rule == "total" else f"{stage}/{rule}"
        ax.plot(
            synth["units"],
            synth["wall_s"],
            marker="o",
            color=colour,
            label=label,
            linewidth=2.5 if rule == "total" else 1.2,
        )
        real = part[part["scale"].isna()]
        ax.scatter(real["units"], real["wall_s"], marker="x", s=60, color=colour)
    if len(jobs):
        x = np.array([jobs["units"].min(), jobs["units"].max()])
        y0 = jobs.loc[jobs["units"] == x[0], "wall_s"].median()
        ax.plot(x, y0 * x / x[0], linestyle="--", color="grey", label="slope 1 (cost linear in economies)")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("economies in the dataset (log scale)")
    ax.set_ylabel("wall time (seconds, log scale)")
    ax.set_title(
        "ictmdg: wall time per workflow job vs data size\n(lines: synthetic data at 1x/10x/100x; crosses: bundled data)"
    )
    ax.grid(True, which="both", linewidth=0.3)
    ax.legend(fontsize=7, loc="upper left", ncol=2)
    fig.tight_layout()
    save(fig, png, pdf)


def rate_row(dataset: Dataset, units: float, stage: str, rule: str, rate: float, what: str) -> pd.DataFrame:
    """One benchmarks.csv row for a throughput measured in-process: ``rate`` per second, ``what`` was timed."""
    row = {"dataset": dataset.name, "scale": np.nan, "units": units, "stage": stage, "rule": rule}
    return pd.DataFrame([{**row, "wall_s": 1.0 / rate, "reps_per_s": rate, "status": f"ok ({what})"}])


def main(argv: list[str] | None = None) -> int:
    """Command line: run the benchmarks and write benchmarks.csv and the scaling plot."""
    parser = argparse.ArgumentParser(prog="benchmarks/run.py", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--scales",
        type=float,
        nargs="*",
        default=[1, 10, 100],
        help="synthetic data sizes, as multiples of the default size (default: %(default)s)",
    )
    parser.add_argument("--skip-default", action="store_true", help="do not benchmark the bundled data")
    parser.add_argument("--cores", type=int, default=2, help="snakemake --cores (default: %(default)s)")
    parser.add_argument(
        "--out", type=Path, default=ROOT / "benchmarks" / "results", help="output folder (default: benchmarks/results)"
    )
    parser.add_argument("--reruns", type=int, default=3, help="no-change re-runs timed (default: %(default)s)")
    parser.add_argument(
        "--mc-reps", type=int, default=200, help="Monte Carlo replications timed (default: %(default)s)"
    )
    parser.add_argument(
        "--divide-reps",
        type=int,
        default=200,
        help="divide bootstrap resamples per sample timed (default: %(default)s)",
    )
    parser.add_argument(
        "--unc-reps",
        type=int,
        default=4000,
        help="replications timed by the uncertainty benchmarks; 0 skips them (default: %(default)s)",
    )
    parser.add_argument("--regenerate", action="store_true", help="regenerate the synthetic datasets")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S", stream=sys.stderr)
    out = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)

    datasets = [] if args.skip_default else [Dataset("default", None, None)]
    datasets += [synthetic_dataset(s, args.regenerate) for s in args.scales]
    parts = []
    for dataset in datasets:
        rows, workdir = benchmark_dataset(dataset, out, args.cores, args.reruns)
        parts.append(rows)
        if dataset.scale is None:
            stage = models_stage_seconds(workdir, args.cores)
            ok = stage.returncode == 0
            log.info("models stage alone: %.1f s on %d cores (%s)", stage.wall_s, args.cores, "ok" if ok else "FAILED")
            parts.append(
                pd.DataFrame(
                    [
                        {
                            "dataset": dataset.name,
                            "scale": np.nan,
                            "units": rows["units"].iloc[0],
                            "stage": "06_models",
                            "rule": "models_stage",
                            "wall_s": stage.wall_s,
                            "peak_rss_mb": stage.peak_rss_mb,
                            "status": "ok" if ok else f"failed (exit {stage.returncode})",
                        }
                    ]
                )
            )
        if dataset.scale is None and args.mc_reps > 0:
            results = results_folder(workdir)
            units = rows["units"].iloc[0]
            if (results / "03_impute" / "imputed.parquet").exists():
                rate = mc_reps_per_second(results, args.mc_reps)
                log.info("Monte Carlo: %.1f replications/s (ict index, scores only)", rate)
                parts.append(rate_row(dataset, units, "workflow", "mc_scores", rate, f"{args.mc_reps} replications"))
                calls = goalposts_per_second(results, args.mc_reps)
                log.info("Goalposts: %.1f computations/s (ict index)", calls)
                parts.append(rate_row(dataset, units, "workflow", "goalposts", calls, f"{args.mc_reps} computations"))
            if (results / "07_divide" / "values.parquet").exists():
                rate = divide_resamples_per_second(results, args.divide_reps)
                log.info("Divide: %.0f bootstrap resamples/s (inequality table)", rate)
                what = f"{args.divide_reps} resamples per sample"
                parts.append(rate_row(dataset, units, "07_divide", "divide_bootstrap", rate, what))
            if args.unc_reps > 0 and (results / "03_impute" / "alternatives.parquet").exists():
                unc = pd.DataFrame(uncertainty_rows(results, args.unc_reps))
                for r in unc.itertuples():
                    log.info("uncertainty %s: %.6f s, %s", r.rule, r.wall_s, r.status)
                parts.append(unc.assign(dataset=dataset.name, scale=np.nan, units=units))
        table = pd.concat(parts, ignore_index=True).reindex(columns=COLUMNS)
        # Written after every dataset, so a long run that is stopped keeps what it measured.
        table.to_csv(out / "benchmarks.csv", index=False, lineterminator="\n")
    table = pd.concat(parts, ignore_index=True).reindex(columns=COLUMNS) if parts else pd.DataFrame(columns=COLUMNS)
    scaling_figure(table, out / "scaling.png", out / "scaling.pdf")
    with pd.option_context("display.width", 200, "display.max_rows", 500):
        log.info(
            "results (%s):\n%s",
            out / "benchmarks.csv",
            table[
                ["dataset", "stage", "rule", "wall_s", "max_rss_mb", "peak_rss_mb", "reps_per_s", "status"]
            ].to_string(),
        )
    return 0 if table["status"].fillna("ok").str.startswith("ok").all() else 1


if __name__ == "__main__":
    raise SystemExit(main())
