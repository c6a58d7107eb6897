"""A 2-2-2 sigmoid network trained by plain gradient descent (biases frozen).

i1 = 0.05, i2 = 0.10; targets 0.01 and 0.99; h1 = σ(w1·i1 + w2·i2 + b1),
h2 = σ(w3·i1 + w4·i2 + b1), o1 = σ(w5·h1 + w6·h2 + b2), o2 = σ(w7·h1 + w8·h2 + b2);
E = ½ Σ (target - out)², learning rate 0.5, every weight updated from the gradients of
the same forward pass; b1 = 0.35 and b2 = 0.60 are frozen parameters.

Expected: out_o1 = 0.75136507 (one widely copied text prints 0.75136079: a typo),
out_o2 = 0.772928465, E = 0.298371109; after one step w5 = 0.35891648, w1 = 0.149780716,
E = 0.291027774; after 10,000 steps E = 3.51019e-5, outputs 0.015913620 and 0.984064274.
(The published 0.291027924 comes from updating the hidden weights with already-updated
output weights: that is not gradient descent on one forward pass.)
"""

import argparse

import gateflow as gf
from gateflow.learn.example import run_example
from gateflow.learn.table import format_table

WEIGHTS = {"w1": 0.15, "w2": 0.20, "w3": 0.25, "w4": 0.30, "w5": 0.40, "w6": 0.45, "w7": 0.50, "w8": 0.55}
LEARNING_RATE = 0.5


def build():
    g = gf.Graph()
    i1, i2, t1, t2 = (g.input(name) for name in ("i1", "i2", "t1", "t2"))
    w = {name: g.param(name, value) for name, value in WEIGHTS.items()}
    b1 = g.param("b1", 0.35, trainable=False)
    b2 = g.param("b2", 0.60, trainable=False)
    h1 = gf.sigmoid(w["w1"] * i1 + w["w2"] * i2 + b1, name="h1")
    h2 = gf.sigmoid(w["w3"] * i1 + w["w4"] * i2 + b1, name="h2")
    o1 = gf.sigmoid(w["w5"] * h1 + w["w6"] * h2 + b2, name="o1")
    o2 = gf.sigmoid(w["w7"] * h1 + w["w8"] * h2 + b2, name="o2")
    error = g.gate("add", 0.5 * (t1 - o1) ** 2, 0.5 * (t2 - o2) ** 2, name="E")
    return g, {"i1": 0.05, "i2": 0.10, "t1": 0.01, "t2": 0.99}, error


def gradient_descent_step(graph, feeds, error):
    """One step of plain gradient descent on every trainable parameter; returns E before it."""
    run = graph.forward(feeds, outputs=[error])
    trainable = graph.parameters(trainable=True)
    grads = run.backward(error, wrt=trainable)
    for param in trainable:
        graph.set_value(param, param.value - LEARNING_RATE * grads[param])
    return run[error]


def train(steps):
    graph, feeds, error = build()
    for _ in range(steps):
        gradient_descent_step(graph, feeds, error)
    return graph, feeds, error


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=10_000)
    args = parser.parse_args(argv)
    _, run, grads = run_example(build)
    print(format_table(run, grads), "\n")
    graph, feeds, error = train(1)
    print("after one step:", ", ".join(f"{n} {graph.value(n):.9g}" for n in WEIGHTS))
    print(f"E after one step: {graph.forward(feeds)[error]:.9g}")
    graph, feeds, error = train(args.steps)
    run = graph.forward(feeds)
    print(f"after {args.steps} steps: E = {run[error]:.6g}, outputs {run['o1']:.9f} {run['o2']:.9f}")


if __name__ == "__main__":
    main()
