"""The "Local engines" dock: the GGUF files the window serves with llama.cpp, and their output.

One row per file (its name, starting / ready / failed / stopped, the port, how long the model took
to load); below, the selected engine's output as the engine printed it, following new lines. A
failure shows in its row and through the window's presenter, because the start may have been
asked for from elsewhere (the Models dock) while this dock was hidden.

The rows are built from the manager's signals only: the panel never asks a process anything.
"""

from __future__ import annotations

import collections
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QDir,
    QItemSelection,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Slot,
)
from PySide6.QtGui import QBrush, QColor, QFontDatabase
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ui.error_presenter import ErrorPresenter
from ui.local_engines import EngineManager, EngineState, engine_key
from ui.widgets import push_button
from workbench.local_engine import EngineProcess

GGUF_FILTERS = ("GGUF models (*.gguf)", "All files (*)")
LOG_LINES = 2000  # per engine, as many as the engine itself keeps
COLUMNS = ("File", "State", "Port", "Load")
FILE, STATE, PORT, LOAD = range(len(COLUMNS))
_WARNING = QColor(176, 84, 0)  # as the Models table's missing keys
_Role = Qt.ItemDataRole
Index = QModelIndex | QPersistentModelIndex


def open_gguf_dialog(parent: QWidget, chosen: Callable[[Path], object]) -> QFileDialog:
    """Ask for a .gguf file without blocking (`open()`); `chosen(path)` follows an accept."""
    dialog = QFileDialog(parent, "Run a GGUF model file", QDir.homePath())
    dialog.setObjectName("ggufFileDialog")
    dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
    dialog.setNameFilters(list(GGUF_FILTERS))  # "All files": some GGUF files end in .bin
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.fileSelected.connect(lambda name: chosen(Path(name)))
    dialog.open()
    return dialog


@dataclass(frozen=True, slots=True)
class EngineRow:
    path: str
    state: EngineState
    port: int | None = None
    load_ms: float | None = None
    message: str = ""  # why it failed
    hint: str = ""  # what the failure means for the models that wait for this file

    def state_text(self) -> str:
        if self.state is EngineState.FAILED and self.message:
            return f"failed: {self.message.splitlines()[0]}"
        return self.state.value

    def load_text(self) -> str:
        return "" if self.load_ms is None else f"loaded in {self.load_ms / 1000:.1f} s"


