"""gf.grad: the backward pass as gates. The worked examples' gradients, agreement with
run.backward on random graphs, higher derivatives, names, bad input, plugin gates."""

import sys

import numpy as np
import pytest

import gateflow as gf
from example_scripts import load_example as load
from grad_support import assert_agree, check_second_derivatives
from graph_generator import random_graph

REL = 1e-6
RANDOM_GRAPHS = 200
SMOOTH_RANDOM_GRAPHS = 25


def grad_values(graph, feeds, output, names):
    nodes = gf.grad(output, [graph[n] for n in names])
    run = graph.forward(feeds, outputs=nodes)
    return {n: run[d] for n, d in zip(names, nodes)}


# -- the worked examples ------------------------------------------------------------------


def test_01_smallest_circuit():
    g, feeds, f = load("01").build()
    assert grad_values(g, feeds, f, "xyzqf") == {"x": -4, "y": -4, "z": 3, "q": -4, "f": 1}


@pytest.mark.parametrize("builder", ["build", "build_with_sigmoid_gate"])
def test_02_sigmoid_neuron_both_ways(builder):
    g, feeds, f = getattr(load("02"), builder)()
    got = grad_values(g, feeds, f, ["w0", "w1", "w2", "x0", "x1"])
    assert [got[n] for n in ("w0", "w1", "w2")] == pytest.approx([-0.1966119332, -0.3932238665, 0.1966119332], rel=REL)
    assert [got[n] for n in ("x0", "x1")] == pytest.approx([0.3932238665, -0.5898357997], rel=REL)


def test_03_one_gradient_descent_step_from_gf_grad():
    module = load("03")
    g, feeds, error = module.build()
    weights = [p for p in g.parameters(trainable=True)]
    steps = gf.grad(error, weights)
    run = g.forward(feeds, outputs=steps)
    for w, d in zip(weights, steps):
        g.set_value(w, g.value(w) - module.LEARNING_RATE * run[d])
    expected = {"w1": 0.149780716, "w2": 0.19956143, "w3": 0.24975114, "w4": 0.29950229,
                "w5": 0.35891648, "w6": 0.408666186, "w7": 0.511301270, "w8": 0.561370121}
    assert {n: g.value(n) for n in expected} == pytest.approx(expected, rel=REL)
    assert g.forward(feeds, outputs=[error])[error] == pytest.approx(0.291027774, rel=REL)


def test_04_relu_network_gives_4_not_14():
    g, feeds, J = load("04").build()
    assert grad_values(g, feeds, J, ["w2", "b2", "w1", "b1"]) == {"w2": 4, "b2": 2, "w1": 6, "b1": 6}


@pytest.mark.parametrize("point", [-3.0, -0.5, 0.25, 1.0, 2.0, 7.5])
def test_05_computer_algebra_derivatives(point):
    for expression, closed_form in load("05").CASES.values():
        g = gf.Graph()
        w = g.input("w")
        d = gf.grad(expression(w), w)
        assert g.forward({"w": point}, outputs=[d])[d] == pytest.approx(closed_form(point), rel=1e-12)


def test_06_linear_regression_closed_forms():
    module = load("06")
    rng = np.random.default_rng(7)
    X, y = rng.standard_normal((30, 3)), rng.standard_normal(30)
    g, feeds, J = module.build(X, y)
    w, b = rng.standard_normal(3), 0.3
    g.set_value("w", w)
    g.set_value("b", b)
    got = grad_values(g, feeds, J, ["w", "b"])
    dw, db = module.closed_form_gradients(X, y, w, b)
    np.testing.assert_allclose(got["w"], dw, rtol=1e-10)
    assert got["b"] == pytest.approx(db, rel=1e-10)


def test_07_gate_patterns():
    g, feeds, f = load("07").build()
    got = grad_values(g, feeds, f, ["xy", "z", "w", "y", "x"])
    assert (got["xy"], got["z"], got["w"], got["y"], got["x"]) == (2.0, 2.0, 0.0, 6.0, -7.0)


@pytest.mark.parametrize("kind", ["svm", "softmax"])
def test_08_losses_with_regularization(kind):
    g, feeds, loss = load("08").build(kind)
    (dW,) = gf.grad(loss, ["W"])
    run = g.forward(feeds)
    assert_agree(run[dW], run.backward(loss)["W"])


