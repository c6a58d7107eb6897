"""The graphviz exporter plugin: `gateflow.render` to .svg, .png or .dot (.gv) files, and
`gateflow.to_dot` for a `graphviz.Digraph` (displayed as SVG in Jupyter).

The drawing code (and the graphviz package) loads on the first drawing, not with the plugin."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gateflow.hookspecs import hookimpl

SUFFIXES = (".svg", ".png", ".dot", ".gv")


def build(graph: Any, run: Any = None, grads: Any = None, **options: Any) -> Any:
    """The annotated circuit as a `graphviz.Digraph` (see `circuit.build_circuit`)."""
    from gateflow_graphviz.circuit import build_circuit

    return build_circuit(graph, run=run, grads=grads, **options)


def export(graph: Any, path: Path, run: Any = None, grads: Any = None, **options: Any) -> None:
    """Draw `graph` into `path`: DOT text for .dot/.gv, else rendered by Graphviz."""
    from gateflow_graphviz.renderer import pipe

    dot = build(graph, run=run, grads=grads, **options)
    fmt = path.suffix.lower().lstrip(".")
    if fmt in ("dot", "gv"):
        path.write_text(dot.source, encoding="utf-8")
    else:
        path.write_bytes(pipe(dot.source, fmt))


@hookimpl
def register_exporters(register):
    register("graphviz", export, suffixes=SUFFIXES, build=build)
