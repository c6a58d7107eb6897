"""Gate parameters are checked when a gate is built, in code and by name (graph files:
test_io.py). A refused gate, value or feed leaves the graph as it was."""

import numpy as np
import pytest

import gateflow as gf
from gateflow.errors import GateParameterError, GraphError

BAD = [
    (gf.SumGate, "axis", "a"),
    (gf.SumGate, "axis", 99),
    (gf.SumGate, "axis", -65),
    (gf.SumGate, "axis", "os.system('x')"),
    (gf.SumGate, "axis", list(range(10_000))),
    (gf.SumGate, "axis", True),
    (gf.SumGate, "axis", (0, 0)),
    (gf.SumGate, "axis", 1.0),
    (gf.SumGate, "axis", {"a": 1}),
    (gf.SumGate, "keepdims", 1),
    (gf.SumGate, "keepdims", "yes"),
    (gf.MeanGate, "axis", [0, "1"]),
    (gf.MeanGate, "keepdims", None),
    (gf.PowerGate, "exponent", float("nan")),
    (gf.PowerGate, "exponent", float("inf")),
    (gf.PowerGate, "exponent", "2"),
    (gf.PowerGate, "exponent", True),
    (gf.PowerGate, "exponent", 1j),
    (gf.ReshapeGate, "shape", "ab"),
    (gf.ReshapeGate, "shape", (2, -1, -1)),
    (gf.ReshapeGate, "shape", (2, -3)),
    (gf.ReshapeGate, "shape", (1,) * 65),
    (gf.ReshapeGate, "shape", (2.0, 3)),
    (gf.TransposeGate, "axes", (0, 2)),
    (gf.TransposeGate, "axes", (1, 1)),
    (gf.TransposeGate, "axes", (0, -2)),
    (gf.TransposeGate, "axes", "10"),
    (gf.MulticlassHingeGate, "margin", -1.0),
    (gf.MulticlassHingeGate, "margin", float("nan")),
    (gf.L2PenaltyGate, "lam", float("inf")),
    (gf.L2PenaltyGate, "lam", -0.5),
    (gf.L2PenaltyGate, "lam", None),
]


@pytest.mark.parametrize("gate_class, parameter, value", BAD, ids=[f"{c.name}-{p}-{v!r:.20}" for c, p, v in BAD])
def test_a_bad_parameter_is_refused_naming_the_gate_and_the_parameter(gate_class, parameter, value):
    with pytest.raises(GateParameterError, match=f"gate '{gate_class.name}' .*parameter '{parameter}' must be") as info:
        gate_class(**{parameter: value})
    assert isinstance(info.value, gf.GateflowError) and len(str(info.value)) < 300


GOOD = [
    (gf.SumGate(axis=[1, -1]), {"axis": (1, -1), "keepdims": False}),
    (gf.SumGate(axis=np.int64(2), keepdims=np.True_), {"axis": 2, "keepdims": True}),
    (gf.MeanGate(axis=63), {"axis": 63, "keepdims": False}),
    (gf.PowerGate(exponent=3), {"exponent": 3.0}),
    (gf.PowerGate(exponent=np.float32(0.5)), {"exponent": 0.5}),
    (gf.ReshapeGate(shape=6), {"shape": (6,)}),
    (gf.ReshapeGate(shape=[0, -1]), {"shape": (0, -1)}),
    (gf.TransposeGate(axes=np.array([1, 0])), {"axes": (1, 0)}),
    (gf.TransposeGate(axes=[-1, 0, 1]), {"axes": (-1, 0, 1)}),
    (gf.MulticlassHingeGate(margin=0), {"margin": 0.0}),
    (gf.L2PenaltyGate(lam=1e-4), {"lam": 1e-4}),
]


@pytest.mark.parametrize("gate, params", GOOD, ids=[repr(g) for g, _ in GOOD])
def test_good_parameters_are_kept_in_their_canonical_form(gate, params):
    assert gate.params() == params
    assert all(type(v) is type(params[k]) for k, v in gate.params().items())


def snapshot(graph):
    return (
        graph.version,
        list(graph.nx.nodes(data=True)),
        list(graph.nx.edges(data=True)),
        dict(graph._params),
        dict(graph._counters),
    )


def test_refused_gates_and_values_leave_the_graph_as_it_was():
    g = gf.Graph()
    x, w = g.input("x"), g.param("w", [1.0, 2.0])
    y = gf.sum(x * w, name="y")
    before, result = snapshot(g), g.forward({"x": [3.0, 4.0]})["y"]
    attempts = [
        lambda: g.gate("sum", x, axis="a"),
        lambda: g.gate(gf.SumGate, x, axis=99, name="s"),
        lambda: gf.mean(x, axis=(0, 0)),
        lambda: x.sum(keepdims="no"),
        lambda: x ** float("nan"),
        lambda: gf.reshape(x, (-1, -1)),
        lambda: gf.transpose(x, axes=(0, 2)),
        lambda: gf.multiclass_hinge(x, w, margin=float("inf")),
        lambda: gf.l2(w, lam=-1.0),
        lambda: x + None,
        lambda: x * "3",
        lambda: g.param("v", None),
        lambda: g.const({"a": 1}),
        lambda: g.set_value("w", [[1.0, 2.0], [3.0]]),
        lambda: g.set_value("w", None),
        lambda: g.forward({"x": None}),
        lambda: g.forward({"x": [[1.0], [2.0, 3.0]]}),
    ]
    for attempt in attempts:
        with pytest.raises(gf.GateflowError):
            attempt()
        assert snapshot(g) == before
    assert g.forward({"x": [3.0, 4.0]})["y"] == result == 11.0
    np.testing.assert_array_equal(g.value("w"), [1.0, 2.0])


def test_by_name_the_same_checks_apply_and_unknown_parameters_are_graph_errors():
    g = gf.Graph()
    x = g.input("x")
    with pytest.raises(GateParameterError, match="'axis'"):
        g.gate("mean", x, axis=[0, 0])
    with pytest.raises(GraphError, match="cannot build gate 'sum'"):
        g.gate("sum", x, speed=2)
    assert len(g) == 1
