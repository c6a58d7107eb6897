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
