"""Short versions of the benchmarks: they must run and agree with their references
(timing is only reported by the full scripts under benchmarks/, never asserted)."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

import bench_chain  # noqa: E402
import bench_compile  # noqa: E402
import bench_grad  # noqa: E402
import bench_mlp  # noqa: E402
import bench_neuron  # noqa: E402


def test_neuron_benchmark_runs(capsys):
    result = bench_neuron.main(iterations=50)
    assert result["gateflow_us"] > 0 and "µs/iteration" in capsys.readouterr().out


def test_mlp_benchmark_matches_hand_written_numpy(capsys):
    result = bench_mlp.main(repeats=1, number=2)  # asserts loss and gradients agree
    assert result["ratio"] > 0 and "ratio" in capsys.readouterr().out


@pytest.mark.parametrize("gates", [3_000, 30_000])
def test_chain_benchmark_runs_without_recursion(gates, capsys):
    result = bench_chain.main(["--gates", str(gates)])
    assert result["gates"] == gates and result["nodes"] == gates + 3
    assert 0.0 < result["value"] < 1.0


def test_compile_benchmark_runs_and_agrees_with_its_references(capsys):
    result = bench_compile.main(["--chains", "300"], iterations=50, repeats=1, number=2)
    assert result["chains"][0]["compiled"] and result["mlp"]["fused_ratio"] > 0
    assert "compiled / Python" in capsys.readouterr().out


def test_grad_benchmark_runs_and_agrees_with_run_backward(capsys):
    results = bench_grad.main(["--gates", "3000"])  # asserts gf.grad == run.backward
    assert [r["gates"] for r in results] == [750, 1500, 3000]
    assert all(r["backward_nodes"] > r["gates"] for r in results)
