"""Gates that combine or reshape whole arrays: matmul, sum, mean, reshape, transpose."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gateflow import checks
from gateflow.gates.base import Gate

Axis = int | tuple[int, ...] | None


class MatMulGate(Gate):
    """f(X, Y) = X @ Y (numpy matmul rules: vectors, matrices, stacks of matrices).

    Backward: dX = G @ Yᵀ, dY = Xᵀ @ G, with a 1-D operand treated as a row (X) or a
    column (Y) and squeezed back afterwards. A product the scheduler does not need (e.g.
    the gradient of a data batch X) is skipped.
    """

    name, arity, symbol = "matmul", 2, "@"

    def forward(self, x, y):
        return np.matmul(x, y)  # not `x @ y`: numpy scalars would raise TypeError, not ValueError

    def backward(self, grad, out, x, y, *, needs=(True, True)):
        if x.ndim == 1 and y.ndim == 1:  # inner product
            return grad * y, grad * x
        g2 = grad
        if x.ndim == 1:
            g2 = np.expand_dims(g2, -2)
        if y.ndim == 1:
            g2 = np.expand_dims(g2, -1)
        gx = gy = None
        if needs[0]:
            gx = g2 @ np.swapaxes(y[:, np.newaxis] if y.ndim == 1 else y, -1, -2)
            gx = gx[..., 0, :] if x.ndim == 1 else gx
        if needs[1]:
            gy = np.swapaxes(x[np.newaxis, :] if x.ndim == 1 else x, -1, -2) @ g2
            gy = gy[..., 0] if y.ndim == 1 else gy
        return gx, gy


def _spread(grad, x, axis, keepdims):
    """Broadcast the gradient of a reduction back over the reduced axes of x."""
    if axis is not None and not keepdims:
        grad = np.expand_dims(grad, axis)
    return np.full(np.shape(x), grad)


@dataclass(frozen=True, eq=False)
class SumGate(Gate):
    """f(x) = Σ x over `axis` (all axes by default). Backward: df/dxᵢ = 1 (the gradient is copied)."""

    axis: Axis = None
    keepdims: bool = False
    name, arity, symbol = "sum", 1, "Σ"

    def __post_init__(self):
        self._check("axis", checks.axes)
        self._check("keepdims", checks.flag)

    def forward(self, x):
        return np.sum(x, axis=self.axis, keepdims=self.keepdims)

    def backward(self, grad, out, x):
        return (_spread(grad, x, self.axis, self.keepdims),)


@dataclass(frozen=True, eq=False)
class MeanGate(SumGate):
    """f(x) = (1/n) Σ x over `axis` (all axes by default). Backward: df/dxᵢ = 1/n."""

    name, arity, symbol = "mean", 1, "mean"

    def forward(self, x):
        return np.mean(x, axis=self.axis, keepdims=self.keepdims)

    def backward(self, grad, out, x):
        count = x.size // max(np.size(out), 1)
        return (_spread(grad / count, x, self.axis, self.keepdims),)


@dataclass(frozen=True, eq=False)
class ReshapeGate(Gate):
    """f(x) = x viewed with another `shape`. Backward: the gradient reshaped back to x's shape."""

    shape: tuple[int, ...] = (-1,)
    name, arity, symbol = "reshape", 1, "reshape"

    def __post_init__(self):
        self._check("shape", checks.shape)

    def forward(self, x):
        return np.reshape(x, self.shape)

    def backward(self, grad, out, x):
        return (np.reshape(grad, np.shape(x)),)


@dataclass(frozen=True, eq=False)
class TransposeGate(Gate):
    """f(x) = xᵀ, or x with its `axes` permuted. Backward: the inverse permutation of the gradient."""

    axes: tuple[int, ...] | None = None
    name, arity, symbol = "transpose", 1, "ᵀ"

    def __post_init__(self):
        self._check("axes", checks.permutation)

    def forward(self, x):
        return np.transpose(x, self.axes)

    def backward(self, grad, out, x):
        inverse = None if self.axes is None else tuple(np.argsort(self.axes))
        return (np.transpose(grad, inverse),)
