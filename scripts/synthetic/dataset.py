"""Write a generated panel as a dataset folder in the raw formats the workflow reads.

:func:`dataset_files` returns every file as bytes; :func:`write_dataset` writes them into a
folder inside the project, replacing it atomically. The folder holds

* ``raw/synthetic/API_*.csv``: one World Bank API CSV per indicator (reader ``wb_api``), and
  ``raw/synthetic/Metadata_Country_*.csv`` with each unit's region and income group;
* ``raw/classifications/``: byte copies of the real classification files, and
  ``raw/MANIFEST.csv`` with the sha256 and provenance of every raw file;
* ``config/``: the catalogue (the real rows of the generated indicators), series.csv mapping
  the ``SYN.*`` codes, an empty entities.csv, and ``config.yaml``: the overlay to run the
  workflow with (``--configfile <folder>/config.yaml``);
* ``truth.json``, ``truth/`` (units, latent series, complete values) and ``README.md``.

Every byte is a function of the config, scale and seed: floats are written as their
shortest round-trip repr, rows in a fixed order, and nothing depends on the clock.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from scripts.core.catalogue import CATALOGUE_COLUMNS as CATALOGUE_FILE_COLUMNS
from scripts.core.errors import ConfigError
from scripts.core.io import read_csv
from scripts.synthetic.config import PROJECT_ROOT
from scripts.synthetic.formats import api_csv_bytes, api_file_name, format_metadata_country, row_prefixes
from scripts.synthetic.generate import FORMAT_VERSION, GENERATOR, INCOME_GROUP_LABELS, SynthPanel
from scripts.synthetic.params import SynthConfig

#: Source id of the synthetic files in the overlay and in series.csv.
SOURCE_ID = "synthetic"
#: Folder (under the dataset's raw/) holding the generated API and metadata files.
RAW_SUBDIR = "synthetic"
METADATA_FILE = "Metadata_Country_API_SYN_DS2_en_csv_v2_1.csv"
PUBLISHER = "synthetic (ictmdg generator)"
LICENCE = "CC0 1.0 (generated data, no rights reserved)"
SERIES_COLUMNS = tuple(CATALOGUE_FILE_COLUMNS["series"])
ENTITY_COLUMNS = tuple(CATALOGUE_FILE_COLUMNS["entities"])
#: How the written files name their generator: the package's former path, kept because the text
#: is part of every dataset's bytes. Change it together with FORMAT_VERSION.
WRITTEN_BY = "scripts/synthetic.py"
MANIFEST_COLUMNS = ("path", "sha256", "bytes", "publisher", "licence", "vintage", "contents", "origin")


def _csv_bytes(header: tuple[str, ...], rows: list[tuple[Any, ...]]) -> bytes:
    """Return a catalogue-style CSV (UTF-8, ``\\n`` line ends, minimal quoting) of ``header`` and ``rows``."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue().encode("utf-8")


def _parquet_bytes(df: pd.DataFrame) -> bytes:
    """Return ``df`` as zstd-compressed parquet bytes, without the index."""
    buf = io.BytesIO()
    df.to_parquet(buf, index=False, compression="zstd")
    return buf.getvalue()


def _grid(panel: SynthPanel) -> np.ndarray:
    """Return the observed values as an (indicators, units, years) array, whatever the frame order."""
    cfg = panel.config
    ids = [s.indicator for s in cfg.indicators]
    codes = list(panel.units["iso3"])
    df = panel.panel
    k = pd.Categorical(df["indicator"], categories=ids).codes
    i = pd.Categorical(df["iso3"], categories=codes).codes
    t = df["year"].to_numpy() - cfg.first_year
    if (k < 0).any() or (i < 0).any() or (t < 0).any() or (t > cfg.last_year - cfg.first_year).any():
        raise ValueError("the panel holds indicators, units or years that the configuration does not generate")
    grid = np.full((len(ids), len(codes), cfg.last_year - cfg.first_year + 1), np.nan)
    grid[k, i, t] = df["value"].to_numpy(dtype=float)
    return grid


