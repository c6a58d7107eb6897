"""Benchmark (h): compiled steps (`graph.compile`), as ratios against references measured
in the same run, BLAS on one thread for every side.

- the sigmoid neuron, forward + backward called with a feed dict of fresh floats, µs per
  call: compiled, the interpreter, and the same arithmetic hand-written in plain Python;
- the MLP 64-128-64-10 step (tanh, batch 64, float64), compiled, with the fused softmax
  cross-entropy gate and with the loss built from elementary exp/sum/log gates, against
  the step hand-written in numpy (benchmarks/bench_mlp.py);
- compiling chains v = sigmoid(v·0.5 + 0.1) of 10,000 and 100,000 gates (seconds to the
  first result, then one call against the interpreter), and a 1,000,000-gate chain, which
  is past `max_gates` and runs on the interpreter.

Run: .venv/bin/python benchmarks/bench_compile.py [--chains 10000 100000] [--million]
"""

import argparse
import math
import time
import warnings

import numpy as np

import gateflow as gf
from bench_mlp import BATCH, SIZES, init, numpy_step
from bench_neuron import NAMES, build as build_neuron
from common import interleaved_medians, one_blas_thread


def python_neuron(d):
    """The neuron's forward and backward written out in plain Python."""
    w0, x0, w1, x1, w2 = d["w0"], d["x0"], d["w1"], d["x1"], d["w2"]
    f = 1.0 / (1.0 + math.exp(-(w0 * x0 + w1 * x1 + w2)))
    dz = f * (1.0 - f)
    return f, (dz * x0, dz * w0, dz * x1, dz * w1, dz)


def neuron(iterations: int) -> dict:
    rng = np.random.default_rng(0)
    data = [dict(zip(NAMES, map(float, rng.standard_normal(5)))) for _ in range(iterations)]
    g, f = build_neuron()
    wrt = [g[n] for n in NAMES]
    step = g.compile([f], wrt=wrt)
    values, grads = step(data[0])
    hand_f, hand_grads = python_neuron(data[0])
    assert math.isclose(values[f], hand_f) and np.allclose([grads[n] for n in wrt], hand_grads)

    def compiled():
        for d in data:
            step(d)

    def interpreted():
        for d in data:
            g.forward(d, outputs=[f]).backward(f)

    def python():
        for d in data:
            python_neuron(d)

    ours, interp, hand = (s / iterations * 1e6 for s in interleaved_medians([compiled, interpreted, python], repeats=7))
    print(f"(h) sigmoid neuron, forward + backward with a feed dict, {iterations:,} fresh inputs:")
    print(f"    compiled {ours:6.2f} µs/call, interpreter {interp:6.2f} µs, plain Python {hand:6.2f} µs:"
          f" compiled / Python = {ours / hand:.2f}, interpreter / compiled = {interp / ours:.1f}")
    return {"compiled_us": ours, "interpreter_us": interp, "python_us": hand}


def mlp_graph(params, fused: bool):
    g = gf.Graph()
    h, labels, onehot = g.input("X"), g.input("y"), g.input("Y")
    layers = len(SIZES) - 1
    for i in range(1, layers + 1):
        h = h @ g.param(f"W{i}", params[f"W{i}"]) + g.param(f"b{i}", params[f"b{i}"])
        if i < layers:
            h = gf.tanh(h)
    if fused:
        return g, g.gate("softmax_cross_entropy", h, labels, name="loss")
    return g, gf.mean(gf.log(gf.sum(gf.exp(h), axis=1)) - gf.sum(h * onehot, axis=1), name="loss")


def mlp(repeats: int, number: int) -> dict:
    params, X, y = init()
    hand_loss, hand, _ = numpy_step(params, X, y)
    steps = []
    for fused in (True, False):
        g, loss = mlp_graph(params, fused)
        feeds = {"X": X, "y": y.astype(np.float64)} if fused else {"X": X, "Y": np.eye(SIZES[-1])[y]}
        step = g.compile([loss], wrt=g.parameters())
        values, grads = step(feeds)
        assert np.isclose(values[loss], hand_loss) and all(np.allclose(grads[k], hand[k]) for k in hand)
        steps.append(lambda step=step, feeds=feeds: step(feeds))
    fused_s, elementary_s, hand_s = interleaved_medians(steps + [lambda: numpy_step(params, X, y)], repeats, number)
    print(f"(h) MLP {'-'.join(map(str, SIZES))} step, tanh, batch {BATCH}, compiled, against hand-written numpy"
          f" ({hand_s * 1e6:.1f} µs):")
    for label, seconds in (("fused softmax cross-entropy", fused_s), ("elementary exp/sum/log loss", elementary_s)):
        print(f"    {label:28} {seconds * 1e6:7.1f} µs/step, ratio {seconds / hand_s:.2f}")
    return {"fused_ratio": fused_s / hand_s, "elementary_ratio": elementary_s / hand_s, "numpy_us": hand_s * 1e6}


def chain(gates: int) -> dict:
    g = gf.Graph()
    v = x = g.input("x")
    for _ in range(gates // 3):
        v = gf.sigmoid(v * 0.5 + 0.1)
    step = g.compile([v], wrt=[x])
    start = time.perf_counter()
    with warnings.catch_warnings(record=True) as notices:
        warnings.simplefilter("always", gf.CompileWarning)
        values, grads = step({"x": 0.3})
    first = time.perf_counter() - start
    start = time.perf_counter()
    values, grads = step({"x": 0.4})
    call = time.perf_counter() - start
    start = time.perf_counter()
    run = g.forward({"x": 0.4}, outputs=[v])
    reference = run.backward(v, wrt=[x])
    interp = time.perf_counter() - start
    assert np.isclose(values[v], run[v]) and np.isclose(grads[x], reference[x])
    how = "interpreter (past max_gates)" if notices else "generated code"
    print(f"(h) chain of {gates:,} gates: first call (compile) {first:6.2f} s; then {how} {call * 1e3:8.1f} ms"
          f" per forward + backward, interpreter {interp * 1e3:8.1f} ms")
    return {"gates": gates, "compile_s": first, "call_s": call, "interpreter_s": interp, "compiled": not notices}


@one_blas_thread
def main(argv=None, iterations: int = 20_000, repeats: int = 15, number: int = 100) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chains", type=int, nargs="*", default=[10_000, 100_000], help="chain sizes to compile")
    parser.add_argument("--million", action="store_true", help="also run a 1,000,000-gate chain")
    args = parser.parse_args(argv)
    results = {"neuron": neuron(iterations), "mlp": mlp(repeats, number)}
    results["chains"] = [chain(n) for n in args.chains + ([1_000_000] if args.million else [])]
    return results


if __name__ == "__main__":
    main()
