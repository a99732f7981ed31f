"""The audit trail of one published index score: from the raw cells to the score, step by step.

``python -m scripts.publish.trace KEN 2015 ict`` prints, for every indicator of the index,
the raw file, row, column and value it came from; the unit factor and the per-capita or
ratio denominator it was converted with; its imputation status and method; its outlier
treatment; its normalised value with the goalposts used; and its weight and contribution.
Then each aggregate's children, weights and score up to the index itself. Every number is
read from the run's published outputs (nothing is recomputed), so a reviewer can redo each
step by hand. ``--format json`` gives the same chain for programs.

The run's config is read as Snakemake reads it: ``config/config.yaml`` with each
``--configfile`` merged on top, so the command finds the results of a scenario run too.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, get_args

import numpy as np
import pandas as pd
from snakemake.utils import update_config

from scripts.core import tables
from scripts.core.config import load_yaml, validate_config
from scripts.core.contract import read_table
from scripts.core.errors import InputError, did_you_mean
from scripts.core.io import read_csv

ROOT = Path(__file__).resolve().parents[2]

TraceFormat = Literal["text", "json"]

#: What the chain of one indicator holds, in the order of the pipeline's steps.
INDICATOR_COLUMNS = (
    "indicator",
    "name",
    "parent",
    "direction",  # +1: higher is better; -1: the normalisation reverses it
    "source",  # the raw cell: source id, file (under data/raw), 1-based row, column, publisher series
    "file",
    "row",
    "column",
    "series",
    "raw_value",  # as written in the raw file
    "unit_factor",  # the harmonised value is raw_value x unit_factor / divisor
    "divisor",  # the product of the per-capita / ratio denominators (blank when none)
    "conversion",  # what the divisor was made of, e.g. "divided by population [wdi_api_2025:SP.POP.TOTL]"
    "harmonised",  # in the indicator's unit (the panel value)
    "imputation",  # "observed" or the imputed status
    "method",  # the imputation step ("observed" for a reported value)
    "imputed",  # the value entering the index, in the indicator's unit
    "treatment",  # "none", "winsorised high/low" or "log"
    "treated",  # after outlier treatment (log units when logged)
    "goalpost_low",  # the normalisation bounds of the treated values
    "goalpost_high",
    "normalised",  # the indicator's score on the index's normalised scale
    "weight",  # within its parent, summing to 1 over the parent's children
    "effective_weight",  # the product of weights up to the index
    "contribution",  # to the index score, in index points
)

NODE_COLUMNS = ("node", "name", "parent", "weight", "score", "rank")


@dataclass(frozen=True)
class Trace:
    """The chain of one economy-year's score of one index.

    ``indicators`` has :data:`INDICATOR_COLUMNS` (one row per indicator the index uses,
    in framework order); ``nodes`` has :data:`NODE_COLUMNS` (every aggregate, leaves'
    parents first, the index last).
    """

    iso3: str
    economy: str
    year: int
    index: str
    score: float
    rank: float
    indicators: pd.DataFrame
    nodes: pd.DataFrame

    def to_json(self) -> str:
        def records(df: pd.DataFrame) -> list[dict[str, Any]]:
            out = df.astype(object).where(df.notna(), None)
            return [
                {k: (v.item() if isinstance(v, np.generic) else v) for k, v in r.items()}
                for r in out.to_dict("records")
            ]

        head = {k: getattr(self, k) for k in ("iso3", "economy", "year", "index", "score", "rank")}
        body = {"indicators": records(self.indicators), "nodes": records(self.nodes)}
        return json.dumps({**head, **body}, indent=2, allow_nan=False) + "\n"


def run_config(configfiles: Sequence[str | Path] = (), root: Path = ROOT) -> dict[str, Any]:
    """The validated config of a run: ``config/config.yaml`` with ``configfiles`` merged on top."""
    config = load_yaml(root / "config" / "config.yaml")
    for f in configfiles:
        update_config(config, load_yaml(f))
    names = " + ".join(["config/config.yaml", *map(str, configfiles)])
    return validate_config(config, project_root=root, config_file=names)


def _need(path: Path) -> Path:
    if not path.exists():
        raise InputError(
            problem=f"the run's output {path} does not exist",
            fix="run the workflow first (`make run`, with the same --configfile), then trace",
        )
    return path


def _tree(framework: pd.DataFrame) -> tuple[str, list[str]]:
    """The root node and the aggregates from the leaves' parents upwards."""
    parent = dict(zip(framework["node"], framework["parent"].fillna("")))
    root = next(n for n, p in parent.items() if p == "")

    def depth(n: str) -> int:
        return 0 if n == root else 1 + depth(parent[n])

    aggregates = sorted({p for p in parent.values() if p}, key=lambda n: (-depth(n), n))
    return root, aggregates


