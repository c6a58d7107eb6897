"""Every built-in gate's backward against central differences in float64, on
hypothesis-generated shapes (including broadcasting) and values."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import gateflow as gf

FLOATS = st.floats(-3, 3, allow_nan=False, allow_infinity=False)


def arrays(shape, elements=FLOATS):
    return hnp.arrays(np.float64, shape, elements=elements)


def check(gate, *values):
    g = gf.Graph()
    nodes = [g.input(f"in{i}") for i in range(len(values))]
    out = g.gate(gate, *nodes)
    feeds = {f"in{i}": v for i, v in enumerate(values)}
    return gf.gradcheck(g, feeds, out, tolerance=1e-5)


def away_from(values, point=0.0, margin=0.1):
    """Move values within `margin` of `point` out of the kink/pole."""
    values = np.array(values, dtype=np.float64)
    near = np.abs(values - point) < margin
    values[near] = point + np.where(values[near] >= point, margin, -margin)
    return values


two_shapes = hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3)


@st.composite
def broadcast_pair(draw, elements=FLOATS):
    shapes = draw(two_shapes).input_shapes
    return draw(arrays(shapes[0], elements)), draw(arrays(shapes[1], elements))


one_array = hnp.array_shapes(min_dims=0, max_dims=3, max_side=4).flatmap(arrays)


@pytest.mark.parametrize("gate", [gf.AddGate, gf.SubtractGate, gf.MultiplyGate])
@given(pair=broadcast_pair())
def test_binary_arithmetic(gate, pair):
    check(gate(), *pair)


@given(pair=broadcast_pair())
def test_divide(pair):
    x, y = pair
    check(gf.DivideGate(), x, away_from(y, margin=0.5))


@given(pair=broadcast_pair(elements=st.floats(0.2, 3)))
def test_tensor_power(pair):
    check(gf.PowGate(), *pair)


@given(x=one_array, exponent=st.sampled_from([2.0, 3.0, -1.0, 0.5, 1.5]))
def test_constant_power(x, exponent):
    x = np.abs(away_from(x, margin=0.2)) if exponent % 1 or exponent < 0 else x
    check(gf.PowerGate(exponent=exponent), x)


@pytest.mark.parametrize("gate", [gf.NegateGate, gf.ExpGate, gf.TanhGate, gf.SigmoidGate])
@given(x=one_array)
def test_smooth_unary(gate, x):
    check(gate(), x)


@given(x=one_array)
def test_log(x):
    check(gf.LogGate(), np.abs(x) + 0.1)


@given(x=one_array)
def test_reciprocal(x):
    check(gf.ReciprocalGate(), away_from(x, margin=0.3))


@pytest.mark.parametrize("gate", [gf.ReLUGate, gf.AbsGate])
@given(x=one_array)
def test_kinked_unary_away_from_kink(gate, x):
    check(gate(), away_from(x))


@pytest.mark.parametrize("gate", [gf.MaxGate, gf.MinGate])
@given(pair=broadcast_pair())
def test_max_min_away_from_ties(gate, pair):
    x, y = np.broadcast_arrays(*pair)
    y = x + away_from(y - x)
    check(gate(), pair[0], y)


@given(
    dims=st.tuples(st.integers(1, 4), st.integers(1, 4), st.integers(1, 4)),
    case=st.sampled_from(["vv", "mv", "vm", "mm", "batched"]),
    data=st.data(),
)
def test_matmul(dims, case, data):
    m, n, k = dims
    shapes = {"vv": ((n,), (n,)), "mv": ((m, n), (n,)), "vm": ((n,), (n, k)),
              "mm": ((m, n), (n, k)), "batched": ((2, m, n), (n, k))}[case]
    check(gf.MatMulGate(), *(data.draw(arrays(s)) for s in shapes))


@given(
    x=hnp.array_shapes(min_dims=1, max_dims=3, max_side=4).flatmap(arrays),
    keepdims=st.booleans(),
    data=st.data(),
)
@pytest.mark.parametrize("gate", [gf.SumGate, gf.MeanGate])
def test_reductions(gate, x, keepdims, data):
    axis = data.draw(st.sampled_from([None, 0, -1, tuple(range(x.ndim))]))
    check(gate(axis=axis, keepdims=keepdims), x)


@given(x=hnp.array_shapes(min_dims=1, max_dims=3, max_side=4).flatmap(arrays))
def test_reshape_and_transpose(x):
    check(gf.ReshapeGate(shape=(-1,)), x)
    check(gf.TransposeGate(), x)
    check(gf.TransposeGate(axes=tuple(reversed(range(x.ndim)))), x)


def test_max_splits_ties_evenly_as_central_differences_do():
    g = gf.Graph()
    x, y = g.input("x"), g.input("y")
    m = gf.maximum(x, y)
    grads = g.forward({"x": 2.0, "y": 2.0}).backward(m)
    assert (grads[x], grads[y]) == (0.5, 0.5)
    check(gf.MaxGate(), 2.0, 2.0)  # the numerical derivative at the tie agrees


def test_relu_and_abs_take_zero_gradient_at_zero():
    g = gf.Graph()
    x = g.input("x")
    r, a = gf.relu(x), gf.abs(x)
    run = g.forward({"x": 0.0})
    assert run.backward(r)[x] == 0.0 and run.backward(a)[x] == 0.0


def test_sigmoid_is_stable_for_huge_inputs():
    g = gf.Graph()
    x = g.input("x")
    s = gf.sigmoid(x)
    with np.errstate(all="raise"):
        run = g.forward({"x": np.array([-1000.0, 0.0, 1000.0])})
        grads = run.backward(s)
    np.testing.assert_array_equal(run[s], [0.0, 0.5, 1.0])
    np.testing.assert_array_equal(grads[x], [0.0, 0.25, 0.0])


def test_sigmoid_matches_scipy_expit_to_the_last_bits():
    from scipy.special import expit

    from gateflow.gates.elementwise import stable_sigmoid

    x = np.concatenate([np.linspace(-745, 745, 20_001), [-np.inf, np.inf, -0.0]])
    with np.errstate(all="raise"):
        sigma = stable_sigmoid(x)
    tiny = np.finfo(float).tiny  # below it expit flushes subnormal results to 0
    np.testing.assert_allclose(sigma, expit(x), rtol=4 * np.finfo(float).eps, atol=tiny)
    for scalar in (-800.0, -37.5, -1e-9, 0.0, 2.5, 800.0):
        value = stable_sigmoid(np.float64(scalar))
        assert type(value) is np.float64 and value == pytest.approx(expit(scalar), rel=1e-15)
    assert np.isnan(stable_sigmoid(np.float64("nan"))) and np.isnan(stable_sigmoid(np.array([np.nan]))).all()
    assert stable_sigmoid(np.array([-3.0, 3.0], dtype=np.float32)).dtype == np.float32


def test_gate_params_describe_the_gate():
    assert gf.SumGate(axis=[0, 1]).params() == {"axis": (0, 1), "keepdims": False}
    assert gf.SumGate(axis=1) == gf.SumGate(axis=1) != gf.SumGate(axis=0)
    assert gf.PowerGate(exponent=2.0).label() == "^2"
    assert gf.MultiplyGate().label() == "*"


def test_a_wrong_gradient_is_caught():
    class WrongSquare(gf.Gate):
        name, arity = "wrong_square", 1

        def forward(self, x):
            return x * x

        def backward(self, grad, out, x):
            return (grad * x,)  # should be 2x

    with pytest.raises(gf.GradientCheckError) as info:
        check(WrongSquare(), np.array([1.0, 2.0]))
    assert "in0" in str(info.value) and info.value.report.checks[0].failures == 2


def test_matmul_of_scalars_is_a_shape_error_naming_the_node():
    """Found by the graph-file fuzz campaign: numpy scalars made `@` raise TypeError, which
    surfaced as a GateContractError blaming the gate."""
    g = gf.Graph()
    f = g.input("x") @ g.input("y")
    with pytest.raises(gf.ShapeError, match=f"node '{f.name}' .*MatMulGate.*does not have enough dimensions"):
        g.forward({"x": 2.0, "y": 3.0})