# -- agreement with run.backward ----------------------------------------------------------


def test_random_graphs_agree_with_run_backward():
    """gf.grad == run.backward to 1e-12 relative on random graphs (fan-out, reuse, broadcasting)."""
    for seed in range(RANDOM_GRAPHS):
        case = random_graph(seed)
        grads = gf.grad(case.output, case.wrt)
        run = case.graph.forward(case.feeds)
        reference = run.backward(case.output)
        for name, shape in case.shapes.items():
            assert np.shape(run[name]) == shape, (seed, name)  # the generator knows its shapes
        for node, gradient in zip(case.wrt, grads):
            assert_agree(run[gradient], reference[node])


def test_random_graphs_second_derivatives_match_central_differences():
    rng = np.random.default_rng(3)
    for seed in range(SMOOTH_RANDOM_GRAPHS):
        case = random_graph(seed, size=8, smooth=True)
        feeds = {**case.feeds, **{p.name: np.array(case.graph.value(p)) for p in case.graph.parameters()}}
        first = gf.grad(case.output, case.wrt)
        check_second_derivatives(case.graph, feeds, first, case.wrt, rng, rtol=1e-4, atol=1e-5)


def test_gradcheck_works_on_gradient_nodes():
    g, feeds, f = load("02").build_with_sigmoid_gate()
    dw0 = gf.grad(f, g["w0"])
    assert gf.gradcheck(g, feeds, dw0).ok


# -- higher derivatives -------------------------------------------------------------------


def test_fourth_derivative_of_x_exp_x_is_x_plus_4_times_exp_x():
    g = gf.Graph()
    x = g.input("x")
    d = x * gf.exp(x)
    for _ in range(4):
        d = gf.grad(d, x)
    for point in (-1.5, 0.0, 0.7):
        assert g.forward({"x": point}, outputs=[d])[d] == pytest.approx((point + 4) * np.exp(point), rel=1e-12)


def test_third_derivative_of_sigmoid():
    g = gf.Graph()
    x = g.input("x")
    d3 = gf.grad(gf.grad(gf.grad(gf.sigmoid(x), x), x), x)
    s = 1 / (1 + np.exp(-0.3))
    assert g.forward({"x": 0.3}, outputs=[d3])[d3] == pytest.approx(s * (1 - s) * (1 - 6 * s + 6 * s * s), rel=1e-12)


def test_second_derivatives_of_the_tutorial_exercises():
    for point in (-2.0, 0.5, 3.0):
        g = gf.Graph()
        w, x = g.input("w"), g.input("x")
        cases = {
            "w²": (gf.grad(gf.grad(w**2, w), w), 2.0),
            "1/w": (gf.grad(gf.grad(1 / w, w), w), 2 / point**3),
            "h(g(x))": (gf.grad(gf.grad((2 * x + 3) ** 3 + 5 * (2 * x + 3), x), x), 24 * (2 * point + 3)),
        }
        run = g.forward({"w": point, "x": point}, outputs=[d for d, _ in cases.values()])
        for label, (d, expected) in cases.items():
            assert run[d] == pytest.approx(expected, rel=1e-12), label


# -- what gf.grad adds --------------------------------------------------------------------


def test_names_say_what_the_nodes_are_and_mark_the_backward_part():
    g = gf.Graph()
    x, y, z = g.input("x"), g.input("y"), g.input("z")
    q = g.gate("add", x, y, name="q")
    f = g.gate("mul", q, z, name="f")
    before = set(g.nx)
    dx, dz = gf.grad(f, [x, z])
    assert (dx.name, dz.name) == ("grad/f/x", "grad/f/z")
    assert "grad/f/q" in g and "grad/f/f" in g
    added = set(g.nx) - before
    assert all(g.nx.nodes[n]["grad_of"] == "f" for n in added)
    assert all(n.startswith("grad/f/") for n in added)
    assert "grad/f/y" not in g  # only what was asked for is kept


def test_one_node_for_one_wrt_and_a_list_for_a_sequence():
    g = gf.Graph()
    x = g.input("x")
    f = x * x
    assert isinstance(gf.grad(f, x), gf.Node)
    assert isinstance(gf.grad(f, [x]), list) and isinstance(gf.grad(f, (x, "x")), list)


