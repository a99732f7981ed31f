"""Stage 2, harmonize: one value per (iso3, year, indicator), every raw observation accounted for."""
