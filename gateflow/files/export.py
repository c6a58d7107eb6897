"""Drawing and writing graphs through the exporter registry: `render` and `to_dot`.

The exporters themselves are plugins (the graphviz one lives in ``plugins/``, the JSON
graph file in `gateflow.files.graphfile`); this module only picks one and calls it.

A drawn SVG names its elements with the ids below, so pages and stylesheets can find a
node or a wire: `index` is the node's position in ``graph.topological_order()``, and a
wire's label holds the value line, then (after a backward) the gradient line.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from gateflow.errors import PluginError
from gateflow.registry import ExporterEntry, registry

if TYPE_CHECKING:
    import graphviz

    from gateflow.engine.graph import Graph
    from gateflow.engine.run import Gradients, Run


COLLAPSED_ELEMENT_ID = "gf-collapsed"


def node_element_id(index: int) -> str:
    """The SVG id of the node at `index`."""
    return f"gf-node-{index}"


def wire_element_id(target: int, slot: int) -> str:
    """The SVG id of the wire into argument `slot` of the gate node at index `target`."""
    return f"gf-wire-{target}-{slot}"


def output_element_id(index: int) -> str:
    """The SVG id of the wire out of the output (or sink) node at `index`."""
    return f"gf-out-{index}"


def _exporter(path: Path, exporter: str | None) -> ExporterEntry:
    exporters = registry().exporters
    if exporter is not None:
        if exporter not in exporters:
            raise PluginError(
                f"no exporter is named {exporter!r}; registered: {', '.join(sorted(exporters)) or 'none'}."
            )
        return exporters[exporter]
    entry = registry().exporter_for_suffix(path.suffix)
    if entry is None:
        known = sorted(s for e in exporters.values() for s in e.suffixes)
        raise PluginError(
            f"no exporter writes {path.suffix or 'suffix-less'} files ({path}); use one of "
            f"{', '.join(known) or 'none (is GATEFLOW_LOAD_PLUGINS excluding them?)'}, or "
            "pass exporter=NAME."
        )
    return entry


def render(
    graph: Graph,
    path: str | Path,
    run: Run | None = None,
    grads: Gradients | None = None,
    exporter: str | None = None,
    **options: Any,
) -> Path:
    """Write `graph` to `path`, drawn with the values of `run` and the gradients of `grads`.

    The path's suffix picks the exporter: ``.svg``/``.png`` draw the annotated circuit,
    ``.dot``/``.gv`` write its Graphviz text, ``.json`` a graph file. Returns the path.
    """
    path = Path(path)
    if grads is not None and run is None:
        run = grads.run
    _exporter(path, exporter).export(graph, path, run=run, grads=grads, **options)
    return path


def to_dot(
    graph: Graph, run: Run | None = None, grads: Gradients | None = None, **options: Any
) -> graphviz.Digraph:
    """The annotated circuit as a `graphviz.Digraph` (shown as SVG in Jupyter)."""
    entry = registry().exporters.get("graphviz")
    if entry is None or entry.build is None:
        raise PluginError(
            "the 'graphviz' exporter is not loaded: it ships with gateflow as the 'graphviz' "
            "plugin; check that GATEFLOW_LOAD_PLUGINS (if set) lists it."
        )
    if grads is not None and run is None:
        run = grads.run
    return entry.build(graph, run=run, grads=grads, **options)
