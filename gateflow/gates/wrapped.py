"""The generic backward node: `gf.grad` through a gate that only has a numpy backward."""

from __future__ import annotations

import inspect
from functools import partial
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from gateflow import checks
from gateflow.errors import GateParameterError, NotDifferentiableError
from gateflow.gates.base import Gate
from gateflow.gates.shaping import sum_to_shape


@dataclass(frozen=True, eq=False)
class NumpyBackwardGate(Gate):
    """f(g, out, x₁..xₙ) = the `index`-th input gradient of the `wrapped` gate's numpy backward,
    summed to that input's shape: one first-order derivative, as a node.

    It has no derivative of its own: differentiating through it raises
    `NotDifferentiableError`, naming the wrapped gate and how to give it a graph backward.
    """

    wrapped: Gate = None
    index: int = 0
    name, symbol = "numpy_backward", "∂"
    arity: ClassVar[int] = 2  # grad and out; an instance adds its gate's inputs

    def __post_init__(self):
        if not isinstance(self.wrapped, Gate):
            raise GateParameterError(
                f"gate 'numpy_backward' parameter 'wrapped' must be a Gate instance, not {self.wrapped!r}."
            )
        self._check("index", partial(checks.positive_int, allow_zero=True))
        if self.index >= self.wrapped.arity:
            raise GateParameterError(
                f"gate 'numpy_backward' parameter 'index' must be an input of {self.wrapped.name!r}: "
                f"0..{self.wrapped.arity - 1}, not {self.index!r}."
            )
        object.__setattr__(self, "arity", self.wrapped.arity + 2)

    def forward(self, grad, out, *inputs):
        backward = self.wrapped.backward
        if "needs" in inspect.signature(backward).parameters:
            backward = _with_needs(backward, self.index, len(inputs))
        return sum_to_shape(backward(grad, out, *inputs)[self.index], np.shape(inputs[self.index]))

    def backward(self, grad, out, *inputs):
        raise self.not_differentiable()

    def backward_graph(self, ops, grad, out, *inputs):
        raise self.not_differentiable()

    def not_differentiable(self) -> NotDifferentiableError:
        gate = self.wrapped
        cls = type(gate).__name__
        args = ", ".join(f"x{i}" for i in range(gate.arity))
        return NotDifferentiableError(
            f"gate {gate.name!r} ({cls}) has only a numpy backward, so its derivative can be "
            f"taken once but not differentiated again. Give {cls} a graph backward: "
            f"`def backward_graph(self, ops, grad, out, {args}):` returning one node per input, "
            "the same math as its backward written on the node handles (see gateflow.Gate)."
        )

    def label(self) -> str:
        return f"∂{self.wrapped.symbol or self.wrapped.name}/∂x{self.index}"


def _with_needs(backward, index, count):
    needs = tuple(i == index for i in range(count))
    return lambda *args: backward(*args, needs=needs)
