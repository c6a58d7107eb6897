"""Gates whose output is piecewise constant in their inputs, so their gradient is zero:
comparisons (the masks that route gradients at kinks), sign, sizes, zeros, the seed.

They exist for the backward circuit (`gf.grad`): ReLU's gradient is g·[x > 0], max's
split on ties uses [x == y], a mean divides by a size only known at run time.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gateflow.checks import brief
from gateflow.errors import GateParameterError, ShapeError
from gateflow.gates.base import Gate
from gateflow.gates.shaping import float_dtype, zeros_of


def _float_mask(condition, *inputs):
    """A boolean array as 1.0/0.0 in the inputs' float type (float64 unless they are floats)."""
    return condition.astype(float_dtype(*inputs))


class ZeroGradientGate(Gate):
    """A gate whose output does not change under small changes of its inputs: df/dx = 0."""

    def backward(self, grad, out, *inputs):
        return tuple(zeros_of(x) for x in inputs)

    def backward_graph(self, ops, grad, out, *inputs):
        return (None,) * len(inputs)


class GreaterGate(ZeroGradientGate):
    """f(x, y) = [x > y]: 1 where x > y, else 0. Gradient 0."""

    name, arity, symbol = "greater", 2, ">"

    def forward(self, x, y):
        return _float_mask(np.greater(x, y), x, y)


class EqualGate(ZeroGradientGate):
    """f(x, y) = [x = y]: 1 where x == y, else 0. Gradient 0."""

    name, arity, symbol = "equal", 2, "=="

    def forward(self, x, y):
        return _float_mask(np.equal(x, y), x, y)


class SignGate(ZeroGradientGate):
    """f(x) = sign(x): -1, 0 or 1. Gradient 0 (taken as 0 at the jump x = 0 too)."""

    name, arity, symbol = "sign", 1, "sign"

    def forward(self, x):
        return np.sign(x)


class SizeGate(ZeroGradientGate):
    """f(x) = the number of elements of x, as a float of x's float type. Gradient 0."""

    name, arity, symbol = "size", 1, "size"
    shape_inputs = (0,)

    def forward(self, x):
        return float_dtype(x).type(getattr(x, "size", 1))


class ZerosLikeGate(ZeroGradientGate):
    """f(x) = zeros of x's shape: the gradient of a node the output does not depend on."""

    name, arity, symbol = "zeros_like", 1, "0"
    shape_inputs = (0,)

    def forward(self, x):
        return zeros_of(x)


@dataclass(frozen=True, eq=False)
class SeedGate(ZeroGradientGate):
    """f(y) = 1, the seed d output / d output of `gf.grad`; refuses a non-scalar `output` y."""

    output: str = "output"
    name, arity, symbol = "seed", 1, "1"

    def __post_init__(self):
        if not isinstance(self.output, str) or not self.output:
            raise GateParameterError(
                f"gate 'seed' (SeedGate) parameter 'output' must be the name of the output node, "
                f"not {brief(self.output)}."
            )

    def forward(self, y):
        if np.ndim(y) != 0:
            raise ShapeError(
                f"gate 'seed': gf.grad of {self.output!r} needs a scalar output, but {self.output!r} has "
                f"shape {np.shape(y)}; reduce it (e.g. gf.sum) or pass seed=<a node of shape "
                f"{np.shape(y)}> to gf.grad."
            )
        return np.ones_like(y)[()]

    def label(self) -> str:
        return "1"
