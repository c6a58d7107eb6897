"""One small, well-conditioned call of every built-in gate, for the tests that run all of
them through another dtype or array library (float32, dask)."""

import numpy as np

import gateflow as gf

ROWS = 6


def _inputs(rng):
    """Named input arrays (float64): rows of samples, positive where a gate needs it."""
    return {
        "x": rng.standard_normal((ROWS, 3)),
        "y": rng.standard_normal((ROWS, 3)),
        "v": rng.standard_normal(3),
        "pos": rng.uniform(0.5, 2.0, (ROWS, 3)),
        "far": rng.choice([-1.0, 1.0], (ROWS, 3)) * rng.uniform(0.5, 2.0, (ROWS, 3)),
        "m": rng.standard_normal((3, 2)),
        "labels": rng.integers(0, 3, ROWS).astype(np.float64),
        "targets": rng.uniform(0.0, 1.0, (ROWS, 3)),
        "g2": rng.standard_normal((ROWS, 2)),
        "flat": rng.standard_normal(ROWS * 3),
        "s": rng.standard_normal(()),
    }


# gate, its parameters, the inputs it takes; every built-in gate but NumpyBackwardGate,
# which has no derivative of its own (tests/test_grad.py covers it)
CASES = [
    (gf.AddGate, {}, ("x", "v")),
    (gf.SubtractGate, {}, ("x", "y")),
    (gf.MultiplyGate, {}, ("x", "v")),
    (gf.DivideGate, {}, ("x", "far")),
    (gf.NegateGate, {}, ("x",)),
    (gf.ReciprocalGate, {}, ("far",)),
    (gf.PowerGate, {"exponent": 3.0}, ("x",)),
    (gf.PowGate, {}, ("pos", "y")),
    (gf.ExpGate, {}, ("x",)),
    (gf.LogGate, {}, ("pos",)),
    (gf.TanhGate, {}, ("x",)),
    (gf.SigmoidGate, {}, ("x",)),
    (gf.ReLUGate, {}, ("far",)),
    (gf.AbsGate, {}, ("far",)),
    (gf.MaxGate, {}, ("x", "y")),
    (gf.MinGate, {}, ("x", "v")),
    (gf.MatMulGate, {}, ("x", "m")),
    (gf.SumGate, {"axis": 1}, ("x",)),
    (gf.MeanGate, {}, ("x",)),
    (gf.ReshapeGate, {"shape": (-1,)}, ("x",)),
    (gf.TransposeGate, {}, ("x",)),
    (gf.MSELossGate, {}, ("x", "y")),
    (gf.SoftmaxCrossEntropyGate, {}, ("x", "labels")),
    (gf.MulticlassHingeGate, {"margin": 1.0}, ("x", "labels")),
    (gf.BinaryCrossEntropyGate, {}, ("x", "targets")),
    (gf.L2PenaltyGate, {"lam": 0.1}, ("x",)),
    # the backward circuit's own gates (gf.grad)
    (gf.SoftmaxGate, {}, ("x",)),
    (gf.MatMulGradGate, {"side": 0}, ("g2", "x", "m")),
    (gf.SumToGate, {}, ("x", "v")),
    (gf.BroadcastToGate, {}, ("v", "x")),
    (gf.ExpandDimsGate, {"axis": 0}, ("x",)),
    (gf.ReshapeLikeGate, {}, ("x", "flat")),
    (gf.GreaterGate, {}, ("x", "y")),
    (gf.EqualGate, {}, ("x", "y")),
    (gf.SignGate, {}, ("far",)),
    (gf.SizeGate, {}, ("x",)),
    (gf.ZerosLikeGate, {}, ("x",)),
    (gf.SeedGate, {}, ("s",)),
    (gf.OneHotGate, {}, ("labels", "x")),
    (gf.HingeMaskGate, {"margin": 1.0}, ("x", "labels")),
]


def case_id(case):
    return case[0].__name__


def build(case, seed=0):
    """(graph, output node, input nodes, feeds as float64 numpy arrays) for one case; the
    output is summed to a scalar through a constant weight, as a loss would be."""
    gate, params, names = case
    values = _inputs(np.random.default_rng(seed))
    g = gf.Graph()
    nodes = [g.input(name) for name in names]
    out = g.gate(gate(**params), *nodes, name="out")
    loss = gf.sum(out * 0.5, name="loss")
    return g, loss, nodes, {name: values[name] for name in names}
