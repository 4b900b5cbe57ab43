"""The one background helper: answers on the GUI thread, never to a deleted owner."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QObject
from pytestqt.qtbot import QtBot

from ui.background import Background
from ui.task_bridge import LoopThread


@pytest.fixture
def background(qapp: object) -> Iterator[Background]:
    helper = Background()
    yield helper
    helper.shutdown()


def test_done_and_failed_arrive_on_the_gui_thread(qtbot: QtBot, background: Background) -> None:
    seen: list[tuple[str, object, threading.Thread]] = []

    def boom() -> None:
        raise ValueError("no")

    background.run(lambda: 41 + 1, lambda v: seen.append(("done", v, threading.current_thread())))
    background.run(boom, failed=lambda e: seen.append(("failed", e, threading.current_thread())))
    qtbot.waitUntil(lambda: len(seen) == 2)
    assert {kind for kind, _, _ in seen} == {"done", "failed"}
    assert all(thread is threading.main_thread() for _, _, thread in seen)


def test_a_failure_without_a_handler_is_reported(qtbot: QtBot, background: Background) -> None:
    def boom() -> None:
        raise KeyError("lost")

    with qtbot.waitSignal(background.unhandled_error, timeout=5000) as caught:
        background.run(boom)
    assert isinstance(caught.args[0], KeyError)


def test_the_store_lane_keeps_order(qtbot: QtBot, background: Background) -> None:
    order: list[int] = []
    for number in range(20):
        background.run(lambda n=number: order.append(n), lane="store")  # type: ignore[misc]
    background.wait_for_store()
    assert order == list(range(20))


def test_no_answer_reaches_a_deleted_owner(qtbot: QtBot, background: Background) -> None:
    owner = QObject()
    release = threading.Event()
    answers: list[int] = []
    background.run(lambda: release.wait(5) and 1, answers.append, owner=owner)
    owner.deleteLater()
    qtbot.waitUntil(lambda: not _alive(owner))
    release.set()
    background.run(lambda: 2, answers.append)
    qtbot.waitUntil(lambda: answers == [2])


def test_coroutines_answer_on_the_gui_thread_and_work_is_refused_after_shutdown(
    qtbot: QtBot, background: Background
) -> None:
    loop = LoopThread().start()
    try:
        answers: list[tuple[str, threading.Thread]] = []

        async def fetch() -> str:
            await asyncio.sleep(0.01)
            return "served"

        background.await_on(
            loop, fetch(), lambda v: answers.append((v, threading.current_thread()))
        )
        qtbot.waitUntil(lambda: bool(answers))
        assert answers == [("served", threading.main_thread())]
        background.shutdown()
        assert background.run(lambda: 1).cancelled()
    finally:
        loop.stop()


def _alive(obj: QObject) -> bool:
    import shiboken6  # noqa: PLC0415

    return shiboken6.isValid(obj)
