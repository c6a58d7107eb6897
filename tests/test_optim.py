"""Optimizers against their update rules written out by hand, frozen parameters, state
saving and restoring, and refused settings."""

import json
import math

import numpy as np
import pytest

import gateflow as gf

A = np.array([1.0, -2.0, 0.5])


def quadratic():
    """loss = Σ (a·w)² + 3·b with gradient 2a²w for w and 3 for b; c is frozen."""
    g = gf.Graph()
    w = g.param("w", [0.3, -0.1, 2.0])
    b = g.param("b", 1.0)
    c = g.param("c", 5.0, trainable=False)
    loss = gf.sum((w * A) ** 2) + 3.0 * b + c * b
    return g, w, b, c, loss


def grad_w(w):
    return 2 * A**2 * w


def grad_b(c=5.0):
    return 3.0 + c


def take_steps(opt, loss, steps=2):
    for _ in range(steps):
        opt.step(loss.graph.forward(outputs=[loss]).backward(loss, wrt=opt.params))


def test_sgd_two_steps_by_hand():
    g, w, b, c, loss = quadratic()
    w0, b0, lr = w.value, b.value, 0.1
    take_steps(gf.SGD(g, lr=lr), loss)
    w1 = w0 - lr * grad_w(w0)
    w2 = w1 - lr * grad_w(w1)
    np.testing.assert_array_equal(w.value, w2)
    assert b.value == b0 - 2 * lr * grad_b()
    assert c.value == 5.0


def test_momentum_two_steps_by_hand():
    g, w, b, c, loss = quadratic()
    w0, lr, mu = w.value, 0.05, 0.9
    take_steps(gf.SGD(g, lr=lr, momentum=mu), loss)
    v1 = -lr * grad_w(w0)
    w1 = w0 + v1
    v2 = mu * v1 - lr * grad_w(w1)
    np.testing.assert_allclose(w.value, w1 + v2, rtol=1e-15)
    vb1 = -lr * grad_b()
    assert b.value == pytest.approx(1.0 + vb1 + (mu * vb1 - lr * grad_b()), rel=1e-15)


def test_adam_two_steps_by_hand():
    g, w, b, c, loss = quadratic()
    lr, b1, b2, eps = 0.01, 0.8, 0.9, 1e-7
    theta = w.value
    m = v = np.zeros(3)
    for t in (1, 2):
        grad = grad_w(theta)
        m = b1 * m + (1 - b1) * grad
        v = b2 * v + (1 - b2) * grad**2
        theta = theta - lr * (m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + eps)
    take_steps(gf.Adam(g, lr=lr, beta1=b1, beta2=b2, eps=eps), loss)
    np.testing.assert_allclose(w.value, theta, rtol=1e-15)
    # Adam's first steps move each parameter by about lr, whatever the gradient's scale.
    assert b.value == pytest.approx(1.0 - 2 * lr, rel=1e-6)


@pytest.mark.parametrize("make", [
    lambda g: gf.SGD(g, lr=0.1), lambda g: gf.SGD(g, lr=0.1, momentum=0.5), lambda g: gf.Adam(g)
])
def test_frozen_parameters_are_never_updated(make):
    g, w, b, c, loss = quadratic()
    opt = make(g)
    assert [p.name for p in opt.params] == ["w", "b"]
    listed = type(opt)([w, c], **{k: v for k, v in opt.hyperparameters().items()})
    assert listed.names == ("w",)
    take_steps(opt, loss)
    assert c.value == 5.0


@pytest.mark.parametrize("make", [
    lambda g: gf.SGD(g, lr=0.1, momentum=0.9), lambda g: gf.Adam(g, lr=0.05)
])
def test_state_saved_with_the_parameters_resumes_bit_for_bit(make):
    g, w, b, c, loss = quadratic()
    opt = make(g)
    take_steps(opt, loss)
    saved = json.loads(json.dumps({
        "params": {p.name: np.asarray(p.value).tolist() for p in g.parameters()},
        "optimizer": opt.state_dict(),
    }))
    take_steps(opt, loss, 3)
    expected = w.value, b.value

    g2, w2, b2, c2, loss2 = quadratic()
    for name, value in saved["params"].items():
        g2.set_value(name, value)
    opt2 = make(g2)
    opt2.load_state_dict(saved["optimizer"])
    assert opt2.t == 2
    take_steps(opt2, loss2, 3)
    np.testing.assert_array_equal(w2.value, expected[0])
    assert b2.value == expected[1]


