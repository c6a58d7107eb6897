"""An example third-party gateflow plugin: the cube gate, usable as ``g.gate("cube", x)``
once this package is installed (its entry point puts it in the ``gateflow`` group)."""

import gateflow as gf


class CubeGate(gf.Gate):
    """f(x) = x³. Backward: df/dx = 3x²."""

    name, arity, symbol = "cube", 1, "x³"

    def forward(self, x):
        return x**3

    def backward(self, grad, out, x):
        return (grad * 3 * x**2,)


@gf.hookimpl
def register_gates(register):
    register(CubeGate)
