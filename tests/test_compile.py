"""g.compile / gf.compile: generated code against the interpreter (random graphs, every
example), the rewrites, specialisation, scalar graphs on floats, hostile names, bad input,
fall-backs (plugins observing, foreign arrays, huge graphs) and the CLI."""

from __future__ import annotations

import ast
import math
import re
import warnings

import numpy as np
import pytest

import gateflow as gf
from example_scripts import EXAMPLES, load_example
from graph_generator import random_graph

RANDOM_GRAPHS = 400  # tests/compile_campaign.py runs thousands


@pytest.fixture(autouse=True)
def no_fallback_warnings():
    """A step that silently ran on the interpreter would hide a code generator bug."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", gf.CompileWarning)
        yield


def assert_same(actual, expected, atol=0.0):
    assert np.shape(actual) == np.shape(expected)
    assert np.result_type(actual) == np.result_type(expected)
    np.testing.assert_allclose(actual, expected, rtol=1e-12, atol=atol)


def interpreted(graph, feeds, outputs, wrt, seed=None):
    run = graph.forward(feeds, outputs=list(outputs) + list(wrt))
    grads = run.backward(outputs[0], wrt=wrt, seed=seed) if wrt else {}
    return [run[o] for o in outputs], [grads[w] for w in wrt]


def assert_step_matches_interpreter(graph, feeds, outputs, wrt, calls=2, atol=0.0, **options):
    step = graph.compile(outputs, wrt=wrt, **options)
    values, grads = interpreted(graph, feeds, outputs, wrt, options.get("seed"))
    for _ in range(calls):  # the first call specialises, the next runs the generated code alone
        got_values, got_grads = step(feeds)
        for node, expected in zip(outputs, values):
            assert_same(got_values[node], expected, atol)
        for node, expected in zip(wrt, grads):
            assert_same(got_grads[node], expected, atol)
    return step


def random_case(seed):
    case = random_graph(seed)
    needed = case.graph.plan([case.output]).slot
    # Leaves the output does not reach are outputs too, so their (zero) gradients are compiled.
    outputs = [case.output] + [w for w in case.wrt if w.name not in needed]
    return case, outputs


# -- agreement with the interpreter ---------------------------------------------------------


def test_random_graphs_compile_to_the_interpreters_values_and_gradients():
    for seed in range(RANDOM_GRAPHS):
        case, outputs = random_case(seed)
        assert_step_matches_interpreter(case.graph, case.feeds, outputs, case.wrt)


EXAMPLE_BUILDERS = sorted(p for p in EXAMPLES.glob("*.py") if "\ndef build(" in p.read_text())


@pytest.mark.parametrize("path", EXAMPLE_BUILDERS, ids=lambda p: p.stem)
def test_every_example_compiles_to_the_interpreters_results(path):
    """Each script's build(): (graph, feeds, output), or (graph, output, ...) with the
    script's FEEDS (or none); every leaf of the output is differentiated."""
    module = load_example(path.stem)
    builders = [getattr(module, name) for name in ("build", "build_with_sigmoid_gate") if hasattr(module, name)]
    for build in builders:
        for args in ([], ["softmax"]) if path.stem.startswith("08") else ([],):
            built = build(*args)
            graph, (feeds, output) = built[0], built[1:3] if isinstance(built[1], dict) else (getattr(module, "FEEDS", {}), built[1])
            output = graph[output]
            leaves = [n for n in graph.plan([output]).names if graph[n].kind in ("input", "param")]
            assert_step_matches_interpreter(graph, feeds, [output], leaves)


def test_float32_values_stay_float32_and_dtypes_are_specialised():
    g = gf.Graph()
    x, w = g.input("x"), g.param("w", np.array([0.5, -1.0, 2.0], dtype=np.float32))
    loss = gf.sum(gf.tanh(x * w) * x)
    step = assert_step_matches_interpreter(g, {"x": np.ones(3, np.float32)}, [loss], [x, w])
    values, grads = step({"x": np.ones(3, np.float32)})
    assert values[loss].dtype == np.float32 and "float32_dtype" in step.source
    assert_step_matches_interpreter(g, {"x": np.ones(3)}, [loss], [x, w])
    values, grads = step({"x": np.ones(3)})
    assert values[loss].dtype == np.float64 and step.specializations == 2


