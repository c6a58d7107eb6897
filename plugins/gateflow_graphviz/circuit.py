"""A graph drawn the way backprop lectures draw circuits: inputs and parameters as plain
names, each gate as a small node with its symbol, and every wire labelled with the value
it carries (green) and, after a backward, the gradient flowing back along it (red).

Nodes `gf.grad` added (those with a ``grad_of`` attribute) are the backward circuit: they
are drawn in a box of their own per differentiated output, in red, with the same value
labels on their wires, so a learner sees d f/d x computed by gates. Wires that only lend
their shape (the `like` of sum_to, see `Gate.shape_inputs`) are left out."""

from __future__ import annotations

import dataclasses
import html
import re
from typing import Any

import graphviz
import numpy as np

from gateflow.learn.flows import flows
from gateflow.gates.base import Gate
from gateflow.engine.graph import Graph
from gateflow.engine.run import Gradients, Run
from gateflow_graphviz.renderer import pipe

VALUE_COLOR = "#1b7a1b"
GRADIENT_COLOR = "#c62828"
BACKWARD_FILL = "#fdecea"
MAX_NODES = 500


class Circuit(graphviz.Digraph):
    """A `graphviz.Digraph` that Jupyter displays through gateflow's renderer."""

    def _repr_image_svg_xml(self) -> str:
        return pipe(self.source, "svg").decode("utf-8")

    def _repr_image_png(self) -> bytes:
        return pipe(self.source, "png")


def short(value: Any, digits: int = 2) -> str:
    """A number as ``-0.20``; an array as its values when tiny, else ``3x2 mean 0.12``."""
    array = np.asarray(value, dtype=np.float64)
    if array.ndim == 0:
        x = float(array)
        if x == 0 or not np.isfinite(x) or 10.0**-digits <= abs(x) < 1e6:
            return f"{x:.{digits}f}"
        return f"{x:.{digits}e}"
    if array.ndim == 1 and array.size <= 3:
        return "[" + ", ".join(short(x, digits) for x in array) + "]"
    shape = "x".join(map(str, array.shape))
    return f"{shape} mean {short(array.mean(), digits)}" if array.size else f"{shape} empty"


def gate_text(gate: Gate) -> str:
    """The gate's own `label()` if it defines one, else its symbol and non-default params."""
    if type(gate).label is not Gate.label:
        return gate.label()
    text = gate.symbol or gate.name
    if dataclasses.is_dataclass(gate):
        changed = [
            f"{f.name}={getattr(gate, f.name)!r}"
            for f in dataclasses.fields(gate)
            if f.default is dataclasses.MISSING or getattr(gate, f.name) != f.default
        ]
        if changed:
            text += f"({', '.join(changed)})"
    return text


def _wire_label(value: Any, grad: Any, digits: int) -> str | None:
    lines = []
    if value is not None:
        lines.append(f'<font color="{VALUE_COLOR}">{html.escape(short(value, digits))}</font>')
    if grad is not None:
        lines.append(f'<font color="{GRADIENT_COLOR}">{html.escape(short(grad, digits))}</font>')
    return f"<{'<br/>'.join(lines)}>" if lines else None


def _display_name(graph: Graph, name: str) -> str | None:
    """The name to show beside a gate: None for the names gateflow generates ("mul_3",
    "grad/f/_mul_1"); a gradient node "grad/f/x" as ∂f/∂x."""
    node = graph[name]
    prefix = node.gate.name if node.kind == "gate" else node.kind
    output = graph.nx.nodes[name].get("grad_of")
    if output is not None and name.startswith(f"grad/{output}/"):
        rest = name[len(output) + 6:]
        return None if rest.startswith("_") else f"∂{output}/∂{rest}"
    return None if re.fullmatch(rf"{re.escape(prefix)}_\d+", name) else name


