"""National unified talent standard, provincial regional standards, the points engine."""
