"""A GGUF file run by the window: picked, served by a child engine, used, stopped.

The engine here is `tests.support.stand_in_engine` (the real server's flags, the OpenAI wire
format from `FakeOpenAIServer`), so these tests do not depend on llama-cpp-python's build;
tests/engine/test_window_engine.py runs the same cycle against the real engine.
"""

from __future__ import annotations

import importlib.util
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QFileDialog, QPushButton, QTableView, QWidget
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from tests.support.tiny_gguf import write_empty_gguf, write_tiny_llama
from tests.ui.window_driver import close_window, open_services, open_window, press_run
from ui.engines_panel import EngineRow, EnginesModel
from ui.local_engines import EngineState
from ui.main_window import MainWindow
from ui.results_model import CellStatus
from workbench.domain import Message, PromptTemplate, TokensSource
from workbench.local_engine import EngineProcess

STAND_IN = (sys.executable, "-m", "tests.support.stand_in_engine")
PROMPT = PromptTemplate("greet", (Message("user", "Say hello in five words."),))
READY_MS = 30_000  # a Python child importing aiohttp on a busy machine


@pytest.fixture
def window(qtbot: QtBot, tmp_path: Path) -> Iterator[MainWindow]:
    (tmp_path / "app").mkdir()
    shown = open_window(qtbot, open_services(tmp_path / "app"))
    shown.engines.command = STAND_IN
    shown.models.set_models([])
    yield shown
    for engine in shown.engines.engines():
        engine.stop()  # whatever a failed test left running
    if shown.isVisible():
        close_window(shown)


@pytest.fixture
def models_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "models"
    folder.mkdir()
    return folder


def _click(widget: QWidget, name: str) -> None:
    button = widget.findChild(QPushButton, name)
    assert button is not None and button.isEnabled()
    QTest.mouseClick(button, Qt.MouseButton.LeftButton)


def _choose(window: MainWindow, path: Path) -> None:
    """In the open "Run a GGUF file" dialog, pick `path` and accept, as a person would."""
    dialog = window.findChild(QFileDialog, "ggufFileDialog")
    assert dialog is not None and dialog.isVisible()
    assert dialog.nameFilters()[0] == "GGUF models (*.gguf)"
    dialog.setDirectory(str(path.parent))
    dialog.selectFile(path.name)
    dialog.accept()


def _row(window: MainWindow, path: Path) -> EngineRow:
    model = window.engines_panel.model
    number = model.row_of(str(path))
    assert number is not None
    return model.row_at(number)


def test_a_gguf_file_picked_in_the_models_dock_serves_a_run_and_stops_with_its_model(
    qtbot: QtBot, window: MainWindow, models_folder: Path
) -> None:
    path = write_tiny_llama(models_folder / "tiny.gguf")
    window.editor.set_prompts([PROMPT])
    _click(window.models, "localGgufButton")
    with qtbot.waitSignal(window.engines.engine_ready, timeout=READY_MS) as ready:
        _choose(window, path)
    engine: EngineProcess = ready.args[0]
    assert engine.path == path and engine.running
    assert engine.api_base == f"http://127.0.0.1:{engine.port}/v1"

    # The model joins the list, pointing at the engine, with the default parameters.
    [spec] = window.models.models()
    assert (spec.name, spec.api_base, spec.transport) == ("tiny", engine.api_base, "openai")
    assert spec.params == window.services.prefs.default_params
    assert window.engines.engine_for(spec) is engine

    # The dock shows the engine ready on its port, with its load time and its own output.
    assert window.engines_dock.isVisible()
    row = _row(window, path)
    assert (row.state, row.port) == (EngineState.READY, engine.port)
    assert row.load_text().startswith("loaded in ") and row.load_text().endswith(" s")
    assert window.engines_panel.selected_path() == str(path)
    qtbot.waitUntil(
        lambda: (
            f"Uvicorn running on http://127.0.0.1:{engine.port}"
            in window.engines_panel.log.toPlainText()
        )
    )
    log = window.engines_panel.log.toPlainText().splitlines()
    assert log[0] == f"stand-in engine: loading {path} (n_ctx 2048)"
    assert "stand-in engine: 0 API key variables in the environment" in log

    # Ctrl+Enter runs the prompt against it.
    window.activateWindow()  # offscreen, nothing gives it back after the dialog closed
    qtbot.waitUntil(window.isActiveWindow)
    with qtbot.waitSignal(window.runs.run_kept, timeout=20_000):
        press_run(window)
    [state] = window.results_model.states()
    assert state.status is CellStatus.FINISHED and state.result is not None
    assert state.result.output == "Reply from tiny to: Say hello in five words."
    assert state.result.usage is not None
    assert state.result.usage.source is TokensSource.REPORTED
    assert state.result.usage.output_tokens == 9  # the stand-in streams a chunk per word

    # Removing the model from the list stops the engine.
    table = window.models.findChild(QTableView, "modelsTable")
    assert table is not None
    table.selectRow(0)
    with qtbot.waitSignal(window.engines.engine_stopped, timeout=10_000) as stopped:
        _click(window.models, "removeModelButton")
    assert stopped.args == [str(path)]
    qtbot.waitUntil(lambda: engine.returncode is not None)
    assert engine.returncode == 0  # it ended on SIGTERM, not SIGKILL
    assert _row(window, path).state is EngineState.STOPPED
    assert window.engines.engine_for(spec) is None
    assert window.presenter.history == []


