"""The anomaly detector plugin: the first NaN or infinity stops the run with its place."""

from __future__ import annotations

import numpy as np
import pytest

import gateflow as gf
from gateflow.errors import AnomalyError
from gateflow_anomaly import detect_anomaly, disable, enable, is_enabled


def log_graph():
    g = gf.Graph()
    x = g.input("x")
    y = g.gate("mul", gf.log(x, name="l"), 2.0, name="y")
    return g, y


@pytest.fixture(autouse=True)
def quiet_numpy():
    with np.errstate(all="ignore"):
        yield


def test_off_by_default_and_costs_nothing(fresh_registry):
    g, y = log_graph()
    assert not is_enabled()
    assert g.forward({"x": 0.0})["y"] == -np.inf
    assert g.plan().observe_forward is None and g.plan().observe_backward is None


def test_a_forward_producing_infinity_names_the_node_gate_and_inputs(fresh_registry):
    g, _ = log_graph()
    with detect_anomaly(), pytest.raises(AnomalyError) as info:
        g.forward({"x": 0.0})
    error = info.value
    assert (error.node, error.gate, error.phase, error.argument) == ("l", "log", "forward", None)
    assert "node 'l' (gate 'log', LogGate) produced inf" in str(error) and "'x' = 0" in str(error)


def test_a_bad_fed_value_names_the_input_that_carried_it(fresh_registry):
    g, _ = log_graph()
    with detect_anomaly(), pytest.raises(AnomalyError, match=r"received nan in its input 0 \('x'\)") as info:
        g.forward({"x": np.nan})
    assert info.value.argument == 0


def test_a_backward_producing_infinity_names_the_gradient(fresh_registry):
    g = gf.Graph()
    x = g.input("x")
    s = gf.sum(gf.power(gf.abs(x, name="a"), 0.5, name="r"), name="s")
    with detect_anomaly():
        run = g.forward({"x": [0.0, 4.0]})  # finite forward: sqrt(0) = 0
        with pytest.raises(AnomalyError) as info:
            run.backward(s)
    error = info.value
    assert (error.node, error.gate, error.phase, error.argument) == ("r", "power", "backward", 0)
    assert "gradient for its input 0 ('a')" in str(error)


def test_the_switch_restores_its_state_and_plans_recompile(fresh_registry):
    g, _ = log_graph()
    g.forward({"x": 1.0})
    with detect_anomaly():
        assert is_enabled() and g.plan().observe_forward is not None
        with detect_anomaly():
            pass
        assert is_enabled()
    assert not is_enabled() and g.plan().observe_forward is None
    enable()
    enable()
    with pytest.raises(AnomalyError):
        g.forward({"x": -1.0})
    disable()
    assert np.isnan(g.forward({"x": -1.0})["y"])


def test_the_environment_variable_switches_it_on(fresh_registry, monkeypatch):
    monkeypatch.setenv("GATEFLOW_DETECT_ANOMALY", "1")
    fresh_registry.reload()
    assert is_enabled()
    g, _ = log_graph()
    with pytest.raises(AnomalyError, match="node 'l'"):
        g.forward({"x": 0.0})