class EnginesModel(QAbstractTableModel):
    """The engines of this session, one row per file, in the order they were first started."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[EngineRow] = []

    def rows(self) -> list[EngineRow]:
        return list(self._rows)

    def row_of(self, path: str) -> int | None:
        for number, row in enumerate(self._rows):
            if row.path == path:
                return number
        return None

    def row_at(self, number: int) -> EngineRow:
        return self._rows[number]

    def put(self, row: EngineRow) -> int:
        """Add `row`, or replace the row of the same file; its row number."""
        number = self.row_of(row.path)
        if number is None:
            number = len(self._rows)
            self.beginInsertRows(QModelIndex(), number, number)
            self._rows.append(row)
            self.endInsertRows()
        else:
            self._rows[number] = row
            self.dataChanged.emit(self.index(number, 0), self.index(number, len(COLUMNS) - 1))
        return number

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802 - Qt's API
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802 - Qt's API
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(  # noqa: N802 - Qt's API
        self, section: int, orientation: Qt.Orientation, role: int = _Role.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == _Role.DisplayRole:
            return COLUMNS[section] if 0 <= section < len(COLUMNS) else None
        return super().headerData(section, orientation, role)

    def data(self, index: Index, role: int = _Role.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row, column = self._rows[index.row()], index.column()
        if role == _Role.DisplayRole:
            return (
                Path(row.path).name,
                row.state_text(),
                "" if row.port is None else str(row.port),
                row.load_text(),
            )[column]
        if role == _Role.ToolTipRole:
            if column == STATE and row.message:
                return "\n\n".join(text for text in (row.message, row.hint) if text)
            return row.path
        if role == _Role.ForegroundRole and column == STATE and row.state is EngineState.FAILED:
            return QBrush(_WARNING)
        return None


def _log_view() -> QPlainTextEdit:
    log = QPlainTextEdit()
    log.setObjectName("engineLog")
    log.setReadOnly(True)
    log.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
    log.setMaximumBlockCount(LOG_LINES)
    log.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
    log.setPlaceholderText("The selected engine's output shows here.")
    return log


class EnginesPanel(QWidget):
    """The dock's contents; starts and stops go through the window's `EngineManager`."""

    def __init__(
        self, manager: EngineManager, presenter: ErrorPresenter, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("enginesPanel")
        self._manager = manager
        self._presenter = presenter
        self._logs: dict[str, collections.deque[str]] = {}
        self.model = EnginesModel(self)

        self._summary = QLabel()
        self._summary.setObjectName("enginesSummary")
        self._summary.setWordWrap(True)
        self.table = QTableView()
        self.table.setObjectName("enginesTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(False)  # a long failure reads in full in its tooltip
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(STATE, QHeaderView.ResizeMode.Stretch)
        self.log = _log_view()
        # Sticks to the last line unless the reader scrolled up. Kept from the scroll bar's own
        # signals: its range grows only once the new lines are laid out (later, or when the
        # dock is first shown), so comparing value and maximum at append time saw a stale end.
        self._pinned = True
        bar = self.log.verticalScrollBar()
        bar.valueChanged.connect(self._on_log_scrolled)
        bar.rangeChanged.connect(self._on_log_range_changed)
        self._stop = push_button(
            "Stop", "Stop the selected engine", "stopEngineButton", self._on_stop_clicked
        )
        self._stop.setEnabled(False)
        run = push_button(
            "Run a GGUF file…",
            "Serve a .gguf model file with llama.cpp on this machine; its model joins the list",
            "runGgufButton",
            self.ask_for_file,
        )

        buttons = QHBoxLayout()
        buttons.addWidget(self._summary, 1)
        buttons.addWidget(self._stop)
        buttons.addWidget(run)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.setObjectName("enginesSplitter")
        splitter.addWidget(self.table)
        splitter.addWidget(self.log)
        splitter.setSizes([120, 280])
        layout = QVBoxLayout(self)
        layout.addLayout(buttons)
        layout.addWidget(splitter, 1)

        manager.engine_starting.connect(self._on_manager_engine_starting)
        manager.engine_ready.connect(self._on_manager_engine_ready)
        manager.engine_failed.connect(self._on_manager_engine_failed)
        manager.engine_stopped.connect(self._on_manager_engine_stopped)
        manager.engine_output.connect(self._on_manager_engine_output)
        self.table.selectionModel().selectionChanged.connect(self._on_table_selection_changed)
        self._show_summary()

    # --- public interface ---------------------------------------------------------------------

    def ask_for_file(self) -> QFileDialog:
        return open_gguf_dialog(self, self.run_file)

    def run_file(self, path: Path) -> None:
        """Start (or show, when it already runs) the engine for `path`."""
        self._manager.start(path)
        self.select(engine_key(path))

    def select(self, path: str) -> None:
        number = self.model.row_of(path)
        if number is not None:
            self.table.selectRow(number)

    def note(self, path: str, hint: str) -> None:
        """Say under the engines what `path`'s failure means (the models waiting for it)."""
        self._update(path, hint=hint)

    def selected_path(self) -> str | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.row_at(rows[0].row()).path if rows else None

    # --- the manager's signals ----------------------------------------------------------------

    @Slot(str)
    def _on_manager_engine_starting(self, path: str) -> None:
        self._logs[path] = collections.deque(maxlen=LOG_LINES)
        self.model.put(EngineRow(path, EngineState.STARTING))
        self.select(path)
        if self.selected_path() == path:
            self.log.clear()  # a restart of the selected file: its old run's lines go
        self._after_change()

    @Slot(object)
    def _on_manager_engine_ready(self, engine: EngineProcess) -> None:
        path = engine_key(engine.path)
        self.model.put(EngineRow(path, EngineState.READY, engine.port, engine.load_ms))
        self._after_change()

    @Slot(str, str)
    def _on_manager_engine_failed(self, path: str, message: str) -> None:
        self._update(path, state=EngineState.FAILED, message=message)
        self._presenter.warn(f"Could not run {Path(path).name}", message)

    @Slot(str)
    def _on_manager_engine_stopped(self, path: str) -> None:
        self._update(path, state=EngineState.STOPPED)

    @Slot(str, str)
    def _on_manager_engine_output(self, path: str, lines: str) -> None:
        self._logs.setdefault(path, collections.deque(maxlen=LOG_LINES)).extend(lines.split("\n"))
        if path == self.selected_path():
            self._append(lines)

    # --- the panel's own ----------------------------------------------------------------------

    def _update(self, path: str, **changes: Any) -> None:
        number = self.model.row_of(path)
        if number is not None:
            self.model.put(replace(self.model.row_at(number), **changes))
        self._after_change()

    def _after_change(self) -> None:
        self._show_summary()
        self._enable_stop()

    def _show_summary(self) -> None:
        rows = self.model.rows()
        if not rows:
            self._summary.setText("No engine yet: run a GGUF file to serve it on this machine.")
            return
        counts = collections.Counter(row.state for row in rows)
        shown = (EngineState.READY, EngineState.STARTING, EngineState.FAILED)
        parts = [f"{counts[state]} {state.value}" for state in shown if counts[state]]
        hints = [row.hint for row in rows if row.state is EngineState.FAILED and row.hint]
        self._summary.setText("\n".join([", ".join(parts) or "No engine running", *hints]))

    def _enable_stop(self) -> None:
        path = self.selected_path()
        number = None if path is None else self.model.row_of(path)
        live = (EngineState.STARTING, EngineState.READY)
        self._stop.setEnabled(number is not None and self.model.row_at(number).state in live)

    def _append(self, lines: str) -> None:
        pinned = self._pinned
        self.log.appendPlainText(lines)
        if pinned:
            self._to_end()

    @Slot(int)
    def _on_log_scrolled(self, value: int) -> None:
        self._pinned = value >= self.log.verticalScrollBar().maximum()

    @Slot(int, int)
    def _on_log_range_changed(self, _low: int, high: int) -> None:
        if self._pinned:
            self.log.verticalScrollBar().setValue(high)

    @Slot(QItemSelection, QItemSelection)
    def _on_table_selection_changed(self, *_selections: QItemSelection) -> None:
        path = self.selected_path()
        self.log.setPlainText("\n".join(self._logs.get(path, ())) if path is not None else "")
        self._to_end()
        self._enable_stop()

    def _to_end(self) -> None:
        self._pinned = True
        bar = self.log.verticalScrollBar()
        bar.setValue(bar.maximum())
        self.log.horizontalScrollBar().setValue(0)  # lines read from their start

    @Slot()
    def _on_stop_clicked(self) -> None:
        path = self.selected_path()
        if path is not None:
            self._manager.stop(path)
