"""The llama.cpp servers the window runs for GGUF files: started, watched, stopped.

`EngineManager` owns one `workbench.local_engine.EngineProcess` per file. Everything that blocks
(reading the file's header, spawning, waiting for the server to answer, stopping it) runs on the
engines lane of `Background` (a model load can take a minute: the compute lane stays free); the
manager answers with signals on the GUI thread. A file already starting or running is not started
twice.

The engine's output arrives on its reader threads. They only append to a plain queue; the first
line of a batch posts one queued signal, and the GUI thread takes every line waiting then, so a
model load that prints hundreds of lines costs a few hand-overs, not one per line.

A stop asked for while the engine is still starting wins: a start job that has not spawned yet
never does, and one that has sees its process end and reports "stopped", not "failed".

A restart of the window serves the saved workspace's GGUF files again (`restore`). Their models
keep their old api_base, where nothing answers, until the new engine is ready: the manager keeps
which old api_base waits for which file, so the window can point those models at the new port in
place (`take_waiting`), the workspace still knows their file meanwhile (`files_for`), and
removing such a model stops its engine even while it starts (`stop_unused`).
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import enum
import os
import threading
import urllib.parse
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QObject, Qt, QTimer, Signal, SignalInstance, Slot

from ui.background import Background
from ui.error_presenter import is_known
from workbench.domain import ModelSpec
from workbench.local_engine import EngineProcess

STOP_ALL_TIMEOUT_S = 5.0  # closing the window waits at most this long for the engines to end
_WATCH_MS = 1000  # how often ready engines are checked for having ended on their own


class EngineState(enum.StrEnum):
    STARTING = "starting"
    READY = "ready"
    FAILED = "failed"
    STOPPED = "stopped"


class _Stopped(Exception):  # noqa: N818 - not an error: a start the user called off
    """A start job found its engine stopped before it could spawn it."""


@dataclass(slots=True)
class _Entry:
    """One file's engine and what the GUI thread knows of it (mutated on the GUI thread only)."""

    engine: EngineProcess
    state: EngineState = EngineState.STARTING
    # Set on the GUI thread before any stop; the start job reads it under `lock` just before
    # it spawns, and a stop takes `lock` first, so the process is either never spawned or
    # spawned before the stop looks at it.
    stopping: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)


class _OutputQueue:
    """Lines from the reader threads, waiting for the GUI thread.

    `wake` is called once per batch (when the queue goes from empty to not empty).
    """

    def __init__(self, wake: SignalInstance) -> None:
        self._lock = threading.Lock()
        self._lines: list[tuple[str, str]] = []
        self._wake = wake

    def put(self, key: str, line: str) -> None:
        with self._lock:
            first = not self._lines
            self._lines.append((key, line))
        if first:
            # RuntimeError: the manager is gone (the window closed), nobody is left to tell.
            with contextlib.suppress(RuntimeError):
                self._wake.emit()

    def take(self) -> list[tuple[str, str]]:
        with self._lock:
            lines, self._lines = self._lines, []
        return lines


def engine_key(path: Path) -> str:
    """How the manager names a file: absolute, without touching the disk (no resolve())."""
    return os.path.abspath(path)  # noqa: PTH100 - Path.absolute() keeps "..", this does not


