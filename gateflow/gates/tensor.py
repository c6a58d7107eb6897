"""Gates that combine or reshape whole arrays: matmul, sum, mean, reshape, transpose, softmax."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gateflow import checks
from gateflow.gates.base import Gate
from gateflow.gates.shaping import Axis, sum_to_shape, zeros_of


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

    def backward_graph(self, ops, grad, out, x, y):
        return ops.apply(MatMulGradGate(side=0), grad, x, y), ops.apply(MatMulGradGate(side=1), grad, x, y)


_MATMUL = MatMulGate()


@dataclass(frozen=True, eq=False)
class MatMulGradGate(Gate):
    """The gradient of X @ Y with respect to one side: f(G, X, Y) = ∂⟨G, X @ Y⟩/∂X = G @ Yᵀ
    (`side` 0) or ∂⟨G, X @ Y⟩/∂Y = Xᵀ @ G (`side` 1), summed to that side's shape.

    It is linear in G and in the other side, and only takes the shape of its own side, so
    with A the upstream gradient: for side 0, dG = A @ Y, dY = side 1 at (G, A, Y), dX = 0;
    for side 1, dG = X @ A, dX = side 0 at (G, X, A), dY = 0.
    """

    side: int = 0
    name, arity, symbol = "matmul_grad", 3, "∂@"

    def __post_init__(self):
        self._check("side", checks.side)

    def forward(self, grad, x, y):
        if np.ndim(x) == 0 or np.ndim(y) == 0:  # what X @ Y itself would refuse
            raise ValueError("matmul_grad: X and Y must have at least one axis each, as for X @ Y")
        needs = (self.side == 0, self.side == 1)
        piece = _MATMUL.backward(grad, None, x, y, needs=needs)[self.side]
        return sum_to_shape(piece, np.shape((x, y)[self.side]))

    # dG is spread over G's shape (adding zeros like G) where G has batch axes the product
    # with A lacks: the forward summed them away, so each receives the same gradient.
    def backward(self, grad, out, g, x, y):
        zeros = zeros_of(g)
        if self.side == 0:
            return grad @ y + zeros, zeros_of(x), MatMulGradGate(side=1).forward(g, grad, y)
        return x @ grad + zeros, MatMulGradGate(side=0).forward(g, x, grad), zeros_of(y)

    def backward_graph(self, ops, grad, out, g, x, y):
        zeros = ops.zeros_like(g)
        if self.side == 0:
            return ops.sum_to(ops.matmul(grad, y) + zeros, g), None, ops.apply(MatMulGradGate(side=1), g, grad, y)
        return ops.sum_to(ops.matmul(x, grad) + zeros, g), ops.apply(MatMulGradGate(side=0), g, x, grad), None

    def label(self) -> str:
        return "∂@/∂" + "XY"[self.side]


def _spread(grad, x, axis, keepdims):
    """Broadcast the gradient of a reduction back over the reduced axes of x (as an
    array like x: for a dask x, lazily and in x's chunks)."""
    if axis is not None and not keepdims:
        grad = np.expand_dims(grad, axis)
    return grad * np.ones_like(x)


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

    def backward_graph(self, ops, grad, out, x):
        return (ops.broadcast_to(self._unreduced(ops, grad), x),)

    def _unreduced(self, ops, grad):
        """The gradient with the reduced axes back as length-1 axes."""
        return grad if self.axis is None or self.keepdims else ops.expand_dims(grad, self.axis)


@dataclass(frozen=True, eq=False)
class MeanGate(SumGate):
    """f(x) = (1/n) Σ x over `axis` (all axes by default). Backward: df/dxᵢ = 1/n."""

    name, arity, symbol = "mean", 1, "mean"

    def forward(self, x):
        return np.mean(x, axis=self.axis, keepdims=self.keepdims)

    def backward(self, grad, out, x):
        count = getattr(x, "size", 1) // max(getattr(out, "size", 1), 1)
        return (_spread(grad / count, x, self.axis, self.keepdims),)

    def backward_graph(self, ops, grad, out, x):
        count = ops.size(x) / ops.size(out)
        return (ops.broadcast_to(self._unreduced(ops, grad / count), x),)


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

    def backward_graph(self, ops, grad, out, x):
        return (ops.reshape_like(grad, x),)


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

    def backward_graph(self, ops, grad, out, x):
        inverse = None if self.axes is None else tuple(int(i) for i in np.argsort(self.axes))
        return (ops.transpose(grad, inverse),)


@dataclass(frozen=True, eq=False)
class SoftmaxGate(Gate):
    """f(x)ᵢ = exp xᵢ / Σⱼ exp xⱼ along `axis` (computed from the row maximum down, so it never
    overflows). Backward: dx = f · (g - Σ g·f), the sum taken along `axis`."""

    axis: int = -1
    name, arity, symbol = "softmax", 1, "softmax"

    def __post_init__(self):
        self._check("axis", checks.axis)

    def forward(self, x):
        shifted = x - np.max(x, axis=self.axis, keepdims=True)
        return np.exp(shifted - np.log(np.sum(np.exp(shifted), axis=self.axis, keepdims=True)))

    def backward(self, grad, out, x):
        return (out * (grad - np.sum(grad * out, axis=self.axis, keepdims=True)),)

    def backward_graph(self, ops, grad, out, x):
        return (out * (grad - ops.sum(grad * out, axis=self.axis, keepdims=True)),)
