"""Mutated graph files, for the loader's fuzz test and its long campaign (tests/fuzz/).

`seeds()` gives valid documents that use every built-in gate and gate parameter, with
feeds that run them; `mutate(document, rng)` changes one at random (types, missing and
extra keys, names, cycles, values, parameters, sizes, and the JSON text itself) and returns
the file's bytes, `mutate_feeds` varies the feeds; `check(path, feeds)` loads a file,
saves and reloads and runs what loads, and says how it went ("ran", or which
`GateflowError` refused it); any other exception propagates.
"""

from __future__ import annotations

import copy
import json
import random
from typing import Any

import numpy as np

import gateflow as gf
from gateflow.files.graphfile import to_document
from gateflow.registry import registry


def _arithmetic():
    g = gf.Graph()
    x, y, z = g.input("x"), g.input("y"), g.input("z")
    f = (x + y) * z - x / (y * y + 1.0)
    h = gf.maximum(f, -z) + gf.minimum(x, 2.0) + 1 / (gf.abs(y) + 1.0)
    gf.exp(-gf.relu(h) ** 2) + gf.power(gf.abs(x) + 0.5, y) + gf.log(gf.sigmoid(z)) + gf.tanh(-h)
    return g, {"x": -2.0, "y": 5.0, "z": -4.0}


def _tensors():
    g = gf.Graph()
    x = g.input("x")
    w = g.param("w", np.arange(6.0).reshape(2, 3) / 10)
    b = g.param("b", [0.5, -0.5], trainable=False)
    h = gf.tanh(w @ x + b, name="h")
    t = gf.transpose(gf.reshape(h, (1, 2)), axes=(1, 0))
    scale = g.const(np.array([[2.0], [3.0]], dtype=np.float32), name="scale")
    gf.mean(gf.sum(t**3, axis=1, keepdims=True) * scale, axis=(0, 1)) + gf.mean(t.T, axis=-1).sum()
    return g, {"x": [1.0, -2.0, 0.5]}


def _losses():
    g = gf.Graph()
    s, y, t = g.input("scores"), g.input("labels"), g.input("targets")
    W = g.param("W", np.array([[0.2, -0.5], [0.1, 0.4], [-0.3, 0.3]]))
    z = s @ W
    data = gf.softmax_cross_entropy(z, y) + gf.multiclass_hinge(z, y, margin=0.5)
    data + gf.binary_cross_entropy(z, t) + gf.mse(z, t) + gf.l2(W, lam=1e-3, name="penalty")
    feeds = {"scores": [[1.0, 2.0, 0.5], [0.0, -1.0, 1.0]], "labels": [1.0, 0.0], "targets": [[1.0, 0.0], [0.5, 1.0]]}
    return g, feeds


def _gradients():
    """gf.grad's own gates (sum_to, masks, softmax, ...) and a wrapped numpy backward."""
    g = gf.Graph()
    s, y, v = g.input("scores"), g.input("labels"), g.input("v")
    W = g.param("W", np.array([[0.2, -0.5], [0.1, 0.4], [-0.3, 0.3]]))
    z = s @ W
    loss = gf.softmax_cross_entropy(z, y) + gf.multiclass_hinge(z, y) + gf.sum(gf.maximum(z, v) * gf.softmax(z))
    (dW,) = [gf.grad(loss, [W])[0]]
    product = g.gate("mul", v, v, name="product")
    g.gate(gf.NumpyBackwardGate(wrapped=gf.MultiplyGate(), index=0), v, product, v, v, name="wrapped")
    gf.sum(dW * dW)
    feeds = {"scores": [[1.0, 2.0, 0.5], [0.0, -1.0, 1.0]], "labels": [1.0, 0.0], "v": [0.5, -0.5]}
    return g, feeds


def seeds() -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """Valid documents covering every built-in gate, each with feeds that run it."""
    return [(to_document(g), feeds) for g, feeds in (_arithmetic(), _tensors(), _losses(), _gradients())]


