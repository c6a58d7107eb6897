"""Elementwise nonlinearities: exp, log, tanh, sigmoid, ReLU, abs, and the binary max/min."""

from __future__ import annotations

import math

import numpy as np

from gateflow.gates.base import Gate


def stable_sigmoid(x):
    """σ(x) = 1 / (1 + e⁻ˣ) without overflow: with e = e^-|x| ≤ 1, σ(x) = 1 / (1 + e) for
    x ≥ 0 and e / (1 + e) below, so σ(±1000) is exactly 1 or 0 and the tails keep their
    relative precision. A float64 scalar takes the (faster) math route."""
    if type(x) is np.float64:
        e = math.exp(-abs(x))
        return np.float64((1.0 if x >= 0 else e) / (1.0 + e))
    with np.errstate(under="ignore"):  # e^-|x| rounds to 0 beyond |x| ≈ 745, as it should
        e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0, e) / (1.0 + e)


class ExpGate(Gate):
    """f(x) = eˣ. Backward: df/dx = eˣ = f."""

    name, arity, symbol = "exp", 1, "exp"

    def forward(self, x):
        return np.exp(x)

    def backward(self, grad, out, x):
        return (grad * out,)

    def backward_graph(self, ops, grad, out, x):
        return (grad * out,)


class LogGate(Gate):
    """f(x) = ln x. Backward: df/dx = 1/x."""

    name, arity, symbol = "log", 1, "log"

    def forward(self, x):
        return np.log(x)

    def backward(self, grad, out, x):
        return (grad / x,)

    def backward_graph(self, ops, grad, out, x):
        return (grad / x,)


class TanhGate(Gate):
    """f(x) = tanh x. Backward: df/dx = 1 - tanh² x = 1 - f²."""

    name, arity, symbol = "tanh", 1, "tanh"

    def forward(self, x):
        return np.tanh(x)

    def backward(self, grad, out, x):
        return (grad * (1.0 - out * out),)

    def backward_graph(self, ops, grad, out, x):
        return (grad * (1.0 - out * out),)


class SigmoidGate(Gate):
    """f(x) = σ(x) = 1 / (1 + e⁻ˣ). Backward: df/dx = σ(x)(1 - σ(x)) = f(1 - f).

    Computed by `stable_sigmoid`, which never overflows (σ(±1000) is exactly 1 or 0).
    """

    name, arity, symbol = "sigmoid", 1, "σ"

    def forward(self, x):
        return stable_sigmoid(x)

    def backward(self, grad, out, x):
        return (grad * out * (1.0 - out),)

    def backward_graph(self, ops, grad, out, x):
        return (grad * out * (1.0 - out),)


class ReLUGate(Gate):
    """f(x) = max(0, x). Backward: df/dx = 1 where x > 0, else 0 (0 at the kink x = 0)."""

    name, arity, symbol = "relu", 1, "relu"

    def forward(self, x):
        return np.maximum(x, 0.0)

    def backward(self, grad, out, x):
        return (grad * (x > 0),)

    def backward_graph(self, ops, grad, out, x):
        return (grad * ops.greater(x, 0.0),)


class AbsGate(Gate):
    """f(x) = |x|. Backward: df/dx = sign(x) (0 at the kink x = 0)."""

    name, arity, symbol = "abs", 1, "|x|"

    def forward(self, x):
        return np.abs(x)

    def backward(self, grad, out, x):
        return (grad * np.sign(x),)

    def backward_graph(self, ops, grad, out, x):
        return (grad * ops.sign(x),)


def _tie_split(grad, winner, tie):
    """The gradients of (x, y) when x gets all of `grad` where it wins and ½ on a tie.

    Masks multiply the gradient itself, so it keeps its dtype (float32 stays float32).
    """
    gx = grad * winner + (0.5 * grad) * tie
    return gx, grad - gx


def _tie_share(winner, tie):
    """x's share of the gradient as a circuit: 1 where it wins, ½ on a tie, else 0."""
    return winner + 0.5 * tie


def _split_graph(ops, grad, x, y, share_x):
    """The circuit of max/min's backward: x gets its share of the gradient, y the rest."""
    return ops.sum_to(grad * share_x, x), ops.sum_to(grad * (1.0 - share_x), y)


class MaxGate(Gate):
    """f(x, y) = max(x, y). Backward: routes the gradient to the larger input.

    Tie rule: where x == y the gradient is split evenly (½ each), which is what central
    differences measure at the tie.
    """

    name, arity, symbol = "max", 2, "max"

    def forward(self, x, y):
        return np.maximum(x, y)

    def backward(self, grad, out, x, y):
        return _tie_split(grad, x > y, x == y)

    def backward_graph(self, ops, grad, out, x, y):
        return _split_graph(ops, grad, x, y, _tie_share(ops.greater(x, y), ops.equal(x, y)))


class MinGate(Gate):
    """f(x, y) = min(x, y). Backward: routes the gradient to the smaller input; ties split ½."""

    name, arity, symbol = "min", 2, "min"

    def forward(self, x, y):
        return np.minimum(x, y)

    def backward(self, grad, out, x, y):
        return _tie_split(grad, x < y, x == y)

    def backward_graph(self, ops, grad, out, x, y):
        return _split_graph(ops, grad, x, y, _tie_share(ops.greater(y, x), ops.equal(x, y)))
