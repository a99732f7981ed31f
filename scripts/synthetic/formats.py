"""The World Bank's raw file layouts, byte for byte: API CSV (one indicator) and WDI Metadata_Country.

The readers ``wb_api`` and ``wb_metadata_country`` accept these files as they accept the
World Bank's downloads: UTF-8 with BOM, CRLF line ends, every field quoted and a trailing
comma on every line. Values are written as their shortest round-trip repr, so reading a
file back gives the exact doubles that were written.
"""

from __future__ import annotations

import zlib

import numpy as np


def _q(text: str) -> str:
    """Quote a CSV field the way the World Bank does: always, doubling inner quotes."""
    return '"' + str(text).replace('"', '""') + '"'


def _cells(values: np.ndarray) -> list[str]:
    """Return the cells of ``values`` (row-major) as text: shortest round-trip repr, '' for NaN."""
    return ["" if v != v else repr(v) for v in values.ravel().tolist()]


def format_api_csv(
    names: list[str],
    codes: list[str],
    indicator_name: str,
    indicator_code: str,
    years: np.ndarray,
    values: np.ndarray,
    last_updated: str,
) -> bytes:
    """Return the bytes of a World Bank API CSV of one indicator.

    UTF-8 with BOM, CRLF line ends, every field quoted, a trailing comma on every line:
    the 4-line preamble, the header ("Country Name", "Country Code", "Indicator Name",
    "Indicator Code", one column per year) and one line per row of ``values`` (rows x years;
    NaN written as an empty string, floats as their shortest round-trip repr).
    """
    return api_csv_bytes(row_prefixes(names, codes), indicator_name, indicator_code, years, values, last_updated)


def row_prefixes(names: list[str], codes: list[str]) -> list[str]:
    """Return the start of each data line of an API CSV: the quoted name and code and their commas."""
    return [f"{_q(name)},{_q(code)}," for name, code in zip(names, codes)]


def api_csv_bytes(
    prefixes: list[str],
    indicator_name: str,
    indicator_code: str,
    years: np.ndarray,
    values: np.ndarray,
    last_updated: str,
) -> bytes:
    """Return the bytes of :func:`format_api_csv` from the rows' :func:`row_prefixes`.

    A dataset's API files share their rows, so the prefixes are quoted once for all of them.
    """
    n_years = len(years)
    cells = _cells(values)
    head = (
        '"Data Source","World Development Indicators",\r\n'
        "\r\n"
        f'"Last Updated Date",{_q(last_updated)},\r\n'
        "\r\n"
        + ",".join(
            _q(c)
            for c in ["Country Name", "Country Code", "Indicator Name", "Indicator Code", *[str(int(y)) for y in years]]
        )
        + ",\r\n"
    )
    ind = f"{_q(indicator_name)},{_q(indicator_code)}"
    lines = [head]
    for r, prefix in enumerate(prefixes):
        lines.append(f'{prefix}{ind},"' + '","'.join(cells[r * n_years : (r + 1) * n_years]) + '",\r\n')
    return "\ufeff".encode("utf-8") + "".join(lines).encode("utf-8")


def format_metadata_country(rows: list[tuple[str, str, str, str, str]]) -> bytes:
    """Return the bytes of a WDI Metadata_Country CSV.

    ``rows`` are (Country Code, Region, IncomeGroup label, SpecialNotes, TableName); written
    in the given order, with BOM, CRLF line ends, quoted fields and trailing commas.
    """
    header = ["Country Code", "Region", "IncomeGroup", "SpecialNotes", "TableName"]
    lines = [",".join(_q(h) for h in header) + ",\r\n"]
    lines += [",".join(_q(c) for c in row) + ",\r\n" for row in rows]
    return "\ufeff".encode("utf-8") + "".join(lines).encode("utf-8")


def _file_number(code: str) -> int:
    # Stands in for the World Bank's download number; stable for a given series code.
    return 100000 + zlib.crc32(code.encode("utf-8")) % 900000


def api_file_name(code: str) -> str:
    """Return the raw file name of a series: ``API_<CODE>_DS2_en_csv_v2_<n>.csv``."""
    return f"API_{code}_DS2_en_csv_v2_{_file_number(code)}.csv"
