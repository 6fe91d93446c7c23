"""nn: modules, layers, losses (work in progress)."""
