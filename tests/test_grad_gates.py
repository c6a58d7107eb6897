"""Every built-in gate's graph backward (`gf.grad`) against its numpy backward
(`run.backward`) to 1e-12 relative, and its second derivatives against central differences
of its first derivatives, on hypothesis-generated shapes (with broadcasting) and values."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import gateflow as gf
from gateflow.gates.masks import ZeroGradientGate
from grad_support import assert_agree, check_second_derivatives

FLOATS = st.floats(-3, 3, allow_nan=False, allow_infinity=False)
POSITIVE = st.floats(0.2, 3)


def arrays(shape, elements=FLOATS):
    return hnp.arrays(np.float64, shape, elements=elements)


def away_from(values, point=0.0, margin=0.1):
    values = np.array(values, dtype=np.float64)
    near = np.abs(values - point) < margin
    values[near] = point + np.where(values[near] >= point, margin, -margin)
    return values


shapes1 = hnp.array_shapes(min_dims=0, max_dims=3, max_side=3)
shapes1_nonscalar = hnp.array_shapes(min_dims=1, max_dims=3, max_side=3)
two_shapes = hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3)


def pair(draw, elements=FLOATS):
    a, b = draw(two_shapes).input_shapes
    return draw(arrays(a, elements)), draw(arrays(b, elements))


def one(draw, elements=FLOATS, shapes=shapes1):
    return (draw(arrays(draw(shapes), elements)),)


def max_min_pair(draw):
    x, y = pair(draw)
    xb, yb = np.broadcast_arrays(x, y)
    return x, np.broadcast_to(xb + away_from(yb - xb), np.broadcast_shapes(x.shape, y.shape)).copy()


def matmul_operands(draw):
    m, n, k = (draw(st.integers(1, 3)) for _ in range(3))
    case = draw(st.sampled_from(["vv", "mv", "vm", "mm", "batched"]))
    shapes = {"vv": ((n,), (n,)), "mv": ((m, n), (n,)), "vm": ((n,), (n, k)),
              "mm": ((m, n), (n, k)), "batched": ((2, m, n), (n, k))}[case]
    return tuple(draw(arrays(s)) for s in shapes)


def matmul_grad_operands(draw):
    x, y = matmul_operands(draw)
    return (draw(arrays(np.shape(x @ y))), x, y)


def reduction(gate):
    def make(draw):
        (x,) = one(draw, shapes=shapes1_nonscalar)
        axis = draw(st.sampled_from([None, 0, -1, tuple(range(x.ndim))]))
        return gate(axis=axis, keepdims=draw(st.booleans())), (x,)
    return make


def sum_to_operands(draw):
    like_shape, other = draw(two_shapes).input_shapes
    a = draw(arrays(np.broadcast_shapes(like_shape, other)))
    return a, draw(arrays(like_shape))


def broadcast_to_operands(draw):
    small, other = draw(two_shapes).input_shapes
    return draw(arrays(small)), draw(arrays(np.broadcast_shapes(small, other)))


def reshape_like_operands(draw):
    (a,) = one(draw)
    return a, draw(arrays(draw(st.sampled_from([(a.size,), (1, a.size), (a.size, 1)]))))


def classification(draw, labels_too=True):
    n, c = draw(st.integers(1, 3)), draw(st.integers(2, 4))
    scores = draw(arrays((n, c)))
    labels = np.array(draw(st.lists(st.integers(0, c - 1), min_size=n, max_size=n)), dtype=np.float64)
    return scores, labels


def hinge_operands(draw):
    scores, labels = classification(draw)
    # keep every margin away from its kink at 0 (for the central differences)
    picked = scores[np.arange(len(labels)), labels.astype(int)][:, None]
    margins = away_from(scores - picked + 1.0, margin=0.05)
    scores = margins + picked - 1.0
    scores[np.arange(len(labels)), labels.astype(int)] = picked[:, 0]
    return scores, labels


def bce_operands(draw):
    z, t = pair(draw)
    return z, np.clip(np.abs(t) / 3, 0, 1)


def fixed(gate, operands, differentiable=None):
    """A case: (gate, operands, the input positions to differentiate)."""
    def make(draw):
        return gate, operands(draw)
    make.differentiable = differentiable
    return make


def power_case(draw):
    p = draw(st.sampled_from([1.0, 2.0, 3.0, -1.0, 0.5, 1.5]))
    (x,) = one(draw)
    x = np.abs(away_from(x, margin=0.2)) if p % 1 or p < 0 else x
    return gf.PowerGate(exponent=p), (x,)


def softmax_case(draw):
    (x,) = one(draw, shapes=shapes1_nonscalar)
    return gf.SoftmaxGate(axis=draw(st.sampled_from([-1, 0]))), (x,)


def expand_dims_case(draw):
    (x,) = one(draw)
    return gf.ExpandDimsGate(axis=draw(st.sampled_from([0, -1]))), (x,)


def transpose_case(draw):
    (x,) = one(draw, shapes=shapes1_nonscalar)
    axes = draw(st.sampled_from([None, tuple(reversed(range(x.ndim))), tuple(range(x.ndim))]))
    return gf.TransposeGate(axes=axes), (x,)


SMOOTH = {
    "add": fixed(gf.AddGate(), pair),
    "sub": fixed(gf.SubtractGate(), pair),
    "mul": fixed(gf.MultiplyGate(), pair),
    "div": fixed(gf.DivideGate(), lambda d: (lambda x, y: (x, away_from(y, margin=0.5)))(*pair(d))),
    "neg": fixed(gf.NegateGate(), one),
    "reciprocal": fixed(gf.ReciprocalGate(), lambda d: (away_from(one(d)[0], margin=0.3),)),
    "power": power_case,
    "pow": fixed(gf.PowGate(), lambda d: pair(d, POSITIVE)),
    "exp": fixed(gf.ExpGate(), one),
    "log": fixed(gf.LogGate(), lambda d: one(d, POSITIVE)),
    "tanh": fixed(gf.TanhGate(), one),
    "sigmoid": fixed(gf.SigmoidGate(), one),
    "relu": fixed(gf.ReLUGate(), lambda d: (away_from(one(d)[0]),)),
    "abs": fixed(gf.AbsGate(), lambda d: (away_from(one(d)[0]),)),
    "max": fixed(gf.MaxGate(), max_min_pair),
    "min": fixed(gf.MinGate(), max_min_pair),
    "matmul": fixed(gf.MatMulGate(), matmul_operands),
    "matmul_grad_0": fixed(gf.MatMulGradGate(side=0), matmul_grad_operands),
    "matmul_grad_1": fixed(gf.MatMulGradGate(side=1), matmul_grad_operands),
    "sum": reduction(gf.SumGate),
    "mean": reduction(gf.MeanGate),
    "reshape": fixed(gf.ReshapeGate(shape=(-1,)), one),
    "transpose": transpose_case,
    "softmax": softmax_case,
    "sum_to": fixed(gf.SumToGate(), sum_to_operands, differentiable=(0,)),
    "broadcast_to": fixed(gf.BroadcastToGate(), broadcast_to_operands, differentiable=(0,)),
    "expand_dims": expand_dims_case,
    "reshape_like": fixed(gf.ReshapeLikeGate(), reshape_like_operands, differentiable=(0,)),
    "mse": fixed(gf.MSELossGate(), pair),
    "softmax_cross_entropy": fixed(gf.SoftmaxCrossEntropyGate(), classification, differentiable=(0,)),
    "multiclass_hinge": fixed(gf.MulticlassHingeGate(margin=1.0), hinge_operands, differentiable=(0,)),
    "binary_cross_entropy": fixed(gf.BinaryCrossEntropyGate(), bce_operands),
    "l2": fixed(gf.L2PenaltyGate(lam=0.3), one),
}

ZERO_GRADIENT = {
    "greater": fixed(gf.GreaterGate(), pair),
    "equal": fixed(gf.EqualGate(), lambda d: (lambda x, y: (x, np.where(y > 0, x, y)))(*pair(d))),
    "sign": fixed(gf.SignGate(), one),
    "size": fixed(gf.SizeGate(), one),
    "zeros_like": fixed(gf.ZerosLikeGate(), one),
    "seed": fixed(gf.SeedGate(output="f"), lambda d: (d(arrays(())),)),
    "one_hot": fixed(gf.OneHotGate(), lambda d: classification(d)[::-1]),
    "hinge_mask": fixed(gf.HingeMaskGate(margin=1.0), hinge_operands),
}


def test_every_builtin_gate_is_covered():
    """numpy_backward has no graph backward by design (tests/test_grad.py covers it)."""
    names = {gate.name for gate in gf.BUILTIN_GATES} - {"numpy_backward"}
    tested = {k.removesuffix("_0").removesuffix("_1") for k in SMOOTH} | set(ZERO_GRADIENT)
    assert names == tested


def build(gate, operands):
    g = gf.Graph()
    inputs = [g.input(f"in{i}") for i in range(len(operands))]
    out = g.gate(gate, *inputs)
    feeds = {f"in{i}": v for i, v in enumerate(operands)}
    return g, inputs, out, feeds


def first_derivatives(gate, operands, rng):
    """gf.grad and run.backward of the gate's output (seeded by a random upstream gradient)."""
    g, inputs, out, feeds = build(gate, operands)
    shape = np.shape(g.forward(feeds, outputs=[out])[out])
    feeds["seed"] = rng.standard_normal(shape) if shape else np.float64(rng.standard_normal())
    grads = gf.grad(out, inputs, seed=g.input("seed"))
    run = g.forward(feeds)
    reference = run.backward(out, seed=feeds["seed"])
    return g, inputs, feeds, grads, run, reference


