"""Test cases as a table: a row per case, a column per variable the prompts use, then the case's
own checks ("expected") and its description.

Columns follow the prompts. A row keeps the values of variables no prompt uses right now, so
deleting `{{topic}}` and typing it back restores every case's topic (as the variables model does
for the single set of values). The expected cell is edited in promptfoo's one-line form of
`__expected` cells, one check per line; text that is not a valid check is refused, and the cell
keeps it, red with the reason, until the next accepted edit. Such a cell refuses a save of the
set (`refused_cells`): saving the case's last accepted checks would lose what was typed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor

from workbench.case_table import checks_from_text, checks_text
from workbench.errors import UsageError
from workbench.suite import Case, Check

Index = QModelIndex | QPersistentModelIndex
EXPECTED_HEADER = "expected"
DESCRIPTION_HEADER = "description"
_Role = Qt.ItemDataRole
_PREVIEW = 80
_TIP_LIMIT = 2000
_MUTED = QColor(128, 128, 128)
_REFUSED = QColor("#b3261e")
_REFUSED_BACKGROUND = QColor(179, 38, 30, 40)
_EXPECTED_HINT = (
    "Checks on this case's output, one per line (Shift+Enter), as in a CSV's __expected column: "
    "'contains: Paris', 'not-icontains: sorry', 'regex: ^\\d+$', 'is-json'; plain text must "
    "equal the output."
)
_NOT_EDITABLE = (
    "These checks have no one-line form (a JSON schema as a value, say), so they cannot be edited "
    "here; edit them in the prompt set's files."
)


@dataclass
class _Row:
    values: dict[str, str]  # every variable's value, also those no prompt uses right now
    checks: tuple[Check, ...] = ()
    description: str = ""
    # (the text, why, without the case's number: rows move) of the last refused checks edit
    refused: tuple[str, str] | None = None

    def copy(self) -> _Row:
        return _Row(dict(self.values), self.checks, self.description)


@dataclass
class _Columns:
    names: list[str] = field(default_factory=list)

    @property
    def expected(self) -> int:
        return len(self.names)

    @property
    def description(self) -> int:
        return len(self.names) + 1


class CasesModel(QAbstractTableModel):
    """The cases; `cases_changed` follows every edit, insertion and removal, and a refused edit
    that changes what a cell holds (not column changes: the prompts' variables are the caller's
    own news)."""

    cases_changed = Signal()
    edit_refused = Signal(str)  # why

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[_Row] = []
        self._columns = _Columns()

    # --- the cases -----------------------------------------------------------------------------

    def cases(self) -> list[Case]:
        """The cases as a run uses them: the variables in use that the case has a value for."""
        return [self._case(row, self._columns.names) for row in self._rows]

    def kept_cases(self) -> list[Case]:
        """The cases with every value kept, also of variables no prompt uses right now."""
        return [self._case(row, list(row.values)) for row in self._rows]

    @staticmethod
    def _case(row: _Row, names: Iterable[str]) -> Case:
        variables = {name: row.values[name] for name in names if name in row.values}
        return Case(vars=variables, checks=row.checks, description=row.description)

    def refused_cells(self) -> list[str]:
        """Each cell holding text that was refused, by case number and why ("case 3, expected:
        ...")."""
        return [
            f"case {number}, {EXPECTED_HEADER}: {row.refused[1]}"
            for number, row in enumerate(self._rows, 1)
            if row.refused is not None
        ]

    def case_at(self, row: int) -> Case:
        return self._case(self._rows[row], self._columns.names)

    def set_cases(self, cases: Iterable[Case], variable_names: Sequence[str]) -> None:
        self.beginResetModel()
        self._rows = [_Row(dict(case.vars), case.checks, case.description) for case in cases]
        self._columns.names = list(dict.fromkeys(variable_names))
        self.endResetModel()
        self.cases_changed.emit()

    def add_case(self, variables: Mapping[str, str], description: str = "") -> int:
        """Append a case; its row."""
        return self.insert_cases(
            len(self._rows), [Case(vars=dict(variables), description=description)]
        )

    def insert_cases(self, row: int, cases: Sequence[Case]) -> int:
        """Insert `cases` before `row` (clamped to the table); the row of the first."""
        row = max(0, min(row, len(self._rows)))
        if cases:
            self.beginInsertRows(QModelIndex(), row, row + len(cases) - 1)
            self._rows[row:row] = [_Row(dict(c.vars), c.checks, c.description) for c in cases]
            self.endInsertRows()
            self.cases_changed.emit()
        return row

    def duplicate_rows(self, rows: Iterable[int]) -> list[int]:
        """Copies of `rows` (with their hidden values), in order, after the last of them; their
        rows."""
        chosen = sorted({row for row in rows if 0 <= row < len(self._rows)})
        if not chosen:
            return []
        at = chosen[-1] + 1
        self.beginInsertRows(QModelIndex(), at, at + len(chosen) - 1)
        self._rows[at:at] = [self._rows[row].copy() for row in chosen]
        self.endInsertRows()
        self.cases_changed.emit()
        return list(range(at, at + len(chosen)))

    def remove_rows(self, rows: Iterable[int]) -> None:
        doomed = sorted({row for row in rows if 0 <= row < len(self._rows)}, reverse=True)
        for row in doomed:
            self.beginRemoveRows(QModelIndex(), row, row)
            del self._rows[row]
            self.endRemoveRows()
        if doomed:
            self.cases_changed.emit()

    # --- columns -------------------------------------------------------------------------------

    def variable_names(self) -> list[str]:
        return list(self._columns.names)

    def set_variable_names(self, names: Sequence[str]) -> None:
        """Show these variables as columns; values of the others stay in the rows, hidden.

        Columns are removed and inserted one by one when the kept ones keep their order, so the
        view keeps its selection and widths; a reordering resets the table.
        """
        new = list(dict.fromkeys(names))
        old = self._columns.names
        if new == old:
            return
        if [name for name in old if name in new] != [name for name in new if name in old]:
            self.beginResetModel()
            self._columns.names = new
            self.endResetModel()
            return
        for column in reversed(range(len(old))):
            if old[column] not in new:
                self.beginRemoveColumns(QModelIndex(), column, column)
                del old[column]
                self.endRemoveColumns()
        for column, name in enumerate(new):
            if column >= len(old) or old[column] != name:
                self.beginInsertColumns(QModelIndex(), column, column)
                old.insert(column, name)
                self.endInsertColumns()

    def is_variable_column(self, column: int) -> bool:
        return 0 <= column < len(self._columns.names)

    # --- QAbstractTableModel ------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802 - Qt's API
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802 - Qt's API
        return 0 if parent.isValid() else len(self._columns.names) + 2

    def headerData(  # noqa: N802 - Qt's API
        self, section: int, orientation: Qt.Orientation, role: int = _Role.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Vertical:
            ok = 0 <= section < len(self._rows)
            return str(section + 1) if ok and role == _Role.DisplayRole else None
        if not 0 <= section < self.columnCount():
            return None
        title, tip = self._header(section)
        if role == _Role.DisplayRole:
            return title
        return tip if role == _Role.ToolTipRole else None

    def _header(self, section: int) -> tuple[str, str]:
        if section == self._columns.expected:
            return EXPECTED_HEADER, _EXPECTED_HINT
        if section == self._columns.description:
            return DESCRIPTION_HEADER, "What this case is about (shown in results and reports)."
        name = self._columns.names[section]
        return name, f"The value of {{{{{name}}}}} in each case."

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.column() == self._columns.expected and self._checks_text(index.row()) is None:
            return base
        return base | Qt.ItemFlag.ItemIsEditable

    def data(self, index: Index, role: int = _Role.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self._rows[index.row()]
        column = index.column()
        if column == self._columns.expected:
            return self._expected_data(row, index.row(), role)
        text = row.description if column == self._columns.description else None
        if text is None:
            text = row.values.get(self._columns.names[column])
            if text is None:  # a variable this case has no value for (yet)
                if role == _Role.DisplayRole:
                    return "no value"
                if role == _Role.ForegroundRole:
                    return QBrush(_MUTED)
                return "" if role == _Role.EditRole else None
        return _text_data(text, role)

    def _expected_data(self, row: _Row, number: int, role: int) -> Any:
        text = self._checks_text(number)
        if row.refused is not None:
            typed, why = row.refused
            if role == _Role.ToolTipRole:
                return f"Not saved: case {number + 1}: {why}\nYou typed:\n{typed[:_TIP_LIMIT]}"
            if role == _Role.ForegroundRole:
                return QBrush(_REFUSED)
            if role == _Role.BackgroundRole:
                return QBrush(_REFUSED_BACKGROUND)
            if role == _Role.EditRole:
                return typed  # editing again starts from what was typed, to fix it
        if text is None:
            if role == _Role.DisplayRole:
                count = len(row.checks)
                return f"{count} check{'s' if count != 1 else ''} (not editable here)"
            if role == _Role.ToolTipRole:
                return _NOT_EDITABLE
            return QBrush(_MUTED) if role == _Role.ForegroundRole else None
        return _text_data(text, role)

    def _checks_text(self, row: int) -> str | None:
        return checks_text(self._rows[row].checks)

    def setData(self, index: Index, value: Any, role: int = _Role.EditRole) -> bool:  # noqa: N802
        if role != _Role.EditRole or not index.isValid() or not isinstance(value, str):
            return False
        row = self._rows[index.row()]
        column = index.column()
        if column == self._columns.expected:
            if self._checks_text(index.row()) is None:
                return False
            where = f"case {index.row() + 1}"
            try:
                found = checks_from_text(value, where)
            except UsageError as exc:
                refused = (value, str(exc).removeprefix(f"{where}: "))
                held, row.refused = row.refused, refused
                self.dataChanged.emit(index, index)
                self.edit_refused.emit(str(exc))
                if refused != held:  # the case's checks are as they were; the cell is not
                    self.cases_changed.emit()
                return False
            changed = found != row.checks or row.refused is not None
            row.checks, row.refused = found, None
        elif column == self._columns.description:
            changed, row.description = value != row.description, value
        else:
            name = self._columns.names[column]
            changed = row.values.get(name) != value
            row.values[name] = value
        if changed:
            self.dataChanged.emit(index, index)
            self.cases_changed.emit()
        return True

    def insertRows(self, row: int, count: int, parent: Index = QModelIndex()) -> bool:  # noqa: B008, N802
        if parent.isValid() or count < 1 or not 0 <= row <= len(self._rows):
            return False
        self.insert_cases(row, [Case(vars={}) for _ in range(count)])
        return True

    def removeRows(self, row: int, count: int, parent: Index = QModelIndex()) -> bool:  # noqa: B008, N802
        if parent.isValid() or count < 1 or row < 0 or row + count > len(self._rows):
            return False
        self.remove_rows(range(row, row + count))
        return True


def _text_data(text: str, role: int) -> Any:
    if role == _Role.DisplayRole:
        first = text.split("\n", 1)[0]
        more = len(text) > len(first) or len(first) > _PREVIEW
        return first[:_PREVIEW] + ("…" if more else "")
    if role == _Role.EditRole:
        return text
    if role == _Role.ToolTipRole and text:
        return text[:_TIP_LIMIT]
    return None
