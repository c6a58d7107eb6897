"""Loss gates and the L2 penalty: values against formulas, gradients against central
differences (hypothesis-generated shapes and values), stability, and refused labels."""

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy.special import expit, logsumexp

import gateflow as gf

finite = st.floats(-5, 5, allow_nan=False, allow_infinity=False)


@st.composite
def scores_and_labels(draw):
    rows, classes = draw(st.integers(1, 5)), draw(st.integers(2, 5))
    scores = draw(hnp.arrays(np.float64, (rows, classes), elements=finite))
    labels = draw(hnp.arrays(np.int64, (rows,), elements=st.integers(0, classes - 1)))
    return scores, labels.astype(np.float64)


def loss_graph(loss_fn, **kwargs):
    g = gf.Graph()
    s, y = g.input("s"), g.input("y")
    return g, loss_fn(s, y, **kwargs)


def softmax_ce_reference(s, y):
    return np.mean(logsumexp(s, axis=1) - s[np.arange(len(y)), y.astype(int)])


def hinge_reference(s, y, margin=1.0):
    total = 0.0
    for row, label in zip(s, y.astype(int)):
        total += sum(max(0.0, row[j] - row[label] + margin) for j in range(len(row)) if j != label)
    return total / len(y)


@given(scores_and_labels())
def test_softmax_cross_entropy_value_and_gradient(data):
    s, y = data
    g, loss = loss_graph(gf.softmax_cross_entropy)
    run = g.forward({"s": s, "y": y})
    assert run[loss] == pytest.approx(softmax_ce_reference(s, y), rel=1e-12)
    gf.gradcheck(g, {"s": s, "y": y}, loss, wrt=["s"])
    assert np.all(run.backward(loss)["y"] == 0)


def test_softmax_cross_entropy_is_stable_at_extreme_logits():
    g, loss = loss_graph(gf.softmax_cross_entropy)
    s = np.array([[1000.0, -1000.0, 0.0], [-1000.0, 1000.0, 999.0]])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        run = g.forward({"s": s, "y": [0.0, 2.0]})
        grad = run.backward(loss)["s"]
    assert run[loss] == pytest.approx((0.0 + (1.0 + np.log1p(np.exp(-1.0)))) / 2)
    assert np.all(np.isfinite(grad))
    assert grad[0] == pytest.approx([0.0, 0.0, 0.0], abs=1e-300)
    assert grad[1, 2] == pytest.approx((expit(-1.0) - 1.0) / 2)


@given(scores_and_labels(), st.floats(0.1, 2.0))
def test_multiclass_hinge_value_and_gradient(data, margin):
    s, y = data
    margins = s - s[np.arange(len(y)), y.astype(int)][:, None] + margin
    assume(np.all(np.abs(margins) > 1e-3))  # central differences are meaningless at a kink
    g, loss = loss_graph(gf.multiclass_hinge, margin=margin)
    assert g.forward({"s": s, "y": y})[loss] == pytest.approx(hinge_reference(s, y, margin), rel=1e-12)
    gf.gradcheck(g, {"s": s, "y": y}, loss, wrt=["s"])


def test_multiclass_hinge_worked_numbers():
    # The classic three-class example: scores 3.2, 5.1, -1.7 with the first class correct.
    g, loss = loss_graph(gf.multiclass_hinge)
    run = g.forward({"s": [[3.2, 5.1, -1.7]], "y": [0.0]})
    assert run[loss] == pytest.approx(2.9)
    np.testing.assert_allclose(run.backward(loss)["s"], [[-1.0, 1.0, 0.0]])


@given(hnp.array_shapes(min_dims=1, max_dims=2, max_side=4).flatmap(
    lambda shape: st.tuples(
        hnp.arrays(np.float64, shape, elements=finite),
        hnp.arrays(np.float64, shape, elements=st.floats(0.01, 0.99)),  # room for central differences
    )
))
def test_binary_cross_entropy_value_and_gradient(data):
    z, t = data
    g, loss = loss_graph(gf.binary_cross_entropy)
    p = expit(z)
    expected = np.mean(-t * np.log(p) - (1 - t) * np.log1p(-p))
    assert g.forward({"s": z, "y": t})[loss] == pytest.approx(expected, rel=1e-9, abs=1e-12)
    gf.gradcheck(g, {"s": z, "y": t}, loss)


def test_binary_cross_entropy_targets_may_broadcast_against_one_logit():
    """Regression: the targets' gradient had the logit's shape, not the targets' (3,)."""
    g, loss = loss_graph(gf.binary_cross_entropy)
    gf.gradcheck(g, {"s": 0.3, "y": [0.2, 0.5, 0.9]}, loss, wrt=["s", "y"])


def test_binary_cross_entropy_is_stable_at_extreme_logits():
    g, loss = loss_graph(gf.binary_cross_entropy)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        run = g.forward({"s": [1000.0, -1000.0, 1000.0], "y": [1.0, 0.0, 0.0]})
        grad = run.backward(loss)["s"]
    assert run[loss] == pytest.approx(1000.0 / 3)
    np.testing.assert_allclose(grad, [0.0, 0.0, 1 / 3])


