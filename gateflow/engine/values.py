"""How Python numbers, lists and arrays become gateflow values.

Values are numpy floats: an `ndarray` for arrays and an `np.float64` (a numpy scalar,
shape ``()``) for scalars, so scalar graphs run at numpy-scalar speed.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def as_value(value: Any) -> Any:
    """`value` as a float numpy value (arrays of floats pass through without a copy).

    Raises ValueError or TypeError for things that are not numbers.
    """
    if isinstance(value, np.ndarray) and value.dtype.kind == "f":
        return value if value.ndim else value[()]
    if isinstance(value, np.floating):
        return value
    array = np.asarray(value, dtype=np.float64)
    return array if array.ndim else array[()]


def stored_value(value: Any) -> Any:
    """A private, read-only copy of `value`, for parameters and constants kept in a graph."""
    if type(value) is float or type(value) is int:
        return np.float64(value)
    array = np.array(as_value(value), copy=True)
    if array.ndim == 0:
        return array[()]
    array.flags.writeable = False
    return array
