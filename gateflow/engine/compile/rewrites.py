"""The straight-line program a step runs, and the rewrites that shrink it.

A `Program` is the graph (forward and `gf.grad` nodes together) laid out in topological
order, with the values one interpreter run gave every node: the specialisation fixes
their shapes and dtypes, so the rewrites may rely on them.

`simplify` folds constants (gates of constants, where the arguments that only lend a
shape, `Gate.shape_inputs`, count as constants: sizes, zeros, seeds), drops gates that change nothing at these shapes (a sum to the shape it
already has, a reshape to the same shape, a product with the constant 1), merges common
subexpressions (x·y and y·x included) and removes every node the results do not need.
`plan_buffers` then lets elementwise gates write into an argument's array when that
argument dies there (``np.multiply(a, b, out=a)``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from gateflow import gates as G
from gateflow.gates.base import Gate

_SHAPE_ONLY = (G.SeedGate,)  # its value depends on its input's shape alone (besides `shape_inputs`)
_SAME_SHAPE_IDENTITY = (G.SumToGate, G.BroadcastToGate, G.ReshapeLikeGate, G.ReshapeGate)
_COMMUTATIVE = (G.AddGate, G.MultiplyGate)
# Elementwise gates and the numpy ufunc that computes them (for out= buffers).
UFUNCS = {
    G.AddGate: "np.add", G.SubtractGate: "np.subtract", G.MultiplyGate: "np.multiply",
    G.DivideGate: "np.divide", G.NegateGate: "np.negative", G.ExpGate: "np.exp",
    G.LogGate: "np.log", G.TanhGate: "np.tanh", G.AbsGate: "np.abs",
    G.MaxGate: "np.maximum", G.MinGate: "np.minimum", G.PowGate: "np.power",
}
# Gates whose generated expression always makes a new array (never a view or an argument).
_FRESH = set(UFUNCS) | {G.MatMulGate, G.MatMulGradGate, G.SumGate, G.MeanGate, G.GreaterGate, G.EqualGate, G.SignGate,
                        G.PowerGate, G.ReciprocalGate, G.ReLUGate, G.BroadcastToGate}


@dataclass
class Program:
    """Slots in topological order: each node's name, gate, argument slots and value."""

    names: list[str]
    kinds: list[str]
    gates: list[Gate | None]
    args: list[tuple[int, ...]]
    values: list[Any]
    outputs: list[int]
    grads: list[int]
    fed: frozenset[str]
    consts: list[bool] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)  # what identifiers are made from
    rep: list[int] = field(default_factory=list)  # the slot standing for each slot
    grad_prefix: str = ""  # how gf.grad named the gradient nodes: "grad/<first output>/"
    lines: list[int] = field(default_factory=list)  # gate slots to compute, in order
    leaves: list[int] = field(default_factory=list)  # inputs and parameters read
    buffers: dict[int, int] = field(default_factory=dict)  # slot -> argument slot it overwrites
    fused: dict[int, tuple[int, int]] = field(default_factory=dict)  # first slot -> (loss, its softmax - targets)

    @classmethod
    def from_plan(cls, plan: Any, values: list[Any], outputs: list[str], grads: list[str], fed: frozenset[str]) -> Program:
        n = len(plan.names)
        gates: list[Gate | None] = [None] * n
        args: list[tuple[int, ...]] = [()] * n
        kinds = ["const"] * n
        for name, slot in plan.inputs.items():
            kinds[slot] = "input"
        for slot, _ in plan.params:
            kinds[slot] = "param"
        for out, gate, ins in plan.steps:
            gates[out], args[out], kinds[out] = gate, ins, "gate"
        slot = plan.slot
        return cls(
            list(plan.names), kinds, gates, args, values,
            [slot[o] for o in outputs], [slot[g] for g in grads], fed,
            consts=[k == "const" for k in kinds], labels=list(plan.names), grad_prefix=f"grad/{outputs[0]}/",
        )

    def results(self) -> list[int]:
        return self.outputs + self.grads


def _same_form(a: Any, b: Any) -> bool:
    """The same type, shape, dtype and memory layout (a numpy scalar's type fixes them all).

    The layout matters too: numpy sums in an order that follows it, so an array standing
    in for another (or written into its buffer) must be laid out alike for the sums
    downstream to round as the interpreter's do."""
    return type(a) is type(b) and (
        type(a) is not np.ndarray or (a.shape == b.shape and a.dtype == b.dtype and a.strides == b.strides)
    )


def _ndim(value: Any) -> int:
    return getattr(value, "ndim", 0)


