"""Shared helpers for the gf.grad tests: agreement with run.backward, and second
derivatives against central differences of first derivatives."""

from __future__ import annotations

import numpy as np

import gateflow as gf


def assert_agree(actual, expected, rtol=1e-12):
    """Same shape and the same values to `rtol` relative (and no looser)."""
    assert np.shape(actual) == np.shape(expected)
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=0)


def central_differences(graph, feeds, scalar, name, eps=1e-5):
    """d scalar / d feeds[name], element by element, by central differences in float64."""
    base = np.array(feeds[name], dtype=np.float64)
    numeric = np.zeros(base.shape)
    for index in np.ndindex(base.shape):
        values = []
        for step in (eps, -eps):
            shifted = base.copy()
            shifted[index] += step
            values.append(float(graph.forward({**feeds, name: shifted}, outputs=[scalar])[scalar]))
        numeric[index] = (values[0] - values[1]) / (2 * eps)
    return numeric


def check_second_derivatives(graph, feeds, first, wrt, rng, rtol=1e-4, atol=1e-6):
    """Check gf.grad of φ = Σᵢ Σ dᵢ·vᵢ (the first derivatives `first` against random
    directions vᵢ), i.e. Hessian-vector products, against central differences of φ.

    `wrt` are the nodes of `feeds` (by name) the first derivatives were taken for."""
    terms = []
    for d, node in zip(first, wrt):
        v = graph.const(rng.standard_normal(np.shape(feeds[node.name])))
        terms.append(gf.sum(d * v))
    phi = terms[0]
    for term in terms[1:]:
        phi = phi + term
    second = gf.grad(phi, wrt)
    run = graph.forward(feeds, outputs=second)
    for node, h in zip(wrt, second):
        numeric = central_differences(graph, feeds, phi, node.name)
        analytic = np.broadcast_to(run[h], numeric.shape)
        np.testing.assert_allclose(analytic, numeric, rtol=rtol, atol=atol, err_msg=node.name)
    return second
