"""The training loop: worked example 3, regression, reproducibility, early stopping,
progress bar, plots, and bad input refused with the parameters untouched."""

import json

import numpy as np
import pytest

import gateflow as gf

from example_scripts import load_example


def test_two_layer_network_reproduces_the_published_numbers():
    """Worked example 3 with matrix layers and gf.SGD; biases frozen."""
    example = load_example("train_two_layer_network")
    graph, error, out = example.build()
    run = graph.forward(example.FEEDS)
    np.testing.assert_allclose(run["h"], [[0.593269992, 0.596884378]], rtol=1e-6)
    np.testing.assert_allclose(run[out], [[0.75136507, 0.772928465]], rtol=1e-6)
    assert run[error] == pytest.approx(0.298371109, rel=1e-6)
    example.train(graph, error, 1)
    published = [0.149780716, 0.19956143, 0.24975114, 0.29950229,
                 0.35891648, 0.408666186, 0.511301270, 0.561370121]
    np.testing.assert_allclose(example.weights(graph), published, rtol=1e-6)
    assert graph.value("b1") == 0.35 and graph.value("b2") == 0.60
    assert graph.forward(example.FEEDS)[error] == pytest.approx(0.291027774, rel=1e-6)
    example.train(graph, error, 9_999)
    run = graph.forward(example.FEEDS)
    assert run[error] == pytest.approx(3.51019e-5, rel=2e-6)  # 3.51019e-5 is given to 6 digits
    np.testing.assert_allclose(run[out], [[0.015913620, 0.984064274]], rtol=1e-6)


def linear_model(seed=0, w0=(0.0, 0.0, 0.0)):
    g = gf.Graph()
    x, y = g.input("x"), g.input("y")
    w = g.param("w", np.array(w0).reshape(3, 1))
    b = g.param("b", [0.0])
    pred = x @ w + b
    return g, x, y, w, b, 0.5 * gf.mse(pred, y)  # J = 1/(2m) Σ (f(x) - y)²


def regression_data(rows=200, seed=0, w=(2.0, -3.0, 0.5), b=1.5):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(rows, 3))
    return X, X @ np.array(w).reshape(3, 1) + b


def test_fit_recovers_known_linear_regression_coefficients():
    g, x, y, w, b, loss = linear_model()
    X, Y = regression_data()
    history = gf.fit(loss, {x: X, y: Y}, optimizer=gf.SGD(g, lr=0.1), epochs=60, batch_size=20, progress=False)
    np.testing.assert_allclose(w.value.ravel(), [2.0, -3.0, 0.5], atol=1e-6)
    np.testing.assert_allclose(b.value, [1.5], atol=1e-6)
    assert history.epochs == 60 and history["loss"][-1] < 1e-10 < history["loss"][0]


def classifier(seed=0):
    g = gf.Graph()
    x, y = g.input("x"), g.input("y")
    net = gf.mlp(x, [4, 16, 3], activation="tanh", seed=seed)
    loss = gf.softmax_cross_entropy(net.output, y) + gf.l2(*net.weights, lam=1e-3)
    return g, x, y, net, loss


def blobs(rows=150, seed=0):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 3, rows)
    centres = np.array([[2, 0, 0, 1], [0, 2, 0, -1], [0, 0, 2, 0]], dtype=float)
    return centres[labels] + rng.normal(scale=0.8, size=(rows, 4)), labels.astype(float)


def train_classifier(seed=0, shuffle_seed=0, **options):
    g, x, y, net, loss = classifier(seed)
    X, Y = blobs()
    history = gf.fit(
        loss, {x: X[:100], y: Y[:100]}, validation={x: X[100:], y: Y[100:]},
        accuracy=(net.output, y), optimizer=gf.Adam(g, lr=0.03), epochs=5, batch_size=16,
        seed=shuffle_seed, **{"progress": False, **options},
    )
    return g, history


def test_seeded_runs_are_reproducible_bit_for_bit():
    g1, h1 = train_classifier()
    g2, h2 = train_classifier()
    assert h1.metrics == h2.metrics
    for p1, p2 in zip(g1.parameters(), g2.parameters()):
        np.testing.assert_array_equal(p1.value, p2.value)
    g3, h3 = train_classifier(shuffle_seed=1)
    assert h3.metrics["loss"] != h1.metrics["loss"]


def test_fit_records_metrics_and_learns():
    g, history = train_classifier()
    assert set(history.metrics) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert history.epochs == 5 and history.best_epoch is None and not history.stopped_early
    assert history["val_accuracy"][-1] > 0.85
    assert history["loss"][-1] < history["loss"][0]
    json.dumps(history.to_dict())


def test_early_stopping_restores_the_best_weights():
    """Train on y = 2x, validate on y = x: the validation loss falls while w approaches 1,
    then rises; the kept w is the one after the best epoch."""
    def run(epochs, **options):
        g = gf.Graph()
        x, y = g.input("x"), g.input("y")
        w = g.param("w", [[0.0]])
        loss = gf.mse(x @ w, y)
        X = np.linspace(-1, 1, 40).reshape(-1, 1)
        history = gf.fit(
            loss, {x: X, y: 2 * X}, validation={x: X, y: X}, optimizer=gf.SGD(g, lr=0.02),
            epochs=epochs, batch_size=8, seed=3, progress=False, **options,
        )
        return w.value.item(), history

    w, history = run(100, patience=3)
    best = history.best_epoch
    assert history.stopped_early and history.epochs == best + 3
    assert np.argmin(history["val_loss"]) + 1 == best
    assert w == run(best)[0]  # bit for bit the parameters of the best epoch
    assert w != run(history.epochs)[0]