def test_closing_the_window_stops_every_engine(
    qtbot: QtBot, window: MainWindow, models_folder: Path
) -> None:
    first = write_tiny_llama(models_folder / "first.gguf")
    second = Path(shutil.copy(first, models_folder / "second.gguf"))
    engines = [window.engines.start(path) for path in (first, second)]
    qtbot.waitUntil(lambda: len(window.models.models()) == 2, timeout=READY_MS)
    assert all(engine.running for engine in engines)
    assert sorted(spec.name for spec in window.models.models()) == ["first", "second"]
    close_window(window)
    assert [engine.returncode for engine in engines] == [0, 0]
    assert [row.state for row in window.engines_panel.model.rows()] == [EngineState.STOPPED] * 2


def test_a_file_that_is_not_a_model_says_so_and_adds_nothing(
    qtbot: QtBot, window: MainWindow, models_folder: Path
) -> None:
    path = models_folder / "notes.gguf"
    path.write_bytes(b"PK\x03\x04" + bytes(60))
    _click(window.engines_panel, "runGgufButton")
    with qtbot.waitSignal(window.engines.engine_failed, timeout=10_000) as failed:
        _choose(window, path)
    message = "notes.gguf is not a GGUF model file (it starts with b'PK\\x03\\x04')"
    assert failed.args == [str(path), message]
    assert window.presenter.history == [("Could not run notes.gguf", message)]
    assert window.models.models() == []
    row = _row(window, path)
    assert row.state is EngineState.FAILED
    assert row.state_text() == f"failed: {message}"
    [engine] = window.engines.engines()
    assert not engine.running and engine.returncode is None  # nothing was spawned


def test_a_model_the_engine_refuses_shows_the_engines_own_lines(
    qtbot: QtBot, window: MainWindow, models_folder: Path
) -> None:
    path = write_empty_gguf(models_folder / "odd.gguf", "nosucharch")
    with qtbot.waitSignal(window.engines.engine_failed, timeout=READY_MS) as failed:
        window.engines_panel.run_file(path)
    message = failed.args[1]
    assert message.startswith("llama.cpp could not load odd.gguf: ")
    assert "unknown model architecture: 'nosucharch'" in message
    assert window.presenter.history == [("Could not run odd.gguf", message)]
    qtbot.waitUntil(lambda: "failed to load model" in window.engines_panel.log.toPlainText())
    assert window.models.models() == []
    [engine] = window.engines.engines()
    assert engine.returncode == 1


def test_without_the_engine_installed_the_window_says_what_to_install(
    qtbot: QtBot, window: MainWindow, models_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_find_spec = importlib.util.find_spec

    def find_spec(name: str, package: str | None = None) -> object:
        return None if name.partition(".")[0] == "llama_cpp" else real_find_spec(name, package)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)
    window.engines.command = None  # the real engine, which this machine now lacks
    path = write_tiny_llama(models_folder / "tiny.gguf")
    with qtbot.waitSignal(window.engines.engine_failed, timeout=10_000) as failed:
        window.engines_panel.run_file(path)
    sentence = 'llama-cpp-python is not installed: pip install "prompt-workbench[engine]"'
    assert failed.args == [str(path), sentence]
    assert window.presenter.history == [("Could not run tiny.gguf", sentence)]
    [engine] = window.engines.engines()
    assert engine.returncode is None and engine.port is None  # nothing was spawned