@pytest.mark.parametrize("z, t", [(0.3, [[0.2, 0.9], [0.5, 0.1]]), ([[0.3], [-1.0]], [0.2, 0.7]), ([0.5, -2.0], 0.25)])
def test_binary_cross_entropy_gradients_broadcast_to_both_inputs(z, t):
    """Found by the graph-file fuzz campaign: a scalar logit against an array of targets
    gave the targets a scalar gradient, which the scheduler refused."""
    g, loss = loss_graph(gf.binary_cross_entropy)
    grads = g.forward({"s": z, "y": t}).backward(loss)
    assert np.shape(grads["y"]) == np.shape(t) and np.shape(grads["s"]) == np.shape(z)
    gf.gradcheck(g, {"s": z, "y": t}, loss)


@given(hnp.array_shapes(min_dims=0, max_dims=3, max_side=4).flatmap(
    lambda shape: st.tuples(*[hnp.arrays(np.float64, shape, elements=finite)] * 2)
))
def test_mse_value_and_gradient(data):
    p, t = data
    g, loss = loss_graph(gf.mse)
    assert g.forward({"s": p, "y": t})[loss] == pytest.approx(np.mean((p - t) ** 2), rel=1e-12, abs=1e-300)
    gf.gradcheck(g, {"s": p, "y": t}, loss)


@given(hnp.arrays(np.float64, hnp.array_shapes(max_dims=2, max_side=4), elements=finite),
       st.floats(0, 10))
def test_l2_penalty_value_and_gradient(w, lam):
    g = gf.Graph()
    W = g.param("W", w)
    penalty = gf.l2(W, lam=lam)
    run = g.forward()
    assert run[penalty] == pytest.approx(lam * np.sum(w**2), rel=1e-12, abs=1e-300)
    np.testing.assert_allclose(run.backward(penalty)[W], 2 * lam * w, rtol=1e-12)
    gf.gradcheck(g, {}, penalty, wrt=[W], atol=1e-6)  # f is up to ~10³: rounding ~1e-16·f/ε


@pytest.mark.parametrize("data_loss", [gf.softmax_cross_entropy, gf.multiclass_hinge])
def test_data_loss_plus_l2_is_one_graph_with_the_penalty_in_its_gradient(data_loss):
    """Worked example 8: loss = data loss over scores W·x + λ Σ W², checked numerically."""
    rng = np.random.default_rng(8)
    g = gf.Graph()
    x, y = g.input("x"), g.input("y")
    W1, W2 = g.param("W1", rng.normal(size=(4, 5))), g.param("W2", rng.normal(size=(5, 3)))
    scores = (x @ W1) @ W2
    data = data_loss(scores, y)
    loss = data + gf.l2(W1, W2, lam=0.3)
    feeds = {"x": rng.normal(size=(6, 4)), "y": rng.integers(0, 3, size=6).astype(float)}
    gf.gradcheck(g, feeds, loss, wrt=[W1, W2])
    run = g.forward(feeds)
    with_penalty, without = run.backward(loss), run.backward(data)
    for W in (W1, W2):
        np.testing.assert_allclose(with_penalty[W] - without[W], 0.6 * W.value, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("labels", [[0.0, 3.0], [0.0, -1.0], [0.5, 1.0], [np.nan, 1.0]])
@pytest.mark.parametrize("loss_fn", [gf.softmax_cross_entropy, gf.multiclass_hinge])
def test_labels_must_be_class_indices(loss_fn, labels):
    g, loss = loss_graph(loss_fn)
    with pytest.raises(gf.DataError, match=r"labels must be whole numbers 0\.\.2"):
        g.forward({"s": np.zeros((2, 3)), "y": labels})


def test_labels_of_the_wrong_shape_are_a_shape_error():
    g, loss = loss_graph(gf.softmax_cross_entropy)
    with pytest.raises(gf.ShapeError, match="one class index per row"):
        g.forward({"s": np.zeros((2, 3)), "y": [0.0, 1.0, 2.0]})


def test_binary_targets_must_be_probabilities():
    g, loss = loss_graph(gf.binary_cross_entropy)
    with pytest.raises(gf.DataError, match=r"targets must lie in \[0, 1\]"):
        g.forward({"s": [0.0, 1.0], "y": [0.0, 2.0]})


def test_l2_needs_weights_and_a_sensible_strength():
    g = gf.Graph()
    W = g.param("W", [1.0, 2.0])
    with pytest.raises(gf.ConfigError, match="at least one weight"):
        gf.l2(lam=0.1)
    for lam in (-0.1, float("nan"), "0.1", True):
        with pytest.raises(gf.ConfigError, match="lam"):
            gf.l2(W, lam=lam)


def test_loss_gates_are_registered_by_name():
    g = gf.Graph()
    s, y = g.input("s"), g.input("y")
    loss = g.gate("softmax_cross_entropy", s, y) + g.gate("l2", s, lam=0.5)
    value = g.forward({"s": [[1.0, 2.0]], "y": [1.0]})[loss]
    assert value == pytest.approx(np.log1p(np.exp(-1.0)) + 0.5 * 5.0)
