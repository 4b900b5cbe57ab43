"""Variables: the names the prompts use, and a large editor for the selected one's value.

A master-detail layout rather than in-table editing, because values are often long multi-line
texts (a document to summarise, a transcript). The editor writes through to the model at once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from PySide6.QtCore import QItemSelection, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ui.variables_model import VariablesModel


class VariablesPanel(QWidget):
    values_changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("variablesPanel")
        self.model = VariablesModel()
        self.table = QTableView()
        self.table.setObjectName("variablesTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.editor = QPlainTextEdit()
        self.editor.setObjectName("variableValue")
        self.editor.setPlaceholderText("Select a variable to edit its value")
        self.editor.setEnabled(False)
        self._label = QLabel("Value")
        self._hint = QLabel("Variables appear here as you type {{name}} in a prompt.")
        self._hint.setWordWrap(True)
        detail = QWidget()
        detail_layout = QVBoxLayout(detail)
        detail_layout.setContentsMargins(0, 0, 0, 0)
        detail_layout.addWidget(self._label)
        detail_layout.addWidget(self.editor)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(detail)
        splitter.setSizes([120, 200])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self._hint)
        layout.addWidget(splitter, 1)
        self._current: str | None = None
        self.table.selectionModel().selectionChanged.connect(self._on_table_selection_changed)
        self.model.modelReset.connect(self._on_model_reset)
        self.editor.textChanged.connect(self._on_editor_text_changed)

    def set_names(self, names: Sequence[str]) -> None:
        self.model.set_names(names)
        self._hint.setVisible(not names)

    def set_values(self, values: Mapping[str, str]) -> None:
        self.model.set_values(values)

    def values(self) -> dict[str, str]:
        return self.model.values()

    def select(self, name: str) -> None:
        for row in range(self.model.rowCount()):
            if self.model.name_at(row) == name:
                self.table.selectRow(row)
                return

    def set_value(self, name: str, value: str) -> None:
        self.model.set_value(name, value)
        if name == self._current:
            self.editor.setPlainText(value)
        self.values_changed.emit()

    @Slot(QItemSelection, QItemSelection)
    def _on_table_selection_changed(self, selected: QItemSelection, _old: QItemSelection) -> None:
        indexes = selected.indexes()
        self._show(self.model.name_at(indexes[0].row()) if indexes else None)

    @Slot()
    def _on_model_reset(self) -> None:
        # Keep editing the same variable when the list of names changes around it.
        if self._current is not None and self._current in [
            self.model.name_at(row) for row in range(self.model.rowCount())
        ]:
            self.select(self._current)
        elif self.model.rowCount():
            self.table.selectRow(0)
        else:
            self._show(None)

    def _show(self, name: str | None) -> None:
        self._current = name
        self.editor.blockSignals(True)
        self.editor.setPlainText(self.model.value(name) or "" if name else "")
        self.editor.blockSignals(False)
        self.editor.setEnabled(name is not None)
        self._label.setText(f"Value of {{{{{name}}}}}" if name else "Value")

    @Slot()
    def _on_editor_text_changed(self) -> None:
        if self._current is None:
            return
        self.model.set_value(self._current, self.editor.toPlainText())
        self.values_changed.emit()
