"""A plain-text table of every node's value and gradient, for terminals and learners."""

from __future__ import annotations

from typing import Any

import numpy as np

from gateflow.engine.run import Gradients, Run


def format_value(value: Any, digits: int = 10) -> str:
    """A number as ``-0.1966119332``; an array as its values when small, else shape + summary."""
    if value is None:
        return "-"
    array = np.asarray(value)
    if array.ndim == 0:
        return f"{float(array):.{digits}g}"
    if array.size <= 6:
        return np.array2string(array, precision=min(digits, 6), separator=", ", suppress_small=False)
    return f"{array.shape} mean {array.mean():.4g} min {array.min():.4g} max {array.max():.4g}"


def format_short(value: Any, digits: int = 2) -> str:
    """A number as ``-0.20``; an array as its values when tiny, else ``3x2 mean 0.12``."""
    array = np.asarray(value, dtype=np.float64)
    if array.ndim == 0:
        x = float(array)
        if x == 0 or not np.isfinite(x) or 10.0**-digits <= abs(x) < 1e6:
            return f"{x:.{digits}f}"
        return f"{x:.{digits}e}"
    if array.ndim == 1 and array.size <= 3:
        return "[" + ", ".join(format_short(x, digits) for x in array) + "]"
    shape = "x".join(map(str, array.shape))
    return f"{shape} mean {format_short(array.mean(), digits)}" if array.size else f"{shape} empty"


def format_table(run: Run, grads: Gradients | None = None, digits: int = 10) -> str:
    """One row per node: name, what it is, its value and (given `grads`) its gradient."""
    graph = run.graph
    header = ["node", "op", "value"] + ([f"d {grads.output} / d node"] if grads else [])
    rows = [header]
    for name, value in run.items():
        node = graph[name]
        if node.kind == "gate":
            op = f"{node.gate.label()}({', '.join(n.name for n in node.inputs)})"
        else:
            op = node.kind
        row = [name, op, format_value(value, digits)]
        if grads is not None:
            row.append(format_value(grads[name], digits) if name in grads else "-")
        rows.append(row)
    return format_rows(rows)


def format_rows(rows: list[list[str]] | list[tuple[str, ...]], right: tuple[int, ...] = ()) -> str:
    """Aligned columns with a rule under the header row; columns in `right` right-aligned."""
    widths = [max(len(r[c]) for r in rows) for c in range(len(rows[0]))]
    lines = [
        "  ".join(cell.rjust(w) if c in right else cell.ljust(w) for c, (cell, w) in enumerate(zip(row, widths))).rstrip()
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
