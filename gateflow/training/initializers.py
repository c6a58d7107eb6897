"""Seeded weight initialisers for a (fan_in, fan_out) weight matrix.

Xavier/Glorot keeps the variance of activations and gradients about equal across layers
of tanh or sigmoid units (Var W = 2 / (fan_in + fan_out)); He doubles it for ReLU units,
which zero half their inputs (Var W = 2 / fan_in).
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from gateflow.errors import ConfigError

Initializer = Callable[["np.random.Generator", int, int], np.ndarray]


def xavier_uniform(rng: np.random.Generator, fan_in: int, fan_out: int) -> np.ndarray:
    """U(-a, a) with a = √(6 / (fan_in + fan_out))."""
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, size=(fan_in, fan_out))


def xavier_normal(rng: np.random.Generator, fan_in: int, fan_out: int) -> np.ndarray:
    """N(0, 2 / (fan_in + fan_out))."""
    return rng.normal(0.0, np.sqrt(2.0 / (fan_in + fan_out)), size=(fan_in, fan_out))


def he_normal(rng: np.random.Generator, fan_in: int, fan_out: int) -> np.ndarray:
    """N(0, 2 / fan_in)."""
    return rng.normal(0.0, np.sqrt(2.0 / fan_in), size=(fan_in, fan_out))


def he_uniform(rng: np.random.Generator, fan_in: int, fan_out: int) -> np.ndarray:
    """U(-a, a) with a = √(6 / fan_in)."""
    limit = np.sqrt(6.0 / fan_in)
    return rng.uniform(-limit, limit, size=(fan_in, fan_out))


INITIALIZERS: dict[str, Initializer] = {
    "xavier": xavier_uniform,
    "glorot": xavier_uniform,
    "xavier_uniform": xavier_uniform,
    "xavier_normal": xavier_normal,
    "he": he_normal,
    "he_normal": he_normal,
    "he_uniform": he_uniform,
}


def initializer(init: str | Initializer) -> Initializer:
    """An initialiser by name (see `INITIALIZERS`) or the callable itself."""
    if callable(init):
        return init
    try:
        return INITIALIZERS[init]
    except (KeyError, TypeError):
        raise ConfigError(
            f"unknown initialiser {init!r}; use one of {sorted(INITIALIZERS)} or a function "
            "(rng, fan_in, fan_out) -> array."
        ) from None