def test_a_non_scalar_first_output_is_seeded_with_ones_or_the_given_seed():
    g = gf.Graph()
    x = g.input("x")
    y = gf.exp(x) * x
    feeds = {"x": np.array([[0.5, -1.0], [2.0, 0.1]])}
    assert_step_matches_interpreter(g, feeds, [y], [x])
    seed = np.array([[1.0, 2.0], [3.0, 4.0]])
    assert_step_matches_interpreter(g, feeds, [y], [x], seed=seed)
    with pytest.raises(gf.ShapeError, match="seed"):
        g.compile([y], wrt=[x], seed=np.ones(3))(feeds)
    with pytest.raises(gf.FeedError, match="seed gradient"):
        g.compile([y], wrt=[x], seed="ones")


def test_gradients_of_intermediate_nodes_and_zeros_for_unreached_nodes():
    g = gf.Graph()
    x, y = g.input("x"), g.input("y")
    h = gf.tanh(x, name="h")
    f = h * h
    other = y + 1.0
    step = assert_step_matches_interpreter(g, {"x": 0.3, "y": 2.0}, [f, other], [h, x, y])
    _, grads = step({"x": 0.3, "y": 2.0})
    assert grads[y] == 0.0


# -- what the generated code looks like -----------------------------------------------------


def neuron():
    g = gf.Graph()
    w0, x0, w1, x1, w2 = (g.input(n) for n in ("w0", "x0", "w1", "x1", "w2"))
    f = gf.sigmoid(w0 * x0 + w1 * x1 + w2, name="f")
    return g, f, [w0, x0, w1, x1, w2], {"w0": 2.0, "x0": -1.0, "w1": -3.0, "x1": -2.0, "w2": -3.0}


def test_the_neuron_runs_on_python_floats_and_reads_like_backprop_by_hand():
    g, f, wrt, feeds = neuron()
    step = gf.compile(f, wrt=wrt)
    values, grads = step(feeds)
    assert type(values[f]) is np.float64 and values["f"] == pytest.approx(0.7310585786)
    assert [grads[n] for n in ("w0", "x0", "w1", "x1", "w2")] == pytest.approx(
        [-0.1966119332, 0.3932238665, -0.3932238665, -0.5898357997, 0.1966119332])
    source = step.source
    assert "f = 1.0 / (1.0 + math.exp(-add_2))" in source
    assert "d_add_2 = f * bw_sub_1" in source and "np." not in source
    assert source.count("\n") < 40  # one line per gate, plus fetching and checking the feeds


def test_one_line_per_surviving_gate_after_folding_cse_and_dead_node_removal():
    g = gf.Graph()
    x = g.input("x")
    c = g.const(2.0) * g.const(3.0)  # folded
    a = x * c
    b = c * x  # the same product: merged
    dead = gf.exp(x) * 10.0  # not needed
    loss = gf.sum(gf.tanh(a) + gf.tanh(b))
    step = assert_step_matches_interpreter(g, {"x": np.arange(3.0)}, [loss], [x])
    body = step.source.split("return None\n")[-1]
    assert body.count("np.tanh(") == 1 and "6.0" in body and "exp" not in body and "* 3.0" not in body
    assert not re.search(rf"\b{dead.name}\b", body)


def test_elementwise_gates_reuse_dead_buffers_but_never_inputs_or_results():
    g = gf.Graph()
    x, w = g.input("x"), g.param("w", np.ones((4, 3)))
    loss = gf.sum(gf.tanh(x @ w + 1.0))
    step = assert_step_matches_interpreter(g, {"x": np.ones((2, 4))}, [loss], [w])
    source = step.source
    assert "out=matmul_1" in source
    assert "out=x)" not in source and "out=w)" not in source
    feeds = {"x": np.full((2, 4), 0.5)}
    before = feeds["x"].copy()
    step(feeds)
    np.testing.assert_array_equal(feeds["x"], before)


def test_elementary_softmax_cross_entropy_is_fused_and_stable():
    g = gf.Graph()
    z, Y = g.input("z"), g.input("Y")
    loss = gf.mean(gf.log(gf.sum(gf.exp(z), axis=1)) - gf.sum(z * Y, axis=1))
    rng = np.random.default_rng(0)
    feeds = {"z": rng.standard_normal((6, 4)), "Y": np.eye(4)[rng.integers(0, 4, 6)]}
    step = assert_step_matches_interpreter(g, feeds, [loss], [z, Y])
    assert "soft_target_cross_entropy_and_softmax_minus_targets(z, Y, 1)" in step.source
    assert "np.exp" not in step.source.split("soft_target")[0]
    values, grads = step({**feeds, "z": feeds["z"] * 1000})  # the elementary chain overflows here
    assert np.isfinite(values[loss]) and np.all(np.isfinite(grads[z]))


