"""Published index scores (ITU IDI, UN EGDI/TII) read and matched to ISO3, for validation only.

The Handbook's step 9 ('links to other indicators') compares our index with what others
publish. These scores never enter a model or an index; they are read here, matched to
economies by code or by name (the same name matching as harmonisation), and handed to
:func:`scripts.audit.external_validation`.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from scripts.errors import InputError
from scripts.files import read_csv
from scripts.harmonize import _coco_iso3, normalise_name


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
                problem=f"column {col!r} not found", file=rel, row=1,
                expected=f"one of {list(df.columns)}", fix="check the external_validation settings in the config",
            )
    scores = pd.to_numeric(df[score_column].str.strip(), errors="coerce")
    bad = scores.isna() & df[score_column].fillna("").str.strip().ne("")
    if bad.any():
        i = int(bad.idxmax())
        raise InputError(problem=f"score {df.loc[i, score_column]!r} is not a number", file=rel, row=i + 2, column=score_column)
    codes = df[code_column].fillna("").str.strip() if code_column else pd.Series("", index=df.index)
    raw_names = df[name_column].fillna("").str.strip() if name_column else pd.Series("", index=df.index)
    iso3 = codes.where(codes.str.fullmatch(r"[A-Z]{3}"), "")
    by_name = raw_names.map(lambda n: names.get(normalise_name(n), "")) if name_column else iso3
    iso3 = iso3.where(iso3 != "", by_name)
    todo = (iso3 == "") & (raw_names != "")
    if todo.any():
        found = _coco_iso3(raw_names[todo].tolist())
        iso3.loc[todo] = [f or "" for f in found]
    ok = (iso3 != "") & scores.notna()
    unmatched = pd.DataFrame(
        {"row": df.index[~ok] + 2, "name": raw_names[~ok], "code": codes[~ok],
         "reason": ["no score" if pd.isna(s) else "name not matched" for s in scores[~ok]]}
    )
    out = pd.Series(scores[ok].to_numpy(), index=pd.Index(iso3[ok].to_numpy(), name="iso3"), name=score_column)
    dup = out.index.duplicated(keep=False)
    if dup.any():
        raise InputError(
            problem=f"two rows match economy {out.index[dup][0]!r}", file=rel,
            expected="one score per economy", fix="add the economy's published name to config/entities.csv rules",
        )
    return out.sort_index(), unmatched
