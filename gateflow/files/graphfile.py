"""Graph files: a graph's structure, gates (by registered name, with their parameters),
parameter values, trainable flags and constants as a versioned JSON document.

Loading builds the graph through the gate registry and the ordinary `Graph` methods, so it
never unpickles or executes anything from the file. Every value is stored as
``{"dtype": "float64", "shape": [2], "data": [1.0, 2.0]}`` (NaN and infinities as the
strings "nan", "inf", "-inf"); gate parameters as JSON, tuples written as lists, a gate
as ``{"gate": name, "params": {...}}``. The nodes `gf.grad` added keep their ``grad_of``.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np

from gateflow.errors import CycleError, FileFormatError, GateflowError, UnknownGateError
from gateflow.engine.graph import KINDS, Graph
from gateflow.gates.base import Gate
from gateflow.hookspecs import hookimpl
from gateflow.registry import registry

FORMAT = "gateflow.engine.graph"
VERSION = 1
_DTYPES = ("float16", "float32", "float64", "longdouble")
_SPECIAL = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}


def save(graph: Graph, path: str | Path) -> Path:
    """Write `graph` to `path` as a graph file (JSON). Returns the path."""
    document = to_document(graph)
    nodes = ",\n  ".join(json.dumps(node, allow_nan=False) for node in document.pop("nodes"))
    head = json.dumps(document)[:-1]  # one node per line keeps big files readable
    path = Path(path)
    path.write_text(f'{head}, "nodes": [\n  {nodes}\n]}}\n', encoding="utf-8")
    return path


def load(path: str | Path) -> Graph:
    """Read a graph file written by `save`; a malformed one raises `FileFormatError`."""
    path = Path(path)
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise FileFormatError(f"{path} is not a gateflow graph file: it is not UTF-8 text ({exc}).") from None
    except json.JSONDecodeError as exc:
        raise FileFormatError(
            f"{path} is not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno}); "
            "the file may be truncated or not a gateflow graph file."
        ) from None
    return from_document(document, source=str(path))


# -- writing ---------------------------------------------------------------------------------


def to_document(graph: Graph) -> dict[str, Any]:
    """The JSON-ready document describing `graph`."""
    gates = registry().gates
    packages: dict[str, str | None] = {}
    nodes = []
    for node in graph.nodes():
        entry: dict[str, Any] = {"name": node.name, "kind": node.kind}
        if node.kind == "param":
            entry["value"] = _encode_value(node.value)
            entry["trainable"] = graph.is_trainable(node)
        elif node.kind == "const":
            entry["value"] = _encode_value(node.value)
        elif node.kind == "gate":
            gate = node.gate
            registered = gates.get(gate.name)
            if registered is None or registered.gate_class is not type(gate):
                raise UnknownGateError(
                    f"node {node.name!r} uses {type(gate).__name__} (gate name {gate.name!r}), "
                    "which no plugin registers, so a graph file could not name it. Register "
                    "the class through a plugin's register_gates hook first."
                )
            entry["gate"] = gate.name
            entry["plugin"] = registered.plugin
            if registered.plugin not in packages:
                packages[registered.plugin] = registry().distribution(registered.plugin)
            package = packages[registered.plugin]
            if package:
                entry["package"] = package
            entry["params"] = {k: _encode_param(v, node.name, k) for k, v in gate.params().items()}
            entry["inputs"] = [n.name for n in node.inputs]
        grad_of = graph.nx.nodes[node.name].get("grad_of")
        if grad_of is not None:
            entry["grad_of"] = grad_of
        nodes.append(entry)
    return {"format": FORMAT, "version": VERSION, "nodes": nodes}


def _encode_value(value: Any) -> dict[str, Any]:
    array = np.asarray(value)
    data = [x if math.isfinite(x) else str(x) for x in array.ravel().tolist()]
    return {"dtype": array.dtype.name, "shape": list(array.shape), "data": data}


def _encode_param(value: Any, node: str, key: str) -> Any:
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, (tuple, list)):
        return [_encode_param(v, node, key) for v in value]
    if isinstance(value, Gate):
        return {"gate": value.name, "params": {k: _encode_param(v, node, key) for k, v in value.params().items()}}
    if value is None or isinstance(value, (bool, int, str)) or (isinstance(value, float) and math.isfinite(value)):
        return value
    raise FileFormatError(
        f"gate parameter {key}={value!r} of node {node!r} cannot be stored in a graph file "
        "(finite numbers, strings, booleans, None and tuples of them only)."
    )


# -- reading ---------------------------------------------------------------------------------


def from_document(document: Any, source: str = "the document") -> Graph:
    """Build the graph a document describes, checking every field first."""
    nodes = _checked_nodes(document, source)
    order = _build_order(nodes, source)
    graph = Graph()
    for index in order:
        entry = nodes[index]
        name, kind = entry["name"], entry["kind"]
        where = f"{source}: node {name!r}"
        try:
            if kind == "input":
                graph.input(name)
            elif kind == "param":
                trainable = entry.get("trainable", True)
                if not isinstance(trainable, bool):
                    raise FileFormatError(f"{where}: 'trainable' must be true or false.")
                graph.param(name, _decode_value(entry.get("value"), where), trainable=trainable)
            elif kind == "const":
                graph.const(_decode_value(entry.get("value"), where), name=name)
            else:
                _add_gate(graph, entry, where)
        except (FileFormatError, UnknownGateError):
            raise
        except GateflowError as exc:
            raise FileFormatError(f"{where} cannot be rebuilt: {exc}") from None
        if isinstance(entry.get("grad_of"), str):
            graph.nx.nodes[name]["grad_of"] = entry["grad_of"]
    return graph


def _checked_nodes(document: Any, source: str) -> list[dict[str, Any]]:
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise FileFormatError(f"{source} is not a gateflow graph file (its 'format' is not {FORMAT!r}).")
    version = document.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise FileFormatError(f"{source} has no valid 'version' (a positive integer).")
    if version > VERSION:
        raise FileFormatError(
            f"{source} is a version {version} graph file; this gateflow reads up to version "
            f"{VERSION}. Upgrade gateflow to load it."
        )
    nodes = document.get("nodes")
    if not isinstance(nodes, list):
        raise FileFormatError(f"{source} has no 'nodes' list.")
    seen: set[str] = set()
    for position, entry in enumerate(nodes):
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str) or not entry["name"]:
            raise FileFormatError(f"{source}: entry {position} of 'nodes' needs a non-empty string 'name'.")
        name = entry["name"]
        if entry.get("kind") not in KINDS:
            raise FileFormatError(
                f"{source}: node {name!r} has kind {entry.get('kind')!r}; expected one of {KINDS}."
            )
        if name in seen:
            raise FileFormatError(f"{source}: the name {name!r} is used by two nodes.")
        seen.add(name)
    for entry in nodes:
        if entry["kind"] == "gate":
            inputs = entry.get("inputs")
            if not isinstance(entry.get("gate"), str) or not isinstance(inputs, list):
                raise FileFormatError(
                    f"{source}: gate node {entry['name']!r} needs a 'gate' name and an 'inputs' list."
                )
            unknown = [i for i in inputs if not isinstance(i, str) or i not in seen]
            if unknown:
                raise FileFormatError(
                    f"{source}: gate node {entry['name']!r} reads {unknown[0]!r}, which is not a node of the file."
                )
    return nodes


def _build_order(nodes: list[dict[str, Any]], source: str) -> list[int]:
    """Node positions in dependency order (file order where it allows), refusing cycles."""
    position = {entry["name"]: i for i, entry in enumerate(nodes)}
    deps = nx.DiGraph()
    deps.add_nodes_from(range(len(nodes)))
    deps.add_edges_from(
        (position[i], position[e["name"]]) for e in nodes if e["kind"] == "gate" for i in e["inputs"]
    )
    try:
        return list(nx.lexicographical_topological_sort(deps))
    except nx.NetworkXUnfeasible:
        cycle = [nodes[u]["name"] for u, _ in nx.find_cycle(deps)]
        raise CycleError(
            f"{source} describes a cycle: {' -> '.join(cycle + cycle[:1])}; a graph must be "
            "acyclic. The file is corrupt or was edited by hand.",
            cycle,
        ) from None


def _decode_value(value: Any, where: str) -> Any:
    if not isinstance(value, dict) or value.get("dtype") not in _DTYPES:
        raise FileFormatError(
            f"{where}: 'value' must be {{'dtype': one of {_DTYPES}, 'shape': [...], 'data': [...]}}."
        )
    shape, data = value.get("shape"), value.get("data")
    if not isinstance(shape, list) or not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in shape):
        raise FileFormatError(f"{where}: 'shape' must be a list of non-negative integers.")
    if not isinstance(data, list) or len(data) != math.prod(shape):
        raise FileFormatError(f"{where}: 'data' must list {math.prod(shape)} numbers for shape {shape}.")
    try:
        flat = [_SPECIAL[x] if isinstance(x, str) else x for x in data]
        if any(isinstance(x, bool) or not isinstance(x, (int, float)) for x in flat):
            raise TypeError
    except (KeyError, TypeError):
        raise FileFormatError(f"{where}: 'data' must hold numbers (or 'nan', 'inf', '-inf').") from None
    array = np.array(flat, dtype=value["dtype"]).reshape(shape)
    return array[()] if array.ndim == 0 else array


def _decode_param(value: Any) -> Any:
    if isinstance(value, dict) and isinstance(value.get("gate"), str) and isinstance(value.get("params"), dict):
        params = {k: _decode_param(v) for k, v in value["params"].items()}
        try:
            return registry().gate_class(value["gate"])(**params)
        except TypeError as exc:
            raise FileFormatError(f"cannot rebuild gate {value['gate']!r} with {params}: {exc}") from None
    return tuple(_decode_param(v) for v in value) if isinstance(value, list) else value


def _add_gate(graph: Graph, entry: dict[str, Any], where: str) -> None:
    params = entry.get("params", {})
    if not isinstance(params, dict):
        raise FileFormatError(f"{where}: 'params' must be an object.")
    gate_name = entry["gate"]
    if gate_name not in registry().gates:
        plugin, package = entry.get("plugin"), entry.get("package")
        hint = (
            f" The file says it came from plugin {plugin!r}"
            + (f" (package {package!r}: `pip install {package}`)" if package else "")
            + "; install that plugin."
            if plugin
            else " The file does not record which plugin provides it."
        )
        raise UnknownGateError(
            f"{where} uses gate {gate_name!r}, which no installed plugin provides.{hint} "
            "`gateflow gates` lists the gates available now."
        )
    graph.gate(gate_name, *entry["inputs"], name=entry["name"], **{k: _decode_param(v) for k, v in params.items()})


@hookimpl
def register_exporters(register):
    register("json", _export, suffixes=(".json",))


def _export(graph: Graph, path: Path, run: Any = None, grads: Any = None, **options: Any) -> None:
    """The exporter form of `save`: a graph file holds no run, so `run`, `grads` and the
    drawing `options` are not used."""
    save(graph, path)