def test_a_chain_with_an_intermediate_used_elsewhere_is_not_fused():
    g = gf.Graph()
    z, Y = g.input("z"), g.input("Y")
    e = gf.exp(z)
    loss = gf.mean(gf.log(gf.sum(e, axis=1)) - gf.sum(z * Y, axis=1)) + gf.sum(e)
    feeds = {"z": np.array([[0.1, 0.2], [0.3, -0.4]]), "Y": np.eye(2)}
    step = assert_step_matches_interpreter(g, feeds, [loss], [z])
    assert "soft_target" not in step.source


def test_the_softmax_cross_entropy_gate_shares_its_log_softmax_with_its_gradient():
    g = gf.Graph()
    z, y = g.input("z"), g.input("y")
    loss = gf.softmax_cross_entropy(z, y)
    rng = np.random.default_rng(2)
    assert_step_matches_interpreter(  # rows of rows of classes
        g, {"z": rng.standard_normal((2, 3, 4)), "y": rng.integers(0, 4, (2, 3)).astype(float)}, [loss], [z])
    feeds = {"z": np.array([[1.0, 2.0, 0.5], [0.1, -1.0, 3.0]]), "y": np.array([2.0, 0.0])}
    step = assert_step_matches_interpreter(g, feeds, [loss], [z])
    assert "softmax_cross_entropy_and_softmax_minus_onehot(z, y)" in step.source
    with pytest.raises(gf.DataError, match="labels"):
        step({**feeds, "y": np.array([3.0, 0.0])})


# -- specialisation -----------------------------------------------------------------------


def test_other_shapes_specialise_again_and_each_specialisation_is_kept():
    g = gf.Graph()
    x, w = g.input("x"), g.param("w", np.array([1.0, -2.0]))
    loss = gf.mean(gf.tanh(x @ w))
    step = g.compile([loss], wrt=[w])
    for rows in (3, 5, 3, 5, 1):
        assert_step_matches_interpreter(g, {"x": np.ones((rows, 2)) * 0.1 * rows}, [loss], [w], calls=1)
        step({"x": np.ones((rows, 2)) * 0.1 * rows})
    assert step.specializations == 3
    assert "(1, 2)" in step.source


def test_feeds_of_other_kinds_are_converted_like_the_interpreter_does():
    g, f, wrt, feeds = neuron()
    step = g.compile([f], wrt=wrt)
    reference = step(feeds)
    for other in ({k: int(v) for k, v in feeds.items()}, {k: np.float64(v) for k, v in feeds.items()},
                  {g[k]: v for k, v in feeds.items()}, {k: [v] for k, v in feeds.items()}):
        values, grads = step(other)
        expected_values, expected_grads = interpreted(g, other, [f], wrt)
        assert_same(values[f], expected_values[0])
        for node, expected in zip(wrt, expected_grads):
            assert_same(grads[node], expected)
    assert step(feeds)[0][f] == reference[0][f]


def test_a_float_computation_that_raises_reruns_with_numpy_semantics():
    g = gf.Graph()
    x = g.input("x")
    f = gf.log(x) + 1.0 / x + gf.exp(x * 1000.0)
    step = g.compile([f], wrt=[x])
    with np.errstate(all="ignore"):
        for value in (0.0, -1.0, 1.0, 2.0):
            values, grads = step({"x": value})
            expected, expected_grads = interpreted(g, {"x": value}, [f], [x])
            np.testing.assert_array_equal(values[f], expected[0])
            np.testing.assert_array_equal(grads[x], expected_grads[0])


def test_nan_goes_through_python_floats_as_through_numpy():
    g = gf.Graph()
    x, y = g.input("x"), g.input("y")
    f = gf.maximum(x, y) + gf.minimum(y, x) + gf.relu(x) + gf.abs(y)
    step = g.compile([f], wrt=[x, y])
    for feeds in ({"x": math.nan, "y": 1.0}, {"x": 1.0, "y": math.nan}, {"x": 2.0, "y": 2.0}):
        values, grads = step(feeds)
        expected, expected_grads = interpreted(g, feeds, [f], [x, y])
        np.testing.assert_array_equal(values[f], expected[0])
        np.testing.assert_array_equal([grads[x], grads[y]], expected_grads)
    assert "np." not in step.source  # it ran on Python floats


