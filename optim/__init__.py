"""optim: optimizers (work in progress)."""
