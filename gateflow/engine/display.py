"""How a `Graph`, a `Run` and a `Gradients` show in Jupyter: as the annotated drawing.

The drawing is made at display time by whichever exporter the registry holds for ``.svg``
files (the graphviz plugin, unless a plugin replaces it), so the engine never imports the
drawing code. Without such an exporter Jupyter falls back to the text repr.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gateflow import registry as plugin_registry


def svg(graph: Any, run: Any = None, grads: Any = None) -> str | None:
    """`graph` drawn as SVG text with the values of `run` and the gradients of `grads`
    (None when no exporter writes .svg files)."""
    import tempfile

    entry = plugin_registry.registry().exporter_for_suffix(".svg")
    if entry is None:
        return None
    with tempfile.TemporaryDirectory(prefix="gateflow-") as folder:
        path = Path(folder) / "graph.svg"
        entry.export(graph, path, run=run, grads=grads)
        return path.read_text(encoding="utf-8")
