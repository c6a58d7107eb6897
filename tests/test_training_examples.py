"""The training examples run from the command line and give their stated results
(the slow ones with fewer epochs)."""


import numpy as np
import pytest

from example_scripts import load_example as example


def test_two_layer_network_prints_the_published_numbers(capsys):
    example("train_two_layer_network").main(["--steps", "10000"])
    out = capsys.readouterr().out
    assert "E = 0.298371109" in out and "E = 0.291027774" in out
    assert "0.149780716 0.199561432 0.249751144 0.299502287 0.35891648 0.408666186 0.51130127 0.561370121" in out
    assert "after 10000 steps: E = 3.51019e-05, outputs [0.01591362  0.984064274]" in out


def test_linear_regression_recovers_the_coefficients(tmp_path, capsys):
    history = example("train_linear_regression").main(["--out", str(tmp_path)])
    assert history["loss"][-1] < 1e-12
    assert (tmp_path / "linear_regression_history.png").exists()
    assert "fit  W = [ 2.  -3.5  0.5], b = [4.]" in capsys.readouterr().out


def test_xor_is_learned_and_its_boundary_drawn(tmp_path):
    probability = example("train_xor").main(["--out", str(tmp_path)])
    np.testing.assert_array_equal(probability > 0.5, [False, True, True, False])
    assert (tmp_path / "xor_decision_boundary.png").read_bytes()[:4] == b"\x89PNG"


def test_digits_example_writes_its_files(tmp_path, capsys):
    pytest.importorskip("sklearn")
    result = example("train_digits").main(["--out", str(tmp_path), "--epochs", "4"])
    assert result.test["accuracy"] > 0.9
    assert "true\\pred" in capsys.readouterr().out
    assert {p.name for p in tmp_path.iterdir()} == {"digits_history.png", "digits_model.json", "digits_metrics.json"}


def test_overfitting_example_draws_the_three_runs(tmp_path):
    pytest.importorskip("sklearn")
    histories = example("overfitting").main(["--out", str(tmp_path), "--epochs", "12"])
    assert list(histories) == ["plain", "L2 λ=0.01", "early stopping"]
    plain = histories["plain"]
    assert plain["val_loss"][-1] > min(plain["val_loss"])  # the plain run is past its best
    assert (tmp_path / "overfitting.png").exists()
