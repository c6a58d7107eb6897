"""A real dask.distributed LocalCluster (2 worker processes): forward, backward, gf.fit,
gf.evaluate and gf.predict on dask arrays equal the numpy path; bad input on the cluster
(mismatched row chunks, unknown chunk sizes, bad labels, workers killed mid-epoch) gives
the right answer or a GateflowError, never a hang, with the parameters kept."""

import os
import signal
import sys
from pathlib import Path

import numpy as np
import pytest

import gateflow as gf

da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed")
import dask  # noqa: E402

pytestmark = pytest.mark.timeout(120)

ROWS, BLOCK = 200, 50


@pytest.fixture(scope="module")
def client():
    # A task whose worker dies twice fails (KilledWorker) instead of being retried on and on.
    with dask.config.set({"distributed.scheduler.allowed-failures": 1}):
        cluster = distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0", memory_limit="1GiB"
        )
    with cluster, distributed.Client(cluster) as client:
        yield client


@pytest.fixture
def workers(client):
    """The client once both workers are up (a test before may have killed some)."""
    client.wait_for_workers(2, timeout=60)
    return client


def data(seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((ROWS, 3))
    y = np.argmax(X @ rng.standard_normal((3, 3)), axis=1).astype(np.float64)
    return X, y


def model():
    g = gf.Graph()
    x, y = g.input("x"), g.input("y")
    net = gf.mlp(x, [3, 5, 3], activation="tanh", seed=0)
    loss = gf.softmax_cross_entropy(net.output, y) + gf.l2(*net.weights, lam=1e-3)
    return g, x, y, net, loss


def lazy(X, y, x_rows=BLOCK, y_rows=BLOCK):
    return da.from_array(X, chunks=(x_rows, 3)), da.from_array(y, chunks=y_rows)


def params(g):
    return {p.name: p.value for p in g.parameters()}


def reference_fit(epochs, seed=0, lr=0.05):
    """The numpy path over the batches gf.fit takes on dask data: whole blocks, their order
    shuffled by np.random.default_rng(seed) each epoch."""
    X, y = data()
    g, x, t, net, loss = model()
    opt = gf.Adam(g, lr=lr)
    rng, losses = np.random.default_rng(seed), []
    for _ in range(epochs):
        total = 0.0
        for i in rng.permutation(ROWS // BLOCK):
            rows = slice(i * BLOCK, (i + 1) * BLOCK)
            run = g.forward({x: X[rows], t: y[rows]}, outputs=[loss])
            opt.step(run.backward(loss, wrt=opt.params))
            total += float(run[loss]) * BLOCK
        losses.append(total / ROWS)
    return params(g), losses


def assert_same_params(a, b):
    assert a.keys() == b.keys()
    for name in a:
        np.testing.assert_allclose(a[name], b[name], rtol=1e-10, atol=1e-12, err_msg=name)


def test_forward_and_backward_run_on_the_cluster_and_equal_numpy(workers):
    X, y = data()
    g, x, t, net, loss = model()
    dX, dy = lazy(X, y)
    run = g.forward({x: dX, t: dy})
    grads = run.backward(loss)
    lazy_values = [run[loss], run[net.output], *(grads[p] for p in g.parameters())]
    assert all(isinstance(v, da.Array) for v in lazy_values)
    value, scores, *gradients = gf.compute(*lazy_values)
    reference = g.forward({x: X, t: y})
    expected = reference.backward(loss)
    np.testing.assert_allclose(value, reference[loss], rtol=1e-10)
    np.testing.assert_allclose(scores, reference[net.output], rtol=1e-10)
    for p, grad in zip(g.parameters(), gradients):
        np.testing.assert_allclose(grad, expected[p], rtol=1e-10, atol=1e-14)


def test_fit_evaluate_and_predict_on_the_cluster_equal_the_numpy_path(workers):
    X, y = data()
    g, x, t, net, loss = model()
    dX, dy = lazy(X, y)
    history = gf.fit(loss, {x: dX, t: dy}, optimizer=gf.Adam(g, lr=0.05), epochs=2, batch_size=BLOCK,
                     validation={x: dX, t: dy}, accuracy=(net.output, t), progress=False)
    expected_params, expected_losses = reference_fit(epochs=2)
    assert_same_params(params(g), expected_params)
    np.testing.assert_allclose(history["loss"], expected_losses, rtol=1e-10)
    numpy_metrics = gf.evaluate(loss, {x: X, t: y}, accuracy=(net.output, t))
    assert history["val_loss"][-1] == pytest.approx(numpy_metrics["loss"], rel=1e-10)
    assert history["val_accuracy"][-1] == numpy_metrics["accuracy"]
    scores = gf.predict(net.output, {x: dX})
    assert isinstance(scores, da.Array)
    np.testing.assert_allclose(scores.compute(), gf.predict(net.output, {x: X}), rtol=1e-10)


def test_mismatched_row_chunks_of_x_and_y_give_the_same_answer(workers):
    X, y = data()
    g, x, t, net, loss = model()
    dX, dy = lazy(X, y, y_rows=30)  # y's blocks straddle X's
    gf.fit(loss, {x: dX, t: dy}, optimizer=gf.Adam(g, lr=0.05), epochs=1, batch_size=BLOCK, progress=False)
    assert_same_params(params(g), reference_fit(epochs=1)[0])


def test_features_split_across_chunks_give_the_same_answer(workers):
    X, y = data()
    g, x, t, net, loss = model()
    dX = da.from_array(X, chunks=(BLOCK, 2))
    gf.fit(loss, {x: dX, t: lazy(X, y)[1]}, optimizer=gf.Adam(g, lr=0.05), epochs=1, batch_size=BLOCK,
           progress=False)
    assert_same_params(params(g), reference_fit(epochs=1)[0])


def test_a_batch_is_the_fewest_whole_blocks_holding_batch_size_rows(workers):
    X, y = data()
    g, x, t, net, loss = model()
    dX, dy = lazy(X, y, x_rows=25)
    gf.fit(loss, {x: dX, t: dy}, optimizer=gf.Adam(g, lr=0.05), epochs=1, batch_size=40, progress=False)
    assert_same_params(params(g), reference_fit(epochs=1)[0])  # two blocks of 25 rows per step


def test_unknown_chunk_sizes_are_refused_with_the_fix(workers):
    X, y = data()
    g, x, t, net, loss = model()
    dX, dy = lazy(X, y)
    keep = dX[:, 0] > -10  # every row, but dask no longer knows how many per block
    before = params(g)
    with pytest.raises(gf.DataError, match=r"'x' cannot be used: it has unknown chunk sizes.*compute_chunk_sizes"):
        gf.fit(loss, {x: dX[keep], t: dy[keep]}, epochs=1, progress=False)
    assert_same_params(params(g), before)


def test_bad_labels_in_one_block_fail_when_computed_and_restore_the_parameters(workers):
    X, y = data()
    y[170] = 5.0
    g, x, t, net, loss = model()
    dX, dy = lazy(X, y)
    before, opt = params(g), gf.Adam(g, lr=0.05)
    with pytest.raises(gf.DataError, match=r"labels must be whole numbers 0\.\.2.*found 5 at position \(20,\)"):
        gf.fit(loss, {x: dX, t: dy}, optimizer=opt, epochs=2, batch_size=BLOCK, shuffle=False, progress=False)
    assert_same_params(params(g), before)
    assert opt.t == 0


def _kill_worker_once(block, marker, block_info=None):
    """The identity, except that the first time it meets the block at row 100 it kills the
    worker process running it (the marker file remembers)."""
    if block_info[0]["array-location"][0][0] == 100 and not os.path.exists(marker):
        open(marker, "w").close()
        os.kill(os.getpid(), signal.SIGKILL)
    return block


def _kill_worker_always(block, block_info=None):
    if block_info[0]["array-location"][0][0] == 100:
        os.kill(os.getpid(), signal.SIGKILL)
    return block


def test_a_worker_killed_mid_epoch_is_retried_and_the_answer_is_right(workers, tmp_path):
    X, y = data()
    g, x, t, net, loss = model()
    dX, dy = lazy(X, y)
    marker = str(tmp_path / "killed")
    dX = dX.map_blocks(_kill_worker_once, marker, dtype=dX.dtype, meta=np.empty((0, 3)))
    gf.fit(loss, {x: dX, t: dy}, optimizer=gf.Adam(g, lr=0.05), epochs=1, batch_size=BLOCK, progress=False)
    assert os.path.exists(marker)  # a worker did die
    assert_same_params(params(g), reference_fit(epochs=1)[0])


def test_workers_that_keep_dying_end_in_a_training_error_with_the_parameters_kept(workers):
    X, y = data()
    g, x, t, net, loss = model()
    dX, dy = lazy(X, y)
    dX = dX.map_blocks(_kill_worker_always, dtype=dX.dtype, meta=np.empty((0, 3)))
    before, opt = params(g), gf.Adam(g, lr=0.05)
    with pytest.raises(gf.TrainingError, match=r"rows 100:150 failed: KilledWorker.*memory"):
        gf.fit(loss, {x: dX, t: dy}, optimizer=opt, epochs=1, batch_size=BLOCK, progress=False)
    assert_same_params(params(g), before)
    assert opt.t == 0


def test_the_out_of_core_example_trains_on_the_cluster(workers, capsys):
    from example_scripts import load_example

    result = load_example("train_out_of_core").main([
        "--rows", "20000", "--features", "8", "--chunk-rows", "2500", "--batch-rows", "5000", "--epochs", "2",
        "--client-memory", "0", "--scheduler", workers.scheduler.address,
    ])
    out = capsys.readouterr().out
    assert "20,000 rows x 8 features" in out and "epoch 2: loss" in out and "rows/s" in out
    assert result["loss"][1] < result["loss"][0] and result["test"]["accuracy"] > 0.75
    assert len(result["worker_peaks"]) == 2 and result["client_peak"] > 0


def test_the_dask_benchmark_sides_compute_the_same_epoch(workers):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
    import bench_dask

    sizes = {"rows": 4000, "chunk_rows": 1000, "batch_rows": 2000}
    on_numpy, on_dask = bench_dask.numpy_side(**sizes), bench_dask.dask_side(workers, **sizes)
    assert on_dask["loss"] == pytest.approx(on_numpy["loss"], rel=1e-10)
    assert on_dask["rows_per_second"] > 0 and on_dask["bare_rows_per_second"] > 0
    assert len(on_dask["worker_peaks"]) == 2


def test_a_cluster_without_workers_fails_within_its_timeout_instead_of_hanging(workers):
    X, y = data()
    g, x, t, net, loss = model()
    dX, dy = lazy(X, y)
    before = params(g)
    with dask.config.set({"distributed.scheduler.no-workers-timeout": "1s"}):
        empty = distributed.LocalCluster(n_workers=0, processes=False, dashboard_address=":0")
    with empty, distributed.Client(empty):
        with pytest.raises(gf.TrainingError, match="failed"):
            gf.fit(loss, {x: dX, t: dy}, epochs=1, batch_size=BLOCK, progress=False)
    assert_same_params(params(g), before)
