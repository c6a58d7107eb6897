"""The anomaly detector plugin: stop at the first gate whose forward or backward produces
NaN or infinity, with an `AnomalyError` naming the node, the gate and the input or
gradient that went bad.

Switch it on for a whole process with ``GATEFLOW_DETECT_ANOMALY=1``, or in code::

    from gateflow_anomaly import detect_anomaly
    with detect_anomaly():
        run = graph.forward(feeds)
        run.backward(loss)

While it is off nothing is registered, so runs pay nothing for it.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from typing import Any, Iterator

import numpy as np

from gateflow.errors import AnomalyError
from gateflow.hookspecs import hookimpl
from gateflow.registry import register_plugin, registry, unregister_plugin
from gateflow.learn.table import format_value

NAME = "anomaly-detector"
ENV = "GATEFLOW_DETECT_ANOMALY"


def _bad(value: Any) -> str | None:
    """"nan" or "inf" if `value` holds one, else None."""
    array = np.asarray(value)
    if array.dtype.kind not in "fc" or np.isfinite(array).all():
        return None
    return "nan" if np.isnan(array).any() else "inf"


def _describe(names: Any, values: Any) -> str:
    return ", ".join(f"{n!r} = {format_value(v, 4)}" for n, v in zip(names, values))


class AnomalyDetector:
    """Observation hooks that raise `AnomalyError` on the first NaN or infinity."""

    @hookimpl
    def gate_forward(self, node, gate, inputs, input_names, output):
        bad = _bad(output)
        if bad is None:
            return
        where = f"node {node!r} (gate {gate.name!r}, {type(gate).__name__})"
        for i, (name, value) in enumerate(zip(input_names, inputs)):
            if _bad(value):
                raise AnomalyError(
                    f"anomaly in forward: {where} received {_bad(value)} in its input {i} "
                    f"({name!r}), which was fed or stored that way; check the value of {name!r}.",
                    node, gate.name, "forward", i,
                )
        raise AnomalyError(
            f"anomaly in forward: {where} produced {bad} from finite inputs "
            f"{_describe(input_names, inputs)}; keep its inputs inside the gate's domain "
            "(e.g. log of a positive number).",
            node, gate.name, "forward", None,
        )

    @hookimpl
    def gate_backward(self, node, gate, grad, inputs, input_names, input_grads):
        for i, g in enumerate(input_grads):
            bad = _bad(g)
            if bad is None:
                continue
            upstream = "" if _bad(grad) is None else f" (the upstream gradient itself holds {_bad(grad)})"
            raise AnomalyError(
                f"anomaly in backward: node {node!r} (gate {gate.name!r}, {type(gate).__name__}) "
                f"produced {bad} as the gradient for its input {i} ({input_names[i]!r}){upstream}; "
                f"its inputs were {_describe(input_names, inputs)}.",
                node, gate.name, "backward", i,
            )


def enable() -> None:
    """Switch the detector on (no-op if it is on)."""
    if registry().manager.get_plugin(NAME) is None:
        register_plugin(AnomalyDetector(), NAME)


def disable() -> None:
    """Switch the detector off (no-op if it is off)."""
    unregister_plugin(NAME)


def is_enabled() -> bool:
    """Whether the detector is on."""
    return registry().manager.get_plugin(NAME) is not None


@contextmanager
def detect_anomaly() -> Iterator[None]:
    """Detect anomalies inside the ``with`` block, restoring the previous state after it."""
    was_on = is_enabled()
    enable()
    try:
        yield
    finally:
        if not was_on:
            disable()


@hookimpl
def configure(manager):
    if os.environ.get(ENV, "").strip() not in ("", "0"):
        manager.register(AnomalyDetector(), name=NAME)
