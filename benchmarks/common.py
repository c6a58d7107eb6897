"""Timing helpers shared by the benchmarks: medians of interleaved repeated runs, in one process."""

import functools
import statistics
import time

from threadpoolctl import threadpool_limits


def interleaved_medians(functions, repeats: int = 9, number: int = 1) -> list[float]:
    """The median seconds per call of each function, timed in turns (A, B, C, A, B, C, ...)
    so that a change in the machine's load hits every side alike."""
    times = [[] for _ in functions]
    for _ in range(repeats):
        for function, samples in zip(functions, times):
            start = time.perf_counter()
            for _ in range(number):
                function()
            samples.append((time.perf_counter() - start) / number)
    return [statistics.median(samples) for samples in times]


def one_blas_thread(function):
    """Run `function` with BLAS on one thread, for gateflow and its reference alike: on a
    shared two-core machine multi-threaded BLAS on small matrices mostly measures contention."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        with threadpool_limits(limits=1):
            return function(*args, **kwargs)

    return wrapper
