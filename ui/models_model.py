"""The models of a comparison as a table: one row per ModelSpec, its parameters editable in place.

Key status comes from outside: the keyring may block, so the panel checks keys on a worker and
hands the answers in with `set_key_statuses`; `data()` only reads what it was given.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QIcon
from PySide6.QtWidgets import QApplication, QStyle

from workbench.domain import ModelParams, ModelSpec
from workbench.key_requirements import KeyCheck, display_name, missing_message
from workbench.pricing import is_local

Index = QModelIndex | QPersistentModelIndex
COLUMNS = ("Model", "Endpoint", "Temperature", "Top p", "Max tokens", "Seed", "Key")
MODEL, ENDPOINT, TEMPERATURE, TOP_P, MAX_TOKENS, SEED, KEY = range(len(COLUMNS))
_WARNING = QColor(176, 84, 0)  # dark orange: readable on light and dark table backgrounds
_MUTED = QColor(128, 128, 128)
_Role = Qt.ItemDataRole


@dataclass(frozen=True, slots=True)
class KeyStatus:
    """What the Key column shows for a model: a short text, the full story, and if it blocks."""

    text: str
    detail: str
    missing: bool


def key_status(model: ModelSpec, check: KeyCheck) -> KeyStatus:
    """The Key column's view of a check (made on the worker that ran the check)."""
    if check.missing:
        return KeyStatus(f"missing: set {check.env_var}", missing_message(model, check), True)
    if check.key is not None:
        where = "the keyring" if check.source == "keyring" else check.source.removeprefix("env:")
        return KeyStatus(
            "ok", f"The {display_name(check.provider or '')} key is read from {where}.", False
        )
    if check.local:
        return KeyStatus(
            "not needed (local)", "A server on this machine or network: no key is sent.", False
        )
    return KeyStatus("not needed", f"No key is sent to {model.api_base}.", False)


@dataclass(frozen=True, slots=True)
class _Param:
    field: str
    whole: bool  # an int parameter (max tokens, seed), else a float
    low: float | None
    high: float | None
    hint: str

    def parse(self, value: object) -> tuple[bool, float | int | None]:
        """(accepted, value): empty text means the provider's default (None)."""
        if value is None or (isinstance(value, str) and not value.strip()):
            return True, None
        number: float | int
        try:
            if isinstance(value, str):
                # int() for whole numbers: a seed beyond 2**53 must not pass through a float.
                number = int(value) if self.whole else float(value)
            elif isinstance(value, int | float) and not isinstance(value, bool):
                number = value
            else:
                return False, None
        except ValueError:
            return False, None
        if not math.isfinite(number) or (self.whole and not float(number).is_integer()):
            return False, None
        if (self.low is not None and number < self.low) or (
            self.high is not None and number > self.high
        ):
            return False, None
        return True, int(number) if self.whole else float(number)


_DEFAULT_HINT = " Empty uses the provider's default."
_PARAMS: Mapping[int, _Param] = {
    TEMPERATURE: _Param("temperature", False, 0.0, 2.0, "From 0 to 2." + _DEFAULT_HINT),
    TOP_P: _Param("top_p", False, 0.0, 1.0, "From 0 to 1." + _DEFAULT_HINT),
    MAX_TOKENS: _Param("max_tokens", True, 1, None, "A whole number, 1 or more." + _DEFAULT_HINT),
    SEED: _Param(
        "seed", True, None, None, "A whole number; not every provider honours it." + _DEFAULT_HINT
    ),
}


def _identity(spec: ModelSpec) -> tuple[object, ...]:
    """What a key check depends on: editing parameters keeps a row's status."""
    return (spec.name, spec.api_base, spec.transport, spec.api_key_name)


