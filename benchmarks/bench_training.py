"""Benchmark (d): one training epoch of the digits MLP 64-128-64-10 (tanh, softmax
cross-entropy, batch 64) through `gf.fit`, against the same epoch hand-written in numpy
(same shuffling, same optimizer rule, same per-epoch loss and accuracy), as a ratio of
medians measured in one run: the two epochs alternate, and the ratio is the median of the
per-pair ratios. Both start each repeat from the same initial weights.

Run: .venv/bin/python benchmarks/bench_training.py [--repeats 15] [--optimizer sgd adam]
"""

import argparse
import statistics
import time

import numpy as np

import gateflow as gf
from bench_mlp import numpy_step
from common import one_blas_thread
from gateflow.training import digits

SIZES, BATCH, LR = (64, 128, 64, 10), 64, {"sgd": 0.1, "adam": 1e-3}


def build():
    g = gf.Graph()
    x, y = g.input("x"), g.input("y")
    net = gf.mlp(x, SIZES, activation="tanh", seed=0)
    return g, x, y, net.output, gf.softmax_cross_entropy(net.output, y)


def numpy_epoch(p, X, y, optimizer, seed=0):
    """One epoch by hand: shuffle, forward, loss and accuracy, backward, update."""
    state = {"t": 0, **{k: np.zeros_like(v) for k, v in p.items() for k in (f"m{k}", f"v{k}")}}
    order = np.random.default_rng(seed).permutation(len(X))
    total, correct = 0.0, 0
    for begin in range(0, len(X), BATCH):
        index = order[begin:begin + BATCH]
        xb, yb = X[index], y[index].astype(np.intp)
        loss, grads, scores = numpy_step(p, xb, yb)
        total += loss * len(yb)
        correct += int(np.count_nonzero(np.argmax(scores, axis=1) == yb))
        state["t"] += 1
        for k, g in grads.items():
            if optimizer == "sgd":
                p[k] = p[k] - LR["sgd"] * g
            else:
                t, lr = state["t"], LR["adam"]
                m = state[f"m{k}"] = 0.9 * state[f"m{k}"] + 0.1 * g
                v = state[f"v{k}"] = 0.999 * state[f"v{k}"] + 0.001 * g * g
                p[k] = p[k] - lr * (m / (1 - 0.9**t)) / (np.sqrt(v / (1 - 0.999**t)) + 1e-8)
    return total / len(X), correct / len(X)


@one_blas_thread
def measure(optimizer: str, repeats: int) -> dict:
    X, y = digits.load().splits["train"]
    g, x, labels, scores, loss = build()
    start = {p.name: p.value for p in g.parameters()}
    names = {f"{k}{i}": f"mlp.{i}.{k}" for i in (1, 2, 3) for k in ("W", "b")}

    def gateflow_epoch():
        for name, value in start.items():
            g.set_value(name, value)
        opt = gf.make_optimizer(optimizer, g, LR[optimizer])
        return gf.fit(loss, {x: X, labels: y}, optimizer=opt, epochs=1, batch_size=BATCH,
                      accuracy=(scores, labels), progress=False)

    def hand_epoch():
        return numpy_epoch({k: start[v].copy() for k, v in names.items()}, X, y, optimizer)

    history = gateflow_epoch()
    hand_loss, hand_accuracy = hand_epoch()
    assert np.isclose(history["loss"][0], hand_loss, rtol=1e-10), (history["loss"][0], hand_loss)
    assert history["accuracy"][0] == hand_accuracy
    ours, hand = [], []
    for _ in range(repeats):  # interleaved, so that a change in the machine's load hits both
        for epoch, times in ((gateflow_epoch, ours), (hand_epoch, hand)):
            began = time.perf_counter()
            epoch()
            times.append(time.perf_counter() - began)
    ratio = statistics.median(a / b for a, b in zip(ours, hand))
    return {"optimizer": optimizer, "gateflow_ms": statistics.median(ours) * 1e3,
            "numpy_ms": statistics.median(hand) * 1e3, "ratio": ratio}


def main(argv=None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=31)
    parser.add_argument("--optimizer", nargs="+", choices=sorted(LR), default=sorted(LR))
    args = parser.parse_args(argv)
    print(f"(d) one epoch of the digits MLP {'-'.join(map(str, SIZES))}, tanh, batch {BATCH}, through gf.fit:")
    results = []
    for optimizer in args.optimizer:
        r = measure(optimizer, args.repeats)
        print(f"    {optimizer:<5} gateflow {r['gateflow_ms']:6.2f} ms/epoch, hand-written numpy "
              f"{r['numpy_ms']:6.2f} ms/epoch (medians), ratio {r['ratio']:.2f} (median of pairs)")
        results.append(r)
    return results


if __name__ == "__main__":
    main()
