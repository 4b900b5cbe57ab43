"""The variables the prompts use, each with its value: a Qt table model over a plain dict.

Values are kept for names no longer in use, so deleting `{{topic}}` and typing it back restores
what was there. Only names in use are rows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

Index = QModelIndex | QPersistentModelIndex
_PREVIEW = 80
_MISSING = QColor("#b3261e")


class VariablesModel(QAbstractTableModel):
    COLUMNS = ("Variable", "Value")

    def __init__(self) -> None:
        super().__init__()
        self._names: list[str] = []
        self._values: dict[str, str] = {}

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802 - Qt's API
        return 0 if parent.isValid() else len(self._names)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(  # noqa: N802
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.COLUMNS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        name = self._names[index.row()]
        value = self._values.get(name)
        if role == Qt.ItemDataRole.DisplayRole:
            if index.column() == 0:
                return name
            if value is None:
                return "no value"
            first = value.splitlines()[0] if value else ""
            more = len(value) > len(first)
            return (first[:_PREVIEW] + ("…" if more or len(first) > _PREVIEW else "")) or "(empty)"
        if role == Qt.ItemDataRole.ForegroundRole and value is None:
            return _MISSING
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == 1 and value:
            return value[:2000]
        return None

    # --- domain ---------------------------------------------------------------------------------

    def name_at(self, row: int) -> str:
        return self._names[row]

    def set_names(self, names: Sequence[str]) -> None:
        if list(names) == self._names:
            return
        self.beginResetModel()
        self._names = list(names)
        self.endResetModel()

    def value(self, name: str) -> str | None:
        return self._values.get(name)

    def set_value(self, name: str, value: str) -> None:
        self._values[name] = value
        if name in self._names:
            row = self._names.index(name)
            self.dataChanged.emit(self.index(row, 0), self.index(row, 1))

    def set_values(self, values: Mapping[str, str]) -> None:
        self.beginResetModel()
        self._values = dict(values)
        self.endResetModel()

    def values(self) -> dict[str, str]:
        """Every kept value, including those of names not in use right now."""
        return dict(self._values)

    def used_values(self) -> dict[str, str]:
        return {name: self._values[name] for name in self._names if name in self._values}

    def missing(self) -> list[str]:
        return [name for name in self._names if name not in self._values]
