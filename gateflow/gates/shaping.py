"""Gates that move a gradient between shapes, which the backward circuit needs: summing a
broadcast gradient back to an input's shape, broadcasting it out again, adding or removing
length-1 axes. The second input (`like`) only lends its shape: its gradient is zero."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gateflow import checks
from gateflow.gates.base import Gate

Axis = int | tuple[int, ...] | None


def scalar_or_array(value):
    """numpy's 0-d arrays as numpy scalars, the engine's form of a scalar value."""
    return value[()] if isinstance(value, np.ndarray) and value.ndim == 0 else value


def float_dtype(*values) -> np.dtype:
    """The float type results take from `values`: theirs if they are floats, else float64."""
    dtype = np.result_type(*(getattr(v, "dtype", v) for v in values))
    return dtype if dtype.kind == "f" else np.dtype(np.float64)


def zeros_of(value):
    """Zeros of value's shape and type (a numpy scalar for a scalar)."""
    return scalar_or_array(np.zeros_like(value))


def sum_to_shape(grad, shape: tuple[int, ...]):
    """`grad` summed over the axes numpy broadcasting added or stretched to reach it from `shape`."""
    if np.shape(grad) == shape:
        return scalar_or_array(grad)
    extra = np.ndim(grad) - len(shape)
    if extra > 0:
        grad = np.sum(grad, axis=tuple(range(extra)))
    axes = tuple(a for a, (g, s) in enumerate(zip(np.shape(grad), shape)) if s == 1 and g != 1)
    if axes:
        grad = np.sum(grad, axis=axes, keepdims=True)
    return scalar_or_array(np.reshape(grad, shape) if np.ndim(grad) < len(shape) else grad)


class SumToGate(Gate):
    """f(a, like) = a summed down to like's shape (undoes broadcasting).

    Backward: da = the gradient broadcast back to a's shape; d like = 0.
    """

    name, arity, symbol = "sum_to", 2, "Σ→"
    shape_inputs = (1,)

    def forward(self, a, like):
        return sum_to_shape(a, np.shape(like))

    def backward(self, grad, out, a, like):
        return scalar_or_array(np.broadcast_to(grad, np.shape(a)).copy()), zeros_of(like)

    def backward_graph(self, ops, grad, out, a, like):
        return ops.broadcast_to(grad, a), None


class BroadcastToGate(Gate):
    """f(a, like) = a broadcast to like's shape. Backward: da = Σ of the gradient back to a's shape; d like = 0."""

    name, arity, symbol = "broadcast_to", 2, "→⊞"
    shape_inputs = (1,)

    def forward(self, a, like):
        if isinstance(a, float | int):  # a Python number (the seed 1.0, say) takes like's float type
            a = float_dtype(like).type(a)
        return scalar_or_array(np.broadcast_to(a, np.shape(like)).copy())

    def backward(self, grad, out, a, like):
        return sum_to_shape(grad, np.shape(a)), zeros_of(like)

    def backward_graph(self, ops, grad, out, a, like):
        return ops.sum_to(grad, a), None


@dataclass(frozen=True, eq=False)
class ExpandDimsGate(Gate):
    """f(a) = a with length-1 axes inserted at `axis`. Backward: the gradient reshaped back to a's shape."""

    axis: Axis = 0
    name, arity, symbol = "expand_dims", 1, "[…]"

    def __post_init__(self):
        self._check("axis", checks.axes)

    def forward(self, a):
        return np.expand_dims(a, self.axis)

    def backward(self, grad, out, a):
        return (scalar_or_array(np.reshape(grad, np.shape(a))),)

    def backward_graph(self, ops, grad, out, a):
        return (ops.reshape_like(grad, a),)


class ReshapeLikeGate(Gate):
    """f(a, like) = a reshaped to like's shape. Backward: da = the gradient reshaped to a's shape; d like = 0."""

    name, arity, symbol = "reshape_like", 2, "reshape"
    shape_inputs = (1,)

    def forward(self, a, like):
        return scalar_or_array(np.reshape(a, np.shape(like)))

    def backward(self, grad, out, a, like):
        return scalar_or_array(np.reshape(grad, np.shape(a))), zeros_of(like)

    def backward_graph(self, ops, grad, out, a, like):
        return ops.reshape_like(grad, a), None