@pytest.mark.parametrize("make", [
    lambda g: gf.SGD(g, lr=0.1, momentum=0.9), lambda g: gf.Adam(g, lr=0.05)
])
def test_a_checkpoint_survives_the_steps_after_it_and_serves_many_rollbacks(make):
    """The steps update the state arrays in place: a checkpoint must not share them."""
    g, w, b, c, loss = quadratic()
    opt = make(g)
    take_steps(opt, loss)
    saved, w_saved, b_saved = opt.checkpoint(), w.value, b.value
    runs = []
    for _ in range(2):
        opt.rollback(saved)
        g.set_value(w, w_saved)
        g.set_value(b, b_saved)
        take_steps(opt, loss, 3)
        runs.append((w.value, b.value, json.dumps(opt.state_dict())))
    np.testing.assert_array_equal(runs[0][0], runs[1][0])
    assert runs[0][1:] == runs[1][1:]


def test_float32_parameters_step_in_float32_by_the_rule():
    g = gf.Graph()
    w = g.param("w", np.array([0.3, -0.1, 2.0], dtype=np.float32))
    opt = gf.Adam(g, lr=0.01)
    theta, m, v = w.value, np.zeros(3, np.float32), np.zeros(3, np.float32)
    for t in (1, 2):
        grad = np.array([1.5, -0.25, 3.0], dtype=np.float32) * theta
        opt.step({"w": grad})
        m = 0.9 * m + (1 - 0.9) * grad
        v = 0.999 * v + (1 - 0.999) * grad * grad
        theta = theta - 0.01 * (m / (1 - 0.9**t)) / (np.sqrt(v / (1 - 0.999**t)) + 1e-8)
        assert w.value.dtype == np.float32 and not w.value.flags.writeable
        np.testing.assert_array_equal(w.value, theta)


def test_load_state_dict_refuses_another_optimizer_or_other_parameters():
    g, w, b, c, loss = quadratic()
    sgd, adam = gf.SGD(g, lr=0.1, momentum=0.9), gf.Adam(g)
    take_steps(sgd, loss)
    with pytest.raises(gf.ConfigError, match="belongs to a 'SGD' optimizer, not a Adam"):
        adam.load_state_dict(sgd.state_dict())
    with pytest.raises(gf.ConfigError, match="does not train"):
        gf.SGD([w], lr=0.1, momentum=0.9).load_state_dict(sgd.state_dict())
    state = sgd.state_dict()
    state["hyperparameters"]["lr"] = -1
    with pytest.raises(gf.ConfigError, match="learning rate"):
        gf.SGD(g, lr=0.1, momentum=0.9).load_state_dict(state)


@pytest.mark.parametrize("lr", [0, -0.1, math.nan, math.inf, "0.1", None, True])
@pytest.mark.parametrize("cls", [gf.SGD, gf.Adam])
def test_learning_rate_must_be_a_positive_number(cls, lr):
    g, *_ = quadratic()
    with pytest.raises(gf.ConfigError, match="learning rate lr must be a finite number > 0"):
        cls(g, lr=lr)
    opt = cls(g, lr=0.1)
    with pytest.raises(gf.ConfigError):
        opt.lr = lr
    assert opt.lr == 0.1


def test_other_bad_settings_are_refused():
    g, w, *_ = quadratic()
    with pytest.raises(gf.ConfigError, match="momentum"):
        gf.SGD(g, lr=0.1, momentum=1.0)
    with pytest.raises(gf.ConfigError, match="beta2"):
        gf.Adam(g, beta2=1.5)
    with pytest.raises(gf.ConfigError, match="Graph or parameter nodes"):
        gf.SGD([w, "b"], lr=0.1)
    with pytest.raises(gf.ConfigError, match="unknown optimizer 'rmsprop'"):
        gf.make_optimizer("rmsprop", g, 0.1)


def test_a_missing_gradient_leaves_every_parameter_unchanged():
    g, w, b, c, loss = quadratic()
    opt = gf.Adam(g)
    grads = g.forward(outputs=[loss]).backward(loss, wrt=[b])  # w was not asked for
    before = w.value, b.value
    with pytest.raises(gf.UnknownNodeError, match="'w' was not computed"):
        opt.step(grads)
    assert (w.value is before[0], b.value) == (True, before[1])
    assert opt.t == 0 and opt.state == {"m": {}, "v": {}}


@pytest.mark.parametrize("name", ["sgd", "momentum", "adam"])
def test_make_optimizer(name):
    g, *_ = quadratic()
    opt = gf.make_optimizer(name, g, 0.25)
    assert opt.lr == 0.25
    assert isinstance(opt, gf.Adam if name == "adam" else gf.SGD)
