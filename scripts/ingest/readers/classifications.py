"""Readers for the economy classifications and code concordances.

* World Bank ``CLASS.xlsx`` (current classification): :func:`read_wb_class` (sheet
  "List of economies") and :func:`read_wb_groups` (sheet "Groups");
* World Bank historical income classification (OGHIST,
  ``Historical_income_classification.xlsx``): :func:`read_wb_income_history`;
* the WDI ``Metadata_Country_*.csv`` companion of each API download:
  :func:`read_wb_metadata_country`;
* datahub.io ``country-codes.csv`` (ISO 3166, UN M49, ITU codes, UNTERM names):
  :func:`read_country_codes`.

Income groups are coded ``L``, ``LM``, ``UM``, ``H``; ``""`` means unclassified (an
aggregate, a '..' in the history, or an economy the Bank did not classify that year).
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import numpy as np
import pandas as pd

from scripts.core import contract, tables
from scripts.core.errors import InputError
from scripts.core.vocabulary import INCOME_GROUPS, INCOME_LABELS
from scripts.ingest.readers.common import (
    cell_text,
    cells_error,
    check_codes,
    decode_utf8,
    layout_error,
    open_sheet,
    require_header,
    sheet_cell_column,
)
from scripts.ingest.readers.csvtext import (
    REDOWNLOAD,
    check_unique_lines,
    data_lines,
    head_records,
    read_text,
    require_filled,
)

CLASS_SHEET = "List of economies"
GROUPS_SHEET = "Groups"
HISTORY_SHEET = "Country Analytical History"

#: Columns of the country-codes output and the datahub column each comes from.
COUNTRY_CODE_COLUMNS: dict[str, str] = {
    "iso3": "ISO3166-1-Alpha-3",
    "iso2": "ISO3166-1-Alpha-2",
    "iso_numeric": "ISO3166-1-numeric",
    "m49": "M49",
    "itu": "ITU",
    "name": "CLDR display name",
    "name_official": "UNTERM English Short",
    "name_formal": "UNTERM English Formal",
    "status": "is_independent",
    "region": "Region Name",
    "sub_region": "Sub-region Name",
    "intermediate_region": "Intermediate Region Name",
    "ldc": "Least Developed Countries (LDC)",
    "lldc": "Land Locked Developing Countries (LLDC)",
    "sids": "Small Island Developing States (SIDS)",
}

_FY = re.compile(r"^FY\s*(\d{2})$", re.IGNORECASE)
_LAYOUT_FIX = "the World Bank may have changed the layout; download the file again or adapt the reader"


# --------------------------------------------------------------------------- workbook helpers


def _sheet(path: Path, rel: str, sheet: str) -> pd.DataFrame:
    """Return ``sheet`` as a grid of cell values indexed by the 1-based sheet row.

    Columns are 0-based column indexes; formulas are read as their cached values.
    Raises :class:`InputError` naming the sheets found when ``sheet`` is missing.
    """
    return open_sheet(path, rel, sheet, fix=_LAYOUT_FIX).values


def _header_columns(grid: pd.DataFrame, rel: str, sheet: str, header_row: int, required: list[str]) -> dict[str, int]:
    """Return ``{label: column index}`` for the required labels of ``header_row``."""
    if grid.empty or header_row not in grid.index:
        raise layout_error(
            problem=f"sheet {sheet!r} is empty",
            file=rel,
            row=header_row,
            expected=f"a header with {required}",
            fix=_LAYOUT_FIX,
        )
    labels = {cell_text(v): int(c) for c, v in grid.loc[header_row].items() if cell_text(v)}
    missing = [k for k in required if k not in labels]
    if missing:
        raise layout_error(
            problem=f"sheet {sheet!r} lacks the columns {missing}; header found: {list(labels)}",
            file=rel,
            row=header_row,
            expected=f"the columns {required}",
            fix=_LAYOUT_FIX,
        )
    return {k: labels[k] for k in required}


# --------------------------------------------------------------------------- CLASS.xlsx


def read_wb_class(path: Path, rel: str, source: str) -> pd.DataFrame:
    """Read the current World Bank classification (CLASS.xlsx, sheet "List of economies").

    Returns :data:`scripts.tables.CLASSIFICATION`, one row per economy or aggregate
    (blank rows skipped), ``year`` <NA>, ``region`` "" and ``income_group`` "" for the
    aggregates (rows without a Region) and for economies left unclassified (Venezuela in
    the FY23 file), ``iso3`` as the file gives it (WB group codes for aggregates).
    """
    grid = _sheet(path, rel, CLASS_SHEET)
    cols = _header_columns(grid, rel, CLASS_SHEET, 1, ["Economy", "Code", "Region", "Income group"])
    body = grid.loc[2:]
    text = pd.DataFrame({k: body[c].map(cell_text) for k, c in cols.items()}, index=body.index)
    blank = (text == "").all(axis=1)
    text = text.loc[~blank]
    no_code = text["Code"] == ""
    if no_code.any():
        r = int(text.index[no_code.to_numpy()][0])
        raise InputError(
            problem=f"economy {text.loc[r, 'Economy']!r} has no code",
            file=rel,
            row=r,
            column=sheet_cell_column(CLASS_SHEET, cols["Code"]),
            expected="a three-letter code on every row",
            fix="check that the file is the World Bank's original",
        )
    code_column = sheet_cell_column(CLASS_SHEET, cols["Code"])
    check_codes(text["Code"].to_numpy(), text.index.to_numpy(), rel, code_column, "alpha-3 code", fix=REDOWNLOAD)
    unknown = ~text["Income group"].isin(list(INCOME_LABELS) + [""])
    if unknown.any():
        bad = text.loc[unknown]
        raise cells_error(
            problem=f"unknown income group {bad['Income group'].iloc[0]!r}",
            file=rel,
            rows=bad.index.to_numpy(),
            columns=[sheet_cell_column(CLASS_SHEET, cols["Income group"])] * len(bad),
            values=bad["Income group"].tolist(),
            expected=f"one of {list(INCOME_LABELS)} or empty",
            fix="add the label to INCOME_LABELS if the World Bank introduced a new group",
        )
    out = pd.DataFrame(
        {
            "iso3": text["Code"],
            "name": text["Economy"],
            "year": pd.array([pd.NA] * len(text), dtype="Int64"),
            "region": text["Region"],
            "income_group": text["Income group"].map(lambda s: INCOME_LABELS.get(s, "")),
            "source": source,
            "file": rel,
            "row": text.index.to_numpy(dtype="int64"),
        }
    )
    out = contract.conform(out.reset_index(drop=True), tables.CLASSIFICATION)
    contract.check_unique(out, ["iso3"], "classification row", locate=["file", "row"])
    return out


def read_wb_groups(path: Path, rel: str, source: str) -> pd.DataFrame:
    """Read the group membership list of CLASS.xlsx (sheet "Groups").

    Returns a frame with string columns ``group_code`` (e.g. "SSF"), ``group_name``
    and ``iso3`` (the member's code), one row per membership, in file order.
    ``source`` is accepted for a uniform reader signature; the table has no source column.
    """
    grid = _sheet(path, rel, GROUPS_SHEET)
    cols = _header_columns(grid, rel, GROUPS_SHEET, 1, ["GroupCode", "GroupName", "CountryCode"])
    body = grid.loc[2:]
    text = pd.DataFrame({k: body[c].map(cell_text) for k, c in cols.items()}, index=body.index)
    text = text.loc[~(text == "").all(axis=1)]
    incomplete = (text == "").any(axis=1)
    if incomplete.any():
        r = int(text.index[incomplete.to_numpy()][0])
        raise InputError(
            problem="a membership row with an empty GroupCode, GroupName or CountryCode",
            file=rel,
            row=r,
            expected="GroupCode, GroupName and CountryCode on every row",
            fix="check that the file is the World Bank's original",
        )
    out = pd.DataFrame(
        {"group_code": text["GroupCode"], "group_name": text["GroupName"], "iso3": text["CountryCode"]}
    ).reset_index(drop=True)
    return out.astype("string")


# --------------------------------------------------------------------------- OGHIST


def _income_code(raw: str) -> str | None:
    """Return the income code of a history cell, "" when unclassified, None when unknown.

    'LM*' occurs for Yemen in FY89-FY90 (footnote: Yemen PDR was L and Yemen Arab Rep. LM,
    combined they would have been LM); the asterisk marks that footnote, not another group,
    so 'X*' is read as 'X'.
    """
    t = raw.strip().rstrip("*").strip().upper()
    if t in ("", ".."):
        return ""
    return t if t in INCOME_GROUPS else None


def read_wb_income_history(path: Path, rel: str, source: str) -> pd.DataFrame:
    """Read the World Bank historical income classification (OGHIST) into a classification table.

    Finds the header rows by their labels ("Bank's fiscal year:" with FY89, FY90, ... and
    "Data for calendar year :" with 1987, 1988, ... in the row below); each economy row
    has its code in the column left of the labels and its name under them. The calendar
    year must equal the fiscal year minus 2 (the FY t classification uses GNI of t-2).

    Returns :data:`scripts.tables.CLASSIFICATION`: one row per economy x fiscal year,
    ``year`` = the calendar year of the data, ``income_group`` L/LM/UM/H or "" ('..' or
    blank = unclassified, e.g. before an economy existed or after it was dissolved),
    ``region`` "" (the sheet has none). Historical entities keep the file's codes: CSK
    (Czechoslovakia), SUN (USSR), YUGf (Yugoslavia, former), YUG (Serbia and Montenegro),
    ANT (Netherlands Antilles), plus MYT (Mayotte, classified FY92-FY11 only).
    """
    grid = _sheet(path, rel, HISTORY_SHEET)
    fy_row = fy_col = None
    for r in grid.index[:30]:
        for c, v in grid.loc[r].items():
            if cell_text(v).lower().startswith("bank's fiscal year"):
                fy_row, fy_col = int(r), int(c)
                break
        if fy_row is not None:
            break
    if fy_row is None or fy_col is None:
        raise layout_error(
            problem='no "Bank\'s fiscal year:" header row in the first 30 rows',
            file=rel,
            column=f"'{HISTORY_SHEET}'",
            expected='a row labelled "Bank\'s fiscal year:" followed by FY89, FY90, ...',
            fix=_LAYOUT_FIX,
        )
    cal_row = fy_row + 1
    if cal_row not in grid.index or not cell_text(grid.loc[cal_row, fy_col]).lower().startswith(
        "data for calendar year"
    ):
        raise layout_error(
            problem='the row under the fiscal years is not "Data for calendar year :"',
            file=rel,
            row=cal_row,
            column=sheet_cell_column(HISTORY_SHEET, fy_col),
            expected='"Data for calendar year :" with 1987, 1988, ... under the fiscal-year row',
            fix=_LAYOUT_FIX,
        )
    if fy_col < 1:
        raise layout_error(
            problem="the header labels are in the first column: no room for the economy codes",
            file=rel,
            row=fy_row,
            expected="economy codes in the column left of the names",
            fix=_LAYOUT_FIX,
        )
    year_of: dict[int, int] = {}
    for c in [int(c) for c in grid.columns if int(c) > fy_col]:
        fy = cell_text(grid.loc[fy_row, c])
        if not fy:
            continue
        m = _FY.match(fy)
        where = sheet_cell_column(HISTORY_SHEET, c)
        if not m:
            raise layout_error(
                problem=f"fiscal-year label {fy!r} is not of the form FYnn",
                file=rel,
                row=fy_row,
                column=where,
                expected="FY89, FY90, ...",
                fix=_LAYOUT_FIX,
            )
        yy = int(m.group(1))
        fiscal = 1900 + yy if yy >= 50 else 2000 + yy
        cal = cell_text(grid.loc[cal_row, c])
        if not re.fullmatch(r"\d{4}", cal) or int(cal) != fiscal - 2:
            raise InputError(
                problem=f"calendar year {cal!r} under {fy} (expected {fiscal - 2})",
                file=rel,
                row=cal_row,
                column=where,
                expected="the calendar year of the data, two years before the fiscal year",
                fix="open the workbook in a spreadsheet program and save it so that formula values are stored, "
                "or adapt the reader",
            )
        year_of[c] = int(cal)
    if not year_of:
        raise layout_error(
            problem='no fiscal-year columns right of "Bank\'s fiscal year:"',
            file=rel,
            row=fy_row,
            expected="FY89, FY90, ... in the header row",
            fix=_LAYOUT_FIX,
        )
    code_col, name_col = fy_col - 1, fy_col
    body = grid.loc[cal_row + 1 :]
    codes = body[code_col].map(cell_text)
    names = body[name_col].map(cell_text)
    rows = codes.index[codes != ""]
    nameless = [int(r) for r in rows if names.loc[r] == ""]
    if nameless:
        raise InputError(
            problem=f"economy code {codes.loc[nameless[0]]!r} without a name",
            file=rel,
            row=nameless[0],
            column=sheet_cell_column(HISTORY_SHEET, name_col),
            expected="the economy name next to its code",
            fix="check that the file is the World Bank's original",
        )
    frames = []
    for c, year in year_of.items():
        raw = body.loc[rows, c].map(cell_text)
        group = raw.map(_income_code)
        bad = group.isna()
        if bad.any():
            r = int(raw.index[bad.to_numpy()][0])
            raise InputError(
                problem=f"unknown income code {raw.loc[r]!r}",
                file=rel,
                row=r,
                column=sheet_cell_column(HISTORY_SHEET, c),
                expected="L, LM, UM, H (optionally with a footnote '*'), '..' or blank",
                fix="check the cell; add the code to the reader if the World Bank introduced a new one",
            )
        frames.append(
            pd.DataFrame(
                {
                    "iso3": codes.loc[rows].to_numpy(),
                    "name": names.loc[rows].to_numpy(),
                    "year": year,
                    "region": "",
                    "income_group": group.to_numpy(),
                    "row": np.asarray(rows, dtype="int64"),
                }
            )
        )
    out = pd.concat(frames, ignore_index=True).assign(source=source, file=rel)
    out = contract.conform(out, tables.CLASSIFICATION)
    contract.check_unique(out, ["iso3", "year"], "income classification", locate=["file", "row"])
    return out


# --------------------------------------------------------------------------- WDI Metadata_Country


#: Columns of the Metadata_Country_*.csv files that come with each API download.
METADATA_COUNTRY_COLUMNS: list[str] = ["Country Code", "Region", "IncomeGroup", "SpecialNotes", "TableName"]


def read_wb_metadata_country(path: Path, rel: str, source: str) -> pd.DataFrame:
    """Read a World Bank Metadata_Country_*.csv (region and income group of each code).

    Returns :data:`tables.CLASSIFICATION` with ``year`` <NA> (the classification current
    at download), one row per code in file order: ``name`` is TableName, ``region`` as
    written ("" for aggregates), ``income_group`` one of "L", "LM", "UM", "H", or "" for
    aggregates and unclassified economies. ``row`` is the record's first physical line
    (notes may span several lines).
    """
    records, rest, data_line = head_records(read_text(Path(path), rel), 1, rel)
    header_line, header = records[0]
    require_header(header, METADATA_COUNTRY_COLUMNS, file=rel, row=header_line)
    lines, cells = data_lines(rest, data_line, header, header_line, rel, expected="one line per economy or aggregate")
    codes = np.char.strip(cells[:, 0].astype(str)).astype(object)
    require_filled(codes, lines, rel, "Country Code")
    check_codes(codes, lines, rel, "Country Code", "alpha-3 code", fix=REDOWNLOAD)
    income = np.char.strip(cells[:, 2].astype(str))
    unknown = np.flatnonzero(~np.isin(income, list(INCOME_LABELS) + [""]))
    if unknown.size:
        raise cells_error(
            problem=f"unknown income group {income[unknown[0]]!r}",
            file=rel,
            rows=lines[unknown],
            columns=["IncomeGroup"] * unknown.size,
            values=income[unknown].tolist(),
            expected=f"one of {list(INCOME_LABELS)} or empty",
            fix="the World Bank may have renamed its income groups; extend scripts.core.vocabulary.INCOME_LABELS",
        )
    check_unique_lines(lines, {"Country Code": codes}, rel, "country line")
    frame = pd.DataFrame(
        {
            "iso3": codes,
            "name": cells[:, 4],
            "year": pd.array([pd.NA] * len(lines), dtype="Int64"),
            "region": np.char.strip(cells[:, 1].astype(str)).astype(object),
            "income_group": [INCOME_LABELS.get(x, "") for x in income.tolist()],
            "source": source,
            "file": rel,
            "row": lines,
        }
    )
    return contract.conform(frame, tables.CLASSIFICATION)


# --------------------------------------------------------------------------- country codes


def read_country_codes(path: Path, rel: str, source: str) -> pd.DataFrame:
    """Read datahub's country-codes.csv into a concordance table, one row per ISO country.

    Returns a frame with the string columns of :data:`COUNTRY_CODE_COLUMNS` (codes exactly
    as written, e.g. ``m49`` "4" for Afghanistan and ``iso2`` "NA" for Namibia; blank
    cells as ""), the booleans ``is_independent`` (status "Yes"), ``ldc``, ``lldc`` and
    ``sids`` (the file marks members with "x"), and ``row`` (1-based physical line).
    ``source`` is accepted for a uniform reader signature.
    """
    text = decode_utf8(
        Path(path).read_bytes(),
        file=rel,
        expected="datahub's country-codes.csv (UTF-8, comma-separated)",
        fix="download the file again; do not re-save it from a spreadsheet program",
    )
    try:
        raw = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, na_values=[])
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputError(
            problem=f"cannot parse the CSV ({type(exc).__name__}: {exc})",
            file=rel,
            expected="datahub's country-codes.csv (UTF-8, comma-separated)",
            fix="download the file again",
        ) from exc
    missing = [c for c in COUNTRY_CODE_COLUMNS.values() if c not in raw.columns]
    if missing:
        raise InputError(
            problem=f"columns {missing} not found; header has {list(raw.columns)[:12]}...",
            file=rel,
            row=1,
            expected=f"the datahub columns {list(COUNTRY_CODE_COLUMNS.values())}",
            fix="the datahub layout may have changed; adapt COUNTRY_CODE_COLUMNS",
        )
    if raw.map(lambda s: "\n" in s).to_numpy().any():
        # a quoted line break would shift every later physical line number
        raise InputError(
            problem="a field contains a line break",
            file=rel,
            expected="one record per line",
            fix="adapt the reader to track physical lines",
        )
    out = pd.DataFrame({k: raw[c].str.strip() for k, c in COUNTRY_CODE_COLUMNS.items()})
    flags = {}
    for k in ("ldc", "lldc", "sids"):
        bad = ~out[k].str.lower().isin(["x", ""])
        if bad.any():
            i = int(np.argmax(bad.to_numpy()))
            raise InputError(
                problem=f"unexpected flag {out[k].iloc[i]!r}",
                file=rel,
                row=i + 2,
                column=COUNTRY_CODE_COLUMNS[k],
                expected="'x' for members, empty otherwise",
                fix="the datahub layout may have changed; adapt the reader",
            )
        flags[k] = out[k].str.lower() == "x"
    out = out.astype("string").assign(
        is_independent=out["status"] == "Yes",
        ldc=flags["ldc"],
        lldc=flags["lldc"],
        sids=flags["sids"],
        row=np.arange(2, len(out) + 2, dtype="int64"),
    )
    no_iso3 = out["iso3"] == ""
    if no_iso3.any():
        i = int(np.argmax(no_iso3.to_numpy()))
        raise InputError(
            problem="a row without an ISO3 code",
            file=rel,
            row=i + 2,
            column=COUNTRY_CODE_COLUMNS["iso3"],
            expected="an ISO 3166-1 alpha-3 code on every row",
            fix="check that the file is datahub's original",
        )
    dup = out["iso3"].duplicated(keep=False)
    if dup.any():
        lines = out.loc[dup, "row"].tolist()[:2]
        raise InputError(
            problem=f"ISO3 code {out.loc[dup, 'iso3'].iloc[0]!r} on lines {lines}",
            file=rel,
            row=int(lines[-1]),
            column=COUNTRY_CODE_COLUMNS["iso3"],
            expected="each ISO3 code once",
            fix="remove the repeated row",
        )
    return out