def _add_node(dot: Any, graph: Graph, ident: str, name: str, digits: int) -> None:
    node = graph[name]
    backward = "grad_of" in graph.nx.nodes[name]
    if node.kind == "gate":
        text = gate_text(node.gate)
        inputs = ", ".join(n.name for n in node.inputs)
        attrs = {"shape": "circle"} if len(text) <= 4 else {"shape": "box", "style": "rounded"}
        shown = _display_name(graph, name)
        if shown and not (backward and graph.nx.out_degree(name) == 0):  # a sink's wire out names it
            attrs["xlabel"] = graphviz.nohtml(shown)
        if backward:
            attrs.update(color=GRADIENT_COLOR, fontcolor=GRADIENT_COLOR, style=",".join(filter(None, [attrs.get("style"), "filled"])), fillcolor="white")
        dot.node(ident, text, tooltip=f"{name} = {node.gate.name}({inputs})", **attrs)
    elif node.kind == "const":
        dot.node(ident, short(node.value, digits), shape="plaintext", fontcolor="gray35", tooltip=f"constant {name}")
    elif node.kind == "param":
        frozen = "" if graph.is_trainable(name) else " (frozen)"
        dot.node(ident, f"<<b>{html.escape(name)}</b>{frozen}>", shape="plaintext", tooltip=f"parameter {name}{frozen}")
    else:
        dot.node(ident, graphviz.nohtml(name), shape="plaintext", tooltip=f"input {name}")


def build_circuit(
    graph: Graph,
    run: Run | None = None,
    grads: Gradients | None = None,
    digits: int = 2,
    max_nodes: int = MAX_NODES,
) -> Circuit:
    """Draw `graph` (with `run`'s values and `grads`' gradients on the wires, if given).

    Only the `max_nodes` nodes nearest the outputs are drawn one by one; the others are
    collapsed into a single "... N more nodes" box so huge graphs still lay out quickly.
    """
    order = graph.topological_order()
    kept = order[-max_nodes:] if len(order) > max_nodes else order
    ids = {name: f"n{i}" for i, name in enumerate(kept)}
    dot = Circuit("gateflow", graph_attr={"rankdir": "LR", "nodesep": "0.3", "ranksep": "0.5"})
    dot.attr("node", fontname="Helvetica", fontsize="12", margin="0.05")
    dot.attr("edge", fontname="Helvetica", fontsize="10", arrowsize="0.6")
    circuits: dict[str, list[str]] = {}
    for name in kept:
        output = graph.nx.nodes[name].get("grad_of")
        if output is None:
            _add_node(dot, graph, ids[name], name, digits)
        else:
            circuits.setdefault(output, []).append(name)
    for number, (output, names) in enumerate(circuits.items()):
        with dot.subgraph(name=f"cluster_backward_{number}") as box:
            box.attr(label=f"backward circuit of {output}", fontcolor=GRADIENT_COLOR, color=GRADIENT_COLOR,
                     style="rounded,filled", fillcolor=BACKWARD_FILL, fontname="Helvetica", fontsize="11")
            for name in names:
                _add_node(box, graph, ids[name], name, digits)
    hidden = len(order) - len(kept)
    if hidden:
        dot.node("collapsed", f"... {hidden} more nodes", shape="box", style="rounded,dashed")
        fed = sorted({ids[t] for s, t in graph.nx.edges if s not in ids and t in ids}, key=lambda i: int(i[1:]))
        for target in fed:
            dot.edge("collapsed", target, style="dashed")
    wires = {(f.target, f.slot): f for f in flows(run, grads)} if run is not None else {}
    for name in kept:
        node = graph[name]
        if node.kind != "gate":
            continue
        for slot, source in enumerate(node.inputs):
            if source.name in ids:
                wire = wires.get((name, slot))
                label = _wire_label(wire.value, wire.grad, digits) if wire else None
                if slot in node.gate.shape_inputs:  # a wire that only lends its shape: left out
                    continue
                style = {"color": GRADIENT_COLOR} if "grad_of" in graph.nx.nodes[name] else {}
                dot.edge(ids[source.name], ids[name], label=label, **style)
    _add_outputs(dot, graph, ids, run, grads, digits)
    return dot


def _add_outputs(dot: Circuit, graph: Graph, ids: dict[str, str], run: Run | None, grads: Gradients | None, digits: int) -> None:
    """A labelled wire out of every sink gate (and the differentiated node), like the lecture's f."""
    output = grads.output if grads is not None else None
    for name, ident in ids.items():
        sink = graph.nx.out_degree(name) == 0
        if graph[name].kind != "gate" or not (sink or name == output):
            continue
        value = run[name] if run is not None and name in run else None
        grad = grads[name] if grads is not None and name in grads else None
        shown = _display_name(graph, name) if "grad_of" in graph.nx.nodes[name] else name
        dot.node(f"out_{ident}", graphviz.nohtml(shown or name), shape="plaintext", tooltip=f"output {name}")
        dot.edge(ident, f"out_{ident}", label=_wire_label(value, grad, digits))