def dataset_files(
    panel: SynthPanel,
    rel_folder: str,
    classification_bytes: dict[str, bytes],
    manifest: pd.DataFrame,
) -> dict[str, bytes]:
    """Return every file of the dataset folder as {path inside the folder: bytes}.

    ``rel_folder`` is the folder relative to the project root (used in the overlay);
    ``classification_bytes`` maps a path under the real raw folder (e.g.
    "classifications/CLASS.xlsx") to the file's bytes; ``manifest`` is the real MANIFEST
    (strings), whose provenance rows are kept for the copies.
    """
    cfg = panel.config
    years = np.arange(cfg.first_year, cfg.last_year + 1)
    units = panel.units
    grid = _grid(panel)
    files: dict[str, bytes] = {}
    provenance: dict[str, dict[str, str]] = {}
    origin = (
        f"{GENERATOR} with {cfg.config_file or 'a synthetic config'} "
        f"(seed {cfg.seed}, scale {cfg.scale:g}, {cfg.n_units} units)"
    )
    vintage = f"synthetic v{FORMAT_VERSION}, seed {cfg.seed}"

    agg = panel.aggregates
    agg_names = agg.drop_duplicates("iso3")[["iso3", "name"]] if len(agg) else pd.DataFrame({"iso3": [], "name": []})
    names = list(units["name"]) + list(agg_names["name"])
    codes = list(units["iso3"]) + list(agg_names["iso3"])
    # Rows are sorted by name, as in World Bank downloads (aggregates among the economies).
    order = sorted(range(len(names)), key=lambda j: (names[j], codes[j]))
    # Quoted once: the same rows start every file.
    prefixes = row_prefixes([names[j] for j in order], [codes[j] for j in order])
    n_units = len(units)
    for k, spec in enumerate(cfg.indicators):
        if len(agg):
            a = agg[agg["indicator"] == spec.indicator]
            a_grid = (
                a.pivot(index="iso3", columns="year", values="value")
                .reindex(index=list(agg_names["iso3"]), columns=years)
                .to_numpy(dtype=float)
            )
            values = np.vstack([grid[k], a_grid])
        else:
            values = grid[k]
        values = values[order]
        path = f"raw/{RAW_SUBDIR}/{api_file_name(spec.series_code)}"
        files[path] = api_csv_bytes(prefixes, spec.name, spec.series_code, years, values, cfg.last_updated)
        n_obs = int(np.isfinite(grid[k]).sum())
        provenance[path] = {
            "contents": (
                f"World Bank API CSV layout: {spec.name} ({spec.series_code} -> {spec.indicator}, unit {spec.unit}); "
                f"{n_units} synthetic economies + {len(agg_names)} aggregates; years {cfg.first_year}-{cfg.last_year}; "
                f"{n_obs} non-missing economy values"
            ),
        }

    notes = {
        True: "A synthetic 'ghost' economy: most of its series are missing.\nDo not expect coverage.",
        False: "",
    }
    meta_rows = [
        (c, r, INCOME_GROUP_LABELS[g], notes[bool(gh)], nm)
        for c, r, g, gh, nm in units[["iso3", "region", "income_group", "ghost", "name"]].itertuples(index=False)
    ]
    meta_rows += [
        (c, "", "", f"{nm} aggregate (synthetic): unweighted mean of its members (sum for persons).", nm)
        for c, nm in agg_names.itertuples(index=False)
    ]
    meta_rows.sort(key=lambda r: r[0])
    meta_path = f"raw/{RAW_SUBDIR}/{METADATA_FILE}"
    files[meta_path] = format_metadata_country(meta_rows)
    provenance[meta_path] = {
        "contents": (
            f"WDI Metadata_Country layout: {n_units} synthetic economies (region, income group) "
            f"and {len(agg_names)} aggregates (empty region)"
        ),
    }

    raw_rel = dict(cfg.sources)["raw"]
    listed = manifest.set_index("path") if len(manifest) else pd.DataFrame()
    copies: dict[str, dict[str, str]] = {}
    for _, rel in cfg.classifications:
        files[f"raw/{rel}"] = classification_bytes[rel]
        row = listed.loc[rel].to_dict() if rel in listed.index else {}
        copies[f"raw/{rel}"] = {
            "publisher": row.get("publisher", ""),
            "licence": row.get("licence", ""),
            "vintage": row.get("vintage", ""),
            "contents": row.get("contents", ""),
            "origin": f"byte copy of {raw_rel}/{rel}" + (f"; {row['origin']}" if row.get("origin") else ""),
        }

    manifest_rows = []
    for path in sorted(p for p in files if p.startswith("raw/")):
        data = files[path]
        common = {"path": path[len("raw/") :], "sha256": hashlib.sha256(data).hexdigest(), "bytes": str(len(data))}
        if path in copies:
            manifest_rows.append({**common, **copies[path]})
        else:
            manifest_rows.append(
                {
                    **common,
                    "publisher": PUBLISHER,
                    "licence": LICENCE,
                    "vintage": vintage,
                    "contents": provenance[path]["contents"],
                    "origin": origin,
                }
            )
    files["raw/MANIFEST.csv"] = _csv_bytes(
        MANIFEST_COLUMNS, [tuple(r[c] for c in MANIFEST_COLUMNS) for r in manifest_rows]
    )

    files["config/indicators.csv"] = _csv_bytes(cfg.catalogue_columns, [s.row for s in cfg.indicators])
    files["config/series.csv"] = _csv_bytes(
        SERIES_COLUMNS,
        [
            (SOURCE_ID, s.series_code, s.indicator, "1", "none", "1", f"synthetic series ({WRITTEN_BY})")
            for s in cfg.indicators
        ],
    )
    files["config/entities.csv"] = _csv_bytes(ENTITY_COLUMNS, [])
    files["config.yaml"] = overlay_text(cfg, rel_folder).encode("utf-8")
    files["truth.json"] = (
        json.dumps(panel.truth, indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False) + "\n"
    ).encode("utf-8")
    files["truth/units.csv"] = units.to_csv(index=False, lineterminator="\n", float_format="%.17g").encode("utf-8")
    files["truth/latent.parquet"] = _parquet_bytes(panel.latent)
    if cfg.write_complete:
        files["truth/complete.parquet"] = _parquet_bytes(
            pd.DataFrame(
                {
                    "iso3": panel.panel["iso3"],
                    "year": panel.panel["year"],
                    "indicator": panel.panel["indicator"],
                    "value_complete": panel.panel["value_complete"],
                    "observed": panel.panel["value"].notna(),
                }
            )
        )
    files["README.md"] = readme_text(panel, rel_folder, sorted(files) + ["README.md"]).encode("utf-8")
    return files


