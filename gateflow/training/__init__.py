"""Training on top of the engine: layers, losses, initialisers, optimizers, the fit loop."""
