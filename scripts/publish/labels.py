"""Readable labels for published figures and tables: economy names and node names (method names: core.vocabulary)."""

from __future__ import annotations

import re
from collections.abc import Mapping

import pandas as pd


def economy_names(economies: pd.DataFrame) -> dict[str, str]:
    """ISO3 -> economy name (World Bank name, else the ISO 3166 short name)."""
    return dict(zip(economies["iso3"].astype(str), economies["name"].astype(str)))


def node_names(framework: pd.DataFrame) -> dict[str, str]:
    """Framework node -> display name (the framework's ``name`` column, else the node id made readable)."""
    names = framework.set_index("node")["name"].fillna("").astype(str)
    return {str(n): (v or readable(str(n))) for n, v in names.items()}


def readable(identifier: str) -> str:
    """An identifier as words: "internet_users_pct" -> "Internet users (%)"."""
    text = re.sub(r"_pct$", " (%)", identifier)
    text = re.sub(r"_per(\d+)$", r" per \1", text)
    text = text.replace("_", " ")
    return text[:1].upper() + text[1:]


def short(name: str, width: int = 28) -> str:
    """``name`` cut to ``width`` characters with an ellipsis (for axis labels)."""
    return name if len(name) <= width else name[: width - 1].rstrip() + "…"


def with_names(df: pd.DataFrame, economies: pd.DataFrame, *, column: str = "iso3") -> pd.DataFrame:
    """``df`` with the economy's name, region and current income group after the ISO3 column."""
    info = economies[["iso3", "name", "region", "income_group"]].rename(columns={"iso3": column, "name": "economy"})
    out = df.merge(info, on=column, how="left", validate="many_to_one")
    first = [c for c in (column, "economy", "region", "income_group") if c in out.columns]
    return out[first + [c for c in out.columns if c not in first]]


def rename(labels: Mapping[str, str], values: pd.Series) -> pd.Series:
    """``values`` mapped through ``labels``, unknown values kept as they are."""
    return values.map(lambda v: labels.get(v, v))
