"""Every table that passes between stages (or is published), declared once: columns, dtypes, key.

Stages write and read these through :func:`scripts.core.contract.write_table` and
:func:`~scripts.core.contract.read_table`. Entities are ISO 3166-1 alpha-3 codes (plus
documented codes such as XKX for Kosovo), years are integers, indicator ids are the
catalogue's, and floats are never rounded between stages.
"""

from __future__ import annotations

from scripts.core.tables.catalogue import (
    INDICATORS,
)
from scripts.core.tables.divide import (
    BETA,
    DECOMPOSITION,
    DIFFUSION,
    DIVIDE_VALUES,
    EXCLUSIONS,
    GAP_TRENDS,
    GAPS,
    GENDER_COVERAGE,
    GENDER_GAP,
    IMPUTATION_EFFECT,
    INEQUALITY,
    SIGMA,
    TIME_DISTANCE,
)
from scripts.core.tables.harmonize import (
    CLASSIFICATION_BY_YEAR,
    COVERAGE,
    DISCREPANCIES,
    ECONOMIES,
    ENTITY_MAP,
    PANEL,
    RECONCILIATION,
    TRAIL,
    VALIDATION,
)
from scripts.core.tables.impute import (
    ACCURACY,
    ALTERNATIVE_CHAINS,
    ALTERNATIVE_IMPUTED,
    IMPUTED,
    METHODS_USED,
    MISSINGNESS,
    RECOMMENDED,
    SCREENING,
    STATUS_COUNTS,
    STEP_ACCURACY,
    UNREPORTED,
)
from scripts.core.tables.index import (
    COHERENCE,
    COHERENCE_BY_YEAR,
    COHERENCE_SUMMARY,
    CONTRIBUTIONS,
    EXTERNAL_UNMATCHED,
    EXTERNAL_VALIDATION,
    GOALPOSTS,
    INDEX_INDICATORS,
    NODE_CORRELATIONS,
    SCORES,
    STRENGTHS,
    TREATED_POINTS,
    TREATMENT,
    VARIANT_INDICATORS,
    VARIANTS,
    WEIGHTS,
)
from scripts.core.tables.ingest import (
    CLASSIFICATION,
    CONCORDANCE,
    FILES,
    GROUPS,
    OBSERVATIONS,
)
from scripts.core.tables.models import (
    COEFFICIENTS,
    DIAGNOSTICS,
    IMPORTANCE,
    MODEL_FITS,
    MODEL_MEASURES,
    MODEL_OUTCOMES,
    PREDICTIVE,
    SPEC_SUMMARY,
)
from scripts.core.tables.uncertainty import (
    BAND_YEARS,
    RANK_BANDS,
    REPLICATIONS,
    SOBOL,
    SOBOL_CONVERGENCE,
)
