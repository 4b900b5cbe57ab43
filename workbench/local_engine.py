"""A GGUF model file served by a llama.cpp server that the workbench starts and stops itself.

People who have a .gguf file and no server pick the file; this module checks it is a model
(reading its header only, so a 40 GB file answers at once and a hostile one cannot make us
allocate gigabytes), starts llama-cpp-python's OpenAI-compatible server on a free loopback port
as a child process, waits until it answers, and stops it. From then on the file is one more
OpenAI-compatible endpoint (`model_spec()`), run like any other.

The file's header is read by `workbench.gguf_header`, which also holds `EngineError`.
"""

from __future__ import annotations

import atexit
import collections
import contextlib
import functools
import importlib.util
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Collection, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING

from workbench.domain import ModelSpec
from workbench.gguf_header import EngineError, GgufInfo, check_gguf

if TYPE_CHECKING:
    from types import TracebackType

_INSTALL = 'pip install "prompt-workbench[engine]"'
_SERVER_EXTRAS = ("uvicorn", "fastapi", "sse_starlette", "starlette_context", "pydantic_settings")
_OUTPUT_LINES = 2000
_ERROR_LINES = 6
_ERROR_WORDS = ("error", "fail", "invalid", "unknown")
_POLL_S = 0.1
_DRAIN_S = 1.0
_PORT_TRIES = 50  # the OS hands out ephemeral ports at random: a reserved one twice is rare
# llama_cpp.server lets these environment variables override its command line (HOST, PORT,
# CONFIG_FILE) or switch on a bearer-token check (API_KEY): the child must see only our flags.
_OVERRIDING_ENV = frozenset({"HOST", "PORT", "CONFIG_FILE"})


# --- the engine -----------------------------------------------------------------------


def engine_missing() -> str | None:
    """None when llama-cpp-python's server is installed, else what to install.

    Looks the modules up without importing them: importing llama_cpp loads its native library.
    """
    package = importlib.util.find_spec("llama_cpp")
    if package is None:
        return f"llama-cpp-python is not installed: {_INSTALL}"
    folders = package.submodule_search_locations or []
    if not any((Path(folder) / "server" / "__main__.py").is_file() for folder in folders):
        return f"llama-cpp-python is installed without its server: {_INSTALL}"
    missing = [name for name in _SERVER_EXTRAS if importlib.util.find_spec(name) is None]
    if missing:
        return f"llama-cpp-python's server needs {', '.join(missing)}: {_INSTALL}"
    return None


def free_port(host: str = "127.0.0.1", avoid: Collection[int] = ()) -> int:
    """A TCP port nothing listens on right now (the engine binds it a moment later).

    Not one of `avoid`: ports that models still name for an engine that is gone (a restart), so
    a new engine never answers in another model's place.
    """
    for _ in range(_PORT_TRIES):
        port = _bound_port(host)
        if port not in avoid:
            return port
    raise EngineError(f"no free port on {host} outside {len(avoid)} reserved ones")


def _bound_port(host: str) -> int:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        port: int = probe.getsockname()[1]
    return port


def _child_environment() -> dict[str, str]:
    """Ours minus API keys (the engine needs none) and what would override our flags."""
    return {
        name: value
        for name, value in os.environ.items()
        if not name.upper().endswith("API_KEY") and name.upper() not in _OVERRIDING_ENV
    } | {"PYTHONUNBUFFERED": "1"}