@pytest.mark.parametrize("case", sorted(SMOOTH) + sorted(ZERO_GRADIENT))
@settings(max_examples=15)
@given(data=st.data())
def test_graph_backward_equals_numpy_backward(case, data):
    gate, operands = {**SMOOTH, **ZERO_GRADIENT}[case](data.draw)
    g, inputs, feeds, grads, run, reference = first_derivatives(gate, operands, np.random.default_rng(0))
    for node, gradient in zip(inputs, grads):
        assert_agree(run[gradient], reference[node])
    if isinstance(gate, ZeroGradientGate):
        assert all(not np.any(run[gr]) for gr in grads)


@pytest.mark.parametrize("case", sorted(SMOOTH))
@settings(max_examples=8)
@given(data=st.data())
def test_second_derivatives_match_central_differences(case, data):
    make = SMOOTH[case]
    gate, operands = make(data.draw)
    rng = np.random.default_rng(1)
    g, inputs, feeds, grads, run, reference = first_derivatives(gate, operands, rng)
    chosen = getattr(make, "differentiable", None) or range(len(inputs))
    check_second_derivatives(g, feeds, [grads[i] for i in chosen], [inputs[i] for i in chosen], rng)


@pytest.mark.parametrize("side", [0, 1])
def test_matmul_grad_takes_a_gradient_with_more_batch_axes_than_its_result(side):
    # found by fuzzing graph files: G of shape (1, 2, 2) for a (2, 2) product
    rng = np.random.default_rng(side)
    g = gf.Graph()
    G, X, Y = g.input("G"), g.input("X"), g.input("Y")
    d = g.gate(gf.MatMulGradGate(side=side), G, X, Y, name="d")
    f = gf.sum(d * g.const(rng.standard_normal((2, 3) if side == 0 else (3, 2))), name="f")
    feeds = {"G": rng.standard_normal((1, 2, 2)), "X": rng.standard_normal((2, 3)), "Y": rng.standard_normal((3, 2))}
    gf.gradcheck(g, feeds, f)
    (dG,) = gf.grad(f, [G])
    np.testing.assert_allclose(g.forward(feeds, outputs=[dG])[dG], g.forward(feeds).backward(f)[G], rtol=1e-12)


def test_matmul_grad_refuses_scalar_operands_as_matmul_does():
    g = gf.Graph()
    G, X, Y = g.input("G"), g.input("X"), g.input("Y")
    g.gate(gf.MatMulGradGate(side=1), G, X, Y, name="d")
    with pytest.raises(gf.ShapeError, match="'d'"):
        g.forward({"G": np.ones((2, 2)), "X": np.ones((2, 3)), "Y": 2.0})
