"""Reader for CSV downloads from ITU's DataHub (datahub.itu.int), in its two layouts.

Both are long (one line per economy, series and year), UTF-8 with a BOM:

* the **2022** layout: ``codeID, code, description, unit, countryID, isoCode,
  countryName, dataYear, note, source, answer1`` (e.g. ``international-bandwidth-usage.csv``,
  series i4214 in Mbit/s);
* the **2025** layout: ``seriesID, seriesCode, seriesName, seriesParent, seriesUnits,
  entityID, entityIso, entityName, dataValue, dataYear, dataNote, dataSource,
  seriesDescription`` (e.g. active mobile-broadband subscriptions i271mw and i911mw,
  households with Internet access xHH6_IDI).

Values may be written in C's short exponent form ("1e+006", "7.42255e+006"); notes may
hold line breaks (CRLF) inside quoted fields, so a record can span physical lines and
``row`` is the line it starts on. ITU's '-' ("zero or less than half the unit") becomes
0.0 with the ITU dash note, as in the other ITU readers. Entity codes are ITU's ISO3-like
codes (with ITU's own KSO for Kosovo, WBG for Palestine, ASC for Ascension and AAA for
Guernsey; see config/entities.csv).

A file whose header is neither layout is refused. Every series must carry one unit
throughout the file, so that a change of unit (Mbit/s to Gbit/s) cannot pass unnoticed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from scripts.core.errors import InputError
from scripts.ingest.readers.common import check_codes, layout_error
from scripts.ingest.readers.csvtext import (
    REDOWNLOAD,
    check_unique_lines,
    data_lines,
    head_records,
    observations_frame,
    parse_years,
    read_text,
    repeated,
    require_filled,
)
from scripts.ingest.readers.itu import DASH_NOTE, clean_note, join_notes, parse_values


@dataclass(frozen=True)
class Layout:
    """A DataHub CSV layout: its header and which of its columns hold what."""

    name: str
    header: tuple[str, ...]
    series: str
    unit: str
    code: str
    entity: str
    year: str
    value: str
    note: str
    source: str


LAYOUTS: tuple[Layout, ...] = (
    Layout(
        name="2022",
        header=(
            "codeID",
            "code",
            "description",
            "unit",
            "countryID",
            "isoCode",
            "countryName",
            "dataYear",
            "note",
            "source",
            "answer1",
        ),
        series="code",
        unit="unit",
        code="isoCode",
        entity="countryName",
        year="dataYear",
        value="answer1",
        note="note",
        source="source",
    ),
    Layout(
        name="2025",
        header=(
            "seriesID",
            "seriesCode",
            "seriesName",
            "seriesParent",
            "seriesUnits",
            "entityID",
            "entityIso",
            "entityName",
            "dataValue",
            "dataYear",
            "dataNote",
            "dataSource",
            "seriesDescription",
        ),
        series="seriesCode",
        unit="seriesUnits",
        code="entityIso",
        entity="entityName",
        year="dataYear",
        value="dataValue",
        note="dataNote",
        source="dataSource",
    ),
)


def detect_layout(header: list[str], rel: str, row: int) -> Layout:
    """Return the layout whose header ``header`` is; raise :class:`InputError` naming both otherwise."""
    found = tuple(h.strip().lstrip("\ufeff") for h in header)
    for layout in LAYOUTS:
        if found == layout.header:
            return layout
    raise layout_error(
        problem=f"unexpected header {list(found)}",
        file=rel,
        row=row,
        expected=" or ".join(f"the {lay.name} DataHub layout {list(lay.header)}" for lay in LAYOUTS),
    )


def check_one_unit(series: np.ndarray, units: np.ndarray, lines: np.ndarray, rel: str, column: str) -> None:
    """Raise :class:`InputError` at the first line whose series has another unit than on its first line."""
    frame = pd.DataFrame({"series": series, "unit": units, "line": lines})
    first = frame.groupby("series", sort=False)["unit"].transform("first")
    other = np.flatnonzero((frame["unit"] != first).to_numpy())
    if other.size:
        i = int(other[0])
        raise InputError(
            problem=f"series {series[i]!r} is given in {units[i]!r} here but in {first.iloc[i]!r} above",
            file=rel,
            row=int(lines[i]),
            column=column,
            expected="one unit per series throughout the file",
            fix=f"{REDOWNLOAD}; if ITU changed the unit, convert it in config/series.csv (factor)",
        )


def read_itu_datahub(path: Path, rel: str, source: str) -> pd.DataFrame:
    """Read an ITU DataHub CSV in the 2022 or 2025 layout (see the module docstring).

    Returns :data:`tables.OBSERVATIONS`, one row per data record, in file order: ``row``
    the physical line the record starts on, ``column`` the value column's label
    ("answer1" or "dataValue"), ``entity_code`` ITU's code, ``series`` ITU's series code
    ("i4214", "i271mw", "xHH6_IDI"), ``value`` in the series' unit and ``note``
    "notes=<note>; source=<source>" (parts omitted when blank, plus the dash note).
    Raises :class:`InputError` naming the line and column of an unknown header, an empty
    code, a bad year, a repeated series-economy-year, a second unit for a series and a
    non-numeric value.
    """
    records, rest, data_line = head_records(read_text(Path(path), rel, publisher="ITU"), 1, rel)
    header_line, header = records[0]
    layout = detect_layout(header, rel, header_line)
    lines, cells = data_lines(rest, data_line, header, header_line, rel, expected="one line per economy, series, year")
    col = {name: i for i, name in enumerate(layout.header)}

    def text(name: str) -> np.ndarray:
        return np.char.strip(cells[:, col[name]].astype(str)).astype(object)

    for name in (layout.series, layout.code):
        require_filled(cells[:, col[name]], lines, rel, name)
    series, codes = text(layout.series), text(layout.code)
    check_codes(codes, lines, rel, layout.code, "alpha-3 code", fix=REDOWNLOAD)
    check_one_unit(series, text(layout.unit), lines, rel, layout.unit)
    years = parse_years(cells[:, col[layout.year]], lines, rel, layout.year)
    check_unique_lines(lines, {layout.series: series, layout.code: codes, layout.year: years}, rel, "data line")

    n = len(lines)
    where = pd.Series(np.full(n, layout.value, dtype=object))
    values, dash = parse_values(
        pd.Series(cells[:, col[layout.value]], dtype=object), rel=rel, rows=pd.Series(lines), columns=where
    )
    notes = [
        pd.Series(cells[:, col[c]], dtype=object).map(clean_note).map(lambda t, k=k: f"{k}={t}" if t else "")
        for c, k in ((layout.note, "notes"), (layout.source, "source"))
    ]
    note = join_notes([*notes, pd.Series(np.where(dash.to_numpy(), DASH_NOTE, ""), dtype=object)])
    return observations_frame(
        source=source,
        rel=rel,
        row=lines,
        column=repeated(np.array([layout.value], dtype=object), n),
        entity_raw=repeated(cells[:, col[layout.entity]], 1),
        entity_code=repeated(codes, 1),
        year=years,
        series=repeated(series, 1),
        value=values.to_numpy(dtype="float64"),
        note=repeated(note.to_numpy(dtype=object), 1),
    )
