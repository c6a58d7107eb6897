"""`gf.to_sympy`: a graph of scalar gates as a sympy expression (optional extra
``gateflow[sympy]``; sympy is imported only when this is called).

Inputs and parameters become symbols named after their nodes (``sympy.Symbol("x")``),
constants exact rationals, and each gate its formula. Kinks follow gateflow's rules, so
that the expression of a `gf.grad` node equals sympy's own derivative: ReLU is
``Piecewise((x, x > 0), (0, True))`` (derivative 0 at 0), |x| and sign are piecewise with
0 at 0, max/min take the mean of their inputs on a tie (derivative ½ each), comparisons
are 0/1 `Piecewise` masks.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from gateflow.errors import GraphError
from gateflow.engine.graph import Node


def _max(sp, x, y):
    return sp.Piecewise((x, x > y), ((x + y) / 2, sp.Eq(x, y)), (y, True))


def _min(sp, x, y):
    return sp.Piecewise((x, x < y), ((x + y) / 2, sp.Eq(x, y)), (y, True))


def _abs(sp, x):
    return sp.Piecewise((x, x > 0), (0, sp.Eq(x, 0)), (-x, True))


def _sign(sp, x):
    return sp.Piecewise((1, x > 0), (0, sp.Eq(x, 0)), (-1, True))


def _mask(sp, condition):
    return sp.Piecewise((1, condition), (0, True))


def _first(sp, x, *ignored):
    """Shape-only gates (sum_to, broadcast_to, reshapes, sums) are the identity on scalars."""
    return x


# gate name -> f(sympy, gate, *argument expressions)
FORMULAS: dict[str, Callable[..., Any]] = {
    "add": lambda sp, gate, x, y: x + y,
    "sub": lambda sp, gate, x, y: x - y,
    "mul": lambda sp, gate, x, y: x * y,
    "div": lambda sp, gate, x, y: x / y,
    "neg": lambda sp, gate, x: -x,
    "reciprocal": lambda sp, gate, x: 1 / x,
    "power": lambda sp, gate, x: x ** sp.nsimplify(gate.exponent, rational=True),
    "pow": lambda sp, gate, x, y: x**y,
    "exp": lambda sp, gate, x: sp.exp(x),
    "log": lambda sp, gate, x: sp.log(x),
    "tanh": lambda sp, gate, x: sp.tanh(x),
    "sigmoid": lambda sp, gate, x: 1 / (1 + sp.exp(-x)),
    "relu": lambda sp, gate, x: sp.Piecewise((x, x > 0), (0, True)),
    "abs": lambda sp, gate, x: _abs(sp, x),
    "max": lambda sp, gate, x, y: _max(sp, x, y),
    "min": lambda sp, gate, x, y: _min(sp, x, y),
    "greater": lambda sp, gate, x, y: _mask(sp, x > y),
    "equal": lambda sp, gate, x, y: _mask(sp, sp.Eq(x, y)),
    "sign": lambda sp, gate, x: _sign(sp, x),
    "size": lambda sp, gate, x: sp.Integer(1),
    "zeros_like": lambda sp, gate, x: sp.Integer(0),
    "seed": lambda sp, gate, x: sp.Integer(1),
    "mse": lambda sp, gate, p, t: (p - t) ** 2,
    "l2": lambda sp, gate, w: sp.nsimplify(gate.lam, rational=True) * w**2,
    **{name: lambda sp, gate, x, *rest: _first(sp, x) for name in (
        "sum", "mean", "sum_to", "broadcast_to", "reshape", "reshape_like", "expand_dims", "transpose",
    )},
}


def to_sympy(node: Node) -> Any:
    """The sympy expression `node` computes from the inputs and parameters it depends on.

    For graphs of scalars: constants must be numbers, and every gate on the way needs a
    formula (`FORMULAS`: the arithmetic, elementwise and backward-circuit gates).
    """
    import sympy as sp

    if not isinstance(node, Node):
        raise GraphError(f"to_sympy needs a node of a graph, not {node!r}.")
    graph = node.graph
    names = graph.plan([node]).names
    expressions: dict[str, Any] = {}
    for name in names:  # topological order: no recursion
        current = graph[name]
        if current.kind in ("input", "param"):
            expressions[name] = sp.Symbol(name)
        elif current.kind == "const":
            expressions[name] = _constant(sp, current)
        else:
            formula = FORMULAS.get(current.gate.name)
            if formula is None:
                raise GraphError(
                    f"to_sympy: node {name!r} applies gate {current.gate.name!r} "
                    f"({type(current.gate).__name__}), which has no sympy formula; it knows "
                    f"{', '.join(sorted(FORMULAS))}."
                )
            expressions[name] = formula(sp, current.gate, *(expressions[i.name] for i in current.inputs))
    return expressions[node.name]


def _constant(sp, node: Node) -> Any:
    value = node.value
    if np.ndim(value) != 0:
        raise GraphError(
            f"to_sympy works on graphs of scalars; constant {node.name!r} has shape {np.shape(value)}."
        )
    return sp.nsimplify(float(value), rational=True)
