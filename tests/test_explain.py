"""`explain`: the chain rule written out gate by gate, with the numbers."""

from __future__ import annotations

import numpy as np

import gateflow as gf
from gateflow.learn.demo import run_demo


def test_the_smallest_circuit_is_explained_wire_by_wire():
    g = gf.Graph()
    x, y, z = g.input("x"), g.input("y"), g.input("z")
    q = g.gate("add", x, y, name="q")
    f = g.gate("mul", q, z, name="f")
    text = gf.explain(g.forward({"x": -2.0, "y": 5.0, "z": -4.0}).backward(f))
    lines = [line.strip() for line in text.splitlines()]
    assert "∂f/∂f = 1  (the seed: f with respect to itself)" in lines
    assert lines.index("f = mul(q, z)    [f(x, y) = x * y. Backward: a switch, each input's gradient is grad times the other input.]") < lines.index(
        "q = add(x, y)    [f(x, y) = x + y. Backward: distributes the upstream gradient unchanged to both inputs.]"
    )
    for line in (
        "∂f/∂q = ∂f/∂f × ∂f/∂q = 1 × -4 = -4",
        "∂f/∂z = ∂f/∂f × ∂f/∂z = 1 × 3 = 3",
        "∂f/∂x = ∂f/∂q × ∂q/∂x = -4 × 1 = -4",
        "∂f/∂y = ∂f/∂q × ∂q/∂y = -4 × 1 = -4",
    ):
        assert line in lines
    assert lines[-3:] == ["∂f/∂x = -4", "∂f/∂y = -4", "∂f/∂z = 3"]


def test_the_neuron_explanation_has_the_published_numbers():
    _, grads = run_demo()
    text = gf.explain(grads, digits=2)
    assert "∂f/∂z = ∂f/∂f × ∂f/∂z = 1 × 0.2 = 0.2" in text
    assert "∂f/∂x1 = ∂f/∂w1x1 × ∂w1x1/∂x1 = 0.2 × -3 = -0.59" in text
    assert "∂f/∂w0 = ∂f/∂w0x0 × ∂w0x0/∂w0 = 0.2 × -1 = -0.2" in text


def test_fan_outs_show_the_sum_of_the_wires():
    g = gf.Graph()
    x, y = g.input("x"), g.input("y")
    a = g.gate("mul", x, y, name="a")
    b = g.gate("mul", x, x, name="b")
    f = g.gate("add", a, b, name="f")
    text = gf.explain(g.forward({"x": 2.0, "y": 3.0}).backward(f))
    assert "x feeds 3 wires, so their gradients add up:" in text
    line = next(line.strip() for line in text.splitlines() if line.strip().startswith("∂f/∂x = ") and "into" in line)
    parts = line.removeprefix("∂f/∂x = ").removesuffix(" = 7").split(" + ")
    assert sorted(parts) == ["2 (into b, argument 0)", "2 (into b, argument 1)", "3 (into a)"]
    # the sum comes after every wire out of x was explained
    assert text.index("x feeds") > text.index("∂f/∂x = ∂f/∂a × ∂a/∂x = 1 × 3 = 3")
    assert "y feeds" not in text


def test_arrays_are_explained_as_vector_jacobian_products():
    g = gf.Graph()
    w = g.param("w", np.ones((2, 3)))
    v = g.input("v")
    loss = gf.sum(w @ v, name="L")
    text = gf.explain(g.forward({"v": [1.0, 2.0, 3.0]}).backward(loss))
    assert "∂L/∂v = ∂L/∂matmul_1 pushed back through matmul (a vector-Jacobian product): [1., 1.] -> [2., 2., 2.]" in text
    assert "∂L/∂w = [[1., 2., 3.], [1., 2., 3.]]" in text
