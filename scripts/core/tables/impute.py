"""Tables of stage 3 (results/03_impute): screening, accuracy, the imputed panel and its draws."""

from __future__ import annotations

from scripts.core.contract import Table

#: Availability screening: one row per indicator, then one per economy.
SCREENING = Table(
    "screening decision",
    {
        "kind": "string",  # "indicator" | "unit"
        "item": "string",  # indicator code or ISO3 code
        "role": "string",  # catalogue role of an indicator; "" for units and uncatalogued indicators
        "n_observed": "int64",  # observed cells counted
        "n_possible": "int64",  # cells that could have been observed
        "share": "float64",  # n_observed / n_possible (NaN when n_possible is 0)
        "threshold": "float64",  # share required; NaN when the item was not held to one
        "decision": "string",  # "keep" | "exclude"
        "reason": "string",  # one sentence a reader can check
        "flag": "string",  # "; "-joined: "no data", "single value", "constant", "constant series"
        "n_constant": "int64",  # series (>= 3 observations) whose observed values never change
    },
    ("kind", "item"),
)

#: The masking experiment: error of each chain and baseline on hidden observed cells.
ACCURACY = Table(
    "accuracy row",
    {
        "method": "string",  # chain ("interpolate+carry+group_median") or baseline name
        "baseline": "bool",  # True for the naive baselines
        "role": "string",  # indicator's role, or "all"
        "indicator": "string",  # indicator code, or "all" (pooled over the role / everything)
        "cells": "string",  # a stratum (vocabulary.MASK_STRATA), "all", or "weighted" (per role, see MISSINGNESS)
        "n_masked": "int64",  # hidden cells
        "n": "int64",  # hidden cells the method filled (errors are over these)
        "coverage": "float64",  # n / n_masked
        "rmse": "float64",  # raw indicator units; NaN on pooled ("all") rows
        "mae": "float64",  # raw indicator units; NaN on pooled rows
        "rmse_sd": "float64",  # in units of the indicator's standard deviation
        "mae_sd": "float64",
        "scale": "float64",  # the standard deviation used (NaN on pooled rows)
    },
    ("method", "baseline", "role", "indicator", "cells"),
)

#: The chain the masking experiment recommends per role.
RECOMMENDED = Table("recommendation", {"role": "string", "chain": "string"}, ("role",))

#: The chain each role uses, and who chose it.
METHODS_USED = Table(
    "role",
    {
        "role": "string",
        "chain": "string",  # steps joined by "+"
        "chosen_by": "string",  # "config" | "masking experiment" | "default (...)"
    },
    ("role",),
)

#: Imputed panel (one block per draw; draw 0 is the point imputation): every cell of the
#: window for the kept economies and indicators.
IMPUTED = Table(
    "imputed cell",
    {
        "iso3": "string",
        "year": "int64",
        "indicator": "string",
        "draw": "int64",  # 0 = point imputation, 1..m = multiple imputations
        "value": "float64",  # in the indicator's unit; NaN when status is "missing"
        "status": "string",  # one of vocabulary.STATUSES
        "method": "string",  # the step's label, e.g. "linear(k=3)"; "observed"; "" when missing
    },
    ("iso3", "year", "indicator", "draw"),
)

#: The chains of the alternative point imputations (alternative 0: the chains in use).
ALTERNATIVE_CHAINS = Table(
    "alternative chain",
    {
        "alternative": "int64",  # 0 = the chains in use (methods_used.csv); k = every role's k-th runner-up
        "role": "string",
        "chain": "string",  # steps joined by "+"
        "rank": "int64",  # the chain's place in the role's masking-experiment ranking (1 = best); 0 if unranked
        "rmse_sd": "float64",  # its masking-experiment RMSE, SD units; NaN for a chain the experiment did not rank
        "chosen_by": "string",  # "masking experiment" (varied) | the methods_used reason (kept in every alternative)
    },
    ("alternative", "role"),
)

#: The point imputation by each runner-up set of chains (the imputation_chain input of stage 5).
ALTERNATIVE_IMPUTED = Table(
    "alternative imputed cell",
    {
        "iso3": "string",
        "year": "int64",
        "indicator": "string",
        "alternative": "int64",  # 1..impute.runners_up, as in ALTERNATIVE_CHAINS
        "value": "float64",  # in the indicator's unit; NaN when status is "missing"
        "status": "string",  # one of vocabulary.STATUSES
        "method": "string",  # the step's label; "observed"; "" when missing
    },
    ("iso3", "year", "indicator", "alternative"),
)

#: Cells per indicator by status and method (point imputation).
STATUS_COUNTS = Table(
    "status count",
    {
        "indicator": "string",
        "status": "string",
        "method": "string",
        "cells": "int64",
        "share": "float64",  # of the indicator's cells
    },
    ("indicator", "status", "method"),
)

#: Series an economy never reported in the window, left missing rather than invented
#: (``impute.fill_unreported`` off): one row per indicator with at least one.
UNREPORTED = Table(
    "never-reported indicator",
    {
        "indicator": "string",
        "role": "string",  # catalogue role
        "economies": "int64",  # kept economies with no observation of the indicator in the window
        "cells": "int64",  # their cells (economies x years), status "missing", method "never reported"
        "share": "float64",  # of the indicator's cells in the imputed panel
        "iso3": "string",  # the economies' ISO3 codes, "; "-joined
        "reason": "string",  # one sentence
    },
    ("indicator",),
)

#: The masking experiment per step: how many hidden cells each step of each chain filled, and how well.
STEP_ACCURACY = Table(
    "step accuracy row",
    {
        "method": "string",  # chain ("interpolate+carry+group_median")
        "role": "string",  # indicator role
        "step": "string",  # the step of the chain that filled the cells (vocabulary.STEPS)
        "position": "int64",  # the step's place in the chain (1 = first)
        "cells": "string",  # stratum of hidden cells (vocabulary.MASK_STRATA), or "all"
        "n": "int64",  # hidden cells of the stratum this step filled (errors are over these)
        "rmse_sd": "float64",  # in units of each indicator's standard deviation; NaN when n is 0
        "mae_sd": "float64",
        "min_cells": "int64",  # the minimum asked for (impute.masking.min_cells)
        "measured": "bool",  # n >= min_cells on the "all" row (same value on the stratum rows)
    },
    ("method", "role", "step", "cells"),
)

#: The panel's own missing cells per role, by the masking stratum they resemble: the weights of
#: the accuracy table's "weighted" rows, on which the chain per role is chosen.
MISSINGNESS = Table(
    "missing-cell stratum",
    {
        "role": "string",
        "cells": "string",  # stratum (vocabulary.MASK_STRATA) the missing cells resemble
        "n_missing": "int64",  # missing cells of the role's kept series of that kind
        "weight": "float64",  # n_missing / the role's missing cells counted
    },
    ("role", "cells"),
)
