"""Graph files: save/load round trips, missing plugins, malformed files and cycles."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from plugin_support import CUBE_SOURCE, install_plugin

import gateflow as gf
from gateflow.errors import CycleError, FileFormatError, UnknownGateError
from gateflow.cli.targets import load_target
from example_scripts import WORKED_EXAMPLES

EXAMPLES = WORKED_EXAMPLES


def assert_same_results(original, loaded, feeds, output):
    output = getattr(output, "name", output)
    assert [(n.name, n.kind) for n in original] == [(n.name, n.kind) for n in loaded]
    for node in original:
        twin = loaded[node.name]
        if node.kind == "gate":
            assert twin.gate == node.gate and [i.name for i in twin.inputs] == [i.name for i in node.inputs]
        if node.kind == "param":
            assert loaded.is_trainable(twin) == original.is_trainable(node)
    run_a, run_b = original.forward(feeds), loaded.forward(feeds)
    grads_a, grads_b = run_a.backward(output), run_b.backward(output)
    for name, value in run_a.items():
        np.testing.assert_array_equal(run_b[name], value)
        np.testing.assert_array_equal(grads_b[name], grads_a[name])


@pytest.mark.parametrize("script", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_every_worked_example_round_trips(script, tmp_path):
    target = load_target(script)
    path = gf.save(target.graph, tmp_path / "graph.json")
    assert_same_results(target.graph, gf.load(path), target.feeds, target.output)


def tensor_graph():
    g = gf.Graph()
    x = g.input("x")
    w = g.param("w", np.arange(6.0).reshape(2, 3) / 10)
    b = g.param("b", [0.5, -0.5], trainable=False)
    h = gf.tanh(w @ x + b, name="h")
    t = gf.transpose(gf.reshape(h, (1, 2)), axes=(1, 0))
    y = gf.mean(gf.sum(t ** 3, axis=1, keepdims=True) * g.const(np.array([[2.0], [3.0]]), name="scale"))
    return g, {"x": [1.0, -2.0, 0.5]}, y


def test_gate_parameters_arrays_constants_and_frozen_flags_round_trip(tmp_path):
    g, feeds, y = tensor_graph()
    loaded = gf.load(gf.save(g, tmp_path / "t.json"))
    assert_same_results(g, loaded, feeds, y)
    for name in ("sum_1", "transpose_1", "reshape_1", "mean_1"):
        assert loaded[name].gate.params() == g[name].gate.params()
    assert loaded["sum_1"].gate.keepdims is True
    assert loaded["transpose_1"].gate.params() == {"axes": (1, 0)}
    assert loaded["power_1"].gate.params() == {"exponent": 3.0}
    assert not loaded.is_trainable("b") and loaded.is_trainable("w")
    np.testing.assert_array_equal(loaded.value("scale"), [[2.0], [3.0]])


def test_the_file_is_versioned_json_one_node_per_line(tmp_path):
    g, _, _ = tensor_graph()
    path = gf.save(g, tmp_path / "t.json")
    document = json.loads(path.read_text())
    assert document["format"] == "gateflow.engine.graph" and document["version"] == 1
    assert len(path.read_text().splitlines()) == len(g) + 2
    w = next(n for n in document["nodes"] if n["name"] == "w")
    assert w == {"name": "w", "kind": "param", "value": {"dtype": "float64", "shape": [2, 3],
                 "data": [0.0, 0.1, 0.2, 0.3, 0.4, 0.5]}, "trainable": True}
    mul = next(n for n in document["nodes"] if n["kind"] == "gate")
    assert mul["plugin"] == "gateflow.gates"


def test_non_finite_and_float32_values_round_trip(tmp_path):
    g = gf.Graph()
    g.param("p", np.array([np.nan, np.inf, -np.inf, 1.5], dtype=np.float32))
    loaded = gf.load(gf.save(g, tmp_path / "p.json"))
    value = loaded.value("p")
    assert value.dtype == np.float32
    np.testing.assert_array_equal(value, np.array([np.nan, np.inf, -np.inf, 1.5], dtype=np.float32))


def test_every_dtype_a_file_may_hold_round_trips(tmp_path):
    """Found while fuzzing: a long-double value (which a file may declare) could be loaded
    but not saved again (numpy calls its dtype float128, and json cannot write it)."""
    g = gf.Graph()
    for dtype in ("float16", "float32", "float64", "longdouble"):
        g.param(dtype, np.array([1.5, -np.inf, np.nan], dtype=dtype))
    loaded = gf.load(gf.save(g, tmp_path / "dtypes.json"))
    for dtype in ("float16", "float32", "float64", "longdouble"):
        assert loaded.value(dtype).dtype == np.dtype(dtype)
        np.testing.assert_array_equal(loaded.value(dtype), g.value(dtype))


def test_the_json_exporter_saves_through_render(tmp_path):
    g, feeds, y = tensor_graph()
    path = gf.render(g, tmp_path / "r.json")
    assert_same_results(g, gf.load(path), feeds, y)


# -- gates from plugins -------------------------------------------------------------------------


def test_a_plugin_gate_records_its_plugin_and_a_missing_one_is_named(fresh_registry, monkeypatch, tmp_path):
    install_plugin(monkeypatch, tmp_path, "gateflow_cube", CUBE_SOURCE, entry="cube", package="gateflow-cube")
    fresh_registry.reload()
    g = gf.Graph()
    c = g.gate("cube", g.input("x"), name="c")
    path = gf.save(g, tmp_path / "cube.json")
    entry = json.loads(path.read_text())["nodes"][1]
    assert (entry["gate"], entry["plugin"], entry["package"]) == ("cube", "cube", "gateflow-cube")
    assert gf.load(path).forward({"x": 2.0})["c"] == 8.0 == g.forward({"x": 2.0})[c]

    monkeypatch.setenv("GATEFLOW_LOAD_PLUGINS", "")
    fresh_registry.reload()
    with pytest.raises(UnknownGateError) as info:
        gf.load(path)
    message = str(info.value)
    assert "'cube'" in message and "plugin 'cube'" in message and "pip install gateflow-cube" in message


def test_an_unregistered_gate_class_cannot_be_saved(tmp_path):
    class Twice(gf.Gate):
        name, arity = "twice", 1

        def forward(self, x):
            return 2 * x

        def backward(self, grad, out, x):
            return (2 * grad,)

    g = gf.Graph()
    g.gate(Twice(), g.input("x"), name="t")
    with pytest.raises(UnknownGateError, match="'t' uses Twice.*register_gates"):
        gf.save(g, tmp_path / "t.json")
    assert not (tmp_path / "t.json").exists()


# -- malformed files ---------------------------------------------------------------------------


def good_document():
    return {"format": "gateflow.engine.graph", "version": 1, "nodes": [
        {"name": "x", "kind": "input"},
        {"name": "w", "kind": "param", "value": {"dtype": "float64", "shape": [], "data": [2.0]}},
        {"name": "f", "kind": "gate", "gate": "mul", "params": {}, "inputs": ["x", "w"]},
    ]}


def write(tmp_path, document) -> Path:
    path = tmp_path / "g.json"
    path.write_text(document if isinstance(document, str) else json.dumps(document))
    return path


def test_the_good_document_loads(tmp_path):
    assert gf.load(write(tmp_path, good_document())).forward({"x": 3.0})["f"] == 6.0


def edited(change):
    document = good_document()
    change(document)
    return document


MALFORMED = {
    "truncated": (json.dumps(good_document())[:60], "not valid JSON.*truncated"),
    "not json": ("hello", "not valid JSON"),
    "a list": ([1, 2], "not a gateflow graph file"),
    "other format": (edited(lambda d: d.update(format="other")), "not a gateflow graph file"),
    "newer version": (edited(lambda d: d.update(version=99)), "version 99.*Upgrade gateflow"),
    "no version": (edited(lambda d: d.pop("version")), "'version'"),
    "no nodes": (edited(lambda d: d.pop("nodes")), "'nodes' list"),
    "nameless node": (edited(lambda d: d["nodes"][0].pop("name")), "entry 0 .*'name'"),
    "bad kind": (edited(lambda d: d["nodes"][0].update(kind="wire")), "'x' has kind 'wire'"),
    "duplicate": (edited(lambda d: d["nodes"].append({"name": "x", "kind": "input"})), "'x' is used by two"),
    "dangling input": (edited(lambda d: d["nodes"][2].update(inputs=["x", "nowhere"])), "reads 'nowhere'"),
    "no gate name": (edited(lambda d: d["nodes"][2].pop("gate")), "needs a 'gate' name"),
    "bad value": (edited(lambda d: d["nodes"][1].update(value=2.0)), "node 'w': 'value' must be"),
    "short data": (edited(lambda d: d["nodes"][1]["value"].update(shape=[2])), "'data' must list 2 numbers"),
    "text data": (edited(lambda d: d["nodes"][1]["value"].update(data=["two"])), "must hold numbers"),
    "bad dtype": (edited(lambda d: d["nodes"][1]["value"].update(dtype="object")), "'value' must be"),
    "bad trainable": (edited(lambda d: d["nodes"][1].update(trainable="yes")), "'trainable'"),
    "bad params": (edited(lambda d: d["nodes"][2].update(params=[1])), "'params' must be an object"),
    "unknown param": (edited(lambda d: d["nodes"][2].update(params={"speed": 1})), "node 'f' cannot be rebuilt"),
    "wrong arity": (edited(lambda d: d["nodes"][2].update(inputs=["x"])), "node 'f' cannot be rebuilt.*takes 2"),
    "a param called name": (edited(lambda d: d["nodes"][2].update(params={"name": "g"})), "node 'f' cannot be rebuilt"),
    "huge integer": (edited(lambda d: d["nodes"][1]["value"].update(data=[10**400])), "node 'w'.*too large"),
    "too many dims": (edited(lambda d: d["nodes"][1]["value"].update(shape=[1] * 65)), "node 'w'.*at most [0-9]+ non-negative"),
    "deep params": (edited(lambda d: d["nodes"][2].update(params={"a": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]})),
                    "more than 32 levels deep"),
    "many digits": ('{"format": "gateflow.engine.graph", "version": 1' + "0" * 5000 + "}", "not a gateflow graph file"),
}


def sum_document(**params):
    document = good_document()
    document["nodes"][2] = {"name": "s", "kind": "gate", "gate": "sum", "params": params, "inputs": ["x"]}
    return document


BAD_PARAMETERS = {
    "axis string": ({"axis": "os.system('x')"}, "axis"),
    "axis 99": ({"axis": 99}, "axis"),
    "axis list of 10,000": ({"axis": list(range(10_000))}, "axis"),
    "axis float": ({"axis": 1.5}, "axis"),
    "axis object": ({"axis": {"x": 1}}, "axis"),
    "keepdims number": ({"keepdims": 1}, "keepdims"),
}


@pytest.mark.parametrize("case", BAD_PARAMETERS, ids=list(BAD_PARAMETERS))
def test_a_bad_gate_parameter_is_refused_at_load_naming_the_node(case, tmp_path):
    params, parameter = BAD_PARAMETERS[case]
    with pytest.raises(FileFormatError, match=f"node 's' cannot be rebuilt: gate 'sum' .*parameter '{parameter}'"):
        gf.load(write(tmp_path, sum_document(**params)))


def test_other_gates_parameters_are_checked_at_load_too(tmp_path):
    for gate, params in [("power", {"exponent": "2"}), ("reshape", {"shape": [-1, -1]}),
                         ("transpose", {"axes": [0, 5]}), ("l2", {"lam": -1}), ("mean", {"axis": [0, 0]})]:
        document = sum_document()
        document["nodes"][2].update(gate=gate, params=params)
        with pytest.raises(FileFormatError, match=f"node 's' cannot be rebuilt: gate '{gate}' .*parameter"):
            gf.load(write(tmp_path, document))


@pytest.mark.parametrize("text", ["[" * 100_000, '{"a":' * 100_000, '[{"a": ' * 50_000, '{"format": ' + "[" * 100_000 + "]" * 100_000 + "}"])
def test_json_nested_however_deep_is_a_file_format_error(text, tmp_path):
    with pytest.raises(FileFormatError, match="nests"):
        gf.load(write(tmp_path, text))


def big_document(shape):
    document = good_document()
    document["nodes"][1]["value"] = {"dtype": "float64", "shape": shape, "data": []}
    return document


def test_a_declared_array_over_the_limit_is_refused_before_it_is_read(tmp_path):
    path = write(tmp_path, big_document([10**6, 10**6, 10**6]))
    with pytest.raises(FileFormatError, match=r"node 'w'.*10{18} elements, over the limit of 16777216.*"
                       r"gf.load\(path, max_elements=...\).*GATEFLOW_MAX_ARRAY_ELEMENTS"):
        gf.load(path)


def test_the_array_limit_can_be_lowered_or_raised(tmp_path, monkeypatch):
    document = good_document()
    document["nodes"][1]["value"] = {"dtype": "float64", "shape": [2, 3], "data": [1.0] * 6}
    path = write(tmp_path, document)
    with pytest.raises(FileFormatError, match="6 elements, over the limit of 5"):
        gf.load(path, max_elements=5)
    assert gf.load(path, max_elements=6).value("w").shape == (2, 3)
    monkeypatch.setenv("GATEFLOW_MAX_ARRAY_ELEMENTS", "5")
    with pytest.raises(FileFormatError, match="over the limit of 5 elements"):
        gf.load(path)
    assert gf.load(path, max_elements=6).value("w").shape == (2, 3)
    monkeypatch.setenv("GATEFLOW_MAX_ARRAY_ELEMENTS", "lots")
    with pytest.raises(gf.ConfigError, match="GATEFLOW_MAX_ARRAY_ELEMENTS must be a whole number >= 1, not 'lots'"):
        gf.load(path)


def test_a_file_over_the_size_limit_is_refused_before_it_is_parsed(tmp_path, monkeypatch):
    path = write(tmp_path, good_document())
    size = path.stat().st_size
    with pytest.raises(FileFormatError, match=f"larger than the limit of {size - 1} bytes.*max_bytes=.*GATEFLOW_MAX_FILE_BYTES"):
        gf.load(path, max_bytes=size - 1)
    assert gf.load(path, max_bytes=size).forward({"x": 3.0})["f"] == 6.0
    monkeypatch.setenv("GATEFLOW_MAX_FILE_BYTES", "10")
    with pytest.raises(FileFormatError, match="limit of 10 bytes"):
        gf.load(path)
    with pytest.raises(gf.ConfigError, match="max_bytes must be a whole number"):
        gf.load(path, max_bytes=0)


@pytest.mark.parametrize("case", MALFORMED, ids=list(MALFORMED))
def test_malformed_files_raise_file_format_errors(case, tmp_path):
    content, message = MALFORMED[case]
    path = write(tmp_path, content)
    with pytest.raises(FileFormatError, match=message) as info:
        gf.load(path)
    assert str(path) in str(info.value)


def test_binary_garbage_is_a_file_format_error(tmp_path):
    path = tmp_path / "g.json"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe")
    with pytest.raises(FileFormatError, match="not UTF-8"):
        gf.load(path)


def test_a_cycle_in_a_file_is_a_cycle_error_naming_it(tmp_path):
    document = edited(lambda d: d["nodes"] + [])
    document["nodes"] += [
        {"name": "a", "kind": "gate", "gate": "add", "inputs": ["f", "b"]},
        {"name": "b", "kind": "gate", "gate": "exp", "inputs": ["a"]},
    ]
    with pytest.raises(CycleError, match="a -> b -> a|b -> a -> b") as info:
        gf.load(write(tmp_path, document))
    assert sorted(info.value.cycle) == ["a", "b"]


def test_file_order_does_not_matter_when_it_is_not_topological(tmp_path):
    document = good_document()
    document["nodes"].reverse()
    graph = gf.load(write(tmp_path, document))
    assert [n.name for n in graph] == ["w", "x", "f"]
    assert graph.forward({"x": 3.0})["f"] == 6.0


def test_a_failed_load_changes_nothing(tmp_path):
    from gateflow import registry

    loaded = gf.load(write(tmp_path, good_document()))
    before = (registry.generation, sorted(registry.registry().gates), [(n.name, n.kind) for n in loaded], loaded.version)
    bad = good_document()
    bad["nodes"].append({"name": "s", "kind": "gate", "gate": "sum", "params": {"axis": 99}, "inputs": ["f"]})
    with pytest.raises(FileFormatError, match="node 's'"):
        gf.load(write(tmp_path, bad))
    after = (registry.generation, sorted(registry.registry().gates), [(n.name, n.kind) for n in loaded], loaded.version)
    assert after == before
    assert loaded.forward({"x": 3.0})["f"] == 6.0


def _gradient_file(tmp_path):
    """A graph file holding gf.grad's seed and a wrapped numpy backward, as JSON data."""
    g = gf.Graph()
    v = g.input("v")
    gf.grad(g.gate("mul", v, v, name="f"), v)  # f's shape is unknown before a feed: a seed gate
    product = g.gate("mul", v, v, name="product")
    g.gate(gf.NumpyBackwardGate(wrapped=gf.MultiplyGate(), index=0), v, product, v, v, name="wrapped")
    gf.save(g, tmp_path / "g.json")
    return json.loads((tmp_path / "g.json").read_text())


