"""``gateflow train``: the digit classifier from one command (a short run keeps CI fast)."""

import json
import re

import numpy as np
import pytest

import gateflow as gf
from gateflow.training import digits
from gateflow.cli import main

pytest.importorskip("sklearn")


@pytest.fixture(scope="module")
def short_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("train")
    return out, digits.train(digits.DigitsConfig(epochs=8, patience=None), progress=False)


def test_a_short_run_reaches_95_percent(short_run):
    out, result = short_run
    assert result.history.epochs == 8
    assert result.test["accuracy"] >= 0.95
    assert result.confusion.sum() == 360 and np.trace(result.confusion) / 360 == result.test["accuracy"]


def test_the_saved_model_reloads_with_the_same_predictions(short_run):
    out, result = short_run
    files = digits.save(result, out)
    assert files["plot"].read_bytes()[:4] == b"\x89PNG"
    metrics = json.loads(files["metrics"].read_text())
    assert metrics["test"] == result.test and len(metrics["history"]["metrics"]["loss"]) == 8
    loaded = gf.load(files["model"])
    X = digits.load().splits["test"][0]
    np.testing.assert_array_equal(
        loaded.forward({"x": X}, outputs=["mlp.3.z"])["mlp.3.z"],
        gf.predict(result.nodes["scores"], {result.nodes["x"]: X}),
    )


def test_gateflow_train_prints_metrics_and_where_the_files_went(tmp_path, capsys):
    code = main(["train", "--epochs", "3", "--hidden", "32", "--optimizer", "momentum", "--lr", "0.05",
                 "--no-progress", "--seed", "1", "-o", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 0
    accuracy = float(re.search(r"test accuracy ([\d.]+)%", out).group(1))
    assert 80 <= accuracy <= 100
    assert "true\\pred" in out
    for name in ("digits_history.png", "digits_model.json", "digits_metrics.json"):
        assert str(tmp_path / name) in out and (tmp_path / name).exists()
    config = json.loads((tmp_path / "digits_metrics.json").read_text())["config"]
    assert (config["hidden"], config["optimizer"], config["seed"]) == ([32], "momentum", 1)


@pytest.mark.parametrize("args, message", [
    (["--lr", "0"], "the learning rate lr must be a finite number > 0, not 0.0"),
    (["--batch-size", "0"], "batch_size must be a whole number >= 1, not 0"),
    (["--hidden", "0"], "every layer size must be a whole number >= 1"),
])
def test_gateflow_train_refuses_bad_settings(tmp_path, capsys, args, message):
    assert main(["train", "--epochs", "1", "--no-progress", "-o", str(tmp_path), *args]) == 1
    assert message in capsys.readouterr().err


def test_gateflow_train_help_lists_its_options(capsys):
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    help_text = capsys.readouterr().out
    for option in ("--epochs", "--lr", "--optimizer", "--hidden", "--seed", "--out", "--no-progress"):
        assert option in help_text
