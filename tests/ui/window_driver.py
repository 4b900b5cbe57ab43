"""Helpers for driving the real main window in tests, as a person would."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from ui.app import shut_down
from ui.background import Background
from ui.main_window import MainWindow
from ui.preferences import Preferences
from ui.results_model import CellStatus
from ui.services import Services
from ui.store_handle import StoreHandle
from ui.task_bridge import LoopThread
from workbench.secrets import KeyringStore


def open_services(folder: Path) -> Services:
    """Services as the app builds them, on the store and settings in `folder`."""
    background = Background()
    store = StoreHandle(background, str(folder / "workbench.db"))
    store.open().result(30)
    return Services(
        background=background,
        loop=LoopThread().start(),
        prefs=Preferences(folder / "settings.ini"),
        store=store,
        keys=KeyringStore(),
    )


def open_window(qtbot: QtBot, services: Services) -> MainWindow:
    """The window shown, its workspace restored and its history loaded."""
    window = MainWindow(services)
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.keeper.restored, timeout=10_000):
        window.keeper.load()
    window.history.refresh()
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)  # window shortcuts (Ctrl+Enter) need it active
    return window


def close_window(window: MainWindow) -> None:
    window.close()
    shut_down(window.services)


def type_into(widget: QWidget, text: str) -> None:
    """Type `text` key by key into a text widget, as a person would."""
    widget.setFocus()
    QTest.keyClicks(widget, text)


def press(widget: QWidget, key: Qt.Key, modifier: Qt.KeyboardModifier | None = None) -> None:
    widget.setFocus()
    QTest.keyClick(widget, key, modifier or Qt.KeyboardModifier.NoModifier)


def press_run(window: MainWindow) -> None:
    """Ctrl+Enter, the way a person starts a run, with focus in the editor."""
    press(
        window.editor.columns[0].system_edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier
    )


def statuses(window: MainWindow) -> list[CellStatus]:
    return [state.status for state in window.results_model.states()]


def all_ended(window: MainWindow) -> bool:
    states = window.results_model.states()
    return bool(states) and all(
        state.status not in (CellStatus.PENDING, CellStatus.RUNNING) for state in states
    )
