"""The History sidebar on a real store: lists, search, opening a run and restoring a prompt."""

from __future__ import annotations

import dataclasses
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

# GUI tests drive Qt directly; the ban on module-level Qt imports is for the layers below ui.
from PySide6.QtCore import QEvent, QModelIndex, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QApplication,
    QLabel,
    QLineEdit,
    QListView,
    QMenu,
    QTabWidget,
    QWidget,
)
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from storage.run_store import SqlRunStore
from storage.versions import PromptVersionInfo
from tests.storage.builders import PROMPT, failed, finished, plan
from ui.error_presenter import ErrorPresenter
from ui.history_model import ID_ROLE, PromptVersionsModel, RunsModel
from ui.history_panel import HistoryPanel
from ui.services import Services
from ui.store_handle import StoreHandle
from workbench.domain import Message, ModelParams, PromptTemplate
from workbench.store_api import RunInfo, RunStatus

W = TypeVar("W", bound=QWidget)

SUMMARISE = PromptTemplate(
    "summarise",
    (Message("system", "You write short summaries."), Message("user", "Summarise {{text}}")),
    description="one line",
    params=ModelParams(temperature=0.3, max_tokens=80),
    defaults={"text": "the wombat report"},
)


@pytest.fixture
def kolkata() -> Iterator[None]:
    """A fixed local zone (UTC+05:30, no daylight saving) so shown times are predictable."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = "Asia/Kolkata"
    time.tzset()
    yield
    if before is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = before
    time.tzset()


def _run(run_id: int = 12, **changes: Any) -> RunInfo:
    info = RunInfo(
        id=run_id,
        created_at="2026-11-21T14:03:27.120+00:00",
        status=RunStatus.FINISHED,
        cells=4,
        finished=4,
        failed=0,
        prompts=("greet", "summarise"),
        models=("gpt-4o-mini", "llama3"),
        cost_usd=0.0012,
    )
    return dataclasses.replace(info, **changes)


def _version(name: str = "greet", runs: int = 2) -> PromptVersionInfo:
    return PromptVersionInfo(
        id="3f2a9c1b" + "0" * 56,
        name=name,
        created_at="2026-11-21T14:03:27.120+00:00",
        preview="Be kind Hello {{who}}",
        runs=runs,
    )


# --- models --------------------------------------------------------------------------------


def test_runs_model_lines_in_local_time(qtmodeltester: ModelTester, kolkata: None) -> None:
    model = RunsModel()
    qtmodeltester.check(model)
    model.set_items([_run(), _run(11, status=RunStatus.CANCELLED, finished=1, failed=1)])
    qtmodeltester.check(model)
    first, second = (model.index(row, 0) for row in range(2))
    assert first.data() == (
        "#12  2026-11-21 19:33 · 2 prompts × 2 models · 4 cells · $0.0012 · finished"
    )
    assert second.data() == (
        "#11  2026-11-21 19:33 · 2 prompts × 2 models · 4 cells, 1 failed, 2 not run"
        " · $0.0012 · cancelled"
    )
    assert first.data(ID_ROLE) == 12
    assert first.data(Qt.ItemDataRole.ToolTipRole) == (
        "Prompts: greet, summarise\nModels: gpt-4o-mini, llama3"
    )
    assert "cancelled" in second.data(Qt.ItemDataRole.ToolTipRole)


def test_runs_model_shows_interrupted_and_unpriced_runs(
    qtmodeltester: ModelTester, kolkata: None
) -> None:
    model = RunsModel()
    interrupted = _run(
        3, status=RunStatus.INTERRUPTED, cells=1, finished=0, prompts=("greet",), cost_usd=None
    )
    model.set_items([interrupted])
    qtmodeltester.check(model)
    index = model.index(0, 0)
    assert index.data() == (
        "#3  2026-11-21 19:33 · 1 prompt × 2 models · 1 cell, 1 not run · cost unknown"
        " · interrupted"
    )
    assert "resume" in index.data(Qt.ItemDataRole.ToolTipRole)


def test_versions_model_lines_and_previews(qtmodeltester: ModelTester, kolkata: None) -> None:
    model = PromptVersionsModel()
    model.set_items([_version(), _version("summarise", runs=0)])
    qtmodeltester.check(model)
    first, second = (model.index(row, 0) for row in range(2))
    assert first.data() == "greet · 2026-11-21 19:33 · 3f2a9c1b · 2 runs"
    assert second.data() == "summarise · 2026-11-21 19:33 · 3f2a9c1b · not run yet"
    assert first.data(Qt.ItemDataRole.ToolTipRole) == "Be kind Hello {{who}}"
    assert first.data(ID_ROLE) == _version().id
    model.set_items([])
    assert model.rowCount() == 0


# --- the panel -----------------------------------------------------------------------------


@pytest.fixture
def panel(qtbot: QtBot, services: Services, presenter: ErrorPresenter) -> HistoryPanel:
    made = HistoryPanel(services, presenter)
    qtbot.addWidget(made)
    with qtbot.waitSignal(made.history_loaded, timeout=10_000):
        pass  # the first load was asked for by the constructor
    return made


def _child(parent: QWidget, kind: type[W], name: str | None = None) -> W:
    found = parent.findChild(kind, name) if name else parent.findChild(kind)
    assert found is not None, f"no {kind.__name__} {name or ''} in {parent.objectName()}"
    return found


def _store(services: Services, fn: object) -> object:
    assert callable(fn)
    return services.store.call(fn).result(10)


def _kept_run(services: Services, output: str, fail_second: bool = False) -> int:
    def keep(store: SqlRunStore) -> int:
        cells = plan(models=("m1",), cases=2)
        run_id = store.start_run(cells, {})
        store.save_cell(run_id, finished(cells[0], output))
        if fail_second:
            store.save_cell(run_id, failed(cells[1]))
        store.finish_run(run_id, RunStatus.FINISHED)
        return run_id

    run_id = _store(services, keep)
    assert isinstance(run_id, int)
    return run_id


def _refresh(qtbot: QtBot, panel: HistoryPanel) -> None:
    with qtbot.waitSignal(panel.history_loaded, timeout=10_000):
        panel.refresh()


def _ids(view: QListView) -> list[object]:
    model = view.model()
    return [model.index(row, 0).data(ID_ROLE) for row in range(model.rowCount())]


def test_an_empty_history_explains_itself(panel: HistoryPanel) -> None:
    assert panel.objectName() == "historyPanel"
    runs_empty = _child(panel, QLabel, "runsPlaceholder")
    prompts_empty = _child(panel, QLabel, "promptsPlaceholder")
    assert runs_empty.isVisibleTo(panel)
    assert runs_empty.text().startswith("No runs yet.")
    assert prompts_empty.text().startswith("No prompt versions yet.")
    assert not _child(panel, QListView, "runsList").isVisibleTo(panel)
    tabs = _child(panel, QTabWidget)
    assert [tabs.tabText(i) for i in range(tabs.count())] == ["Runs", "Prompts"]


def test_refresh_lists_new_runs_and_prompts(
    qtbot: QtBot, services: Services, panel: HistoryPanel
) -> None:
    first = _kept_run(services, "a purple answer")
    second = _kept_run(services, "a zebra answered", fail_second=True)
    _refresh(qtbot, panel)
    runs = _child(panel, QListView, "runsList")
    assert runs.isVisibleTo(panel)
    assert _ids(runs) == [second, first]
    assert "1 failed" in runs.model().index(0, 0).data()
    prompts = _child(panel, QListView, "promptsList")
    assert [v.name for v in panel.versions_model.items] == ["greet"]
    assert prompts.model().index(0, 0).data().endswith("· 2 runs")


def test_search_filters_both_lists_after_a_pause(
    qtbot: QtBot, services: Services, panel: HistoryPanel
) -> None:
    _kept_run(services, "a purple answer")
    zebra = _kept_run(services, "a zebra answered")
    _store(services, lambda store: store.save_prompt(SUMMARISE))
    _refresh(qtbot, panel)
    assert len(panel.runs_model.items) == 2
    search = _child(panel, QLineEdit, "historySearch")
    shown: list[int] = []  # runs listed at each load
    panel.history_loaded.connect(lambda: shown.append(len(panel.runs_model.items)))
    with qtbot.waitSignal(panel.history_loaded, timeout=10_000):
        QTest.keyClicks(search, "zebra")
    assert _ids(_child(panel, QListView, "runsList")) == [zebra]
    # The store answers in order: a load per key ("z", "ze", ... match no run) would have
    # arrived before this one. Typing made exactly one load, after it stopped.
    _refresh(qtbot, panel)
    assert shown == [1, 1]
    assert panel.versions_model.items == []
    assert "No prompt versions match “zebra”" in (
        _child(panel, QLabel, "promptsPlaceholder").text()
    )

    with qtbot.waitSignal(panel.history_loaded, timeout=10_000):
        search.setText("summaries")
    assert panel.runs_model.items == []
    assert [v.name for v in panel.versions_model.items] == ["summarise"]
    assert "No runs match “summaries”" in _child(panel, QLabel, "runsPlaceholder").text()


def test_enter_on_a_run_asks_to_open_it(
    qtbot: QtBot, services: Services, panel: HistoryPanel
) -> None:
    run_id = _kept_run(services, "a purple answer")
    _refresh(qtbot, panel)
    panel.show()
    qtbot.waitExposed(panel)
    runs = _child(panel, QListView, "runsList")
    runs.setCurrentIndex(runs.model().index(0, 0))
    runs.setFocus()
    with qtbot.waitSignal(panel.run_open_requested, timeout=5_000) as opened:
        QTest.keyClick(runs, Qt.Key.Key_Return)
    assert opened.args == [run_id]


def test_double_clicking_a_version_restores_the_saved_prompt(
    qtbot: QtBot, services: Services, panel: HistoryPanel
) -> None:
    _store(services, lambda store: store.save_prompt(SUMMARISE))
    _refresh(qtbot, panel)
    panel.show()
    qtbot.waitExposed(panel)
    _child(panel, QTabWidget).setCurrentIndex(1)
    prompts = _child(panel, QListView, "promptsList")
    rect = prompts.visualRect(prompts.model().index(0, 0))
    viewport, left = prompts.viewport(), Qt.MouseButton.LeftButton
    plain = Qt.KeyboardModifier.NoModifier
    with qtbot.waitSignal(panel.prompt_restore_requested, timeout=5_000) as restored:
        # QTest sends a lone double-click event; a real one follows a press and release.
        QTest.mouseClick(viewport, left, plain, rect.center())
        QTest.mouseDClick(viewport, left, plain, rect.center())
    assert restored.args == [SUMMARISE]


def test_context_menus_open_runs_and_restore_prompts(
    qtbot: QtBot, services: Services, panel: HistoryPanel
) -> None:
    run_id = _kept_run(services, "a purple answer")
    _refresh(qtbot, panel)
    panel.show()
    qtbot.waitExposed(panel)

    def choose(view: QListView, text: str) -> None:
        view.customContextMenuRequested.emit(view.visualRect(view.model().index(0, 0)).center())
        menu = _child(panel, QMenu, "historyMenu")
        (action,) = menu.actions()
        assert action.text() == text
        action.trigger()
        menu.close()
        # The menu deletes itself on close; let that happen before the next one is looked up.
        QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        assert panel.findChild(QMenu, "historyMenu") is None

    with qtbot.waitSignal(panel.run_open_requested, timeout=5_000) as opened:
        choose(_child(panel, QListView, "runsList"), "Open run")
    assert opened.args == [run_id]
    _child(panel, QTabWidget).setCurrentIndex(1)
    with qtbot.waitSignal(panel.prompt_restore_requested, timeout=5_000) as restored:
        choose(_child(panel, QListView, "promptsList"), "Restore into editor")
    assert restored.args == [PROMPT]


def test_a_menu_left_open_across_a_reload_acts_on_its_own_run(
    qtbot: QtBot, services: Services, panel: HistoryPanel
) -> None:
    first = _kept_run(services, "a purple answer")
    _refresh(qtbot, panel)
    panel.show()
    qtbot.waitExposed(panel)
    runs = _child(panel, QListView, "runsList")
    runs.customContextMenuRequested.emit(runs.visualRect(runs.model().index(0, 0)).center())
    _kept_run(services, "a zebra answered")
    _refresh(qtbot, panel)  # a run ended while the menu was up: the list was reset under it
    assert _ids(runs)[1] == first
    with qtbot.waitSignal(panel.run_open_requested, timeout=5_000) as opened:
        _child(panel, QMenu, "historyMenu").actions()[0].trigger()
    assert opened.args == [first]


def test_a_context_menu_off_the_rows_offers_nothing(panel: HistoryPanel) -> None:
    runs = _child(panel, QListView, "runsList")
    runs.customContextMenuRequested.emit(runs.rect().bottomRight())
    assert panel.findChild(QMenu, "historyMenu") is None


def test_store_faults_go_to_the_presenter(
    qtbot: QtBot, services: Services, panel: HistoryPanel, presenter: ErrorPresenter
) -> None:
    with qtbot.waitSignal(presenter.shown, timeout=5_000):
        panel.restore_version("0" * 64)
    assert presenter.history[-1][0] == "Could not restore the prompt version"
    assert "no prompt version 000000000000" in presenter.history[-1][1]

    def break_search(store: SqlRunStore) -> None:
        with store.engine.begin() as connection:
            connection.exec_driver_sql("DROP TABLE cells_fts")

    _store(services, break_search)
    with qtbot.waitSignal(presenter.shown, timeout=5_000):
        _child(panel, QLineEdit, "historySearch").setText("zebra")
    title, text = presenter.history[-1]
    assert title == "Could not load the history"
    assert "cells_fts" in text


def test_a_panel_made_before_the_store_opens_loads_when_it_is_ready(
    qtbot: QtBot, services: Services, presenter: ErrorPresenter, tmp_path: Path
) -> None:
    handle = StoreHandle(services.background, str(tmp_path / "later.db"))
    made = HistoryPanel(dataclasses.replace(services, store=handle), presenter)
    qtbot.addWidget(made)
    assert _child(made, QLabel, "runsPlaceholder").text() == "Opening the store…"
    made.refresh()  # before the store opens: nothing to ask yet, no error
    try:
        with qtbot.waitSignal(made.history_loaded, timeout=10_000):
            handle.open()
        assert _child(made, QLabel, "runsPlaceholder").text().startswith("No runs yet.")
        assert presenter.history == []
    finally:
        handle.close()


def test_a_store_that_fails_to_open_says_so(
    qtbot: QtBot, services: Services, presenter: ErrorPresenter, tmp_path: Path
) -> None:
    broken = tmp_path / "not-a-store.db"
    broken.write_bytes(b"this is not an SQLite database, it is a note")
    handle = StoreHandle(services.background, str(broken))
    made = HistoryPanel(dataclasses.replace(services, store=handle), presenter)
    qtbot.addWidget(made)
    with qtbot.waitSignal(handle.failed, timeout=10_000):
        handle.open()
    assert "could not be opened" in _child(made, QLabel, "runsPlaceholder").text()


def test_activating_keeps_working_after_a_reload(
    qtbot: QtBot, services: Services, panel: HistoryPanel
) -> None:
    first = _kept_run(services, "a purple answer")
    _refresh(qtbot, panel)
    runs = _child(panel, QListView, "runsList")
    runs.setCurrentIndex(runs.model().index(0, 0))
    _kept_run(services, "a zebra answered")
    _refresh(qtbot, panel)
    assert runs.currentIndex().data(ID_ROLE) == first  # the same run stays current
    assert runs.currentIndex() != QModelIndex()
