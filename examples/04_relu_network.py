"""A 1-1-1 ReLU network, one backward step by hand.

w1 = 2, b1 = 0, w2 = 3, b2 = 1, x = 1, y = 5; a1 = ReLU(w1·x + b1), a2 = ReLU(w2·a1 + b2),
J = ½ (a2 - y)². Forward: a1 = 2, a2 = 7, J = 2.

Backward: dJ/da2 = a2 - y = 2; both ReLUs are active, so dJ/dw2 = (a2 - y)·a1 = 2·2 = 4
and dJ/db2 = 2; dJ/da1 = 2·w2 = 6, so dJ/dw1 = 6·x = 6 and dJ/db1 = 6.

The source text gets dJ/dw2 = (7 - 5)·7 = 14: it multiplies by a2, the unit's own output,
instead of a1, the input that w2 multiplies. The local gradient of w2·a1 with respect to
w2 is a1 (a multiply gate switches), so the chain rule gives 4.
"""

import gateflow as gf
from gateflow.learn.example import main


def build():
    g = gf.Graph()
    x, y = g.input("x"), g.input("y")
    w1, b1 = g.param("w1", 2.0), g.param("b1", 0.0)
    w2, b2 = g.param("w2", 3.0), g.param("b2", 1.0)
    a1 = gf.relu(w1 * x + b1, name="a1")
    a2 = gf.relu(w2 * a1 + b2, name="a2")
    J = g.gate("mul", 0.5, (a2 - y) ** 2, name="J")
    return g, {"x": 1.0, "y": 5.0}, J


if __name__ == "__main__":
    graph, run, grads = main(build, __doc__)
    print(f"\ndJ/dw2 = {grads['w2']:g} (not 14), dJ/db2 = {grads['b2']:g}, "
          f"dJ/dw1 = {grads['w1']:g}, dJ/db1 = {grads['b1']:g}")
