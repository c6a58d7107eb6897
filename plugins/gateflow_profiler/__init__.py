"""The profiler plugin: how often each gate type ran forward and backward, and for how
long, printed as a table. ::

    from gateflow_profiler import profile
    with profile() as profiler:
        run = graph.forward(feeds)
        run.backward(loss)
    print(profiler.table())

``GATEFLOW_PROFILE=1`` profiles a whole process and prints the table to stderr at exit.
Times are wall-clock seconds around each gate call (including other observers' hooks).
"""

from __future__ import annotations

import atexit
import os
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from time import perf_counter
from typing import Iterator

from gateflow.hookspecs import hookimpl
from gateflow.registry import register_plugin, unregister_plugin
from gateflow.learn.table import format_rows

ENV = "GATEFLOW_PROFILE"


@dataclass
class GateStats:
    """Calls and seconds of one gate type."""

    forward_calls: int = 0
    forward_seconds: float = 0.0
    backward_calls: int = 0
    backward_seconds: float = 0.0

    @property
    def seconds(self) -> float:
        return self.forward_seconds + self.backward_seconds


class Profiler:
    """Observation hooks that time every gate call, grouped by the gate's registry name."""

    def __init__(self) -> None:
        self.stats: dict[str, GateStats] = {}
        self._started = 0.0

    def _entry(self, gate) -> GateStats:
        entry = self.stats.get(gate.name)
        if entry is None:
            entry = self.stats[gate.name] = GateStats()
        return entry

    @hookimpl
    def gate_forward_start(self):
        self._started = perf_counter()

    @hookimpl
    def gate_forward(self, gate):
        elapsed = perf_counter() - self._started
        entry = self._entry(gate)
        entry.forward_calls += 1
        entry.forward_seconds += elapsed

    @hookimpl
    def gate_backward_start(self):
        self._started = perf_counter()

    @hookimpl
    def gate_backward(self, gate):
        elapsed = perf_counter() - self._started
        entry = self._entry(gate)
        entry.backward_calls += 1
        entry.backward_seconds += elapsed

    def table(self) -> str:
        """One row per gate type, the slowest first, then the total."""
        header = ("gate", "forward calls", "forward ms", "backward calls", "backward ms", "total ms")
        ordered = sorted(self.stats.items(), key=lambda item: (-item[1].seconds, item[0]))
        stats = list(self.stats.values())
        total = GateStats(
            sum(s.forward_calls for s in stats),
            sum(s.forward_seconds for s in stats),
            sum(s.backward_calls for s in stats),
            sum(s.backward_seconds for s in stats),
        )
        rows = [header] + [_row(name, s) for name, s in ordered] + [_row("total", total)]
        return format_rows(rows, right=(1, 2, 3, 4, 5))


def _row(name: str, s: GateStats) -> tuple[str, ...]:
    return (
        name,
        str(s.forward_calls),
        f"{s.forward_seconds * 1e3:.3f}",
        str(s.backward_calls),
        f"{s.backward_seconds * 1e3:.3f}",
        f"{s.seconds * 1e3:.3f}",
    )


@contextmanager
def profile() -> Iterator[Profiler]:
    """Profile the gate calls made inside the ``with`` block."""
    profiler = Profiler()
    name = f"profiler-{id(profiler)}"
    register_plugin(profiler, name)
    try:
        yield profiler
    finally:
        unregister_plugin(name)


@hookimpl
def configure(manager):
    if os.environ.get(ENV, "").strip() not in ("", "0"):
        profiler = Profiler()
        manager.register(profiler, name="profiler-env")
        atexit.register(lambda: print(f"gateflow profile:\n{profiler.table()}", file=sys.stderr))