class ModelsTableModel(QAbstractTableModel):
    """The chosen models; `models_changed` follows every add, removal and edit (not key checks)."""

    models_changed = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._specs: list[ModelSpec] = []
        self._keys: dict[tuple[object, ...], KeyStatus] = {}
        self._warning_icon: QIcon | None = None

    # --- the list of models ---------------------------------------------------------------

    def models(self) -> list[ModelSpec]:
        return list(self._specs)

    def set_models(self, specs: Iterable[ModelSpec]) -> None:
        self.beginResetModel()
        self._specs = list(dict.fromkeys(specs))
        self.endResetModel()
        self.models_changed.emit()

    def add(self, spec: ModelSpec) -> bool:
        """Append `spec`; an exact duplicate is ignored (False)."""
        if spec in self._specs:
            return False
        row = len(self._specs)
        self.beginInsertRows(QModelIndex(), row, row)
        self._specs.append(spec)
        self.endInsertRows()
        self.models_changed.emit()
        return True

    def move_endpoint(self, old: Iterable[str], new: str) -> int:
        """Point each model at an api_base in `old` to `new`, in place, all else kept (a local
        engine served again on another port); how many moved."""
        old_bases = set(old)
        rows = [row for row, spec in enumerate(self._specs) if spec.api_base in old_bases]
        for row in rows:
            self._specs[row] = dataclasses.replace(self._specs[row], api_base=new)
            self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))
        if rows:
            self.models_changed.emit()
        return len(rows)

    def remove_rows(self, rows: Iterable[int]) -> None:
        doomed = sorted({row for row in rows if 0 <= row < len(self._specs)}, reverse=True)
        for row in doomed:
            self.beginRemoveRows(QModelIndex(), row, row)
            del self._specs[row]
            self.endRemoveRows()
        if doomed:
            self.models_changed.emit()

    # --- key status, computed elsewhere ---------------------------------------------------

    def set_key_statuses(self, statuses: Mapping[ModelSpec, KeyStatus]) -> None:
        current = {_identity(spec) for spec in self._specs}
        merged = {**self._keys, **{_identity(spec): status for spec, status in statuses.items()}}
        self._keys = {ident: status for ident, status in merged.items() if ident in current}
        if self._specs:
            self.dataChanged.emit(self.index(0, KEY), self.index(len(self._specs) - 1, KEY))

    def key_status_of(self, row: int) -> KeyStatus | None:
        return self._keys.get(_identity(self._specs[row]))

    # --- QAbstractTableModel --------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802 - Qt's API
        return 0 if parent.isValid() else len(self._specs)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802 - Qt's API
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(  # noqa: N802 - Qt's API
        self, section: int, orientation: Qt.Orientation, role: int = _Role.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(COLUMNS):
            return super().headerData(section, orientation, role)
        if role == _Role.DisplayRole:
            return COLUMNS[section]
        if role == _Role.ToolTipRole and section in _PARAMS:
            return _PARAMS[section].hint
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        return base | Qt.ItemFlag.ItemIsEditable if index.column() in _PARAMS else base

    def data(self, index: Index, role: int = _Role.DisplayRole) -> Any:
        if not index.isValid():
            return None
        spec = self._specs[index.row()]
        column = index.column()
        if column == KEY:
            return self._key_data(self._keys.get(_identity(spec)), role)
        if column in _PARAMS:
            return self._param_data(spec.params, _PARAMS[column], role)
        if role in (_Role.DisplayRole, _Role.ToolTipRole):
            if column == MODEL:
                return spec.label
            return spec.api_base or ("local" if is_local(spec) else "hosted")
        return None

    def setData(self, index: Index, value: Any, role: int = _Role.EditRole) -> bool:  # noqa: N802
        if role != _Role.EditRole or not index.isValid() or index.column() not in _PARAMS:
            return False
        param = _PARAMS[index.column()]
        accepted, number = param.parse(value)
        if not accepted:
            return False
        spec = self._specs[index.row()]
        change: dict[str, Any] = {param.field: number}
        params = dataclasses.replace(spec.params, **change)
        if params == spec.params:
            return True
        self._specs[index.row()] = dataclasses.replace(spec, params=params)
        self.dataChanged.emit(index, index, [_Role.DisplayRole, _Role.EditRole])
        self.models_changed.emit()
        return True

    # ------------------------------------------------------------------------------------------

    @staticmethod
    def _param_data(params: ModelParams, param: _Param, role: int) -> Any:
        value = getattr(params, param.field)
        if role == _Role.EditRole:
            return "" if value is None else _format(value)
        if role == _Role.DisplayRole:
            return "default" if value is None else _format(value)
        if role == _Role.ForegroundRole and value is None:
            return QBrush(_MUTED)
        if role == _Role.ToolTipRole:
            return param.hint
        if role == _Role.TextAlignmentRole:
            return Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        return None

    def _key_data(self, status: KeyStatus | None, role: int) -> Any:
        if status is None:
            if role == _Role.DisplayRole:
                return "checking…"
            if role == _Role.ToolTipRole:
                return "Checking whether this model's key is set."
            return QBrush(_MUTED) if role == _Role.ForegroundRole else None
        if role == _Role.DisplayRole:
            return status.text
        if role == _Role.ToolTipRole:
            return status.detail
        if status.missing and role == _Role.ForegroundRole:
            return QBrush(_WARNING)
        if status.missing and role == _Role.DecorationRole:
            return self._warning()
        return None

    def _warning(self) -> QIcon:
        if self._warning_icon is None:
            style = QApplication.style()
            self._warning_icon = style.standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)
        return self._warning_icon


def _format(value: float | int) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)
