"""Building graphs: handles, operators, names, values, and build-time errors that leave
the graph exactly as it was."""

import networkx as nx
import numpy as np
import pytest

import gateflow as gf


def snapshot(g):
    return (len(g), g.version, sorted(g.nx.nodes), sorted(g.nx.edges(data=True), key=str))


def test_operators_add_the_gates_they_name():
    g = gf.Graph()
    x, y = g.input("x"), g.input("y")
    cases = {
        x + y: gf.AddGate, x - y: gf.SubtractGate, x * y: gf.MultiplyGate, x / y: gf.DivideGate,
        x @ y: gf.MatMulGate, -x: gf.NegateGate, x**2: gf.PowerGate, x**y: gf.PowGate,
        1 / x: gf.ReciprocalGate, 2 * x: gf.MultiplyGate, 3 - x: gf.SubtractGate,
        x.T: gf.TransposeGate, x.sum(axis=0): gf.SumGate, x.mean(): gf.MeanGate,
        x.reshape(2, 1): gf.ReshapeGate,
    }
    for node, gate_class in cases.items():
        assert type(node.gate) is gate_class, node


def test_numbers_become_constants_in_argument_order():
    g = gf.Graph()
    x = g.input("x")
    f = 3 - x
    first, second = f.inputs
    assert first.kind == "const" and first.value == 3.0 and second is x
    assert g.forward({"x": 1.0})[f] == 2.0


def test_numpy_array_on_the_left_defers_to_the_node():
    g = gf.Graph()
    x = g.input("x")
    f = np.array([1.0, 2.0]) * x
    assert isinstance(f, gf.Node)
    np.testing.assert_array_equal(g.forward({"x": 3.0})[f], [3.0, 6.0])


def test_explicit_and_by_name_forms():
    g = gf.Graph()
    q, z = g.input("q"), g.input("z")
    f = g.gate(gf.MultiplyGate(), q, z, name="f")
    h = g.gate("mul", q, z)
    s = g.gate("sum", f, axis=None)
    assert f.name == "f" and h.name == "mul_1" and s.gate == gf.SumGate()
    assert g["f"] is f and "f" in g and f in g


def test_same_node_twice_feeds_two_slots():
    g = gf.Graph()
    x = g.input("x")
    f = x * x
    assert g.nx.edges[x.name, f.name]["slots"] == (0, 1)
    assert g.forward({"x": 3.0}).backward(f)[x] == 6.0


def test_readable_automatic_names_skip_taken_ones():
    g = gf.Graph()
    x = g.input("x")
    g.input("add_1")
    assert (x + x).name == "add_2"


def test_params_consts_and_values():
    g = gf.Graph()
    w = g.param("w", [1.0, 2.0])
    frozen = g.param("b", 1, trainable=False)
    assert g.parameters() == [w, frozen] and g.parameters(trainable=True) == [w]
    assert not g.is_trainable(frozen)
    np.testing.assert_array_equal(g.value(w), [1.0, 2.0])
    assert g.value("b") == 1.0 and isinstance(g.value("b"), np.float64)
    with pytest.raises(ValueError):
        g.value(w)[0] = 5.0  # stored values are read-only: use set_value
    g.set_value(w, [3.0, 4.0])
    np.testing.assert_array_equal(w.value, [3.0, 4.0])


def test_param_keeps_its_own_copy():
    values = np.array([1.0, 2.0])
    g = gf.Graph()
    w = g.param("w", values)
    values[0] = 99.0
    assert w.value[0] == 1.0


def test_set_value_refuses_another_shape():
    g = gf.Graph()
    w = g.param("w", [1.0, 2.0])
    with pytest.raises(gf.ShapeError, match="'w' has shape \\(2,\\)"):
        g.set_value(w, [1.0, 2.0, 3.0])
    np.testing.assert_array_equal(w.value, [1.0, 2.0])
    with pytest.raises(gf.GraphError, match="not a parameter"):
        g.set_value(g.input("x"), 1.0)


