"""The real window, driven offscreen like a person would use it, against the fake server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDockWidget, QLineEdit, QListView, QPushButton
from pytestqt.qtbot import QtBot

from tests.support.fake_openai import Behaviour, FakeOpenAIServer
from tests.ui.window_driver import (
    all_ended,
    close_window,
    open_services,
    open_window,
    press,
    press_run,
    statuses,
    type_into,
)
from ui.cell_delegate import footer_line
from ui.main_window import MainWindow
from ui.results_model import CellStatus
from workbench.domain import ModelSpec, TokensSource
from workbench.store_api import HistoryQuery, RunStatus

WORDS = " ".join(f"word{i}" for i in range(30))


@pytest.fixture
def server() -> Iterator[FakeOpenAIServer]:
    with FakeOpenAIServer(models=("fake-a", "fake-b", "slow")) as running:
        yield running


def _write_two_prompts(qtbot: QtBot, window: MainWindow) -> None:
    """Replace the samples with two prompts typed key by key, one using {{thing}}."""
    window.editor.set_prompts([])
    for text in ("Describe {{thing}} in one line.", "Tell me a fact about {{thing}}."):
        add = window.editor.findChild(QPushButton, "addPrompt")
        assert add is not None
        QTest.mouseClick(add, Qt.MouseButton.LeftButton)
        type_into(window.editor.columns[-1].turns[0].edit, text)
    qtbot.waitUntil(lambda: window.variables.model.rowCount() == 1)
    window.variables.select("thing")
    type_into(window.variables.editor, "a lighthouse")


def _pick_models(window: MainWindow, server: FakeOpenAIServer, *names: str) -> None:
    for name in names:
        window.models.add_model(ModelSpec(name, api_base=server.base_url, transport="openai"))


def test_type_pick_run_rate_diff_and_find_it_after_a_restart(
    qtbot: QtBot, tmp_path: Path, server: FakeOpenAIServer
) -> None:
    for model in ("fake-a", "fake-b"):
        server.behave(model, Behaviour(token_interval_s=0.01))
    services = open_services(tmp_path)
    window = open_window(qtbot, services)
    _write_two_prompts(qtbot, window)
    _pick_models(window, server, "fake-a", "fake-b")
    streamed: set[int] = set()

    def on_changed(first: QModelIndex, _last: QModelIndex) -> None:
        state = window.results_model.state_at(first)
        if state is not None and state.status is CellStatus.RUNNING and state.text:
            streamed.add(state.cell.index)

    window.results_model.dataChanged.connect(on_changed)
    with qtbot.waitSignal(window.runs.run_kept, timeout=20_000) as kept:
        press_run(window)
    assert statuses(window) == [CellStatus.FINISHED] * 4
    assert streamed == {0, 1, 2, 3}, "every cell showed text before it ended"
    for state in window.results_model.states():
        result = state.result
        assert result is not None and result.usage is not None and result.timings is not None
        sent = [m.as_dict() for m in state.cell.messages]
        assert "a lighthouse" in sent[-1]["content"]
        assert result.output == server.reply_for(state.cell.model.name, sent)
        assert result.usage.source is TokensSource.REPORTED
        assert (result.usage.input_tokens, result.usage.output_tokens) == server.expected_usage(
            sent, len(result.output.split())
        )
        line = footer_line(state)
        for part in (f"in {result.usage.input_tokens}", "TTFT", "tok/s", "free (local)"):
            assert part in line
    run_id = kept.args[0]
    assert window.status.progress.text() == "4 of 4 cells"

    # Rate one cell with the keyboard; the rating reaches the store.
    window.results.select_cell(0)
    press(window.results.grid, Qt.Key.Key_Plus)
    assert window.results_model.state_of(0).rating == 1  # type: ignore[union-attr]
    qtbot.waitUntil(
        lambda: services.store.call(lambda s: s.cell_marks(run_id)).result(5)[0].rating == 1
    )

    # Select two cells and compare them word by word.
    window.results.select_cell(0)
    window.results.select_cell(1, add=True)
    press(window.results.grid, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    assert window.results.tabs.currentWidget() is window.results.diff_view
    assert "removed" in window.results.diff_view.summary()

    # Restart: a new window on the same store finds the run by a word of its output.
    close_window(window)
    services = open_services(tmp_path)
    window = open_window(qtbot, services)
    assert [c.name() for c in window.editor.columns] == ["prompt", "prompt-2"]
    assert window.variables.values()["thing"] == "a lighthouse"
    runs_list = window.history.findChild(QListView, "runsList")
    search = window.history.findChild(QLineEdit, "historySearch")
    assert runs_list is not None and search is not None
    qtbot.waitUntil(lambda: runs_list.model().rowCount() >= 1)
    type_into(search, "lighthouse")
    qtbot.waitUntil(lambda: runs_list.model().rowCount() == 1, timeout=5000)
    with qtbot.waitSignal(window.runs.run_opened, timeout=5000):
        runs_list.setCurrentIndex(runs_list.model().index(0, 0))
        press(runs_list, Qt.Key.Key_Return)
    assert statuses(window) == [CellStatus.FINISHED] * 4
    assert window.results_model.state_of(0).rating == 1  # type: ignore[union-attr]
    assert f"#{run_id}" in window.results.banner.text()
    close_window(window)


def test_cancel_a_slow_run_keeps_it_as_cancelled(
    qtbot: QtBot, tmp_path: Path, server: FakeOpenAIServer
) -> None:
    server.behave("slow", Behaviour(reply=WORDS, token_interval_s=0.5))
    services = open_services(tmp_path)
    window = open_window(qtbot, services)
    _pick_models(window, server, "slow")
    assert len(window.editor.columns) == 2  # the sample prompts
    with qtbot.waitSignal(window.runs.run_started, timeout=5000):
        press_run(window)
    qtbot.waitUntil(lambda: any(s.text for s in window.results_model.states()), timeout=10_000)
    with qtbot.waitSignal(window.runs.run_kept, timeout=10_000) as kept:
        press(window.editor.columns[0].system_edit, Qt.Key.Key_Escape)
    assert statuses(window) == [CellStatus.CANCELLED] * 2
    assert all_ended(window)
    stored = services.store.call(lambda s: s.load_run(kept.args[0])).result(5)
    assert stored.info.status is RunStatus.CANCELLED
    history = services.store.call(lambda s: s.history(HistoryQuery())).result(5)
    assert [info.id for info in history] == [kept.args[0]]
    close_window(window)


def test_a_missing_key_is_reported_before_anything_is_sent(
    qtbot: QtBot, tmp_path: Path, server: FakeOpenAIServer
) -> None:
    services = open_services(tmp_path)
    window = open_window(qtbot, services)
    window.models.add_model(ModelSpec("gpt-4o-mini"))
    qtbot.waitUntil(lambda: bool(window.models.missing_keys()))
    press_run(window)
    title, text = window.presenter.history[-1]
    assert "no API key" in title
    assert "OPENAI_API_KEY" in text
    assert window.results_model.rowCount() == 0
    assert server.request_count() == 0
    close_window(window)


def test_one_cell_reruns_as_a_run_of_its_own(
    qtbot: QtBot, tmp_path: Path, server: FakeOpenAIServer
) -> None:
    services = open_services(tmp_path)
    window = open_window(qtbot, services)
    _pick_models(window, server, "fake-a")
    with qtbot.waitSignal(window.runs.run_kept, timeout=10_000) as first:
        press_run(window)
    calls = server.request_count()
    window.results.select_cell(1)
    with qtbot.waitSignal(window.runs.run_kept, timeout=10_000) as second:
        press(window.results.grid, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    assert server.request_count() == calls + 1
    assert second.args[0] != first.args[0]
    assert statuses(window) == [CellStatus.FINISHED] * 2
    rerun = services.store.call(lambda s: s.load_run(second.args[0])).result(5)
    assert [r.cell.index for r in rerun.results] == [1]
    close_window(window)


def test_geometry_and_layout_come_back_after_a_restart(qtbot: QtBot, tmp_path: Path) -> None:
    window = open_window(qtbot, open_services(tmp_path))
    window.centre.setSizes([150, 350])
    sizes = window.centre.sizes()
    history = window.findChild(QDockWidget, "historyDock")
    assert history is not None
    history.hide()
    geometry = window.saveGeometry()
    close_window(window)
    window = open_window(qtbot, open_services(tmp_path))
    # The offscreen screen is small, so compare what was saved, not a size Qt may clamp.
    assert window.services.prefs.window_state("geometry") == geometry
    top, bottom = window.centre.sizes()  # scaled to the restored height: compare proportions
    assert top / (top + bottom) == pytest.approx(sizes[0] / sum(sizes), abs=0.01)
    history = window.findChild(QDockWidget, "historyDock")
    assert history is not None and not history.isVisible()
    close_window(window)
