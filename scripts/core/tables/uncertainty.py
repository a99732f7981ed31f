"""Tables of stage 5 (results/05_uncertainty/<index>): replications, rank bands, Sobol indices."""

from __future__ import annotations

from scripts.core.contract import Table

#: The root score and rank in every Monte Carlo replication (chunk files; the latest year: replications_latest).
REPLICATIONS = Table(
    "replication",
    {
        "replication": "int64",  # 0..N-1; its choices are seeded from (seed, replication), whatever the chunking
        "iso3": "string",
        "year": "int64",
        "score": "float64",  # root score, normalised scale times final_scale; NaN when the economy-year has none
        "rank": "float64",  # within the year, 1 = best, ties share the lowest rank
    },
    ("replication", "iso3", "year"),
)

#: Rank and score bands of every economy-year over the replications (drawn by the publishing stage).
RANK_BANDS = Table(
    "rank band",
    {
        "iso3": "string",
        "year": "int64",
        "nominal_rank": "float64",  # the published rank (results/04_index/<index>/scores.csv)
        "median_rank": "float64",  # median over the replications that scored the economy-year
        "rank_p05": "float64",  # 5th percentile of the rank (numpy linear interpolation): the band's best end
        "rank_p95": "float64",  # 95th percentile: the band's worst end
        "rank_min": "float64",  # best rank in any replication
        "rank_max": "float64",  # worst rank in any replication
        "band_width": "float64",  # rank_p95 - rank_p05, in rank places
        "score_nominal": "float64",  # the published root score
        "score_median": "float64",
        "score_p05": "float64",  # 5th percentile of the root score
        "score_p95": "float64",  # 95th percentile of the root score
        "replications": "int64",  # replications that gave the economy-year a score
    },
    ("iso3", "year"),
)

#: Per year: how wide the rank bands are, and the economies whose band is widest.
BAND_YEARS = Table(
    "band year",
    {
        "year": "int64",
        "economies": "int64",  # economies with a band
        "mean_width": "float64",  # mean band_width, rank places
        "median_width": "float64",
        "max_width": "float64",
        "widest": "string",  # the economies with the widest bands, widest first, ';'-separated
    },
    ("year",),
)

#: First-order and total Sobol' indices of every uncertain input, for the two targets (latest year).
SOBOL = Table(
    "sobol index",
    {
        "target": "string",  # "mean_rank_shift" (one value per input) or "rank" (per economy)
        "iso3": "string",  # the economy of a "rank" row; "" for mean_rank_shift
        "input": "string",  # one of vocabulary.UNCERTAIN_INPUTS
        "first_order": "float64",  # share of the target's variance due to the input alone
        "first_order_conf": "float64",  # half-width of its bootstrap confidence interval (z x sd)
        "total": "float64",  # share due to the input including all its interactions
        "total_conf": "float64",
    },
    ("target", "iso3", "input"),
)

#: The mean_rank_shift indices on growing prefixes of the design: have they settled?
SOBOL_CONVERGENCE = Table(
    "sobol convergence row",
    {
        "base_samples": "int64",  # N of the prefix (replications: N x (inputs + 2))
        "input": "string",
        "first_order": "float64",
        "first_order_conf": "float64",
        "total": "float64",
        "total_conf": "float64",
        "settled": "bool",  # this and every larger N within the tolerance of the largest N
    },
    ("base_samples", "input"),
)