class EngineProcess:
    """llama-cpp-python's server on one GGUF file, as a child process on a loopback port.

    `start()` checks the file and spawns; `wait_ready()` blocks until the server answers (run it
    off the GUI thread); `stop()` ends it. Engines still running when the interpreter exits are
    stopped then. The child has its own process group, so stopping it ends whatever it started.
    """

    def __init__(
        self,
        path: Path,
        *,
        n_ctx: int = 2048,
        alias: str | None = None,
        command: Sequence[str] | None = None,
        host: str = "127.0.0.1",
        on_output: Callable[[str], None] | None = None,
        avoid_ports: Collection[int] = (),
    ) -> None:
        """`command` runs instead of `python -m llama_cpp.server` (tests pass a stand-in);
        `on_output` gets each line the engine prints, on a reader thread; the engine's port is
        none of `avoid_ports` (see `free_port`)."""
        self.path = path
        self.alias = alias or path.stem
        self.host = host
        self.n_ctx = n_ctx
        self.port: int | None = None
        self.load_ms: float | None = None
        self.info: GgufInfo | None = None
        self._default_command = command is None
        self._command = (sys.executable, "-m", "llama_cpp.server") if command is None else command
        self._on_output = on_output
        self._avoid_ports = frozenset(avoid_ports)
        self._process: subprocess.Popen[bytes] | None = None
        self._reader: threading.Thread | None = None
        self._lines: collections.deque[str] = collections.deque(maxlen=_OUTPUT_LINES)
        self._lock = threading.Lock()
        self._started_at = 0.0

    @property
    def api_base(self) -> str:
        if self.port is None:
            raise RuntimeError("the engine has not been started")
        host = f"[{self.host}]" if ":" in self.host else self.host  # an IPv6 address
        return f"http://{host}:{self.port}/v1"

    @property
    def model_name(self) -> str:
        return self.alias

    def model_spec(self) -> ModelSpec:
        return ModelSpec(name=self.alias, api_base=self.api_base)

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    @property
    def returncode(self) -> int | None:
        return None if self._process is None else self._process.poll()

    def output(self) -> list[str]:
        """The last 2,000 lines the engine printed (stdout and stderr, in order)."""
        with self._lock:
            return list(self._lines)

    def start(self) -> None:
        """Check the file, then spawn the server; returns at once (see `wait_ready`)."""
        if self._process is not None:
            raise RuntimeError("an EngineProcess starts once; make a new one to start again")
        # The file first: what is wrong with the user's pick matters before what is missing here.
        self.info = check_gguf(self.path)
        missing = engine_missing() if self._default_command else None
        if missing is not None:
            raise EngineError(missing)
        self.port = free_port(self.host, self._avoid_ports)
        args = [
            *self._command,
            "--model", str(self.path), "--model_alias", self.alias,
            "--host", self.host, "--port", str(self.port), "--n_ctx", str(self.n_ctx),
        ]  # fmt: skip
        try:
            self._process = subprocess.Popen(  # noqa: S603 - our own argument list, no shell
                args,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,  # one pipe keeps the two streams in order
                env=_child_environment(),
                start_new_session=os.name == "posix",
            )
        except OSError as exc:
            raise EngineError(f"could not start the engine ({args[0]}): {exc}") from exc
        self._started_at = time.monotonic()
        _running().add(self)
        assert self._process.stdout is not None
        self._reader = threading.Thread(
            target=self._read, args=(self._process.stdout,), name="engine-output", daemon=True
        )
        self._reader.start()

    def wait_ready(self, timeout_s: float = 120.0) -> None:
        """Block until the server answers GET /models; on failure say why and leave it stopped."""
        process = self._process
        if process is None:
            raise RuntimeError("start() the engine before waiting for it")
        url = f"{self.api_base}/models"
        # No proxy: an http_proxy setting must not route a loopback poll elsewhere.
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        deadline = time.monotonic() + timeout_s
        while True:
            if process.poll() is not None:
                self._drain()
                raise EngineError(f"llama.cpp could not load {self.path.name}: {self._why()}")
            if _answers(opener, url, max(0.05, min(1.0, deadline - time.monotonic()))):
                self.load_ms = (time.monotonic() - self._started_at) * 1000
                return
            if time.monotonic() >= deadline:
                self.stop()
                raise EngineError(
                    f"{self.path.name}: the engine was not ready after {timeout_s:g} s"
                )
            time.sleep(_POLL_S)

    def stop(self, timeout_s: float = 5.0) -> None:
        """SIGTERM, wait, then SIGKILL; idempotent. Waits at most a second for the last output."""
        process = self._process
        if process is None:
            return
        _running().discard(self)
        if process.poll() is None:
            self._signal(process, signal.SIGTERM)
            try:
                process.wait(timeout_s)
            except subprocess.TimeoutExpired:
                self._signal(process, signal.SIGKILL if os.name == "posix" else signal.SIGTERM)
                process.wait(timeout_s)
        self._drain()

    def __enter__(self) -> EngineProcess:
        """Started and ready; stopped on leaving the block, however it is left."""
        self.start()
        try:
            self.wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # --- inside -------------------------------------------------------------------------

    @staticmethod
    def _signal(process: subprocess.Popen[bytes], signum: int) -> None:
        """Signal the child's whole group (it leads it) while it is not yet reaped."""
        with contextlib.suppress(ProcessLookupError):
            if os.name == "posix":
                os.killpg(process.pid, signum)
            else:
                process.send_signal(signum)

    def _read(self, stream: IO[bytes]) -> None:
        """Reader thread: keep each line and hand it on, until the child closes its output."""
        with stream:
            for raw in stream:
                line = raw.decode("utf-8", errors="replace").rstrip("\r\n")
                with self._lock:
                    self._lines.append(line)
                if self._on_output is not None:
                    self._on_output(line)

    def _drain(self) -> None:
        """After the child exited: let the reader take the last lines it printed (bounded, as a
        grandchild outside the group could hold the pipe open)."""
        if self._reader is not None:
            self._reader.join(timeout=_DRAIN_S)

    def _why(self) -> str:
        """The engine's own last error lines, else its last lines, else its exit status."""
        lines = [line.strip() for line in self.output() if line.strip()]
        errors = [
            line.strip()
            for line in self.output()
            # Indented lines are a traceback's source lines, which repeat its last line.
            if line[:1].strip() and any(word in line.lower() for word in _ERROR_WORDS)
        ]
        chosen = (errors or lines)[-_ERROR_LINES:]
        if not chosen:
            return f"the engine exited with status {self.returncode} and printed nothing"
        return "\n".join(chosen)


def _answers(opener: urllib.request.OpenerDirector, url: str, timeout_s: float) -> bool:
    try:
        with opener.open(url, timeout=timeout_s) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError, ValueError):
        return False


@functools.cache
def _running() -> set[EngineProcess]:
    """Engines started and not yet stopped; the first call arranges to stop them all at exit."""
    live: set[EngineProcess] = set()

    def stop_all() -> None:
        for engine in list(live):
            engine.stop(timeout_s=2.0)

    atexit.register(stop_all)
    return live