# -- mutations -------------------------------------------------------------------------------

_SCALARS = [None, True, False, 0, 1, -1, 2, 64, 99, -65, 2**63, 10**30, 0.5, -0.0, 1e308,
            "", "x", "nan", "inf", "-inf", "os.system('x')", "float64", "sum", "\x00", "é"]
_KEYS = ["name", "kind", "gate", "inputs", "params", "value", "trainable", "dtype", "shape",
         "data", "format", "version", "nodes", "plugin", "package", "axis", "keepdims",
         "exponent", "margin", "lam", "axes", "__class__", "extra"]


def _any_value(rng: random.Random, depth: int = 0) -> Any:
    """A random JSON value: an interesting scalar, a list, an object, or something large."""
    pick = rng.random()
    if pick < 0.55 or depth > 2:
        return rng.choice(_SCALARS) if rng.random() < 0.8 else rng.uniform(-1e3, 1e3)
    if pick < 0.75:
        return [_any_value(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    if pick < 0.85:
        return {rng.choice(_KEYS): _any_value(rng, depth + 1) for _ in range(rng.randint(0, 3))}
    if pick < 0.92:
        return list(range(rng.choice([2, 65, 10_000])))
    return rng.choice([[[[[[[[[[0]]]]]]]]], [10**9] * 3, [0, 0], [-1, -1], [1] * 70])


def _containers(tree: Any) -> list[Any]:
    """Every dict and list inside `tree` (including itself)."""
    found, stack = [], [tree]
    while stack:
        item = stack.pop()
        if isinstance(item, (dict, list)):
            found.append(item)
            stack.extend(item.values() if isinstance(item, dict) else item)
    return found


def _replace_somewhere(doc, rng):
    target = rng.choice(_containers(doc))
    if isinstance(target, dict) and target:
        target[rng.choice(list(target))] = _any_value(rng)
    elif isinstance(target, list) and target:
        target[rng.randrange(len(target))] = _any_value(rng)


def _drop_key(doc, rng):
    dicts = [c for c in _containers(doc) if isinstance(c, dict) and c]
    target = rng.choice(dicts)
    del target[rng.choice(list(target))]


def _add_key(doc, rng):
    dicts = [c for c in _containers(doc) if isinstance(c, dict)]
    rng.choice(dicts)[rng.choice(_KEYS)] = _any_value(rng)


def _nodes(doc):
    nodes = doc.get("nodes") if isinstance(doc, dict) else None
    return nodes if isinstance(nodes, list) and nodes else None


def _names(nodes):
    return [n["name"] for n in nodes if isinstance(n, dict) and isinstance(n.get("name"), str)] or ["x"]


def _gates(nodes):
    return [n for n in nodes if isinstance(n, dict) and isinstance(n.get("inputs"), list)]


def _shuffle_nodes(doc, rng):
    nodes = _nodes(doc)
    if nodes:
        action = rng.randrange(4)
        if action == 0:
            nodes.append(copy.deepcopy(rng.choice(nodes)))  # a duplicate name
        elif action == 1:
            del nodes[rng.randrange(len(nodes))]  # a dangling input, usually
        elif action == 2:
            rng.shuffle(nodes)
        else:
            nodes.insert(rng.randrange(len(nodes) + 1), _any_value(rng))


def _rename(doc, rng):
    nodes = _nodes(doc)
    if nodes:
        node = rng.choice(nodes)
        if isinstance(node, dict):
            node["name"] = rng.choice(_names(nodes) + ["", "new", "a" * 1000, 7, None])


def _rewire(doc, rng):
    """Point a gate's input elsewhere: often downstream (a cycle) or at itself."""
    nodes = _nodes(doc)
    gates = _gates(nodes or [])
    if gates:
        gate = rng.choice(gates)
        choices = _names(nodes) + [gate.get("name"), "nowhere"]
        if gate["inputs"] and rng.random() < 0.8:
            gate["inputs"][rng.randrange(len(gate["inputs"]))] = rng.choice(choices)
        else:
            gate["inputs"].append(rng.choice(choices))


def _regate(doc, rng):
    gates = _gates(_nodes(doc) or [])
    if gates:
        rng.choice(gates)["gate"] = rng.choice(sorted(registry().gates) + ["cube", "", 3])


_PLAUSIBLE = {  # parameter values a gate accepts, which may still not fit the data
    "axis": [None, 0, 1, -1, 2, [0], [1, 0], [0, -1], [0, 1, 2]],
    "keepdims": [True, False],
    "exponent": [-2, -0.5, 0, 0.5, 1, 3, 1e3],
    "margin": [0, 0.5, 1e3],
    "lam": [0, 1e-3, 1e3],
    "shape": [[-1], [6], [3, 2], [1, -1], [2, 1, 1], [], [0], [2, 2]],
    "axes": [None, [0], [1, 0], [0, 1], [2, 0, 1]],
    "side": [0, 1, 2, -1],
    "index": [0, 1, 2, -1],
    "wrapped": [{"gate": "mul", "params": {}}, {"gate": "sum", "params": {"axis": 0}}, {"gate": "nope"}, "mul"],
}


def _reparam(doc, rng):
    gates = _gates(_nodes(doc) or [])
    with_params = [g for g in gates if isinstance(g.get("params"), dict) and g["params"]]
    if gates:
        gate = rng.choice(with_params if with_params and rng.random() < 0.8 else gates)
        params = gate.get("params") if isinstance(gate.get("params"), dict) else {}
        key = rng.choice(list(params) if params and rng.random() < 0.8 else list(_PLAUSIBLE))
        plausible = _PLAUSIBLE.get(key)
        params[key] = rng.choice(plausible) if plausible and rng.random() < 0.6 else _any_value(rng)
        gate["params"] = params


def _revalue(doc, rng):
    """Change an array: its dtype, its shape (consistent with the data or not), its data."""
    values = [n["value"] for n in _nodes(doc) or [] if isinstance(n, dict) and isinstance(n.get("value"), dict)]
    if not values:
        return
    value = rng.choice(values)
    action = rng.randrange(6)
    data = value.get("data")
    if action == 5 and isinstance(data, list):  # the same data in another (valid) shape
        value["shape"] = rng.choice([[len(data)], [1, len(data)], [len(data), 1], [1, 1, len(data)]])
    elif action == 0:
        value["dtype"] = rng.choice(["float16", "float32", "float64", "longdouble", "int64", "object", "<f8"])
    elif action == 1:
        value["shape"] = _any_value(rng)
    elif action == 2 and isinstance(value.get("data"), list) and value["data"]:
        data = value["data"]
        data[rng.randrange(len(data))] = rng.choice(_SCALARS + [1e-320, 10**400])
    elif action == 3:  # a big, consistent array
        n = rng.choice([0, 1, 1000, 100_000])
        value.update(shape=[n], data=[0.25] * n)
    else:  # a declared size far beyond the data
        value.update(shape=[10**6] * rng.randint(1, 4), data=[])


def _grow(doc, rng):
    """Append a long chain of gates (sizes: 100 or 10,000 more nodes) to an existing node."""
    nodes = _nodes(doc)
    if nodes:
        previous = rng.choice(_names(nodes))
        for i in range(rng.choice([100, 10_000])):
            name = f"grown_{i}"
            nodes.append({"name": name, "kind": "gate", "gate": rng.choice(["neg", "tanh", "abs"]), "inputs": [previous]})
            previous = name


_DOCUMENT_MUTATIONS = {  # mutation: weight (those that keep a file loadable more often weigh more)
    _replace_somewhere: 2, _drop_key: 1, _add_key: 1, _shuffle_nodes: 1, _rename: 1,
    _rewire: 2, _regate: 2, _reparam: 4, _revalue: 3, _grow: 0.2,
}


def _mutate_text(text: str, rng: random.Random) -> bytes:
    action = rng.randrange(6)
    at = rng.randrange(len(text) + 1)
    if action == 0:
        text = text[:at]  # truncated
    elif action == 1:
        text = text[:at] + rng.choice("[]{},:\"\\0eE-.") + text[at:]
    elif action == 2:
        n = rng.choice([10, 1000, 100_000])
        text = text[:at] + "[" * n + text[at:] + "]" * rng.choice([0, n])
    elif action == 3:
        text = text[:at] + "9" * rng.choice([400, 5000]) + text[at:]
    elif action == 4:
        return text.encode()[:at] + bytes([rng.randrange(128, 256)]) + text.encode()[at:]  # not UTF-8
    else:
        text = text.replace(": ", ": NaN, \"_\": ", 1) if rng.random() < 0.5 else text + text
    return text.encode("utf-8")


def mutate(document: dict[str, Any], rng: random.Random) -> bytes:
    """The bytes of a graph file made from `document` by one to four random mutations."""
    doc = copy.deepcopy(document)
    for mutation in rng.choices(list(_DOCUMENT_MUTATIONS), list(_DOCUMENT_MUTATIONS.values()), k=rng.choice([1, 1, 2, 3, 4])):
        mutation(doc, rng)
    text = json.dumps(doc)
    return _mutate_text(text, rng) if rng.random() < 0.15 else text.encode("utf-8")


def mutate_feeds(feeds: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """`feeds` with some values swapped for other numbers: other shapes, float32, non-finite, empty."""
    choices = [0.5, -0.0, np.nan, np.inf, 1e300, np.ones((2, 3)), np.ones(3, dtype=np.float32),
               np.zeros((0,)), np.zeros((2, 0)), [[1.0, 0.0]], np.array(7.0, dtype=np.float16)]
    return {k: rng.choice(choices) if rng.random() < 0.3 else v for k, v in feeds.items()}


# -- running what loads ----------------------------------------------------------------------


def check(path, feeds: dict[str, Any]) -> str:
    """Load `path` and, if it loads, save it and load it back (the same graph), run it
    forward (on `feeds` where they name its inputs, 0.5 elsewhere) and backward from its
    last gate. Returns "ran", or the name of
    the `GateflowError` that refused it, after asserting that the error says where: the
    file for a refused load, a node or gate of the graph for a refused run. Any other
    exception propagates."""
    try:
        graph = gf.load(path)
    except gf.GateflowError as exc:
        assert str(path) in str(exc), f"the error does not name the file: {exc}"
        return f"load refused: {type(exc).__name__}"
    _assert_same(graph, gf.load(gf.save(graph, path.with_suffix(".saved.json"))))
    try:
        inputs = [n.name for n in graph.nodes("input")]
        run = graph.forward({name: feeds.get(name, 0.5) for name in inputs})
        gates = graph.nodes("gate")
        if gates:
            run.backward(gates[-1])
    except gf.GateflowError as exc:
        names = {repr(n.name) for n in graph} | {repr(n.gate.name) for n in graph.nodes("gate")}
        assert any(name in str(exc) for name in names), f"the error names no node or gate: {exc}"
        return f"run refused: {type(exc).__name__}"
    return "ran"


def _assert_same(graph, twin) -> None:
    """`twin` (the graph saved and loaded again) has the same nodes, gates, wiring and values."""
    def describe(g):
        return [(n.name, n.kind, n.gate, [i.name for i in n.inputs], g.is_trainable(n)) for n in g]

    assert describe(twin) == describe(graph), "a saved graph loads back different"
    for node in graph.nodes("param") + graph.nodes("const"):
        ours, theirs = np.asarray(node.value), np.asarray(twin.value(node.name))
        assert ours.dtype == theirs.dtype, f"{node.name!r}: dtype {ours.dtype} loads back as {theirs.dtype}"
        np.testing.assert_array_equal(theirs, ours)
