"""Test cases: a table of variable sets the prompts run with, each with its own checks.

Cells edit in place with a multi-line editor (values are often paragraphs): Enter saves,
Shift+Enter starts a new line, Esc cancels. Files are read on the compute lane and mapped in
`CaseImportDialog`; "pin" keeps the variables panel's current values as a case.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from PySide6.QtCore import (
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
    Slot,
)
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ui.background import Background
from ui.case_import_dialog import CaseImportDialog
from ui.cases_model import CasesModel
from ui.error_presenter import ErrorPresenter, is_known
from ui.text_cell_delegate import TextCellDelegate
from ui.widgets import push_button
from workbench.case_table import FORMATS, Table, read_table, sheet_names
from workbench.suite import Case

Index = QModelIndex | QPersistentModelIndex
MAX_REPEATS = 100


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _read(path: Path) -> tuple[Table, list[str]]:
    """On the compute lane: a file's table (a workbook's first sheet) and its sheets."""
    sheets = sheet_names(path) if path.suffix.lower() == ".xlsx" else []
    return read_table(path, sheets[0] if sheets else None), sheets


class CasesPanel(QWidget):
    """The cases and how often each runs.

    `cases_changed` follows every edit (a refused one too), addition, removal, import and
    `set_cases`; not `set_variable_names`, whose caller already knows the prompts changed.
    """

    cases_changed = Signal()
    repeats_changed = Signal(int)

    def __init__(
        self,
        background: Background,
        presenter: ErrorPresenter | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("casesPanel")
        self._background = background
        self._presenter = presenter
        self.import_dialog: CaseImportDialog | None = None
        self._file_dialog: QFileDialog | None = None
        self.model = CasesModel(self)
        self.table = QTableView()
        self.table.setObjectName("casesTable")
        self.table.setModel(self.model)
        self.table.setItemDelegate(TextCellDelegate("caseCellEditor", self.table))
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setWordWrap(False)
        self._repeats = QSpinBox()
        self._repeats.setObjectName("casesRepeats")
        self._repeats.setRange(1, MAX_REPEATS)
        self._repeats.setPrefix("Repeats ")
        self._repeats.setToolTip("How many times each prompt runs with each case and model")
        self._summary = QLabel()
        self._summary.setObjectName("casesSummary")
        self._status = QLabel()
        self._status.setObjectName("casesStatus")
        self._status.setWordWrap(True)
        self._make_actions()
        toolbar = QHBoxLayout()
        toolbar.setContentsMargins(0, 0, 0, 0)
        import_tip = "Add cases from a CSV, TSV, JSONL, Excel or Parquet file"
        duplicate_tip = "Copy the selected cases (Ctrl+Shift+D)"
        buttons = (
            ("casesAdd", "Add", "Add an empty case (Ctrl+Shift+A)", self.add_empty),
            ("casesDuplicate", "Duplicate", duplicate_tip, self.duplicate_selected),
            ("casesRemove", "Remove", "Remove the selected cases (Delete)", self.remove_selected),
            ("casesImport", "Import…", import_tip, self._on_import_clicked),
        )
        for name, text, tip, slot in buttons:
            toolbar.addWidget(push_button(text, tip, name, slot))
        toolbar.addStretch(1)
        toolbar.addWidget(self._repeats)
        toolbar.addWidget(self._summary)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(toolbar)
        layout.addWidget(self.table, 1)
        layout.addWidget(self._status)
        self.model.cases_changed.connect(self._on_model_cases_changed)
        self.model.edit_refused.connect(self._on_model_edit_refused)
        self._repeats.valueChanged.connect(self._on_repeats_value_changed)
        self._show_summary()

    def _make_actions(self) -> None:
        shortcut_context = Qt.ShortcutContext
        for text, keys, slot, owner, context in (
            # Add and Duplicate anywhere in the panel; Delete only on the table itself, so it
            # never fires while a cell's editor is open.
            ("Add case", "Ctrl+Shift+A", self.add_empty, self, None),
            ("Duplicate cases", "Ctrl+Shift+D", self.duplicate_selected, self, None),
            (
                "Remove cases",
                QKeySequence.StandardKey.Delete,
                self.remove_selected,
                self.table,
                shortcut_context.WidgetShortcut,
            ),
        ):
            action = QAction(text, owner)
            action.setShortcut(QKeySequence(keys))
            action.setShortcutContext(context or shortcut_context.WidgetWithChildrenShortcut)
            action.triggered.connect(slot)
            owner.addAction(action)

    # --- the cases ----------------------------------------------------------------------------

    def cases(self) -> list[Case]:
        return self.model.cases()

    def kept_cases(self) -> list[Case]:
        """With the values of variables no prompt uses right now (for the workspace draft)."""
        return self.model.kept_cases()

    def refused_cells(self) -> list[str]:
        """Each cell holding refused text (red), as "case 3, expected: why": a save must not lose
        it."""
        return self.model.refused_cells()

    def set_cases(self, cases: Iterable[Case]) -> None:
        self.model.set_cases(cases, self.model.variable_names())

    def set_variable_names(self, names: Sequence[str]) -> None:
        self.model.set_variable_names(names)

    def repeats(self) -> int:
        return self._repeats.value()

    def set_repeats(self, count: int) -> None:
        self._repeats.setValue(max(1, min(count, MAX_REPEATS)))

    def status_text(self) -> str:
        return self._status.text()

    def pin(self, variables: Mapping[str, str]) -> int:
        """Keep these values as a new case, shown selected; its row."""
        row = self.model.add_case(variables)
        self._select_rows([row])
        self._status.setText(f"Pinned as case {row + 1}")
        return row

    def add_empty(self) -> None:
        row = self.model.add_case({})
        self._select_rows([row])
        if self.model.variable_names():
            self.table.edit(self.model.index(row, 0))

    def duplicate_selected(self) -> None:
        rows = self.model.duplicate_rows(self._selected_rows())
        if rows:
            self._select_rows(rows)
            self._status.setText(f"Duplicated {_plural(len(rows), 'case')}")

    def remove_selected(self) -> None:
        rows = self._selected_rows()
        self.model.remove_rows(rows)
        if rows:
            self._status.setText(f"Removed {_plural(len(rows), 'case')}")

    def _selected_rows(self) -> list[int]:
        rows = {index.row() for index in self.table.selectionModel().selectedIndexes()}
        return sorted(rows)

    def _select_rows(self, rows: Sequence[int]) -> None:
        selection = self.table.selectionModel()
        flag = QItemSelectionModel.SelectionFlag
        selection.clearSelection()
        for row in rows:
            selection.select(self.model.index(row, 0), flag.Select | flag.Rows)
        last = self.model.index(rows[-1], 0)
        selection.setCurrentIndex(last, flag.NoUpdate)  # the view's own would select one cell
        self.table.scrollTo(last)

    # --- importing ----------------------------------------------------------------------------

    def import_file(self, path: Path) -> None:
        """Read `path` on the compute lane, then let the person map its columns."""
        self._status.setText(f"Reading {path.name}…")
        self._background.run(
            lambda: _read(path),
            lambda read: self._on_file_read(path, *read),
            self._on_import_failed,
            owner=self,
        )

    def _on_file_read(self, path: Path, table: Table, sheets: list[str]) -> None:
        self._status.setText("")
        if self.import_dialog is not None:
            self.import_dialog.close()
        dialog = CaseImportDialog(
            table,
            self.model.variable_names(),
            self,
            sheets=sheets,
            sheet=sheets[0] if sheets else None,
        )
        dialog.sheet_chosen.connect(lambda sheet: self._read_sheet(dialog, path, sheet))
        dialog.accepted.connect(lambda: self._on_import_accepted(dialog))
        dialog.finished.connect(lambda _result: self._on_dialog_finished(dialog))
        self.import_dialog = dialog
        dialog.open()  # window-modal, no nested event loop

    def _read_sheet(self, dialog: CaseImportDialog, path: Path, sheet: str) -> None:
        def done(table: Table) -> None:
            if dialog.sheet() == sheet:  # not a sheet chosen before the one shown now
                dialog.set_table(table)

        def failed(exc: BaseException) -> None:
            if not is_known(exc):
                self._on_import_failed(exc)
            elif dialog.sheet() == sheet:
                dialog.show_read_error(str(exc))

        self._background.run(lambda: read_table(path, sheet), done, failed, owner=dialog)

    def _on_import_accepted(self, dialog: CaseImportDialog) -> None:
        cases = dialog.cases()
        names = self.model.variable_names()
        if dialog.replace():
            self.model.set_cases(cases, names)
        else:
            first = self.model.insert_cases(self.model.rowCount(), cases)
            self._select_rows(range(first, first + len(cases)))
        unused = sorted({name for case in cases for name in case.vars} - set(names))
        text = f"Imported {_plural(len(cases), 'case')}"
        if unused:
            text += f"; kept for when a prompt uses them: {', '.join(unused)}"
        self._status.setText(text)

    def _on_dialog_finished(self, dialog: CaseImportDialog) -> None:
        if self.import_dialog is dialog:
            self.import_dialog = None
        dialog.deleteLater()

    def _on_import_failed(self, exc: BaseException) -> None:
        self._status.setText(f"Could not import: {exc}" if is_known(exc) else "Could not import")
        if self._presenter is not None:
            self._presenter.present(exc, "import cases")

    @Slot()
    def _on_import_clicked(self) -> None:
        patterns = " ".join(f"*{suffix}" for suffix in FORMATS)
        dialog = QFileDialog(self, "Import test cases")
        dialog.setObjectName("casesFileDialog")
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.setNameFilters([f"Case tables ({patterns})", "All files (*)"])
        dialog.fileSelected.connect(lambda name: self.import_file(Path(name)))
        dialog.finished.connect(dialog.deleteLater)
        self._file_dialog = dialog
        dialog.open()

    # --- slots --------------------------------------------------------------------------------

    @Slot()
    def _on_model_cases_changed(self) -> None:
        self._show_summary()
        self.cases_changed.emit()

    @Slot(str)
    def _on_model_edit_refused(self, why: str) -> None:
        self._status.setText(f"Not saved: {why}")

    @Slot(int)
    def _on_repeats_value_changed(self, count: int) -> None:
        self._show_summary()
        self.repeats_changed.emit(count)

    def _show_summary(self) -> None:
        self._summary.setText(
            f"{_plural(self.model.rowCount(), 'case')} × {_plural(self.repeats(), 'repeat')}"
        )