def test_the_same_file_twice_gives_the_engine_already_running(
    qtbot: QtBot, window: MainWindow, models_folder: Path
) -> None:
    path = write_tiny_llama(models_folder / "tiny.gguf")
    starting = window.engines.start(path)
    assert window.engines.start(path) is starting
    with qtbot.waitSignal(window.engines.engine_ready, timeout=READY_MS):
        pass
    assert window.engines.start(models_folder / ".." / "models" / "tiny.gguf") is starting
    assert window.engines.engines() == [starting]
    assert window.engines_panel.model.rowCount() == 1
    assert len(window.models.models()) == 1


def test_a_stop_while_starting_ends_as_stopped_not_failed(
    qtbot: QtBot, window: MainWindow, models_folder: Path
) -> None:
    path = write_tiny_llama(models_folder / "tiny.gguf")
    failures: list[str] = []
    window.engines.engine_failed.connect(lambda _path, message: failures.append(message))
    engine = window.engines.start(path)
    with qtbot.waitSignal(window.engines.engine_stopped, timeout=READY_MS):
        _click(window.engines_panel, "stopEngineButton")
    assert window.engines.state(path) is EngineState.STOPPED
    qtbot.waitUntil(lambda: not engine.running)
    assert failures == []
    assert window.models.models() == []
    stop = window.engines_panel.findChild(QPushButton, "stopEngineButton")
    assert stop is not None and not stop.isEnabled()


def test_an_engine_that_ends_on_its_own_is_marked_failed(
    qtbot: QtBot, window: MainWindow, models_folder: Path
) -> None:
    path = write_tiny_llama(models_folder / "tiny.gguf")
    with qtbot.waitSignal(window.engines.engine_ready, timeout=READY_MS) as ready:
        window.engines_panel.run_file(path)
    ready.args[0].stop()  # behind the manager's back, as a crash would
    with qtbot.waitSignal(window.engines.engine_failed, timeout=10_000) as failed:
        pass
    assert failed.args[1] == (
        "The engine for tiny.gguf ended on its own (exit status 0). "
        "Its last lines are in the Local engines dock."
    )
    assert _row(window, path).state is EngineState.FAILED


def test_engines_loading_leave_the_compute_lane_free(
    qtbot: QtBot, window: MainWindow, models_folder: Path
) -> None:
    """Two models loading (here: never ready) while the editor still counts tokens."""
    window.engines.command = (*STAND_IN, "--never_ready")
    first = write_tiny_llama(models_folder / "first.gguf")
    second = Path(shutil.copy(first, models_folder / "second.gguf"))
    engines = [window.engines.start(path) for path in (first, second)]
    qtbot.waitUntil(lambda: all(engine.running for engine in engines), timeout=READY_MS)
    # The compute lane has two threads: were each start waiting on one, this would wait
    # for the engines' two-minute ready timeout.
    done = window.services.background.run(lambda: "counted", lane="compute")
    qtbot.waitUntil(done.done, timeout=10_000)
    assert done.result() == "counted"
    assert [window.engines.state(path) for path in (first, second)] == [EngineState.STARTING] * 2
    close_window(window)
    assert all(not engine.running for engine in engines)


def test_the_engines_model(qtmodeltester: ModelTester) -> None:
    model = EnginesModel()
    model.put(EngineRow("/m/a.gguf", EngineState.STARTING))
    model.put(EngineRow("/m/b.gguf", EngineState.FAILED, message="b.gguf is empty"))
    model.put(EngineRow("/m/a.gguf", EngineState.READY, port=41234, load_ms=1234.0))
    shown = [
        [model.data(model.index(row, column)) for column in range(model.columnCount())]
        for row in range(model.rowCount())
    ]
    assert shown == [
        ["a.gguf", "ready", "41234", "loaded in 1.2 s"],
        ["b.gguf", "failed: b.gguf is empty", "", ""],
    ]
    assert model.data(model.index(1, 1), Qt.ItemDataRole.ToolTipRole) == "b.gguf is empty"
    assert model.data(model.index(0, 0), Qt.ItemDataRole.ToolTipRole) == "/m/a.gguf"
    qtmodeltester.check(model)
