"""What a compiled step returns: the outputs' values and the gradients, each readable by
node or by name, like `Run` and `Gradients`.

A result is a tuple of the values, in the order they were asked for, whose class knows
their names (one class per step, so making a result costs no more than a tuple):
``values[loss]``, ``values["loss"]`` and ``values[0]`` are the same value.
"""

from __future__ import annotations

from typing import Any, Iterator

import numpy as np

from gateflow.errors import UnknownNodeError

_FLOAT64 = np.float64
_item = tuple.__getitem__


class Layout:
    """The names a result holds, in order, and what they are ("output" or "wrt")."""

    __slots__ = ("graph", "names", "index", "what")

    def __init__(self, graph: Any, names: tuple[str, ...], what: str):
        self.graph, self.names, self.what = graph, names, what
        self.index = {name: i for i, name in enumerate(names)}

    def position(self, key: Any) -> int:
        if type(key) is int:
            return range(len(self.names))[key]
        name = key if isinstance(key, str) else getattr(key, "name", None)
        if name is None or not (isinstance(key, str) or getattr(key, "graph", None) is self.graph):
            raise UnknownNodeError(f"{key!r} is not a node of this graph.")
        i = self.index.get(name)
        if i is None:
            listed = ", ".join(map(repr, self.names)) or "none"
            where = "is not in the graph" if name not in self.graph else f"is not among the compiled {self.what}s"
            raise UnknownNodeError(
                f"node {name!r} {where} ({self.what}s: {listed}); compile with "
                f"{self.what}{'s' if self.what == 'output' else ''}=[...] including it."
            )
        return i


class StepResult(tuple):
    """``result[node]``, ``result["name"]`` or ``result[i]``; scalars come back as `np.float64`.
    Iterating gives the names, as iterating a `Run` does."""

    __slots__ = ()
    layout: Layout

    def __getitem__(self, key: Any) -> Any:
        i = self.layout.index.get(key) if type(key) is str else None
        if i is None:
            i = self.layout.position(key)
        value = _item(self, i)
        return _FLOAT64(value) if type(value) is float else value

    def __contains__(self, key: Any) -> bool:
        try:
            self.layout.position(key)
        except (UnknownNodeError, IndexError):
            return False
        return True

    def __iter__(self) -> Iterator[str]:
        return iter(self.layout.names)

    def keys(self) -> tuple[str, ...]:
        return self.layout.names

    def values(self) -> list[Any]:
        return [self[i] for i in range(len(self))]

    def items(self) -> list[tuple[str, Any]]:
        return list(zip(self.layout.names, self.values()))

    def __repr__(self) -> str:
        return f"<{self.layout.what} values {dict(self.items())!r}>"


def result_class(layout: Layout) -> type[StepResult]:
    """The class of one step's results (values or gradients)."""
    return type(f"Step{layout.what.title()}s", (StepResult,), {"__slots__": (), "layout": layout})
