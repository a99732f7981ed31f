"""What a raw file promises to hold: the series that its name, its MANIFEST row and its companion name.

A World Bank download is named for its indicator (``API_IT.NET.USER.ZS_DS2_...csv``, a
DataHub folder ``it.net.user.zs/``), its MANIFEST row describes it ("IT.NET.USER.ZS — ...")
and its ``Metadata_Indicator_`` companion defines it. A file whose content names another
series (a download saved under the wrong name, an edited code column) would otherwise be
caught only if it happened to clash with the real file of that series.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath

import numpy as np
import pandas as pd

from scripts.core.errors import InputError
from scripts.ingest.readers.common import cells_error

#: A World Bank API download's name: ``API_<indicator code>_DS2...`` (topic downloads such as
#: ``API_11_DS2`` carry a topic number, not a code, and promise nothing).
_API_NAME = re.compile(r"^API_([A-Za-z0-9]+(?:\.[A-Za-z0-9]+)+)_DS2")
#: The indicator code at the start of a MANIFEST ``contents`` text ("IT.NET.SECR.P6 — ...").
_CONTENTS = re.compile(r"^([A-Z0-9]+(?:\.[A-Z0-9]+)+)(?=[\s:;,]|$)")

#: Readers whose files are named for their one series.
_NAMED_BY_FILE = ("wb_api", "wb_api_excel")


def named_series(reader: str, rel: str) -> str | None:
    """The series code that the file's name (or, for a DataHub download, its folder) promises, or None."""
    path = PurePosixPath(rel)
    if reader in _NAMED_BY_FILE:
        m = _API_NAME.match(path.name)
        return m.group(1).upper() if m else None
    if reader == "wb_datahub":
        return path.parent.name.upper()
    return None


def manifest_series(contents: object) -> str | None:
    """The series code that a MANIFEST ``contents`` text starts with, or None."""
    m = _CONTENTS.match(str(contents).strip()) if isinstance(contents, str) else None
    return m.group(1) if m else None


def promised_series(claims: list[tuple[str | None, str]], rel: str, manifest_file: str) -> tuple[str, str] | None:
    """The one series that ``claims`` ((code or None, who claims it)) promise, and who promises it.

    Returns None when nothing promises a series. Raises :class:`InputError` when the claims
    disagree (e.g. the name says IT.NET.USER.ZS and the MANIFEST row SP.POP.TOTL).
    """
    made = [(code, who) for code, who in claims if code]
    if not made:
        return None
    codes = sorted({code for code, _ in made})
    if len(codes) > 1:
        said = "; ".join(f"{who} says {code}" for code, who in made)
        raise InputError(
            problem=f"the descriptions of {rel} promise different series: {said}",
            file=manifest_file,
            expected="the file's name, its MANIFEST row and its Metadata_Indicator companion naming one series",
            fix="restore the file and its companion as downloaded, and describe the file in its MANIFEST row",
        )
    return codes[0], " and ".join(who for _, who in made)


def check_content(obs: pd.DataFrame, promise: tuple[str, str] | None, rel: str) -> None:
    """Raise :class:`InputError` naming every line of ``obs`` (one file's observations) whose
    series is not the promised one (see :func:`promised_series`)."""
    if promise is None or not len(obs):
        return
    code, who = promise
    series = obs["series"].astype(str).to_numpy()
    other = series != code
    if not other.any():
        return
    rows = obs["row"].to_numpy()
    first = np.unique(rows[other], return_index=True)[1]  # one entry per line
    idx = np.flatnonzero(other)[np.sort(first)]
    found = sorted(set(series[other]))
    verb = "promise" if " and " in who else "promises"
    raise cells_error(
        problem=f"the file holds series {found} but {who} {verb} {code}: its content contradicts its name",
        file=rel,
        rows=rows[idx],
        columns=[None] * idx.size,
        values=series[idx].tolist(),
        expected=f"series {code} on every line",
        fix="download the file again under its own name (the content may belong to another indicator's file), "
        "or correct the file's MANIFEST row",
    )