def test_gate_valued_parameters_that_cannot_be_rebuilt_name_the_node(tmp_path):
    document = _gradient_file(tmp_path)
    wrapped = next(n for n in document["nodes"] if n["name"] == "wrapped")
    wrapped["params"]["wrapped"]["params"] = {"trainable": -1}
    (tmp_path / "bad.json").write_text(json.dumps(document))
    with pytest.raises(gf.FileFormatError, match="wrapped"):
        gf.load(tmp_path / "bad.json")


def test_a_seed_gate_checks_its_output_name(tmp_path):
    with pytest.raises(gf.GateParameterError, match="'output'"):
        gf.SeedGate(output={"kind": [0, 1]})
    document = _gradient_file(tmp_path)
    seed = next(n for n in document["nodes"] if n.get("gate") == "seed")
    seed["params"]["output"] = {"kind": [0, 1]}
    (tmp_path / "bad.json").write_text(json.dumps(document))
    with pytest.raises(gf.FileFormatError, match=re.escape(repr(seed["name"]))):
        gf.load(tmp_path / "bad.json")


def test_a_non_scalar_seed_error_names_the_seed_gate():
    g = gf.Graph()
    v = g.input("v")
    d = gf.grad(v * 2.0, v)
    with pytest.raises(gf.ShapeError, match="gate 'seed'"):
        g.forward({"v": [1.0, 2.0]}, outputs=[d])


def test_an_unknown_gate_inside_a_parameter_names_the_node_briefly(tmp_path):
    document = _gradient_file(tmp_path)
    wrapped = next(n for n in document["nodes"] if n["name"] == "wrapped")
    wrapped["params"]["wrapped"]["gate"] = "mu" + "9" * 10_000
    (tmp_path / "bad.json").write_text(json.dumps(document))
    with pytest.raises(UnknownGateError, match="node 'wrapped'") as caught:
        gf.load(tmp_path / "bad.json")
    assert len(str(caught.value)) < 1_000
