"""gf.to_sympy: the gradient graphs gf.grad builds are proven equal to sympy's derivatives."""

import subprocess
import sys

import numpy as np
import pytest
import sympy

import gateflow as gf
from example_scripts import load_example as load

WORKED = [("01", "build"), ("02", "build"), ("02", "build_with_sigmoid_gate"), ("05", "build")]
# With kinks (ReLU, max) the expressions are piecewise; folding the pieces first saves
# sympy most of its time. Of the ReLU network, the deepest weight and the famous w2.
KINKED = [("04", "build", ["w1", "w2"]), ("07", "build", ["x", "y", "z", "w"])]


def symbol(node):
    return sympy.Symbol(node.name)


@pytest.mark.parametrize("stem, builder", WORKED)
def test_gradient_graphs_equal_the_cas_derivative_on_the_worked_examples(stem, builder):
    g, feeds, f = getattr(load(stem), builder)()
    leaves = [n for n in g.nodes() if n.kind in ("input", "param")]
    expression = gf.to_sympy(f)
    for leaf, d in zip(leaves, gf.grad(f, leaves)):
        assert sympy.simplify(gf.to_sympy(d) - sympy.diff(expression, symbol(leaf))) == 0, leaf.name


@pytest.mark.parametrize("stem, builder, names", KINKED)
def test_with_kinks_too(stem, builder, names):
    g, feeds, f = getattr(load(stem), builder)()
    expression = gf.to_sympy(f)
    for name, d in zip(names, gf.grad(f, names)):
        difference = gf.to_sympy(d) - sympy.diff(expression, symbol(g[name]))
        assert sympy.simplify(sympy.piecewise_fold(difference)) == 0, name


@pytest.mark.parametrize("label", ["w²", "1/w", "1/w²", "h(g(x))"])
def test_first_and_second_derivatives_of_the_cas_exercises(label):
    expression, _ = load("05").CASES[label]
    g = gf.Graph()
    w = g.input("w")
    f = expression(w)
    d1 = gf.grad(f, w)
    d2 = gf.grad(d1, w)
    s = symbol(w)
    assert sympy.simplify(gf.to_sympy(d1) - sympy.diff(gf.to_sympy(f), s)) == 0
    assert sympy.simplify(gf.to_sympy(d2) - sympy.diff(gf.to_sympy(f), s, 2)) == 0


def test_the_expression_computes_what_the_graph_computes():
    g, feeds, f = load("02").build()
    expression = gf.to_sympy(f)
    value = float(expression.subs({sympy.Symbol(k): v for k, v in feeds.items()}))
    assert value == pytest.approx(float(g.forward(feeds)[f]), rel=1e-12)


def test_second_derivatives_of_the_tutorial_are_2_2_over_w_cubed_and_24_2x_plus_3():
    w = sympy.Symbol("w")
    expected = {"w²": 2, "1/w": 2 / w**3, "h(g(x))": 24 * (2 * w + 3)}
    for label, closed in expected.items():
        g = gf.Graph()
        node = g.input("w")
        d2 = gf.grad(gf.grad(load("05").CASES[label][0](node), node), node)
        assert sympy.simplify(gf.to_sympy(d2) - closed) == 0, label


def test_abs_and_its_gradient_agree_with_sympy_including_the_kink():
    g = gf.Graph()
    x = g.input("x")
    f = gf.abs(x) * x
    assert sympy.simplify(sympy.piecewise_fold(gf.to_sympy(gf.grad(f, x)) - sympy.diff(gf.to_sympy(f), symbol(x)))) == 0


def test_a_gate_without_a_formula_is_named():
    g = gf.Graph()
    x = g.input("x")
    with pytest.raises(gf.GraphError, match=r"softmax_cross_entropy.*no sympy formula"):
        gf.to_sympy(g.gate("softmax_cross_entropy", x, g.input("y")))


def test_array_constants_are_refused():
    g = gf.Graph()
    with pytest.raises(gf.GraphError, match="scalars"):
        gf.to_sympy(g.input("x") * np.ones(2))


def test_import_gateflow_does_not_import_sympy():
    code = "import sys, gateflow; assert 'sympy' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)
