"""Reader for the UN MDG Indicators database export (mdgs.un.org, wide CSV).

Layout: ``CountryCode`` (UN M49 numeric), ``Country``, ``SeriesCode``, ``MDG`` (flag "Y"
for official MDG series), ``Series`` (title), then for each year a triple of columns
``<year>``, ``Footnotes``, ``Type`` (the header repeats "Footnotes" and "Type"). ``Type``
is the data type code of the UN database (e.g. C country data, E estimated, G global
monitoring data); ``Footnotes`` holds footnote numbers. Cells holding a single blank
are empty.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import numpy as np
import pandas as pd

from scripts.core import contract, tables
from scripts.core.errors import InputError
from scripts.ingest.readers.common import (
    cells_error,
    check_codes,
    decode_utf8,
    layout_error,
    parse_numeric,
    require_header,
)

#: The fixed columns before the year triples.
ID_COLUMNS = ["CountryCode", "Country", "SeriesCode", "MDG", "Series"]

_YEAR = re.compile(r"^(19|20)\d\d$")
_LAYOUT_FIX = "the export layout may have changed; export the file again from the UN MDG database or adapt the reader"


def _records(path: Path, rel: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Return the header and ``(physical line of the record's start, fields)`` per record.

    Line numbers are tracked through the csv module, so a quoted field spanning several
    lines cannot shift the provenance of the records after it. Blank lines are skipped.
    """
    text = decode_utf8(
        Path(path).read_bytes(),
        file=rel,
        expected="a UTF-8 CSV as exported by the UN MDG database",
        fix="download the export again; do not re-save it from a spreadsheet program",
    )
    try:
        reader = csv.reader(io.StringIO(text, newline=""))
        header: list[str] | None = None
        out: list[tuple[int, list[str]]] = []
        last = 0
        for fields in reader:
            start, last = last + 1, reader.line_num
            if not fields or all(f == "" for f in fields):
                continue
            if header is None:
                header = fields
                if start != 1:
                    raise InputError(
                        problem="the header is not on the first line",
                        file=rel,
                        row=start,
                        expected="the header (CountryCode, Country, ...) on line 1",
                        fix="remove the lines above the header",
                    )
                continue
            out.append((start, fields))
    except csv.Error as exc:
        raise InputError(
            problem=f"malformed CSV ({exc})",
            file=rel,
            row=reader.line_num,
            expected="a UTF-8 CSV as exported by the UN MDG database",
            fix="download the export again; do not re-save it from a spreadsheet program",
        ) from exc
    if header is None:
        raise InputError(problem="the file is empty", file=rel, expected="a header and data rows", fix=_LAYOUT_FIX)
    return header, out


def _year_columns(header: list[str], rel: str) -> list[tuple[int, str]]:
    """Return ``(index of the value column, year label)`` for each year triple of the header."""
    require_header(header, ID_COLUMNS, file=rel, row=1)
    rest = [h.strip() for h in header[len(ID_COLUMNS) :]]
    if len(rest) % 3 or not rest:
        raise layout_error(
            problem=f"{len(rest)} columns after {ID_COLUMNS[-1]!r}: "
            "not a whole number of (year, Footnotes, Type) triples",
            file=rel,
            row=1,
            expected="after the five id columns, for each year: <year>, Footnotes, Type",
            fix=_LAYOUT_FIX,
        )
    years: list[tuple[int, str]] = []
    seen: set[str] = set()
    for k in range(0, len(rest), 3):
        i = len(ID_COLUMNS) + k
        year, fn, ty = rest[k : k + 3]
        problem = None
        if not _YEAR.match(year):
            problem, col = f"expected a year, found {year!r}", year
        elif fn != "Footnotes" or ty != "Type":
            problem, col = f"year {year} is followed by {fn!r}, {ty!r}", fn if fn != "Footnotes" else ty
        elif year in seen:
            problem, col = f"year {year} appears twice", year
        if problem:
            raise layout_error(
                problem=f"unexpected header: {problem}",
                file=rel,
                row=1,
                column=col,
                expected="after the five id columns, for each year: <year>, Footnotes, Type",
                fix=_LAYOUT_FIX,
            )
        seen.add(year)
        years.append((i, year))
    return years


def read_un_mdg(path: Path, rel: str, source: str) -> pd.DataFrame:
    """Read a UN MDG database export CSV into observations.

    Returns :data:`scripts.tables.OBSERVATIONS`: one row per country-series row x year
    column (missing cells included, value NaN), ``row`` = physical line of the record,
    ``column`` = the year label of the value column, ``entity_code`` = the M49 code as
    written (e.g. "4" for Afghanistan, no zero padding added), ``series`` = "MDG:" +
    SeriesCode, ``value`` in the series' own unit (the ``Series`` title says which), and
    ``note`` = "type=<Type>" plus "; footnote=<Footnotes>" when present ("" for an empty
    cell with neither).
    """
    header, records = _records(path, rel)
    years = _year_columns(header, rel)
    width = len(header)
    for line, fields in records:
        if len(fields) != width:
            raise InputError(
                problem=f"{len(fields)} fields where the header has {width}",
                file=rel,
                row=line,
                expected=f"{width} comma-separated fields per row",
                fix="check for an unquoted comma in a name, or a truncated line",
            )
    if not records:
        return contract.empty(tables.OBSERVATIONS)
    lines = np.array([line for line, _ in records], dtype="int64")
    table = pd.DataFrame([fields for _, fields in records], dtype=object)
    ids = table.iloc[:, : len(ID_COLUMNS)].map(str.strip)
    ids.columns = ID_COLUMNS
    for col in ("CountryCode", "SeriesCode"):
        empty = ids[col] == ""
        if empty.any():
            at = np.flatnonzero(empty.to_numpy())
            raise cells_error(
                problem=f"empty {col}",
                file=rel,
                rows=lines[at],
                columns=[col] * at.size,
                values=[""] * at.size,
                expected=f"a {col} on every data row",
                fix="check that the file is the publisher's original export",
            )
        # Both codes are numeric: M49 for the country, a number for the series.
        check_codes(ids[col].to_numpy(), lines, rel, col, "numeric code", fix=_LAYOUT_FIX)

    n = len(table)
    frames = []
    for i, year in years:
        footnote = table.iloc[:, i + 1].map(str.strip)
        type_ = table.iloc[:, i + 2].map(str.strip)
        note = np.where(type_ != "", "type=" + type_, "")
        note = np.where(
            footnote != "",
            np.where(note != "", note + "; footnote=" + footnote, "footnote=" + footnote),
            note,
        )
        frames.append(
            pd.DataFrame(
                {
                    "row": lines,
                    "column": year,
                    "entity_raw": ids["Country"].to_numpy(),
                    "entity_code": ids["CountryCode"].to_numpy(),
                    "year": np.full(n, int(year), dtype="int64"),
                    "series": ("MDG:" + ids["SeriesCode"]).to_numpy(),
                    "raw": table.iloc[:, i].to_numpy(),
                    "note": note,
                }
            )
        )
    long = pd.concat(frames, ignore_index=True)
    long = long.assign(
        value=parse_numeric(long["raw"], file=rel, rows=long["row"], columns=long["column"]),
        source=source,
        file=rel,
    )
    out = contract.conform(long, tables.OBSERVATIONS)
    contract.check_unique(out, ["entity_code", "series", "year"], "MDG value")
    return out
