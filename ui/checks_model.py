"""A suite's checks as a table: one row per Check, its type, value, threshold and judge model.

Every row is validated as `workbench eval` validates it (`checks.validate_check`). A row that
fails keeps what the person typed and turns red with the reason, because people fix a check
rather than retype it; `checks()` holds only the rows that pass, `problems()` says why the others
do not.

Values are edited as text. What the text becomes depends on the type: text-only types (contains,
regex, python, ...) always keep it as a string, so `[0-9]+` stays a pattern; types that also take
a list or an object read text that starts with `[` or `{` as JSON or YAML flow, and a YAML block
(`- a` lines, `key: value` lines) when it reads as the shape the type takes; `length` reads any
YAML, so `200` is the number 200.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
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

from workbench import checks
from workbench.errors import UsageError
from workbench.suite import Check, JsonValue
from workbench.yaml_doc import load_yaml

Index = QModelIndex | QPersistentModelIndex
COLUMNS = ("Type", "Value", "Threshold", "Judge model")
TYPE, VALUE, THRESHOLD, JUDGE = range(len(COLUMNS))
_Role = Qt.ItemDataRole
_PREVIEW = 80
_TIP_LIMIT = 2000
_MUTED = QColor(128, 128, 128)
_INVALID = QColor("#b3261e")
_INVALID_BACKGROUND = QColor(179, 38, 30, 40)

# Types whose value is text whatever it looks like (latency and cost ignore their value).
_TEXT_ONLY = frozenset(
    {
        *("contains", "icontains", "starts-with", "regex", "levenshtein"),
        *("rouge-n", "rouge-l", "python", "latency", "cost"),
    }
)
# Text-first types: only `[...]` or `{...}` is read as structure, so a multi-line rubric or an
# expected "Answer: yes" stays text.
_BRACKETS_ONLY = frozenset({"equals", "llm-rubric"})
# The shapes a YAML block may give each type; a block that reads as anything else stays text.
_BLOCK_SHAPES: Mapping[str, tuple[type, ...]] = {
    **dict.fromkeys(("contains-any", "contains-all", "icontains-any", "icontains-all"), (list,)),
    "bleu": (list,),
    "is-json": (dict,),
    "contains-json": (dict,),
    "length": (dict, int),
}
_ANY_YAML = frozenset({"length"})

_THRESHOLD_HINTS: Mapping[str, str] = {
    "latency": "Required: the most milliseconds the call may take.",
    "cost": "Required: the most US dollars the call may cost.",
    "levenshtein": "The most edits allowed; empty means 5.",
    "bleu": "From 0 to 1: the score to reach; empty means 0.5.",
    "rouge-n": "From 0 to 1: the score to reach; empty means 0.75.",
    "rouge-l": "From 0 to 1: the score to reach; empty means 0.75.",
    "python": "A number result passes at or above it; empty: above 0.",
    "llm-rubric": "From 0 to 1: the judge's score must also reach it; empty: the verdict only.",
    "length": "None: the value sets the bounds.",
}
_NO_THRESHOLD_HINT = "Not used by this type."
_JUDGE_HINT = (
    "The model that grades the output: a litellm name or a model of the suite. Empty leaves the "
    "choice to whoever runs the suite (workbench eval --judge)."
)
_NO_JUDGE_HINT = "Only model-graded checks (llm-rubric) have a judge model."


def base_type(check_type: str) -> str:
    return check_type.removeprefix("not-")


def type_choices() -> tuple[str, ...]:
    """Every type the workbench judges, each followed by its inverting not- form where it has
    one."""
    choices: list[str] = []
    for name in sorted(checks.SUPPORTED_TYPES):
        choices.append(name)
        if checks.is_supported(f"not-{name}"):
            choices.append(f"not-{name}")
    return tuple(choices)


def value_text(value: JsonValue) -> str:
    """A value as the table shows and edits it; `value_from_text` reads it back unchanged."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def value_from_text(check_type: str, text: str) -> JsonValue:
    """What `text` typed in the Value column means for `check_type` (see the module docstring).

    Empty text is no value. Text that starts with `[` or `{` but is neither JSON nor YAML raises
    UsageError, where the type reads such text as structure.
    """
    if not text.strip():
        return None
    base = base_type(check_type)
    if base in _TEXT_ONLY:
        return text
    if text.lstrip().startswith(("[", "{")):
        return _parsed(text)
    if base in _BRACKETS_ONLY:
        return text
    shapes = _BLOCK_SHAPES.get(base, (list, dict))
    if base not in _ANY_YAML and "\n" not in text.strip():
        return text  # one line of `key: value` is a sentence more often than a mapping
    try:
        parsed = _parsed(text)
    except UsageError:
        return text
    is_shape = isinstance(parsed, shapes) and not isinstance(parsed, bool)
    return parsed if is_shape else text


