"""The chain rule written out gate by gate, for a learner following a backward pass.

For every wire, from the output back to the inputs: downstream gradient = upstream
gradient × local gradient, with the numbers; where a value feeds several wires, its
gradient is the sum of what flows back along each of them.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from gateflow.learn.flows import Flow, flows
from gateflow.engine.run import Gradients
from gateflow.learn.table import format_value


def explain(grads: Gradients, digits: int = 4) -> str:
    """The backward pass behind `grads` as text, one gate at a time."""
    run = grads.run
    graph, out = run.graph, grads.output
    words = _Words(out, digits)
    wires = [w for w in flows(run, grads) if w.grad is not None]
    into: dict[str, list[Flow]] = defaultdict(list)  # wires into each gate
    out_of: dict[str, list[Flow]] = defaultdict(list)  # wires leaving each node
    for wire in wires:
        into[wire.target].append(wire)
        out_of[wire.source].append(wire)
    lines = [
        f"Backward pass of {out!r}, from the output back to the inputs.",
        "On each wire: downstream gradient = upstream gradient × local gradient.",
        "",
        f"{words.d(out)} = {words.num(grads[out])}  (the seed: {out} with respect to itself)",
    ]
    for name in reversed(run.plan.names):
        if len(out_of[name]) > 1:
            lines += _fan_out(words, name, out_of[name], grads[name])
        if into[name]:
            lines += _gate(words, graph[name], into[name])
    leaves = [(n, g) for n, g in grads.items() if graph[n].kind in ("input", "param")]
    if leaves:
        lines += ["", "Gradients of the inputs and parameters:"]
        lines += [f"  {words.d(n)} = {words.num(g)}" for n, g in leaves]
    return "\n".join(lines)


class _Words:
    """How numbers and derivatives of the output `out` are written."""

    def __init__(self, out: str, digits: int):
        self.out, self.digits = out, digits

    def num(self, value: Any) -> str:
        return " ".join(format_value(value, self.digits).split())

    def d(self, name: str) -> str:
        return f"∂{self.out}/∂{name}"


def _fan_out(words: _Words, name: str, wires: list[Flow], total: Any) -> list[str]:
    """The sum of the gradients flowing back along the several wires leaving `name`."""
    targets = [w.target for w in wires]
    parts = " + ".join(
        f"{words.num(w.grad)} (into {w.target}"
        + (f", argument {w.slot})" if targets.count(w.target) > 1 else ")")
        for w in wires
    )
    return [
        "",
        f"{name} feeds {len(wires)} wires, so their gradients add up:",
        f"  {words.d(name)} = {parts} = {words.num(total)}",
    ]


def _gate(words: _Words, node: Any, wires: list[Flow]) -> list[str]:
    """A gate and, for each wire into it, upstream gradient × local gradient = downstream."""
    name, d, num = node.name, words.d, words.num
    doc = (type(node.gate).__doc__ or "").strip().splitlines()
    lines = ["", f"{name} = {node.gate.name}({', '.join(n.name for n in node.inputs)})"
             + (f"    [{doc[0]}]" if doc else "")]
    for w in wires:
        if w.local is not None:
            lines.append(
                f"  {d(w.source)} = {d(name)} × ∂{name}/∂{w.source} = "
                f"{num(w.upstream)} × {num(w.local)} = {num(w.grad)}"
            )
        else:
            lines.append(
                f"  {d(w.source)} = {d(name)} pushed back through {node.gate.name} "
                f"(a vector-Jacobian product): {num(w.upstream)} -> {num(w.grad)}"
            )
    return lines
