"""Importing test cases from a table file: say which column feeds what, see the cases, import.

The dialog never reads files itself: the panel reads on the compute lane and hands it a `Table`
(again when another sheet of a workbook is chosen, through `sheet_chosen` and `set_table`). The
preview builds the first rows' cases on every change, so a mapping problem (two columns feeding
one variable, a check that cannot work) shows before Import; the whole file is built on Import.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ui.cases_model import CasesModel
from workbench.case_table import Mapping, Table, cases_from, suggest_mapping
from workbench.errors import UsageError
from workbench.suite import Case

PREVIEW_ROWS = 20
_VARIABLE = "var:"
_EXPECTED = "expected"
_DESCRIPTION = "description"
_SKIP = "skip"
_SAMPLES = 3


class CaseImportDialog(QDialog):
    """Maps a table's columns to variables, checks and a description; `replace()` says whether
    the cases replace the current ones or are added after them."""

    sheet_chosen = Signal(str)  # a workbook's other sheet was chosen: read it, then `set_table`

    def __init__(
        self,
        table: Table,
        variables: Sequence[str],
        parent: QWidget | None = None,
        *,
        sheets: Sequence[str] = (),
        sheet: str | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("caseImportDialog")
        self.setWindowTitle("Import test cases")
        self._variables = list(variables)
        self._table = table
        self._combos: dict[str, QComboBox] = {}
        self._accepted: list[Case] | None = None
        self._source = _label("importSource")
        self._notes = _label("importNotes")
        self._problem = _label("importProblem")
        self._problem.setStyleSheet("color: #b3261e")
        self._count = _label("importCount")
        self._sheet = QComboBox()
        self._sheet.setObjectName("importSheet")
        self._sheet.addItems(list(sheets))
        if sheet is not None:
            self._sheet.setCurrentText(sheet)
        self._sheet.currentTextChanged.connect(self._on_sheet_current_text_changed)
        self._columns = QScrollArea()
        self._columns.setWidgetResizable(True)
        self._preview_model = CasesModel(self)
        self._preview = QTableView()
        self._preview.setObjectName("importPreview")
        self._preview.setModel(self._preview_model)
        self._preview.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self._append = QRadioButton("Add after the current cases")
        self._append.setObjectName("importAppend")
        self._append.setChecked(True)
        self._replace = QRadioButton("Replace the current cases")
        self._replace.setObjectName("importReplace")
        choice = QButtonGroup(self)
        choice.addButton(self._append)
        choice.addButton(self._replace)
        self._replace.toggled.connect(self._on_replace_toggled)
        self._import = QPushButton("Import")
        self._import.setObjectName("importButton")
        self._import.setDefault(True)
        self._lay_out(show_sheets=len(sheets) > 1)
        self.resize(720, 640)
        self.set_table(table)

    def _lay_out(self, *, show_sheets: bool) -> None:
        sheet_row = QWidget()
        sheet_layout = QHBoxLayout(sheet_row)
        sheet_layout.setContentsMargins(0, 0, 0, 0)
        sheet_layout.addWidget(QLabel("Sheet"))
        sheet_layout.addWidget(self._sheet, 1)
        sheet_row.setVisible(show_sheets)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        buttons.addButton(self._import, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self._source)
        layout.addWidget(sheet_row)
        layout.addWidget(self._notes)
        layout.addWidget(QLabel("Each column feeds:"))
        layout.addWidget(self._columns, 1)
        layout.addWidget(QLabel(f"Preview (the first {PREVIEW_ROWS} cases):"))
        layout.addWidget(self._preview, 2)
        layout.addWidget(self._problem)
        layout.addWidget(self._count)
        layout.addWidget(self._append)
        layout.addWidget(self._replace)
        layout.addWidget(buttons)

    # --- public -------------------------------------------------------------------------------

    def set_table(self, table: Table) -> None:
        """Show `table` (another sheet, read), its columns mapped afresh."""
        self._table = table
        self._accepted = None
        rows = len(table.rows)
        self._source.setText(
            f"{table.source}: {rows} row{'s' if rows != 1 else ''}, "
            f"{len(table.columns)} column{'s' if len(table.columns) != 1 else ''}"
        )
        self._notes.setText("\n".join(table.notes))
        self._notes.setVisible(bool(table.notes))
        self._build_columns(suggest_mapping(table, self._variables))
        self._sheet.setEnabled(True)
        self._refresh()

    def show_read_error(self, message: str) -> None:
        """Reading the chosen sheet failed: say so here; the previous table stays."""
        self._sheet.setEnabled(True)
        self._problem.setText(message)
        self._import.setEnabled(False)

    def sheet(self) -> str | None:
        """The workbook sheet chosen, if the file has sheets."""
        return self._sheet.currentText() if self._sheet.count() else None

    def combo_for(self, column: str) -> QComboBox:
        return self._combos[column]

    def mapping(self) -> Mapping:
        """The combos' choices (a second description column shows as a problem, not here)."""
        variables: dict[str, str] = {}
        expected: list[str] = []
        description: str | None = None
        for column, combo in self._combos.items():
            use = str(combo.currentData())
            if use.startswith(_VARIABLE):
                variables[column] = use.removeprefix(_VARIABLE)
            elif use == _EXPECTED:
                expected.append(column)
            elif use == _DESCRIPTION and description is None:
                description = column
        return Mapping(variables, tuple(expected), description)

    def cases(self) -> list[Case]:
        """Every row's case under the current mapping (UsageError when it cannot be built)."""
        if self._accepted is not None:
            return list(self._accepted)
        self._check_description()
        return cases_from(self._table, self.mapping())

    def replace(self) -> bool:
        return self._replace.isChecked()

    def accept(self) -> None:
        try:
            self._accepted = self.cases()
        except UsageError as exc:
            self._problem.setText(str(exc))
            self._import.setEnabled(False)
            return
        super().accept()

    # --- building -----------------------------------------------------------------------------

    def _build_columns(self, suggested: Mapping) -> None:
        form_widget = QWidget()
        form = QFormLayout(form_widget)
        self._combos = {}
        for column in self._table.columns:
            combo = self._combo(column)
            if column in suggested.variables:
                _choose(combo, _VARIABLE + suggested.variables[column])
            elif column in suggested.expected:
                _choose(combo, _EXPECTED)
            elif column == suggested.description:
                _choose(combo, _DESCRIPTION)
            else:
                _choose(combo, _SKIP)
            combo.currentIndexChanged.connect(self._on_combo_current_index_changed)
            label = QLabel(column)
            label.setToolTip(self._samples(column))
            form.addRow(label, combo)
            self._combos[column] = combo
        self._columns.setWidget(form_widget)  # the previous one is deleted with its combos

    def _combo(self, column: str) -> QComboBox:
        combo = QComboBox()
        combo.setObjectName(f"importColumn:{column}")
        for name in self._variables:
            combo.addItem(f"→ {name}", _VARIABLE + name)
        if column.isidentifier() and column not in self._variables:
            combo.addItem(f"(new variable: {column})", _VARIABLE + column)
        combo.addItem("expected", _EXPECTED)
        tip = "Checks on the output, as in a CSV's __expected column ('contains: Paris')"
        combo.setItemData(combo.count() - 1, tip, Qt.ItemDataRole.ToolTipRole)
        combo.addItem("description", _DESCRIPTION)
        combo.addItem("(skip)", _SKIP)
        return combo

    def _samples(self, column: str) -> str:
        index = self._table.columns.index(column)
        values = [row[index] for row in self._table.rows[:_SAMPLES]]
        return "First values:\n" + "\n".join(value[:80] or "(empty)" for value in values)

    def _check_description(self) -> None:
        described = [c for c, combo in self._combos.items() if combo.currentData() == _DESCRIPTION]
        if len(described) > 1:
            raise UsageError(
                f"{self._table.source}: columns {described[0]!r} and {described[1]!r} are both "
                "the description; choose one"
            )

    def _refresh(self) -> None:
        self._accepted = None
        mapping = self.mapping()
        head = Table(self._table.source, self._table.columns, self._table.rows[:PREVIEW_ROWS])
        try:
            self._check_description()
            preview = cases_from(head, mapping)
        except UsageError as exc:
            self._problem.setText(str(exc))
            self._import.setEnabled(False)
            self._preview_model.set_cases([], [])
            return
        self._problem.setText("")
        self._import.setEnabled(True)
        self._preview_model.set_cases(preview, list(dict.fromkeys(mapping.variables.values())))
        count = len(self._table.rows)
        cases = f"{count} case{'s' if count != 1 else ''}"
        self._count.setText(
            f"{cases} will replace the current ones" if self.replace() else f"{cases} will be added"
        )

    # --- slots --------------------------------------------------------------------------------

    @Slot(int)
    def _on_combo_current_index_changed(self, _index: int) -> None:
        self._refresh()

    @Slot(bool)
    def _on_replace_toggled(self, _checked: bool) -> None:
        self._refresh()

    @Slot(str)
    def _on_sheet_current_text_changed(self, sheet: str) -> None:
        self._sheet.setEnabled(False)  # until the sheet is read
        self._import.setEnabled(False)
        self._problem.setText(f"Reading sheet {sheet!r}…")
        self.sheet_chosen.emit(sheet)


def _choose(combo: QComboBox, use: str) -> None:
    index = combo.findData(use)
    if index < 0:  # a variable the list does not offer (a suggestion by another name)
        combo.insertItem(combo.count() - 3, f"→ {use.removeprefix(_VARIABLE)}", use)
        index = combo.count() - 4
    combo.setCurrentIndex(index)


def _label(name: str) -> QLabel:
    label = QLabel()
    label.setObjectName(name)
    label.setWordWrap(True)
    return label
