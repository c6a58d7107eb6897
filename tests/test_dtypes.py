"""float32 stays float32 end to end: values and gradients of every built-in gate, Python
constants (weak in numpy's promotion rules), seeds, parameters and optimizer steps."""

import numpy as np
import pytest

import gateflow as gf
from gate_cases import CASES, build, case_id


def test_every_builtin_gate_has_a_case():
    assert {case[0] for case in CASES} == set(gf.BUILTIN_GATES) - {gf.NumpyBackwardGate}


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_float32_values_and_gradients_stay_float32(case):
    g, loss, nodes, feeds = build(case)
    run = g.forward({k: v.astype(np.float32) for k, v in feeds.items()})
    grads = run.backward(loss)
    for name, value in run.items():
        if g[name].kind != "const":  # Python numbers: weak, they take the arrays' dtype
            assert value.dtype == np.float32, f"{name} is {value.dtype}"
    for node in nodes:
        assert grads[node].dtype == np.float32 and grads[node].shape == feeds[node.name].shape
    reference = g.forward(feeds)  # the same numbers in float64
    np.testing.assert_allclose(run[loss], reference[loss], rtol=1e-4)


def test_python_constants_keep_float32_and_float64_unchanged():
    g = gf.Graph()
    x = g.input("x")
    f = gf.mean(gf.sigmoid(x * 0.5 + 1.0) ** 2 - 2.0 / (x * x + 1.0))
    x32 = np.linspace(-1, 1, 5, dtype=np.float32)
    run32, run64 = g.forward({x: x32}), g.forward({x: x32.astype(np.float64)})
    assert run32[f].dtype == np.float32 and run32.backward(f)[x].dtype == np.float32
    assert type(run64[f]) is np.float64 and run64.backward(f)[x].dtype == np.float64
    np.testing.assert_allclose(run32[f], run64[f], rtol=1e-6)


def test_a_float32_scalar_output_gets_a_float32_seed():
    g = gf.Graph()
    x = g.input("x")
    f = x * x
    run = g.forward({x: np.float32(3.0)})
    assert type(run[f]) is np.float32 and type(run.backward(f)[x]) is np.float32
    assert run.backward(f, seed=np.float32(2.0))[x] == 12.0


def test_gradients_of_unreached_nodes_are_zeros_of_the_same_dtype():
    g = gf.Graph()
    x, y = g.input("x"), g.input("y")
    f = x * 2.0
    run = g.forward({x: np.ones(2, np.float32), y: np.ones(3, np.float32)})
    assert run.backward(f)[y].dtype == np.float32


@pytest.mark.parametrize("optimizer", [lambda g: gf.SGD(g, lr=0.1, momentum=0.9), lambda g: gf.Adam(g)])
def test_float32_parameters_stay_float32_through_training(optimizer):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((40, 3)).astype(np.float32)
    y = (X @ np.array([1.0, -2.0, 0.5], np.float32) > 0).astype(np.float32)
    g = gf.Graph()
    x, t = g.input("x"), g.input("t")
    W = g.param("W", np.zeros(3, np.float32))
    b = g.param("b", np.float32(0.0))
    loss = gf.binary_cross_entropy(x @ W + b, t)
    history = gf.fit(loss, {x: X, t: y}, optimizer=optimizer(g), epochs=3, batch_size=8, progress=False)
    assert W.value.dtype == np.float32 and type(b.value) is np.float32
    assert history["loss"][-1] < history["loss"][0]


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_float32_gradient_nodes_stay_float32(case):
    g, loss, nodes, feeds = build(case)
    gradients = gf.grad(loss, nodes)
    run = g.forward({k: v.astype(np.float32) for k, v in feeds.items()}, outputs=gradients)
    for node, gradient in zip(nodes, gradients):
        assert run[gradient].dtype == np.float32, f"{gradient.name} is {run[gradient].dtype}"
        assert np.shape(run[gradient]) == feeds[node.name].shape