def test_fan_out_gradients_are_summed_by_add_gates():
    g = gf.Graph()
    x = g.input("x")
    f = g.gate("add", x * 3.0, gf.exp(x), name="f")
    dx = gf.grad(f, x)
    assert dx.gate.name == "add"
    assert g.forward({"x": 0.5}, outputs=[dx])[dx] == pytest.approx(3 + np.exp(0.5), rel=1e-12)


def test_a_wrt_the_output_does_not_depend_on_gets_zeros_of_its_shape():
    g = gf.Graph()
    x, unused = g.input("x"), g.param("v", np.ones((2, 3)))
    d = gf.grad(gf.sum(x * x), unused)
    value = g.forward({"x": [1.0, 2.0]}, outputs=[d])[d]
    assert value.shape == (2, 3) and not value.any()
    assert d.name == "grad/sum_1/v"


def test_the_gradient_of_the_output_itself_is_one():
    g = gf.Graph()
    w = g.param("w", 2.0)
    f = w * w
    d = gf.grad(f, f)
    assert g.forward(outputs=[d])[d] == 1.0


def test_a_seed_node_gives_the_upstream_gradient_of_a_non_scalar_output():
    g = gf.Graph()
    x, s = g.input("x"), g.input("s")
    y = gf.tanh(x) * x
    d = gf.grad(y, x, seed=s)
    feeds = {"x": np.array([0.5, -1.0]), "s": np.array([2.0, 3.0])}
    run = g.forward(feeds)
    assert_agree(run[d], run.backward(y, seed=feeds["s"])[x])


def test_a_long_chain_needs_no_recursion():
    g = gf.Graph()
    x = v = g.input("x")
    for _ in range(sys.getrecursionlimit()):
        v = gf.sigmoid(v * 0.5)
    d = gf.grad(v, x)
    run = g.forward({"x": 0.3})
    assert_agree(run[d], run.backward(v)[x])


def test_grad_nodes_survive_save_and_load_and_explain(tmp_path):
    g, feeds, f = load("02").build_with_sigmoid_gate()
    dw = gf.grad(f, g["w0"])
    loaded = gf.load(gf.save(g, tmp_path / "neuron.json"))
    run = loaded.forward(feeds, outputs=[dw.name])
    assert run[dw.name] == pytest.approx(-0.1966119332, rel=REL)
    assert loaded.nx.nodes[dw.name]["grad_of"] == "f"
    text = gf.explain(g.forward(feeds).backward(dw))
    assert "grad/f/w0" in text


# -- bad input: an error naming the node, the graph unchanged -----------------------------


def snapshot(g):
    return sorted(g.nx.nodes), sorted(g.nx.edges), dict(g._counters)


def test_wrt_from_another_graph():
    g, other = gf.Graph(), gf.Graph()
    f = g.input("x") * 2.0
    stranger = other.input("stranger")
    before = snapshot(g)
    with pytest.raises(gf.GraphError, match="stranger"):
        gf.grad(f, stranger)
    assert snapshot(g) == before


@pytest.mark.parametrize("wrt", [3.0, None, [np.ones(2)]])
def test_wrt_not_a_node(wrt):
    g = gf.Graph()
    f = g.input("x") * 2.0
    before = snapshot(g)
    with pytest.raises(gf.GateflowError, match="wrt must be a node"):
        gf.grad(f, wrt)
    assert snapshot(g) == before


def test_output_not_a_node():
    with pytest.raises(gf.GateflowError, match="output"):
        gf.grad(3.0, [])


def test_non_scalar_output_without_a_seed():
    g = gf.Graph()
    w = g.param("w", np.ones(3))
    f = g.gate("mul", w, 2.0, name="f")
    before = snapshot(g)
    with pytest.raises(gf.ShapeError, match=r"'f'.*\(3,\).*seed"):
        gf.grad(f, w)
    assert snapshot(g) == before


def test_a_seed_of_another_shape_than_the_output():
    g = gf.Graph()
    w = g.param("w", np.ones(3))
    f = g.gate("mul", w, 2.0, name="f")
    before = snapshot(g)
    with pytest.raises(gf.ShapeError, match=r"'f'.*seed has shape \(2,\).*\(3,\)"):
        gf.grad(f, w, seed=np.ones(2))
    assert snapshot(g) == before


