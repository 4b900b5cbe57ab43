"""Python's cycle collector, run on the GUI thread only.

CPython starts a collection on whichever thread happens to allocate past a threshold: the store
worker, the compute pool, the asyncio loop. A cycle that holds a widget (a window and the bound
methods connected to its signals form one) is then destroyed on that thread, and Qt's destructors
run where they must not: seen as a deadlock of the GUI thread, stuck in C with no Python frame
running. So automatic collection is switched off and a GUI-thread timer collects instead, with
CPython's own generation thresholds, which keeps memory bounded the same way.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer, Slot

_INTERVAL_MS = 250


class GuiThreadCollector(QObject):
    """Created on the GUI thread; collects there until `stop()` (or until it is deleted)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._was_enabled = gc.isenabled()
        gc.disable()
        self._timer = QTimer(self)
        self._timer.setInterval(_INTERVAL_MS)
        self._timer.timeout.connect(self.check)
        self._timer.start()

    @Slot()
    def check(self) -> None:
        """Collect the oldest generation whose count passed its threshold, as CPython would."""
        counts = gc.get_count()
        thresholds = gc.get_threshold()
        generation = -1
        for level in range(3):
            if thresholds[level] and counts[level] > thresholds[level]:
                generation = level
        if generation >= 0:
            gc.collect(generation)

    def stop(self) -> None:
        """Collect what is left here, then give collection back to CPython as it was."""
        self._timer.stop()
        gc.collect()
        if self._was_enabled:
            gc.enable()
