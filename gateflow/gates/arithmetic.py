"""Arithmetic gates: + - * / negation, reciprocal and powers (elementwise, broadcasting)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gateflow import checks
from gateflow.gates.base import Gate


class AddGate(Gate):
    """f(x, y) = x + y. Backward: distributes the upstream gradient unchanged to both inputs."""

    name, arity, symbol = "add", 2, "+"

    def forward(self, x, y):
        return x + y

    def backward(self, grad, out, x, y):
        return grad, grad

    def backward_graph(self, ops, grad, out, x, y):
        return ops.sum_to(grad, x), ops.sum_to(grad, y)


class SubtractGate(Gate):
    """f(x, y) = x - y. Backward: df/dx = 1, df/dy = -1."""

    name, arity, symbol = "sub", 2, "-"

    def forward(self, x, y):
        return x - y

    def backward(self, grad, out, x, y):
        return grad, -grad

    def backward_graph(self, ops, grad, out, x, y):
        return ops.sum_to(grad, x), ops.sum_to(-grad, y)


class MultiplyGate(Gate):
    """f(x, y) = x * y. Backward: a switch, each input's gradient is grad times the other input."""

    name, arity, symbol = "mul", 2, "*"

    def forward(self, x, y):
        return x * y

    def backward(self, grad, out, x, y):
        return grad * y, grad * x

    def backward_graph(self, ops, grad, out, x, y):
        return ops.sum_to(grad * y, x), ops.sum_to(grad * x, y)


class DivideGate(Gate):
    """f(x, y) = x / y. Backward: df/dx = 1/y, df/dy = -x/y² = -f/y."""

    name, arity, symbol = "div", 2, "/"

    def forward(self, x, y):
        return x / y

    def backward(self, grad, out, x, y):
        gx = grad / y
        return gx, -gx * out

    def backward_graph(self, ops, grad, out, x, y):
        gx = grad / y
        return ops.sum_to(gx, x), ops.sum_to(-gx * out, y)


class NegateGate(Gate):
    """f(x) = -x. Backward: df/dx = -1."""

    name, arity, symbol = "neg", 1, "*-1"

    def forward(self, x):
        return -x

    def backward(self, grad, out, x):
        return (-grad,)

    def backward_graph(self, ops, grad, out, x):
        return (-grad,)


class ReciprocalGate(Gate):
    """f(x) = 1/x. Backward: df/dx = -1/x² = -f²."""

    name, arity, symbol = "reciprocal", 1, "1/x"

    def forward(self, x):
        return 1.0 / x

    def backward(self, grad, out, x):
        return (-grad * out * out,)

    def backward_graph(self, ops, grad, out, x):
        return (-grad * out * out,)


@dataclass(frozen=True, eq=False)
class PowerGate(Gate):
    """f(x) = x^p for a constant exponent p. Backward: df/dx = p·x^(p-1)."""

    exponent: float = 2.0
    name, arity, symbol = "power", 1, "^"

    def __post_init__(self):
        self._check("exponent", checks.finite_number)

    def forward(self, x):
        return x**self.exponent

    def backward(self, grad, out, x):
        return (grad * self.exponent * x ** (self.exponent - 1),)

    def backward_graph(self, ops, grad, out, x):
        p = self.exponent
        if p == 1:
            return (grad,)
        return (grad * p * (x if p == 2 else x ** (p - 1)),)

    def label(self) -> str:
        return f"^{self.exponent:g}"


class PowGate(Gate):
    """f(x, y) = x^y with a tensor exponent. Backward: df/dx = y·x^(y-1), df/dy = x^y·ln x.

    ln x is only real for x > 0; where x <= 0 the gradient of y is taken as 0.
    """

    name, arity, symbol = "pow", 2, "**"

    def forward(self, x, y):
        return x**y

    def backward(self, grad, out, x, y):
        positive = x > 0
        log_x = np.where(positive, np.log(np.where(positive, x, 1.0)), 0.0)
        return grad * y * x ** (y - 1), grad * out * log_x

    def backward_graph(self, ops, grad, out, x, y):
        positive = ops.greater(x, 0.0)
        log_x = ops.log(x * positive + (1.0 - positive)) * positive  # ln x where x > 0, else 0
        return ops.sum_to(grad * y * x ** (y - 1), x), ops.sum_to(grad * out * log_x, y)
