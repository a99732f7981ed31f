"""Stage 7, divide: the digital divide between economies and within them, measured, decomposed and tracked."""
