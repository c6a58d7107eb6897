"""Derivatives a learner checks with a computer-algebra system, at several points.

J = w²     -> dJ/dw = 2w
J = 1/w    -> dJ/dw = -1/w²
J = 1/w²   -> dJ/dw = -2/w³
f = h(g(x)), g(x) = 2x + 3, h(y) = y³ + 5y  -> df/dx = 6(2x + 3)² + 10
"""

import numpy as np

import gateflow as gf

CASES = {
    "w²": (lambda w: w**2, lambda w: 2 * w),
    "1/w": (lambda w: 1 / w, lambda w: -1 / w**2),
    "1/w²": (lambda w: 1 / w**2, lambda w: -2 / w**3),
    "h(g(x))": (lambda x: (2 * x + 3) ** 3 + 5 * (2 * x + 3), lambda x: 6 * (2 * x + 3) ** 2 + 10),
}
POINTS = (-3.0, -0.5, 0.25, 1.0, 2.0, 7.5)


def derivative(expression, at):
    """gateflow's derivative of expression(w) at w = at."""
    g = gf.Graph()
    w = g.input("w")
    J = expression(w)
    return g.forward({"w": at}).backward(J)[w]


def build():
    g = gf.Graph()
    x = g.input("x")
    inner = 2 * x + 3
    f = g.gate("add", inner**3, 5 * inner, name="f")
    return g, {"x": 1.0}, f


def main():
    print(f"{'J':<8} {'at':>6} {'gateflow':>14} {'closed form':>14}")
    for label, (expression, closed_form) in CASES.items():
        for point in POINTS:
            ours = derivative(expression, point)
            print(f"{label:<8} {point:>6g} {ours:>14.8g} {closed_form(point):>14.8g}")
            assert np.isclose(ours, closed_form(point), rtol=1e-12)


if __name__ == "__main__":
    main()
