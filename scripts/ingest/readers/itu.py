"""What every ITU reader shares: ITU's dash, its notes, and the cell helpers of its workbooks.

The ITU World Telecommunication/ICT Indicators files (June 2019 release) come in three
layouts, each read by its own module:

* the per-indicator time-series workbooks (``Fixed_broadband_*.xls``, ``Fixed_tel_*.xls``,
  ``Individuals_Internet_*.xls``, ``Mobile_cellular_*.xls``):
  :func:`scripts.ingest.readers.itu_timeseries.read_itu_timeseries`;
* the latest-year snapshot of the core household indicators
  (``CoreHouseholdIndicators_Jun2019.xlsx``):
  :func:`scripts.ingest.readers.itu_snapshots.read_itu_core_household`;
* the latest-year snapshot of Internet use by gender
  (``Individuals using the internet by gender_Jun2019.xlsx``):
  :func:`scripts.ingest.readers.itu_snapshots.read_itu_internet_by_gender`.

ITU's dash
    ITU prints '-' for "zero or quantity less than half the unit shown". It is a real
    (tiny) value, not a missing one, so a '-' cell becomes ``value = 0.0`` with
    :data:`DASH_NOTE` in ``note``; the reconciliation can still find every such cell by
    its note.

All readers return :data:`scripts.core.tables.OBSERVATIONS` with one row per cell of the
value grid, missing cells included (value NaN).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from scripts.ingest.readers.common import cell_text, parse_numeric

#: Note put on a cell that held ITU's '-' ("zero or quantity less than half the unit shown").
DASH_NOTE = "ITU '-': zero or < half unit"
#: Note put on a cell printed in italics in a snapshot table ("figures in italics are ITU estimates").
ESTIMATE_NOTE = "ITU estimate"


#: A year label.
YEAR = re.compile(r"^(19|20)\d\d$")
#: Runs of white space (ITU notes contain line breaks and repeated blanks).
SPACES = re.compile(r"\s+")
#: How many rows from the top are searched for header rows.
HEADER_SEARCH = 15
#: What to do when a workbook lacks the sheet its reader expects.
SHEET_FIX = "check that this is the ITU file the catalogue names; ITU may have renamed the sheet"


# --------------------------------------------------------------------------- cell helpers


def clean_note(v: object) -> str:
    """Return note text on one line: ITU notes contain line breaks and repeated blanks."""
    return SPACES.sub(" ", cell_text(v)).strip()


def as_year(v: object) -> int | None:
    """Return ``v`` as a year when it is one (2000, 2000.0 or '2000'), else None."""
    t = cell_text(v)
    return int(t) if YEAR.match(t) else None


def blank_cells(values: pd.DataFrame) -> pd.DataFrame:
    """Return a boolean frame: True where a cell is empty or only whitespace."""
    return values.map(lambda v: cell_text(v) == "")


def join_notes(parts: list[pd.Series]) -> pd.Series:
    """Join note fragments row-wise with '; ', skipping empty fragments."""
    out = pd.Series("", index=parts[0].index, dtype=object)
    for part in parts:
        text = pd.Series(part, index=out.index).fillna("").astype(str)
        both = (out != "") & (text != "")
        out = (out + np.where(both, "; ", "") + text).astype(object)
    return out.astype("string")


def parse_values(raw: pd.Series, *, rel: str, rows: pd.Series, columns: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Parse value cells; return (float values, boolean 'was ITU dash').

    '-' (and the en dash ITU sometimes types) is zero-or-less-than-half-a-unit: value 0.0.
    """
    text = raw.map(cell_text)
    dash = text.isin({"-", "\u2013"})
    values = parse_numeric(raw.where(~dash, None), file=rel, rows=rows, columns=columns)
    values = values.where(~dash, 0.0)
    return values, dash


# --------------------------------------------------------------------------- time series


# --------------------------------------------------------------------------- snapshots
