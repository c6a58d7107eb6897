"""The formula each built-in gate contributes to generated code, keyed by gate class.

An entry maps ``(gate, operands, shapes, out)`` to one Python expression: `operands` are
the rendered arguments (identifiers or literals), `shapes` their shapes and `out` the
value the interpreter computed for the node (its shape and dtype are fixed by the
specialisation). `NUMPY` expressions do exactly what the gate's `forward` does, so the
results are the interpreter's to the last bit; `MATH` ones run a graph whose values are
all float64 scalars on Python floats and the `math` module. A gate without an entry, a
plugin's for instance, is called through its method: ``gate.forward(a, b)``; so is the
sigmoid on arrays, whose numpy formula is the gate's own business (it is stable for
large |x|, which a one-line formula is not).

Python floats raise where numpy returns inf or nan (1/0, exp(1000), log(-1)); a step
then runs that call with the numpy expressions instead.
"""

from __future__ import annotations

import numpy as np

from gateflow import gates as G


def _binary(op):
    return lambda gate, a, shapes, out: f"{a[0]} {op} {a[1]}"


def _call(function):
    return lambda gate, a, shapes, out: f"{function}({', '.join(a)})"


def _reduce(method):
    """x.sum(...) or x.mean(...): what np.sum and np.mean call for numpy values, minus a step."""

    def expression(gate, a, shapes, out):
        options = [] if gate.axis is None else [f"axis={gate.axis!r}"]
        options += ["keepdims=True"] if gate.keepdims else []
        return f"{a[0]}.{method}({', '.join(options)})"

    return expression


def _transpose(gate, a, shapes, out):
    if gate.axes is None:
        return f"{a[0]}.T"
    return f"np.transpose({a[0]}, {gate.axes!r})"


def _mask(op):
    def expression(gate, a, shapes, out):
        return f"({a[0]} {op} {a[1]}).astype(np.{np.result_type(out).name})"

    return expression


def _zeros(gate, a, shapes, out):
    dtype = np.result_type(out).name
    if np.ndim(out) == 0:
        return f"np.{dtype}(0.0)"
    return f"np.zeros({np.shape(out)!r}{'' if dtype == 'float64' else f', np.{dtype}'})"


def _sum_to(gate, a, shapes, out):
    """`sum_to_shape` with its axes worked out for the specialised shapes."""
    shape, target, text = shapes[0], np.shape(out), a[0]
    extra = len(shape) - len(target)
    if extra > 0:
        text = f"{text}.sum(axis={tuple(range(extra))!r})"
        shape = shape[extra:]
    axes = tuple(i for i, (g, s) in enumerate(zip(shape, target)) if s == 1 and g != 1)
    if axes:
        text = f"{text}.sum(axis={axes!r}, keepdims=True)"
    if len(shape) < len(target):
        text = f"np.reshape({text}, {target!r})"
    return text


def _broadcast_to(gate, a, shapes, out):
    return f"np.broadcast_to({a[0]}, {np.shape(out)!r}).copy()"


def _reshape_to(gate, a, shapes, out):
    return f"np.reshape({a[0]}, {np.shape(out)!r}){'[()]' if np.ndim(out) == 0 else ''}"


def _expand_dims(gate, a, shapes, out):
    return f"np.expand_dims({a[0]}, {gate.axis!r})"


def _power(function):
    def expression(gate, a, shapes, out):
        p = float(gate.exponent)
        if not np.isfinite(p):
            return None
        exponent = f"({p!r})" if p < 0 else repr(p)
        if function is None or p.is_integer():
            return f"{a[0]} ** {exponent}"
        return f"{function}({a[0]}, {exponent})"

    return expression


def _matmul_grad(gate, a, shapes, out):
    """G @ Yᵀ or Xᵀ @ G for matrices; other shapes take the gate's own method."""
    g, x, y = shapes
    if not (len(g) == len(x) == len(y) == 2) or np.shape(out) != (x, y)[gate.side]:
        return None
    return f"{a[0]} @ {a[2]}.T" if gate.side == 0 else f"{a[1]}.T @ {a[0]}"


_ARITHMETIC = {  # the same Python operators on arrays and on floats
    G.AddGate: _binary("+"),
    G.SubtractGate: _binary("-"),
    G.MultiplyGate: _binary("*"),
    G.DivideGate: _binary("/"),
    G.NegateGate: lambda gate, a, shapes, out: f"-{a[0]}",
    G.ReciprocalGate: lambda gate, a, shapes, out: f"1.0 / {a[0]}",
}

NUMPY = {
    **_ARITHMETIC,
    G.PowerGate: _power(None),
    G.PowGate: _binary("**"),
    G.ExpGate: _call("np.exp"),
    G.LogGate: _call("np.log"),
    G.TanhGate: _call("np.tanh"),
    G.ReLUGate: lambda gate, a, shapes, out: f"np.maximum({a[0]}, 0.0)",
    G.AbsGate: _call("np.abs"),
    G.MaxGate: _call("np.maximum"),
    G.MinGate: _call("np.minimum"),
    G.MatMulGate: _binary("@"),
    G.MatMulGradGate: _matmul_grad,
    G.SumGate: _reduce("sum"),
    G.MeanGate: _reduce("mean"),
    G.ReshapeGate: lambda gate, a, shapes, out: f"np.reshape({a[0]}, {gate.shape!r})",
    G.TransposeGate: _transpose,
    G.GreaterGate: _mask(">"),
    G.EqualGate: _mask("=="),
    G.SignGate: _call("np.sign"),
    G.ZerosLikeGate: _zeros,
    G.SumToGate: _sum_to,
    G.BroadcastToGate: _broadcast_to,
    G.ReshapeLikeGate: _reshape_to,
    G.ExpandDimsGate: _expand_dims,
}

MATH = {
    **_ARITHMETIC,
    G.PowerGate: _power("math.pow"),
    G.PowGate: _call("math.pow"),
    G.ExpGate: _call("math.exp"),
    G.LogGate: _call("math.log"),
    G.TanhGate: _call("math.tanh"),
    G.SigmoidGate: lambda gate, a, shapes, out: f"1.0 / (1.0 + math.exp(-{a[0]}))",
    G.ReLUGate: lambda gate, a, shapes, out: f"(0.0 if {a[0]} < 0.0 else {a[0]})",
    G.AbsGate: _call("abs"),
    # NaN in, NaN out, as numpy's maximum and minimum (Python's max and min are not)
    G.MaxGate: lambda gate, a, shapes, out: f"({a[0]} if {a[0]} >= {a[1]} else {a[1]} if {a[1]} > {a[0]} else {a[0]} + {a[1]})",
    G.MinGate: lambda gate, a, shapes, out: f"({a[0]} if {a[0]} <= {a[1]} else {a[1]} if {a[1]} < {a[0]} else {a[0]} + {a[1]})",
    G.GreaterGate: lambda gate, a, shapes, out: f"(1.0 if {a[0]} > {a[1]} else 0.0)",
    G.EqualGate: lambda gate, a, shapes, out: f"(1.0 if {a[0]} == {a[1]} else 0.0)",
    G.SignGate: lambda gate, a, shapes, out: f"(1.0 if {a[0]} > 0.0 else -1.0 if {a[0]} < 0.0 else {a[0]} * 0.0)",
    G.ZerosLikeGate: lambda gate, a, shapes, out: "0.0",
}
