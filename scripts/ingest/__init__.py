"""Stage 1, ingest: verify raw files against the MANIFEST and read each with its publisher's reader."""
