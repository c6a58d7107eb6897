"""The patterns every learner is taught, seen on one small graph.

- An add gate distributes its upstream gradient unchanged to all its inputs.
- A max gate routes the whole gradient to the larger input and zero to the others (on an
  exact tie gateflow splits it evenly between the tied inputs).
- A multiply gate switches: each input's gradient is the upstream gradient times the
  other input.
- Where a value feeds several gates, its gradients add up.

Here f = 2·((x·y) + max(z, w)) with x = 3, y = -4, z = 2, w = -1, and x also feeds
x·y and the final sum, so df/dx = 2·y + 1 = -7.
"""

import gateflow as gf
from gateflow.learn.example import main


def build():
    g = gf.Graph()
    x, y, z, w = (g.input(name) for name in "xyzw")
    product = g.gate("mul", x, y, name="xy")
    larger = gf.maximum(z, w, name="max")
    added = g.gate("add", product, larger, name="add")
    f = g.gate("add", g.gate("mul", 2.0, added, name="double"), x, name="f")
    return g, {"x": 3.0, "y": -4.0, "z": 2.0, "w": -1.0}, f


if __name__ == "__main__":
    graph, run, grads = main(build, __doc__)
    print(f"\nadd distributes: d/d(xy) = d/d(max) = {grads['xy']:g}")
    print(f"max routes:      d/dz = {grads['z']:g}, d/dw = {grads['w']:g}")
    print(f"mul switches:    d/dy = 2·x = {grads['y']:g}")
    print(f"fan-out adds:    d/dx = 2·y + 1 = {grads['x']:g}")
