"""A GGUF file's model survives a restart of the window: its file is served again, in place.

Two windows in turn on one store, as a person closing and starting the app. The engine is
`tests.support.stand_in_engine`, given through `Services.engine_command`, so the restore that
starts while the second window opens already runs it.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QLabel, QMessageBox, QPushButton, QTableView
from pytestqt.qtbot import QtBot

from tests.support.fake_openai import FakeOpenAIServer
from tests.support.tiny_gguf import write_tiny_llama
from tests.ui.window_driver import close_window, open_services, open_window, press_run
from ui.engines_panel import STATE
from ui.local_engines import EngineState
from ui.main_window import MainWindow
from ui.models_model import SEED, TEMPERATURE
from ui.results_model import CellStatus
from workbench import local_engine
from workbench.domain import Message, ModelSpec, PromptTemplate, UserPrice
from workbench.local_engine import EngineProcess

STAND_IN = (sys.executable, "-m", "tests.support.stand_in_engine")
PROMPT = PromptTemplate("greet", (Message("user", "Say hello in five words."),))
READY_MS = 30_000  # a Python child importing aiohttp on a busy machine


@pytest.fixture
def models_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "models"
    folder.mkdir()
    return folder


@pytest.fixture
def app_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "app"
    folder.mkdir()
    return folder


@pytest.fixture
def server() -> Iterator[FakeOpenAIServer]:
    with FakeOpenAIServer(models=("fake-a",)) as running:
        yield running


@pytest.fixture
def windows() -> Iterator[list[MainWindow]]:
    """The windows a test opens; whatever a failed test left running is stopped."""
    opened: list[MainWindow] = []
    yield opened
    for window in opened:
        for engine in window.engines.engines():
            engine.stop()
        if window.isVisible():
            close_window(window)


def _open(
    qtbot: QtBot,
    folder: Path,
    windows: list[MainWindow],
    command: tuple[str, ...] = STAND_IN,
) -> MainWindow:
    services = open_services(folder)
    services.engine_command = command
    window = open_window(qtbot, services)
    windows.append(window)
    return window


def _open_failing(
    qtbot: QtBot, folder: Path, windows: list[MainWindow]
) -> tuple[MainWindow, list[object]]:
    """A window whose restored file fails, opened by hand: the failure's dialog comes up while
    the window opens, which `open_window` would wait on. The failure's arguments with it."""
    services = open_services(folder)
    services.engine_command = STAND_IN
    window = MainWindow(services)
    qtbot.addWidget(window)
    windows.append(window)
    window.show()
    with qtbot.waitSignal(window.engines.engine_failed, timeout=READY_MS) as failed:
        window.keeper.load()
    return window, list(failed.args)


def _serve(qtbot: QtBot, window: MainWindow, path: Path) -> EngineProcess:
    with qtbot.waitSignal(window.engines.engine_ready, timeout=READY_MS) as ready:
        window.engines_panel.run_file(path)
    engine: EngineProcess = ready.args[0]
    return engine


def _first_window(
    qtbot: QtBot, folder: Path, windows: list[MainWindow], path: Path
) -> tuple[EngineProcess, ModelSpec]:
    """A window that serves `path`, its model alone in the list; closed again."""
    window = _open(qtbot, folder, windows)
    window.editor.set_prompts([PROMPT])
    window.models.set_models([])
    engine = _serve(qtbot, window, path)
    [spec] = window.models.models()
    assert window._workspace().gguf_files == {engine.api_base: str(path)}
    close_window(window)
    assert engine.returncode == 0
    return engine, spec


