"""Published index scores (ITU IDI, UN EGDI/TII) read and matched to ISO3, for validation only.

The Handbook's step 9 ('links to other indicators') compares our index with what others
publish. These scores never enter a model or an index; they are read here, matched to
economies by code or by name (the same name matching as harmonisation), and correlated
with our overall index by :func:`external_table`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from scripts.core import tables
from scripts.core.contract import empty
from scripts.core.errors import InputError
from scripts.core.io import read_csv
from scripts.harmonize.entities import coco_iso3, normalise_name
from scripts.index.prepare import UNIT, YEAR


def name_lookup(economies: pd.DataFrame, concordance: pd.DataFrame, entity_map: pd.DataFrame) -> dict[str, str]:
    """Map normalised economy names to ISO3 from every name the workflow has matched.

    ``economies`` (iso3, name), ``concordance`` (iso3, name, name_official ...) and the
    harmoniser's ``entity_map`` (entity_raw -> iso3 for names it resolved) together cover
    World Bank, UN and ITU spellings.
    """
    names: dict[str, str] = {}
    for col in [c for c in ("name_official", "name") if c in concordance.columns]:
        for code, name in concordance[["iso3", col]].dropna().itertuples(index=False):
            if name and len(str(code)) == 3:
                names[normalise_name(name)] = code
    for code, name in economies[["iso3", "name"]].dropna().itertuples(index=False):
        names[normalise_name(name)] = code
    matched = entity_map[(entity_map["entity_fate"] == "economy") & (entity_map["iso3"].fillna("") != "")]
    for raw, code in matched[["entity_raw", "iso3"]].itertuples(index=False):
        names[normalise_name(raw)] = code
    return names


def read_published_scores(
    path: str | Path,
    rel: str,
    *,
    score_column: str,
    names: dict[str, str],
    code_column: str | None = None,
    name_column: str | None = None,
) -> tuple[pd.Series, pd.DataFrame]:
    """Read one published score table.

    Returns ``(scores, unmatched)``: a float Series indexed by iso3 (sorted), and a frame
    of rows that could not be matched (row, name, reason). Codes are used when the table
    has them, names otherwise (and for blank codes); a name is matched exactly after
    normalisation, then by country_converter. A broken byte (U+FFFD) is tolerated by the
    fallback. Raises :class:`InputError` when a named column is missing or a score is
    not a number.
    """
    df = read_csv(path, dtype=str)
    for col in (score_column, code_column, name_column):
        if col is not None and col not in df.columns:
            raise InputError(
                problem=f"column {col!r} not found",
                file=rel,
                row=1,
                expected=f"one of {list(df.columns)}",
                fix="check the external_validation settings in the config",
            )
    scores = pd.to_numeric(df[score_column].str.strip(), errors="coerce")
    bad = scores.isna() & df[score_column].fillna("").str.strip().ne("")
    if bad.any():
        i = int(bad.idxmax())
        raise InputError(
            problem=f"score {df.loc[i, score_column]!r} is not a number", file=rel, row=i + 2, column=score_column
        )
    codes = df[code_column].fillna("").str.strip() if code_column else pd.Series("", index=df.index)
    raw_names = df[name_column].fillna("").str.strip() if name_column else pd.Series("", index=df.index)
    iso3 = codes.where(codes.str.fullmatch(r"[A-Z]{3}"), "")
    by_name = raw_names.map(lambda n: names.get(normalise_name(n), "")) if name_column else iso3
    iso3 = iso3.where(iso3 != "", by_name)
    todo = (iso3 == "") & (raw_names != "")
    if todo.any():
        found = coco_iso3(raw_names[todo].tolist())
        iso3.loc[todo] = [f or "" for f in found]
    ok = (iso3 != "") & scores.notna()
    unmatched = pd.DataFrame(
        {
            "row": df.index[~ok] + 2,
            "name": raw_names[~ok],
            "code": codes[~ok],
            "reason": ["no score" if pd.isna(s) else "name not matched" for s in scores[~ok]],
        }
    )
    out = pd.Series(scores[ok].to_numpy(), index=pd.Index(iso3[ok].to_numpy(), name="iso3"), name=score_column)
    dup = out.index.duplicated(keep=False)
    if dup.any():
        raise InputError(
            problem=f"two rows match economy {out.index[dup][0]!r}",
            file=rel,
            expected="one score per economy",
            fix="add the economy's published name to config/entities.csv rules",
        )
    return out.sort_index(), unmatched


def external_table(root_scores: pd.DataFrame, published: list[dict[str, Any]]) -> pd.DataFrame:
    """Correlate the index with each published score table.

    ``root_scores`` has iso3, year, score of the root node; each ``published`` entry has
    id, label, data_year and ``scores`` (Series by iso3). Our year is the edition's data
    year, or the nearest year we have (the table says which and how far). Returns one
    row per published table with n, Spearman rho, Pearson r, p-values and coverage.
    """
    rows = []
    years = sorted(root_scores[YEAR].unique())
    for pub in published:
        want = int(pub["data_year"])
        ours_year = min(years, key=lambda y: (abs(y - want), -y))
        ours = root_scores.loc[root_scores[YEAR] == ours_year].set_index(UNIT)["score"]
        found = external_validation(ours, pub["scores"], pub["label"])
        rows.append(
            {
                "reference": pub["id"],
                "data_year": want,
                "our_year": int(ours_year),
                "year_gap": int(ours_year) - want,
                **found,
            }
        )
    return pd.DataFrame(rows)


def external_validation(ours: pd.Series, published: pd.Series, label: str) -> dict[str, object]:
    """Compare our scores with a published index over the units both cover.

    ``ours`` and ``published`` are indexed by unit code (missing values are treated as
    not covered). Pass both with the same orientation (scores, or both as ranks).

    Returns a dict (one row of a validation table): ``label``; ``n_common``;
    ``n_only_ours`` and ``n_only_published`` (units covered by one side only);
    ``spearman_rho``, ``spearman_p``, ``pearson_r``, ``pearson_p`` (two-sided p-values,
    scipy) over the common units, NaN below 3 common units or when one side is constant.
    """
    a = ours.dropna()
    b = published.dropna()
    for what, s in (("our scores", a), (f"published index {label}", b)):
        if s.index.has_duplicates:
            dup = list(s.index[s.index.duplicated()].unique()[:3])
            raise InputError(
                problem=f"{what} list units {dup} more than once",
                expected="one value per unit code",
                fix="keep one row per unit (one year, one edition) before comparing",
            )
    common = a.index.intersection(b.index)
    x = a.loc[common].to_numpy(dtype=float)
    y = b.loc[common].to_numpy(dtype=float)
    row: dict[str, object] = {
        "label": label,
        "n_common": int(len(common)),
        "n_only_ours": int(len(a.index.difference(b.index))),
        "n_only_published": int(len(b.index.difference(a.index))),
        "spearman_rho": float("nan"),
        "spearman_p": float("nan"),
        "pearson_r": float("nan"),
        "pearson_p": float("nan"),
    }
    if len(common) >= 3 and np.ptp(x) > 0 and np.ptp(y) > 0:
        sp = stats.spearmanr(x, y)
        pe = stats.pearsonr(x, y)
        row.update(
            spearman_rho=float(sp.statistic),
            spearman_p=float(sp.pvalue),
            pearson_r=float(pe.statistic),
            pearson_p=float(pe.pvalue),
        )
    return row


def read_references(
    references: Sequence[Mapping[str, Any]], paths: Sequence[str], names: dict[str, str]
) -> tuple[list[dict[str, Any]], pd.DataFrame]:
    """Read every published score table of ``external_validation`` (the files at ``paths``).

    Returns ``(published, unmatched)``: per reference its config entry plus ``scores`` (a
    Series by iso3), and the EXTERNAL_UNMATCHED rows of all references.
    """
    published, unmatched = [], []
    for ref, path in zip(references, paths):
        scores, missed = read_published_scores(
            path,
            ref["file"],
            score_column=ref["score_column"],
            names=names,
            code_column=ref.get("code_column"),
            name_column=ref.get("name_column"),
        )
        published.append({**ref, "scores": scores})
        unmatched.append(missed.assign(reference=ref["id"]))
    return published, pd.concat(unmatched, ignore_index=True) if unmatched else empty(tables.EXTERNAL_UNMATCHED)
