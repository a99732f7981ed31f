"""Stage 4, index: composite indices (framework, treatment, normalisation, weights, aggregation), audited."""