def test_parameters_are_read_at_each_call_and_the_users_graph_is_not_changed():
    g = gf.Graph()
    x, w = g.input("x"), g.param("w", np.array([1.0, 2.0]))
    loss = gf.sum(w * x)
    nodes, version = list(g.nx), g.version
    step = g.compile([loss], wrt=[w])
    step({"x": np.array([3.0, 4.0])})
    assert list(g.nx) == nodes and g.version == version
    g.set_value("w", np.array([5.0, 6.0]))
    assert step({"x": np.array([3.0, 4.0])})[0][loss] == 39.0
    assert step({"x": np.array([3.0, 4.0]), "w": np.array([1.0, 1.0])})[0][loss] == 7.0  # fed parameter


def test_a_graph_copy_is_independent_of_the_original():
    g = gf.Graph()
    x, w = g.input("x"), g.param("w", 2.0)
    f = x * w
    copy = g.copy()
    gf.grad(copy[f.name], copy["w"])
    copy.set_value("w", 5.0)
    assert len(copy) > len(g) == 3 and g.value("w") == 2.0
    assert copy.forward({"x": 3.0})[f.name] == 15.0 and g.forward({"x": 3.0})[f] == 6.0


def test_compiling_again_gives_the_same_step_until_the_graph_changes():
    g, f, wrt, feeds = neuron()
    step = g.compile([f], wrt=wrt)
    assert g.compile(["f"], wrt=[n.name for n in wrt]) is step and g.compile([f]) is not step
    g.input("unrelated")
    assert g.compile([f], wrt=wrt) is not step


def test_a_changed_graph_is_compiled_again():
    g = gf.Graph()
    x = g.input("x")
    h = x * 2.0
    loss = h + 1.0
    step = g.compile([loss], wrt=[x])
    assert step({"x": 1.0})[0][loss] == 3.0
    g.replace_input(loss, 0, x)
    assert step({"x": 1.0})[0][loss] == 2.0


def test_results_read_by_node_name_and_position():
    g, f, wrt, feeds = neuron()
    values, grads = g.compile(outputs=["f"], wrt=["w0", "x0"])(feeds)
    assert values[f] == values["f"] == values[0]
    assert list(grads) == ["w0", "x0"] and dict(grads.items())["w0"] == grads[wrt[0]]
    assert "w0" in grads and "w1" not in grads
    with pytest.raises(gf.UnknownNodeError, match="not among the compiled wrts"):
        grads["w1"]
    with pytest.raises(gf.UnknownNodeError, match="not in the graph"):
        values["nope"]
    _, no_grads = g.compile([f])(feeds)
    assert len(no_grads) == 0


# -- hostile names ------------------------------------------------------------------------

HOSTILE = [
    "x'; __import__('os').system('echo pwned') #", 'a"b', "line\nbreak", "return", "lambda",
    "__import__", "np", "math", "feeds", "params", "None", "σ", "ｆｉ", "ﬁ", "1x", "x-y", "def f():",
    "\\", "\r\n#", "\u2028", "step", "Values", "_", "", "float_types", "float64_dtype", "d_x", "bw_mul_1",
]


def test_hostile_node_names_compile_safely():
    g = gf.Graph()
    names = [n for n in HOSTILE if n]
    leaves = [g.input(n) for n in names[:10]] + [g.param(n, float(i) + 1.5) for i, n in enumerate(names[10:])]
    total = leaves[0]
    for i, leaf in enumerate(leaves[1:]):
        total = g.gate("mul", total, gf.tanh(leaf), name=f"{names[i]} \n*") + leaf
    loss = g.gate("sum", total * total, name="loss'\n__import__('sys').exit(1)")
    feeds = {n: 0.1 * (i + 1) for i, n in enumerate(names[:10])}
    step = assert_step_matches_interpreter(g, feeds, [loss], leaves)
    tree = ast.parse(step.source)  # names appear only as identifiers and string literals
    identifiers = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    assert not identifiers & {"__import__", "os", "sys", "exit", "system", "eval", "exec", "return", "lambda"}
    assert {ast.unparse(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)} <= {
        "type", "len", "math.tanh", "Values", "Gradients"}


