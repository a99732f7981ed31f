"""Published tables: built from the stages' tables with economy names, and written as CSV, Markdown and LaTeX.

Numbers are rounded here and only here (publication precision); the stages' own tables
keep full precision. The Excel workbook with one sheet per table is written by
:mod:`scripts.publish.workbook`.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from scripts.core.io import write_csv, write_text
from scripts.publish.labels import with_names
from scripts.publish.style import INCOME_NAMES


def ranking_table(
    scores: pd.DataFrame,
    economies: pd.DataFrame,
    *,
    root: str,
    sub_indices: Sequence[str],
    year: int,
    bands: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The ranking of ``year``: economy name, ISO3, region, income group, score, integer rank, sub-indices.

    With ``bands`` (RANK_BANDS of the uncertainty stage: iso3, year, rank_p05, median_rank, rank_p95)
    the rank band is added. Rows best first; scores on the index's scale (rounded to 0.1 on
    publication, see :func:`publication_frame`).
    """
    this = scores[scores["year"] == year]
    wide = this.pivot_table(index="iso3", columns="node", values="score").reindex(columns=[root, *sub_indices])
    rank = this[this["node"] == root].set_index("iso3")["rank"]
    out = pd.DataFrame(
        {"iso3": wide.index.to_numpy(), "score": wide[root].to_numpy(), "rank": rank.reindex(wide.index).to_numpy()}
    )
    out = out.dropna(subset=["score"])
    out["rank"] = out["rank"].astype("int64")
    for node in sub_indices:
        out[node] = wide[node].reindex(out["iso3"]).to_numpy()
    if bands is not None:
        b = bands[bands["year"] == year].set_index("iso3")
        for col in ("rank_p05", "median_rank", "rank_p95"):
            out[col] = b[col].reindex(out["iso3"]).to_numpy()
    out = with_names(out, economies)
    out["income_group"] = out["income_group"].map(lambda g: INCOME_NAMES.get(g, g))
    return out.sort_values(["rank", "iso3"], ignore_index=True)


#: The columns of the published external validation (the p-values stay in the stage's CSV).
EXTERNAL_COLUMNS = ("index", "label", "data_year", "our_year", "year_gap", "n_common", "spearman_rho", "pearson_r")


def external_validation_table(by_index: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Every index's EXTERNAL_VALIDATION rows in one table, with the index named first (indices in the given order)."""
    frames = [df.assign(index=name) for name, df in by_index.items()]
    return pd.concat(frames, ignore_index=True).loc[:, list(EXTERNAL_COLUMNS)]


def publication_frame(df: pd.DataFrame, *, decimals: int = 1, headers: Mapping[str, str] | None = None) -> pd.DataFrame:
    """``df`` with float columns rounded to ``decimals`` and columns renamed for readers (``headers``)."""
    floats = [c for c in df.columns if pd.api.types.is_float_dtype(df[c])]
    return df.assign(**{c: df[c].round(decimals) for c in floats}).rename(columns=dict(headers or {}))


#: Style of the HTML tables (the report shows them in a frame).
HTML_STYLE = (
    "<style>body{font-family:sans-serif;font-size:13px;margin:8px}table{border-collapse:collapse}"
    "th,td{padding:3px 8px;border-bottom:1px solid #ddd;text-align:left}th{background:#f3f3f3;position:sticky;top:0}"
    "</style>"
)


def write_publication(df: pd.DataFrame, stem: str | Path, *, caption: str, label: str) -> list[Path]:
    """Write ``df`` as ``<stem>.csv``, ``.md``, ``.tex`` and ``.html``; returns the four paths.

    The Markdown, LaTeX and HTML versions carry ``caption`` (LaTeX also ``label`` for
    references); the HTML version is the one the Snakemake report shows.
    """
    stem = Path(stem)
    paths = [stem.with_suffix(s) for s in (".csv", ".md", ".tex", ".html")]
    write_csv(df, paths[0])
    # A blank cell, not "nan", where a value does not apply (tabulate leaves None blank).
    blanks = df.astype(object).where(df.notna(), None)
    markdown = f"{caption}\n\n" + blanks.to_markdown(index=False, floatfmt="g", missingval="") + "\n"
    write_text(markdown, paths[1])
    latex = df.to_latex(
        index=False,
        caption=caption,
        label=label,
        longtable=len(df) > 40,
        na_rep="",
        float_format=lambda v: f"{v:g}",
        escape=True,
    )
    write_text(latex, paths[2])
    table = df.to_html(index=False, na_rep="", border=0)
    title = html.escape(caption)
    # Numbers right-aligned, so that digits line up; text is left-aligned.
    numeric = [k for k, c in enumerate(df.columns, start=1) if pd.api.types.is_numeric_dtype(df[c])]
    align = "".join(f"td:nth-child({k}),th:nth-child({k}){{text-align:right}}" for k in numeric)
    page = (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{title}</title>{HTML_STYLE}"
        f"<style>{align}</style></head><body>"
    )
    write_text(f"{page}<p><b>{title}</b></p>{table}</body></html>\n", paths[3])
    return paths