def _identity_argument(p: Program, gate: Gate, args: tuple[int, ...], out: Any) -> int | None:
    """The argument a gate returns unchanged at these shapes, if any."""
    kind, values = type(gate), p.values
    if kind in _SAME_SHAPE_IDENTITY or (kind in (G.SumGate, G.MeanGate) and _ndim(values[args[0]]) == 0) or (
        kind is G.TransposeGate and _ndim(values[args[0]]) <= 1
    ):
        return args[0] if _same_form(values[args[0]], out) else None
    if kind is G.MultiplyGate:
        for one, other in (args, args[::-1]):
            if p.consts[one] and _same_form(values[other], out) and _all_ones(values[one]):
                return other
    return None


def _all_ones(value: Any) -> bool:
    return bool(value == 1.0) if _ndim(value) == 0 else value.size <= _SMALL and bool(np.all(value == 1.0))


_SMALL = 4096  # constants up to this many elements are compared by value


def _const_key(value: Any) -> Any:
    """What makes two folded constants the same, or None to keep them apart."""
    if type(value) is np.ndarray:
        return ("array", value.dtype.str, value.shape, value.tobytes()) if value.size <= _SMALL else None
    return (type(value), float(value).hex()) if isinstance(value, (float, np.floating)) else None


def _pass_name(p: Program, gone: int, kept: int) -> None:
    """A gate standing in for another takes its name if that one was asked for, or if its
    own was made up (the terms gf.grad adds are named ``grad/f/_mul_3``, the gradients
    ``grad/f/x``)."""
    if p.kinds[kept] != "gate":
        return
    made_up = "/_" in p.labels[kept] and "/_" not in p.labels[gone]
    if made_up or (gone in p.outputs and kept not in p.outputs):
        p.labels[kept] = p.labels[gone]


def simplify(p: Program) -> Program:
    """Fold constants, drop identities, merge common subexpressions, remove dead nodes."""
    n = len(p.names)
    rep = list(range(n))
    consts, values = p.consts, p.values
    seen: dict[Any, int] = {}
    for i in range(n):
        gate = p.gates[i]
        if gate is None:
            continue
        args = tuple([rep[a] for a in p.args[i]])
        p.args[i] = args
        shape_only = gate.shape_inputs  # arguments that only lend their (fixed) shape
        if isinstance(gate, _SHAPE_ONLY) or all(consts[a] for k, a in enumerate(args) if k not in shape_only):
            consts[i] = True
            if isinstance(values[i], np.ndarray):
                values[i].flags.writeable = False
            key = _const_key(values[i])
            if key is not None:
                rep[i] = seen.setdefault(key, i)
            continue
        same = _identity_argument(p, gate, args, values[i])
        if same is not None:
            rep[i] = same
            _pass_name(p, i, same)
            continue
        key = (gate, tuple(sorted(args)) if isinstance(gate, _COMMUTATIVE) else args)
        try:
            first = seen.setdefault(key, i)
        except TypeError:  # a gate with unhashable parameters is never merged
            continue
        if first != i:
            rep[i] = first
            _pass_name(p, i, first)
    p.outputs = [rep[i] for i in p.outputs]
    p.grads = [rep[i] for i in p.grads]
    p.rep = rep
    return prune(p)


def prune(p: Program) -> Program:
    """Keep only the gates (and leaves) the results need."""
    n, consts, rep = len(p.names), p.consts, p.rep
    live = [False] * n
    for i in p.results():
        live[i] = True
    for i in range(n - 1, -1, -1):
        if live[i] and not consts[i]:
            for a in p.args[i]:
                live[a] = True
    p.lines = [i for i in range(n) if live[i] and p.gates[i] is not None and not consts[i] and rep[i] == i]
    p.leaves = [i for i in range(n) if live[i] and p.kinds[i] in ("input", "param")]
    return p


def plan_buffers(p: Program) -> Program:
    """Let an elementwise gate write its result into an argument that dies there.

    Safe when the argument is an array this program allocated itself (the result of an
    earlier elementwise gate or product, never an input, a parameter, a constant or
    anything returned), every gate reading it makes a fresh array (none keeps a view of
    it, or returns it), and it has the result's shape and dtype.
    """
    owned = [False] * len(p.names)
    last_use: dict[int, int] = {}
    shared: set[int] = set(p.results())
    made_by_helpers = {rest for _, rest in p.fused.values()}  # fresh arrays, not ufuncs
    for i in p.lines:
        kind = type(p.gates[i])
        owned[i] = kind in UFUNCS or kind in (G.MatMulGate, G.MatMulGradGate)
        for a in p.args[i]:
            last_use[a] = i
        if kind not in _FRESH and i not in made_by_helpers:
            shared.update(p.args[i])
    for i in p.lines:
        out = p.values[i]
        if type(p.gates[i]) not in UFUNCS or type(out) is not np.ndarray or i in made_by_helpers:
            continue
        for a in dict.fromkeys(p.args[i]):
            if owned[a] and last_use[a] == i and a not in shared and _same_form(p.values[a], out):
                p.buffers[i] = a
                break
    return p