def test_a_restart_serves_the_file_again_and_keeps_the_model_as_the_user_set_it(
    qtbot: QtBot,
    app_folder: Path,
    models_folder: Path,
    server: FakeOpenAIServer,
    windows: list[MainWindow],
) -> None:
    path = write_tiny_llama(models_folder / "tiny.gguf")
    window = _open(qtbot, app_folder, windows)
    window.editor.set_prompts([PROMPT])
    window.models.set_models([])
    first = _serve(qtbot, window, path)
    [picked] = window.models.models()
    other = ModelSpec("fake-a", api_base=server.base_url, transport="openai")
    priced = replace(picked, price=UserPrice(0.5, 1.5), hourly_usd=0.25)
    window.models.set_models([priced, other])
    # Its parameters edited in the table, as a person would.
    table = window.models.findChild(QTableView, "modelsTable")
    assert table is not None
    assert table.model().setData(table.model().index(0, TEMPERATURE), "0.3")
    assert table.model().setData(table.model().index(0, SEED), "7")
    kept = replace(priced, params=replace(picked.params, temperature=0.3, seed=7))
    assert window.models.models() == [kept, other]
    close_window(window)
    assert first.returncode == 0

    window = _open(qtbot, app_folder, windows)
    # The file is served again, as if picked: its row in the dock, its output in the log.
    assert window.engines.state(path) in (EngineState.STARTING, EngineState.READY)
    assert window.engines_panel.model.row_of(str(path)) == 0
    qtbot.waitUntil(lambda: window.engines.state(path) is EngineState.READY, timeout=READY_MS)
    [engine] = window.engines.engines()
    assert engine is not first and engine.running
    assert engine.api_base == f"http://127.0.0.1:{engine.port}/v1"
    # The same entry, in its place, on the new port; all the user set is kept.
    assert window.models.models() == [replace(kept, api_base=engine.api_base), other]
    moved = window.models.models()[0]
    assert (moved.params.temperature, moved.params.seed) == (0.3, 7)
    assert (moved.price, moved.hourly_usd) == (UserPrice(0.5, 1.5), 0.25)
    assert window.engines.engine_for(moved) is engine
    assert window._workspace().gguf_files == {engine.api_base: str(path)}
    assert "stand-in engine: loading" in window.engines_panel.log.toPlainText()
    assert window.presenter.history == []

    with qtbot.waitSignal(window.runs.run_kept, timeout=20_000):
        press_run(window)
    outputs = {
        state.cell.model.name: (state.status, state.result and state.result.output)
        for state in window.results_model.states()
    }
    assert outputs == {
        "tiny": (CellStatus.FINISHED, "Reply from tiny to: Say hello in five words."),
        "fake-a": (CellStatus.FINISHED, "Reply from fake-a to: Say hello in five words."),
    }

    close_window(window)
    assert engine.returncode == 0  # closing still stops every engine


def test_a_file_gone_after_the_restart_keeps_the_model_and_says_how_to_get_it_back(
    qtbot: QtBot, app_folder: Path, models_folder: Path, windows: list[MainWindow]
) -> None:
    path = write_tiny_llama(models_folder / "tiny.gguf")
    first, spec = _first_window(qtbot, app_folder, windows, path)
    content = path.read_bytes()
    path.unlink()

    window, failed = _open_failing(qtbot, app_folder, windows)
    assert failed == [str(path), "tiny.gguf: no such file"]
    assert window.engines.state(path) is EngineState.FAILED
    # The existing failure, in the dock and through the presenter.
    assert window.presenter.history == [("Could not run tiny.gguf", "tiny.gguf: no such file")]
    dialog = window.findChild(QMessageBox, "errorDialog")
    assert dialog is not None and dialog.isVisible()
    dialog.close()
    row = window.engines_panel.model.row_at(0)
    assert row.state_text() == "failed: tiny.gguf: no such file"
    # The model stays as it was; the window says what that means and how to get it back.
    assert window.models.models() == [spec]
    hint = (
        f"tiny cannot answer until {path} is back: put the file back and run it again "
        "(Run a GGUF file…), or remove the model."
    )
    assert window.status.currentMessage() == hint
    summary = window.engines_panel.findChild(QLabel, "enginesSummary")
    assert summary is not None
    assert summary.text() == f"1 failed\n{hint}"
    model = window.engines_panel.model
    assert model.data(model.index(0, STATE), Qt.ItemDataRole.ToolTipRole) == (
        f"tiny.gguf: no such file\n\n{hint}"
    )
    # The draft still knows the file, so the next start tries it again.
    assert window._workspace().gguf_files == {first.api_base: str(path)}

    # The file back and run again by hand: the same model moves to the new engine.
    path.write_bytes(content)
    engine = _serve(qtbot, window, path)
    assert window.models.models() == [replace(spec, api_base=engine.api_base)]
    assert window.engines_panel.model.row_at(0).state is EngineState.READY
    assert summary.text() == "1 ready"
    assert window._workspace().gguf_files == {engine.api_base: str(path)}
    close_window(window)
    assert engine.returncode == 0


