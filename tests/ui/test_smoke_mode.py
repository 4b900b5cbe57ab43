"""The window's smoke mode, run from the source tree as a real process against the fake server.

packaging/smoke_test.py runs the same mode in the built bundle; here it needs no bundle. The
process runs under the socket guard, so the run also proves the window reached nothing but the
fake on 127.0.0.1.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from storage.run_store import SqlRunStore
from tests.support.fake_openai import FakeOpenAIServer
from workbench.store_api import HistoryQuery, RunStatus

ROOT = Path(__file__).resolve().parents[2]
GUARD = ROOT / "tests" / "support" / "socket_guard"
ENTRY = "import sys; from workbench.cli.entry import main; sys.exit(main())"

pytestmark = pytest.mark.slow  # each test starts the window in a process of its own


@pytest.fixture
def server() -> Iterator[FakeOpenAIServer]:
    with FakeOpenAIServer(models=("fake-a",)) as running:
        yield running


def _smoke(tmp_path: Path, api_base: str, model: str) -> subprocess.CompletedProcess[str]:
    """`workbench window --smoke-test` with a fresh home, offscreen, under the socket guard."""
    home = tmp_path / "home"
    home.mkdir()
    env = {
        **os.environ,
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "QT_QPA_PLATFORM": "offscreen",
        "PYTHONPATH": f"{GUARD}{os.pathsep}{ROOT}",
        "WORKBENCH_SOCKET_LOG": str(tmp_path / "sockets.log"),
    }
    command = [sys.executable, "-c", ENTRY, "window", "--smoke-test", api_base, model]
    command += ["--db", str(tmp_path / "w.db"), "--settings", str(tmp_path / "s.ini")]
    return subprocess.run(
        command, env=env, cwd=tmp_path, capture_output=True, text=True, check=False, timeout=90
    )


def _only_loopback(tmp_path: Path) -> None:
    log = tmp_path / "sockets.log"
    assert not log.exists() or log.read_text() == "", log.read_text()


def test_the_samples_run_against_the_model_and_the_run_is_kept(
    tmp_path: Path, server: FakeOpenAIServer
) -> None:
    done = _smoke(tmp_path, server.base_url, "fake-a")

    assert done.returncode == 0, done.stderr
    # The sample classify prompt asks for 5 tokens; the fake answers with its first five words.
    assert done.stdout.splitlines() == [
        "smoke: 2 cells, 2 ok, first output: 'Reply from fake-a to: The'"
    ]
    # One call per sample prompt, each with the sample's own values filled in.
    sent = sorted(r.body["messages"][-1]["content"] for r in server.requests(model="fake-a"))
    assert sent == [
        (
            "Prompt engineering is the practice of designing the instructions given to a language "
            "model so that its answers are accurate, useful and consistent across many inputs."
        ),
        "The update fixed my sync problem, thanks!",
    ]
    store = SqlRunStore.open(str(tmp_path / "w.db"))
    try:
        (run,) = store.history(HistoryQuery())
    finally:
        store.close()
    assert (run.status, run.cells, run.finished, run.failed) == (RunStatus.FINISHED, 2, 2, 0)
    assert run.models == ("fake-a",)
    _only_loopback(tmp_path)


def test_a_model_that_fails_exits_1(tmp_path: Path, server: FakeOpenAIServer) -> None:
    done = _smoke(tmp_path, server.base_url, "no-such-model")

    assert done.returncode == 1, done.stderr
    assert done.stdout.splitlines() == ["smoke: 2 cells, 0 ok, first output: ''"]
    assert server.request_count("no-such-model") == 2  # a 404 is not retried
    _only_loopback(tmp_path)


def test_a_server_that_is_down_exits_1(tmp_path: Path, server: FakeOpenAIServer) -> None:
    base = server.base_url
    server.stop()  # its port is closed now: every call is refused

    done = _smoke(tmp_path, base, "fake-a")

    assert done.returncode == 1, done.stderr
    assert done.stdout.splitlines() == ["smoke: 2 cells, 0 ok, first output: ''"]
    _only_loopback(tmp_path)
