"""Reader for UNCTADstat CSV exports in the long layout (one line per economy, flow and year).

The table read here is "Share of ICT goods as percentage of total trade, annual": UTF-8
with a BOM, CRLF line ends, and the columns ``Year``, ``Economy`` (UNCTAD's numeric
economy code), ``Economy Label``, ``Partner`` and ``Partner Label`` (always 0, World),
``Flow`` (1 imports, 2 exports, 3 re-exports, 24 re-imports), ``Flow Label``,
``IctProductCategory`` (ICT00 = all ICT goods), its label, the measure (here "Percentage
of total merchandise trade") and a last, unlabelled column that flags a value
("Estimated").

Economy codes: UNCTAD codes individual economies with UN M49 numbers or its own
variants of them (251 France incl. Monaco, 579 Norway incl. Svalbard, 757 Switzerland
incl. Liechtenstein, 842 United States, 926 United Kingdom, 960 Indonesia up to 2002
incl. Timor-Leste; see config/entities.csv) and groups with 0 (World) and codes from 1000
on (developed/developing economies, regions, trade blocs). The reader writes group codes
as ``group:<code>`` (:data:`~scripts.core.vocabulary.GROUP_CODE_PREFIX`) so that
harmonisation counts them as aggregates. Codes 900-999 are *not* groups (926 is the
United Kingdom), whatever the download notes say.
"""

from __future__ import annotations

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
    parse_years,
    read_text,
    repeated,
    require_filled,
)

#: The identifier columns, in order; the measure column follows, then the flag column.
UNCTAD_ID_COLUMNS: list[str] = [
    "Year",
    "Economy",
    "Economy Label",
    "Partner",
    "Partner Label",
    "Flow",
    "Flow Label",
    "IctProductCategory",
    "IctProductCategory Label",
]
#: UNCTAD's code of the World, as economy and as partner.
WORLD = "0"
#: Economy codes from this one on are UNCTAD's groups of economies.
FIRST_GROUP_CODE = 1000

_MEASURE = len(UNCTAD_ID_COLUMNS)
_FLAG = _MEASURE + 1
_COL = {name: i for i, name in enumerate(UNCTAD_ID_COLUMNS)}


def _check_header(header: list[str], rel: str, row: int) -> str:
    """Return the measure's label after checking the header's layout."""
    require_header(header, UNCTAD_ID_COLUMNS, file=rel, row=row)
    labels = [h.strip() for h in header]
    if len(labels) != _FLAG + 1 or not labels[_MEASURE] or labels[_FLAG]:
        raise layout_error(
            problem=f"unexpected columns after the identifiers: {labels[_MEASURE:]}",
            file=rel,
            row=row,
            expected="one labelled measure column, then one unlabelled flag column",
        )
    return labels[_MEASURE]


def _check_codes(cells: np.ndarray, lines: np.ndarray, rel: str) -> None:
    """Raise :class:`InputError` for an economy code that is not a number or a partner other than the World."""
    for column in ("Economy", "Partner", "Flow", "IctProductCategory"):
        require_filled(cells[:, _COL[column]], lines, rel, column)
    # UNCTAD's numeric economy code: UN M49, or a group code
    check_codes(
        np.char.strip(cells[:, _COL["Economy"]].astype(str)), lines, rel, "Economy", "numeric code", fix=REDOWNLOAD
    )
    partner = np.char.strip(cells[:, _COL["Partner"]].astype(str))
    bilateral = np.flatnonzero(partner != WORLD)
    if bilateral.size:
        raise layout_error(
            problem=f"partner {partner[bilateral[0]]!r}: the reader knows trade with the World only",
            file=rel,
            row=int(lines[bilateral[0]]),
            column="Partner",
            expected=f"Partner {WORLD} (World) on every line",
            fix="export the table with the World as the only partner, or extend the reader's series names",
        )


def economy_codes(codes: np.ndarray) -> np.ndarray:
    """Return the economy codes as written, groups (0 and >= 1000) prefixed with ``group:``."""
    number = codes.astype(np.int64)
    group = (number == 0) | (number >= FIRST_GROUP_CODE)
    return np.where(group, np.char.add(GROUP_CODE_PREFIX, codes.astype(str)), codes).astype(object)


def read_unctad(path: Path, rel: str, source: str) -> pd.DataFrame:
    """Read an UNCTADstat long CSV export (see the module docstring for the layout).

    Returns :data:`tables.OBSERVATIONS`, one row per data line, in file order: ``row`` the
    physical line, ``column`` the measure's label, ``entity_code`` the economy code
    (groups as ``group:<code>``), ``series`` ``<IctProductCategory>:<Flow>`` (e.g.
    "ICT00:1" for ICT goods imports, "ICT00:2" for exports), ``value`` in the measure's
    unit and ``note`` the flag ("Estimated") where there is one. Raises
    :class:`InputError` naming the line and column of a changed header, a code that is
    not a number, a bilateral partner, a bad year, a repeated economy-flow-category-year
    and a non-numeric value.
    """
    records, rest, data_line = head_records(read_text(Path(path), rel, publisher="UNCTADstat"), 1, rel)
    header_line, header = records[0]
    measure = _check_header(header, rel, header_line)
    lines, cells = data_lines(rest, data_line, header, header_line, rel, expected="one line per economy, flow and year")
    _check_codes(cells, lines, rel)
    years = parse_years(cells[:, _COL["Year"]], lines, rel, "Year")
    codes = np.char.strip(cells[:, _COL["Economy"]].astype(str)).astype(object)
    series = np.char.add(
        np.char.add(np.char.strip(cells[:, _COL["IctProductCategory"]].astype(str)), ":"),
        np.char.strip(cells[:, _COL["Flow"]].astype(str)),
    ).astype(object)
    check_unique_lines(lines, {"Economy": codes, "series": series, "Year": years}, rel, "data line")
    n = len(lines)
    columns = np.full(n, measure, dtype=object)
    return observations_frame(
        source=source,
        rel=rel,
        row=lines,
        column=repeated(np.array([measure], dtype=object), n),
        entity_raw=repeated(cells[:, _COL["Economy Label"]], 1),
        entity_code=repeated(economy_codes(codes), 1),
        year=years,
        series=repeated(series, 1),
        value=parse_cells(cells[:, _MEASURE], lines, columns, rel),
        note=repeated(np.char.strip(cells[:, _FLAG].astype(str)).astype(object), 1),
    )
