"""Checks of settings: training settings (learning rates, batch sizes, ...) raise a
`ConfigError`, gate parameters (axes, shapes, exponents, ...) the error the caller names.

Each check returns the value in its canonical form (a float, an int, a tuple of ints) or
raises with a message naming `what` was wrong, e.g. "gate 'sum' parameter 'axis'".
"""

from __future__ import annotations

import math
import reprlib
from numbers import Integral, Real
from typing import Any

import numpy as np

from gateflow.errors import ConfigError

# numpy's limit on the number of dimensions of an array (NPY_MAXDIMS), which numpy 2 raised.
MAX_DIMS = 64 if np.lib.NumpyVersion(np.__version__) >= "2.0.0" else 32
_REPR = reprlib.Repr()
_REPR.maxlevel, _REPR.maxstring, _REPR.maxother = 3, 60, 60
brief = _REPR.repr
"""A repr short enough for a message: a 10,000-long list is quoted by its first items."""


def _is_real(value: Any) -> bool:
    return isinstance(value, Real) and not isinstance(value, bool)


def _is_int(value: Any) -> bool:
    return isinstance(value, Integral) and not isinstance(value, bool)


def positive_number(value: Any, what: str, allow_zero: bool = False, error: type[Exception] = ConfigError) -> float:
    """`value` as a float, refused unless it is a finite real number > 0 (>= 0 if allowed)."""
    if not _is_real(value) or not math.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise error(f"{what} must be a finite number {bound}, not {brief(value)}.")
    return float(value)


def finite_number(value: Any, what: str, error: type[Exception] = ConfigError) -> float:
    """`value` as a float, refused unless it is a finite real number (not a bool)."""
    if not _is_real(value) or not math.isfinite(value):
        raise error(f"{what} must be a finite real number, not {brief(value)}.")
    return float(value)


def fraction(value: Any, what: str) -> float:
    """`value` as a float, refused unless 0 <= value < 1."""
    if not _is_real(value) or not 0 <= value < 1:
        raise ConfigError(f"{what} must be a number in [0, 1), not {brief(value)}.")
    return float(value)


def positive_int(value: Any, what: str, allow_zero: bool = False, error: type[Exception] = ConfigError) -> int:
    """`value` as an int, refused unless it is a whole number > 0 (>= 0 if allowed)."""
    if not _is_int(value) or value < (0 if allow_zero else 1):
        bound = ">= 0" if allow_zero else ">= 1"
        raise error(f"{what} must be a whole number {bound}, not {brief(value)}.")
    return int(value)


def flag(value: Any, what: str, error: type[Exception] = ConfigError) -> bool:
    """`value` as a bool, refused unless it is True or False (numpy's bools included)."""
    if not isinstance(value, (bool, np.bool_)):
        raise error(f"{what} must be True or False, not {brief(value)}.")
    return bool(value)


def _ints(value: Any, what: str, error: type[Exception], expected: str) -> tuple[int, ...]:
    """`value` (a tuple, list, range or 1-D array of at most MAX_DIMS ints) as a tuple of ints."""
    sequence = isinstance(value, (tuple, list, range)) or (isinstance(value, np.ndarray) and value.ndim == 1)
    if not sequence or len(value) > MAX_DIMS or not all(map(_is_int, value)):
        raise error(f"{what} must be {expected}, not {brief(value)}.")
    return tuple(int(v) for v in value)


def axes(value: Any, what: str, error: type[Exception] = ConfigError) -> int | tuple[int, ...] | None:
    """A reduction axis: None (all axes), an int, or a tuple/list of distinct ints, each
    within numpy's dimension limit (-MAX_DIMS <= axis < MAX_DIMS)."""
    if value is None:
        return None
    expected = f"None, an int or a tuple of distinct ints, each in {-MAX_DIMS}..{MAX_DIMS - 1}"
    single = _is_int(value)
    found = (int(value),) if single else _ints(value, what, error, expected)
    if len(set(found)) != len(found) or not all(-MAX_DIMS <= a < MAX_DIMS for a in found):
        raise error(f"{what} must be {expected}, not {brief(value)}.")
    return found[0] if single else found


def axis(value: Any, what: str, error: type[Exception] = ConfigError) -> int:
    """One axis: an int within numpy's dimension limit (-MAX_DIMS <= axis < MAX_DIMS)."""
    if not _is_int(value) or not -MAX_DIMS <= value < MAX_DIMS:
        raise error(f"{what} must be an int in {-MAX_DIMS}..{MAX_DIMS - 1}, not {brief(value)}.")
    return int(value)


def side(value: Any, what: str, error: type[Exception] = ConfigError) -> int:
    """An operand's position in a binary gate: 0 (the left) or 1 (the right)."""
    if not _is_int(value) or value not in (0, 1):
        raise error(f"{what} must be 0 (the left operand) or 1 (the right), not {brief(value)}.")
    return int(value)


def permutation(value: Any, what: str, error: type[Exception] = ConfigError) -> tuple[int, ...] | None:
    """Transpose axes: None (reverse them all) or a permutation of 0..n-1 (negative
    numbers count from the end), n <= MAX_DIMS."""
    if value is None:
        return None
    expected = "None or a permutation of the axes 0..n-1, such as (1, 0)"
    found = _ints(value, what, error, expected)
    n = len(found)
    if not all(-n <= a < n for a in found) or len({a % n for a in found}) != n:
        raise error(f"{what} must be {expected}, not {brief(value)}.")
    return found


def shape(value: Any, what: str, error: type[Exception] = ConfigError) -> tuple[int, ...]:
    """An array shape for reshaping: an int or a tuple/list of ints >= 0, at most MAX_DIMS
    of them, with at most one -1 (the size numpy infers)."""
    expected = f"an int or a tuple of at most {MAX_DIMS} sizes >= 0, one of which may be -1"
    found = (int(value),) if _is_int(value) else _ints(value, what, error, expected)
    if any(n < -1 for n in found) or found.count(-1) > 1:
        raise error(f"{what} must be {expected}, not {brief(value)}.")
    return found
