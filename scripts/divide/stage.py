"""Stage 7, the ``divide`` and ``divide_figures`` rules: the digital divide, measured, decomposed and tracked.

``divide`` reads the harmonised panel, the point imputation and the overall scores of the
indices named in ``divide.measures``, and writes the tables of results/07_divide:
inequality with bootstrap intervals and the effect of imputation, the Theil
decomposition, gaps and their trends, sigma- and beta-convergence, logistic diffusion
fits, time distances, the gender gap and its coverage, and every exclusion.
``divide_figures`` draws them (scripts/publish/figures_divide.py).
"""

from __future__ import annotations

import logging
from typing import Any

import pandas as pd

from scripts.core import tables
from scripts.core.contract import Table, read_table, write_table
from scripts.core.io import read_csv
from scripts.core.logs import setup_logging
from scripts.divide.between import Bootstrap, empty_years, exclusion, imputation_effect, inequality_table
from scripts.divide.convergence import beta_table, sd_log, sigma_table
from scripts.divide.decompose import decomposition_table
from scripts.divide.diffusion import DiffusionSettings, diffusion_table
from scripts.divide.distance import time_distance_table
from scripts.divide.gaps import gap_table, gap_trends
from scripts.divide.gender import gender_coverage, gender_gap
from scripts.divide.values import check_measures, income_groups, index_name, measure_values
from scripts.impute.screening import analysis_units
from scripts.index.framework import load_framework
from scripts.publish.labels import with_names

log = logging.getLogger("ictmdg")


def _frame(rows: pd.DataFrame | list, table: Table) -> pd.DataFrame:
    """Rows as a frame with the table's columns, sorted by its key (an empty result keeps its columns)."""
    df = pd.DataFrame(rows)
    if df.empty:
        return pd.DataFrame(columns=list(table.columns))
    return df.sort_values(list(table.key), ignore_index=True)


def _named(rows: pd.DataFrame, table: Table, economies: pd.DataFrame) -> pd.DataFrame:
    """Economy-level rows with the economy's name, region and income group, sorted by the table's key."""
    if rows.empty:
        return pd.DataFrame(columns=list(table.columns))
    return with_names(rows, economies).sort_values(list(table.key), ignore_index=True)


