"""Pieces every stage shares: errors, file I/O, the table contract, vocabulary, config, catalogue, provenance."""
