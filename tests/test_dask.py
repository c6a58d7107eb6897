"""dask arrays as values: runs stay lazy through every built-in gate, forward and backward,
nothing is computed until asked, and the results equal the numpy path. (The real cluster,
training and bad input on it: tests/test_dask_cluster.py.)"""

import subprocess
import sys

import numpy as np
import pytest

import gateflow as gf
from gate_cases import CASES, build, case_id

da = pytest.importorskip("dask.array")
from dask_support import CountComputes  # noqa: E402


def chunked(value, rows=2, features=2):
    """A dask array of `value`, split into chunks along the rows and the features."""
    return da.from_array(value, chunks=(rows,) + (features,) * (value.ndim - 1))


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_every_builtin_gate_stays_lazy_and_equals_numpy(case):
    g, loss, nodes, feeds = build(case)
    with CountComputes() as counter:
        run = g.forward({k: chunked(v) for k, v in feeds.items()})
        grads = run.backward(loss)
        lazy = [run[loss], *(grads[n] for n in nodes)]
        known = case[0] is gf.SizeGate  # a size is known from the shape alone, not computed
        assert all(isinstance(v, da.Array) for v in lazy[known:])
        assert counter.computes == 0
        values = gf.compute(*lazy)
        assert counter.computes == 1  # loss and every gradient in one pass
    reference = g.forward(feeds)
    expected = reference.backward(loss)
    np.testing.assert_allclose(values[0], reference[loss], rtol=1e-12)
    for node, value in zip(nodes, values[1:]):
        assert isinstance(value, np.ndarray)
        np.testing.assert_allclose(value, expected[node], rtol=1e-12, atol=1e-15)


def test_a_dense_network_on_dask_rows_keeps_float32_and_its_chunks():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((100, 4)).astype(np.float32)
    g = gf.Graph()
    x = g.input("x")
    net = gf.mlp(x, [4, 8, 3], activation="tanh", seed=0)
    for p in net.parameters:
        g.set_value(p, p.value.astype(np.float32))
    out = gf.mean(net.output * net.output)
    run = g.forward({x: da.from_array(X, chunks=(25, 4))})
    grads = run.backward(out)
    assert run[net.output].chunks == ((25, 25, 25, 25), (3,))
    assert run[out].dtype == np.float32 and grads[net.layers[0].W].dtype == np.float32
    value, gW = gf.compute(run[out], grads[net.layers[0].W])
    reference = g.forward({x: X})
    np.testing.assert_allclose(value, reference[out], rtol=1e-5)
    np.testing.assert_allclose(gW, reference.backward(out)[net.layers[0].W], rtol=1e-4)


def test_compute_returns_numpy_values_as_they_are():
    a, b = np.ones(3), np.float64(2.0)
    assert gf.compute(a, b) == (a, b) and gf.compute(a)[0] is a


def test_an_explicit_seed_may_be_a_dask_array():
    g = gf.Graph()
    x = g.input("x")
    f = x * x
    run = g.forward({x: chunked(np.arange(4.0))})
    grad = run.backward(f, seed=da.ones(4, chunks=2) * 3.0)[x]
    assert isinstance(grad, da.Array)
    np.testing.assert_array_equal(grad.compute(), 6.0 * np.arange(4.0))


def test_integer_dask_arrays_become_float64_lazily():
    g = gf.Graph()
    x = g.input("x")
    f = x / 2
    run = g.forward({x: da.arange(4, chunks=2)})
    assert isinstance(run[f], da.Array) and run[f].dtype == np.float64
    np.testing.assert_array_equal(run[f].compute(), [0.0, 0.5, 1.0, 1.5])


def test_unknown_chunk_sizes_are_refused_naming_the_input_and_the_fix():
    X = chunked(np.arange(12.0).reshape(6, 2))
    unknown = X[X[:, 0] > 3]  # boolean indexing: rows per chunk unknown until computed
    g = gf.Graph()
    x = g.input("features")
    total = gf.sum(x)
    with pytest.raises(gf.FeedError, match=r"'features'.*unknown chunk sizes.*compute_chunk_sizes"):
        g.forward({x: unknown})
    run = g.forward({x: unknown.compute_chunk_sizes()})  # the fix works
    assert gf.compute(run[total]) == (4.0 + 5 + 6 + 7 + 8 + 9 + 10 + 11,)


def test_labels_of_dask_data_are_checked_when_computed_naming_the_position():
    g = gf.Graph()
    s, y = g.input("s"), g.input("y")
    loss = gf.softmax_cross_entropy(s, y)
    labels = chunked(np.array([0.0, 1.0, 2.0, 7.0]))
    run = g.forward({s: chunked(np.zeros((4, 3))), y: labels})  # nothing computed yet
    with pytest.raises(gf.DataError, match=r"whole numbers 0\.\.2.*found 7 at position \(3,\)"):
        gf.compute(run[loss])


def test_a_gate_that_cannot_take_features_split_across_chunks_names_the_fix():
    class UpperTriangleGate(gf.Gate):
        """f(X) = R of X = QR (a test gate: dask's QR needs one column chunk)."""

        name, arity = "qr_r", 1

        def forward(self, x):
            return np.linalg.qr(x)[1]

        def backward(self, grad, out, x):
            raise NotImplementedError

    g = gf.Graph()
    x = g.input("X")
    g.gate(UpperTriangleGate(), x, name="r")
    with pytest.raises(gf.GateflowError, match=r"(?s)node 'r'.*'X' is split into several chunks.*rechunk"):
        g.forward({x: chunked(np.eye(6, 4), rows=6)})
    g.forward({x: chunked(np.eye(6, 4), rows=6).rechunk({1: -1})})


def test_import_gateflow_does_not_import_dask():
    code = "import sys, gateflow; print(sorted(m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_inputs_chunked_differently_combine_to_the_numpy_answer():
    rng = np.random.default_rng(0)
    logits, targets = rng.standard_normal((12, 1)), rng.uniform(0, 1, (12, 1))
    g = gf.Graph()
    z, t = g.input("z"), g.input("t")
    loss = gf.binary_cross_entropy(z, t)
    run = g.forward({z: da.from_array(logits, chunks=(5, 1)), t: da.from_array(targets, chunks=(3, 1))})
    value, grad = gf.compute(run[loss], run.backward(loss)[z])
    reference = g.forward({z: logits, t: targets})
    np.testing.assert_allclose(value, reference[loss], rtol=1e-12)
    np.testing.assert_allclose(grad, reference.backward(loss)[z], rtol=1e-12)
