"""The bridge from the runner's loop thread to Qt signals, against the fake server."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from pytestqt.qtbot import QtBot

from tests.support.fake_openai import Behaviour, FakeOpenAIServer
from tests.workbench.runs import cells_for
from ui.task_bridge import LoopThread, RunBridge
from workbench.domain import CellResult, ModelSpec
from workbench.runner import Runner, RunOptions


@pytest.fixture
def loop() -> Iterator[LoopThread]:
    thread = LoopThread().start()
    yield thread
    thread.stop()


@pytest.fixture
def server() -> Iterator[FakeOpenAIServer]:
    with FakeOpenAIServer(models=("fake-a", "slow")) as running:
        yield running


def test_deltas_arrive_coalesced_on_the_gui_thread(
    qtbot: QtBot, loop: LoopThread, server: FakeOpenAIServer
) -> None:
    reply = " ".join(f"w{i}" for i in range(40))
    server.behave("fake-a", Behaviour(reply=reply, token_interval_s=0.005))
    bridge = RunBridge(loop, lambda: Runner(RunOptions()), flush_interval_s=0.05)
    texts: list[str] = []
    threads: set[threading.Thread] = set()
    ended: list[CellResult] = []

    def on_text(_index: int, text: str) -> None:
        threads.add(threading.current_thread())
        texts.append(text)

    bridge.cell_text.connect(on_text)
    bridge.cell_ended.connect(ended.append)
    with qtbot.waitSignal(bridge.run_finished, timeout=10_000):
        bridge.start(cells_for([ModelSpec("fake-a", api_base=server.base_url)]))
    assert threads == {threading.main_thread()}
    assert "".join(texts) == ended[0].output
    assert len(texts) < 40 / 2  # 40 deltas over ~0.2 s, flushed every 50 ms
    assert ended[0].ok


def test_cancel_ends_a_slow_run(qtbot: QtBot, loop: LoopThread, server: FakeOpenAIServer) -> None:
    server.behave("slow", Behaviour(ttft_s=30))
    bridge = RunBridge(loop, lambda: Runner(RunOptions()))
    ended: list[CellResult] = []
    bridge.cell_ended.connect(ended.append)
    with qtbot.waitSignal(bridge.cell_started, timeout=5_000):
        bridge.start(cells_for([ModelSpec("slow", api_base=server.base_url)], repeats=2))
    with qtbot.waitSignal(bridge.run_finished, timeout=2_000):
        bridge.cancel()
    assert [r.error.type if r.error else None for r in ended] == ["cancelled", "cancelled"]
    assert not bridge.running
