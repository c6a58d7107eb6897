"""Shared by the dask tests (import it after `pytest.importorskip("dask.array")`)."""

from dask.callbacks import Callback


class CountComputes(Callback):
    """Counts the computations dask's local schedulers start."""

    def __init__(self):
        super().__init__()
        self.computes = 0

    def _start(self, dsk):
        self.computes += 1
