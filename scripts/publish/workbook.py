"""The Excel workbook of the published tables: one sheet per table, identical bytes on a re-run.

An .xlsx file is a zip archive; openpyxl stamps the workbook's properties and every zip
entry with the current time. Both are fixed here (to :data:`EPOCH`, or ``SOURCE_DATE_EPOCH``
when set, the reproducible-builds convention), so two runs write the same bytes.
"""

from __future__ import annotations

import io
import os
import re
import zipfile
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

import openpyxl
import pandas as pd
from openpyxl.utils import get_column_letter

from scripts.core.io import atomic_path

#: The date written into the workbook when SOURCE_DATE_EPOCH is not set (the MDG deadline).
EPOCH = datetime(2015, 12, 31, tzinfo=UTC)
#: Excel's limit on sheet-name length.
SHEET_NAME_MAX = 31


def _stamp() -> datetime:
    seconds = os.environ.get("SOURCE_DATE_EPOCH")
    when = datetime.fromtimestamp(int(seconds), tz=UTC) if seconds else EPOCH
    return when.replace(tzinfo=None)


def workbook_bytes(sheets: Mapping[str, pd.DataFrame]) -> bytes:
    """The .xlsx bytes of ``sheets`` (sheet name -> table), header row bold and frozen, columns sized to fit."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, df in sheets.items():
        if len(name) > SHEET_NAME_MAX:
            raise ValueError(f"sheet name {name!r} is longer than Excel's {SHEET_NAME_MAX} characters")
        ws = wb.create_sheet(name)
        ws.append([str(c) for c in df.columns])
        for row in df.itertuples(index=False):
            ws.append([None if (isinstance(v, float) and v != v) or v is pd.NA else v for v in row])
        for cell in ws[1]:
            cell.font = openpyxl.styles.Font(bold=True)
        ws.freeze_panes = "A2"
        for j, col in enumerate(df.columns, start=1):
            width = max([len(str(col)), *(len(str(v)) for v in df[col].head(200))]) + 2
            ws.column_dimensions[get_column_letter(j)].width = min(width, 60)
    stamp = _stamp()
    wb.properties.created = stamp
    wb.properties.modified = stamp
    wb.properties.creator = "ictmdg"
    raw = io.BytesIO()
    wb.save(raw)
    return _fixed_zip(raw.getvalue(), stamp)


def _fixed_zip(data: bytes, stamp: datetime) -> bytes:
    """``data`` (a zip archive) rewritten with every entry dated ``stamp``, in the same order.

    openpyxl sets the "modified" property to the time of saving whatever the workbook says,
    so it is replaced in docProps/core.xml too.
    """
    modified = f'<dcterms:modified xsi:type="dcterms:W3CDTF">{stamp:%Y-%m-%dT%H:%M:%SZ}</dcterms:modified>'.encode()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=stamp.timetuple()[:6])
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(rb"<dcterms:modified[^>]*>[^<]*</dcterms:modified>", modified, content)
            dst.writestr(fixed, content)
    return out.getvalue()


def write_workbook(sheets: Mapping[str, pd.DataFrame], target: str | Path) -> None:
    """Write ``sheets`` to the .xlsx file ``target`` atomically (see :func:`workbook_bytes`)."""
    with atomic_path(target) as tmp:
        tmp.write_bytes(workbook_bytes(sheets))
