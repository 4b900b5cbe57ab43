"""The one helper for blocking work the window must not wait on.

`Background.run` executes a function on a worker thread and calls `done` (or `failed`) with its
outcome back on the GUI thread. Three lanes: "store" is a single thread, so every store read and
write happens in the order it was asked for (the one writer the architecture asks for);
"compute" has two threads for token counting, price lookups, file reads and heavy imports; and
"engines" is for waiting on local engine processes (a model load can take a minute), so loading
models never holds up the compute lane. Model calls are not background work of this kind: they
run on the asyncio loop of `task_bridge.LoopThread`.

Workers never hold the last reference to anything of the GUI's: the function, the callbacks and
the outcome live in a table on this object, and the worker hands over only a token. (Python
deleting a widget on a worker thread crashes Qt; a closure capturing a panel could do that.)
A callback whose owner (a QObject) was deleted before the work ended is dropped, so a closed
dialog never receives a late answer. After `shutdown`, new work is refused quietly.
"""

from __future__ import annotations

import concurrent.futures
import itertools
import threading
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar

import shiboken6
from PySide6.QtCore import QObject, Qt, Signal, Slot

if TYPE_CHECKING:
    from ui.task_bridge import LoopThread

T = TypeVar("T")
Lane = Literal["store", "compute", "engines"]
# Engines one person runs at once, each start or stop waiting on its own thread.
_ENGINE_THREADS = 8
Failed = Callable[[BaseException], None]


@dataclass
class _Job(Generic[T]):
    fn: Callable[[], T] | None
    done: Callable[[T], None] | None
    failed: Failed | None
    owner: QObject | None
    future: concurrent.futures.Future[T]
    outcome: tuple[bool, Any] | None = None  # (succeeded, result or exception)


class Background(QObject):
    """Runs functions off the GUI thread and answers on it."""

    _finished = Signal(int)  # a job's token, from a worker thread
    # Failures with no `failed` callback of their own: the window routes these to its presenter.
    unhandled_error = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._lanes = {
            "store": concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="workbench-store"),
            "compute": concurrent.futures.ThreadPoolExecutor(
                2, thread_name_prefix="workbench-compute"
            ),
            "engines": concurrent.futures.ThreadPoolExecutor(
                _ENGINE_THREADS, thread_name_prefix="workbench-engines"
            ),
        }
        self._jobs: dict[int, _Job[Any]] = {}
        self._tokens = itertools.count()
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self._finished.connect(self._on_finished, Qt.ConnectionType.QueuedConnection)

    def run(
        self,
        fn: Callable[[], T],
        done: Callable[[T], None] | None = None,
        failed: Failed | None = None,
        *,
        lane: Lane = "compute",
        owner: QObject | None = None,
    ) -> concurrent.futures.Future[T]:
        """Run `fn` on `lane`; `done(result)` or `failed(exc)` follow on the GUI thread.

        The returned future also carries the outcome, for callers that must wait (closing).
        """
        future: concurrent.futures.Future[T] = concurrent.futures.Future()
        if self._closed.is_set():
            future.cancel()
            return future
        token = next(self._tokens)
        with self._lock:
            self._jobs[token] = _Job(fn, done, failed, owner, future)
        self._lanes[lane].submit(self._work, token)
        return future

    def await_on(
        self,
        loop: LoopThread,
        coro: Coroutine[Any, Any, T],
        done: Callable[[T], None] | None = None,
        failed: Failed | None = None,
        *,
        owner: QObject | None = None,
    ) -> concurrent.futures.Future[T]:
        """Run `coro` on the loop thread (network work); answers on the GUI thread like `run`.

        Cancelling the returned future cancels the coroutine; no answer follows then.
        """
        if self._closed.is_set():
            coro.close()
            cancelled: concurrent.futures.Future[T] = concurrent.futures.Future()
            cancelled.cancel()
            return cancelled
        token = next(self._tokens)
        future = loop.submit(coro)
        with self._lock:
            self._jobs[token] = _Job(None, done, failed, owner, future)
        future.add_done_callback(lambda finished: self._settle(token, finished))
        return future

    def _settle(self, token: int, future: concurrent.futures.Future[Any]) -> None:
        # On the loop thread: record the outcome in the table, then hand over only the token.
        if future.cancelled():
            outcome: tuple[bool, Any] | None = None
        elif (error := future.exception()) is not None:
            outcome = (False, error)
        else:
            outcome = (True, future.result())
        with self._lock:
            job = self._jobs.get(token)
            if job is not None:
                job.outcome = outcome
        del job, outcome, future
        if not self._closed.is_set():
            self._finished.emit(token)

    def _work(self, token: int) -> None:
        with self._lock:
            job = self._jobs[token]
        fn, future = job.fn, job.future
        assert fn is not None
        try:
            outcome: tuple[bool, Any] = (True, fn())
        except BaseException as exc:  # noqa: BLE001 - every failure is handed to the GUI
            outcome = (False, exc)
        del fn  # the table keeps it until the GUI thread lets go of the job
        with self._lock:
            job.outcome = outcome
        succeeded, value = outcome
        del outcome, job
        if succeeded:
            future.set_result(value)
        else:
            future.set_exception(value)
        del value, future
        if not self._closed.is_set():
            self._finished.emit(token)

    @Slot(int)
    def _on_finished(self, token: int) -> None:
        with self._lock:
            job = self._jobs.pop(token, None)  # gone when shutdown came first
        if (
            job is None
            or job.outcome is None
            or (job.owner is not None and not shiboken6.isValid(job.owner))
        ):
            return
        succeeded, value = job.outcome
        if succeeded:
            if job.done is not None:
                job.done(value)
        elif job.failed is not None:
            job.failed(value)
        else:
            self.unhandled_error.emit(value)

    def wait_for_store(self, timeout_s: float = 10.0) -> None:
        """Block until every store task asked for so far has run (on closing: nothing lost)."""
        if not self._closed.is_set():
            self._lanes["store"].submit(lambda: None).result(timeout_s)

    def shutdown(self) -> None:
        """Finish queued work, then stop the threads; answers after this are not delivered."""
        self._closed.set()
        for executor in self._lanes.values():
            executor.shutdown(wait=True, cancel_futures=False)
        with self._lock:
            self._jobs.clear()  # on the GUI thread: whatever the jobs held is released here
