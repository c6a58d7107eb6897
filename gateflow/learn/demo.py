"""The main demo: the 2-D sigmoid neuron of the classic lecture, f(w, x) = σ(w0·x0 + w1·x1 + w2).

With w = [2, -3, -3] and x = [-1, -2] the published figures are f = 0.73 and gradients
w0 -0.20, x0 0.39, w1 -0.39, x1 -0.59, w2 0.20.
"""

from __future__ import annotations

import gateflow as gf

FEEDS = {"w0": 2.0, "x0": -1.0, "w1": -3.0, "x1": -2.0, "w2": -3.0}


def build_neuron() -> tuple[gf.Graph, gf.Node]:
    """The neuron with one gate per operation, the way the lecture draws it."""
    g = gf.Graph()
    w0, x0, w1, x1, w2 = (g.input(name) for name in FEEDS)
    dot = g.gate("add", g.gate("mul", w0, x0, name="w0x0"), g.gate("mul", w1, x1, name="w1x1"), name="dot")
    f = gf.sigmoid(g.gate("add", dot, w2, name="z"), name="f")
    return g, f


def run_demo() -> tuple[gf.Run, gf.Gradients]:
    g, f = build_neuron()
    run = g.forward(FEEDS)
    return run, run.backward(f)
