"""The MDG outcomes the models explain: which are modelled, which are not and why, and what their values rest on.

Outcomes are the catalogue's ``outcome`` indicators. Only observed panel values are used
(never imputed ones). Each is tagged ``measured`` or ``modelled estimate`` from the
publisher's own information: the UN MDG export's ``Type`` column (kept in the trail's
``note`` as ``type=E`` for estimated, ``type=M`` for modelled), the publisher's series
title as the catalogue records it ("modelled estimate"), and the publishers'
documentation listed in ``models.modelled_estimates``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from scripts.core.errors import ConfigError, did_you_mean

#: The UN MDG database's data type codes of estimated values (E estimated, M modelled).
ESTIMATED_TYPES = ("E", "M")
_TYPE = re.compile(r"type=([A-Z]+)")
_MODELLED_TITLE = re.compile(r"model{1,2}ed(?: \w+)? estimate", re.IGNORECASE)


def select_outcomes(catalogue: pd.DataFrame, wanted: str | Sequence[str]) -> pd.DataFrame:
    """The catalogue rows of the outcomes to model (``"all"`` or a list of ids), in catalogue order.

    Raises ConfigError for an id that is not a catalogue outcome.
    """
    outcomes = catalogue[catalogue["role"] == "outcome"]
    if wanted == "all":
        return outcomes.reset_index(drop=True)
    known = list(outcomes["indicator"])
    for oid in wanted:
        if oid not in known:
            raise ConfigError(
                problem=f"models.outcomes names {oid!r}, which is not an outcome of the catalogue"
                + did_you_mean(oid, known),
                file="config",
                expected="ids of indicators.csv rows with role 'outcome'",
                fix="correct the id, or set models.outcomes: all",
            )
    return outcomes[outcomes["indicator"].isin(list(wanted))].reset_index(drop=True)


def estimated_shares(trail: pd.DataFrame, outcomes: Sequence[str]) -> pd.DataFrame:
    """Per outcome: cells whose publisher gives a data type, and the share typed estimated.

    ``trail`` holds the ``indicator`` and ``note`` columns of the TRAIL table (every raw
    cell, superseded alternatives included, so that a type column of a source the panel
    does not prefer still informs the tag). Returns columns outcome, n_typed, share_estimated
    (NaN when no cell is typed).
    """
    t = trail[trail["indicator"].isin(list(outcomes))]
    # The note column repeats a few distinct texts over many cells: parse each distinct text once.
    codes, texts = pd.factorize(t["note"].astype("category"))
    types = pd.Series(texts.astype(str)).str.extract(_TYPE, expand=False).to_numpy()
    typed = pd.DataFrame(
        {"outcome": np.asarray(t["indicator"].astype(str)), "type": np.where(codes >= 0, types[codes], np.nan)}
    ).dropna()
    counts = typed.groupby("outcome")["type"].agg(
        n_typed="size", share_estimated=lambda s: s.isin(ESTIMATED_TYPES).mean()
    )
    return counts.reindex(list(outcomes)).rename_axis("outcome").reset_index().fillna({"n_typed": 0})


def outcome_basis(outcomes: pd.DataFrame, shares: pd.DataFrame, documented: Mapping[str, str]) -> pd.DataFrame:
    """Tag each outcome ``measured`` or ``modelled estimate`` and say on what evidence.

    An outcome is a modelled estimate when its publisher's documentation says so
    (``documented``, the config's ``models.modelled_estimates``), when the series title
    (catalogue name or description) says "modelled estimate", or when at least half of
    its typed cells are typed estimated. Returns columns outcome, basis, basis_evidence,
    share_estimated.
    """
    sh = shares.set_index("outcome")
    rows = []
    for r in outcomes.itertuples():
        evidence = []
        if r.indicator in documented:
            evidence.append(f"publisher: {documented[r.indicator]}")
        if _MODELLED_TITLE.search(f"{r.name} {r.description}"):
            evidence.append("series title says modelled estimate")
        share = float(sh.loc[r.indicator, "share_estimated"]) if r.indicator in sh.index else np.nan
        n_typed = int(sh.loc[r.indicator, "n_typed"]) if r.indicator in sh.index else 0
        if n_typed and share >= 0.5:
            evidence.append(f"UN MDG type column: {share:.0%} of {n_typed} typed cells estimated")
        basis = "modelled estimate" if evidence else "measured"
        if not evidence:
            evidence.append(
                f"UN MDG type column: {share:.0%} of {n_typed} typed cells estimated"
                if n_typed
                else "no publisher flag of estimation"
            )
        rows.append((r.indicator, basis, "; ".join(evidence), share))
    return pd.DataFrame(rows, columns=["outcome", "basis", "basis_evidence", "share_estimated"])


def outcome_coverage(values: pd.DataFrame, outcomes: Sequence[str], min_economies: int, min_years: int) -> pd.DataFrame:
    """Observed coverage of each outcome and whether it has enough data to be modelled.

    ``values`` are the observed outcome values (iso3, year, indicator, value) of the
    economies and years the models can use. Returns columns outcome, n_obs, n_economies,
    n_economies_enough (economies with >= ``min_years`` observed years), status
    ("modelled" | "excluded") and reason ("" when modelled).
    """
    v = values[values["indicator"].isin(list(outcomes)) & values["value"].notna()]
    per = v.groupby(["indicator", "iso3"], observed=True).size()
    rows = []
    for oid in outcomes:
        years = per.loc[oid] if oid in per.index.get_level_values(0) else pd.Series(dtype="int64")
        enough = int((years >= min_years).sum())
        ok = enough >= min_economies
        reason = (
            ""
            if ok
            else f"{enough} economies have >= {min_years} observed years; {min_economies} are needed "
            "(models.min_economies, models.min_years)"
        )
        rows.append((oid, int(years.sum()), int(years.size), enough, "modelled" if ok else "excluded", reason))
    return pd.DataFrame(rows, columns=["outcome", "n_obs", "n_economies", "n_economies_enough", "status", "reason"])
