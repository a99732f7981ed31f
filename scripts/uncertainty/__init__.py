"""Stage 5, uncertainty: Monte Carlo rank bands and Sobol sensitivity of the indices, from a batched engine."""
