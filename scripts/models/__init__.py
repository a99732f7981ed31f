"""Stage 6, models: how ICT measures are associated with MDG outcomes (panel models, placebos, FDR)."""
