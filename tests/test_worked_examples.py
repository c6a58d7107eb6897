"""The published worked examples, reproduced by the scripts in examples/ (rel 1e-6)."""

import sys

import numpy as np
import pytest

import gateflow as gf

from example_scripts import WORKED_EXAMPLES
from example_scripts import load_example as load

REL = 1e-6


def forward_backward(module_build):
    graph, feeds, output = module_build()
    run = graph.forward(feeds)
    return run, run.backward(output)


def test_01_smallest_circuit():
    run, grads = forward_backward(load("01").build)
    assert {n: run[n] for n in "xyzqf"} == {"x": -2, "y": 5, "z": -4, "q": 3, "f": -12}
    assert {n: grads[n] for n in "xyzqf"} == {"x": -4, "y": -4, "z": 3, "q": -4, "f": 1}


@pytest.mark.parametrize("builder", ["build", "build_with_sigmoid_gate"])
def test_02_sigmoid_neuron_both_ways(builder):
    run, grads = forward_backward(getattr(load("02"), builder))
    assert run["f"] == pytest.approx(0.7310585786, rel=REL)
    assert [grads[n] for n in ("w0", "w1", "w2")] == pytest.approx([-0.1966119332, -0.3932238665, 0.1966119332], rel=REL)
    assert [grads[n] for n in ("x0", "x1")] == pytest.approx([0.3932238665, -0.5898357997], rel=REL)


def test_02_elementary_intermediates_to_two_decimals():
    run, grads = forward_backward(load("02").build)
    expected = {"w0x0": (-2.00, 0.20), "w1x1": (6.00, 0.20), "sum": (4.00, 0.20), "z": (1.00, 0.20),
                "neg": (-1.00, -0.20), "exp": (0.37, -0.53), "plus1": (1.37, -0.53), "f": (0.73, 1.00)}
    for name, (value, grad) in expected.items():
        assert (round(float(run[name]), 2), round(float(grads[name]), 2)) == (value, grad), name


def test_03_two_layer_network_forward_and_one_step():
    module = load("03")
    run, _ = forward_backward(module.build)
    assert [run[n] for n in ("h1", "h2", "o1", "o2", "E")] == pytest.approx(
        [0.593269992, 0.596884378, 0.75136507, 0.772928465, 0.298371109], rel=REL)
    graph, feeds, error = module.train(1)
    expected = {"w1": 0.149780716, "w2": 0.19956143, "w3": 0.24975114, "w4": 0.29950229,
                "w5": 0.35891648, "w6": 0.408666186, "w7": 0.511301270, "w8": 0.561370121}
    assert {n: graph.value(n) for n in expected} == pytest.approx(expected, rel=REL)
    assert (graph.value("b1"), graph.value("b2")) == (0.35, 0.60)  # frozen
    assert graph.forward(feeds)[error] == pytest.approx(0.291027774, rel=REL)


def test_03_two_layer_network_after_10000_steps():
    graph, feeds, error = load("03").train(10_000)
    run = graph.forward(feeds)
    assert run[error] == pytest.approx(3.51019e-5, rel=1e-5)  # published to 6 digits
    assert (run["o1"], run["o2"]) == pytest.approx((0.015913620, 0.984064274), rel=REL)


def test_04_relu_network_gives_4_not_14():
    run, grads = forward_backward(load("04").build)
    assert (run["a1"], run["a2"], run["J"]) == (2, 7, 2)
    assert {n: grads[n] for n in ("w2", "b2", "w1", "b1")} == {"w2": 4, "b2": 2, "w1": 6, "b1": 6}


@pytest.mark.parametrize("point", [-3.0, -0.5, 0.25, 1.0, 2.0, 7.5])
def test_05_computer_algebra_derivatives(point):
    module = load("05")
    for expression, closed_form in module.CASES.values():
        assert module.derivative(expression, point) == pytest.approx(closed_form(point), rel=1e-12)


def test_06_linear_regression_matches_closed_forms_and_recovers_coefficients():
    module = load("06")
    rng = np.random.default_rng(7)
    X, y = rng.standard_normal((30, 3)), rng.standard_normal(30)
    graph, feeds, J = module.build(X, y)
    w, b = rng.standard_normal(3), 0.3
    graph.set_value("w", w)
    graph.set_value("b", b)
    grads = graph.forward(feeds).backward(J)
    dw, db = module.closed_form_gradients(X, y, w, b)
    np.testing.assert_allclose(grads["w"], dw, rtol=1e-10)
    assert grads["b"] == pytest.approx(db, rel=1e-10)
    w_fit, b_fit, loss = module.fit()
    np.testing.assert_allclose(w_fit, module.TRUE_W, atol=1e-6)
    assert b_fit == pytest.approx(module.TRUE_B, abs=1e-6) and loss < 1e-12


def test_07_gate_patterns():
    run, grads = forward_backward(load("07").build)
    assert grads["xy"] == grads["max"] == 2.0  # add distributes
    assert (grads["z"], grads["w"]) == (2.0, 0.0)  # max routes
    assert (grads["y"], grads["xy"] * run["y"]) == (6.0, -8.0)  # mul switches: d/dy = 2·x
    assert grads["x"] == -7.0  # fan-out adds: 2·y + 1


@pytest.mark.parametrize("kind", ["svm", "softmax"])
def test_08_losses_with_l2_pass_gradient_check(kind):
    graph, feeds, loss = load("08").build(kind)
    report = gf.gradcheck(graph, feeds, loss, wrt=["W"], tolerance=1e-7)
    assert report.ok and report.max_error < 1e-7
    lam_grad = graph.forward(feeds).backward(graph["sum_sq"])["W"]
    np.testing.assert_allclose(lam_grad, 2 * graph.value("W"))  # d ΣW² / dW = 2W


@pytest.mark.parametrize("script", [p.name for p in WORKED_EXAMPLES])
def test_every_example_script_runs(script, capsys, monkeypatch):
    monkeypatch.setattr(sys, "argv", [script])
    module = load(script.split("_")[0])
    if script.startswith("03"):
        module.main(["--steps", "10"])
    elif hasattr(module, "main") and module.main.__module__ == module.__name__:
        module.main()
    else:
        from gateflow.learn.example import main

        main(module.build, module.__doc__, argv=[])
    assert capsys.readouterr().out.strip()