def _parsed(text: str) -> object:
    try:
        return json.loads(text)  # first, because YAML 1.1 reads JSON's 1e-07 as a string
    except ValueError:
        return load_yaml(text, Path("value")).data
    except RecursionError as exc:
        raise UsageError("the value is nested too deeply") from exc


def threshold_hint(check_type: str) -> str:
    return _THRESHOLD_HINTS.get(base_type(check_type), _NO_THRESHOLD_HINT)


def _number(value: float) -> str:
    return repr(value).removesuffix(".0")


@dataclass
class _Row:
    check: Check  # as the person left it, also when it is invalid
    text: str | None = None  # the value as last typed: read again when the type changes
    parse_problem: str | None = None
    problem: str | None = None


class ChecksModel(QAbstractTableModel):
    """The checks; `checks_changed` follows every change of the rows (set_checks included)."""

    checks_changed = Signal()
    edit_refused = Signal(str)  # why

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[_Row] = []

    # --- the checks ---------------------------------------------------------------------------

    def checks(self) -> tuple[Check, ...]:
        """The valid checks, in order; a judge model only on the model-graded ones."""
        return tuple(
            row.check if checks.needs_model(row.check.type) else replace(row.check, provider=None)
            for row in self._rows
            if row.problem is None
        )

    def problems(self) -> list[str]:
        """Why each invalid row is left out of `checks()`, in row order."""
        return [row.problem for row in self._rows if row.problem is not None]

    def all_checks(self) -> tuple[Check, ...]:
        """Every row's check as it stands, the invalid ones too (what a draft keeps)."""
        return tuple(row.check for row in self._rows)

    def check_at(self, row: int) -> Check:
        """The row's check as it stands, valid or not."""
        return self._rows[row].check

    def problem_at(self, row: int) -> str | None:
        return self._rows[row].problem

    def set_checks(self, given: Iterable[Check]) -> None:
        self.beginResetModel()
        self._rows = [_Row(check) for check in given]
        self._validate_all()
        self.endResetModel()
        self.checks_changed.emit()

    def add_check(self, check: Check) -> int:
        """Append `check`; its row."""
        row = len(self._rows)
        self.beginInsertRows(QModelIndex(), row, row)
        self._rows.append(_Row(check))
        self._validate(row)
        self.endInsertRows()
        self.checks_changed.emit()
        return row

    def remove_rows(self, rows: Iterable[int]) -> None:
        doomed = sorted({row for row in rows if 0 <= row < len(self._rows)}, reverse=True)
        for row in doomed:
            self.beginRemoveRows(QModelIndex(), row, row)
            del self._rows[row]
            self.endRemoveRows()
        if doomed:
            self._renumbered(min(doomed))
            self.checks_changed.emit()

    def move_row(self, row: int, to: int) -> bool:
        """Move `row` to position `to` (both within the table); False when it cannot move."""
        if not (0 <= row < len(self._rows) and 0 <= to < len(self._rows)) or row == to:
            return False
        # Qt's destination is the row to insert before, counted before the move.
        self.beginMoveRows(QModelIndex(), row, row, QModelIndex(), to + 1 if to > row else to)
        self._rows.insert(to, self._rows.pop(row))
        self.endMoveRows()
        self._renumbered(min(row, to))
        self.checks_changed.emit()
        return True

    # --- QAbstractTableModel ------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802 - Qt's API
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802 - Qt's API
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(  # noqa: N802 - Qt's API
        self, section: int, orientation: Qt.Orientation, role: int = _Role.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(COLUMNS):
            return super().headerData(section, orientation, role)
        if role == _Role.DisplayRole:
            return COLUMNS[section]
        if role == _Role.ToolTipRole and section == JUDGE:
            return _JUDGE_HINT
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.column() == JUDGE and not checks.needs_model(self._rows[index.row()].check.type):
            return base
        return base | Qt.ItemFlag.ItemIsEditable

    def data(self, index: Index, role: int = _Role.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self._rows[index.row()]
        if row.problem is not None:
            if role == _Role.ToolTipRole:
                return row.problem
            if role == _Role.BackgroundRole:
                return QBrush(_INVALID_BACKGROUND)
            if role == _Role.DecorationRole and index.column() == TYPE:
                return _INVALID  # Qt draws a colour as a small swatch: the red mark
        column = index.column()
        if column == TYPE:
            return row.check.type if role in (_Role.DisplayRole, _Role.EditRole) else None
        if column == VALUE:
            return _value_data(row, role)
        if column == THRESHOLD:
            return _threshold_data(row.check, role)
        return _judge_data(row.check, role)

    def setData(self, index: Index, value: Any, role: int = _Role.EditRole) -> bool:  # noqa: N802
        if role != _Role.EditRole or not index.isValid():
            return False
        row = self._rows[index.row()]
        edit = {TYPE: self._edit_type, VALUE: self._edit_value, THRESHOLD: self._edit_threshold}
        if index.column() in edit:
            changed = edit[index.column()](row, value)
        elif checks.needs_model(row.check.type):
            changed = self._edit_judge(row, value)
        else:
            return False
        if changed is None:
            return False
        if changed:
            self._validate(index.row())
            self.dataChanged.emit(self.index(index.row(), 0), self.index(index.row(), JUDGE))
            self.checks_changed.emit()
        return True

    # --- edits: None when refused, else whether anything changed ------------------------------

    def _edit_type(self, row: _Row, value: object) -> bool | None:
        text = str(value or "").strip()
        if not text:
            self.edit_refused.emit("a check needs a type")
            return None
        if text == row.check.type:
            return False
        row.check = replace(row.check, type=text)
        if row.text is not None:
            self._read_value(row, row.text)
        return True

    def _edit_value(self, row: _Row, value: object) -> bool:
        text = "" if value is None else str(value)
        if text == (row.text if row.text is not None else value_text(row.check.value)):
            return False  # an editor closed with no change keeps the value exactly
        self._read_value(row, text)
        return True

    def _read_value(self, row: _Row, text: str) -> None:
        row.text = text
        try:
            row.check = replace(row.check, value=value_from_text(row.check.type, text))
            row.parse_problem = None
        except UsageError as exc:
            row.check = replace(row.check, value=text)
            row.parse_problem = str(exc)

    def _edit_threshold(self, row: _Row, value: object) -> bool | None:
        number: float | None
        if isinstance(value, int | float) and not isinstance(value, bool):
            number = float(value)
        elif value is None or not str(value).strip():
            number = None
        else:
            try:
                number = float(str(value).strip())
            except ValueError:
                number = math.nan
        if number is not None and not math.isfinite(number):
            self.edit_refused.emit(f"a threshold is a number, not {value!r}")
            return None
        if number == row.check.threshold:
            return False
        row.check = replace(row.check, threshold=number)
        return True

    @staticmethod
    def _edit_judge(row: _Row, value: object) -> bool:
        name = str(value or "").strip() or None
        if name == row.check.provider:
            return False
        row.check = replace(row.check, provider=name)
        return True

    # --- validation ---------------------------------------------------------------------------

    def _validate(self, position: int) -> None:
        row = self._rows[position]
        where = f"check {position + 1}"
        if row.parse_problem is not None:
            row.problem = f"{where}: {row.parse_problem}"
            return
        try:
            checks.validate_check(row.check, where)
            row.problem = None
        except UsageError as exc:
            row.problem = str(exc)

    def _validate_all(self) -> None:
        for position in range(len(self._rows)):
            self._validate(position)

    def _renumbered(self, first: int) -> None:
        """Rows from `first` on have new numbers, and their messages name them."""
        for position in range(first, len(self._rows)):
            self._validate(position)
        if first < len(self._rows):
            self.dataChanged.emit(self.index(first, 0), self.index(len(self._rows) - 1, JUDGE))


def _value_data(row: _Row, role: int) -> Any:
    text = row.text if row.text is not None else value_text(row.check.value)
    if role == _Role.EditRole:
        return text
    if role == _Role.DisplayRole:
        if row.check.value is None:
            return "(none)"
        first = text.split("\n", 1)[0]
        more = len(text) > len(first) or len(first) > _PREVIEW
        return first[:_PREVIEW] + ("…" if more else "")
    if role == _Role.ForegroundRole and row.check.value is None:
        return QBrush(_MUTED)
    if role == _Role.ToolTipRole and text:
        return text[:_TIP_LIMIT]
    return None


def _threshold_data(check: Check, role: int) -> Any:
    threshold = check.threshold
    if role in (_Role.DisplayRole, _Role.EditRole):
        return "" if threshold is None else _number(threshold)
    if role == _Role.ToolTipRole:
        return threshold_hint(check.type)
    if role == _Role.TextAlignmentRole:
        return Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
    return None


def _judge_data(check: Check, role: int) -> Any:
    graded = checks.needs_model(check.type)
    if role == _Role.DisplayRole:
        if not graded:
            return "not used"
        return check.provider or "chosen when run"
    if role == _Role.EditRole:
        return check.provider or ""
    if role == _Role.ForegroundRole and (not graded or check.provider is None):
        return QBrush(_MUTED)
    if role == _Role.ToolTipRole:
        return _JUDGE_HINT if graded else _NO_JUDGE_HINT
    return None
