"""Lazy values: dask arrays flow through the gates unevaluated until they are computed.

gateflow never imports dask itself: a value is lazy when it follows dask's collection
protocol (``__dask_graph__``), so numpy-only users pay nothing.
"""

from __future__ import annotations

from typing import Any


def is_lazy(value: Any) -> bool:
    """Whether `value` is a lazy (dask) collection, computed only when asked."""
    return hasattr(value, "__dask_graph__")


def compute(*values: Any) -> tuple[Any, ...]:
    """The computed values, in one pass that shares the work they have in common.

    Lazy values (dask arrays: ``run[loss]``, ``grads[W]``, ...) are computed together by
    ``dask.compute``, on the active ``dask.distributed.Client`` if there is one, else on
    dask's local scheduler; other values (numpy) are returned as they are:

        loss, dW = gf.compute(run[loss], grads[W])
    """
    if not any(map(is_lazy, values)):
        return values
    import dask

    return dask.compute(*values)
