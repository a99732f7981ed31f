"""Harmonisation on tiny hand-made observations: entities, fates, precedence, transforms."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scripts.core import contract, tables
from scripts.core.errors import InputError
from scripts.harmonize.classification import classification_by_year
from scripts.harmonize.entities import EntityUniverse, build_universe, resolve_entities, unknown_entity_error
from scripts.harmonize.fates import assign_fates
from scripts.harmonize.panel import build_panel, reconciliation
from scripts.harmonize.quality import discrepancies, flag_spikes, validate_ranges


def classif(rows: list[tuple[str, str, str, str]], source: str = "wb_class") -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=["iso3", "name", "region", "income_group"])
    return contract.conform(
        df.assign(
            year=pd.array([pd.NA] * len(df), dtype="Int64"), source=source, file="CLASS.xlsx", row=range(2, len(df) + 2)
        ),
        tables.CLASSIFICATION,
    )


CURRENT = classif(
    [
        ("CIV", "Côte d'Ivoire", "Sub-Saharan Africa", "LM"),
        ("COD", "Congo, Dem. Rep.", "Sub-Saharan Africa", "L"),
        ("COG", "Congo, Rep.", "Sub-Saharan Africa", "LM"),
        ("KOR", "Korea, Rep.", "East Asia & Pacific", "H"),
        ("PRK", "Korea, Dem. People's Rep.", "East Asia & Pacific", "L"),
        ("TUR", "Türkiye", "Europe & Central Asia", "UM"),
        ("NAM", "Namibia", "Sub-Saharan Africa", "UM"),
        ("XKX", "Kosovo", "Europe & Central Asia", "UM"),
        ("SRB", "Serbia", "Europe & Central Asia", "UM"),
        ("WLD", "World", "", ""),
        ("SSF", "Sub-Saharan Africa", "", ""),
    ]
)
CONCORDANCE = pd.DataFrame(
    {
        "iso3": ["CIV", "NAM", "TUR", "VAT"],
        "iso2": ["CI", "NA", "TR", "VA"],
        "m49": ["384", "516", "792", "336"],
        "name": ["Côte d’Ivoire", "Namibia", "Turkey", "Vatican City"],
        "name_official": ["Côte d'Ivoire", "Namibia", "Türkiye", "Holy See"],
    }
)
RULES = pd.DataFrame(
    {
        "kind": ["name", "name"],
        "match": ["Serbia and Montenegro", "Netherlands Antilles"],
        "iso3": ["SRB", ""],
        "action": ["map", "drop"],
        "first_year": pd.array([pd.NA, pd.NA], dtype="Int64"),
        "last_year": pd.array([2005, pd.NA], dtype="Int64"),
        "reason": ["continuing state", "dissolved"],
    }
)


def universe() -> EntityUniverse:
    empty = CURRENT.iloc[0:0]
    return build_universe(CURRENT, empty, CONCORDANCE, empty)


def obs(rows: list[tuple], source: str = "s", file: str = "f.csv") -> pd.DataFrame:
    """rows: (entity_raw, entity_code, year, series, value)."""
    df = pd.DataFrame(rows, columns=["entity_raw", "entity_code", "year", "series", "value"])
    df = df.assign(source=source, file=file, row=range(5, 5 + len(df)), column=df["year"].astype(str), note="")
    return contract.conform(df, tables.OBSERVATIONS)


@pytest.mark.parametrize(
    "name, code, expected",
    [
        ("Côte d'Ivoire", "", "CIV"),
        ("Cote d'Ivoire", "", "CIV"),
        ("Congo (Dem. Rep.)", "", "COD"),
        ("Congo", "", "COG"),
        ("Korea (Rep.)", "", "KOR"),
        ("Dem. People's Rep. of Korea", "", "PRK"),
        ("Türkiye", "", "TUR"),
        ("Turkey", "", "TUR"),
        ("Namibia", "NAM", "NAM"),
        ("Namibia", "", "NAM"),
        ("Kosovo", "", "XKX"),
        ("Kosovo", "XKX", "XKX"),
        ("Namibia", "516", "NAM"),  # UN M49 code
    ],
)
def test_names_that_commonly_go_wrong(name: str, code: str, expected: str) -> None:
    ent = resolve_entities(obs([(name, code, 2005, "X", 1.0)]), universe(), RULES)
    assert ent.loc[0, "iso3"] == expected, ent.loc[0, "rule"]
    assert ent.loc[0, "entity_fate"] == "economy"


def test_aggregates_rules_and_unknowns() -> None:
    o = obs(
        [
            ("World", "WLD", 2005, "X", 1.0),
            ("World", "", 2005, "X", 1.0),
            ("Sub-Saharan Africa", "", 2005, "X", 1.0),
            ("Serbia and Montenegro", "", 2004, "X", 1.0),
            ("Netherlands Antilles", "", 2004, "X", 1.0),
            ("Atlantis", "", 2004, "X", 1.0),
            ("Somewhere", "ZZZ", 2004, "X", 1.0),
        ]
    )
    ent = resolve_entities(o, universe(), RULES).set_index("entity_raw")
    assert ent.loc["Sub-Saharan Africa", "entity_fate"] == "aggregate"
    assert (ent.loc["World", "entity_fate"] == "aggregate").all()
    assert ent.loc["Serbia and Montenegro", "iso3"] == "SRB"
    assert ent.loc["Serbia and Montenegro", "rule_last_year"] == 2005
    assert ent.loc["Netherlands Antilles", "entity_fate"] == "excluded entity"
    assert ent.loc["Atlantis", "entity_fate"] == "unknown entity"
    assert ent.loc["Somewhere", "entity_fate"] == "unknown entity"
    err = unknown_entity_error(o, ent.reset_index())
    assert "Atlantis" in str(err) and "ZZZ" in str(err) and "entities.csv" in str(err)
    assert "f.csv" in str(err)


SERIES = pd.DataFrame(
    {
        "source": ["s", "s", "t", "s", "s"],
        "series": ["NET", "POP", "NET2", "CNT", "LVL"],
        "indicator": ["internet", "population", "internet", "subs_per100", "growth"],
        "precedence": [1, 1, 2, 1, 1],
        "transform": ["none", "none", "none", "per_capita", "growth"],
        "factor": [1.0, 1.0, 1.0, 100.0, 1.0],
    }
)


def trail_for(o: pd.DataFrame, **kw) -> pd.DataFrame:
    ent = resolve_entities(o, universe(), RULES)
    args = dict(population_indicator="population", first_year=None, last_year=None) | kw
    return assign_fates(o, SERIES, ent, **args)


def test_fates_precedence_transforms_and_reconciliation() -> None:
    o = pd.concat(
        [
            obs(
                [
                    ("Namibia", "NAM", 2005, "NET", 4.0),
                    ("Namibia", "NAM", 2006, "NET", np.nan),  # missing
                    ("Namibia", "NAM", 2005, "POP", 2_000_000.0),
                    ("Namibia", "NAM", 2005, "CNT", 30_000.0),  # 30000 * 100 / 2e6 = 1.5
                    ("Namibia", "NAM", 2006, "CNT", 31_000.0),  # no population in 2006
                    ("Namibia", "NAM", 2004, "LVL", 100.0),
                    ("Namibia", "NAM", 2005, "LVL", 110.0),  # growth 10 %
                    ("Namibia", "NAM", 2007, "LVL", 120.0),  # no 2006 value
                    ("World", "WLD", 2005, "NET", 30.0),
                    ("Namibia", "NAM", 2005, "UNMAPPED", 1.0),
                ]
            ),
            obs([("Namibia", "", 2005, "NET2", 4.4), ("Namibia", "", 2006, "NET2", 5.0)], source="t", file="g.xls"),
        ],
        ignore_index=True,
    )
    tr = trail_for(o)
    fate = {(r.source, r.series, r.year): r.fate for r in tr.itertuples()}
    assert fate[("s", "NET", 2006)] == "missing"
    assert fate[("s", "UNMAPPED", 2005)] == "series not in catalogue"
    assert fate[("t", "NET2", 2005)] == "superseded"  # precedence 2 loses to s:NET
    assert fate[("t", "NET2", 2006)] == "kept"  # fills the gap left by the missing s:NET 2006
    assert fate[("s", "CNT", 2006)] == "not convertible"
    assert fate[("s", "LVL", 2004)] == "not convertible"
    assert fate[("s", "LVL", 2007)] == "not convertible"
    detail = {(r.source, r.series, r.year): r.detail for r in tr.itertuples()}
    assert detail[("t", "NET2", 2005)] == "superseded by s:NET"

    panel = build_panel(tr).set_index(["iso3", "year", "indicator"])["value"]
    assert panel[("NAM", 2005, "subs_per100")] == pytest.approx(1.5, rel=1e-15)
    assert panel[("NAM", 2005, "growth")] == pytest.approx(10.0, rel=1e-12)
    assert panel[("NAM", 2005, "internet")] == 4.0
    assert panel[("NAM", 2006, "internet")] == 5.0

    rec = reconciliation(tr)
    assert (rec["read"] == rec["kept"] + rec["dropped"]).all()
    assert rec["read"].sum() == len(o)
    s_net = rec[(rec["source"] == "s") & (rec["series"] == "NET")].iloc[0]
    assert (s_net["read"], s_net["kept"], s_net["dropped: missing"], s_net["dropped: aggregate"]) == (3, 1, 1, 1)

    disc = discrepancies(tr, tolerance=0.01)
    row = disc[disc["indicator"] == "internet"].iloc[0]
    assert row["kept_series"] == "s:NET" and row["other_series"] == "t:NET2"
    assert row["n_overlap"] == 1 and row["n_disagree"] == 1
    assert row["max_abs_rel_diff"] == pytest.approx(0.4 / 4.4)


def test_year_window_and_rule_years() -> None:
    o = obs(
        [
            ("Serbia and Montenegro", "", 2005, "NET", 1.0),
            ("Serbia and Montenegro", "", 2006, "NET", 2.0),  # after the rule's last year
            ("Namibia", "NAM", 1995, "NET", 3.0),
        ]
    )
    tr = trail_for(o, first_year=2000).set_index("year")
    assert tr.loc[2005, "fate"] == "kept" and tr.loc[2005, "iso3"] == "SRB"
    assert tr.loc[2006, "fate"] == "excluded entity"
    assert tr.loc[1995, "fate"] == "outside database years"


def test_duplicate_series_value_names_both_rows() -> None:
    # Two names of the same economy in one file give two values for one key.
    o = obs([("Namibia", "", 2005, "NET", 1.0), ("Republic of Namibia", "NAM", 2005, "NET", 2.0)])
    with pytest.raises(InputError) as exc:
        trail_for(o)
    msg = str(exc.value)
    assert "duplicate" in msg and "row=5" in msg and "row=6" in msg


def test_range_validation_flags_and_rejects() -> None:
    panel = contract.conform(
        pd.DataFrame(
            {
                "iso3": ["NAM", "NAM"],
                "year": [2005, 2006],
                "indicator": ["internet", "internet"],
                "value": [100.4, 101.0],
                "source": "s",
                "series": "NET",
                "file": "f.csv",
                "row": [7, 8],
                "column": ["2005", "2006"],
            }
        ),
        tables.PANEL,
    )
    ind = pd.DataFrame({"indicator": ["internet"], "min": [0.0], "max": [100.0], "unit": ["percent"]})
    rep = validate_ranges(panel, ind, tolerance=0.5, mode="flag")
    assert len(rep) == 1 and rep.loc[0, "year"] == 2006 and rep.loc[0, "rule"] == "above maximum"
    with pytest.raises(InputError) as exc:
        validate_ranges(panel, ind, tolerance=0.5, mode="reject")
    msg = str(exc.value)
    assert "f.csv" in msg and "row 8" in msg and "column 2006" in msg and "above maximum" in msg


def test_income_group_by_year_uses_history_then_nearest() -> None:
    hist = contract.conform(
        pd.DataFrame(
            {
                "iso3": ["NAM", "NAM"],
                "name": "Namibia",
                "year": pd.array([2000, 2001], dtype="Int64"),
                "region": "",
                "income_group": ["LM", "UM"],
                "source": "h",
                "file": "h.xlsx",
                "row": [5, 5],
            }
        ),
        tables.CLASSIFICATION,
    )
    c = classification_by_year(universe(), hist, range(1999, 2003)).set_index(["iso3", "year"])
    assert c.loc[("NAM", 2000), "income_group"] == "LM"
    assert c.loc[("NAM", 2001), "income_group"] == "UM"
    assert c.loc[("NAM", 2002), "income_group"] == "UM" and c.loc[("NAM", 2002), "income_basis"] == "nearest"
    assert c.loc[("NAM", 1999), "income_group"] == "LM" and c.loc[("NAM", 1999), "income_basis"] == "nearest"
    assert c.loc[("KOR", 2000), "income_basis"] == "current" and c.loc[("KOR", 2000), "income_group"] == "H"
    assert c.loc[("VAT", 2000), "income_basis"] == "none" and c.loc[("VAT", 2000), "income_group"] == ""


def test_spike_flag_names_tonga_2002_and_keeps_the_value() -> None:
    # Tonga's gross secondary enrolment 1998-2004 (WDI 2025): 194.46 in 2002 between about 100s.
    values = [91.91, 100.86, 100.17, 97.52, 194.46, 109.54, 97.93]
    panel = contract.conform(
        pd.DataFrame(
            {
                "iso3": "TON",
                "year": range(1998, 2005),
                "indicator": "secondary_enrolment_gross",
                "value": values,
                "source": "wdi_api_2025",
                "series": "SE.SEC.ENRR",
                "file": "API_SE.SEC.ENRR.csv",
                "row": 230,
                "column": [str(y) for y in range(1998, 2005)],
            }
        ),
        tables.PANEL,
    )
    ind = pd.DataFrame({"indicator": ["secondary_enrolment_gross"], "unit": ["percent"]})
    rep = flag_spikes(panel, ind, threshold=5.0, min_points=5)
    assert len(rep) == 1
    r = rep.iloc[0]
    assert (r["iso3"], r["year"], r["rule"], r["bound"], r["column"]) == ("TON", 2002, "isolated spike", 109.54, "2002")
    assert r["robust_z"] == pytest.approx(5.57, abs=0.01)  # tests/unit/core/test_spikes.py computes it by hand
    assert flag_spikes(panel, ind, threshold=6.0, min_points=5).empty
    assert len(panel) == 7  # a flag, not a drop
    contract.conform(rep, tables.VALIDATION)
    # A value already reported out of range is reported once, as out of range.
    ranges = validate_ranges(panel, ind.assign(min=0.0, max=150.0), tolerance=0.5, mode="flag")
    assert ranges["year"].tolist() == [2002]
    assert flag_spikes(panel, ind, threshold=5.0, min_points=5, flagged=ranges).empty