def test_duplicate_name_is_refused_and_graph_unchanged():
    g = gf.Graph()
    x = g.input("x")
    before = snapshot(g)
    with pytest.raises(gf.DuplicateNameError, match="'x'"):
        g.param("x", 1.0)
    with pytest.raises(gf.DuplicateNameError):
        g.gate("add", x, 1.0, name="x")  # the constant 1.0 must not be left behind
    assert snapshot(g) == before


def test_wrong_arity_names_the_gate_and_leaves_graph_unchanged():
    g = gf.Graph()
    x = g.input("x")
    before = snapshot(g)
    with pytest.raises(gf.ArityError, match="'mul' .*takes 2 input.*given 3"):
        g.gate("mul", x, x, 2.0)
    assert snapshot(g) == before


def test_unknown_gate_name_suggests_close_ones():
    g = gf.Graph()
    x = g.input("x")
    with pytest.raises(gf.UnknownGateError, match="'sigmod'.*'sigmoid'"):
        g.gate("sigmod", x)


def test_bad_constant_and_foreign_node_are_refused_without_change():
    g, other = gf.Graph(), gf.Graph()
    x, y = g.input("x"), other.input("y")
    before = snapshot(g)
    with pytest.raises(gf.GraphError, match="another graph"):
        x + y
    with pytest.raises(gf.GraphError, match="number or an array"):
        x + [1.0, "two"]
    with pytest.raises(gf.UnknownNodeError):
        g.gate("add", x, "nope")
    assert snapshot(g) == before
    assert (x + x).name == "add_1"  # failed calls did not use up automatic names


def test_replace_input_refuses_a_cycle_naming_it():
    g = gf.Graph()
    x = g.input("x")
    a = g.gate("add", x, x, name="a")
    b = g.gate("mul", a, x, name="b")
    before = snapshot(g)
    with pytest.raises(gf.CycleError) as info:
        g.replace_input(a, 0, b)
    assert info.value.cycle == ["a", "b", "a"] and "a -> b -> a" in str(info.value)
    assert snapshot(g) == before


def test_a_gate_of_many_inputs_records_each_slot():
    class Total(gf.Gate):
        """f(x₀, ..., x₉) = Σ xᵢ. Backward: each input's gradient is grad."""

        name, arity = "total", 10

        def forward(self, *xs):
            return sum(xs)

        def backward(self, grad, out, *xs):
            return (grad,) * len(xs)

    g = gf.Graph()
    xs = [g.input(f"x{i}") for i in range(10)]
    f = g.gate(Total(), *xs, name="f")
    assert [g.nx.edges[x.name, "f"]["slots"] for x in xs] == [(i,) for i in range(10)]
    assert g.forward({x.name: float(i) for i, x in enumerate(xs)})[f] == 45.0


def test_replace_input_rewires_edges_and_results():
    g = gf.Graph()
    x, y = g.input("x"), g.input("y")
    f = g.gate("mul", x, x, name="f")
    g.replace_input(f, 1, y)
    assert g.nx.edges["x", "f"]["slots"] == (0,) and g.nx.edges["y", "f"]["slots"] == (1,)
    assert g.forward({"x": 2.0, "y": 5.0})[f] == 10.0


def test_cycle_made_behind_the_builders_back_is_reported_with_its_nodes():
    g = gf.Graph()
    x = g.input("x")
    a = g.gate("neg", x, name="a")
    g.gate("neg", a, name="b")
    g.nx.add_edge("b", "a")  # bypasses the builder, e.g. a hand-edited graph
    with pytest.raises(gf.CycleError, match="a -> b -> a|b -> a -> b"):
        g.forward({"x": 1.0})


def test_nodes_by_kind_and_repr():
    g = gf.Graph()
    x = g.input("x")
    w = g.param("w", 2.0)
    f = x * w
    assert g.nodes("input") == [x] and g.nodes("gate") == [f] and list(g) == [x, w, f]
    assert repr(f) == "<Node 'mul_1' = mul(x, w)>"
    assert isinstance(g.nx, nx.DiGraph)
    with pytest.raises(gf.GraphError):
        g.nodes("gates")
