"""A suite's checks: add them from a menu of common types, edit them in place, reorder them.

Each type added from the menu comes with an example value and threshold, so a person sees the
shape a type takes before changing it. The line under the table says what the selected type
checks; the status line says why an invalid row is left out until it is fixed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from PySide6.QtCore import (
    QAbstractItemModel,
    QItemSelection,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
    Slot,
)
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemDelegate,
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QPushButton,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ui.checks_model import THRESHOLD, TYPE, VALUE, ChecksModel, base_type, type_choices
from ui.text_cell_delegate import TextCellDelegate
from ui.widgets import push_button
from workbench.suite import Check

Index = QModelIndex | QPersistentModelIndex

# What each type checks, in one sentence (as workbench.checks judges it).
HELP: Mapping[str, str] = {
    "equals": "Passes when the output is exactly the value; a list or object value must equal "
    "the output read as JSON.",
    "contains": "Passes when the output contains the value, case and all.",
    "icontains": "Passes when the output contains the value, ignoring case.",
    "contains-any": "Passes when the output contains at least one of the values (a list, or "
    "comma-separated text).",
    "contains-all": "Passes when the output contains every one of the values (a list, or "
    "comma-separated text).",
    "icontains-any": "Passes when the output contains at least one of the values, ignoring case.",
    "icontains-all": "Passes when the output contains every one of the values, ignoring case.",
    "starts-with": "Passes when the output starts with the value.",
    "regex": "Passes when the regular expression (JavaScript syntax) matches somewhere in the "
    "output.",
    "levenshtein": "Passes when the output is at most the threshold of edits (default 5) away "
    "from the value.",
    "is-json": "Passes when the whole output is JSON, and conforms to the value when it is a "
    "JSON Schema.",
    "contains-json": "Passes when the output contains a JSON object (one conforming to the "
    "value, when it is a JSON Schema).",
    "latency": "Passes when the call took at most the threshold, in milliseconds.",
    "cost": "Passes when the call cost at most the threshold, in US dollars.",
    "bleu": "Passes when the output's BLEU score against the reference (or list of references) "
    "is at least the threshold (default 0.5).",
    "rouge-n": "Passes when the share of the reference's words that the output has is at least "
    "the threshold (default 0.75).",
    "rouge-l": "Passes when the longest run of words the output shares in order with the "
    "reference (ROUGE-L F1) is at least the threshold (default 0.75).",
    "length": "Passes when the output's length in characters is within the value: {min: N, "
    "max: N}, or a number, the maximum.",
    "python": "Passes when the Python expression over output (and vars) is true, or a number "
    "above 0 (at least the threshold, when set).",
    "llm-rubric": "A judge model grades the output by the rubric after the run (its score must "
    "also reach the threshold, when set).",
}

# The Add menu: common types, each with an example that shows the shape of its value.
EXAMPLES: tuple[Check, ...] = (
    Check("contains", "Paris"),
    Check("icontains", "paris"),
    Check("regex", r"\bParis\b"),
    Check(
        "is-json",
        {"type": "object", "properties": {"answer": {"type": "string"}}, "required": ["answer"]},
    ),
    Check("equals", "Paris"),
    Check("length", {"min": 1, "max": 500}),
    Check("latency", None, 5000.0),
    Check("cost", None, 0.01),
    Check("bleu", "The capital of France is Paris.", 0.5),
    Check("rouge-l", "The capital of France is Paris.", 0.75),
    Check("python", "len(output.split()) <= 100"),
    Check("llm-rubric", "Answers the question politely and names the capital."),
)


def help_text(check_type: str) -> str:
    """One sentence on what `check_type` checks, for the line under the table."""
    base = base_type(check_type)
    sentence = HELP.get(base)
    if sentence is None:
        return f"{check_type}: not a type the workbench judges."
    if base != check_type:
        return f"{check_type}: passes when {base} fails. ({base}: {sentence})"
    return f"{check_type}: {sentence}"


class _TypeDelegate(QStyledItemDelegate):
    """A list of every type the workbench judges; picking one saves it."""

    def createEditor(  # noqa: N802 - Qt's API
        self, parent: QWidget, _option: QStyleOptionViewItem, _index: Index
    ) -> QWidget:
        combo = QComboBox(parent)
        combo.setObjectName("checkTypeEditor")
        combo.addItems(list(type_choices()))
        combo.setMaxVisibleItems(20)
        combo.activated.connect(lambda _position: self._on_combo_activated(combo))
        return combo

    def setEditorData(self, editor: QWidget, index: Index) -> None:  # noqa: N802
        assert isinstance(editor, QComboBox)
        current = str(index.data(Qt.ItemDataRole.EditRole) or "")
        if editor.findText(current) < 0:
            editor.insertItem(0, current)  # a type read from a file that the list lacks
        editor.setCurrentText(current)

    def setModelData(  # noqa: N802 - Qt's API
        self, editor: QWidget, model: QAbstractItemModel, index: Index
    ) -> None:
        assert isinstance(editor, QComboBox)
        model.setData(index, editor.currentText(), Qt.ItemDataRole.EditRole)

    def _on_combo_activated(self, combo: QComboBox) -> None:
        self.commitData.emit(combo)
        self.closeEditor.emit(combo, QAbstractItemDelegate.EndEditHint.NoHint)


class ChecksPanel(QWidget):
    """The checks of a suite; `checks_changed` follows every change of the rows."""

    checks_changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("checksPanel")
        self.model = ChecksModel(self)
        self.table = QTableView()
        self.table.setObjectName("checksTable")
        self.table.setModel(self.model)
        self.table.setItemDelegateForColumn(TYPE, _TypeDelegate(self.table))
        self.table.setItemDelegateForColumn(VALUE, TextCellDelegate("checkValueEditor", self.table))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(VALUE, QHeaderView.ResizeMode.Stretch)
        self.add_menu = self._make_add_menu()
        toolbar = self._make_toolbar()
        self.help = QLabel()
        self.help.setObjectName("checksHelp")
        self.help.setWordWrap(True)
        self.status = QLabel()
        self.status.setObjectName("checksStatus")
        self.status.setWordWrap(True)
        self.status.setStyleSheet("color: #b3261e")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(toolbar)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.help)
        layout.addWidget(self.status)
        remove = QAction("Remove check", self.table)
        remove.setShortcut(QKeySequence(QKeySequence.StandardKey.Delete))
        # Only on the table itself, so Delete never fires while a cell's editor is open.
        remove.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        remove.triggered.connect(self.remove_selected)
        self.table.addAction(remove)
        self.model.checks_changed.connect(self._on_model_checks_changed)
        self.model.edit_refused.connect(self._on_model_edit_refused)
        self.model.dataChanged.connect(self._on_model_data_changed)
        self.table.selectionModel().selectionChanged.connect(self._on_table_selection_changed)
        self._show_help()

    def _make_add_menu(self) -> QMenu:
        menu = QMenu(self)
        menu.setObjectName("checksAddMenu")
        menu.setToolTipsVisible(True)
        for example in EXAMPLES:
            action = menu.addAction(example.type)
            action.setToolTip(help_text(example.type))
            action.triggered.connect(lambda _checked=False, check=example: self.add(check))
        return menu

    def _make_toolbar(self) -> QHBoxLayout:
        add_button = QPushButton("Add")
        add_button.setObjectName("checksAdd")
        add_button.setToolTip("Add a check of a common type, with an example value to change")
        add_button.setMenu(self.add_menu)
        toolbar = QHBoxLayout()
        toolbar.setContentsMargins(0, 0, 0, 0)
        toolbar.addWidget(add_button)
        for name, text, tip, slot in (
            ("checksRemove", "Remove", "Remove the selected check (Delete)", self.remove_selected),
            ("checksUp", "Up", "Move the selected check up", self.move_selected_up),
            ("checksDown", "Down", "Move the selected check down", self.move_selected_down),
        ):
            toolbar.addWidget(push_button(text, tip, name, slot))
        toolbar.addStretch(1)
        return toolbar

    # --- the checks ---------------------------------------------------------------------------

    def checks(self) -> tuple[Check, ...]:
        """The valid checks; invalid rows stay in the table until fixed (see `problems`)."""
        return self.model.checks()

    def all_checks(self) -> tuple[Check, ...]:
        """Every row, invalid ones included, so a restored draft shows them again."""
        return self.model.all_checks()

    def set_checks(self, checks: Iterable[Check]) -> None:
        self.model.set_checks(checks)

    def problems(self) -> list[str]:
        return self.model.problems()

    def add(self, check: Check) -> int:
        """Append `check`, selected, with the editor open on what a person changes first."""
        row = self.model.add_check(check)
        column = THRESHOLD if check.value is None and check.threshold is not None else VALUE
        index = self.model.index(row, column)
        # A new current index first: the view commits and closes an editor open on the old one.
        self.table.setCurrentIndex(index)
        self.table.scrollTo(index)
        self.table.edit(index)
        return row

    def selected_row(self) -> int | None:
        rows = {index.row() for index in self.table.selectionModel().selectedIndexes()}
        return min(rows) if rows else None

    def select_row(self, row: int) -> None:
        self.table.selectRow(row)
        self.table.scrollTo(self.model.index(row, 0))

    def remove_selected(self) -> None:
        row = self.selected_row()
        if row is None:
            return
        self.model.remove_rows([row])
        if self.model.rowCount():
            self.select_row(min(row, self.model.rowCount() - 1))

    def move_selected_up(self) -> None:
        self._move_selected(-1)

    def move_selected_down(self) -> None:
        self._move_selected(1)

    def _move_selected(self, step: int) -> None:
        row = self.selected_row()
        if row is not None and self.model.move_row(row, row + step):
            self.select_row(row + step)

    # --- slots --------------------------------------------------------------------------------

    @Slot()
    def _on_model_checks_changed(self) -> None:
        problems = self.model.problems()
        if not problems:
            self.status.setText("")
        elif len(problems) == 1:
            self.status.setText(f"Not used until fixed: {problems[0]}")
        else:
            more = f" (and {len(problems) - 1} more)"
            self.status.setText(f"{len(problems)} checks not used until fixed: {problems[0]}{more}")
        self.status.setToolTip("\n".join(problems))
        self._show_help()
        self.checks_changed.emit()

    @Slot(str)
    def _on_model_edit_refused(self, why: str) -> None:
        self.status.setText(f"Not saved: {why}")

    @Slot(QModelIndex, QModelIndex, "QList<int>")
    def _on_model_data_changed(
        self, _top_left: QModelIndex, _bottom_right: QModelIndex, _roles: list[int]
    ) -> None:
        self._show_help()

    @Slot(QItemSelection, QItemSelection)
    def _on_table_selection_changed(self, _selected: QItemSelection, _old: QItemSelection) -> None:
        self._show_help()

    def _show_help(self) -> None:
        row = self.selected_row()
        if row is None:
            self.help.setText("Select a check to see what it checks; Add offers common types.")
        else:
            self.help.setText(help_text(self.model.check_at(row).type))
