"""The tables that pass between stages: their columns, dtypes and keys.

Every reader returns an *observations* table; every later stage returns tables keyed as
below. Keeping the column lists here (and checking them with :func:`check_table`) means a
stage cannot silently hand the next one a differently shaped frame.
"""

from __future__ import annotations

import pandas as pd

from scripts.errors import InputError

#: One row per data cell of a raw file (missing cells included, value NaN), so that every
#: raw observation can be accounted for in the reconciliation table. Text columns repeat a
#: few hundred distinct values over millions of rows, so they are categoricals: ten times
#: less memory and faster sorting, grouping and parquet I/O than Python strings (group
#: with ``observed=True``).
OBSERVATIONS: dict[str, str] = {
    "source": "category",  # source id from config (e.g. "wdi_api_2025")
    "file": "category",  # path relative to data/raw, e.g. "itu/Mobile_cellular_2000-2018_Jun2019.xls"
    "row": "int64",  # 1-based physical line (CSV) or sheet row (workbook) of the cell
    "column": "category",  # CSV header label, or "'<sheet>'!<letter>" for workbooks
    "entity_raw": "category",  # economy name as written in the file
    "entity_code": "category",  # publisher's code when the file has one (ISO3, M49 number), else ""
    "year": "int64",
    "series": "category",  # publisher series code, e.g. "IT.NET.USER.ZS", or an ITU block title
    "value": "float64",  # NaN when the cell is empty or a placeholder ('..', '...', 'n/a')
    "note": "category",  # footnote / notes / type text attached to the cell, else ""
}
OBSERVATIONS_KEY = ["source", "file", "row", "column"]

#: Economy metadata a file carries besides its data (WDI Metadata_Country, CLASS.xlsx,
#: the historical income classification). ``year`` is <NA> for undated (current)
#: classifications and the calendar year *of the data* for historical ones (the World
#: Bank's FY t classification is based on GNI of calendar year t-2).
CLASSIFICATION: dict[str, str] = {
    "iso3": "string",  # code as the file gives it (ISO3 for economies, WB group codes for aggregates)
    "name": "string",
    "year": "Int64",
    "region": "string",  # World Bank region; "" for aggregates
    "income_group": "string",  # "L", "LM", "UM", "H", or "" when unclassified / aggregate
    "source": "string",
    "file": "string",
    "row": "int64",
}

#: The harmonised panel: one value per (iso3, year, indicator).
PANEL: dict[str, str] = {
    "iso3": "string",
    "year": "int64",
    "indicator": "string",
    "value": "float64",
    "source": "string",
    "series": "string",
    "file": "string",
    "row": "int64",
    "column": "string",
}
PANEL_KEY = ["iso3", "year", "indicator"]

#: Imputed panel (one block per draw; draw 0 is the point imputation).
IMPUTED: dict[str, str] = {
    "iso3": "string",
    "year": "int64",
    "indicator": "string",
    "draw": "int64",
    "value": "float64",
    "status": "string",  # observed | interpolated | extrapolated | group | model
    "method": "string",
}
IMPUTED_KEY = ["iso3", "year", "indicator", "draw"]

#: Scores of every node of an index framework.
SCORES: dict[str, str] = {
    "iso3": "string",
    "year": "int64",
    "node": "string",
    "score": "float64",
    "rank": "float64",
}
SCORES_KEY = ["iso3", "year", "node"]


def empty(schema: dict[str, str]) -> pd.DataFrame:
    """Return an empty frame with the columns and dtypes of ``schema``."""
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in schema.items()})


def conform(df: pd.DataFrame, schema: dict[str, str]) -> pd.DataFrame:
    """Return ``df`` with exactly the schema's columns, in order, cast to its dtypes."""
    missing = [c for c in schema if c not in df.columns]
    if missing:
        raise ValueError(f"table lacks columns {missing}; has {list(df.columns)}")
    return df[list(schema)].astype(schema)


def check_unique(df: pd.DataFrame, key: list[str], what: str, locate: list[str] | None = None) -> None:
    """Raise :class:`InputError` naming both rows when ``key`` is duplicated in ``df``.

    ``locate`` lists the columns that say where a row came from (default: file, row,
    column when present), so the message points at both offending places.
    """
    dup = df.duplicated(key, keep=False)
    if not dup.any():
        return
    locate = locate or [c for c in ("file", "row", "column") if c in df.columns]
    first = df.loc[dup].sort_values(key + locate).head(2)
    places = "; ".join(
        ", ".join(f"{c}={first.iloc[i][c]}" for c in locate) for i in range(len(first))
    )
    keyval = ", ".join(f"{k}={first.iloc[0][k]}" for k in key)
    raise InputError(
        problem=f"duplicate {what} for ({keyval}): found at {places}",
        file=str(first.iloc[0]["file"]) if "file" in first.columns else None,
        row=int(first.iloc[1]["row"]) if "row" in first.columns else None,
        expected=f"one {what} per ({', '.join(key)})",
        fix="remove the repeated row from the input, or map the two series to different indicators",
    )