def test_removing_the_model_while_its_engine_restarts_stops_the_engine(
    qtbot: QtBot, app_folder: Path, models_folder: Path, windows: list[MainWindow]
) -> None:
    path = write_tiny_llama(models_folder / "tiny.gguf")
    _first_window(qtbot, app_folder, windows, path)

    # An engine that never answers: the model is removed while it is still starting.
    window = _open(qtbot, app_folder, windows, (*STAND_IN, "--never_ready"))
    assert window.engines.state(path) is EngineState.STARTING
    [engine] = window.engines.engines()
    table = window.models.findChild(QTableView, "modelsTable")
    assert table is not None
    table.selectRow(0)
    remove = window.models.findChild(QPushButton, "removeModelButton")
    assert remove is not None
    with qtbot.waitSignal(window.engines.engine_stopped, timeout=READY_MS) as stopped:
        QTest.mouseClick(remove, Qt.MouseButton.LeftButton)
    assert stopped.args == [str(path)]
    assert window.engines.state(path) is EngineState.STOPPED
    assert window.models.models() == []
    assert window._workspace().gguf_files == {}
    qtbot.waitUntil(lambda: not engine.running)
    assert window.presenter.history == []
    close_window(window)


def test_a_file_picked_by_hand_still_adds_its_own_model(
    qtbot: QtBot,
    app_folder: Path,
    models_folder: Path,
    windows: list[MainWindow],
) -> None:
    restored = write_tiny_llama(models_folder / "tiny.gguf")
    _first_window(qtbot, app_folder, windows, restored)
    picked = write_tiny_llama(models_folder / "other.gguf")

    window = _open(qtbot, app_folder, windows)
    qtbot.waitUntil(lambda: window.engines.state(restored) is EngineState.READY, timeout=READY_MS)
    engine = _serve(qtbot, window, picked)
    [restored_engine, picked_engine] = window.engines.engines()
    assert picked_engine is engine
    assert [(m.name, m.api_base) for m in window.models.models()] == [
        ("tiny", restored_engine.api_base),
        ("other", engine.api_base),
    ]
    assert window._workspace().gguf_files == {
        restored_engine.api_base: str(restored),
        engine.api_base: str(picked),
    }
    close_window(window)
    assert [restored_engine.returncode, engine.returncode] == [0, 0]


def test_the_hint_goes_with_the_model_it_was_about(
    qtbot: QtBot, app_folder: Path, models_folder: Path, windows: list[MainWindow]
) -> None:
    path = write_tiny_llama(models_folder / "tiny.gguf")
    _first_window(qtbot, app_folder, windows, path)
    path.unlink()
    window, _ = _open_failing(qtbot, app_folder, windows)
    dialog = window.findChild(QMessageBox, "errorDialog")
    assert dialog is not None
    dialog.close()
    summary = window.engines_panel.findChild(QLabel, "enginesSummary")
    assert summary is not None and "cannot answer until" in summary.text()
    assert "cannot answer until" in window.status.currentMessage()

    window.models.set_models([])  # the model removed: nothing waits for the file any more
    assert summary.text() == "1 failed"
    assert window.status.currentMessage() == ""
    model = window.engines_panel.model
    assert model.data(model.index(0, STATE), Qt.ItemDataRole.ToolTipRole) == (
        "tiny.gguf: no such file"
    )
    close_window(window)


def test_a_new_engine_never_takes_a_port_a_waiting_model_names(
    qtbot: QtBot,
    app_folder: Path,
    models_folder: Path,
    windows: list[MainWindow],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    first_path = write_tiny_llama(models_folder / "first.gguf")
    second_path = write_tiny_llama(models_folder / "second.gguf")
    window = _open(qtbot, app_folder, windows)
    window.models.set_models([])
    old = [_serve(qtbot, window, path) for path in (first_path, second_path)]
    close_window(window)
    old_ports = [engine.port for engine in old]
    assert None not in old_ports

    # The OS offers the old ports first (free again since the first window closed): were they
    # taken, one file's engine would answer in the other's place and both models would move.
    offered = [port for port in old_ports if port is not None]
    lock = threading.Lock()
    real = local_engine._bound_port

    def bound_port(host: str) -> int:
        with lock:
            if offered:
                return offered.pop()
        return real(host)

    monkeypatch.setattr(local_engine, "_bound_port", bound_port)
    window = _open(qtbot, app_folder, windows)
    qtbot.waitUntil(
        lambda: all(
            window.engines.state(path) is EngineState.READY for path in (first_path, second_path)
        ),
        timeout=READY_MS,
    )
    assert offered == []  # both were offered, and refused
    engines = {engine.path.name: engine for engine in window.engines.engines()}
    assert {engine.port for engine in engines.values()}.isdisjoint(old_ports)
    assert [(m.name, m.api_base) for m in window.models.models()] == [
        ("first", engines["first.gguf"].api_base),
        ("second", engines["second.gguf"].api_base),
    ]
    assert window._workspace().gguf_files == {
        engines["first.gguf"].api_base: str(first_path),
        engines["second.gguf"].api_base: str(second_path),
    }
    close_window(window)
