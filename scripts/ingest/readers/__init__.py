"""Readers, one per publisher format. Each returns the long observations table with provenance.

``DATA_READERS`` maps the reader names used in ``config.yaml`` (``sources[].reader``) to
functions ``f(path, rel, source) -> OBSERVATIONS``; ``CLASSIFICATION_READERS`` maps the
names used under ``classifications`` to functions returning classification tables.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd

from scripts.ingest.readers import (
    classifications,
    itu_datahub,
    itu_snapshots,
    itu_timeseries,
    unctad,
    undp_hdr,
    unmdg,
    wb_api,
    wb_api_excel,
    wb_databank,
    wb_datahub,
)

Reader = Callable[[Path, str, str], pd.DataFrame]

DATA_READERS: dict[str, Reader] = {
    "wb_api": wb_api.read_wb_api,
    "wb_datahub": wb_datahub.read_wb_datahub,
    "wb_databank": wb_databank.read_wb_databank,
    "itu_timeseries": itu_timeseries.read_itu_timeseries,
    "itu_core_household": itu_snapshots.read_itu_core_household,
    "itu_gender": itu_snapshots.read_itu_internet_by_gender,
    "un_mdg": unmdg.read_un_mdg,
    "wb_api_excel": wb_api_excel.read_wb_api_excel,
    "unctad": unctad.read_unctad,
    "undp_hdr": undp_hdr.read_undp_hdr,
    "itu_datahub": itu_datahub.read_itu_datahub,
}

CLASSIFICATION_READERS: dict[str, Reader] = {
    "wb_class": classifications.read_wb_class,
    "wb_income_history": classifications.read_wb_income_history,
    "country_codes": classifications.read_country_codes,
    "wb_metadata_country": classifications.read_wb_metadata_country,
}
