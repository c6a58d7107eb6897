"""Timing helpers shared by the benchmarks: medians of repeated runs, measured in one process."""

import functools
import statistics
import time

from threadpoolctl import threadpool_limits


def median_seconds(function, repeats: int = 7, number: int = 1) -> float:
    """The median over `repeats` of the time one call of `function` takes (averaged over `number`)."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(number):
            function()
        times.append((time.perf_counter() - start) / number)
    return statistics.median(times)


def one_blas_thread(function):
    """Run `function` with BLAS on one thread, for gateflow and its reference alike: on a
    shared two-core machine multi-threaded BLAS on small matrices mostly measures contention."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        with threadpool_limits(limits=1):
            return function(*args, **kwargs)

    return wrapper
