"""The 2-2-2 sigmoid network of the worked examples, as two matrix layers trained by gf.SGD.

One sample per row: x = [[0.05, 0.10]], targets t = [[0.01, 0.99]];
h = σ(x @ W1 + b1), out = σ(h @ W2 + b2), E = ½ Σ (t - out)², where column j of a weight
matrix holds the weights into unit j: W1 = [[w1, w3], [w2, w4]], W2 = [[w5, w7], [w6, w8]].
The biases b1 = 0.35 and b2 = 0.60 are frozen parameters, so the optimizer skips them.
Plain gradient descent, learning rate 0.5, every weight updated from one forward pass.

Expected output: E = 0.298371109 before training; after one step w1..w8 = 0.149780716
0.19956143 0.24975114 0.29950229 0.35891648 0.408666186 0.511301270 0.561370121 and
E = 0.291027774; after 10,000 steps E = 3.51019e-5, outputs 0.015913620 and 0.984064274.

    python examples/train_two_layer_network.py [--steps 10000]
"""

from __future__ import annotations

import argparse

import numpy as np

import gateflow as gf

FEEDS = {"x": [[0.05, 0.10]], "t": [[0.01, 0.99]]}


def build() -> tuple[gf.Graph, gf.Node, gf.Node]:
    """The network and its error E; returns (graph, E, out)."""
    g = gf.Graph()
    x, t = g.input("x"), g.input("t")
    W1 = g.param("W1", [[0.15, 0.25], [0.20, 0.30]])
    W2 = g.param("W2", [[0.40, 0.50], [0.45, 0.55]])
    b1 = g.param("b1", 0.35, trainable=False)
    b2 = g.param("b2", 0.60, trainable=False)
    h = gf.sigmoid(x @ W1 + b1, name="h")
    out = gf.sigmoid(h @ W2 + b2, name="out")
    error = g.gate("mul", 0.5, gf.sum((t - out) ** 2), name="E")
    return g, error, out


def train(graph: gf.Graph, error: gf.Node, steps: int, lr: float = 0.5) -> None:
    """`steps` steps of gradient descent on the trainable weights (the biases are frozen)."""
    optimizer = gf.SGD(graph, lr=lr)
    for _ in range(steps):
        run = graph.forward(FEEDS, outputs=[error])
        optimizer.step(run.backward(error, wrt=optimizer.params))


def weights(graph: gf.Graph) -> list[float]:
    """w1..w8 in the numbering of the worked example."""
    W1, W2 = graph.value("W1"), graph.value("W2")
    return [*W1.T.ravel(), *W2.T.ravel()]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=10_000, help="gradient-descent steps (default 10000)")
    args = parser.parse_args(argv)
    np.set_printoptions(precision=9)

    graph, error, out = build()
    run = graph.forward(FEEDS)
    print(f"before training: h = {run['h'].ravel()}, out = {run[out].ravel()}, E = {run[error]:.9f}")
    train(graph, error, 1)
    print("after one step:  w1..w8 =", " ".join(f"{w:.9g}" for w in weights(graph)))
    print(f"                 E = {graph.forward(FEEDS)[error]:.9f}")
    train(graph, error, args.steps - 1)
    run = graph.forward(FEEDS)
    print(f"after {args.steps} steps: E = {run[error]:.6g}, outputs {run[out].ravel()}")


if __name__ == "__main__":
    main()