def trace(
    iso3: str, year: int, index: str, config: dict[str, Any], *, root: Path = ROOT, directory: Path | None = None
) -> Trace:
    """Gather the chain of ``index``'s score of ``iso3`` in ``year`` from the run's outputs.

    The results are read under ``directory`` (Snakemake's ``--directory``; default the
    project ``root``), the framework and config under ``root``.

    Raises :class:`InputError` for an index the config does not define, an economy or a year
    the index does not score, or a run whose outputs are missing.
    """
    indices = config["index"]["indices"]
    if index not in indices:
        raise InputError(
            problem=f"{index!r} is not an index of this run" + did_you_mean(index, indices),
            expected=f"one of {sorted(indices)}",
            fix="name an index of index.indices (or pass the run's --configfile)",
        )
    results = (directory or root) / config["paths"]["results"]
    out = results / "04_index" / index
    framework = read_csv(root / indices[index]["framework"], dtype=str)
    top, aggregates = _tree(framework)
    scores = read_table(_need(out / "scores.csv"), tables.SCORES)
    scored = scores[scores["node"] == top]
    if iso3 not in set(scored["iso3"]):
        raise InputError(
            problem=f"{iso3!r} has no {index} score" + did_you_mean(iso3, sorted(set(scored["iso3"]))),
            expected="the ISO3 code of an economy the index scores (see scores.csv)",
            fix="check the code; economies screened out of the index have no score",
        )
    years = sorted(set(scored.loc[scored["iso3"] == iso3, "year"]))
    if year not in years:
        raise InputError(
            problem=f"{iso3} has no {index} score for {year}",
            expected=f"one of the years {years[0]}-{years[-1]}",
        )
    unit = scores[(scores["iso3"] == iso3) & (scores["year"] == year)].set_index("node")
    weights = read_table(_need(out / "weights.csv"), tables.WEIGHTS).set_index("node")
    used = read_table(_need(out / "indicators.csv"), tables.INDEX_INDICATORS)
    used = [i for i in framework["node"] if i in set(used.loc[used["status"] == "used", "indicator"])]
    goalposts = read_table(_need(out / "goalposts.csv"), tables.GOALPOSTS)
    # One pair per indicator: the pooled one (year <NA>), or this year's under by-year normalisation.
    goalposts = goalposts[goalposts["year"].isna() | (goalposts["year"] == year)].set_index("indicator")
    treated = read_table(_need(out / "treated_points.csv"), tables.TREATED_POINTS)
    treated = treated[(treated["iso3"] == iso3) & (treated["year"] == year)].set_index("indicator")
    contrib = read_table(_need(out / "contributions.parquet"), tables.CONTRIBUTIONS)
    contrib = contrib[(contrib["iso3"] == iso3) & (contrib["year"] == year) & (contrib["node"] == top)]
    contrib = contrib.set_index("indicator")["contribution"]

    imputed = read_table(_need(results / "03_impute" / "imputed.parquet"), tables.IMPUTED)
    imputed = imputed[(imputed["iso3"] == iso3) & (imputed["year"] == year) & (imputed["draw"] == 0)]
    imputed = imputed.set_index("indicator")
    panel = read_table(_need(results / "02_harmonize" / "panel.parquet"), tables.PANEL)
    panel = panel[(panel["iso3"] == iso3) & (panel["year"] == year)].set_index("indicator")
    trail = read_table(_need(results / "02_harmonize" / "trail.parquet"), tables.TRAIL)
    cells = panel.loc[panel.index.intersection(used), ["source", "file", "row", "column"]].reset_index()
    cells = cells.astype({"source": str, "file": str, "column": str})
    key = ["source", "file", "row", "column"]
    trail = trail[trail["file"].isin(set(cells["file"])) & trail["row"].isin(set(cells["row"]))]
    trail = trail.astype({"source": str, "file": str, "column": str})
    raw = cells.merge(trail[[*key, "series", "value", "unit_factor", "divisor", "detail"]], on=key, how="left")
    raw = raw.set_index("indicator")

    fw = framework.set_index("node")
    rows = []
    for ind in used:
        t = treated.loc[ind] if ind in treated.index else None
        got = imputed.loc[ind] if ind in imputed.index else None
        cell = raw.loc[ind] if ind in raw.index else None
        status = "missing" if got is None else str(got["status"])
        value = np.nan if got is None else float(got["value"])
        rows.append(
            {
                "indicator": ind,
                "name": fw.at[ind, "name"],
                "parent": fw.at[ind, "parent"],
                "direction": int(float(fw.at[ind, "direction"])),
                **{k: (None if cell is None else cell[k]) for k in ("source", "file", "row", "column", "series")},
                "raw_value": np.nan if cell is None else cell["value"],
                "unit_factor": np.nan if cell is None else cell["unit_factor"],
                "divisor": np.nan if cell is None else cell["divisor"],
                "conversion": "" if cell is None else str(cell["detail"]),
                "harmonised": panel.at[ind, "value"] if ind in panel.index else np.nan,
                "imputation": status,
                "method": "" if got is None else str(got["method"]),
                "imputed": value,
                "treatment": "none" if t is None else ("log" if t["side"] == "log" else f"winsorised {t['side']}"),
                "treated": value if t is None else float(t["treated"]),
                "goalpost_low": goalposts.at[ind, "lo"],
                "goalpost_high": goalposts.at[ind, "hi"],
                "normalised": unit.at[ind, "score"] if ind in unit.index else np.nan,
                "weight": weights.at[ind, "weight"],
                "effective_weight": weights.at[ind, "effective"],
                "contribution": contrib.get(ind, np.nan),
            }
        )
    nodes = [
        {
            "node": n,
            "name": fw.at[n, "name"],
            "parent": weights.at[n, "parent"] if n in weights.index else "",
            "weight": weights.at[n, "weight"] if n in weights.index else 1.0,
            "score": unit.at[n, "score"] if n in unit.index else np.nan,
            "rank": unit.at[n, "rank"] if n in unit.index else np.nan,
        }
        for n in aggregates
    ]
    economies = read_table(_need(results / "02_harmonize" / "economies.csv"), tables.ECONOMIES)
    name = economies.set_index("iso3")["name"].get(iso3, iso3)
    return Trace(
        iso3=iso3,
        economy=str(name),
        year=int(year),
        index=index,
        score=float(unit.at[top, "score"]),
        rank=float(unit.at[top, "rank"]),
        indicators=pd.DataFrame(rows, columns=list(INDICATOR_COLUMNS)),
        nodes=pd.DataFrame(nodes, columns=list(NODE_COLUMNS)),
    )


