"""A run told as a sequence of steps, the way a lecture animates backpropagation: values
light up from the inputs to the output, one gate at a time; then gradients flow back from
the seed, each gate writing out upstream × local = downstream; and where a value fans out,
the moment its gradients add up is a step of its own.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import numpy as np

from gateflow.engine.run import Gradients
from gateflow.learn.flows import Flow, flows
from gateflow.learn.table import format_short

Wire = tuple[str, int | None]
"""``(gate, slot)``: the wire into argument `slot` of `gate`; ``(node, None)``: the wire out of an output."""

INFIX = {"add": "+", "sub": "-", "mul": "×", "div": "/", "matmul": "@"}
LIST_LIMIT = 12  # longer lists (leaves, fan-out terms) are cut with "… N more"


@dataclass(frozen=True)
class Step:
    """One step: its `kind` (inputs, forward, seed, backward, sum, done), its text, the nodes
    and wires it highlights, and the wires whose value or gradient appears at this step."""

    kind: str
    text: str
    nodes: tuple[str, ...] = ()
    wires: tuple[Wire, ...] = ()
    values: tuple[Wire, ...] = ()
    grads: tuple[Wire, ...] = ()


def numbers(*values: Any, digits: int = 2) -> list[str]:
    """The numbers of one equation: whole numbers if all of them are (``-8 + 1 = -7``), else
    `digits` decimals (``0.20 × -1.00 = -0.20``), arrays as shape and mean."""
    scalars = [np.ndim(v) == 0 for v in values]
    if all(scalars) and all(np.isfinite(v) and float(v).is_integer() and abs(v) < 1e6 for v in values):
        return [str(int(v)) for v in values]
    return [format_short(v, digits) for v in values]


def output_wires(grads: Gradients) -> list[str]:
    """The nodes drawn with a wire of their own out of them: computed sink gates and the output."""
    run, graph = grads.run, grads.run.graph
    return [
        name for name in run
        if graph[name].kind == "gate" and (graph.nx.out_degree(name) == 0 or name == grads.output)
    ]


def _listed(items: list[str], separator: str) -> str:
    if len(items) > LIST_LIMIT:
        items = items[: LIST_LIMIT - 2] + [f"… {len(items) - LIST_LIMIT + 2} more"]
    return separator.join(items)


class _Story:
    """What the steps share: the run, the wires in and out of each node, how to name a node."""

    def __init__(self, grads: Gradients, digits: int, wires: list[Flow] | None):
        self.grads, self.run, self.digits = grads, grads.run, digits
        self.graph, self.out = self.run.graph, grads.output
        self.wires = flows(self.run, grads) if wires is None else wires
        self.into: dict[str, list[Flow]] = defaultdict(list)
        self.out_of: dict[str, list[Flow]] = defaultdict(list)
        for wire in self.wires:
            self.into[wire.target].append(wire)
            self.out_of[wire.source].append(wire)
        self.outputs = set(output_wires(grads))

    def nums(self, *values: Any) -> list[str]:
        return numbers(*values, digits=self.digits)

    def term(self, name: str) -> str:
        """A node as it appears in a formula: its name, or a constant's value."""
        node = self.graph[name]
        return self.nums(node.value)[0] if node.kind == "const" else name

    def leaving(self, name: str) -> list[Wire]:
        extra = [(name, None)] if name in self.outputs else []
        return [(w.target, w.slot) for w in self.out_of[name]] + extra

    def d(self, name: str) -> str:
        return f"∂{self.out}/∂{name}"

    def formula(self, name: str, args: list[str]) -> str:
        gate = self.graph[name].gate
        if len(args) == 2 and gate.name in INFIX:
            return f" {INFIX[gate.name]} ".join(args)
        params = [f"{k}={v!r}" for k, v in gate.params().items()]
        return f"{gate.name}({', '.join(args + params)})"


def steps(grads: Gradients, digits: int = 2, wires: list[Flow] | None = None) -> list[Step]:
    """The forward pass of `grads.run` gate by gate, then the backward pass behind `grads`
    (`wires`: its `flows`, if already computed)."""
    story = _Story(grads, digits, wires)
    return [*_forward(story), *_backward(story)]


