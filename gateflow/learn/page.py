"""The learner's page: one self-contained HTML file (the circuit inline as SVG, script and
style inline, nothing fetched) that steps through a run gate by gate, forward then
backward, with next / previous / play, a slider and the keyboard.

The steps come from `gateflow.learn.steps`; the drawing from the graphviz exporter, whose
SVG elements carry the ids of `gateflow.files.export`, which the page's script lights up.
"""

from __future__ import annotations

import html
import json
import os
import re
import tempfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from gateflow.engine.graph import Graph, Node
from gateflow.engine.run import Gradients
from gateflow.files.export import node_element_id, output_element_id, render, wire_element_id
from gateflow.learn.flows import flows
from gateflow.learn.steps import Step, Wire, output_wires, steps

LISTED = 100  # a wire's whole value and gradient are listed up to this many numbers


@dataclass(frozen=True)
class ExplainPage:
    """The page's HTML, where it was written (None: nowhere) and its number of steps.

    A notebook shows it inline, in an iframe (no widget library needed).
    """

    html: str
    path: Path | None
    steps: int

    def save(self, path: str | Path) -> Path:
        """Write the page to `path` whole, or not at all (an existing file stays until then)."""
        path = Path(path)
        temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            temporary.write_text(self.html, encoding="utf-8")
            os.replace(temporary, path)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
        return path

    def _repr_html_(self) -> str:
        return (
            f'<iframe srcdoc="{html.escape(self.html, quote=True)}" sandbox="allow-scripts" '
            'style="width: 100%; height: 760px; border: 1px solid #ddd"></iframe>'
        )


def explain_html(
    graph: Graph,
    feeds: dict[Any, Any],
    output: Node | str,
    path: str | Path | None = None,
    digits: int = 2,
    max_nodes: int = 500,
) -> ExplainPage:
    """The step-by-step page of `graph` run on `feeds` and differentiated from `output`.

    Written to `path` if given (only once everything is computed, so a bad graph, output or
    feed leaves no file behind). Above `max_nodes` nodes the drawing collapses the nodes
    farthest from the outputs into one box, as `gateflow.render` does; every step remains.
    """
    name = graph[output].name
    run = graph.forward(feeds, outputs=[name])
    grads = run.backward(name)
    page = build_page(grads, digits=digits, max_nodes=max_nodes)
    return page if path is None else ExplainPage(page.html, page.save(path), page.steps)


def build_page(grads: Gradients, digits: int = 2, max_nodes: int = 500) -> ExplainPage:
    """The page (not yet written anywhere) for the backward pass behind `grads`."""
    run, graph = grads.run, grads.run.graph
    index = {name: i for i, name in enumerate(graph.topological_order())}

    def element(wire: Wire) -> str:
        target, slot = wire
        return output_element_id(index[target]) if slot is None else wire_element_id(index[target], slot)

    def step_data(step: Step) -> dict[str, Any]:
        return {
            "k": step.kind, "t": step.text,
            "n": [node_element_id(index[n]) for n in step.nodes],
            "w": [element(w) for w in step.wires],
            "v": [element(w) for w in step.values],
            "g": [element(w) for w in step.grads],
        }

    per_wire = flows(run, grads)
    wires = {
        wire_element_id(index[f.target], f.slot): {
            "name": f"{f.source} → {f.target} (argument {f.slot + 1} of {len(graph[f.target].inputs)})",
            "value": whole(f.value), "grad": None if f.grad is None else whole(f.grad),
        }
        for f in per_wire
    }
    for name in output_wires(grads):
        wires[output_element_id(index[name])] = {
            "name": f"{name} (output)", "value": whole(run[name]),
            "grad": whole(grads[name]) if name in grads else None,
        }
    story = steps(grads, digits, per_wire)
    data = {"output": grads.output, "steps": [step_data(s) for s in story], "wires": wires}
    text = _TEMPLATE.format(
        title=html.escape(f"gateflow · backpropagation through {grads.output}"),
        style=_asset("page.css"),
        svg=_svg(graph, grads, digits, max_nodes),
        data=_script_json(data),
        script=_asset("page.js"),
    )
    return ExplainPage(text, None, len(story))


def whole(value: Any) -> str:
    """Every number of `value` when there are at most `LISTED`, else its shape and summary."""
    array = np.asarray(value, dtype=np.float64)
    if array.ndim == 0:
        return f"{float(array):.10g}"
    shape = "x".join(map(str, array.shape))
    if array.size <= LISTED:
        listed = np.array2string(array, precision=6, separator=", ", threshold=LISTED + 1, max_line_width=100)
        return f"({shape})\n{listed}"
    return (
        f"({shape}) {array.size} numbers, mean {array.mean():.6g}, min {array.min():.6g}, "
        f"max {array.max():.6g} (listed only up to {LISTED} numbers)"
    )


def _svg(graph: Graph, grads: Gradients, digits: int, max_nodes: int) -> str:
    """The annotated circuit, drawn by the graphviz exporter, ready to sit inside HTML."""
    with tempfile.TemporaryDirectory() as folder:
        path = render(graph, Path(folder) / "circuit.svg", run=grads.run, grads=grads,
                      exporter="graphviz", digits=digits, max_nodes=max_nodes)
        svg = path.read_text(encoding="utf-8")
    svg = svg[svg.index("<svg"):]  # no XML prolog or doctype inside HTML
    return re.sub(r"<!--.*?-->\n?|<title>[^<]*</title>\n?", "", svg, flags=re.S)  # DOT ids only


def _script_json(data: Any) -> str:
    """JSON that cannot end its <script> element early, whatever the node names hold."""
    text = json.dumps(data, ensure_ascii=False)
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


def _asset(name: str) -> str:
    return resources.files("gateflow.learn").joinpath(name).read_text(encoding="utf-8")


_TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="icon" href="data:,">
<style>
{style}</style>
</head>
<body>
<header>
<h1>{title}</h1>
<p class="legend"><span class="value">values</span> flow forward, <span class="grad">gradients</span> flow back.
Click a wire for its numbers. Keys: ← → step, space plays or pauses, Home / End.</p>
</header>
<nav id="controls" aria-label="steps">
<button id="prev" type="button">◀ previous</button>
<button id="play" type="button" aria-pressed="false">▶ play</button>
<button id="next" type="button">next ▶</button>
<input id="slider" type="range" min="0" max="0" value="0" aria-label="step">
<span id="counter"></span>
</nav>
<div id="step-text" role="status" aria-live="polite"></div>
<div id="figure">
{svg}</div>
<pre id="wire">Click a wire to see its whole value and gradient.</pre>
<script type="application/json" id="gf-data">{data}</script>
<script>
{script}</script>
</body>
</html>
"""
