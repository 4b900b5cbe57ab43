"""GUI tests drive real widgets offscreen: no display is needed or touched."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# Imported after the platform is chosen above.
from PySide6.QtWidgets import QWidget

from ui.background import Background
from ui.error_presenter import ErrorPresenter
from ui.preferences import Preferences
from ui.services import Services
from ui.store_handle import StoreHandle
from ui.task_bridge import LoopThread
from workbench.secrets import KeyringStore


@pytest.fixture
def services(tmp_path: Path, qapp: object) -> Iterator[Services]:
    """The window's services on a fresh store and settings file in `tmp_path`."""
    background = Background()
    loop = LoopThread().start()
    store = StoreHandle(background, str(tmp_path / "workbench.db"))
    store.open().result(30)
    built = Services(
        background=background,
        loop=loop,
        prefs=Preferences(tmp_path / "settings.ini"),
        store=store,
        keys=KeyringStore(),
    )
    yield built
    store.close()
    background.shutdown()
    loop.stop()


@pytest.fixture
def presenter(qtbot: QtBot) -> ErrorPresenter:
    """An error presenter on a throwaway window; `presenter.history` lists what it showed."""
    window = QWidget()
    qtbot.addWidget(window)
    return ErrorPresenter(window)