def _num(x: Any) -> str:
    return "-" if x is None or (isinstance(x, float) and np.isnan(x)) else f"{x:.10g}"


def format_text(t: Trace) -> str:
    """The chain as text: one block per indicator, then the aggregates, then the score."""
    lines = [f"{t.index} score of {t.economy} ({t.iso3}) in {t.year}: {_num(t.score)} (rank {_num(t.rank)})", ""]
    for r in t.indicators.itertuples(index=False):
        lines.append(f"{r.indicator}  ({r.name}; in {r.parent}, direction {r.direction:+d})")
        if r.file is None:
            lines.append("  raw cell         none: not reported for this economy and year")
        else:
            lines.append(f"  raw cell         {r.file}, row {r.row}, column {r.column} ({r.source}:{r.series})")
            conv = f" / {_num(r.divisor)} ({r.conversion})" if not np.isnan(r.divisor) else ""
            lines.append(f"  raw value        {_num(r.raw_value)} x {_num(r.unit_factor)}{conv}")
            lines.append(f"  harmonised       {_num(r.harmonised)}")
        lines.append(f"  imputation       {r.imputation} ({r.method or 'no value'}): {_num(r.imputed)}")
        lines.append(f"  treatment        {r.treatment}: {_num(r.treated)}")
        lines.append(
            f"  normalised       {_num(r.normalised)} (goalposts {_num(r.goalpost_low)} to {_num(r.goalpost_high)})"
        )
        lines.append(
            f"  weight           {_num(r.weight)} in {r.parent} ({_num(r.effective_weight)} of the index); "
            f"contribution {_num(r.contribution)}"
        )
        lines.append("")
    lines.append("aggregates (children's scores weighted by the weights above):")
    for r in t.nodes.itertuples(index=False):
        parent = f"weight {_num(r.weight)} in {r.parent}" if r.parent else "the index"
        lines.append(f"  {r.node:<22} {_num(r.score):>14}  rank {_num(r.rank):>5}  ({r.name}; {parent})")
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.publish.trace", description=__doc__.split("\n\n")[0])
    parser.add_argument("iso3", help="ISO 3166-1 alpha-3 code of the economy, e.g. KEN")
    parser.add_argument("year", type=int, help="data year, e.g. 2015")
    parser.add_argument("index", help="an index of index.indices, e.g. ict")
    parser.add_argument(
        "--configfile", action="append", default=[], help="the run's config overlay(s), as given to snakemake"
    )
    parser.add_argument("--directory", type=Path, help="the run's working directory (snakemake --directory)")
    parser.add_argument("--format", choices=get_args(TraceFormat), default="text")
    args = parser.parse_args(argv)
    try:
        t = trace(args.iso3.upper(), args.year, args.index, run_config(args.configfile), directory=args.directory)
    except InputError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    sys.stdout.write(t.to_json() if args.format == "json" else format_text(t))
    return 0


if __name__ == "__main__":
    sys.exit(main())