def test_non_scalar_output_known_only_when_fed():
    g = gf.Graph()
    x = g.input("x")
    f = g.gate("mul", x, 2.0, name="f")
    d = gf.grad(f, x)
    assert g.forward({"x": 1.5}, outputs=[d])[d] == 2.0
    with pytest.raises(gf.ShapeError, match=r"'f'.*\(2,\).*seed"):
        g.forward({"x": [1.0, 2.0]}, outputs=[d])


# -- plugin gates: numpy backward only ----------------------------------------------------


class CubeNumpyOnly(gf.Gate):
    """f(x) = x³, with only the numpy backward 3x²."""

    name, arity, symbol = "cube_numpy_only", 1, "x³"

    def forward(self, x):
        return x**3

    def backward(self, grad, out, x):
        return (grad * 3 * x**2,)


def test_a_gate_with_only_a_numpy_backward_works_to_first_order():
    g = gf.Graph()
    x = g.input("x")
    f = gf.sum(g.gate(CubeNumpyOnly(), x) * 2.0)
    d = gf.grad(f, x)
    assert any(isinstance(g[n].gate, gf.NumpyBackwardGate) for n in g.nx if n.startswith("grad/"))
    run = g.forward({"x": np.array([1.0, -2.0])})
    assert_agree(run[d], run.backward(f)[x])


def test_differentiating_through_a_numpy_backward_names_the_gate_and_the_fix():
    g = gf.Graph()
    x = g.input("x")
    d = gf.grad(g.gate(CubeNumpyOnly(), x), x)
    before = snapshot(g)
    with pytest.raises(gf.NotDifferentiableError, match=r"cube_numpy_only.*CubeNumpyOnly.*backward_graph"):
        gf.grad(d, x)
    assert snapshot(g) == before
    with pytest.raises(gf.NotDifferentiableError, match="cube_numpy_only"):
        g.forward({"x": 1.0}).backward(d)


class _CubePlugin:
    @gf.hookimpl
    def register_gates(self, register):
        register(CubeNumpyOnly)


def test_a_wrapped_numpy_backward_survives_save_and_load(fresh_registry, tmp_path):
    gf.register_plugin(_CubePlugin(), "cube_numpy_only")
    g = gf.Graph()
    x = g.input("x")
    d = gf.grad(gf.sum(g.gate("cube_numpy_only", x)), x)
    loaded = gf.load(gf.save(g, tmp_path / "cube.json"))
    value = loaded.forward({"x": np.array([1.0, -2.0])}, outputs=[d.name])[d.name]
    np.testing.assert_array_equal(value, [3.0, 12.0])
    wrapped = [loaded[n].gate for n in loaded.nx if isinstance(loaded[n].gate, gf.NumpyBackwardGate)]
    assert [w.wrapped.name for w in wrapped] == ["cube_numpy_only"]


def test_only_the_gradients_asked_for_are_built():
    g = gf.Graph()
    x = g.input("x")
    f = g.gate("mul", x, 0.5, name="f")
    before = set(g.nx)
    gf.grad(f, x)
    added = {n: g[n].gate.name if g[n].gate else g[n].kind for n in set(g.nx) - before}
    assert sorted(added.values()) == ["mul", "seed", "sum_to"]  # nothing for the constant 0.5


def test_a_value_feeding_thousands_of_gates_needs_no_recursion():
    g = gf.Graph()
    x = g.input("x")
    total = x
    for k in range(sys.getrecursionlimit() + 500):
        total = total + x * float(k % 7)
    d = gf.grad(total, x)
    run = g.forward({"x": 0.5})
    assert_agree(run[d], run.backward(total)[x])


def test_the_example_cube_plugin_differentiates_once_and_says_how_to_go_further():
    from plugin_support import CUBE_SOURCE

    namespace = {}
    exec(compile(CUBE_SOURCE, "gateflow_cube.py", "exec"), namespace)
    g = gf.Graph()
    x = g.input("x")
    d = gf.grad(g.gate(namespace["CubeGate"](), x), x)
    assert g.forward({"x": 2.0}, outputs=[d])[d] == 12.0
    with pytest.raises(gf.GateflowError, match=r"'cube'.*backward_graph"):
        gf.grad(d, x)
