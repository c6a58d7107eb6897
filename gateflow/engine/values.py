"""How Python numbers, lists and arrays become gateflow values.

Values are numpy floats: an `ndarray` for arrays and an `np.float64` (a numpy scalar,
shape ``()``) for scalars, so scalar graphs run at numpy-scalar speed.
"""

from __future__ import annotations

from numbers import Real
from typing import Any

import numpy as np

_NUMERIC_KINDS = frozenset("biuf")  # numpy dtype kinds: bool, signed and unsigned ints, floats


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


def checked_value(value: Any) -> Any:
    """`value` as a gateflow value (see `as_value`) after checking that it holds numbers.

    Accepted: real numbers; numpy arrays, numpy scalars and (nested, rectangular) lists of
    bools, integers or floats; and arrays of other libraries that implement numpy's dispatch
    protocols (dask, CuPy) with such a dtype, which are returned unchanged. Anything else
    (None, strings, dicts, objects, ragged lists, object or complex dtypes) raises a
    TypeError or ValueError saying what `value` is.
    """
    if _is_foreign_array(value):
        _check_dtype(getattr(value, "dtype", None), value)
        return value
    if isinstance(value, Real) and not isinstance(value, np.generic):
        try:
            return np.float64(value)
        except OverflowError:
            raise ValueError(f"{_describe(value)}, too large for a float64") from None
    if isinstance(value, (np.ndarray, np.generic)):
        array = value
    elif isinstance(value, (list, tuple)):
        try:
            array = np.asarray(value)
        except (TypeError, ValueError, OverflowError):
            raise ValueError("a list that numpy cannot read as one array (ragged rows?)") from None
    else:
        raise TypeError(_describe(value))
    _check_dtype(array.dtype, value)
    return as_value(array)


def _is_foreign_array(value: Any) -> bool:
    """An array from another library (not numpy's) that takes part in numpy's dispatch."""
    kind = type(value)
    return not issubclass(kind, np.ndarray) and (
        getattr(kind, "__array_function__", None) is not None or getattr(kind, "__array_ufunc__", None) is not None
    )


def _check_dtype(dtype: Any, value: Any) -> None:
    if getattr(dtype, "kind", None) not in _NUMERIC_KINDS:
        raise TypeError(f"{_describe(value)} of dtype {dtype}")


def _describe(value: Any) -> str:
    """"None", "a str", "a dask Array", "an array"... for messages (never a huge repr)."""
    if value is None:
        return "None"
    if isinstance(value, np.ndarray):
        return "an array"
    kind = type(value)
    package = kind.__module__.partition(".")[0]
    name = kind.__name__ if package in ("builtins", "numpy") else f"{package} {kind.__name__}"
    return f"{'an' if name[0] in 'aeiou' else 'a'} {name}"


def stored_value(value: Any) -> Any:
    """A private, read-only copy of `value`, for parameters and constants kept in a graph."""
    if type(value) is float or type(value) is int:
        return np.float64(value)
    array = np.array(checked_value(value), copy=True)
    if array.ndim == 0:
        return array[()]
    array.flags.writeable = False
    return array
