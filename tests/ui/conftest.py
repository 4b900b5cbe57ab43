"""GUI tests drive real widgets offscreen: no display is needed or touched."""

from __future__ import annotations

import gc
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# Imported after the platform is chosen above.
from PySide6.QtWidgets import QWidget

from tests.ui.window_driver import open_services
from ui.app import shut_down
from ui.collector import GuiThreadCollector
from ui.error_presenter import ErrorPresenter
from ui.services import Services


@pytest.fixture(scope="session", autouse=True)
def _collect_on_the_gui_thread(qapp: object) -> Iterator[None]:
    """As the app does: no cycle holding a widget is ever destroyed on a worker thread."""
    collector = GuiThreadCollector()
    yield
    collector.stop()


@pytest.fixture(autouse=True)
def _collect_after_each_test() -> Iterator[None]:
    # The windows a test left behind go now, on this thread, not in the middle of the next test.
    yield
    gc.collect()


@pytest.fixture
def services(tmp_path: Path, qapp: object) -> Iterator[Services]:
    """The window's services on a fresh store and settings file in `tmp_path`."""
    built = open_services(tmp_path)
    yield built
    shut_down(built)


@pytest.fixture
def presenter(qtbot: QtBot) -> ErrorPresenter:
    """An error presenter on a throwaway window; `presenter.history` lists what it showed."""
    window = QWidget()
    qtbot.addWidget(window)
    return ErrorPresenter(window)
