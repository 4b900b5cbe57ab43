"""The History sidebar: kept runs and prompt versions, searched through the store's full-text index.

Every read runs on the store lane; the store lane is one thread and answers arrive in the order
asked, so the newest search's answer is always the one left showing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QPoint, Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import (
    QLabel,
    QLineEdit,
    QListView,
    QMenu,
    QStackedLayout,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ui.error_presenter import ErrorPresenter
from ui.history_model import ID_ROLE, PromptVersionsModel, RunsModel
from ui.services import Services
from workbench.store_api import HistoryQuery, RunInfo

if TYPE_CHECKING:
    from storage.run_store import SqlRunStore
    from storage.versions import PromptVersionInfo

LIMIT = 200  # rows per list: enough to browse, small enough to reset the models on every load
DEBOUNCE_MS = 250

Loaded = tuple[str, list[RunInfo], list["PromptVersionInfo"]]


class HistoryPanel(QWidget):
    """Lists kept runs and prompt versions; asks the window to open a run or restore a prompt."""

    run_open_requested = Signal(int)  # a run's id
    prompt_restore_requested = Signal(object)  # the PromptTemplate of the chosen version
    history_loaded = Signal()  # both lists show the newest answer from the store

    def __init__(
        self, services: Services, presenter: ErrorPresenter, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("historyPanel")
        self._services = services
        self._presenter = presenter

        self._search = QLineEdit(self)
        self._search.setObjectName("historySearch")
        self._search.setPlaceholderText("Search prompts and outputs")
        self._search.setClearButtonEnabled(True)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(DEBOUNCE_MS)
        self._debounce.timeout.connect(self.refresh)
        self._search.textChanged.connect(self._debounce.start)
        self._search.returnPressed.connect(self.refresh)

        self._runs = RunsModel(self)
        self._versions = PromptVersionsModel(self)
        self._runs_view = self._list("runsList", self._runs, "Open run", self._open_run)
        self._versions_view = self._list(
            "promptsList", self._versions, "Restore into editor", self._restore
        )
        self._runs_empty = self._placeholder("runsPlaceholder")
        self._versions_empty = self._placeholder("promptsPlaceholder")
        runs_page, self._runs_stack = self._stack(self._runs_view, self._runs_empty)
        versions_page, self._versions_stack = self._stack(self._versions_view, self._versions_empty)
        self._tabs = QTabWidget(self)
        self._tabs.setObjectName("historyTabs")
        self._tabs.addTab(runs_page, "Runs")
        self._tabs.addTab(versions_page, "Prompts")

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._search)
        layout.addWidget(self._tabs)

        store = services.store
        if store.is_open:
            self.refresh()
        else:
            self._show_placeholders("Opening the store…", "Opening the store…")
            store.ready.connect(self._on_store_ready)
            store.failed.connect(self._on_store_failed)

    @property
    def runs_model(self) -> RunsModel:
        return self._runs

    @property
    def versions_model(self) -> PromptVersionsModel:
        return self._versions

    @Slot()
    def refresh(self) -> None:
        """Reload both lists with the current search (the window calls this when a run ends)."""
        self._debounce.stop()
        if not self._services.store.is_open:
            return  # `ready` loads the lists once the store opens
        search = self._search.text().strip()

        def load(store: SqlRunStore) -> Loaded:
            query = HistoryQuery(search=search or None, limit=LIMIT)
            versions = store.prompt_versions(search=search or None, limit=LIMIT)
            return search, store.history(query), versions

        self._services.store.call(load, self._on_loaded, self._on_load_failed, owner=self)

    def restore_version(self, version_id: str) -> None:
        """Load a prompt version on the store lane and hand it to the window for the editor."""
        self._services.store.call(
            lambda store: store.load_prompt_version(version_id),
            self.prompt_restore_requested.emit,
            lambda exc: self._presenter.present(exc, "restore the prompt version"),
            owner=self,
        )

    # --- answers from the store --------------------------------------------------------

    def _on_loaded(self, loaded: Loaded) -> None:
        search, runs, versions = loaded
        self._reset(self._runs_view, lambda: self._runs.set_items(runs))
        self._reset(self._versions_view, lambda: self._versions.set_items(versions))
        if search:
            runs_text = f"No runs match “{search}”. Try other words, or clear the search."
            versions_text = (
                f"No prompt versions match “{search}”. Try other words, or clear the search."
            )
        else:
            runs_text = (
                "No runs yet. Every run you start is kept here; double-click one to open it again."
            )
            versions_text = (
                "No prompt versions yet. Every prompt you run is kept here as a version; "
                "double-click one to restore it into the editor."
            )
        self._show_placeholders(runs_text, versions_text)
        self.history_loaded.emit()

    def _on_load_failed(self, exc: BaseException) -> None:
        self._presenter.present(exc, "load the history")

    @Slot(str)
    def _on_store_ready(self, _location: str) -> None:
        self.refresh()

    @Slot(object)
    def _on_store_failed(self, _exc: object) -> None:
        text = "The store could not be opened, so there is no history to show."
        self._show_placeholders(text, text)

    # --- user actions ------------------------------------------------------------------

    def _open_run(self, run_id: object) -> None:
        assert isinstance(run_id, int)
        self.run_open_requested.emit(run_id)

    def _restore(self, version_id: object) -> None:
        self.restore_version(str(version_id))

    def _show_menu(
        self, view: QListView, pos: QPoint, text: str, act: Callable[[object], None]
    ) -> None:
        index = view.indexAt(pos)
        if not index.isValid():
            return
        # The id, not the index: a reload (a run ending) may reset the list while the menu is up.
        item_id = index.data(ID_ROLE)
        menu = QMenu(self)
        menu.setObjectName("historyMenu")
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        menu.addAction(text, lambda: act(item_id))
        menu.popup(view.viewport().mapToGlobal(pos))

    # --- building ----------------------------------------------------------------------

    def _list(
        self,
        name: str,
        model: RunsModel | PromptVersionsModel,
        action: str,
        act: Callable[[object], None],
    ) -> QListView:
        """A list whose items are acted on (with their id) by Enter, double-click or its menu."""
        view = QListView(self)
        view.setObjectName(name)
        view.setModel(model)
        view.setUniformItemSizes(True)
        view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        view.activated.connect(lambda index: act(index.data(ID_ROLE)))
        view.customContextMenuRequested.connect(lambda pos: self._show_menu(view, pos, action, act))
        return view

    def _placeholder(self, name: str) -> QLabel:
        label = QLabel(self)
        label.setObjectName(name)
        label.setWordWrap(True)
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        return label

    def _stack(self, view: QListView, placeholder: QLabel) -> tuple[QWidget, QStackedLayout]:
        """A tab page showing the list, or the placeholder while the list is empty."""
        page = QWidget(self)
        stack = QStackedLayout(page)
        stack.addWidget(view)
        stack.addWidget(placeholder)
        return page, stack

    def _show_placeholders(self, runs_text: str, versions_text: str) -> None:
        for stack, view, label, text in (
            (self._runs_stack, self._runs_view, self._runs_empty, runs_text),
            (self._versions_stack, self._versions_view, self._versions_empty, versions_text),
        ):
            label.setText(text)
            stack.setCurrentWidget(label if view.model().rowCount() == 0 else view)

    @staticmethod
    def _reset(view: QListView, fill: Callable[[], None]) -> None:
        """Refill a list, keeping the same item current when it is still there."""
        current = view.currentIndex().data(ID_ROLE)
        fill()
        model = view.model()
        for row in range(model.rowCount()):
            if current is not None and model.index(row, 0).data(ID_ROLE) == current:
                view.setCurrentIndex(model.index(row, 0))
                break
