"""The plan and the forward/backward loops: what runs, fan-out sums, broadcasting,
caching, deep graphs, and errors that name the node, the gate and the shapes."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import gateflow as gf


def circuit():
    g = gf.Graph()
    x, y, z = g.input("x"), g.input("y"), g.input("z")
    q = g.gate("add", x, y, name="q")
    f = g.gate("mul", q, z, name="f")
    return g, x, y, z, q, f


def test_forward_computes_only_what_outputs_need():
    g, x, y, z, q, f = circuit()
    run = g.forward({"x": 1.0, "y": 2.0}, outputs=[q])  # z is not needed, so not required
    assert run[q] == 3.0 and "f" not in run and "z" not in run
    with pytest.raises(gf.UnknownNodeError, match="'f' was not computed"):
        run[f]


def test_values_are_float64_numpy_and_feeds_accept_python_values():
    g, x, y, z, q, f = circuit()
    run = g.forward({"x": -2, "y": 5, "z": [-4.0, 1.0]})
    assert isinstance(run[q], np.float64) and run[f].dtype == np.float64
    np.testing.assert_array_equal(run[f], [-12.0, 3.0])


def test_feeds_by_node_and_name_and_param_override_for_one_run_only():
    g = gf.Graph()
    x = g.input("x")
    w = g.param("w", 2.0)
    f = x * w
    assert g.forward({x: 3.0})[f] == 6.0
    assert g.forward({"x": 3.0, "w": 10.0})[f] == 30.0
    assert w.value == 2.0


def test_fan_out_gradients_add_up():
    g = gf.Graph()
    x = g.input("x")
    a = x * 3.0
    b = gf.exp(x)
    f = a + b + x  # x fans out to three consumers
    grads = g.forward({"x": 0.5}).backward(f)
    assert grads[x] == pytest.approx(3.0 + np.exp(0.5) + 1.0, rel=1e-12)


def test_backward_is_idempotent_and_fresh_each_call():
    g, x, y, z, q, f = circuit()
    run = g.forward({"x": -2.0, "y": 5.0, "z": -4.0})
    first, second = run.backward(f), run.backward(f)
    assert first is not second
    assert [first[n] for n in "xyzqf"] == [second[n] for n in "xyzqf"] == [-4.0, -4.0, 3.0, -4.0, 1.0]


def test_broadcast_gradients_are_reduced_to_input_shapes():
    g = gf.Graph()
    m, row, s = g.input("m"), g.input("row"), g.input("s")
    f = gf.sum(m * row + s)
    grads = g.forward({"m": np.ones((3, 2)), "row": np.array([[1.0, 2.0]]), "s": 1.0}).backward(f)
    assert grads[m].shape == (3, 2) and grads[row].shape == (1, 2) and np.shape(grads[s]) == ()
    np.testing.assert_array_equal(grads[row], [[3.0, 3.0]])
    assert grads[s] == 6.0


def test_wrt_limits_the_work_and_says_so():
    g, x, y, z, q, f = circuit()
    run = g.forward({"x": -2.0, "y": 5.0, "z": -4.0})
    grads = run.backward(f, wrt=[x])
    assert grads[x] == -4.0 and grads[q] == -4.0  # q lies between x and f
    assert "z" not in grads
    with pytest.raises(gf.UnknownNodeError, match="wrt"):
        grads[z]


def test_nodes_the_output_does_not_depend_on_have_zero_gradient():
    g, x, y, z, q, f = circuit()
    run = g.forward({"x": -2.0, "y": 5.0, "z": -4.0})
    assert run.backward(q)[z] == 0.0


def test_custom_seed_and_its_shape_check():
    g = gf.Graph()
    x = g.input("x")
    f = x * 2.0
    run = g.forward({"x": np.array([1.0, 2.0])})
    np.testing.assert_array_equal(run.backward(f, seed=[1.0, 10.0])[x], [2.0, 20.0])
    with pytest.raises(gf.ShapeError, match="seed"):
        run.backward(f, seed=[1.0])


def test_plan_is_cached_until_the_graph_changes():
    g, x, y, z, q, f = circuit()
    plan = g.plan([f])
    assert g.plan([f]) is plan and g.plan("f") is plan
    g.input("w")
    assert g.plan([f]) is not plan


def test_outputs_that_need_every_node_share_the_full_plan():
    g, x, y, z, q, f = circuit()
    assert g.plan([f]) is g.plan() and g.plan([q]) is not g.plan()
    assert g.plan([q]).names == ["x", "y", "q"]


def test_order_follows_the_edges_when_the_building_order_does_not():
    g = gf.Graph()
    x = g.input("x")
    a = g.gate("neg", x, name="a")
    b = g.gate("exp", x, name="b")  # added after a
    assert g.topological_order() == ["x", "a", "b"]  # the building order, already topological
    g.replace_input(a, 0, b)  # a now reads b: the building order runs against the edge b -> a
    assert g.topological_order() == ["x", "b", "a"]
    assert g.forward({"x": 0.0})[a] == -1.0
    g.nx.add_edge("c", "x")  # a node appended behind the builder's back, feeding x
    g.input("w")  # any change through the builder drops the cached order
    order = g.topological_order()
    assert order.index("c") < order.index("x") < order.index("b") < order.index("a")


@given(st.data())
def test_order_and_values_stay_right_under_any_building_and_rewiring(data):
    g = gf.Graph()
    names = [g.input("x").name]
    gates = []
    for _ in range(data.draw(st.integers(1, 15), label="steps")):
        if not gates or data.draw(st.booleans(), label="add a gate"):
            a, b = data.draw(st.sampled_from(names)), data.draw(st.sampled_from(names))
            gates.append(g.gate("add", a, b).name)
            names.append(gates[-1])
        else:
            target, slot = data.draw(st.sampled_from(gates)), data.draw(st.integers(0, 1))
            try:
                g.replace_input(target, slot, data.draw(st.sampled_from(names)))
            except gf.CycleError:
                pass  # refused, the graph unchanged
    position = {name: i for i, name in enumerate(g.topological_order())}
    assert all(position[u] < position[v] for u, v in g.nx.edges)

    def value(name):  # the graph evaluated by recursion, straight from the node attributes
        inputs = g.nx.nodes[name].get("inputs")
        return 1.0 if inputs is None else value(inputs[0]) + value(inputs[1])

    run = g.forward({"x": 1.0})
    assert all(run[name] == value(name) for name in names)


def test_run_keeps_the_values_it_used():
    g = gf.Graph()
    w = g.param("w", 2.0)
    f = w * 3.0
    run = g.forward()
    g.set_value(w, 5.0)
    assert run[w] == 2.0 and g.forward()[f] == 15.0


def test_deep_chain_needs_no_recursion():
    g = gf.Graph()
    v = x = g.input("x")
    for _ in range(30_000):
        v = gf.tanh(v)
    run = g.forward({"x": 0.5}, outputs=[v])
    grads = run.backward(v, wrt=[x])
    assert 0 < grads[x] < 1


def test_missing_feed_names_the_input():
    g, *_ = circuit()
    with pytest.raises(gf.FeedError, match="'z'"):
        g.forward({"x": 1.0, "y": 2.0})


def test_unknown_feed_names_it_and_lists_the_inputs():
    g, *_ = circuit()
    with pytest.raises(gf.FeedError, match="'w'.*'x', 'y', 'z'"):
        g.forward({"x": 1.0, "y": 2.0, "z": 3.0, "w": 4.0})


def test_feeding_a_gate_or_garbage_is_refused():
    g, *_ = circuit()
    with pytest.raises(gf.FeedError, match="'q'.*gate"):
        g.forward({"x": 1.0, "y": 2.0, "z": 3.0, "q": 4.0})
    with pytest.raises(gf.FeedError, match="'x'"):
        g.forward({"x": "abc", "y": 2.0, "z": 3.0})


def test_shape_mismatch_names_node_gate_and_shapes():
    g = gf.Graph()
    a, b = g.input("a"), g.input("b")
    c = g.gate("matmul", a, b, name="scores")
    with pytest.raises(gf.ShapeError) as info:
        g.forward({"a": np.ones((2, 3)), "b": np.ones((4, 5))})
    message = str(info.value)
    assert "'scores'" in message and "MatMulGate" in message and "(2, 3)" in message and "(4, 5)" in message
    assert g.forward({"a": np.ones((2, 3)), "b": np.ones((3, 5))})[c].shape == (2, 5)


class _Square(gf.Gate):
    name, arity = "square", 1

    def forward(self, x):
        return x * x


def test_backward_with_wrong_count_names_the_gate():
    class TwoGrads(_Square):
        def backward(self, grad, out, x):
            return grad * 2 * x, grad

    g = gf.Graph()
    x = g.input("x")
    f = g.gate(TwoGrads(), x, name="sq")
    with pytest.raises(gf.GateContractError, match="'sq'.*returned 2.*tuple of 1"):
        g.forward({"x": 1.0}).backward(f)


def test_backward_with_bare_value_names_the_gate():
    class Bare(_Square):
        def backward(self, grad, out, x):
            return grad * 2 * x

    g = gf.Graph()
    f = g.gate(Bare(), g.input("x"), name="sq")
    with pytest.raises(gf.GateContractError, match="'sq'.*return \\(g,\\)"):
        g.forward({"x": 1.0}).backward(f)


def test_backward_with_wrong_shape_names_gate_and_shapes():
    class WrongShape(_Square):
        def backward(self, grad, out, x):
            return (np.ones(7),)

    g = gf.Graph()
    f = g.gate(WrongShape(), g.input("x"), name="sq")
    with pytest.raises(gf.GateContractError, match="'sq'.*shape \\(7,\\).*shape \\(3,\\)"):
        g.forward({"x": np.ones(3)}).backward(f)


def test_a_gate_returning_python_numbers_still_works():
    class PyFloat(_Square):
        def forward(self, x):
            return float(x) ** 2

        def backward(self, grad, out, x):
            return (2.0 * float(x) * float(grad),)

    g = gf.Graph()
    x = g.input("x")
    f = g.gate(PyFloat(), x) * 1.0
    assert g.forward({"x": 3.0}).backward(f)[x] == 6.0


def test_failing_gate_error_names_node_and_gate():
    class Broken(_Square):
        def forward(self, x):
            raise ZeroDivisionError("boom")

    g = gf.Graph()
    g.gate(Broken(), g.input("x"), name="bad")
    with pytest.raises(gf.GateContractError, match="'bad'.*square.*ZeroDivisionError"):
        g.forward({"x": 1.0})


def test_gates_that_accept_needs_skip_unwanted_gradients():
    seen = []

    class SpyMatMul(gf.MatMulGate):
        def backward(self, grad, out, x, y, *, needs=(True, True)):
            seen.append(needs)
            return super().backward(grad, out, x, y, needs=needs)

    g = gf.Graph()
    X, W = g.input("X"), g.param("W", np.arange(6.0).reshape(3, 2))
    loss = gf.sum(g.gate(SpyMatMul(), X, W))
    run = g.forward({"X": np.ones((4, 3))})
    np.testing.assert_array_equal(run.backward(loss, wrt=[W])[W], np.full((3, 2), 4.0))
    np.testing.assert_array_equal(run.backward(loss)[X], np.tile([1.0, 5.0, 9.0], (4, 1)))
    assert seen == [(False, True), (True, True)]


def test_an_input_fed_twice_does_not_hide_a_missing_one():
    g, x, y, z, q, f = circuit()
    with pytest.raises(gf.FeedError, match="'y'"):
        g.forward({x: 1.0, "x": 2.0}, outputs=[q])  # q needs x and y; x counted once


@pytest.mark.parametrize("seed", ["abc", None.__class__, {"a": 1}])
def test_a_seed_that_is_not_numbers_is_a_feed_error(seed):
    g = gf.Graph()
    x = g.input("x")
    f = g.gate("mul", x, x, name="f")
    run = g.forward({"x": [1.0, 2.0]})
    with pytest.raises(gf.FeedError, match="seed gradient for 'f'"):
        run.backward(f, seed=seed)
