"""Benchmark (c): one forward + backward step of an MLP 64-128-64-10 (tanh, softmax
cross-entropy, batch 64), gateflow against the same step hand-written in numpy, as a ratio
of medians measured in one run."""

import numpy as np

import gateflow as gf
from common import interleaved_medians, one_blas_thread

SIZES, BATCH = (64, 128, 64, 10), 64


def init(seed=0):
    rng = np.random.default_rng(seed)
    params = {}
    for i, (fan_in, fan_out) in enumerate(zip(SIZES, SIZES[1:]), start=1):
        params[f"W{i}"] = rng.standard_normal((fan_in, fan_out)) / np.sqrt(fan_in)
        params[f"b{i}"] = np.zeros(fan_out)
    X = rng.standard_normal((BATCH, SIZES[0]))
    y = rng.integers(0, SIZES[-1], BATCH)
    return params, X, y


def build(params):
    g = gf.Graph()
    h = g.input("X")
    labels = g.input("y")
    layers = len(SIZES) - 1
    for i in range(1, layers + 1):
        h = h @ g.param(f"W{i}", params[f"W{i}"]) + g.param(f"b{i}", params[f"b{i}"])
        if i < layers:
            h = gf.tanh(h)
    loss = g.gate("softmax_cross_entropy", h, labels, name="loss")
    return g, loss


def numpy_step(p, X, y):
    """The step by hand: (loss, gradients, scores); y holds integer class labels."""
    rows = np.arange(len(y))
    a1 = np.tanh(X @ p["W1"] + p["b1"])
    a2 = np.tanh(a1 @ p["W2"] + p["b2"])
    scores = a2 @ p["W3"] + p["b3"]
    shifted = scores - scores.max(axis=1, keepdims=True)
    logp = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = -logp[rows, y].mean()
    dz = np.exp(logp)
    dz[rows, y] -= 1.0
    dz /= len(y)
    grads = {"W3": a2.T @ dz, "b3": dz.sum(0)}
    d2 = (dz @ p["W3"].T) * (1.0 - a2 * a2)
    grads.update(W2=a1.T @ d2, b2=d2.sum(0))
    d1 = (d2 @ p["W2"].T) * (1.0 - a1 * a1)
    grads.update(W1=X.T @ d1, b1=d1.sum(0))
    return loss, grads, scores


@one_blas_thread
def main(repeats: int = 15, number: int = 100) -> dict:
    params, X, y = init()
    g, loss = build(params)
    wrt = g.parameters()
    feeds = {"X": X, "y": y.astype(np.float64)}

    def gateflow_step():
        run = g.forward(feeds, outputs=[loss])
        return run[loss], run.backward(loss, wrt=wrt)

    ours_loss, ours = gateflow_step()
    hand_loss, hand, _ = numpy_step(params, X, y)
    assert np.isclose(ours_loss, hand_loss) and all(np.allclose(ours[k], hand[k]) for k in hand)
    ours_s, hand_s = interleaved_medians([gateflow_step, lambda: numpy_step(params, X, y)], repeats, number)
    print("(c) MLP 64-128-64-10, tanh, softmax cross-entropy, batch 64, forward + backward:")
    print(f"    gateflow {ours_s * 1e6:7.1f} µs/step, hand-written numpy {hand_s * 1e6:7.1f} µs/step,"
          f" ratio {ours_s / hand_s:.2f}")
    return {"gateflow_us": ours_s * 1e6, "numpy_us": hand_s * 1e6, "ratio": ours_s / hand_s}


if __name__ == "__main__":
    main()
