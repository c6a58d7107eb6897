"""How Python numbers, lists and arrays become gateflow values.

Values are numpy floats: an `ndarray` for arrays and an `np.float64` (a numpy scalar,
shape ``()``) for scalars, so scalar graphs run at numpy-scalar speed. Float arrays keep
their dtype (float32 stays float32). Arrays of other libraries that implement numpy's
dispatch protocols (``__array_function__`` and ``__array_ufunc__``: dask, CuPy, ...) are
kept as they are, never forced into numpy: a dask array keeps the run lazy.
"""

from __future__ import annotations

import math
from numbers import Real
from typing import Any

import numpy as np

_NUMERIC_KINDS = frozenset("biuf")  # numpy dtype kinds: bool, signed and unsigned ints, floats


class UnknownShapeError(ValueError):
    """A lazy array whose shape is not known yet (dask chunks of unknown size)."""


def as_value(value: Any) -> Any:
    """`value` as a float numpy value (arrays of floats pass through without a copy).

    Raises ValueError or TypeError for things that are not numbers.
    """
    if isinstance(value, np.ndarray) and value.dtype.kind == "f":
        return value if value.ndim else value[()]
    if isinstance(value, np.floating):
        return value
    if is_foreign_array(value):
        return foreign_value(value)
    array = np.asarray(value, dtype=np.float64)
    return array if array.ndim else array[()]


def checked_value(value: Any) -> Any:
    """`value` as a gateflow value (see `as_value`) after checking that it holds numbers.

    Accepted: real numbers; numpy arrays, numpy scalars and (nested, rectangular) lists of
    bools, integers or floats; and arrays of other libraries that implement numpy's dispatch
    protocols (dask, CuPy) with such a dtype, which are kept (see `foreign_value`). Anything
    else (None, strings, dicts, objects, ragged lists, object or complex dtypes) raises a
    TypeError or ValueError saying what `value` is.
    """
    if is_foreign_array(value):
        _check_dtype(value.dtype, value)
        return foreign_value(value)
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


def is_foreign_array(value: Any) -> bool:
    """Whether `value` is an array of another library that numpy dispatches to (dask, CuPy)."""
    kind = type(value)
    return (
        not isinstance(value, (np.ndarray, np.generic))
        and hasattr(kind, "__array_function__")
        and hasattr(kind, "__array_ufunc__")
        and hasattr(value, "dtype")
        and hasattr(value, "shape")
    )


def foreign_value(value: Any) -> Any:
    """A foreign array as a gateflow value: kept, cast to float64 only if it holds no floats.

    Its shape must be known: a dask array with chunks of unknown size (NaN, e.g. after
    boolean indexing) is refused, since gates and gradients need the shapes.
    """
    if any(isinstance(n, float) and math.isnan(n) for n in value.shape):
        raise UnknownShapeError(
            f"it has unknown chunk sizes (shape {value.shape}); compute them first with "
            "x.compute_chunk_sizes() (or dataframe.to_dask_array(lengths=True))"
        )
    if value.dtype.kind not in "fc":
        value = value.astype(np.float64)
    return value


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


def computing_value(stored: Any) -> Any:
    """How a stored constant enters a computation: a float64 scalar as a Python float.

    numpy treats Python numbers as "weak" (NEP 50): ``x * 0.5`` keeps a float32 `x`
    float32, where an ``np.float64(0.5)`` would promote it to float64. float64 results
    are the same either way.
    """
    return float(stored) if type(stored) is np.float64 else stored


def stored_value(value: Any) -> Any:
    """A private, read-only copy of `value`, for parameters and constants kept in a graph."""
    if type(value) is float or type(value) is int:
        return np.float64(value)
    array = np.array(checked_value(value), copy=True)
    if array.ndim == 0:
        return array[()]
    array.flags.writeable = False
    return array
