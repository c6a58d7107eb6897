"""A graph drawn the way backprop lectures draw circuits: inputs and parameters as plain
names, each gate as a small node with its symbol, and every wire labelled with the value
it carries (green) and, after a backward, the gradient flowing back along it (red).

Constants are drawn beside each gate they feed, as the lectures write them ("+1", "*-1"),
and every element has the stable id of `gateflow.files.export` (node, wire, output).

Nodes `gf.grad` added (those with a ``grad_of`` attribute) are the backward circuit: they
are drawn in a box of their own per differentiated output, in red, with the same value
labels on their wires, so a learner sees d f/d x computed by gates. Wires that only lend
their shape (the `like` of sum_to, see `Gate.shape_inputs`) are left out.
"""

from __future__ import annotations

import dataclasses
import html
import re
from collections import deque
from typing import Any

import graphviz

from gateflow.engine.graph import Graph
from gateflow.engine.run import Gradients, Run
from gateflow.files.export import COLLAPSED_ELEMENT_ID, node_element_id, output_element_id, wire_element_id
from gateflow.gates.base import Gate
from gateflow.learn.flows import flows
from gateflow.learn.table import format_short as short
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


def _add_node(dot: Any, graph: Graph, ident: str, name: str, element: str, named_at_output: bool) -> None:
    node = graph[name]
    if node.kind == "gate":
        text = gate_text(node.gate)
        inputs = ", ".join(n.name for n in node.inputs)
        attrs = {"shape": "circle"} if len(text) <= 4 else {"shape": "box", "style": "rounded"}
        shown = _display_name(graph, name)
        if shown and shown != text and not named_at_output:  # an output's wire out names it
            attrs["xlabel"] = graphviz.nohtml(shown)
        if "grad_of" in graph.nx.nodes[name]:
            style = ",".join(filter(None, [attrs.get("style"), "filled"]))
            attrs.update(color=GRADIENT_COLOR, fontcolor=GRADIENT_COLOR, style=style, fillcolor="white")
        dot.node(ident, text, id=element, tooltip=f"{name} = {node.gate.name}({inputs})", **attrs)
    elif node.kind == "param":
        frozen = "" if graph.is_trainable(name) else " (frozen)"
        dot.node(ident, f"<<b>{html.escape(name)}</b>{frozen}>", id=element, shape="plaintext", tooltip=f"parameter {name}{frozen}")
    else:
        dot.node(ident, graphviz.nohtml(name), id=element, shape="plaintext", tooltip=f"input {name}")


def _add_constant(dot: Circuit, graph: Graph, ident: str, name: str, digits: int) -> None:
    """One copy of constant `name` beside the gate it feeds: shared constants make long wires."""
    dot.node(ident, short(graph[name].value, digits), shape="plaintext", fontcolor="gray35", tooltip=f"constant {name}")


def nearest_outputs(graph: Graph, max_nodes: int) -> list[str]:
    """The `max_nodes` non-constant nodes fewest wires away from a sink, in topological order.

    Keeping a gate's own inputs and parameters beside it (rather than the tail of the
    topological order, which puts every leaf first) leaves few, short wires into the box
    that stands for the rest.
    """
    order = [n for n in graph.topological_order() if graph[n].kind != "const"]
    if len(order) <= max_nodes:
        return order
    position = {name: i for i, name in enumerate(order)}
    distance = {name: 0 for name in reversed(order) if graph.nx.out_degree(name) == 0}
    queue = deque(distance)
    while queue:
        name = queue.popleft()
        for source in graph.nx.predecessors(name):
            if source not in distance and source in position:
                distance[source] = distance[name] + 1
                queue.append(source)
    nearest = sorted(order, key=lambda n: (distance[n], -position[n]))[:max_nodes]
    return sorted(nearest, key=position.__getitem__)


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
    index = {name: i for i, name in enumerate(graph.topological_order())}
    kept = nearest_outputs(graph, max_nodes)
    ids = {name: f"n{index[name]}" for name in kept}
    dot = Circuit("gateflow", graph_attr={"rankdir": "LR", "nodesep": "0.3", "ranksep": "0.5"})
    dot.attr("node", fontname="Helvetica", fontsize="12", margin="0.05")
    dot.attr("edge", fontname="Helvetica", fontsize="10", arrowsize="0.6")
    outputs = _outputs(graph, kept, grads)
    circuits: dict[str, list[str]] = {}
    for name in kept:
        output = graph.nx.nodes[name].get("grad_of")
        if output is None:
            _add_node(dot, graph, ids[name], name, node_element_id(index[name]), name in outputs)
        else:
            circuits.setdefault(output, []).append(name)
    for number, (output, names) in enumerate(circuits.items()):
        with dot.subgraph(name=f"cluster_backward_{number}") as box:
            box.attr(label=f"backward circuit of {output}", fontcolor=GRADIENT_COLOR, color=GRADIENT_COLOR,
                     style="rounded,filled", fillcolor=BACKWARD_FILL, fontname="Helvetica", fontsize="11")
            for name in names:
                _add_node(box, graph, ids[name], name, node_element_id(index[name]), name in outputs)
    hidden = sum(1 for n in index if graph[n].kind != "const") - len(kept)
    if hidden:
        dot.node("collapsed", f"... {hidden} more nodes", id=COLLAPSED_ELEMENT_ID, shape="box", style="rounded,dashed")
        fed = {t for s, t in graph.nx.edges if t in ids and s not in ids and graph[s].kind != "const"}
        for target in sorted(fed, key=index.__getitem__):
            dot.edge("collapsed", ids[target], style="dashed")
    wires = {(f.target, f.slot): f for f in flows(run, grads)} if run is not None else {}
    for name in kept:
        node = graph[name]
        if node.kind != "gate":
            continue
        style = {"color": GRADIENT_COLOR} if "grad_of" in graph.nx.nodes[name] else {}
        for slot, source in enumerate(node.inputs):
            if slot in node.gate.shape_inputs:  # a wire that only lends its shape: left out
                continue
            if source.kind == "const":
                tail = f"c{index[name]}_{slot}"
                _add_constant(dot, graph, tail, source.name, digits)
            elif source.name in ids:
                tail = ids[source.name]
            else:
                continue
            wire = wires.get((name, slot))
            label = _wire_label(wire.value, wire.grad, digits) if wire else None
            dot.edge(tail, ids[name], label=label, id=wire_element_id(index[name], slot), **style)
    for name in outputs:
        _add_output(dot, graph, ids[name], name, index[name], run, grads, digits)
    return dot


def _outputs(graph: Graph, kept: list[str], grads: Gradients | None) -> list[str]:
    """The drawn gates with a wire of their own out of them: sinks and the differentiated node."""
    output = grads.output if grads is not None else None
    return [
        name for name in kept
        if graph[name].kind == "gate" and (graph.nx.out_degree(name) == 0 or name == output)
    ]


def _add_output(
    dot: Circuit, graph: Graph, ident: str, name: str, index: int, run: Run | None, grads: Gradients | None, digits: int
) -> None:
    """A wire out of `name` to its name (∂f/∂x for a gradient node), labelled like the lecture's f."""
    value = run[name] if run is not None and name in run else None
    grad = grads[name] if grads is not None and name in grads else None
    shown = (_display_name(graph, name) if "grad_of" in graph.nx.nodes[name] else None) or name
    dot.node(f"out_{ident}", graphviz.nohtml(shown), shape="plaintext", tooltip=f"output {name}")
    dot.edge(ident, f"out_{ident}", label=_wire_label(value, grad, digits), id=output_element_id(index))
