"""Reader for datahub.io's long CSV of one WDI indicator, with its Frictionless datapackage.json."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from scripts.core.errors import InputError
from scripts.ingest.readers.common import check_codes
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

#: Columns of a datahub.io long CSV (and of the fields its datapackage declares).
DATAHUB_COLUMNS: list[str] = ["Country Name", "Country Code", "Year", "Value"]


def read_datapackage(path: Path, resource: str | None = None, *, rel: str | None = None) -> dict[str, Any]:
    """Return the essentials of a Frictionless ``datapackage.json``.

    The result holds ``name``, ``title``, ``licences`` (list of licence names),
    ``resource_path`` and ``fields`` (the field names of the resource's schema, in
    order). ``resource`` selects the resource by its ``path`` (e.g. "data.csv"); by
    default the package must have exactly one resource. ``rel`` is the path named in
    error messages (default: ``path``). Raises :class:`InputError` for a missing file,
    invalid JSON or a package lacking any of these.
    """
    rel = str(path) if rel is None else rel
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise InputError(
            problem="datapackage.json not found beside the data file",
            file=rel,
            expected="the datapackage.json that datahub.io publishes with each data.csv",
            fix="restore datapackage.json next to data.csv",
        ) from exc
    try:
        package = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            problem=f"invalid JSON ({exc.msg})",
            file=rel,
            row=exc.lineno,
            expected="a Frictionless data package descriptor",
            fix="restore the original datapackage.json",
        ) from exc

    def missing(what: str) -> InputError:
        return InputError(
            problem=f"the data package lacks {what}",
            file=rel,
            expected="a Frictionless data package with name, resources[].path and resources[].schema.fields",
            fix="restore the original datapackage.json",
        )

    if not isinstance(package, dict) or not isinstance(package.get("name"), str) or not package["name"].strip():
        raise missing("a 'name'")
    resources = package.get("resources")
    if not isinstance(resources, list) or not resources:
        raise missing("'resources'")
    if resource is None:
        if len(resources) != 1:
            raise missing("a single resource (it has several; say which one)")
        chosen = resources[0]
    else:
        matches = [r for r in resources if isinstance(r, dict) and r.get("path") == resource]
        if not matches:
            paths = [r.get("path") for r in resources if isinstance(r, dict)]
            raise missing(f"a resource with path {resource!r} (resources: {paths})")
        chosen = matches[0]
    fields = (chosen.get("schema") or {}).get("fields") if isinstance(chosen, dict) else None
    if not isinstance(fields, list) or not all(isinstance(f, dict) and "name" in f for f in fields):
        raise missing("'schema.fields' with a name for every field")
    licences_raw = package.get("licenses", package.get("license", []))
    if isinstance(licences_raw, (str, dict)):
        licences_raw = [licences_raw]
    licences = [
        lic if isinstance(lic, str) else str(lic.get("name") or lic.get("title") or lic.get("path") or "")
        for lic in licences_raw
    ]
    return {
        "name": package["name"].strip(),
        "title": str(package.get("title", "")),
        "licences": licences,
        "resource_path": str(chosen.get("path", "")),
        "fields": [str(f["name"]) for f in fields],
    }


def read_wb_datahub(path: Path, rel: str, source: str) -> pd.DataFrame:
    """Read a datahub.io long CSV of one WDI indicator (``Country Name,Country Code,Year,Value``).

    The ``datapackage.json`` beside the file gives the series (its ``name``, upper-cased,
    e.g. "IT.CEL.SETS.P2") and the schema the CSV header must equal.

    Returns :data:`tables.OBSERVATIONS`, one row per data line, in file order; ``column``
    is "Value", values in the indicator's own units. Aggregates (WLD, HIC, ...) are kept.
    """
    path = Path(path)
    package_rel = str(Path(rel).parent / "datapackage.json")
    package = read_datapackage(path.parent / "datapackage.json", resource=path.name, rel=package_rel)
    if package["fields"] != DATAHUB_COLUMNS:
        raise InputError(
            problem=f"the data package declares the fields {package['fields']}",
            file=package_rel,
            expected=f"the fields {DATAHUB_COLUMNS}",
            fix="datahub.io may have changed its layout; adapt the reader",
        )
    records, rest, data_line = head_records(read_text(path, rel), 1, rel)
    header_line, header = records[0]
    if [h.strip() for h in header] != package["fields"]:
        raise InputError(
            problem=f"the CSV header {header} differs from the fields declared in datapackage.json",
            file=rel,
            row=header_line,
            expected=f"the columns {package['fields']}",
            fix="data.csv and datapackage.json come from different downloads; download both again",
        )
    lines, cells = data_lines(rest, data_line, header, header_line, rel, expected="one line per economy and year")
    codes = np.char.strip(cells[:, 1].astype(str)).astype(object)
    require_filled(codes, lines, rel, "Country Code")
    check_codes(codes, lines, rel, "Country Code", "alpha-3 code", fix=REDOWNLOAD)
    years = parse_years(cells[:, 2], lines, rel, "Year")
    check_unique_lines(lines, {"Country Code": codes, "Year": years}, rel, "data line")
    columns = np.full(len(lines), "Value", dtype=object)
    values = parse_cells(cells[:, 3], lines, columns, rel)
    return observations_frame(
        source=source,
        rel=rel,
        row=lines,
        column=repeated(np.array(["Value"], dtype=object), len(lines)),
        entity_raw=repeated(cells[:, 0], 1),
        entity_code=repeated(codes, 1),
        year=years,
        series=repeated(np.array([package["name"].upper()], dtype=object), len(lines)),
        value=values,
    )
