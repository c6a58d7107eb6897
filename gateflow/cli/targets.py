"""What the CLI commands work on: a graph, the values fed to it and the output to
differentiate, read from a graph file or from a Python script.

A script exposes ``build()``, which returns ``(graph, feeds, output)``: the `Graph`, a dict
of feeds (input name or handle -> value; may be empty) and the output node (or its name).
"""

from __future__ import annotations

import importlib.util
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gateflow.errors import FeedError, GateflowError
from gateflow.engine.grad import grad
from gateflow.engine.graph import Graph, Node
from gateflow.files.graphfile import load
from gateflow.engine.run import Gradients, Run

SCRIPT_CONVENTION = (
    "FILE is a graph file (.json, written by gateflow.save or `gateflow render ... -o "
    "graph.json`) or a Python script (.py) defining build(), which returns "
    "(graph, feeds, output): the Graph, a dict of input values and the output node."
)


@dataclass
class Target:
    """A graph with its feeds and the output node to differentiate (None: not known)."""

    graph: Graph
    feeds: dict[Any, Any] = field(default_factory=dict)
    output: str | None = None

    def missing_inputs(self) -> list[str]:
        """The inputs the output needs that no feed gives a value."""
        fed = {k if isinstance(k, str) else k.name for k in self.feeds}
        needed = self.graph.plan(self.output).inputs
        return [name for name in needed if name not in fed]

    def require_output(self) -> str:
        """The output, after checking it exists and every input it needs is fed."""
        if self.output is None:
            raise GateflowError("the graph has no gate to differentiate; choose a node with --node NAME.")
        missing = self.missing_inputs()
        if missing:
            raise FeedError(
                f"input(s) {', '.join(map(repr, missing))} need values: pass "
                f"--feed {missing[0]}=VALUE (VALUE is a JSON number or list)."
            )
        return self.output

    def add_backward(self) -> list[Node]:
        """Add gf.grad of the output with respect to every input and parameter it depends
        on (the backward circuit) to the graph, and return those gradient nodes."""
        if self.output is None:
            raise GateflowError("the graph has no gate to differentiate; choose a node with --node NAME.")
        leaves = [n for n in self.graph.plan(self.output).names if self.graph[n].kind in ("input", "param")]
        return grad(self.graph[self.output], leaves)

    def evaluate(self) -> tuple[Run, Gradients]:
        """Forward with the feeds, then backward from the output."""
        output = self.require_output()
        run = self.graph.forward(self.feeds, outputs=output)
        return run, run.backward(output)


def load_target(path: str | Path, feeds: dict[str, Any] | None = None, output: str | None = None) -> Target:
    """Read `path` (graph file or script); `feeds` and `output` override what it gives."""
    path = Path(path)
    if path.suffix == ".py":
        graph, script_feeds, script_output = _run_script(path)
    elif path.suffix == ".json":
        graph, script_feeds, script_output = load(path), {}, None
    else:
        raise GateflowError(f"cannot read {path}: {SCRIPT_CONVENTION}")
    target = Target(graph, {**script_feeds, **(feeds or {})}, output or script_output)
    if target.output is None:
        sinks = [n.name for n in graph.nodes("gate") if graph.nx.out_degree(n.name) == 0]
        if len(sinks) > 1:
            raise GateflowError(
                f"{path} has several outputs ({', '.join(sinks)}); choose one with --node NAME."
            )
        target.output = sinks[0] if sinks else None
    elif target.output not in graph:
        raise GateflowError(f"{path} has no node {target.output!r} to differentiate; check --node.")
    return target


def _run_script(path: Path) -> tuple[Graph, dict[Any, Any], str | None]:
    """Import the script as a module and call its build()."""
    if not path.is_file():
        raise FileNotFoundError(f"no such script: {path}")
    name = f"gateflow_script_{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    module = sys.modules[name] = importlib.util.module_from_spec(spec)
    folder = str(path.parent.resolve())
    sys.path.insert(0, folder)  # so the script can import its neighbours
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(folder)
    build = getattr(module, "build", None)
    if not callable(build):
        raise GateflowError(f"{path} defines no build() function. {SCRIPT_CONVENTION}")
    result = build()
    if not (isinstance(result, tuple) and len(result) == 3 and isinstance(result[0], Graph)):
        raise GateflowError(
            f"{path}: build() returned {type(result).__name__}, not (graph, feeds, output). "
            f"{SCRIPT_CONVENTION}"
        )
    graph, feeds, output = result
    if not isinstance(feeds, dict):
        raise GateflowError(f"{path}: build()'s feeds must be a dict, not {type(feeds).__name__}.")
    if output is not None and not isinstance(output, (Node, str)):
        raise GateflowError(f"{path}: build()'s output must be a node or a node name, not {output!r}.")
    return graph, feeds, output.name if isinstance(output, Node) else output


def parse_feeds(items: list[str]) -> dict[str, Any]:
    """``["x=2", "v=[1, 2]"]`` -> ``{"x": 2, "v": [1, 2]}`` (values are JSON)."""
    feeds = {}
    for item in items:
        name, sep, text = item.partition("=")
        try:
            if not sep or not name:
                raise ValueError
            feeds[name] = json.loads(text)
        except ValueError:
            raise GateflowError(
                f"--feed {item!r} is not NAME=VALUE with a JSON value, e.g. --feed x=-2 or --feed v=[1,2]."
            ) from None
    return feeds