class EngineManager(QObject):
    """The window's local engines, one per GGUF file.

    Give it a parent (the window): the engines' reader threads hold its output queue, whose
    signal refers to it, and a parented QObject is never deleted by Python on such a thread.
    """

    engine_starting = Signal(str)  # path
    engine_ready = Signal(object)  # EngineProcess, answering on its api_base
    engine_failed = Signal(str, str)  # path, a message a person can act on
    # path, the lines that arrived since the last hand-over (one or more, joined by "\n")
    engine_output = Signal(str, str)
    engine_stopped = Signal(str)  # path
    _output_arrived = Signal()  # from a reader thread: lines are waiting in the queue

    def __init__(
        self,
        background: Background,
        *,
        parent: QObject,
        command: Sequence[str] | None = None,
    ) -> None:
        super().__init__(parent)
        self._background = background
        # The program to run instead of llama-cpp-python's server (tests pass a stand-in).
        self.command: tuple[str, ...] | None = None if command is None else tuple(command)
        self._entries: dict[str, _Entry] = {}
        # A restored model's old api_base -> the file whose new engine it waits for.
        self._waiting: dict[str, str] = {}
        self._output = _OutputQueue(self._output_arrived)
        self._output_arrived.connect(self._on_output_arrived, Qt.ConnectionType.QueuedConnection)
        self._watch = QTimer(self, interval=_WATCH_MS)
        self._watch.timeout.connect(self._on_watch_timeout)

    # --- public interface ---------------------------------------------------------------------

    def start(self, path: Path) -> EngineProcess:
        """Start a server for `path`, or give the one already starting or running for it."""
        key = engine_key(path)
        entry = self._entries.get(key)
        if entry is not None and entry.state in (EngineState.STARTING, EngineState.READY):
            return entry.engine
        output = self._output  # the reader threads hold the queue, not this QObject
        engine = EngineProcess(
            Path(key),
            command=self.command,
            on_output=lambda line: output.put(key, line),
            avoid_ports=self._waiting_ports(),
        )
        entry = _Entry(engine)
        self._entries[key] = entry
        self.engine_starting.emit(key)

        def launch() -> EngineProcess:
            with entry.lock:
                if entry.stopping:
                    raise _Stopped
                engine.start()  # checks the file and the engine before anything spawns
            engine.wait_ready()
            return engine

        self._background.run(
            launch,
            lambda _engine: self._on_launched(key, entry),
            lambda exc: self._on_launch_failed(key, entry, exc),
            lane="engines",
            owner=self,
        )
        return engine

    def stop(self, path: Path | str) -> None:
        """Stop the engine for `path` on the engines lane; `engine_stopped` follows."""
        key = engine_key(Path(path))
        entry = self._entries.get(key)
        if entry is None or entry.state not in (EngineState.STARTING, EngineState.READY):
            return
        starting = entry.state is EngineState.STARTING
        entry.stopping = True

        def stop() -> None:
            with entry.lock:  # a spawn under way finishes first, then this stops it
                pass
            entry.engine.stop()

        # A starting engine reports "stopped" when its start job ends (the job ends because of
        # this stop); a ready one when the stop is done.
        done = None if starting else (lambda _none: self._on_stopped(key, entry))
        self._background.run(stop, done, lane="engines", owner=self)

    def stop_all(self, timeout_s: float = STOP_ALL_TIMEOUT_S) -> None:
        """Stop every engine now and wait for them, together at most about `timeout_s`."""
        self._watch.stop()
        entries = list(self._entries.values())
        for entry in entries:
            entry.stopping = True
        for entry in entries:
            with entry.lock:  # a spawn under way finishes first; none starts after this
                pass
        running = [entry.engine for entry in entries if entry.engine.running]
        if running:
            # Each stop waits for its own process; side by side, the slowest one sets the time.
            pool = concurrent.futures.ThreadPoolExecutor(len(running), "workbench-engine-stop")
            stops = [pool.submit(engine.stop, timeout_s) for engine in running]
            concurrent.futures.wait(stops, timeout_s + 1.0)
            pool.shutdown(wait=False)
        for key, entry in self._entries.items():
            if entry.state in (EngineState.STARTING, EngineState.READY):
                self._on_stopped(key, entry)

    def restore(self, files: Mapping[str, str]) -> None:
        """Serve a saved workspace's GGUF files again: `files` maps a model's old api_base to
        its file. Those models wait for their file's engine (`take_waiting` when it is ready)."""
        for api_base, path in files.items():
            self._waiting[api_base] = engine_key(Path(path))
        for key in dict.fromkeys(self._waiting.values()):
            self.start(Path(key))

    def take_waiting(self, engine: EngineProcess) -> list[str]:
        """The old api_bases of the models that waited for `engine`'s file; they wait no more."""
        key = engine_key(engine.path)
        taken = [api_base for api_base, path in self._waiting.items() if path == key]
        for api_base in taken:
            del self._waiting[api_base]
        return taken

    def waiting_for(self, path: Path | str) -> list[str]:
        """The old api_bases of the models still waiting for an engine on `path`."""
        key = engine_key(Path(path))
        return [api_base for api_base, waited in self._waiting.items() if waited == key]

    def file_for(self, model: ModelSpec) -> str | None:
        """The GGUF file `model` is served from: its engine's (ready, stopped or ended) or the
        one it waits for. None for a model no window engine serves."""
        if model.api_base is None:
            return None
        if model.api_base in self._waiting:
            return self._waiting[model.api_base]
        for key, entry in self._entries.items():
            if entry.engine.port is not None and entry.engine.api_base == model.api_base:
                return key
        return None

    def files_for(self, models: Iterable[ModelSpec]) -> dict[str, str]:
        """api_base -> GGUF file for each of `models` a window engine serves (the workspace's)."""
        files: dict[str, str] = {}
        for model in models:
            path = self.file_for(model)
            if path is not None and model.api_base is not None:
                files[model.api_base] = path
        return files

    def stop_unused(self, models: Iterable[ModelSpec]) -> list[str]:
        """Stop each ready engine whose api_base no model in `models` uses, and each restored
        one still starting whose waiting models are all gone; their paths."""
        used = {model.api_base for model in models}
        awaited = set(self._waiting.values())
        self._waiting = {base: key for base, key in self._waiting.items() if base in used}
        still_awaited = set(self._waiting.values())
        unused = [
            key
            for key, entry in self._entries.items()
            if (entry.state is EngineState.READY and entry.engine.api_base not in used)
            or (entry.state is EngineState.STARTING and key in awaited and key not in still_awaited)
        ]
        for key in unused:
            self.stop(key)
        return unused

    def engines(self) -> list[EngineProcess]:
        """Each file's latest engine this session, in the order the files were first started."""
        return [entry.engine for entry in self._entries.values()]

    def engine_for(self, model: ModelSpec) -> EngineProcess | None:
        """The ready engine serving `model` (by its api_base), if the window runs it."""
        for entry in self._entries.values():
            if entry.state is EngineState.READY and entry.engine.api_base == model.api_base:
                return entry.engine
        return None

    def state(self, path: Path | str) -> EngineState | None:
        entry = self._entries.get(engine_key(Path(path)))
        return None if entry is None else entry.state

    def _waiting_ports(self) -> frozenset[int]:
        """The old ports restored models still name: no new engine may take one of them."""
        ports = set()
        for api_base in self._waiting:
            with contextlib.suppress(ValueError):  # a malformed port in a hand-edited draft
                port = urllib.parse.urlsplit(api_base).port
                if port is not None:
                    ports.add(port)
        return frozenset(ports)

    # --- answers on the GUI thread ------------------------------------------------------------

    def _current(self, key: str, entry: _Entry) -> bool:
        """Whether `entry` is still the file's engine (a restart replaces it)."""
        return self._entries.get(key) is entry

    def _on_launched(self, key: str, entry: _Entry) -> None:
        if not self._current(key, entry) or entry.state is not EngineState.STARTING:
            return
        if entry.stopping:  # stopped while it became ready: the stop job ends it
            self._on_stopped(key, entry)
            return
        entry.state = EngineState.READY
        self._watch.start()
        self.engine_ready.emit(entry.engine)

    def _on_launch_failed(self, key: str, entry: _Entry, exc: BaseException) -> None:
        if not self._current(key, entry) or entry.state is not EngineState.STARTING:
            return
        if entry.stopping:
            self._on_stopped(key, entry)
            return
        entry.state = EngineState.FAILED
        if is_known(exc):
            self.engine_failed.emit(key, str(exc))
            return
        self.engine_failed.emit(key, f"{type(exc).__name__}: {exc}")
        self._background.unhandled_error.emit(exc)  # a bug: the window's crash report

    def _on_stopped(self, key: str, entry: _Entry) -> None:
        if self._current(key, entry) and entry.state is not EngineState.STOPPED:
            entry.state = EngineState.STOPPED
            self.engine_stopped.emit(key)

    @Slot()
    def _on_watch_timeout(self) -> None:
        ready = [
            (key, entry)
            for key, entry in self._entries.items()
            if entry.state is EngineState.READY and not entry.stopping
        ]
        for key, entry in ready:
            if not entry.engine.running:
                entry.state = EngineState.FAILED
                self.engine_failed.emit(
                    key,
                    f"The engine for {Path(key).name} ended on its own (exit status "
                    f"{entry.engine.returncode}). Its last lines are in the Local engines dock.",
                )
        if not ready:
            self._watch.stop()

    @Slot()
    def _on_output_arrived(self) -> None:
        batches: dict[str, list[str]] = {}
        for key, line in self._output.take():
            batches.setdefault(key, []).append(line)
        for key, lines in batches.items():
            self.engine_output.emit(key, "\n".join(lines))
