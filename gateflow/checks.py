"""Checks of user settings (learning rates, batch sizes, ...) that raise a `ConfigError`."""

from __future__ import annotations

import math
from numbers import Integral, Real
from typing import Any

from gateflow.errors import ConfigError


def positive_number(value: Any, what: str, allow_zero: bool = False) -> float:
    """`value` as a float, refused unless it is a finite real number > 0 (>= 0 if allowed)."""
    ok = isinstance(value, Real) and not isinstance(value, bool) and math.isfinite(value)
    if not ok or value < 0 or (value == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise ConfigError(f"{what} must be a finite number {bound}, not {value!r}.")
    return float(value)


def fraction(value: Any, what: str) -> float:
    """`value` as a float, refused unless 0 <= value < 1."""
    if isinstance(value, bool) or not isinstance(value, Real) or not 0 <= value < 1:
        raise ConfigError(f"{what} must be a number in [0, 1), not {value!r}.")
    return float(value)


def positive_int(value: Any, what: str, allow_zero: bool = False) -> int:
    """`value` as an int, refused unless it is a whole number > 0 (>= 0 if allowed)."""
    if isinstance(value, bool) or not isinstance(value, Integral) or value < (0 if allow_zero else 1):
        bound = ">= 0" if allow_zero else ">= 1"
        raise ConfigError(f"{what} must be a whole number {bound}, not {value!r}.")
    return int(value)
