"""Benchmark (a): the 2-D sigmoid neuron f = σ(w0·x0 + w1·x1 + w2), forward + backward,
20,000 times with fresh inputs, in µs per iteration.

References measured in the same run: the same neuron hand-written with numpy scalars
(no framework at all), and a recursive scalar autograd engine in the style of micrograd
(a Value object per number, a recursive topological sort per backward).
"""

import math

import numpy as np
from scipy.special import expit

import gateflow as gf
from common import interleaved_medians, one_blas_thread

NAMES = ("w0", "x0", "w1", "x1", "w2")


def build():
    g = gf.Graph()
    w0, x0, w1, x1, w2 = (g.input(n) for n in NAMES)
    return g, gf.sigmoid(w0 * x0 + w1 * x1 + w2)


def gateflow_loop(g, f, data):
    outputs = [f]
    for feeds in data:
        g.forward(feeds, outputs=outputs).backward(f)


def numpy_loop(data):
    for d in data:
        w0, x0, w1, x1, w2 = (np.float64(d[n]) for n in NAMES)
        out = expit(w0 * x0 + w1 * x1 + w2)
        dz = out * (1.0 - out)
        _ = (dz * x0, dz * w0, dz * x1, dz * w1, dz)


class Value:
    """A scalar that records how it was made (micrograd style)."""

    def __init__(self, data, children=()):
        self.data, self.grad, self._children, self._backward = data, 0.0, children, lambda: None

    def __add__(self, other):
        out = Value(self.data + other.data, (self, other))

        def backward():
            self.grad += out.grad
            other.grad += out.grad

        out._backward = backward
        return out

    def __mul__(self, other):
        out = Value(self.data * other.data, (self, other))

        def backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out._backward = backward
        return out

    def sigmoid(self):
        s = 1.0 / (1.0 + math.exp(-self.data))
        out = Value(s, (self,))

        def backward():
            self.grad += s * (1.0 - s) * out.grad

        out._backward = backward
        return out

    def backward(self):
        order, seen = [], set()

        def visit(v):
            if v not in seen:
                seen.add(v)
                for child in v._children:
                    visit(child)
                order.append(v)

        visit(self)
        self.grad = 1.0
        for v in reversed(order):
            v._backward()


def scalar_engine_loop(data):
    for d in data:
        w0, x0, w1, x1, w2 = (Value(d[n]) for n in NAMES)
        (w0 * x0 + w1 * x1 + w2).sigmoid().backward()


@one_blas_thread
def main(iterations: int = 20_000) -> dict:
    rng = np.random.default_rng(0)
    data = [dict(zip(NAMES, map(float, rng.standard_normal(5)))) for _ in range(iterations)]
    g, f = build()
    per_iteration = lambda seconds: seconds / iterations * 1e6  # noqa: E731
    ours, hand, engine = map(per_iteration, interleaved_medians(
        [lambda: gateflow_loop(g, f, data), lambda: numpy_loop(data), lambda: scalar_engine_loop(data)],
        repeats=5,
    ))
    print(f"(a) sigmoid neuron, forward + backward, {iterations:,} fresh inputs:")
    print(f"    gateflow              {ours:6.2f} µs/iteration")
    print(f"    recursive scalar engine {engine:6.2f} µs/iteration  (gateflow / engine = {ours / engine:.2f})")
    print(f"    hand-written numpy    {hand:6.2f} µs/iteration  (gateflow / numpy = {ours / hand:.2f})")
    return {"gateflow_us": ours, "engine_us": engine, "numpy_us": hand}


if __name__ == "__main__":
    main()
