"""Keeps a finished run's objects out of the garbage collector's full passes.

A run of thousands of cells leaves hundreds of thousands of long-lived objects (results,
verdicts, cell views). CPython's full collection walks every one of them: 40-60 ms on 5,000
cells, enough to stall a scroll (bench/matrix_view.py shows it). They live until the next run
replaces them, so they are frozen (`gc.freeze`) once a run has ended or been loaded, and unfrozen
when the next one starts, which lets the collector reclaim the old run then.
"""

from __future__ import annotations

import gc


def settle() -> None:
    """Everything alive now is long-lived: leave it out of future collections."""
    gc.freeze()


def release() -> None:
    """What was frozen may become garbage now: let the collector see it again."""
    gc.unfreeze()
