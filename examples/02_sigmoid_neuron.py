"""A 2-D sigmoid neuron: f(w, x) = σ(w0·x0 + w1·x1 + w2), w = [2, -3, -3], x = [-1, -2].

Built twice. Once from elementary gates (·, +, ·(-1), exp, +1, 1/x), so every local
gradient is visible; once with a single SigmoidGate, whose local gradient
σ(z)(1 - σ(z)) = 0.73 · 0.27 ≈ 0.20 replaces the last four gates at once.

Expected: f = 0.7310585786; d/dw = [-0.1966, -0.3932, 0.1966], d/dx = [0.3932, -0.5898]
(printed to two decimals in the lecture: w0 -0.20, x0 0.39, w1 -0.39, x1 -0.59, w2 0.20).
"""

import gateflow as gf
from gateflow.learn.example import main, run_example
from gateflow.learn.table import format_table

FEEDS = {"w0": 2.0, "x0": -1.0, "w1": -3.0, "x1": -2.0, "w2": -3.0}


def _weighted_sum(g):
    w0, x0, w1, x1, w2 = (g.input(name) for name in FEEDS)
    total = g.gate("add", g.gate("mul", w0, x0, name="w0x0"), g.gate("mul", w1, x1, name="w1x1"), name="sum")
    return g.gate("add", total, w2, name="z")


def build():
    """The elementary-gate version: 1 / (1 + exp(-z))."""
    g = gf.Graph()
    z = _weighted_sum(g)
    negated = g.gate("mul", z, -1.0, name="neg")
    e = g.gate("exp", negated, name="exp")
    denominator = g.gate("add", e, 1.0, name="plus1")
    f = g.gate("reciprocal", denominator, name="f")
    return g, dict(FEEDS), f


def build_with_sigmoid_gate():
    """The same neuron with one SigmoidGate."""
    g = gf.Graph()
    f = gf.sigmoid(_weighted_sum(g), name="f")
    return g, dict(FEEDS), f


if __name__ == "__main__":
    print("Elementary gates:\n")
    main(build, __doc__)
    print("\nOne SigmoidGate (local gradient σ(z)(1 - σ(z)) at z = 1):\n")
    _, run, grads = run_example(build_with_sigmoid_gate)
    print(format_table(run, grads))
