"""Functions that add one gate to the graph of their node arguments: ``gf.sigmoid(x)``."""

from __future__ import annotations

from typing import Any

from gateflow import gates as G
from gateflow.errors import GraphError
from gateflow.gates.base import Gate
from gateflow.engine.graph import Node

# Gates are stateless: one shared instance of each parameter-free gate will do.
_SIGMOIDGATE, _TANHGATE, _RELUGATE = G.SigmoidGate(), G.TanhGate(), G.ReLUGate()
_EXPGATE, _LOGGATE, _ABSGATE = G.ExpGate(), G.LogGate(), G.AbsGate()
_MAXGATE, _MINGATE, _MATMULGATE = G.MaxGate(), G.MinGate(), G.MatMulGate()


def apply(gate: Gate, *operands: Any, name: str | None = None) -> Node:
    """Add `gate` applied to `operands` to the graph of the first operand that is a node."""
    for operand in operands:
        if type(operand) is Node:
            return operand.graph.add_gate(gate, operands, name)
    raise GraphError(
        f"gate {gate.name!r} needs at least one graph node among its inputs, got "
        f"{operands!r}; create one with graph.input(...) or graph.param(...)."
    )


def sigmoid(x, name=None) -> Node:
    """σ(x) = 1 / (1 + e⁻ˣ)."""
    return apply(_SIGMOIDGATE, x, name=name)


def tanh(x, name=None) -> Node:
    """tanh(x)."""
    return apply(_TANHGATE, x, name=name)


def relu(x, name=None) -> Node:
    """max(0, x)."""
    return apply(_RELUGATE, x, name=name)


def exp(x, name=None) -> Node:
    """eˣ."""
    return apply(_EXPGATE, x, name=name)


def log(x, name=None) -> Node:
    """ln x."""
    return apply(_LOGGATE, x, name=name)


def abs(x, name=None) -> Node:  # noqa: A001 - mirrors numpy's name
    """|x|."""
    return apply(_ABSGATE, x, name=name)


def maximum(x, y, name=None) -> Node:
    """Elementwise max(x, y); on a tie the gradient is split evenly."""
    return apply(_MAXGATE, x, y, name=name)


def minimum(x, y, name=None) -> Node:
    """Elementwise min(x, y); on a tie the gradient is split evenly."""
    return apply(_MINGATE, x, y, name=name)


def matmul(x, y, name=None) -> Node:
    """x @ y."""
    return apply(_MATMULGATE, x, y, name=name)


def power(x, exponent, name=None) -> Node:
    """x ** exponent (a number, or a node for a tensor exponent)."""
    if isinstance(exponent, (int, float)):
        return apply(G.PowerGate(exponent=float(exponent)), x, name=name)
    return apply(G.PowGate(), x, exponent, name=name)


def sum(x, axis=None, keepdims=False, name=None) -> Node:  # noqa: A001 - mirrors numpy's name
    """Σ x over `axis` (all axes by default)."""
    return apply(G.SumGate(axis=axis, keepdims=keepdims), x, name=name)


def mean(x, axis=None, keepdims=False, name=None) -> Node:
    """The mean of x over `axis` (all axes by default)."""
    return apply(G.MeanGate(axis=axis, keepdims=keepdims), x, name=name)


def reshape(x, shape, name=None) -> Node:
    """x with another shape."""
    return apply(G.ReshapeGate(shape=shape), x, name=name)


def transpose(x, axes=None, name=None) -> Node:
    """x with its axes reversed (or permuted by `axes`)."""
    return apply(G.TransposeGate(axes=axes), x, name=name)


def softmax(x, axis=-1, name=None) -> Node:
    """exp x / Σ exp x along `axis` (the last by default)."""
    return apply(G.SoftmaxGate(axis=axis), x, name=name)
