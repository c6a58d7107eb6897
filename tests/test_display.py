"""Graphs, runs and gradients display in Jupyter as the annotated drawing (the
`_repr_svg_` that IPython calls), made through the exporter registry at display time."""

import gateflow as gf


def neuron():
    g = gf.Graph()
    x, w = g.input("x"), g.param("w", -3.0)
    f = gf.sigmoid(w * x)
    run = g.forward({"x": 2.0})
    return g, run, run.backward(f)


def test_graph_run_and_gradients_display_as_svg():
    g, run, grads = neuron()
    drawings = [g._repr_svg_(), run._repr_svg_(), grads._repr_svg_()]
    assert all(d.lstrip().startswith("<?xml") and "<svg" in d for d in drawings)
    plain, with_values, with_gradients = drawings
    assert ">2.00<" not in plain and ">2.00<" in with_values  # the value x = 2 on its wire
    assert "4.93e" not in with_values and "4.93e" in with_gradients  # df/dw = x·σ'(-6) = 4.93e-03


def test_without_an_svg_exporter_the_text_repr_is_used(fresh_registry, monkeypatch):
    monkeypatch.setenv("GATEFLOW_LOAD_PLUGINS", "")  # built-ins only: no graphviz plugin
    fresh_registry.reload()
    g, run, grads = neuron()
    assert g._repr_svg_() is None and run._repr_svg_() is None and grads._repr_svg_() is None
    assert repr(g) == "<Graph of 4 nodes>"
