"""Graph files: a graph's structure, gates (by registered name, with their parameters),
parameter values, trainable flags and constants as a versioned JSON document.

Loading builds the graph through the gate registry and the ordinary `Graph` methods, so it
never unpickles or executes anything from the file. Every value is stored as
``{"dtype": "float64", "shape": [2], "data": [1.0, 2.0]}`` (NaN and infinities as the
strings "nan", "inf", "-inf"); gate parameters as JSON, tuples written as lists, a gate
as ``{"gate": name, "params": {...}}``. The nodes `gf.grad` added keep their ``grad_of``.

Whatever a file holds, loading either returns a graph or raises a `GateflowError`
(`FileFormatError` for anything malformed). Two limits guard the memory: the file's size
(`max_bytes`, 256 MiB) and each array's number of elements (`max_elements`, 2**24), both
checked before anything is allocated; raise them with keyword arguments of `load` or the
environment variables GATEFLOW_MAX_FILE_BYTES and GATEFLOW_MAX_ARRAY_ELEMENTS.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np

from gateflow import checks
from gateflow.checks import brief
from gateflow.errors import CycleError, FileFormatError, GateflowError, UnknownGateError
from gateflow.engine.graph import KINDS, Graph
from gateflow.gates.base import Gate
from gateflow.hookspecs import hookimpl
from gateflow.registry import registry

FORMAT = "gateflow.engine.graph"
VERSION = 1
_DTYPES = ("float16", "float32", "float64", "longdouble")
_SPECIAL = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}
MAX_BYTES, MAX_ELEMENTS = 256 * 2**20, 2**24  # defaults of the two limits
_MAX_DEPTH = 32  # nesting of lists and objects; a graph file written by `save` nests 5 deep


def save(graph: Graph, path: str | Path) -> Path:
    """Write `graph` to `path` as a graph file (JSON). Returns the path."""
    document = to_document(graph)
    nodes = ",\n  ".join(json.dumps(node, allow_nan=False) for node in document.pop("nodes"))
    head = json.dumps(document)[:-1]  # one node per line keeps big files readable
    path = Path(path)
    path.write_text(f'{head}, "nodes": [\n  {nodes}\n]}}\n', encoding="utf-8")
    return path


def load(path: str | Path, *, max_bytes: int | None = None, max_elements: int | None = None) -> Graph:
    """Read a graph file written by `save`; a malformed one raises `FileFormatError`.

    A file over `max_bytes` bytes, or declaring an array of more than `max_elements`
    elements, is refused before it is read or the array allocated (defaults: 256 MiB and
    2**24, or the environment variables GATEFLOW_MAX_FILE_BYTES and GATEFLOW_MAX_ARRAY_ELEMENTS).
    """
    path = Path(path)
    max_bytes = _limit(max_bytes, "max_bytes", "GATEFLOW_MAX_FILE_BYTES", MAX_BYTES)
    with path.open("rb") as file:
        raw = file.read(max_bytes + 1)
    if len(raw) > max_bytes:
        raise FileFormatError(
            f"{path} is larger than the limit of {max_bytes} bytes for a graph file. If it is "
            "a graph file you trust, raise the limit: gf.load(path, max_bytes=...) or the "
            "environment variable GATEFLOW_MAX_FILE_BYTES."
        )
    return from_document(_parse(raw, path), source=str(path), max_elements=max_elements)


def _parse(raw: bytes, path: Path) -> Any:
    try:
        return json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise FileFormatError(f"{path} is not a gateflow graph file: it is not UTF-8 text ({exc}).") from None
    except json.JSONDecodeError as exc:
        raise FileFormatError(
            f"{path} is not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno}); "
            "the file may be truncated or not a gateflow graph file."
        ) from None
    except RecursionError:
        raise FileFormatError(
            f"{path} is not a gateflow graph file: its JSON nests too deeply to read "
            f"(a graph file nests at most {_MAX_DEPTH} levels)."
        ) from None
    except (ValueError, MemoryError) as exc:  # e.g. an integer of more than 4,300 digits
        raise FileFormatError(f"{path} is not a gateflow graph file: {type(exc).__name__}: {exc}") from None


def _limit(value: int | None, keyword: str, variable: str, default: int) -> int:
    """A limit: the keyword argument if given, else the environment variable, else the default."""
    if value is not None:
        return checks.positive_int(value, f"gf.load's {keyword}")
    text = os.environ.get(variable)
    if text is None:
        return default
    try:
        number: Any = int(text)
    except ValueError:
        number = text
    return checks.positive_int(number, f"the environment variable {variable}")


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
    """A value as JSON; long doubles keep their dtype but are written at float64 precision."""
    array = np.asarray(value)
    dtype = "longdouble" if array.dtype.type is np.longdouble else array.dtype.name  # not "float128"
    data = [x if math.isfinite(x) else str(x) for x in map(float, array.ravel().tolist())]
    return {"dtype": dtype, "shape": list(array.shape), "data": data}


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


def from_document(document: Any, source: str = "the document", max_elements: int | None = None) -> Graph:
    """Build the graph a document describes, checking every field first.

    Arrays of more than `max_elements` elements (default: $GATEFLOW_MAX_ARRAY_ELEMENTS,
    else 2**24) are refused before they are allocated.
    """
    max_elements = _limit(max_elements, "max_elements", "GATEFLOW_MAX_ARRAY_ELEMENTS", MAX_ELEMENTS)
    _check_depth(document, source)
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
                graph.param(name, _decode_value(entry.get("value"), where, max_elements), trainable=trainable)
            elif kind == "const":
                graph.const(_decode_value(entry.get("value"), where, max_elements), name=name)
            else:
                _add_gate(graph, entry, where)
        except (FileFormatError, UnknownGateError):
            raise
        except GateflowError as exc:
            raise FileFormatError(f"{where} cannot be rebuilt: {exc}") from None
        if isinstance(entry.get("grad_of"), str):
            graph.nx.nodes[name]["grad_of"] = entry["grad_of"]
    return graph


def _check_depth(document: Any, source: str) -> None:
    """Refuse documents nested deeper than a graph file ever is (later steps may recurse)."""
    level, depth = [document], 0
    while level:
        depth += 1
        if depth > _MAX_DEPTH:
            raise FileFormatError(
                f"{source} is not a gateflow graph file: it nests lists or objects more than "
                f"{_MAX_DEPTH} levels deep."
            )
        level = [
            child
            for item in level if isinstance(item, (dict, list))
            for child in (item.values() if isinstance(item, dict) else item)
            if isinstance(child, (dict, list))
        ]


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
                f"{source}: node {name!r} has kind {brief(entry.get('kind'))}; expected one of {KINDS}."
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
                    f"{source}: gate node {entry['name']!r} reads {brief(unknown[0])}, which is not a node of the file."
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


def _decode_value(value: Any, where: str, max_elements: int) -> Any:
    if not isinstance(value, dict) or value.get("dtype") not in _DTYPES:
        raise FileFormatError(
            f"{where}: 'value' must be {{'dtype': one of {_DTYPES}, 'shape': [...], 'data': [...]}}."
        )
    shape, data = value.get("shape"), value.get("data")
    if not isinstance(shape, list) or len(shape) > checks.MAX_DIMS or not all(
        isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in shape
    ):
        raise FileFormatError(f"{where}: 'shape' must be a list of at most {checks.MAX_DIMS} non-negative integers.")
    size = math.prod(shape)
    if size > max_elements:
        raise FileFormatError(
            f"{where}: the value of shape {shape} has {size} elements, over the limit of "
            f"{max_elements} elements per array. If the file is one you trust, raise the limit: "
            "gf.load(path, max_elements=...) or the environment variable GATEFLOW_MAX_ARRAY_ELEMENTS."
        )
    if not isinstance(data, list) or len(data) != size:
        raise FileFormatError(f"{where}: 'data' must list {size} numbers for shape {shape}.")
    try:
        flat = [_SPECIAL[x] if isinstance(x, str) else float(x) for x in data]
        if any(isinstance(x, bool) for x in data):
            raise TypeError
    except (KeyError, TypeError):
        raise FileFormatError(f"{where}: 'data' must hold numbers (or 'nan', 'inf', '-inf').") from None
    except OverflowError:
        raise FileFormatError(f"{where}: 'data' holds an integer too large for a floating-point number.") from None
    array = np.array(flat, dtype=value["dtype"]).reshape(shape)
    return array[()] if array.ndim == 0 else array


def _decode_param(value: Any, where: str) -> Any:
    """A parameter from JSON: lists as tuples, ``{"gate": name, "params": {...}}`` as a gate."""
    if isinstance(value, dict) and isinstance(value.get("gate"), str) and isinstance(value.get("params"), dict):
        return _build_gate(value["gate"], value["params"], where)
    return tuple(_decode_param(v, where) for v in value) if isinstance(value, list) else value


def _build_gate(gate_name: str, params: dict[str, Any], where: str) -> Any:
    """The registered gate `gate_name` built with `params` (decoded first)."""
    if gate_name not in registry().gates:
        raise UnknownGateError(
            f"{where} has a parameter that names gate {brief(gate_name)}, which no installed plugin "
            "provides. `gateflow gates` lists the gates available now."
        )
    params = {k: _decode_param(v, where) for k, v in params.items()}
    try:
        return registry().gate_class(gate_name)(**params)
    except GateflowError:  # the gate's own check of a parameter, named by from_document
        raise
    except (TypeError, ValueError) as exc:
        raise FileFormatError(
            f"{where} cannot be rebuilt: gate {gate_name!r} does not take the params {brief(params)} ({exc})."
        ) from None


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
            f"{where} uses gate {brief(gate_name)}, which no installed plugin provides.{hint} "
            "`gateflow gates` lists the gates available now."
        )
    graph.add_gate(_build_gate(gate_name, params, where), entry["inputs"], entry["name"])


@hookimpl
def register_exporters(register):
    register("json", _export, suffixes=(".json",))


def _export(graph: Graph, path: Path, run: Any = None, grads: Any = None, **options: Any) -> None:
    """The exporter form of `save`: a graph file holds no run, so `run`, `grads` and the
    drawing `options` are not used."""
    save(graph, path)
