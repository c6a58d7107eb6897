"""Draw the backward circuits shown in the README: gf.grad(w², w) and the sigmoid neuron's
gradient with respect to its weights, next to the forward circuits they differentiate.

    .venv/bin/python docs/backward_circuits.py [SUFFIX]     # default .svg; .png to look
"""

import sys
from pathlib import Path

import gateflow as gf

HERE = Path(__file__).resolve().parent


def square():
    g = gf.Graph()
    w = g.input("w")
    f = g.gate("power", w, exponent=2.0, name="J")
    gf.grad(f, w)
    return g, {"w": 3.0}


def sigmoid_neuron():
    g = gf.Graph()
    w0, x0, w1, x1, w2 = (g.input(n) for n in ("w0", "x0", "w1", "x1", "w2"))
    f = gf.sigmoid(w0 * x0 + w1 * x1 + w2, name="f")
    gf.grad(f, [w0, w1, w2])
    return g, {"w0": 2.0, "x0": -1.0, "w1": -3.0, "x1": -2.0, "w2": -3.0}


def main(suffix=".svg"):
    for stem, build in (("backward_square", square), ("backward_sigmoid_neuron", sigmoid_neuron)):
        g, feeds = build()
        path = gf.render(g, HERE / f"{stem}{suffix}", run=g.forward(feeds))
        print(f"wrote {path}")


if __name__ == "__main__":
    main(*sys.argv[1:])