def _forward(story: _Story) -> list[Step]:
    run, graph = story.run, story.graph
    leaves = [name for name in run if graph[name].kind != "gate"]
    named = [f"{n} = {story.nums(run[n])[0]}" for n in leaves if graph[n].kind != "const"]
    constants = [story.nums(run[n])[0] for n in leaves if graph[n].kind == "const"]
    text = "Forward pass, from the inputs to the output. The values fed in:\n" + _listed(named, ", ")
    if constants:
        text += f"\nand the constant{'s' * (len(constants) > 1)} {_listed(constants, ', ')}"
    fed = tuple(n for n in leaves if graph[n].kind != "const")  # constants light up on their wires
    result = [Step("inputs", text, fed, values=tuple(w for n in leaves for w in story.leaving(n)))]
    for name in run:
        node = graph[name]
        if node.kind != "gate":
            continue
        sources = [n.name for n in node.inputs]
        *args, value = story.nums(*(run[s] for s in sources), run[name])
        symbolic = story.formula(name, [story.term(s) for s in sources])
        with_numbers = story.formula(name, args)
        equation = " = ".join(dict.fromkeys([symbolic, with_numbers]))  # a formula of constants only once
        leaving = tuple(story.leaving(name))
        result.append(Step("forward", f"{name} = {equation} = {value}", (name,), leaving, leaving))
    return result


def _backward(story: _Story) -> list[Step]:
    grads, graph, out, d = story.grads, story.graph, story.out, story.d
    seed = story.nums(grads[out])[0]
    seed_wire = ((out, None),) if out in story.outputs else ()
    result = [Step(
        "seed", f"Backward pass, from {out} back to the inputs. The seed: {d(out)} = {seed}"
        f" ({out} with respect to itself).", (out,), seed_wire, grads=seed_wire,
    )]
    for name in reversed(story.run.plan.names):
        fanned = [w for w in story.out_of[name] if w.grad is not None]
        if len(fanned) > 1 and graph[name].kind != "const":  # constants are drawn once per use
            result.append(_sum(story, name, fanned))
        wires = [w for w in story.into[name] if w.grad is not None]
        if wires:
            result.append(_gate_backward(story, name, wires))
    leaves = [n for n, _ in grads.items() if graph[n].kind in ("input", "param")]
    lines = [f"{d(n)} = {story.nums(grads[n])[0]}" for n in leaves]
    result.append(Step(
        "done", "Done: the gradients of the inputs and parameters:\n" + _listed(lines, "\n"), tuple(leaves),
    ))
    return result


def _sum(story: _Story, name: str, fanned: list[Flow]) -> Step:
    targets = [w.target for w in fanned]
    into = [
        f"{w.target} (argument {w.slot})" if targets.count(w.target) > 1 else w.target for w in fanned
    ]
    *parts, total = story.nums(*(w.grad for w in fanned), story.grads[name])
    text = (
        f"{name} feeds {len(fanned)} wires (into {_listed(into, ', ')}), so their gradients add up:\n"
        f"{story.d(name)} = {_listed(parts, ' + ')} = {total}"
    )
    return Step("sum", text, (name,), tuple((w.target, w.slot) for w in fanned))


def _gate_backward(story: _Story, name: str, wires: list[Flow]) -> Step:
    node, d = story.graph[name], story.d
    doc = (type(node.gate).__doc__ or "").strip().splitlines()
    lines = [f"{name} = {node.gate.name}({', '.join(story.term(n.name) for n in node.inputs)})"
             + (f"    [{doc[0]}]" if doc else "")]
    for w in wires:
        if story.graph[w.source].kind == "const":
            continue  # its gradient is on its wire; a constant is nothing to learn
        if w.local is not None:
            up, local, grad = story.nums(w.upstream, w.local, w.grad)
            line = f"{d(w.source)} = {d(name)} × ∂{name}/∂{w.source} = {up} × {local} = {grad}"
        else:
            up, grad = story.nums(w.upstream, w.grad)
            line = (f"{d(w.source)} = {d(name)} pushed back through {node.gate.name} "
                    f"(a vector-Jacobian product): {up} → {grad}")
        shares = sum(1 for o in story.out_of[w.source] if o.grad is not None)
        if shares > 1:
            line += f"    (one of the {shares} wires out of {w.source}: they add up at its own step)"
        lines.append(line)
    keys = tuple((w.target, w.slot) for w in wires)
    return Step("backward", "\n".join(lines), (name,), keys, grads=keys)
