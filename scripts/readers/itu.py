"""Readers for the ITU World Telecommunication/ICT Indicators files (June 2019 release).

Three layouts are read here:

* the per-indicator time-series workbooks (``Fixed_broadband_*.xls``, ``Fixed_tel_*.xls``,
  ``Individuals_Internet_*.xls``, ``Mobile_cellular_*.xls``): :func:`read_itu_timeseries`;
* the latest-year snapshot of the core household indicators
  (``CoreHouseholdIndicators_Jun2019.xlsx``): :func:`read_itu_core_household`;
* the latest-year snapshot of Internet use by gender
  (``Individuals using the internet by gender_Jun2019.xlsx``):
  :func:`read_itu_internet_by_gender`.

ITU's dash
    ITU prints '-' for "zero or quantity less than half the unit shown". It is a real
    (tiny) value, not a missing one, so a '-' cell becomes ``value = 0.0`` with
    :data:`DASH_NOTE` in ``note``; the reconciliation can still find every such cell by
    its note.

All readers return :data:`scripts.contract.OBSERVATIONS` with one row per cell of the
value grid, missing cells included (value NaN).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from scripts import contract
from scripts.errors import InputError
from scripts.readers.common import Sheet, load_sheet, open_sheet, parse_numeric, sheet_cell_column, sheet_names

log = logging.getLogger("ictmdg.readers.itu")

#: Note put on a cell that held ITU's '-' ("zero or quantity less than half the unit shown").
DASH_NOTE = "ITU '-': zero or < half unit"
#: Note put on a cell printed in italics in a snapshot table ("figures in italics are ITU estimates").
ESTIMATE_NOTE = "ITU estimate"

#: Sheet holding the data in the time-series workbooks.
TIMESERIES_SHEET = "Final"
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

_YEAR = re.compile(r"^(19|20)\d\d$")
_META = re.compile(r"^(notes?|sources?)\s+((?:19|20)\d\d)$", re.IGNORECASE)
_CODE = re.compile(r"^\((HH[0-9A-Za-z]+)\)$")
_FOOTNOTE_START = re.compile(r"^(notes?|sources?)\s*:", re.IGNORECASE)
_SPACES = re.compile(r"\s+")
#: How many rows from the top are searched for header rows.
_HEADER_SEARCH = 15
_SHEET_FIX = "check that this is the ITU file the catalogue names; ITU may have renamed the sheet"


# --------------------------------------------------------------------------- cell helpers


def _text(v: object) -> str:
    """Return a cell as stripped text ('' for empty cells)."""
    if v is None:
        return ""
    if isinstance(v, float):
        if np.isnan(v):
            return ""
        return str(int(v)) if v.is_integer() else repr(v)
    return str(v).strip()


def _clean_note(v: object) -> str:
    """Return note text on one line: ITU notes contain line breaks and repeated blanks."""
    return _SPACES.sub(" ", _text(v)).strip()


def _as_year(v: object) -> int | None:
    """Return ``v`` as a year when it is one (2000, 2000.0 or '2000'), else None."""
    t = _text(v)
    return int(t) if _YEAR.match(t) else None


def _blank(values: pd.DataFrame) -> pd.DataFrame:
    """Return a boolean frame: True where a cell is empty or only whitespace."""
    return values.map(lambda v: _text(v) == "")


def _join_notes(parts: list[pd.Series]) -> pd.Series:
    """Join note fragments row-wise with '; ', skipping empty fragments."""
    out = pd.Series("", index=parts[0].index, dtype=object)
    for part in parts:
        text = pd.Series(part, index=out.index).fillna("").astype(str)
        both = (out != "") & (text != "")
        out = (out + np.where(both, "; ", "") + text).astype(object)
    return out.astype("string")


def _parse_values(
    raw: pd.Series, *, rel: str, rows: pd.Series, columns: pd.Series
) -> tuple[pd.Series, pd.Series]:
    """Parse value cells; return (float values, boolean 'was ITU dash').

    '-' (and the en dash ITU sometimes types) is zero-or-less-than-half-a-unit: value 0.0.
    """
    text = raw.map(_text)
    dash = text.isin({"-", "\u2013"})
    values = parse_numeric(raw.where(~dash, None), file=rel, rows=rows, columns=columns)
    values = values.where(~dash, 0.0)
    return values, dash


# --------------------------------------------------------------------------- time series


@dataclass(frozen=True)
class _Block:
    title: str
    year_cols: dict[int, int]  # column index -> year


def _find_year_row(sheet: Sheet, rel: str) -> int:
    """Return the sheet row holding the year labels of the value blocks."""
    head = sheet.values.loc[: _HEADER_SEARCH]
    for r, row in head.iterrows():
        if any(_as_year(v) is not None for v in row.iloc[1:]):
            return int(r)
    raise InputError(
        problem=f"no row of year labels (e.g. 2000, 2001, ...) in the first {_HEADER_SEARCH} rows",
        file=rel,
        column=f"'{sheet.name}'",
        expected="a title row with the block titles, then a row with one year per column of each block",
        fix="the publisher may have changed the layout; download the file again or adapt the reader",
    )


def _discover_blocks(
    sheet: Sheet, rel: str, title_row: int, year_row: int
) -> tuple[list[_Block], dict[int, dict[str, int]]]:
    """Return the value blocks and the metadata columns ``{year: {'notes': col, 'source': col}}``.

    A block starts at a non-empty title cell and runs until the next title cell; its value
    columns are the consecutive year labels under and right of its title.
    """
    # column A holds the economy names (and at most a label for them), never a block
    titles = {int(c): _text(v) for c, v in sheet.values.loc[title_row].items() if int(c) > 0 and _text(v)}
    years_row = sheet.values.loc[year_row]
    starts = sorted(titles)
    if not starts:
        raise InputError(
            problem="no block title found above the year row",
            file=rel,
            row=title_row,
            expected="block titles such as 'Fixed-broadband subscriptions' at the first column of each block",
            fix="the publisher may have changed the layout; download the file again or adapt the reader",
        )
    labelled = {c for c, v in years_row.items() if _as_year(v) is not None}
    first = starts[0]
    orphan = sorted(c for c in labelled if c < first)
    if orphan:
        raise InputError(
            problem="year labels without a block title above them",
            file=rel,
            row=year_row,
            column=sheet_cell_column(sheet.name, orphan[0]),
            expected="each block's title in the title row at the block's first column",
            fix="the publisher may have changed the layout; download the file again or adapt the reader",
        )
    blocks: list[_Block] = []
    meta: dict[int, dict[str, int]] = {}
    ends = starts[1:] + [int(sheet.values.columns.max()) + 1]
    for start, end in zip(starts, ends):
        cols = range(start, end)
        if _as_year(years_row.get(start)) is not None:
            year_cols: dict[int, int] = {}
            for c in cols:
                y = _as_year(years_row.get(c))
                if y is None:
                    break
                if y in year_cols.values():
                    raise InputError(
                        problem=f"year {y} appears twice in block {titles[start]!r}",
                        file=rel,
                        row=year_row,
                        column=sheet_cell_column(sheet.name, c),
                        expected="each year once per block",
                        fix="the publisher may have changed the layout; adapt the reader",
                    )
                year_cols[c] = y
            stray = [c for c in cols if c not in year_cols and _as_year(years_row.get(c)) is not None]
            if stray:
                raise InputError(
                    problem=f"year label separated from the rest of block {titles[start]!r}",
                    file=rel,
                    row=year_row,
                    column=sheet_cell_column(sheet.name, stray[0]),
                    expected="the years of a block in adjacent columns",
                    fix="the publisher may have changed the layout; adapt the reader",
                )
            blocks.append(_Block(title=titles[start], year_cols=year_cols))
            continue
        found_meta = False
        for c in cols:
            m = _META.match(_text(years_row.get(c)))
            if not m:
                continue
            found_meta = True
            kind = "notes" if m.group(1).lower().startswith("note") else "source"
            slot = meta.setdefault(int(m.group(2)), {})
            if kind in slot:
                raise InputError(
                    problem=f"two '{m.group(1)} {m.group(2)}' columns: cannot tell which applies",
                    file=rel,
                    row=year_row,
                    column=sheet_cell_column(sheet.name, c),
                    expected="one Notes and one Source column per year",
                    fix="the publisher may have changed the layout; adapt the reader",
                )
            slot[kind] = c
        if not found_meta:
            raise InputError(
                problem=f"block {titles[start]!r} has neither year labels nor Notes/Source labels under it",
                file=rel,
                row=year_row,
                column=sheet_cell_column(sheet.name, start),
                expected="years (2000, 2001, ...) or 'Notes <year>'/'Source <year>' under each block title",
                fix="the publisher may have changed the layout; download the file again or adapt the reader",
            )
    if not blocks:
        raise InputError(
            problem=f"no value block: none of the titles {list(titles.values())} has years under it",
            file=rel,
            row=title_row,
            expected="at least one block title with a year in the cell below it",
            fix="the publisher may have changed the layout; download the file again or adapt the reader",
        )
    return blocks, meta


def _economy_rows(
    sheet: Sheet, rel: str, year_row: int, grid_cols: list[int], name_col: int
) -> list[int]:
    """Return the sheet rows of the economies.

    Rule: the table starts right under the year row and ends at the first row that is
    entirely blank or whose name cell opens a footnote ('Note:', 'Source:'); what follows
    is footnotes and is skipped. A number in a value column after that point, or a row
    with values but no economy name inside the table, is an error (a shifted table would
    otherwise lose rows silently).
    """
    body = sheet.values.loc[year_row + 1 :]
    if body.empty:
        return []
    blank = _blank(body)
    names = body[name_col].map(_text)
    all_blank = blank.all(axis=1)
    footnote = names.str.match(_FOOTNOTE_START)
    stop = all_blank | footnote
    end = int(stop.idxmax()) if stop.any() else int(body.index.max()) + 1
    rows = [int(r) for r in body.index if r < end]
    nameless = [r for r in rows if names.loc[r] == ""]
    if nameless:
        r = nameless[0]
        raise InputError(
            problem="a row with values but no economy name",
            file=rel,
            row=r,
            column=sheet_cell_column(sheet.name, name_col),
            expected="the economy name in the first column of every data row",
            fix="check the file for a shifted or pasted-in row",
        )
    after = body.loc[body.index >= end, [c for c in grid_cols if c in body.columns]]
    if not after.empty:
        numeric = after.map(lambda v: isinstance(v, (int, float)) and not (isinstance(v, float) and np.isnan(v)))
        if numeric.to_numpy().any():
            r, c = next((int(i), int(j)) for i, j in zip(*np.nonzero(numeric.to_numpy())))
            raise InputError(
                problem="numbers below the end of the table (after a blank or footnote row)",
                file=rel,
                row=int(after.index[r]),
                column=sheet_cell_column(sheet.name, int(after.columns[c])),
                expected="one economy per row with no blank rows inside the table; only footnotes after it",
                fix="remove the blank row inside the table or check that the file is the publisher's original",
            )
    return rows


def read_itu_timeseries(path: Path, rel: str, source: str) -> pd.DataFrame:
    """Read an ITU June-2019 time-series workbook (sheet 'Final') into observations.

    Layout discovered from the sheet: a title row with one title per block at the block's
    first column, a row of year labels under it, then one row per economy (ITU name in the
    first column). Value blocks have years under their titles; the metadata block has
    'Notes <year>' / 'Source <year>' labels, and the notes and source of an economy-year
    are attached to that economy-year's cell in every value block. The table ends at the
    first entirely blank row or 'Note:'/'Source:' row; rows below it are footnotes and
    skipped, but a number below it in a value column raises :class:`InputError`. Filled
    cells in columns outside every block are logged as warnings and not read.

    Returns :data:`scripts.contract.OBSERVATIONS`: one row per economy x block x year
    (missing cells included, value NaN); ``series`` is the block title (e.g.
    "Fixed-broadband subscriptions per 100 inhabitants"); values are in the block's own
    units (counts, or per 100 inhabitants, or percent); ``note`` is
    "notes=<text>; source=<text>" (parts omitted when blank) plus :data:`DASH_NOTE` for
    '-' cells. ``entity_code`` is "" (ITU gives names only).
    """
    sheet = open_sheet(path, rel, TIMESERIES_SHEET, fix=_SHEET_FIX)
    year_row = _find_year_row(sheet, rel)
    above = [r for r in sheet.values.index if r < year_row and not _blank(sheet.values.loc[[r]]).all(axis=1).iloc[0]]
    if not above:
        raise InputError(
            problem="no block-title row above the year row",
            file=rel,
            row=year_row,
            expected="a row of block titles (e.g. 'Fixed-broadband subscriptions') right above the years",
            fix="the publisher may have changed the layout; download the file again or adapt the reader",
        )
    title_row = above[-1]
    blocks, meta = _discover_blocks(sheet, rel, title_row, year_row)
    # names are in column A: _discover_blocks never starts a block there
    name_col = 0
    grid_cols = [c for b in blocks for c in b.year_cols]
    meta_cols = [c for slot in meta.values() for c in slot.values()]
    rows = _economy_rows(sheet, rel, year_row, grid_cols + meta_cols, name_col)
    if not rows:
        return contract.empty(contract.OBSERVATIONS)

    data = sheet.values.loc[rows]
    names = data[name_col].map(_text)
    _warn_stray_cells(sheet, rel, data, set(grid_cols) | set(meta_cols) | {name_col})

    # note text per (row, year), shared by all value blocks
    note_by_year: dict[int, pd.Series] = {}
    for year, slot in meta.items():
        parts = []
        for kind in ("notes", "source"):
            c = slot.get(kind)
            text = data[c].map(_clean_note) if c is not None and c in data.columns else pd.Series("", index=data.index)
            parts.append(text.map(lambda t, k=kind: f"{k}={t}" if t else ""))
        note_by_year[year] = _join_notes(parts)

    frames = []
    for block in blocks:
        for c, year in block.year_cols.items():
            raw = data[c] if c in data.columns else pd.Series(None, index=data.index, dtype=object)
            frames.append(
                pd.DataFrame(
                    {
                        "row": data.index.to_numpy(),
                        "column": sheet_cell_column(sheet.name, c),
                        "entity_raw": names.to_numpy(),
                        "year": year,
                        "series": block.title,
                        "raw": raw.to_numpy(),
                        "base_note": (note_by_year[year] if year in note_by_year else pd.Series("", index=data.index)).to_numpy(),
                    }
                )
            )
    long = pd.concat(frames, ignore_index=True)
    values, dash = _parse_values(long["raw"], rel=rel, rows=long["row"], columns=long["column"])
    dash_note = pd.Series(np.where(dash, DASH_NOTE, ""), index=long.index)
    long = long.assign(
        value=values,
        note=_join_notes([long["base_note"], dash_note]),
        source=source,
        file=rel,
        entity_code="",
    )
    return contract.conform(long, contract.OBSERVATIONS)


def _warn_stray_cells(sheet: Sheet, rel: str, data: pd.DataFrame, known: set[int]) -> None:
    """Log, once per column, non-empty cells of economy rows that sit in no block.

    They have no year label above them, so they cannot be read as data and are skipped.
    The June-2019 files have such columns: the unlabelled column U between two blocks
    holds stray figures (45 of them in Fixed_broadband; one constant, 10.5957..., on every
    row of Individuals_Internet).
    """
    other = [c for c in data.columns if c not in known]
    if not other:
        return
    filled = ~_blank(data[other])
    for c in filled.columns[filled.any(axis=0)]:
        rows = data.index[filled[c]]
        log.warning(
            "%s: %d non-empty cell(s) in column %s (rows %d-%d) outside every block "
            "(no year label above them); not read",
            rel,
            len(rows),
            sheet_cell_column(sheet.name, int(c)),
            int(rows.min()),
            int(rows.max()),
        )


# --------------------------------------------------------------------------- snapshots


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
            notes[m.group(1)] = _SPACES.sub(" ", text[m.end() : end]).strip()
    return notes


def _footnote_texts(sheet: Sheet, after_row: int) -> list[str]:
    """Return the texts below ``after_row`` that hold a numbered footnote list ('(1) ...')."""
    below = sheet.values.loc[after_row + 1 :]
    return [
        str(v)
        for v in below.to_numpy().ravel()
        if isinstance(v, str) and re.search(r"\(1\)", v)
    ]


def _footnote_note(refs: pd.Series, footnotes: dict[str, str]) -> pd.Series:
    """Return 'footnote (n): text' for each reference cell ('' when blank)."""

    def one(ref: object) -> str:
        t = _text(ref)
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
    names = data[name_col].map(_text)
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
    values, dash = _parse_values(long["raw"], rel=rel, rows=long["row"], columns=long["column"])
    year = parse_numeric(long["raw_year"], file=rel, rows=long["row"], columns=long["year_column"])
    bad_year = year.notna() & ((year % 1 != 0) | (year < 1900) | (year > 2100))
    if bad_year.any():
        i = bad_year.idxmax()
        raise InputError(
            problem=f"year of data {long.loc[i, 'raw_year']!r} is not a year",
            file=rel,
            row=int(long.loc[i, "row"]),
            column=str(long.loc[i, "year_column"]),
            expected="a four-digit year",
            fix="check the file for a shifted column",
        )
    no_year = values.notna() & year.isna()
    if no_year.any():
        i = no_year.idxmax()
        raise InputError(
            problem=f"value {long.loc[i, 'raw']!r} has no year of data",
            file=rel,
            row=int(long.loc[i, "row"]),
            column=str(long.loc[i, "year_column"]),
            expected="the year of the figure in the 'Year of data' column next to it",
            fix="add the year from the publisher's release, or blank the value if it is not a real figure",
        )
    latest = int(year.max()) if year.notna().any() else 0
    filler = pd.Series(np.where(year.isna(), f"no year of data; year set to the table's latest ({latest})", ""), index=long.index)
    estimate = pd.Series(np.where(long["italic"].astype(bool) & values.notna(), ESTIMATE_NOTE, ""), index=long.index)
    dash_note = pd.Series(np.where(dash, DASH_NOTE, ""), index=long.index)
    long = long.assign(
        value=values,
        year=year.fillna(latest).astype("int64"),
        note=_join_notes([estimate, dash_note, long["footnote"], filler]),
        source=source,
        file=rel,
        entity_code="",
    )
    return contract.conform(long, contract.OBSERVATIONS)


def _snapshot_rows(sheet: Sheet, rel: str, header_row: int, name_col: int, numbered: bool) -> list[int]:
    """Return the sheet rows of the economies in a snapshot table.

    With ``numbered`` (core household table) a data row has a running number in the column
    left of the name: the table is the run of such rows below the header, and it ends at
    the first row without one ('Note:' block). Without it (gender table) the table ends at
    the first row with an empty name. Rows below the end are footnotes; a numbered row
    there means the table was interrupted, which is an error.
    """
    body = sheet.values.loc[header_row + 1 :]
    names = body[name_col].map(_text)
    if numbered:
        num = body[name_col - 1].map(lambda v: isinstance(v, (int, float)) and not isinstance(v, bool) and _text(v) != "")
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

    Returns :data:`scripts.contract.OBSERVATIONS`, one row per economy x indicator;
    ``series`` = "ITU:" + code (e.g. "ITU:HH4"); values in percent; ``year`` = the year of
    data (a missing figure without a year gets the table's latest year and a note saying
    so); ``note`` holds "ITU estimate" for italic figures, :data:`DASH_NOTE` for '-', and
    "footnote (n): text" for referenced footnotes.
    """
    sheet = open_sheet(path, rel, HOUSEHOLD_SHEET, fix=_SHEET_FIX)
    header_row = None
    codes: dict[int, str] = {}
    for r, row in sheet.values.loc[:_HEADER_SEARCH].iterrows():
        found = {int(c): m.group(1) for c, v in row.items() if (m := _CODE.match(_text(v)))}
        if found:
            header_row, codes = int(r), found
            break
    if header_row is None:
        raise InputError(
            problem=f"no header row with indicator codes such as '(HH1)' in the first {_HEADER_SEARCH} rows",
            file=rel,
            column=f"'{sheet.name}'",
            expected="a header row with '(HH1)', 'Year', '(HH2)', 'Year', ...",
            fix="the publisher may have changed the layout; download the file again or adapt the reader",
        )
    header = sheet.values.loc[header_row]
    year_cols = sorted(int(c) for c, v in header.items() if _text(v).lower().startswith("year"))
    starts = sorted(codes)
    year_col: dict[int, int] = {}
    footnote_col: dict[int, int | None] = {}
    for i, c in enumerate(starts):
        nxt = starts[i + 1] if i + 1 < len(starts) else int(sheet.values.columns.max()) + 1
        ys = [y for y in year_cols if c < y < nxt]
        if len(ys) != 1:
            raise InputError(
                problem=f"indicator ({codes[c]}) has {len(ys)} 'Year' columns before the next indicator",
                file=rel,
                row=header_row,
                column=sheet_cell_column(sheet.name, c),
                expected="each indicator column followed by exactly one 'Year' (of data) column",
                fix="the publisher may have changed the layout; download the file again or adapt the reader",
            )
        year_col[c] = ys[0]
        footnote_col[c] = c + 1 if c + 1 < ys[0] else None
    dup = pd.Series(codes).duplicated()
    if dup.any():
        c = int(dup.idxmax())
        raise InputError(
            problem=f"indicator ({codes[c]}) appears twice in the header",
            file=rel,
            row=header_row,
            column=sheet_cell_column(sheet.name, c),
            expected="each indicator code once",
            fix="the publisher may have changed the layout; adapt the reader",
        )
    name_col = 1
    if min(starts) <= name_col:
        raise InputError(
            problem="an indicator column sits where the economy names should be",
            file=rel,
            row=header_row,
            column=sheet_cell_column(sheet.name, min(starts)),
            expected="running number in column A, economy name in column B, indicators to the right",
            fix="the publisher may have changed the layout; adapt the reader",
        )
    rows = _snapshot_rows(sheet, rel, header_row, name_col, numbered=True)
    if not rows:
        return contract.empty(contract.OBSERVATIONS)
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

    Returns :data:`scripts.contract.OBSERVATIONS`, one row per economy x column, in
    percent of the population (of each sex); ``series`` from :data:`GENDER_SERIES`
    ("ITU:HH7_total", "ITU:HH7_male", "ITU:HH7_female").
    """
    names_found = sheet_names(path, rel)
    for sheet_name in names_found:
        sheet = load_sheet(path, rel, sheet_name)
        for r, row in sheet.values.loc[:_HEADER_SEARCH].iterrows():
            labels = {_text(v): int(c) for c, v in row.items() if _text(v)}
            if "Economy name" in labels:
                return _read_gender_sheet(sheet, rel, source, int(r), labels)
    raise InputError(
        problem=f"no sheet with an 'Economy name' header; sheets found: {names_found}",
        file=rel,
        expected="a header row with 'Economy name', 'year', 'Individuals', 'Male', 'Female'",
        fix="check that this is ITU's Internet-by-gender table; ITU may have changed the layout",
    )


def _read_gender_sheet(
    sheet: Sheet, rel: str, source: str, header_row: int, labels: dict[str, int]
) -> pd.DataFrame:
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
        return contract.empty(contract.OBSERVATIONS)
    footnotes = _parse_footnotes(_footnote_texts(sheet, rows[-1]))
    return _snapshot_observations(
        sheet, rel, source, rows, name_col, value_cols, {c: yc for c in value_cols}, footnote_col, footnotes
    )
