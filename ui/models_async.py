"""Answers from other threads for the Models panel, without those threads owning a widget.

A callback handed to a worker (a `Background` job, a future of the asyncio loop) lives on that
thread until the job object is dropped there. If it held the last reference to a widget without a
parent, Python would delete the widget on the worker thread, and Qt crashes (seen as a rare
segfault when a test closed the panel while a key check was still running). So every callback
given to another thread is `while_alive(bound_method)`: a weak reference, called on the GUI thread
only while its widget exists.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import itertools
import weakref
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

import shiboken6
from PySide6.QtCore import QObject, Qt, Signal, Slot

from ui.task_bridge import LoopThread

T = TypeVar("T")
Failed = Callable[[BaseException], None]


def while_alive(method: Callable[[T], None]) -> Callable[[T], None]:
    """`method` (bound to a QObject), holding it weakly; a no-op once the object is gone."""
    ref = weakref.WeakMethod(method)

    def call(value: T) -> None:
        bound = ref()
        if bound is not None and shiboken6.isValid(getattr(bound, "__self__", None)):
            bound(value)

    return call


class LoopCalls(QObject):
    """Runs coroutines on the loop thread; `done` or `failed` follows on the GUI thread.

    Like `RunBridge`, the loop thread only posts to a queued signal of this object; the callbacks
    stay here, on the GUI side, and are wrapped with `while_alive`.
    """

    _answered = Signal(int, object)  # token, the finished future

    def __init__(self, loop: LoopThread, parent: QObject) -> None:
        super().__init__(parent)
        self._loop = loop
        self._tokens = itertools.count()
        self._waiting: dict[int, tuple[Callable[[Any], None], Failed]] = {}
        self._answered.connect(self._on_answered, Qt.ConnectionType.QueuedConnection)

    def submit(
        self, coro: Coroutine[Any, Any, T], done: Callable[[T], None], failed: Failed
    ) -> None:
        """Run `coro`; `done` and `failed` should be bound methods of a widget (held weakly)."""
        token = next(self._tokens)
        self._waiting[token] = (while_alive(done), while_alive(failed))
        me = weakref.ref(self)

        def post(future: concurrent.futures.Future[T]) -> None:
            # On the loop thread; this object may be deleted between the check and the emit.
            calls = me()
            with contextlib.suppress(RuntimeError):
                if calls is not None and shiboken6.isValid(calls):
                    calls._answered.emit(token, future)

        self._loop.submit(coro).add_done_callback(post)

    @Slot(int, object)
    def _on_answered(self, token: int, future: concurrent.futures.Future[Any]) -> None:
        done, failed = self._waiting.pop(token)
        if future.cancelled():
            return
        error = future.exception()
        if error is None:
            done(future.result())
        else:
            failed(error)
