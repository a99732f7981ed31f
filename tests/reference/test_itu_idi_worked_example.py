"""The IDI presets against ITU's published worked example: Korea (Rep.), data year 2010.

Source: ITU, *Measuring the Information Society 2011*, Annex 1, Annex Box 1.2 "Example of how
to calculate the IDI value" (itu.int/wftp3/Public/epub_shared/BDT/mis_2011/web/WebSearch/
page0154.html). The box prints Korea's eleven 2010 inputs, the ideal (reference) values
(fixed telephone 60, mobile 170, bandwidth 280,377 bit/s used as log10 = 5.45, households
100, Internet users 100, fixed broadband 60, mobile broadband 100, adult literacy,
secondary and tertiary enrolment 100), the normalised values rounded to two decimals, and
the weights: 0.20 within access, **0.33** within use and skills, 0.40/0.40/0.20 for the
sub-indices. The published IDI 2010 of Korea is 8.40 (MIS 2011 Table 2.1: the maximum of
IDI 2010, Korea ranking first).

The test runs the ``idi_2009_2016`` preset of config/config.yaml (its framework file, its
reference values, its weights and final scale) on the printed inputs through the engine,
and checks every printed normalised value (to the printed rounding) and the published IDI
to 0.01. With weights of exactly 1/3 the same inputs give 8.44: ITU multiplied by the
printed 0.33, which the preset reproduces (see config/config.yaml).
"""

from __future__ import annotations

import math

import pandas as pd
import pytest
from support import ROOT

from scripts.core.config import load_yaml
from scripts.index.engine import compute_index
from scripts.index.framework import load_framework
from scripts.index.prepare import index_spec

#: Annex Box 1.2, column "2010" (Korea's inputs as printed).
KOREA_2010 = {
    "fixed_tel_per100": 59.2,
    "mobile_per100": 105.4,
    "intl_bandwidth_per_user": 11878.4,
    "hh_computer_pct": 82.0,
    "hh_internet_pct": 97.0,
    "internet_users_pct": 84.0,
    "fixed_broadband_per100": 36.6,
    "mobile_broadband_per100": 91.0,
    "adult_literacy_pct": 97.9,
    "secondary_enrolment_gross": 102.0,
    "tertiary_enrolment_gross": 99.0,
}
#: Annex Box 1.2, normalised values z1..z11 as printed (two decimals).
PRINTED_Z = {
    "fixed_tel_per100": 0.99,
    "mobile_per100": 0.62,
    "intl_bandwidth_per_user": 0.75,
    "hh_computer_pct": 0.82,
    "hh_internet_pct": 0.97,
    "internet_users_pct": 0.84,
    "fixed_broadband_per100": 0.61,
    "mobile_broadband_per100": 0.91,
    "adult_literacy_pct": 0.98,
    "secondary_enrolment_gross": 1.00,
    "tertiary_enrolment_gross": 0.99,
}
PUBLISHED_IDI_2010 = 8.40


def _preset(name: str) -> tuple[dict, pd.DataFrame]:
    block = load_yaml(ROOT / "config" / "config.yaml")["index"]["indices"][name]
    return block, pd.read_csv(ROOT / block["framework"], dtype=str, keep_default_na=False)


def _run(block: dict, table: pd.DataFrame, values: dict[str, float]):
    table = table.assign(weight=pd.to_numeric(table["weight"]), direction=pd.to_numeric(table["direction"]))
    framework = load_framework(table)
    wide = pd.DataFrame([values], index=pd.MultiIndex.from_tuples([("KOR", 2010)], names=["iso3", "year"]))
    return compute_index(wide[list(framework.leaves)], framework, index_spec(block))


def test_the_2009_2016_preset_reproduces_koreas_published_idi_2010() -> None:
    block, table = _preset("idi_2009_2016")
    res = _run(block, table, KOREA_2010)
    z = res.normalised.loc[("KOR", 2010)]
    for indicator, printed in PRINTED_Z.items():
        assert abs(z[indicator] - printed) <= 0.005 + 1e-12, indicator
    idi = res.node_scores.loc[("KOR", 2010), "idi_2009_2016"]
    assert abs(idi - PUBLISHED_IDI_2010) <= 0.01
    # by hand: 10 x (0.4 x 0.2 x sum(access z) + 0.4 x 0.33 x sum(use z) + 0.2 x 0.33 x sum(skills z))
    access = 59.2 / 60 + 105.4 / 170 + math.log10(11878.4) / 5.45 + 0.82 + 0.97
    use = 0.84 + 36.6 / 60 + 0.91
    skills = 0.979 + 1.0 + 0.99
    assert idi == pytest.approx(10 * (0.4 * 0.2 * access + 0.4 * 0.33 * use + 0.2 * 0.33 * skills), rel=1e-12)


def test_equal_thirds_would_not_reproduce_it() -> None:
    """The check above can fail: with weights of exactly 1/3 (or the 180 of MIS 2011's Figure 2.2) it does."""
    block, table = _preset("idi_2009_2016")
    thirds = table.assign(weight=table["weight"].replace({"0.396": "0.4", "0.198": "0.2"}))
    res = _run({**block, "final_scale": 10}, thirds, KOREA_2010)
    assert abs(res.node_scores.loc[("KOR", 2010), "idi_2009_2016"] - PUBLISHED_IDI_2010) > 0.03
    mobile_180 = {**block, "normalisation": {**block["normalisation"]}}
    mobile_180["normalisation"]["reference"] = {**block["normalisation"]["reference"], "mobile_per100": 180}
    res = _run(mobile_180, table, KOREA_2010)
    assert abs(res.node_scores.loc[("KOR", 2010), "idi_2009_2016"] - PUBLISHED_IDI_2010) > 0.03


def test_the_2017_preset_applies_its_references_to_the_same_economy() -> None:
    """No worked example of the 2017 edition is available offline: its formula with the 2017
    reference values (REFERENCE.md section 3) is checked by hand instead."""
    block, table = _preset("idi")
    values = {k: v for k, v in KOREA_2010.items() if k != "adult_literacy_pct"} | {"mean_years_schooling": 11.9}
    res = _run(block, table, values)
    access = 0.2 * (59.2 / 60 + 105.4 / 120 + math.log10(11878.4) / 6.33 + 0.82 + 0.97)
    use = (0.84 + 36.6 / 60 + 0.91) / 3
    skills = (11.9 / 15 + 1.0 + 0.99) / 3
    expected = 10 * (0.4 * access + 0.4 * use + 0.2 * skills)
    assert res.node_scores.loc[("KOR", 2010), "idi"] == pytest.approx(expected, rel=1e-12)
