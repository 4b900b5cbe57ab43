"""The one helper for blocking work the window must not wait on.

`Background.run` executes a function on a worker thread and calls `done` (or `failed`) with its
outcome back on the GUI thread. Two lanes: "store" is a single thread, so every store read and
write happens in the order it was asked for (the one writer the architecture asks for), and
"compute" has two threads for token counting, price lookups and heavy imports. Model calls are
not background work of this kind: they run on the asyncio loop of `task_bridge.LoopThread`.

A callback whose owner (a QObject) was deleted before the work ended is dropped, so a closed
dialog never receives a late answer.
"""

from __future__ import annotations

import concurrent.futures
import threading
from collections.abc import Callable
from typing import Any, Literal, TypeVar

import shiboken6
from PySide6.QtCore import QObject, Qt, Signal, Slot

T = TypeVar("T")
Lane = Literal["store", "compute"]
Failed = Callable[[BaseException], None]


class Background(QObject):
    """Runs functions off the GUI thread and answers on it."""

    # Every answer goes through this queued signal: (callback, value, owner or None).
    _answered = Signal(object, object, object)
    # Failures with no `failed` callback of their own: the window routes these to its presenter.
    unhandled_error = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._lanes = {
            "store": concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="workbench-store"),
            "compute": concurrent.futures.ThreadPoolExecutor(
                2, thread_name_prefix="workbench-compute"
            ),
        }
        self._closed = threading.Event()
        self._answered.connect(self._on_answered, Qt.ConnectionType.QueuedConnection)

    def run(
        self,
        fn: Callable[[], T],
        done: Callable[[T], None] | None = None,
        failed: Failed | None = None,
        *,
        lane: Lane = "compute",
        owner: QObject | None = None,
    ) -> concurrent.futures.Future[T]:
        """Run `fn` on `lane`; `done(result)` or `failed(exc)` follow on the GUI thread."""

        def work() -> T:
            try:
                result = fn()
            except BaseException as exc:
                self._answer(failed or self.unhandled_error.emit, exc, owner)
                raise
            if done is not None:
                self._answer(done, result, owner)
            return result

        return self._lanes[lane].submit(work)

    def _answer(
        self, callback: Callable[[Any], None], value: object, owner: QObject | None
    ) -> None:
        if not self._closed.is_set():
            self._answered.emit(callback, value, owner)

    @Slot(object, object, object)
    def _on_answered(
        self, callback: Callable[[Any], None], value: object, owner: QObject | None
    ) -> None:
        if owner is not None and not shiboken6.isValid(owner):
            return
        callback(value)

    def wait_for_store(self, timeout_s: float = 10.0) -> None:
        """Block until every store task asked for so far has run (on closing: nothing lost)."""
        self._lanes["store"].submit(lambda: None).result(timeout_s)

    def shutdown(self) -> None:
        """Finish queued work, then stop the threads; answers after this are not delivered."""
        self._closed.set()
        for executor in self._lanes.values():
            executor.shutdown(wait=True, cancel_futures=False)
