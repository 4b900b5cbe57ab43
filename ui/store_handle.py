"""The store as the window uses it: opened behind the window, used only on the store lane.

Opening imports SQLAlchemy and may migrate, so it never happens on the GUI thread. Every call
after it is queued on the same single-threaded lane, so it runs after the open and in order.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from PySide6.QtCore import QObject, Signal

from ui.background import Background, Failed
from workbench.errors import WorkbenchError

if TYPE_CHECKING:
    from storage.run_store import SqlRunStore

T = TypeVar("T")


class StoreNotOpenError(WorkbenchError):
    pass


class StoreHandle(QObject):
    """The window's one store; `ready` or `failed` tells how opening went."""

    ready = Signal(str)  # the store's location
    failed = Signal(object)  # the exception

    def __init__(self, background: Background, db: str | None) -> None:
        super().__init__(background)
        self._background = background
        self._db = db
        self._store: SqlRunStore | None = None
        self._error: BaseException | None = None

    @property
    def location(self) -> str:
        return self._store.location if self._store is not None else (self._db or "")

    @property
    def is_open(self) -> bool:
        return self._store is not None

    def open(self) -> concurrent.futures.Future[SqlRunStore]:
        def opening() -> SqlRunStore:
            from storage.run_store import SqlRunStore  # noqa: PLC0415 - SQLAlchemy loads here

            try:
                self._store = SqlRunStore.open(self._db)
            except BaseException as exc:
                self._error = exc
                raise
            return self._store

        return self._background.run(
            opening,
            done=lambda store: self.ready.emit(store.location),
            failed=self.failed.emit,
            lane="store",
        )

    def call(
        self,
        fn: Callable[[SqlRunStore], T],
        done: Callable[[T], None] | None = None,
        failed: Failed | None = None,
        *,
        owner: QObject | None = None,
    ) -> concurrent.futures.Future[T]:
        """Run `fn(store)` on the store lane, after the open and every call made before it."""

        def calling() -> T:
            if self._store is None:
                why = f": {self._error}" if self._error is not None else ""
                raise StoreNotOpenError(f"the store is not open{why}")
            return fn(self._store)

        return self._background.run(calling, done, failed, lane="store", owner=owner)

    def close(self) -> None:
        """Close on the store lane once everything queued before has been written."""
        future = self.call(lambda store: store.close())
        # Not open, or already failing: there is nothing left to close or to report.
        with contextlib.suppress(WorkbenchError, concurrent.futures.TimeoutError):
            future.result(10)
