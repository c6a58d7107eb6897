"""The smallest circuit: f(x, y, z) = (x + y) · z at x = -2, y = 5, z = -4.

The add gate q = x + y passes its upstream gradient unchanged to x and y; the multiply
gate switches: df/dq = z = -4 and df/dz = q = 3. So df/dx = df/dy = -4 · 1 = -4.

Expected: q = 3, f = -12; gradients x -4, y -4, z 3, q -4, f 1.
"""

import gateflow as gf
from gateflow.learn.example import main


def build():
    g = gf.Graph()
    x, y, z = g.input("x"), g.input("y"), g.input("z")
    q = g.gate(gf.AddGate(), x, y, name="q")
    f = g.gate(gf.MultiplyGate(), q, z, name="f")
    return g, {"x": -2.0, "y": 5.0, "z": -4.0}, f


if __name__ == "__main__":
    main(build, __doc__)
