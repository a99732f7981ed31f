"""Reader for UNDP's Human Development Report composite-indices time series (wide CSV).

``HDR23-24_Composite_indices_complete_time_series.csv`` is **Windows-1252** (cp1252),
not UTF-8: "Côte d'Ivoire" holds the byte 0xF4. It is decoded as cp1252 explicitly, and a
copy converted to UTF-8 is refused rather than read as mojibake (see
:func:`scripts.ingest.readers.common.decode_cp1252`). Lines end in CRLF.

Layout: the identifier columns ``iso3``, ``country``, ``hdicode`` (HDI group), ``region``,
then one column per variable and year named ``<variable>_<year>`` (``hdi_1990`` ...,
``mys_2022`` for mean years of schooling, ``hdi_rank_2022`` ...). UNDP's aggregates have
codes such as "ZZK.WORLD" and "ZZA.VHHD"; the reader writes them as ``group:<code>``
(:data:`~scripts.core.vocabulary.GROUP_CODE_PREFIX`) so that harmonisation counts them as
aggregates. Empty cells and "NaN" are missing.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from scripts.core.vocabulary import GROUP_CODE_PREFIX
from scripts.ingest.readers.common import check_codes, layout_error, require_header
from scripts.ingest.readers.csvtext import (
    REDOWNLOAD,
    check_unique_lines,
    data_lines,
    head_records,
    observations_frame,
    parse_cells,
    read_text,
    repeated,
    require_filled,
    tiled,
)

#: Columns before the ``<variable>_<year>`` columns.
HDR_ID_COLUMNS: list[str] = ["iso3", "country", "hdicode", "region"]
#: A value column's label: the variable (letters, digits, '_') and a four-digit year.
VALUE_LABEL = re.compile(r"^([a-z][a-z0-9_]*?)_((?:19|20)\d\d)$")
#: UNDP's aggregate codes: "ZZ", a letter, a dot and the group's short name.
AGGREGATE = re.compile(r"^ZZ[A-Z]\.[A-Z0-9_]+$")


def value_columns(header: list[str], rel: str, row: int) -> tuple[list[str], list[str], np.ndarray]:
    """Return (labels, variables, years) of the value columns; raise for a label of another form."""
    labels = [h.strip() for h in header[len(HDR_ID_COLUMNS) :]]
    variables, years = [], []
    for k, label in enumerate(labels, start=len(HDR_ID_COLUMNS)):
        m = VALUE_LABEL.match(label)
        if m is None:
            raise layout_error(
                problem=f"column label {label!r} is not <variable>_<year>",
                file=rel,
                row=row,
                column=label or f"(unlabelled column {k + 1})",
                expected="after iso3, country, hdicode, region: columns such as 'mys_2010'",
            )
        variables.append(m.group(1))
        years.append(int(m.group(2)))
    if not labels:
        raise layout_error(
            problem="the header has no value columns",
            file=rel,
            row=row,
            expected="columns such as 'hdi_1990', 'mys_2010' after the identifier columns",
        )
    if len(set(labels)) != len(labels):
        twice = next(label for label in labels if labels.count(label) > 1)
        raise layout_error(
            problem=f"column {twice!r} appears twice",
            file=rel,
            row=row,
            column=twice,
            expected="each <variable>_<year> once",
        )
    return labels, variables, np.array(years, dtype=np.int64)


def entity_codes(codes: np.ndarray) -> np.ndarray:
    """Return the iso3 codes as written, UNDP's aggregates ("ZZK.WORLD") prefixed with ``group:``."""
    group = np.array([bool(AGGREGATE.match(c)) for c in codes.tolist()], dtype=bool)
    return np.where(group, np.char.add(GROUP_CODE_PREFIX, codes.astype(str)), codes).astype(object)


def read_undp_hdr(path: Path, rel: str, source: str) -> pd.DataFrame:
    """Read UNDP's HDR composite-indices time series CSV (cp1252; see the module docstring).

    Returns :data:`tables.OBSERVATIONS`, one row per (data line, value column), missing
    cells included, in file order: ``row`` the physical line, ``column`` the column label
    ("mys_2010"), ``entity_code`` the iso3 code (aggregates as ``group:<code>``),
    ``series`` the variable ("mys"), ``year`` the label's year, ``value`` in the
    variable's unit (mean years of schooling in years). Raises :class:`InputError` naming
    the line and column of bytes that are not cp1252 (or a UTF-8 conversion), a changed
    header, an empty or repeated iso3 code and a non-numeric value.
    """
    text = read_text(Path(path), rel, encoding="cp1252", publisher="UNDP")
    records, rest, data_line = head_records(text, 1, rel)
    header_line, header = records[0]
    require_header(header, HDR_ID_COLUMNS, file=rel, row=header_line)
    labels, variables, years = value_columns(header, rel, header_line)
    lines, cells = data_lines(rest, data_line, header, header_line, rel, expected="one line per economy or group")
    require_filled(cells[:, 0], lines, rel, "iso3")
    codes = np.char.strip(cells[:, 0].astype(str)).astype(object)
    economy = np.array([not AGGREGATE.match(c) for c in codes.tolist()], dtype=bool)  # groups: ZZK.WORLD, ...
    check_codes(codes[economy], lines[economy], rel, "iso3", "alpha-3 code", fix=REDOWNLOAD)
    check_unique_lines(lines, {"iso3": codes}, rel, "data line")

    n, k = len(lines), len(labels)
    label_array = np.array(labels, dtype=object)
    raw = cells[:, len(HDR_ID_COLUMNS) :].ravel()
    rows = np.repeat(lines, k)
    return observations_frame(
        source=source,
        rel=rel,
        row=rows,
        column=tiled(label_array, n),
        entity_raw=repeated(cells[:, 1], k),
        entity_code=repeated(entity_codes(codes), k),
        year=np.tile(years, n),
        series=tiled(np.array(variables, dtype=object), n),
        value=parse_cells(raw, rows, np.tile(label_array, n), rel),
    )
