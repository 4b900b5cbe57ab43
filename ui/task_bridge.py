"""The one way background work reaches the window.

Every model call runs on one asyncio loop in one background thread (`LoopThread`). `RunBridge`
runs a plan there and turns the runner's events into Qt signals, which reach widgets on the GUI
thread through queued connections. Text deltas are coalesced on the loop and flushed a few times
a second per cell, so sixteen panes streaming at 100 tokens/s cost a handful of repaints, not
1,600 a second.

The loop thread never emits a public signal itself: it posts to one private signal with a queued
connection to a slot of the bridge, which lives on the GUI thread and emits the public signal
there. Slots that are plain Python callables (lambdas, `list.append`, pytest-qt's blockers) are
then always called on the GUI thread; emitted from the loop thread they were not safe to
disconnect while an emission was in flight (seen as an intermittent crash).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Callable, Coroutine, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from PySide6.QtCore import QObject, Qt, Signal, Slot

from workbench.domain import Cell
from workbench.events import (
    CellDelta,
    CellFailed,
    CellFinished,
    CellRetrying,
    CellStarted,
    ModelWarmed,
)

if TYPE_CHECKING:
    # Only for types: the runner pulls in aiohttp, which loads behind the window, not before it.
    from workbench.runner import Runner

T = TypeVar("T")


class LoopThread:
    """An asyncio event loop running in a daemon thread until `stop()`."""

    def __init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name="workbench-loop", daemon=True)
        self._started = threading.Event()

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.call_soon(self._started.set)
        self._loop.run_forever()
        pending = asyncio.all_tasks(self._loop)
        for task in pending:
            task.cancel()
        self._loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        self._loop.run_until_complete(self._loop.shutdown_asyncgens())
        self._loop.close()

    def start(self) -> LoopThread:
        self._thread.start()
        self._started.wait()
        return self

    def submit(self, coro: Coroutine[Any, Any, T]) -> concurrent.futures.Future[T]:
        return asyncio.run_coroutine_threadsafe(coro, self._loop)

    def call_soon(self, callback: Callable[[], object]) -> None:
        self._loop.call_soon_threadsafe(callback)

    def stop(self, timeout_s: float = 5.0) -> None:
        if self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout_s)


class RunBridge(QObject):
    """Runs plans on the loop thread and reports each cell's progress as Qt signals."""

    cell_started = Signal(int, int)  # cell index, attempt
    cell_text = Signal(int, str)  # text that arrived since the last flush
    cell_reset = Signal(int)  # a retry begins: drop the partial text shown so far
    cell_ended = Signal(object)  # CellResult
    model_warmed = Signal(object, float, object)  # ModelSpec, elapsed ms, CellError | None
    run_finished = Signal()
    _posted = Signal(str, tuple)  # (public signal name, arguments), from the loop thread

    def __init__(
        self,
        loop: LoopThread,
        runner_factory: Callable[[], Runner],
        flush_interval_s: float = 0.1,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._loop = loop
        self._runner_factory = runner_factory
        self._flush_interval_s = flush_interval_s
        self._runner: Runner | None = None
        self._future: concurrent.futures.Future[None] | None = None
        self._active = False
        self._posted.connect(self._on_posted, Qt.ConnectionType.QueuedConnection)

    @Slot(str, tuple)
    def _on_posted(self, name: str, args: tuple[object, ...]) -> None:
        if name == "run_finished":
            self._active = False  # before the signal, so its slots may start the next run
        getattr(self, name).emit(*args)

    def _post(self, name: str, *args: object) -> None:
        self._posted.emit(name, args)

    @property
    def running(self) -> bool:
        return self._active

    def start(self, cells: Sequence[Cell]) -> None:
        if self._active:
            raise RuntimeError("a run is already going; cancel it first")
        self._active = True
        self._future = self._loop.submit(self._run(list(cells)))

    def cancel(self) -> None:
        runner = self._runner
        if runner is not None:
            self._loop.call_soon(runner.cancel)

    async def _run(self, cells: list[Cell]) -> None:
        runner = self._runner_factory()
        self._runner = runner
        pending: dict[int, list[str]] = {}
        flusher = asyncio.create_task(self._flush_periodically(pending))
        try:
            async for event in runner.run(cells):
                if isinstance(event, CellDelta):
                    pending.setdefault(event.cell_index, []).append(event.text)
                elif isinstance(event, CellStarted):
                    self._post("cell_started", event.cell.index, event.attempt)
                elif isinstance(event, CellRetrying):
                    pending.pop(event.cell_index, None)
                    self._post("cell_reset", event.cell_index)
                elif isinstance(event, CellFinished | CellFailed):
                    self._flush_one(pending, event.result.cell.index)
                    self._post("cell_ended", event.result)
                elif isinstance(event, ModelWarmed):
                    self._post("model_warmed", event.model, event.elapsed_ms, event.error)
        finally:
            flusher.cancel()
            self._runner = None
            await runner.aclose()
            self._post("run_finished")

    async def _flush_periodically(self, pending: dict[int, list[str]]) -> None:
        while True:
            await asyncio.sleep(self._flush_interval_s)
            for index in list(pending):
                self._flush_one(pending, index)

    def _flush_one(self, pending: dict[int, list[str]], index: int) -> None:
        parts = pending.pop(index, None)
        if parts:
            self._post("cell_text", index, "".join(parts))