# -- bad input ----------------------------------------------------------------------------


def test_missing_unknown_and_wrongly_shaped_feeds_raise_the_interpreters_errors():
    g = gf.Graph()
    x, w = g.input("x"), g.param("w", np.ones((3, 2)))
    loss = gf.sum(x @ w)
    step = g.compile([loss], wrt=[w])
    step({"x": np.ones((4, 3))})
    for bad, kind in (({}, gf.FeedError), ({"x": np.ones((4, 3)), "typo": 1.0}, gf.FeedError),
                      ({"x": "text"}, gf.FeedError), ({"x": np.ones((4, 5))}, gf.ShapeError)):
        with pytest.raises(kind) as expected:
            g.forward(bad, outputs=[loss])
        with pytest.raises(kind, match=re.escape(str(expected.value))):
            step(bad)
    assert step({"x": np.ones((2, 3))})[0][loss] == 12.0


def test_unknown_outputs_and_wrt_outside_the_graph_are_refused_when_compiling():
    g, f, wrt, feeds = neuron()
    other = gf.Graph().input("w0")
    with pytest.raises(gf.UnknownNodeError):
        g.compile(["nope"], wrt=wrt)
    with pytest.raises(gf.UnknownNodeError, match="not a node of this graph"):
        g.compile([f], wrt=[other])
    with pytest.raises(gf.UnknownNodeError, match="no node"):
        g.compile([f], wrt=["nope"])
    with pytest.raises(gf.GraphError, match="output nodes"):
        gf.compile(["f"])
    with pytest.raises(gf.GateflowError, match="call step"):
        g.compile([f]).source


# -- falling back to the interpreter ----------------------------------------------------


class SquarePlusGate(gf.Gate):
    """A plugin-style gate without an expression: f(x, y) = x² + y."""

    name, arity = "square_plus", 2

    def forward(self, x, y):
        return x * x + y

    def backward(self, grad, out, x, y):
        return grad * 2 * x, grad


def test_a_gate_without_an_expression_is_called_through_its_methods():
    g = gf.Graph()
    x, y = g.input("x"), g.input("y")
    loss = gf.sum(g.gate(SquarePlusGate(), gf.tanh(x), y) * 2.0)
    step = assert_step_matches_interpreter(g, {"x": np.array([0.5, 1.5]), "y": np.array([1.0, 2.0])}, [loss], [x, y])
    assert "square_plus_gate.forward(" in step.source and "numpy_backward_gate.forward(" in step.source
    assert_step_matches_interpreter(g, {"x": 0.5, "y": 1.0}, [loss], [x, y])


def test_observing_plugins_make_the_step_use_the_interpreter_with_one_notice(fresh_registry):
    from gateflow_anomaly import detect_anomaly

    g = gf.Graph()
    x = g.input("x")
    y = gf.log(x)
    step = g.compile([y], wrt=[x])
    assert step({"x": 2.0})[0][y] == math.log(2.0)
    with detect_anomaly():
        with pytest.warns(gf.CompileWarning, match="observes gates"):
            step({"x": 2.0})
        with pytest.raises(gf.AnomalyError), np.errstate(all="ignore"):
            step({"x": 0.0})
    assert step({"x": 2.0})[0][y] == math.log(2.0)


def test_foreign_arrays_go_to_the_interpreter_untouched():
    class Tagged(np.ndarray):
        """An ndarray subclass stands for arrays the generated code is not specialised for."""

    g = gf.Graph()
    x = g.input("x")
    loss = gf.sum(x * x)
    value = np.array([1.0, 2.0]).view(Tagged)
    values, grads = g.compile([loss], wrt=[x])({"x": value})
    assert values[loss] == 5.0 and list(grads[x]) == [2.0, 4.0]


def test_graphs_past_max_gates_run_on_the_interpreter():
    g = gf.Graph()
    v = x = g.input("x")
    for _ in range(30):
        v = gf.sigmoid(v * 0.5 + 0.1)
    step = g.compile([v], wrt=[x], max_gates=50)
    with pytest.warns(gf.CompileWarning, match="max_gates=50"):
        values, grads = step({"x": 0.3})
    expected, expected_grads = interpreted(g, {"x": 0.3}, [v], [x])
    assert values[v] == expected[0] and grads[x] == expected_grads[0]
    assert_step_matches_interpreter(g, {"x": 0.3}, [v], [x])