def test_early_stopping_needs_a_validation_set():
    g, x, y, net, loss = classifier()
    X, Y = blobs()
    with pytest.raises(gf.ConfigError, match="pass validation="):
        gf.fit(loss, {x: X, y: Y}, patience=2, progress=False)


def snapshot(g):
    return {p.name: p.value.copy() for p in g.parameters()}


def assert_untouched(g, before):
    for name, value in before.items():
        np.testing.assert_array_equal(g.value(name), value)


@pytest.mark.parametrize("options, error, message", [
    (dict(batch_size=0), gf.ConfigError, "batch_size must be a whole number >= 1, not 0"),
    (dict(batch_size=2.5), gf.ConfigError, "batch_size"),
    (dict(epochs=-1), gf.ConfigError, "epochs"),
    (dict(patience=0), gf.ConfigError, "patience"),
])
def test_bad_settings_are_refused(options, error, message):
    g, x, y, net, loss = classifier()
    X, Y = blobs()
    before = snapshot(g)
    with pytest.raises(error, match=message):
        gf.fit(loss, {x: X, y: Y}, validation={x: X, y: Y}, progress=False, **options)
    assert_untouched(g, before)


@pytest.mark.parametrize("lr", [0, -0.01, float("nan"), "fast"])
def test_a_learning_rate_that_is_not_a_positive_number_is_refused(lr):
    g, x, y, net, loss = classifier()
    with pytest.raises(gf.ConfigError, match="learning rate"):
        gf.fit(loss, dict(zip((x, y), blobs())), optimizer=gf.SGD(g, lr=lr), progress=False)


def bad_data(x, y, X, Y):
    return {
        "labels out of range": ({x: X, y: np.where(np.arange(len(Y)) == 120, 3.0, Y)}, gf.DataError, r"0\.\.2"),
        "features of the wrong width": ({x: X[:, :3], y: Y}, gf.ShapeError, r"'x' \(16, 3\), 'mlp.1.W' \(4, 16\)"),
        "rows that differ": ({x: X, y: Y[:-1]}, gf.DataError, "'x' 150, 'y' 149"),
        "an input of another name": ({"z": X, y: Y}, gf.UnknownNodeError, "'z'"),
    }


@pytest.mark.parametrize("case", ["labels out of range", "features of the wrong width", "rows that differ", "an input of another name"])
def test_bad_training_data_is_refused_with_parameters_untouched(case):
    g, x, y, net, loss = classifier()
    data, error, message = bad_data(x, y, *blobs())[case]
    opt = gf.Adam(g)
    before = snapshot(g)
    with pytest.raises(error, match=message):
        gf.fit(loss, data, optimizer=opt, batch_size=16, progress=False)
    assert_untouched(g, before)
    assert opt.t == 0 and opt.state == {"m": {}, "v": {}}


def test_bad_validation_data_found_after_an_epoch_restores_the_start():
    g, x, y, net, loss = classifier()
    X, Y = blobs()
    opt = gf.SGD(g, lr=0.1, momentum=0.9)
    before = snapshot(g)
    with pytest.raises(gf.DataError, match="labels must be whole numbers"):
        gf.fit(loss, {x: X, y: Y}, validation={x: X, y: Y + 0.5}, optimizer=opt, progress=False)
    assert_untouched(g, before)
    assert opt.t == 0 and opt.state == {"velocity": {}}


def test_progress_bar_shows_when_asked_and_is_silent_otherwise(capsys):
    train_classifier(progress=None)  # pytest's captured stderr is not a terminal
    assert capsys.readouterr().err == ""
    train_classifier(progress=True)
    err = capsys.readouterr().err
    assert "epoch 5/5" in err and "val_acc" in err


def test_history_plot_is_a_png(tmp_path):
    g, history = train_classifier(patience=10)
    path = history.plot(tmp_path / "curves" / "history.png", title="blobs")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_evaluate_and_predict():
    g, x, y, net, loss = classifier()
    X, Y = blobs()
    metrics = gf.evaluate(loss, {x: X, y: Y}, accuracy=(net.output, y))
    scores = gf.predict(net.output, {x: X})
    assert scores.shape == (150, 3)
    assert metrics["accuracy"] == np.mean(np.argmax(scores, axis=1) == Y)
    assert metrics["loss"] == g.forward({x: X, y: Y})[loss]


def test_binary_accuracy_uses_the_sign_of_a_single_score():
    g = gf.Graph()
    x, y = g.input("x"), g.input("y")
    layer = gf.dense(x, 1, 1, seed=0)
    g.set_value(layer.W, [[1.0]])
    loss = gf.binary_cross_entropy(layer.output, y)
    X = np.array([[-2.0], [-1.0], [1.0], [3.0]])
    metrics = gf.evaluate(loss, {x: X, y: [[0.0], [1.0], [1.0], [1.0]]}, accuracy=(layer.output, y))
    assert metrics["accuracy"] == 0.75
