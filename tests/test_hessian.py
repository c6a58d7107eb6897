"""Hessian-vector products and dense Hessians from gf.grad applied twice; Newton's method."""

import numpy as np
import pytest

import gateflow as gf
from example_scripts import load_example


def rosenbrock_hessian(x, y):
    return np.array([[2 - 400 * (y - x**2) + 800 * x**2, -400 * x], [-400 * x, 200.0]])


def test_dense_hessian_of_rosenbrock_and_the_graph_is_left_as_it_was():
    g, f, wrt = load_example("newton_rosenbrock").build()
    nodes, counters = sorted(g.nx.nodes), dict(g._counters)
    np.testing.assert_allclose(gf.hessian(f, wrt), rosenbrock_hessian(-1.2, 1.0), rtol=1e-12)
    assert sorted(g.nx.nodes) == nodes and g._counters == counters


def test_hessian_of_a_quadratic_form_over_array_nodes():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((3, 3))
    g = gf.Graph()
    x, y = g.input("x"), g.input("y")
    f = gf.sum(x * (g.const(a) @ x)) + gf.sum(x) * y**2
    feeds = {"x": rng.standard_normal(3), "y": 0.7}
    expected = np.zeros((4, 4))
    expected[:3, :3] = a + a.T
    expected[:3, 3] = expected[3, :3] = 2 * 0.7
    expected[3, 3] = 2 * feeds["x"].sum()
    np.testing.assert_allclose(gf.hessian(f, [x, y], feeds), expected, rtol=1e-12, atol=1e-12)


def test_hvp_is_the_hessian_times_the_vector():
    g = gf.Graph()
    x, v = g.input("x"), g.input("v")
    f = gf.sum(gf.tanh(x) * x**3)
    hv = gf.hvp(f, x, v)
    feeds = {"x": np.array([0.3, -1.1, 2.0]), "v": np.array([1.0, -2.0, 0.5])}
    hessian = gf.hessian(f, x, feeds)
    np.testing.assert_allclose(g.forward(feeds, outputs=[hv])[hv], hessian @ feeds["v"], rtol=1e-12)


def test_hvp_needs_one_vector_per_wrt():
    g = gf.Graph()
    x, y = g.input("x"), g.input("y")
    with pytest.raises(gf.ShapeError, match="one vector per wrt"):
        gf.hvp(x * y, [x, y], [x])


def test_newton_minimises_rosenbrock_in_a_few_steps(capsys):
    module = load_example("newton_rosenbrock")
    history = module.newton()
    step, x, y, f, norm = history[-1]
    assert step <= 10 and norm < 1e-12
    assert (x, y) == pytest.approx((1.0, 1.0), abs=1e-12)
    module.main()
    assert capsys.readouterr().out.count("\n") == len(history) + 1