# -- the command line ---------------------------------------------------------------------


def test_gateflow_compile_prints_the_source(capsys):
    from gateflow.cli.main import main

    assert main(["compile", str(EXAMPLES / "01_circuit.py")]) == 0
    out = capsys.readouterr().out
    assert out.startswith("def step(feeds, params):") and "    f = q * z\n" in out
    assert "return Values((f, )), Gradients((z, z, q, ))" in out  # df/dx = df/dy = z, df/dz = q
    compile(out, "<cli>", "exec")


def test_dask_feeds_stay_lazy_through_a_compiled_step():
    da = pytest.importorskip("dask.array")
    from dask_support import CountComputes

    g = gf.Graph()
    x, w = g.input("x"), g.param("w", np.array([[0.5], [-1.0]]))
    loss = gf.mean(gf.tanh(x @ w))
    step = g.compile([loss], wrt=[w])
    X = np.arange(8.0).reshape(4, 2) / 8
    step({"x": X})  # a numpy specialisation exists; dask values must not reach it
    with CountComputes() as counter:
        values, grads = step({"x": da.from_array(X, chunks=(2, 2))})
        assert counter.computes == 0 and hasattr(grads[w], "__dask_graph__")
    expected_values, expected_grads = interpreted(g, {"x": X}, [loss], [w])
    np.testing.assert_allclose(grads[w].compute(), expected_grads[0], rtol=1e-12)
    np.testing.assert_allclose(values[loss].compute(), expected_values[0], rtol=1e-12)


# -- what uses it: gf.fit and gateflow train -------------------------------------------------


def classifier(seed=0):
    rng = np.random.default_rng(seed)
    X, y = rng.standard_normal((50, 4)), rng.integers(0, 3, 50).astype(float)
    g = gf.Graph()
    x, labels = g.input("x"), g.input("y")
    net = gf.mlp(x, [4, 8, 3], activation="tanh", seed=seed)
    loss = gf.softmax_cross_entropy(net.output, labels) + gf.l2(*net.weights, lam=1e-3)
    return g, x, labels, net, loss, X, y


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_fit_compiles_its_step_and_trains_as_the_interpreter_does(optimizer):
    results = []
    for compiled in (True, False):
        g, x, labels, net, loss, X, y = classifier()
        opt = gf.make_optimizer(optimizer, g, 0.05)
        history = gf.fit(loss, {x: X[:40], labels: y[:40]}, optimizer=opt, epochs=4, batch_size=16,  # 16, 16, 8
                         validation={x: X[40:], labels: y[40:]}, accuracy=(net.output, labels),
                         progress=False, compile=compiled)
        results.append((history, {p.name: g.value(p) for p in g.parameters()}, g.compile([loss, net.output], wrt=opt.names)))
    (compiled, params, step), (interpreted, reference, _) = results
    assert compiled.metrics.keys() == interpreted.metrics.keys()
    for key in compiled.metrics:
        np.testing.assert_allclose(compiled[key], interpreted[key], rtol=1e-12, atol=0)
    for name in params:
        np.testing.assert_allclose(params[name], reference[name], rtol=1e-12, atol=1e-15)
    assert step.specializations == 2  # the step fit compiled: batches of 16 rows, and the last of 8


def test_gateflow_train_compiles_unless_told_not_to():
    from gateflow.training import digits

    pytest.importorskip("sklearn")
    config = digits.DigitsConfig(epochs=2, patience=None)
    compiled, interpreted = (digits.train(config, progress=False, compile=flag) for flag in (True, False))
    for key, values in compiled.history.metrics.items():
        np.testing.assert_allclose(values, interpreted.history.metrics[key], rtol=1e-12)
    assert compiled.test == pytest.approx(interpreted.test, rel=1e-12)


def test_gateflow_train_takes_no_compile(tmp_path, capsys):
    from gateflow.cli.main import main

    pytest.importorskip("sklearn")
    assert main(["train", "--epochs", "1", "--patience", "0", "--no-progress", "--no-compile", "-o", str(tmp_path)]) == 0
    assert "trained 1 epoch(s)" in capsys.readouterr().out
