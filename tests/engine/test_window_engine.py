"""The window runs a GGUF file with the real llama.cpp engine: pick, wait, run, stop.

As tests/ui/test_local_engines.py does with the stand-in, but the child is llama-cpp-python's
server on the tiny generated model, so the load, the streaming and the stop are the real ones.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# Imported after the platform is chosen above (tests/ui's conftest, which does this, is not ours).
from PySide6.QtCore import QModelIndex, Qt  # noqa: TID253
from PySide6.QtTest import QTest  # noqa: TID253
from PySide6.QtWidgets import QFileDialog, QPushButton, QTableView  # noqa: TID253
from pytestqt.qtbot import QtBot

from tests.ui.window_driver import close_window, open_services, open_window, press_run
from ui.collector import GuiThreadCollector
from ui.local_engines import EngineState
from ui.main_window import MainWindow
from ui.results_model import CellStatus
from workbench.domain import CostSource, Message, ModelParams, PromptTemplate, TokensSource
from workbench.local_engine import EngineProcess

PROMPT = PromptTemplate("greet", (Message("user", "Say hello."),))
READY_MS = 120_000  # the real engine loads its native library first
# Decodes over several of the window's 100 ms flushes even on a fast CPU: CI decoded 200 tokens in
# 89 ms, inside one flush, so the first text shown was already the whole answer.
MAX_TOKENS = 1200


@pytest.fixture(scope="module", autouse=True)
def _collect_on_the_gui_thread(qapp: object) -> Iterator[None]:
    """As the app does (and tests/ui's conftest): cycles die on the GUI thread only."""
    collector = GuiThreadCollector()
    yield
    collector.stop()


@pytest.fixture
def window(qtbot: QtBot, tmp_path: Path) -> Iterator[MainWindow]:
    services = open_services(tmp_path)
    services.prefs.default_params = ModelParams(max_tokens=MAX_TOKENS, seed=7)
    shown = open_window(qtbot, services)
    shown.models.set_models([])
    yield shown
    for engine in shown.engines.engines():
        engine.stop()  # whatever a failed test left running
    if shown.isVisible():
        close_window(shown)


def test_the_window_runs_a_gguf_file_streams_from_it_and_stops_it(
    qtbot: QtBot, window: MainWindow, tiny_model: Path
) -> None:
    assert window.engines.command is None  # llama-cpp-python's own server
    window.editor.set_prompts([PROMPT])
    gguf_button = window.models.findChild(QPushButton, "localGgufButton")
    assert gguf_button is not None
    QTest.mouseClick(gguf_button, Qt.MouseButton.LeftButton)
    dialog = window.findChild(QFileDialog, "ggufFileDialog")
    assert dialog is not None and dialog.isVisible()
    with qtbot.waitSignal(window.engines.engine_ready, timeout=READY_MS) as ready:
        dialog.setDirectory(str(tiny_model.parent))
        dialog.selectFile(tiny_model.name)
        dialog.accept()
    engine: EngineProcess = ready.args[0]
    assert engine.running and engine.load_ms is not None and engine.load_ms > 0

    [spec] = window.models.models()
    assert (spec.name, spec.api_base) == ("tiny", f"http://127.0.0.1:{engine.port}/v1")
    assert spec.params == ModelParams(max_tokens=MAX_TOKENS, seed=7)
    model = window.engines_panel.model
    [row] = model.rows()
    assert (row.state, row.port) == (EngineState.READY, engine.port)
    # llama.cpp's own loading lines and uvicorn's, as the engine printed them.
    qtbot.waitUntil(
        lambda: (
            f"Uvicorn running on http://127.0.0.1:{engine.port}"
            in window.engines_panel.log.toPlainText()
        )
    )
    assert "llama_model_loader" in window.engines_panel.log.toPlainText()

    streamed: list[int] = []

    def on_changed(first: QModelIndex, _last: QModelIndex) -> None:
        state = window.results_model.state_at(first)
        if state is not None and state.status is CellStatus.RUNNING and state.text:
            streamed.append(len(state.text))

    window.results_model.dataChanged.connect(on_changed)
    window.activateWindow()  # offscreen, nothing gives it back after the dialog closed
    qtbot.waitUntil(window.isActiveWindow)
    with qtbot.waitSignal(window.runs.run_kept, timeout=120_000):
        press_run(window)
    [state] = window.results_model.states()
    assert state.status is CellStatus.FINISHED and state.result is not None
    result = state.result
    assert streamed, "the answer showed while it streamed"
    assert streamed[0] < len(result.output), f"decoded in {result.timings}"
    assert result.finish_reason == "length"
    assert result.usage is not None and result.usage.source is TokensSource.ESTIMATED
    assert result.timings is not None and result.timings.ttft_ms is not None
    assert 0 < result.timings.ttft_ms < result.timings.latency_ms
    assert result.cost.source is CostSource.LOCAL

    table = window.models.findChild(QTableView, "modelsTable")
    remove = window.models.findChild(QPushButton, "removeModelButton")
    assert table is not None and remove is not None
    table.selectRow(0)
    with qtbot.waitSignal(window.engines.engine_stopped, timeout=15_000):
        QTest.mouseClick(remove, Qt.MouseButton.LeftButton)
    assert engine.returncode is not None  # ended, and reaped
    assert model.rows()[0].state is EngineState.STOPPED
    assert window.presenter.history == []
    close_window(window)
