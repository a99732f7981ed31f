"""The indicator catalogue as a table (config/indicators.csv, typed)."""

from __future__ import annotations

from scripts.core.contract import Table

#: The indicator catalogue as published with the database (config/indicators.csv, typed).
INDICATORS = Table(
    "catalogue indicator",
    {
        "indicator": "string",  # id used in every table
        "name": "string",
        "unit": "string",  # percent, per100, usd, ... (see the data package's field notes)
        "role": "string",  # readiness | use | impact | outcome | control
        "pillar": "string",  # pillar, or the MDG goal of an outcome
        "direction": "int64",  # 1 higher is better, -1 lower is better
        "core_code": "string",  # Partnership core-list code
        "mdg_code": "string",  # MDG indicator number
        "themes": "string",  # ";"-separated tags for the index/outcome overlap guard
        "min": "float64",  # lowest plausible value (NaN: none)
        "max": "float64",  # highest plausible value (NaN: none)
        "description": "string",
    },
    ("indicator",),
)
