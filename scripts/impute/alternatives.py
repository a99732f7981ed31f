"""Alternative point imputations: every role the masking experiment chose a chain for takes its runner-up.

The chain the experiment ranks first is the point imputation's; the chains it ranks
just behind are nearly as defensible, and the uncertainty analysis should say how much
the index depends on that choice. Alternative ``k`` (1..``runners_up``) imputes the panel
with every experiment-chosen role on its ``k``-th runner-up (the chain ranked ``k + 1``);
a role with fewer qualifying chains keeps its last one. Roles whose chain the config
fixes (or that fell back to the defaults) keep it in every alternative: a configured
chain is a decision, not an estimate.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from scripts.core.contract import conform
from scripts.core.tables import ALTERNATIVE_CHAINS
from scripts.impute.settings import BY_EXPERIMENT


def alternative_chains(
    methods: pd.DataFrame, ranked: Mapping[str, Sequence[str]], rmse: Mapping[tuple[str, str], float], runners_up: int
) -> pd.DataFrame:
    """ALTERNATIVE_CHAINS: the chain of every role in alternatives 0 (the chains in use) to ``runners_up``.

    ``methods`` is METHODS_USED, ``ranked`` the chains of each role best first
    (:func:`scripts.impute.masking.ranked_chains`), ``rmse`` the (role, chain) ->
    masking RMSE in SD units of the ranked chains.
    """
    rows = []
    for alt in range(runners_up + 1):
        for r in methods.itertuples():
            order = list(ranked.get(r.role, []))
            varied = r.chosen_by == BY_EXPERIMENT and len(order) > 0
            chain = order[min(alt, len(order) - 1)] if varied else r.chain
            rank = order.index(chain) + 1 if chain in order else 0
            rows.append((alt, r.role, chain, rank, rmse.get((r.role, chain), np.nan), r.chosen_by))
    table = pd.DataFrame(rows, columns=list(ALTERNATIVE_CHAINS.columns))
    return conform(table, ALTERNATIVE_CHAINS)
