"""The results: a grid of cells (prompts x models) over a detail area for the selected cells.

Selecting one cell shows its full output (plain, Markdown or JSON) and the messages it was sent;
selecting two and choosing Compare shows a word-level diff. Cell actions (re-run, rate, copy,
restore the prompt) are on a context menu and the keyboard; the window decides what they do.
"""

from __future__ import annotations

import html

from PySide6.QtCore import QItemSelection, QModelIndex, QPersistentModelIndex, Qt, Signal, Slot
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QMenu,
    QPlainTextEdit,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ui.cell_delegate import CellDelegate, status_line
from ui.diff_view import DiffView
from ui.output_view import OutputView
from ui.readouts import footer_details
from ui.results_model import CellState, CellStatus, ResultsModel
from ui.widgets import push_button
from workbench.domain import Message


class ResultsPanel(QWidget):
    rerun_requested = Signal(int)  # cell index
    rate_requested = Signal(int, object)  # cell index, +1 / -1 / None
    prompt_restore_requested = Signal(object)  # PromptTemplate

    def __init__(self, model: ResultsModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("resultsPanel")
        self.model = model
        self.banner = QLabel("Press Ctrl+Enter to run every prompt against every model.")
        self.banner.setObjectName("resultsBanner")
        self.grid = QTableView()
        self.grid.setObjectName("resultsGrid")
        self.grid.setModel(model)
        self.grid.setItemDelegate(CellDelegate(self.grid))
        self.grid.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.grid.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.grid.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.grid.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.grid.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.grid.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.grid.horizontalHeader().setMinimumSectionSize(220)
        # Rows share the height while they fit, and scroll once they would be too short to read.
        self.grid.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.grid.verticalHeader().setMinimumSectionSize(120)
        self.grid.setWordWrap(True)
        self.grid.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)

        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.setObjectName("resultsSplitter")
        self.splitter.addWidget(self.grid)
        self.splitter.addWidget(self._detail())
        self.splitter.setSizes([400, 220])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.banner)
        layout.addWidget(self.splitter, 1)

        self._current: CellState | None = None
        self.cell_actions = self._make_actions()
        self.grid.selectionModel().selectionChanged.connect(self._on_grid_selection_changed)
        self.grid.customContextMenuRequested.connect(self._on_grid_context_menu)
        model.dataChanged.connect(self._on_model_data_changed)
        model.modelReset.connect(self._on_model_reset)

    def _detail(self) -> QWidget:
        """Below the grid: the selected cell's output, what it was sent, and the diff."""
        self.output_view = OutputView()
        self.sent_view = QPlainTextEdit()
        self.sent_view.setObjectName("sentMessages")
        self.sent_view.setReadOnly(True)
        self.details = QLabel("")
        self.details.setObjectName("cellDetails")
        self.details.setWordWrap(True)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        restore = push_button(
            "Restore this prompt into the editor",
            "Add this cell's prompt, as it was run, to the editor as a new column",
            "restorePrompt",
            self._on_restore_clicked,
        )
        sent = QWidget()
        sent_layout = QVBoxLayout(sent)
        sent_layout.setContentsMargins(0, 0, 0, 0)
        sent_layout.addWidget(self.sent_view, 1)
        sent_layout.addWidget(restore, 0, Qt.AlignmentFlag.AlignLeft)
        self.diff_view = DiffView()
        self.tabs = QTabWidget()
        self.tabs.setObjectName("detailTabs")
        self.tabs.addTab(self.output_view, "Output")
        self.tabs.addTab(sent, "Sent messages")
        self.tabs.addTab(self.diff_view, "Diff")
        detail = QWidget()
        detail_layout = QVBoxLayout(detail)
        detail_layout.setContentsMargins(0, 0, 0, 0)
        detail_layout.addWidget(self.details)
        detail_layout.addWidget(self.tabs, 1)
        return detail

    # --- actions ----------------------------------------------------------------------------------

    def _make_actions(self) -> dict[str, QAction]:
        specs = (
            ("rerun", "Re-run this cell", "Ctrl+R", self._on_rerun_triggered),
            ("copy", "Copy output", QKeySequence.StandardKey.Copy, self._on_copy_triggered),
            ("good", "Rate good", "+", lambda: self._rate(1)),
            ("bad", "Rate bad", "-", lambda: self._rate(-1)),
            ("unrate", "Clear rating", "0", lambda: self._rate(None)),
            ("compare", "Compare the two selected cells", "Ctrl+D", self.compare_selected),
            ("restore", "Restore this prompt into the editor", None, self._on_restore_clicked),
        )
        actions: dict[str, QAction] = {}
        for name, text, shortcut, slot in specs:
            action = QAction(text, self.grid)
            if shortcut is not None:
                action.setShortcut(QKeySequence(shortcut))
            action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
            action.triggered.connect(slot)
            self.grid.addAction(action)
            actions[name] = action
        return actions

    @Slot(object)
    def _on_grid_context_menu(self, position: object) -> None:
        menu = QMenu(self)
        for name in ("rerun", "copy", "good", "bad", "unrate", "compare", "restore"):
            menu.addAction(self.cell_actions[name])
        self.cell_actions["compare"].setEnabled(len(self.selected_states()) == 2)
        menu.popup(self.grid.viewport().mapToGlobal(position))  # type: ignore[call-overload]

    def selected_states(self) -> list[CellState]:
        states = [self.model.state_at(index) for index in self.grid.selectedIndexes()]
        return [state for state in states if state is not None]

    def select_cell(self, cell_index: int, *, add: bool = False) -> None:
        index = self.model.index_of(cell_index)
        flags = self.grid.selectionModel().SelectionFlag
        if add:
            self.grid.selectionModel().select(index, flags.Select)
        else:
            self.grid.setCurrentIndex(index)
            self.grid.selectionModel().select(index, flags.ClearAndSelect)

    @Slot()
    def _on_rerun_triggered(self) -> None:
        if self._current is not None:
            self.rerun_requested.emit(self._current.cell.index)

    @Slot()
    def _on_copy_triggered(self) -> None:
        if self._current is not None:
            QGuiApplication.clipboard().setText(self._current.output)

    def _rate(self, rating: int | None) -> None:
        for state in self.selected_states():
            if state.status is CellStatus.FINISHED:
                self.rate_requested.emit(state.cell.index, rating)

    @Slot()
    def _on_restore_clicked(self) -> None:
        if self._current is not None:
            self.prompt_restore_requested.emit(self._current.cell.prompt)

    @Slot()
    def compare_selected(self) -> None:
        states = self.selected_states()
        if len(states) != 2:
            self.diff_view.clear()
            self.tabs.setCurrentWidget(self.diff_view)
            return
        left, right = sorted(states, key=lambda state: state.cell.index)
        self.diff_view.set_pair(_title(left), left.output, _title(right), right.output)
        self.tabs.setCurrentWidget(self.diff_view)

    # --- following the model ----------------------------------------------------------------------

    @Slot(QItemSelection, QItemSelection)
    def _on_grid_selection_changed(self, _new: QItemSelection, _old: QItemSelection) -> None:
        states = self.selected_states()
        current = self.model.state_at(self.grid.currentIndex())
        self._show(current if current in states else (states[-1] if states else None))
        if len(states) == 2 and self.tabs.currentWidget() is self.diff_view:
            self.compare_selected()

    @Slot(QModelIndex, QModelIndex)
    def _on_model_data_changed(
        self, first: QModelIndex | QPersistentModelIndex, _last: QModelIndex
    ) -> None:
        if self._current is not None and self.model.state_at(first) is self._current:
            self._show_output(self._current)

    @Slot()
    def _on_model_reset(self) -> None:
        self._show(None)
        self.diff_view.clear()

    def _show(self, state: CellState | None) -> None:
        self._current = state
        if state is None:
            self.details.setText("Select a cell to read its output; select two to compare them.")
            self.output_view.set_output("")
            self.sent_view.setPlainText("")
            return
        self.sent_view.setPlainText(_sent_text(state.cell.messages))
        self._show_output(state)

    def _show_output(self, state: CellState) -> None:
        """The selected cell's output and readouts; called again as it streams."""
        result = state.result
        error = result.error if result is not None else None
        self.details.setText(f"<b>{html.escape(_title(state))}</b> — {status_line(state)}")
        self.details.setToolTip(footer_details(result) if result is not None else "")
        if error is not None and state.status is CellStatus.FAILED:
            self.output_view.set_error(error.message)
        else:
            self.output_view.set_output(state.output)


def _title(state: CellState) -> str:
    return f"{state.cell.prompt.name} × {state.cell.model.label}"


def _sent_text(messages: tuple[Message, ...]) -> str:
    return "\n\n".join(f"── {message.role} ──\n{message.content}" for message in messages)
