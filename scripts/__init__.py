"""ictmdg: stage modules of the ICT indicators / ICT-MDG workflow (pure functions, I/O at the edges)."""
