"""Readers for ITU's latest-year snapshot tables: core household indicators, Internet use by gender.

See :mod:`scripts.ingest.readers.itu` for ITU's dash and the notes every ITU reader attaches.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

import numpy as np
import pandas as pd

from scripts.core import contract, tables
from scripts.core.errors import InputError
from scripts.ingest.readers.common import (
    Sheet,
    cell_text,
    cells_error,
    layout_error,
    load_sheet,
    open_sheet,
    parse_numeric,
    sheet_cell_column,
    sheet_names,
)
from scripts.ingest.readers.itu import (
    DASH_NOTE,
    ESTIMATE_NOTE,
    HEADER_SEARCH,
    SHEET_FIX,
    SPACES,
    join_notes,
    parse_values,
)

log = logging.getLogger("ictmdg.readers.itu")


#: Sheet holding the table in the core household indicators workbook.
HOUSEHOLD_SHEET = "CoreHouseholdIndicators"


#: Column labels of the Internet-by-gender table and the series each one becomes. The
#: "Individuals" column is indicator HH7 but not always the core table's HH7 figure
#: (Botswana, Japan, Nigeria and Sri Lanka differ in the June-2019 files), hence a
#: series of its own that the catalogue can map, or not, on purpose.
GENDER_SERIES: dict[str, str] = {
    "Individuals": "ITU:HH7_total",
    "Male": "ITU:HH7_male",
    "Female": "ITU:HH7_female",
}


_CODE = re.compile(r"^\((HH[0-9A-Za-z]+)\)$")


def _parse_footnotes(texts: list[str]) -> dict[str, str]:
    """Return ``{'1': text, '2': text, ...}`` from a footnote block '(1) ... (2) ...'.

    Numbers are accepted only in sequence, so a '(5)' quoted inside a footnote's text
    cannot start a new footnote unless it is the next number expected.
    """
    notes: dict[str, str] = {}
    for text in texts:
        marks = list(re.finditer(r"\((\d+)\)", text))
        expected = 1
        kept: list[re.Match[str]] = []
        for m in marks:
            if int(m.group(1)) == expected:
                kept.append(m)
                expected += 1
        for i, m in enumerate(kept):
            end = kept[i + 1].start() if i + 1 < len(kept) else len(text)
            notes[m.group(1)] = SPACES.sub(" ", text[m.end() : end]).strip()
    return notes


def _footnote_texts(sheet: Sheet, after_row: int) -> list[str]:
    """Return the texts below ``after_row`` that hold a numbered footnote list ('(1) ...')."""
    below = sheet.values.loc[after_row + 1 :]
    return [str(v) for v in below.to_numpy().ravel() if isinstance(v, str) and re.search(r"\(1\)", v)]


def _footnote_note(refs: pd.Series, footnotes: dict[str, str]) -> pd.Series:
    """Return 'footnote (n): text' for each reference cell ('' when blank)."""

    def one(ref: object) -> str:
        t = cell_text(ref)
        if not t:
            return ""
        out = []
        for n in re.split(r"[,;\s]+", t):
            if not n:
                continue
            n = n.strip("()")
            out.append(f"footnote ({n}): {footnotes[n]}" if n in footnotes else f"footnote ({n})")
        return "; ".join(out)

    return refs.map(one)


def _snapshot_observations(
    sheet: Sheet,
    rel: str,
    source: str,
    rows: list[int],
    name_col: int,
    value_cols: dict[int, str],
    year_col: dict[int, int],
    footnote_col: dict[int, int | None],
    footnotes: dict[str, str],
) -> pd.DataFrame:
    """Return the observations of a latest-year snapshot table.

    Each value column ``c`` (series ``value_cols[c]``) takes its year from column
    ``year_col[c]`` of the same row and its footnote reference from ``footnote_col[c]``.
    A value without a year is an :class:`InputError`; a missing value without a year gets
    the table's latest year of data (so the missing cell is still counted) and says so in
    its note.
    """
    data = sheet.values.loc[rows]
    ital = sheet.italic.loc[rows]
    names = data[name_col].map(cell_text)
    frames = []
    for c, series in value_cols.items():
        yc = year_col[c]
        fc = footnote_col.get(c)
        frames.append(
            pd.DataFrame(
                {
                    "row": data.index.to_numpy(),
                    "column": sheet_cell_column(sheet.name, c),
                    "year_column": sheet_cell_column(sheet.name, yc),
                    "entity_raw": names.to_numpy(),
                    "series": series,
                    "raw": data[c].to_numpy(),
                    "raw_year": data[yc].to_numpy(),
                    "italic": ital[c].to_numpy(),
                    "footnote": (
                        _footnote_note(data[fc], footnotes).to_numpy()
                        if fc is not None
                        else np.full(len(data), "", dtype=object)
                    ),
                }
            )
        )
    long = pd.concat(frames, ignore_index=True)
    values, dash = parse_values(long["raw"], rel=rel, rows=long["row"], columns=long["column"])
    year = parse_numeric(long["raw_year"], file=rel, rows=long["row"], columns=long["year_column"])
    bad_year = year.notna() & ((year % 1 != 0) | (year < 1900) | (year > 2100))
    if bad_year.any():
        bad = long.loc[bad_year]
        raise cells_error(
            problem=f"year of data {bad['raw_year'].iloc[0]!r} is not a year",
            file=rel,
            rows=bad["row"].to_numpy(),
            columns=bad["year_column"].astype(str).tolist(),
            values=bad["raw_year"].tolist(),
            expected="a four-digit year",
            fix="check the file for a shifted column",
        )
    no_year = values.notna() & year.isna()
    if no_year.any():
        bad = long.loc[no_year]
        raise cells_error(
            problem=f"value {bad['raw'].iloc[0]!r} has no year of data",
            file=rel,
            rows=bad["row"].to_numpy(),
            columns=bad["year_column"].astype(str).tolist(),
            values=bad["raw"].tolist(),
            expected="the year of the figure in the 'Year of data' column next to it",
            fix="add the year from the publisher's release, or blank the value if it is not a real figure",
        )
    latest = int(year.max()) if year.notna().any() else 0
    filler = pd.Series(
        np.where(year.isna(), f"no year of data; year set to the table's latest ({latest})", ""), index=long.index
    )
    estimate = pd.Series(np.where(long["italic"].astype(bool) & values.notna(), ESTIMATE_NOTE, ""), index=long.index)
    dash_note = pd.Series(np.where(dash, DASH_NOTE, ""), index=long.index)
    long = long.assign(
        value=values,
        year=year.fillna(latest).astype("int64"),
        note=join_notes([estimate, dash_note, long["footnote"], filler]),
        source=source,
        file=rel,
        entity_code="",
    )
    return contract.conform(long, tables.OBSERVATIONS)


def _snapshot_rows(sheet: Sheet, rel: str, header_row: int, name_col: int, numbered: bool) -> list[int]:
    """Return the sheet rows of the economies in a snapshot table.

    With ``numbered`` (core household table) a data row has a running number in the column
    left of the name: the table is the run of such rows below the header, and it ends at
    the first row without one ('Note:' block). Without it (gender table) the table ends at
    the first row with an empty name. Rows below the end are footnotes; a numbered row
    there means the table was interrupted, which is an error.
    """
    body = sheet.values.loc[header_row + 1 :]
    names = body[name_col].map(cell_text)
    if numbered:
        num = body[name_col - 1].map(
            lambda v: isinstance(v, (int, float)) and not isinstance(v, bool) and cell_text(v) != ""
        )
        start_candidates = num[num]
        if start_candidates.empty:
            return []
        start = int(start_candidates.index[0])
        after = num.loc[start:]
        end = int(after.idxmin()) if (~after).any() else int(body.index.max()) + 1
        rows = [int(r) for r in body.index if start <= r < end]
        late = num.loc[end:]
        if late.any():
            r = int(late.idxmax())
            raise InputError(
                problem="a numbered economy row below the end of the table",
                file=rel,
                row=r,
                column=sheet_cell_column(sheet.name, name_col - 1),
                expected="the economies as one run of numbered rows, then the notes",
                fix="remove the blank or text row inside the table",
            )
        nameless = [r for r in rows if names.loc[r] == ""]
        if nameless:
            raise InputError(
                problem="a numbered row without an economy name",
                file=rel,
                row=nameless[0],
                column=sheet_cell_column(sheet.name, name_col),
                expected="the economy name next to its running number",
                fix="check the file for a shifted row",
            )
        return rows
    empty = names == ""
    end = int(empty.idxmax()) if empty.any() else int(body.index.max()) + 1
    return [int(r) for r in body.index if r < end]


def read_itu_core_household(path: Path, rel: str, source: str) -> pd.DataFrame:
    """Read ITU's CoreHouseholdIndicators workbook (latest year per economy) into observations.

    Layout discovered from the sheet: a header row with the indicator codes '(HH1)',
    '(HH2)', ... each followed by a footnote-reference column and a 'Year' column (the
    'Year of data' of the figure); the economies are numbered rows (running number, then
    ITU name); '...' is not available, '-' zero or less than the unit shown; a block of
    notes and numbered footnotes follows the table.

    Returns :data:`scripts.tables.OBSERVATIONS`, one row per economy x indicator;
    ``series`` = "ITU:" + code (e.g. "ITU:HH4"); values in percent; ``year`` = the year of
    data (a missing figure without a year gets the table's latest year and a note saying
    so); ``note`` holds "ITU estimate" for italic figures, :data:`DASH_NOTE` for '-', and
    "footnote (n): text" for referenced footnotes.
    """
    sheet = open_sheet(path, rel, HOUSEHOLD_SHEET, fix=SHEET_FIX)
    header_row = None
    codes: dict[int, str] = {}
    for r, row in sheet.values.loc[:HEADER_SEARCH].iterrows():
        found = {int(c): m.group(1) for c, v in row.items() if (m := _CODE.match(cell_text(v)))}
        if found:
            header_row, codes = int(r), found
            break
    if header_row is None:
        raise layout_error(
            problem=f"no header row with indicator codes such as '(HH1)' in the first {HEADER_SEARCH} rows",
            file=rel,
            column=f"'{sheet.name}'",
            expected="a header row with '(HH1)', 'Year', '(HH2)', 'Year', ...",
        )
    header = sheet.values.loc[header_row]
    year_cols = sorted(int(c) for c, v in header.items() if cell_text(v).lower().startswith("year"))
    starts = sorted(codes)
    year_col: dict[int, int] = {}
    footnote_col: dict[int, int | None] = {}
    for i, c in enumerate(starts):
        nxt = starts[i + 1] if i + 1 < len(starts) else int(sheet.values.columns.max()) + 1
        ys = [y for y in year_cols if c < y < nxt]
        if len(ys) != 1:
            raise layout_error(
                problem=f"indicator ({codes[c]}) has {len(ys)} 'Year' columns before the next indicator",
                file=rel,
                row=header_row,
                column=sheet_cell_column(sheet.name, c),
                expected="each indicator column followed by exactly one 'Year' (of data) column",
            )
        year_col[c] = ys[0]
        footnote_col[c] = c + 1 if c + 1 < ys[0] else None
    dup = pd.Series(codes).duplicated()
    if dup.any():
        c = int(dup.idxmax())
        raise layout_error(
            problem=f"indicator ({codes[c]}) appears twice in the header",
            file=rel,
            row=header_row,
            column=sheet_cell_column(sheet.name, c),
            expected="each indicator code once",
        )
    name_col = 1
    if min(starts) <= name_col:
        raise layout_error(
            problem="an indicator column sits where the economy names should be",
            file=rel,
            row=header_row,
            column=sheet_cell_column(sheet.name, min(starts)),
            expected="running number in column A, economy name in column B, indicators to the right",
        )
    rows = _snapshot_rows(sheet, rel, header_row, name_col, numbered=True)
    if not rows:
        return contract.empty(tables.OBSERVATIONS)
    footnotes = _parse_footnotes(_footnote_texts(sheet, rows[-1]))
    value_cols = {c: f"ITU:{codes[c]}" for c in starts}
    return _snapshot_observations(sheet, rel, source, rows, name_col, value_cols, year_col, footnote_col, footnotes)


def read_itu_internet_by_gender(path: Path, rel: str, source: str) -> pd.DataFrame:
    """Read ITU's 'Individuals using the internet by gender' table into observations.

    Layout: a header row with 'Economy name', 'year' (latest year, shared by the row's
    figures), 'Individuals', 'Male', 'Female'; a footnote-reference column may follow a
    value column; the table ends at the first row without an economy name, then come the
    source line and the numbered footnotes. The sheet is the first one that has such a
    header (ITU names it '10. Individuals using the Inter', truncated).

    Returns :data:`scripts.tables.OBSERVATIONS`, one row per economy x column, in
    percent of the population (of each sex); ``series`` from :data:`GENDER_SERIES`
    ("ITU:HH7_total", "ITU:HH7_male", "ITU:HH7_female").
    """
    names_found = sheet_names(path, rel)
    for sheet_name in names_found:
        sheet = load_sheet(path, rel, sheet_name)
        for r, row in sheet.values.loc[:HEADER_SEARCH].iterrows():
            labels = {cell_text(v): int(c) for c, v in row.items() if cell_text(v)}
            if "Economy name" in labels:
                return _read_gender_sheet(sheet, rel, source, int(r), labels)
    raise InputError(
        problem=f"no sheet with an 'Economy name' header; sheets found: {names_found}",
        file=rel,
        expected="a header row with 'Economy name', 'year', 'Individuals', 'Male', 'Female'",
        fix="check that this is ITU's Internet-by-gender table; ITU may have changed the layout",
    )


def _read_gender_sheet(sheet: Sheet, rel: str, source: str, header_row: int, labels: dict[str, int]) -> pd.DataFrame:
    """Read the gender table once its header row is known (see :func:`read_itu_internet_by_gender`)."""
    lower = {k.lower(): c for k, c in labels.items()}
    missing = [k for k in ["year", *[s.lower() for s in GENDER_SERIES]] if k not in lower]
    if missing:
        raise InputError(
            problem=f"header lacks {missing}; found {list(labels)}",
            file=rel,
            row=header_row,
            expected="the columns 'Economy name', 'year', 'Individuals', 'Male', 'Female'",
            fix="ITU may have changed the layout; adapt the reader",
        )
    name_col = labels["Economy name"]
    yc = lower["year"]
    value_cols = {lower[k.lower()]: s for k, s in GENDER_SERIES.items()}
    header_cols = set(labels.values())
    ordered = sorted(value_cols)
    footnote_col: dict[int, int | None] = {}
    for i, c in enumerate(ordered):
        nxt = ordered[i + 1] if i + 1 < len(ordered) else c + 2
        inside = c + 1 < nxt and c + 1 in sheet.values.columns
        footnote_col[c] = c + 1 if inside and c + 1 not in header_cols else None
    rows = _snapshot_rows(sheet, rel, header_row, name_col, numbered=False)
    if not rows:
        return contract.empty(tables.OBSERVATIONS)
    footnotes = _parse_footnotes(_footnote_texts(sheet, rows[-1]))
    return _snapshot_observations(
        sheet, rel, source, rows, name_col, value_cols, {c: yc for c in value_cols}, footnote_col, footnotes
    )