def overlay_text(cfg: SynthConfig, rel_folder: str) -> str:
    """Return the config overlay (YAML) that points the workflow at the dataset in ``rel_folder``."""
    j = json.dumps
    base = rel_folder.rstrip("/")
    name = Path(base).name
    cls = dict(cfg.classifications)
    return f"""# Config overlay for the synthetic dataset in {base}/ (written by {WRITTEN_BY}; do not edit).
# Snakemake merges it onto config/config.yaml (mappings recursively, lists replaced):
#   snakemake --cores all --configfile {base}/config.yaml
paths:
  raw: {j(base + "/raw")}
  manifest: {j(base + "/raw/MANIFEST.csv")}
  results: {j("results/synthetic/" + name)}   # keeps the real run's results apart
catalogue:
  indicators: {j(base + "/config/indicators.csv")}
  series: {j(base + "/config/series.csv")}
  entities: {j(base + "/config/entities.csv")}
sources:
  - id: {SOURCE_ID}
    reader: wb_api
    files: [{j(RAW_SUBDIR + "/API_*.csv")}]
classifications:
  current:
    reader: wb_class
    file: {j(cls["current"])}
  income_history:
    reader: wb_income_history
    file: {j(cls["income_history"])}
  concordance:
    reader: country_codes
    file: {j(cls["concordance"])}
  metadata: [{j(RAW_SUBDIR + "/" + METADATA_FILE)}]
analysis:
  first_year: {cfg.analysis_first_year}
  last_year: {cfg.analysis_last_year}
  # The real classification files list ~218 World Bank economies with no synthetic data;
  # screening considers only the economies that have data.
  economies: with_data
models:
  variables:
    # The synthetic income is GDP per capita in current US$ (the generator's truth uses its log).
    log_gdp_pc: {{indicator: gdp_pc_usd, log: true}}
"""