def divide(snakemake: Any) -> None:
    """Every table of results/07_divide."""
    setup_logging(snakemake)
    p, inp, out = snakemake.params, snakemake.input, snakemake.output
    catalogue = read_csv(inp.indicators, dtype=str, keep_default_na=False)
    check_measures(list(p.measures), set(catalogue["indicator"]), set(p.indices), config_file="config")
    percent = set(catalogue.loc[catalogue["unit"] == "percent", "indicator"])
    economies = read_table(inp.economies, tables.ECONOMIES)
    classification = read_table(inp.classification, tables.CLASSIFICATION_BY_YEAR)
    panel = read_table(inp.panel, tables.PANEL, columns=["iso3", "year", "indicator", "value"])
    imputed = read_table(inp.imputed, tables.IMPUTED)
    imputed = imputed[imputed["draw"] == 0]
    units = analysis_units(economies, p.economies, set(panel["iso3"]))
    scores = {}
    for measure, path, framework in zip(p.index_measures, inp.index_scores, inp.frameworks):
        root = load_framework(read_csv(framework, dtype=str, na_values=[]), source=framework).root
        s = read_table(path, tables.SCORES)
        scores[index_name(measure)] = s.loc[s["node"] == root, ["iso3", "year", "score"]]

    def values_from(first: int) -> pd.DataFrame:
        return measure_values(
            list(p.measures),
            panel=panel,
            imputed=imputed,
            index_scores=scores,
            units=units,
            groups=income_groups(classification, economies, p.income_groups, p.first),
            regions=economies.set_index("iso3")["region"],
            population_indicator=p.population_indicator,
            first=first,
            last=p.last,
        )

    values = values_from(p.first)
    log.info("divide: %d values of %d measures over %d economies", len(values), len(p.measures), len(units))
    named = with_names(values.rename(columns={"income_group": "group_income"}).drop(columns="region"), economies)
    write_table(named, out.values, tables.DIVIDE_VALUES)
    excluded = empty_years(values, p.first, p.last)
    for m in p.measures:
        if values[(values["measure"] == m) & values["value"].notna()].empty:
            reason = "no value in the analysis window (not in the panel or imputation?)"
            excluded.append(exclusion(m, "", "all", None, reason, 0))

    boot = Bootstrap(reps=p.bootstrap["reps"], level=p.bootstrap["level"], seed=p.seed)
    inequality, ex = inequality_table(values, boot)
    excluded += ex
    inequality = _frame(inequality, tables.INEQUALITY)
    write_table(inequality, out.inequality, tables.INEQUALITY)
    write_table(
        _frame(imputation_effect(inequality), tables.IMPUTATION_EFFECT), out.imputation, tables.IMPUTATION_EFFECT
    )

    decomposition, ex = decomposition_table(values)
    excluded += ex
    write_table(_frame(decomposition, tables.DECOMPOSITION), out.decomposition, tables.DECOMPOSITION)

    gaps, ex = gap_table(values, p.decile_share)
    excluded += ex
    gaps = _frame(gaps, tables.GAPS)
    write_table(gaps, out.gaps, tables.GAPS)
    trends = _frame(gap_trends(gaps), tables.GAP_TRENDS)
    write_table(trends, out.gap_trends, tables.GAP_TRENDS)
    for r in trends.itertuples():
        if r.diverging:
            log.info("%s %s (%s, %s): %s", r.measure, r.comparison, r.basis, r.weighting, r.statement)

    between = inequality[(inequality["weighting"] == "economies") & inequality["statistic"].isin(["cv", "gini"])]
    dispersion = pd.concat(
        [
            sd_log(values),
            between.rename(columns={"statistic": "dispersion"})[["measure", "basis", "year", "value", "dispersion"]],
        ]
    )
    sigma, ex = sigma_table(dispersion, p.hac_lags)
    excluded += ex
    write_table(_frame(sigma, tables.SIGMA), out.sigma, tables.SIGMA)
    beta, ex = beta_table(values, percent, p.logit_shares)
    excluded += ex
    write_table(_frame(beta, tables.BETA), out.beta, tables.BETA)

    headline = values[values["basis"] == p.basis]
    headline = pd.concat(
        [headline, values[(values["basis"] != p.basis) & ~values["measure"].isin(headline["measure"])]]
    )
    settings = DiffusionSettings(**p.diffusion)
    diffusion = _named(diffusion_table(headline, percent, settings), tables.DIFFUSION, economies)
    write_table(diffusion, out.diffusion, tables.DIFFUSION)
    # The reference trajectory reaches back over every year of the panel (observed values before the window).
    history = values_from(min(int(panel["year"].min()), p.first))
    history = history[history["basis"].isin(headline["basis"].unique())]
    distance = time_distance_table(headline, p.reference, history[history["measure"].isin(headline["measure"])])
    distance = _named(distance, tables.TIME_DISTANCE, economies)
    write_table(distance, out.time_distance, tables.TIME_DISTANCE)

    gender = gender_gap(panel, p.gender["female"], p.gender["male"], units)
    write_table(_named(gender, tables.GENDER_GAP, economies), out.gender, tables.GENDER_GAP)
    current = economies[economies["iso3"].isin(units)][["iso3", "region", "income_group"]]
    write_table(
        _frame(gender_coverage(gender, current, len(units), p.first, p.last), tables.GENDER_COVERAGE),
        out.gender_coverage,
        tables.GENDER_COVERAGE,
    )
    write_table(_frame(excluded, tables.EXCLUSIONS), out.exclusions, tables.EXCLUSIONS)
    log.info("divide: %d exclusions recorded", len(excluded))
