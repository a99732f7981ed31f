"""Stage 3, impute: screening, measured and flagged imputation, multiple imputations."""