def readme_text(panel: SynthPanel, rel_folder: str, paths: list[str]) -> str:
    """Return README.md: what the folder holds, how it was generated, and the truth in brief."""
    cfg, truth = panel.config, panel.truth
    base = rel_folder.rstrip("/")
    scale = f"{cfg.scale:g}"
    digest = hashlib.sha256(json.dumps(cfg.to_dict(), sort_keys=True).encode("utf-8")).hexdigest()
    outcome_lines = "\n".join(
        f"| {k} | {v['beta']:g} | {v['gamma']:g} | {v['link']} | {v['lag']} | {'yes' if v['placebo'] else ''} |"
        for k, v in truth["outcomes"].items()
    )
    comp = ", ".join(f"{k} (ref. {ref:g}, w {w:.3g})" for k, ref, w in cfg.composite)
    groups = ", ".join(f"{g} {n}" for g, n in truth["units_by_income_group"].items())
    listing = "\n".join(f"- `{p}`" for p in paths if not p.startswith(f"raw/{RAW_SUBDIR}/API_"))
    n_api = sum(1 for p in paths if p.startswith(f"raw/{RAW_SUBDIR}/API_"))
    return f"""# Synthetic ictmdg dataset: {cfg.name}, scale {scale}

Generated data, not observations of any real economy. Written by `{WRITTEN_BY}`:

    python -m scripts.synthetic --config {cfg.config_file} --scale {scale} --seed {cfg.seed} --out {base}

Same config, scale and seed give byte-identical files (resolved config sha256 `{digest[:16]}`,
stored in full under `config` in truth.json). Regenerate rather than edit; the folder belongs
in `.gitignore` (`data/synthetic/`).

Run the workflow on it:

    snakemake --cores all --configfile {base}/config.yaml

## Contents

- {cfg.n_units} units (codes S00001...; {groups}; {truth["ghost_units"]} ghost units with almost no data)
  x {len(cfg.indicators)} indicators x years {cfg.first_year}-{cfg.last_year}; analysis window
  {cfg.analysis_first_year}-{cfg.analysis_last_year}.
- `raw/{RAW_SUBDIR}/API_*.csv`: {n_api} files, one per indicator, in the World Bank API CSV layout
  (reader `wb_api`), series codes `SYN.*` mapped to catalogue ids by `config/series.csv`; the
  aggregate rows (World, income groups, regions) must be dropped by the harmoniser.
{listing}

`raw/classifications/` holds byte copies of the real World Bank/datahub classification
files (the synthetic codes are not in them; regions and income groups come from the
Metadata_Country file). `truth/` is outside `raw/` and never read by the workflow.

## Truth

{truth["formula"]}

ICT composite: {truth["ict_composite"]["formula"]}, components {comp}; computed on the
complete (pre-missingness) values.

| outcome | beta (per ICT point) | gamma (per ln US$) | link | lag | placebo |
|---|---|---|---|---|---|
{outcome_lines}
"""


def write_dataset(panel: SynthPanel, folder: str | os.PathLike, project_root: str | os.PathLike = PROJECT_ROOT) -> Path:
    """Write the dataset folder and return its absolute path.

    ``folder`` (absolute, or relative to ``project_root``) must lie inside the project root,
    since the overlay refers to it relatively. The classification files and the MANIFEST
    named in the config's ``sources`` are read from ``project_root``. The folder is built
    beside its target and renamed into place, so a failed run leaves the old dataset
    intact; an existing folder is replaced only if it holds a generated dataset.
    """
    cfg = panel.config
    root = Path(project_root).resolve()
    target = Path(folder)
    target = (target if target.is_absolute() else root / target).resolve()
    try:
        rel = target.relative_to(root).as_posix()
    except ValueError:
        raise ConfigError(
            problem=f"output folder {target} is outside the project root {root}",
            expected="a folder inside the project, e.g. data/synthetic/x10",
            fix="choose an output folder under the project root (the config overlay uses relative paths)",
        ) from None
    if rel in ("", "."):
        raise ConfigError(
            problem="the output folder cannot be the project root itself", fix="use e.g. data/synthetic/x1"
        )
    if target.exists() and not _is_generated(target):
        raise ConfigError(
            problem=f"{rel} exists and is not a synthetic dataset written by {GENERATOR}",
            fix="choose another --out folder, or remove that folder yourself",
        )
    src = dict(cfg.sources)
    raw_root = root / src["raw"]
    classification_bytes = {}
    for _, r in cfg.classifications:
        try:
            classification_bytes[r] = (raw_root / r).read_bytes()
        except FileNotFoundError:
            raise ConfigError(
                problem="classification file not found",
                file=f"{src['raw']}/{r}",
                fix="check sources.raw and sources.classifications in the synthetic config",
            ) from None
    manifest_path = root / src["manifest"]
    manifest = (
        read_csv(manifest_path, dtype=str, na_values=[])
        if manifest_path.exists()
        else pd.DataFrame(columns=list(MANIFEST_COLUMNS))
    )
    files = dataset_files(panel, rel, classification_bytes, manifest)

    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.parent / f".{target.name}.partial-{os.getpid()}"
    old = target.parent / f".{target.name}.old-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    try:
        for path, data in files.items():
            out = staging / path
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(data)
        if target.exists():
            os.replace(target, old)
        os.replace(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        shutil.rmtree(old, ignore_errors=True)
    return target


def _is_generated(folder: Path) -> bool:
    """Return whether ``folder`` holds a dataset of this generator (its truth.json says so)."""
    try:
        return json.loads((folder / "truth.json").read_text(encoding="utf-8")).get("generator") == GENERATOR
    except (OSError, ValueError, AttributeError):
        return False
