"""An aiohttp app served on 127.0.0.1 from a thread of its own: what every fake server is.

Subclasses give the app (`build_app`); this runs it on its own event loop, says which port it
got, and on stop wakes handlers that sleep or hang (`stopping`), ends what aiohttp stopped
tracking, and closes the loop without leaking a warning.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import threading
from typing import TYPE_CHECKING, Self

from aiohttp import web

if TYPE_CHECKING:
    from types import TracebackType

_START_TIMEOUT_S = 10.0
_STOP_TIMEOUT_S = 5.0
# Bounds how long runner.cleanup() waits for handlers; ours wake on stop, so this is a backstop.
_SHUTDOWN_GRACE_S = 0.5


class AppThread:
    """Start it (or use it as a context manager); `port` is where it listens until stopped."""

    def __init__(self, *, port: int = 0) -> None:
        """``port``: bind this port instead of a free one."""
        self._bind_port = port
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._runner: web.AppRunner | None = None
        self._port: int | None = None

    def build_app(self) -> web.Application:
        """The app to serve, built on the server's loop."""
        raise NotImplementedError

    # --- lifecycle -------------------------------------------------------------------

    def start(self) -> Self:
        """Bind the port on 127.0.0.1 and return once the server accepts connections."""
        if self._thread is not None:
            msg = f"{type(self).__name__} is already started"
            raise RuntimeError(msg)
        ready: concurrent.futures.Future[int] = concurrent.futures.Future()
        self._thread = threading.Thread(
            target=self._run, args=(ready,), name=f"{type(self).__name__}", daemon=True
        )
        self._thread.start()
        try:
            self._port = ready.result(timeout=_START_TIMEOUT_S)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Close the server, its connections and any hanging handlers; idempotent."""
        thread = self._thread
        if thread is None:
            return
        loop = self._loop
        if loop is not None:
            # RuntimeError: the loop already closed itself (e.g. start failed).
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(self._begin_stop)
        thread.join(timeout=_STOP_TIMEOUT_S)
        if thread.is_alive():
            msg = f"{type(self).__name__} did not stop in time"
            raise RuntimeError(msg)
        self._thread = None
        self._loop = None

    @property
    def running(self) -> bool:
        return self._thread is not None

    @property
    def listened_on(self) -> int | None:
        """The port it listens on, or listened on last (tests name a server after it stopped)."""
        return self._port

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # --- the loop's thread -------------------------------------------------------------

    def _run(self, ready: concurrent.futures.Future[int]) -> None:
        """Thread body: serve until stopped, then tear down so nothing leaks a warning."""
        loop = asyncio.new_event_loop()
        try:
            try:
                port = loop.run_until_complete(self._open())
            except BaseException as exc:
                ready.set_exception(exc)
                return
            self._loop = loop
            ready.set_result(port)
            loop.run_forever()
        finally:
            try:
                loop.run_until_complete(self._close())
                loop.run_until_complete(loop.shutdown_asyncgens())
                loop.run_until_complete(loop.shutdown_default_executor())
            finally:
                loop.close()

    async def _open(self) -> int:
        self._stopping = asyncio.Event()
        self._runner = web.AppRunner(
            self.build_app(), access_log=None, shutdown_timeout=_SHUTDOWN_GRACE_S
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self._bind_port)
        await site.start()
        port: int = self._runner.addresses[0][1]
        return port

    def _begin_stop(self) -> None:
        """Runs on the loop: wake sleeping and hanging handlers, then leave run_forever."""
        if self._stopping is not None:
            self._stopping.set()
        asyncio.get_running_loop().stop()

    async def _close(self) -> None:
        if self._stopping is not None:
            self._stopping.set()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        # Handlers whose client went away are no longer tracked by aiohttp; finish them here
        # so closing the loop never destroys a pending task.
        current = asyncio.current_task()
        leftovers = [t for t in asyncio.all_tasks() if t is not current]
        for task in leftovers:
            task.cancel()
        await asyncio.gather(*leftovers, return_exceptions=True)
