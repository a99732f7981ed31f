"""Reader for ITU's per-indicator time-series workbooks (June 2019 release, sheet 'Final').

See :mod:`scripts.ingest.readers.itu` for ITU's dash and the notes every ITU reader attaches.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from scripts.core import contract, tables
from scripts.core.errors import InputError
from scripts.ingest.readers.common import (
    Sheet,
    cell_text,
    layout_error,
    open_sheet,
    sheet_cell_column,
)
from scripts.ingest.readers.itu import (
    DASH_NOTE,
    HEADER_SEARCH,
    SHEET_FIX,
    as_year,
    blank_cells,
    clean_note,
    join_notes,
    parse_values,
)

log = logging.getLogger("ictmdg.readers.itu")


#: Sheet holding the data in the time-series workbooks.
TIMESERIES_SHEET = "Final"


_META = re.compile(r"^(notes?|sources?)\s+((?:19|20)\d\d)$", re.IGNORECASE)


_FOOTNOTE_START = re.compile(r"^(notes?|sources?)\s*:", re.IGNORECASE)


@dataclass(frozen=True)
class _Block:
    title: str
    year_cols: dict[int, int]  # column index -> year


def _find_year_row(sheet: Sheet, rel: str) -> int:
    """Return the sheet row holding the year labels of the value blocks."""
    head = sheet.values.loc[:HEADER_SEARCH]
    for r, row in head.iterrows():
        if any(as_year(v) is not None for v in row.iloc[1:]):
            return int(r)
    raise layout_error(
        problem=f"no row of year labels (e.g. 2000, 2001, ...) in the first {HEADER_SEARCH} rows",
        file=rel,
        column=f"'{sheet.name}'",
        expected="a title row with the block titles, then a row with one year per column of each block",
    )


def _discover_blocks(
    sheet: Sheet, rel: str, title_row: int, year_row: int
) -> tuple[list[_Block], dict[int, dict[str, int]]]:
    """Return the value blocks and the metadata columns ``{year: {'notes': col, 'source': col}}``.

    A block starts at a non-empty title cell and runs until the next title cell; its value
    columns are the consecutive year labels under and right of its title.
    """
    # column A holds the economy names (and at most a label for them), never a block
    titles = {int(c): cell_text(v) for c, v in sheet.values.loc[title_row].items() if int(c) > 0 and cell_text(v)}
    years_row = sheet.values.loc[year_row]
    starts = sorted(titles)
    if not starts:
        raise layout_error(
            problem="no block title found above the year row",
            file=rel,
            row=title_row,
            expected="block titles such as 'Fixed-broadband subscriptions' at the first column of each block",
        )
    labelled = {c for c, v in years_row.items() if as_year(v) is not None}
    first = starts[0]
    orphan = sorted(c for c in labelled if c < first)
    if orphan:
        raise layout_error(
            problem="year labels without a block title above them",
            file=rel,
            row=year_row,
            column=sheet_cell_column(sheet.name, orphan[0]),
            expected="each block's title in the title row at the block's first column",
        )
    blocks: list[_Block] = []
    meta: dict[int, dict[str, int]] = {}
    ends = starts[1:] + [int(sheet.values.columns.max()) + 1]
    for start, end in zip(starts, ends):
        cols = range(start, end)
        if as_year(years_row.get(start)) is not None:
            year_cols: dict[int, int] = {}
            for c in cols:
                y = as_year(years_row.get(c))
                if y is None:
                    break
                if y in year_cols.values():
                    raise layout_error(
                        problem=f"year {y} appears twice in block {titles[start]!r}",
                        file=rel,
                        row=year_row,
                        column=sheet_cell_column(sheet.name, c),
                        expected="each year once per block",
                    )
                year_cols[c] = y
            stray = [c for c in cols if c not in year_cols and as_year(years_row.get(c)) is not None]
            if stray:
                raise layout_error(
                    problem=f"year label separated from the rest of block {titles[start]!r}",
                    file=rel,
                    row=year_row,
                    column=sheet_cell_column(sheet.name, stray[0]),
                    expected="the years of a block in adjacent columns",
                )
            blocks.append(_Block(title=titles[start], year_cols=year_cols))
            continue
        found_meta = False
        for c in cols:
            m = _META.match(cell_text(years_row.get(c)))
            if not m:
                continue
            found_meta = True
            kind = "notes" if m.group(1).lower().startswith("note") else "source"
            slot = meta.setdefault(int(m.group(2)), {})
            if kind in slot:
                raise layout_error(
                    problem=f"two '{m.group(1)} {m.group(2)}' columns: cannot tell which applies",
                    file=rel,
                    row=year_row,
                    column=sheet_cell_column(sheet.name, c),
                    expected="one Notes and one Source column per year",
                )
            slot[kind] = c
        if not found_meta:
            raise layout_error(
                problem=f"block {titles[start]!r} has neither year labels nor Notes/Source labels under it",
                file=rel,
                row=year_row,
                column=sheet_cell_column(sheet.name, start),
                expected="years (2000, 2001, ...) or 'Notes <year>'/'Source <year>' under each block title",
            )
    if not blocks:
        raise layout_error(
            problem=f"no value block: none of the titles {list(titles.values())} has years under it",
            file=rel,
            row=title_row,
            expected="at least one block title with a year in the cell below it",
        )
    return blocks, meta


def _economy_rows(sheet: Sheet, rel: str, year_row: int, grid_cols: list[int], name_col: int) -> list[int]:
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
    blank = blank_cells(body)
    names = body[name_col].map(cell_text)
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

    Returns :data:`scripts.tables.OBSERVATIONS`: one row per economy x block x year
    (missing cells included, value NaN); ``series`` is the block title (e.g.
    "Fixed-broadband subscriptions per 100 inhabitants"); values are in the block's own
    units (counts, or per 100 inhabitants, or percent); ``note`` is
    "notes=<text>; source=<text>" (parts omitted when blank) plus :data:`DASH_NOTE` for
    '-' cells. ``entity_code`` is "" (ITU gives names only).
    """
    sheet = open_sheet(path, rel, TIMESERIES_SHEET, fix=SHEET_FIX)
    year_row = _find_year_row(sheet, rel)
    above = [
        r for r in sheet.values.index if r < year_row and not blank_cells(sheet.values.loc[[r]]).all(axis=1).iloc[0]
    ]
    if not above:
        raise layout_error(
            problem="no block-title row above the year row",
            file=rel,
            row=year_row,
            expected="a row of block titles (e.g. 'Fixed-broadband subscriptions') right above the years",
        )
    title_row = above[-1]
    blocks, meta = _discover_blocks(sheet, rel, title_row, year_row)
    # names are in column A: _discover_blocks never starts a block there
    name_col = 0
    grid_cols = [c for b in blocks for c in b.year_cols]
    meta_cols = [c for slot in meta.values() for c in slot.values()]
    rows = _economy_rows(sheet, rel, year_row, grid_cols + meta_cols, name_col)
    if not rows:
        return contract.empty(tables.OBSERVATIONS)

    data = sheet.values.loc[rows]
    names = data[name_col].map(cell_text)
    _warn_stray_cells(sheet, rel, data, set(grid_cols) | set(meta_cols) | {name_col})

    # note text per (row, year), shared by all value blocks
    note_by_year: dict[int, pd.Series] = {}
    for year, slot in meta.items():
        parts = []
        for kind in ("notes", "source"):
            c = slot.get(kind)
            text = data[c].map(clean_note) if c is not None and c in data.columns else pd.Series("", index=data.index)
            parts.append(text.map(lambda t, k=kind: f"{k}={t}" if t else ""))
        note_by_year[year] = join_notes(parts)

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
                        "base_note": (
                            note_by_year[year] if year in note_by_year else pd.Series("", index=data.index)
                        ).to_numpy(),
                    }
                )
            )
    long = pd.concat(frames, ignore_index=True)
    values, dash = parse_values(long["raw"], rel=rel, rows=long["row"], columns=long["column"])
    dash_note = pd.Series(np.where(dash, DASH_NOTE, ""), index=long.index)
    long = long.assign(
        value=values,
        note=join_notes([long["base_note"], dash_note]),
        source=source,
        file=rel,
        entity_code="",
    )
    return contract.conform(long, tables.OBSERVATIONS)


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
    filled = ~blank_cells(data[other])
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
