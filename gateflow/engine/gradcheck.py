"""Numerical gradient checking by central differences in float64.

For every element θ of every checked node, the numerical derivative is
(f(θ + ε) - f(θ - ε)) / 2ε, compared with the backward pass by the relative error
|a - n| / max(|a|, |n|) (taken as 0 when both are 0). A non-scalar output f is checked
through the scalar Σ r·f with a fixed random r, i.e. a random vector-Jacobian product.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from typing import Any, Iterable

import numpy as np

from gateflow.errors import GradientCheckError
from gateflow.engine.graph import Graph


@dataclass(frozen=True)
class NodeCheck:
    """The comparison for one node: its worst element and how many elements failed."""

    node: str
    size: int
    max_error: float
    worst_index: tuple[int, ...]
    analytic: float
    numeric: float
    failures: int


@dataclass
class GradcheckReport:
    """Per-node results of `gradcheck`; ``ok`` is True when every element agreed."""

    output: str
    tolerance: float
    atol: float
    checks: list[NodeCheck] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(c.failures == 0 for c in self.checks)

    @property
    def max_error(self) -> float:
        return max((c.max_error for c in self.checks), default=0.0)

    def __str__(self) -> str:
        rows = [f"gradient check of {self.output!r} (relative-error tolerance {self.tolerance:g}):"]
        rows.append(f"  {'node':<16} {'size':>6} {'max rel err':>12} {'at':>10} {'analytic':>14} {'numeric':>14}  result")
        for c in sorted(self.checks, key=lambda c: -c.max_error):
            at = ",".join(map(str, c.worst_index)) or "-"
            verdict = "ok" if c.failures == 0 else f"FAIL ({c.failures} element(s))"
            rows.append(
                f"  {c.node:<16} {c.size:>6} {c.max_error:>12.3e} {at:>10} "
                f"{c.analytic:>14.7g} {c.numeric:>14.7g}  {verdict}"
            )
        return "\n".join(rows)


def relative_error(analytic: Any, numeric: Any) -> np.ndarray:
    """|a - n| / max(|a|, |n|), elementwise, with 0 where both are 0."""
    a, n = np.asarray(analytic, dtype=np.float64), np.asarray(numeric, dtype=np.float64)
    scale = np.maximum(np.abs(a), np.abs(n))
    return np.divide(np.abs(a - n), scale, out=np.zeros(np.broadcast(a, n).shape), where=scale > 0)


def gradcheck(
    graph: Graph,
    feeds: dict[Any, Any],
    output: Any,
    wrt: Iterable[Any] | None = None,
    eps: float = 1e-6,
    tolerance: float = 1e-6,
    atol: float = 1e-8,
    seed: int = 0,
) -> GradcheckReport:
    """Compare `output`'s backward pass with central differences, in float64.

    Checks the nodes in `wrt` (default: every fed input and every parameter the output
    depends on). An element fails when its relative error exceeds `tolerance` and its
    absolute difference exceeds `atol`. Returns a `GradcheckReport` when all agree and
    raises `GradientCheckError` (carrying the report) when any does not.
    """
    output = graph[output].name
    feeds = {graph[k].name: np.array(v, dtype=np.float64) for k, v in feeds.items()}
    base = graph.forward(feeds, outputs=[output])
    if wrt is None:
        nodes = [name for name in base.plan.inputs if name in feeds]
        nodes += [name for _, name in base.plan.params]
    else:
        nodes = [graph[k].name for k in wrt]
    for name in nodes:
        if name not in feeds:
            feeds[name] = np.array(graph.value(name), dtype=np.float64)
    run = graph.forward(feeds, outputs=[output])
    shape = np.shape(run[output])
    weights = np.random.default_rng(seed).standard_normal(shape) if shape else np.float64(1.0)
    grads = run.backward(output, wrt=nodes, seed=weights)

    def objective(name: str, value: np.ndarray) -> float:
        value_out = graph.forward({**feeds, name: value}, outputs=[output])[output]
        return float(np.sum(weights * value_out))

    report = GradcheckReport(output, tolerance, atol)
    for name in nodes:
        numeric = central_differences(partial(objective, name), feeds[name], eps)
        analytic = np.broadcast_to(np.asarray(grads[name], dtype=np.float64), numeric.shape)
        report.checks.append(_compare(name, analytic, numeric, tolerance, atol))
    if not report.ok:
        raise GradientCheckError(f"analytic and numerical gradients disagree.\n{report}", report)
    return report


def central_differences(f: Any, x: np.ndarray, eps: float) -> np.ndarray:
    """∂f/∂x elementwise as (f(x + ε·eᵢ) - f(x - ε·eᵢ)) / 2ε, for a scalar function f."""
    numeric = np.zeros(x.shape)
    for index in np.ndindex(x.shape):
        shifted = x.copy()
        shifted[index] = x[index] + eps
        up = f(shifted)
        shifted[index] = x[index] - eps
        down = f(shifted)
        numeric[index] = (up - down) / (2 * eps)
    return numeric


def _compare(name: str, analytic: np.ndarray, numeric: np.ndarray, tolerance: float, atol: float) -> NodeCheck:
    """One node's check: its worst element and how many elements fail both tolerances."""
    errors = relative_error(analytic, numeric)
    failed = (errors > tolerance) & (np.abs(analytic - numeric) > atol)
    worst = np.unravel_index(int(np.argmax(errors)), errors.shape) if errors.size else ()
    return NodeCheck(
        node=name,
        size=int(numeric.size),
        max_error=float(errors[worst]) if errors.size else 0.0,
        worst_index=tuple(int(i) for i in worst),
        analytic=float(analytic[worst]) if errors.size else 0.0,
        numeric=float(numeric[worst]) if errors.size else 0.0,
        failures=int(failed.sum()),
    )
