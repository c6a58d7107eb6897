"""Compiling a graph: its forward and backward pass as one straight-line Python function.

    step = gf.compile([loss], wrt=[W, b])       # or graph.compile(outputs=[...], wrt=[...])
    values, grads = step(feeds)                 # values[loss], grads[W], by node or by name
    print(step.source)                          # the generated code, one line per gate

`rewrites` lays the graph out as a program and shrinks it, `expressions` holds each
gate's formula, `codegen` writes the source, `step` specialises and calls it.
"""

from __future__ import annotations

from typing import Any, Iterable

from gateflow.errors import GraphError
from gateflow.engine.compile.step import MAX_GATES, Step
from gateflow.engine.graph import Node

__all__ = ["MAX_GATES", "Step", "compile"]


def compile(outputs: Any, wrt: Iterable[Any] | None = None, **options: Any) -> Step:  # noqa: A001
    """Compile the graph of `outputs` (a node or a list of nodes): see `Step`.

    Options: ``seed=`` (the upstream gradient of a non-scalar first output, as in
    `run.backward`) and ``max_gates=`` (past it the step runs on the interpreter).
    """
    nodes = [outputs] if isinstance(outputs, (Node, str)) else list(outputs)
    graph = next((n.graph for n in nodes if isinstance(n, Node)), None)
    if graph is None:
        raise GraphError(
            f"gf.compile needs output nodes, not {outputs!r}; pass node handles, or call "
            "graph.compile(outputs=[...]) to name them."
        )
    return graph.compile(nodes, wrt or (), **options)
