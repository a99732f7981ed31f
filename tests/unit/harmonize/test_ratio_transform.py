"""The ratio transform (an indicator derived from two panel series), per-capita provenance, and
publisher group codes, on hand-made observations with hand-computed values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scripts.core import contract, tables
from scripts.core.catalogue import check_catalogue
from scripts.core.errors import ConfigError
from scripts.harmonize.entities import build_universe, resolve_entities
from scripts.harmonize.fates import assign_fates
from scripts.harmonize.panel import build_panel, reconciliation

CURRENT = contract.conform(
    pd.DataFrame(
        {
            "iso3": ["KOR", "NAM", "WLD"],
            "name": ["Korea, Rep.", "Namibia", "World"],
            "region": ["East Asia & Pacific", "Sub-Saharan Africa", ""],
            "income_group": ["H", "UM", ""],
            "year": pd.array([pd.NA] * 3, dtype="Int64"),
            "source": "wb_class",
            "file": "CLASS.xlsx",
            "row": [2, 3, 4],
        }
    ),
    tables.CLASSIFICATION,
)
CONCORDANCE = pd.DataFrame(
    {
        "iso3": ["KOR", "NAM", "VAT"],
        "iso2": ["KR", "NA", "VA"],
        "m49": ["410", "516", "336"],
        "name": ["Korea", "Namibia", "Holy See"],
    }
)
NO_RULES = pd.DataFrame(
    {
        "kind": pd.Series([], dtype=str),
        "match": pd.Series([], dtype=str),
        "iso3": pd.Series([], dtype=str),
        "action": pd.Series([], dtype=str),
        "first_year": pd.array([], dtype="Int64"),
        "last_year": pd.array([], dtype="Int64"),
        "reason": pd.Series([], dtype=str),
    }
)
SERIES = pd.DataFrame(
    {
        "source": ["wdi", "wdi", "itu", "wdi", "itu", "itu"],
        "series": ["POP", "NET", "NET_ITU", "GDP", "BW", "SUBS"],
        "indicator": ["population", "internet_pct", "internet_pct", "gdp", "bw_per_user", "subs_per100"],
        "precedence": [1, 2, 1, 1, 1, 1],
        "transform": ["none", "none", "none", "none", "ratio", "per_capita"],
        "factor": [1.0, 1.0, 1.0, 1.0, 1e8, 100.0],
    }
)
DENOMINATORS = {"bw_per_user": ["population", "internet_pct"]}


def obs(rows: list[tuple[str, str, int, str, float]]) -> pd.DataFrame:
    """rows: (source, entity_code, year, series, value); one file per source, one line per row."""
    df = pd.DataFrame(rows, columns=["source", "entity_code", "year", "series", "value"])
    df = df.assign(
        file=df["source"] + ".csv", row=range(2, 2 + len(df)), column="v", entity_raw=df["entity_code"], note=""
    )
    return contract.conform(df, tables.OBSERVATIONS)


def trail(o: pd.DataFrame, denominators: dict | None = None) -> pd.DataFrame:
    empty = CURRENT.iloc[0:0]
    ent = resolve_entities(o, build_universe(CURRENT, empty, CONCORDANCE, empty), NO_RULES)
    return assign_fates(
        o,
        SERIES,
        ent,
        population_indicator="population",
        first_year=None,
        last_year=None,
        ratio_denominators=DENOMINATORS if denominators is None else denominators,
    )


ROWS = [
    ("wdi", "KOR", 2010, "POP", 49_000_000.0),
    ("wdi", "KOR", 2010, "NET", 83.0),  # superseded by ITU's 84.0, so not the denominator either
    ("itu", "KOR", 2010, "NET_ITU", 84.0),
    ("itu", "KOR", 2010, "BW", 479_051.0),  # Mbit/s
    ("itu", "KOR", 2010, "SUBS", 4_900_000.0),
    ("itu", "KOR", 2011, "BW", 500_000.0),  # no population or Internet users in 2011
    ("wdi", "NAM", 2010, "POP", 2_000_000.0),
    ("itu", "NAM", 2010, "BW", 100.0),  # population but no Internet users
    ("itu", "group:0", 2010, "BW", 9e9),  # a publisher's group code
]


def test_ratio_divides_by_the_product_of_its_denominators_and_names_them() -> None:
    tr = trail(obs(ROWS))
    kept = tr[(tr["series"] == "BW") & (tr["fate"] == "kept")]
    assert list(kept["iso3"]) == ["KOR"]
    # 479051 Mbit/s x 1e6 / (49e6 x 84 / 100) = 479051e6 / 41.16e6 = 11638.75... bit/s per user
    assert kept["value_out"].iloc[0] == pytest.approx(479_051e6 / 41.16e6, rel=1e-14)
    assert kept["detail"].iloc[0] == "divided by population [wdi:POP] x internet_pct [itu:NET_ITU]"
    # The trail carries the factor and the divisor, so the value can be redone from the raw cell.
    row = kept.iloc[0]
    assert row["divisor"] == 49_000_000.0 * 84.0  # the percentage is scaled by the factor, not here
    assert row["value"] * row["unit_factor"] / row["divisor"] == row["value_out"]
    panel = build_panel(tr).set_index(["iso3", "year", "indicator"])
    assert tuple(panel.loc[("KOR", 2010, "bw_per_user"), ["source", "series", "row"]]) == ("itu", "BW", 5)


def test_per_capita_names_its_population_series() -> None:
    tr = trail(obs(ROWS))
    subs = tr[tr["series"] == "SUBS"].iloc[0]
    assert subs["value_out"] == pytest.approx(10.0, rel=1e-15) and subs["detail"] == "divided by population [wdi:POP]"
    assert subs["divisor"] == 49_000_000.0
    pop = tr[tr["series"] == "POP"].iloc[0]
    assert np.isnan(pop["divisor"]) and pop["unit_factor"] * pop["value"] == pop["value_out"]


def test_missing_denominators_make_the_value_not_convertible_and_are_counted() -> None:
    o = obs(ROWS)
    tr = trail(o)
    fate = {(r.iso3, r.year, r.series): (str(r.fate), str(r.detail)) for r in tr.itertuples()}
    needs = "ratio needs 'population' and 'internet_pct' for that economy and year"
    assert fate[("KOR", 2011, "BW")] == ("not convertible", needs)
    assert fate[("NAM", 2010, "BW")] == ("not convertible", needs)
    assert fate[("", 2010, "BW")][0] == "aggregate"
    rec = reconciliation(tr).set_index(["source", "series"])
    assert (rec["read"] == rec["kept"] + rec["dropped"]).all() and rec["read"].sum() == len(o)
    assert rec.loc[("itu", "BW"), ["kept", "dropped: not convertible", "dropped: aggregate"]].tolist() == [1, 2, 1]


def test_a_ratio_without_denominators_is_a_config_error() -> None:
    with pytest.raises(ConfigError) as err:
        trail(obs(ROWS), denominators={})
    assert "ratio_denominators" in str(err.value)


def test_the_catalogue_check_wants_denominators_for_every_ratio_series(tmp_path) -> None:
    ind = tmp_path / "indicators.csv"
    ser = tmp_path / "series.csv"
    ent = tmp_path / "entities.csv"
    ind.write_text(
        "indicator,name,unit,role,pillar,direction,core_code,mdg_code,themes,min,max,description\n"
        + "".join(f"{i},{i},x,readiness,a,1,,,,,,\n" for i in ["population", "internet_pct", "bw_per_user"])
    )
    ser.write_text(
        "source,series,indicator,precedence,transform,factor,note\n"
        "s,POP,population,1,none,1,\ns,NET,internet_pct,1,none,1,\ns,BW,bw_per_user,1,ratio,1e8,\n"
    )
    ent.write_text("kind,match,iso3,action,first_year,last_year,reason\n")
    check_catalogue(ind, ser, ent, ["s"], {"bw_per_user": ["population", "internet_pct"]})
    check_catalogue(ind, ser, ent, ["s"])  # the stages do not repeat the check
    with pytest.raises(ConfigError) as err:
        check_catalogue(ind, ser, ent, ["s"], {})
    assert (err.value.row, err.value.column) == (4, "transform")
    with pytest.raises(ConfigError) as err:
        check_catalogue(ind, ser, ent, ["s"], {"bw_per_user": ["population", "internet_users"]})
    assert "internet_users" in str(err.value) and "internet_pct" in str(err.value)


def test_group_codes_are_aggregates_whatever_the_code() -> None:
    o = obs([("u", "group:0", 2010, "X", 1.0), ("u", "group:926", 2010, "X", 1.0), ("u", "410", 2010, "X", 1.0)])
    empty = CURRENT.iloc[0:0]
    ent = resolve_entities(o, build_universe(CURRENT, empty, CONCORDANCE, empty), NO_RULES).set_index("entity_code")
    assert ent.loc["group:0", "entity_fate"] == "aggregate" and ent.loc["group:926", "entity_fate"] == "aggregate"
    assert ent.loc["410", "iso3"] == "KOR"
    assert np.all(ent.loc[["group:0", "group:926"], "iso3"] == "")
