"""Layers and initialisers: shapes, names, seeded initial weights, gradients."""

import numpy as np
import pytest

import gateflow as gf


def test_dense_computes_activation_of_xw_plus_b_for_a_batch():
    g = gf.Graph()
    x = g.input("x")
    layer = gf.dense(x, 3, 4, activation="tanh", seed=1)
    assert (layer.W.name, layer.b.name, layer.output.name) == ("dense1.W", "dense1.b", "dense1.tanh")
    assert layer.W.value.shape == (3, 4) and layer.b.value.shape == (4,)
    np.testing.assert_array_equal(layer.b.value, 0.0)
    X = np.random.default_rng(0).normal(size=(5, 3))
    out = g.forward({"x": X})[layer.output]
    np.testing.assert_allclose(out, np.tanh(X @ layer.W.value + layer.b.value), rtol=1e-15)


def test_dense_gradients_match_central_differences():
    g = gf.Graph()
    x = g.input("x")
    layer = gf.dense(x, 3, 2, activation="sigmoid", seed=2)
    g.set_value(layer.b, [0.1, -0.2])
    loss = gf.sum(layer.output**2)
    gf.gradcheck(g, {"x": np.random.default_rng(1).normal(size=(4, 3))}, loss)


def test_layers_are_named_uniquely_and_can_be_named():
    g = gf.Graph()
    x = g.input("x")
    first = gf.dense(x, 2, 2)
    second = gf.dense(first.output, 2, 1, name="head", bias=False)
    assert first.W.name == "dense1.W"
    assert (second.W.name, second.b, second.output.name) == ("head.W", None, "head.xW")
    assert gf.dense(x, 2, 2).W.name == "dense2.W"
    assert second.parameters == (second.W,)


def test_initial_weights_are_seeded():
    def weights(seed):
        g = gf.Graph()
        return gf.dense(g.input("x"), 8, 5, seed=seed).W.value

    np.testing.assert_array_equal(weights(3), weights(3))
    assert not np.array_equal(weights(3), weights(4))


def test_init_follows_the_activation_unless_given():
    g = gf.Graph()
    x = g.input("x")
    relu = gf.dense(x, 400, 300, activation="relu", seed=0).W.value
    tanh = gf.dense(x, 400, 300, activation="tanh", seed=0).W.value
    assert relu.std() == pytest.approx(np.sqrt(2 / 400), rel=0.02)  # He normal
    limit = np.sqrt(6 / 700)  # Xavier uniform
    assert np.abs(tanh).max() <= limit and tanh.std() == pytest.approx(limit / np.sqrt(3), rel=0.02)
    custom = gf.dense(x, 2, 3, init=lambda rng, fan_in, fan_out: np.ones((fan_in, fan_out))).W.value
    np.testing.assert_array_equal(custom, 1.0)


@pytest.mark.parametrize("init, std", [
    (gf.xavier_normal, np.sqrt(2 / 700)), (gf.he_uniform, np.sqrt(6 / 400) / np.sqrt(3)),
    (gf.xavier_uniform, np.sqrt(6 / 700) / np.sqrt(3)), (gf.he_normal, np.sqrt(2 / 400)),
])
def test_initializers_have_their_variance(init, std):
    weights = init(np.random.default_rng(0), 400, 300)
    assert weights.shape == (400, 300)
    assert weights.std() == pytest.approx(std, rel=0.02)


def test_mlp_stacks_dense_layers():
    g = gf.Graph()
    x = g.input("x")
    net = gf.mlp(x, [4, 8, 6, 3], activation="relu", seed=0)
    assert [layer.W.value.shape for layer in net.layers] == [(4, 8), (8, 6), (6, 3)]
    assert [w.name for w in net.weights] == ["mlp.1.W", "mlp.2.W", "mlp.3.W"]
    assert len(net.parameters) == 6
    assert net.output.name == "mlp.3.z"  # raw scores: no output activation
    X = np.random.default_rng(0).normal(size=(7, 4))
    h = X
    for k, layer in enumerate(net.layers):
        h = h @ layer.W.value + layer.b.value
        h = np.maximum(h, 0) if k < 2 else h
    np.testing.assert_allclose(g.forward({"x": X})[net.output], h, rtol=1e-14)


def test_mlp_with_an_output_activation_and_a_callable_activation():
    g = gf.Graph()
    net = gf.mlp(g.input("x"), [2, 3, 1], activation=lambda z: z * 2.0, output_activation="sigmoid")
    assert net.output.name == "mlp.2.sigmoid"
    assert 0 < g.forward({"x": [[1.0, 2.0]]})[net.output] < 1


@pytest.mark.parametrize("call, message", [
    (lambda x: gf.mlp(x, [3]), "at least two sizes"),
    (lambda x: gf.mlp(x, [3, 0, 2]), "every layer size must be a whole number >= 1"),
    (lambda x: gf.dense(x, 2.5, 3), "in_features"),
    (lambda x: gf.dense(x, 2, 3, activation="swish"), "unknown activation 'swish'"),
    (lambda x: gf.dense(x, 2, 3, init="lecun"), "unknown initialiser 'lecun'"),
    (lambda x: gf.dense(x, 2, 3, init=lambda rng, i, o: np.ones((o, i))), r"must return \(fan_in, fan_out\)"),
    (lambda x: gf.dense([[1.0, 2.0]], 2, 3), "fed by a graph node"),
])
def test_bad_layer_settings_are_refused(call, message):
    g = gf.Graph()
    x = g.input("x")
    with pytest.raises(gf.ConfigError, match=message):
        call(x)
    assert len(g) == 1  # nothing was added
