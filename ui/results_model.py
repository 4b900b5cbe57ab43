"""The results grid's data: prompts as rows, models as columns, one live cell state each.

The run controller feeds it the bridge's signals; the view paints from it through a delegate.
Every change names the one cell it touched (`dataChanged` for that index), so a streaming cell
repaints alone and never the whole grid.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from workbench.domain import Cell, CellResult, ModelSpec

Index = QModelIndex | QPersistentModelIndex


class CellStatus(enum.StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    FINISHED = "finished"
    FAILED = "failed"
    CANCELLED = "cancelled"


class Role(enum.IntEnum):
    STATE = Qt.ItemDataRole.UserRole + 1  # the CellState


@dataclass
class CellState:
    cell: Cell
    run_id: int | None = None
    status: CellStatus = CellStatus.PENDING
    text: str = ""
    attempt: int = 0
    result: CellResult | None = None
    rating: int | None = None
    note: str | None = None

    @property
    def output(self) -> str:
        return self.result.output if self.result is not None and self.result.ok else self.text


@dataclass
class _Layout:
    rows: list[str] = field(default_factory=list)  # prompt names
    columns: list[str] = field(default_factory=list)  # model labels
    where: dict[int, tuple[int, int]] = field(default_factory=dict)  # cell index -> (row, col)


class ResultsModel(QAbstractTableModel):
    def __init__(self) -> None:
        super().__init__()
        self._layout = _Layout()
        self._grid: dict[tuple[int, int], CellState] = {}

    # --- Qt's model API -------------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802 - Qt's API
        return 0 if parent.isValid() else len(self._layout.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._layout.columns)

    def headerData(  # noqa: N802
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return None
        names = (
            self._layout.columns if orientation == Qt.Orientation.Horizontal else self._layout.rows
        )
        return names[section] if 0 <= section < len(names) else None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        state = self._grid.get((index.row(), index.column()))
        if state is None:
            return None
        if role == Role.STATE:
            return state
        if role == Qt.ItemDataRole.DisplayRole:
            return state.output
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{state.cell.prompt.name} × {state.cell.model.label}: {state.status.value}"
        return None

    # --- filling it -----------------------------------------------------------------------------

    def start(self, cells: Sequence[Cell], run_id: int | None = None) -> None:
        """A new grid for a plan: one row per prompt, one column per model, all pending."""
        self.beginResetModel()
        self._layout = _layout_of(cells)
        self._grid = {self._layout.where[cell.index]: CellState(cell, run_id) for cell in cells}
        self.endResetModel()

    def load(
        self,
        results: Iterable[CellResult],
        missing: Iterable[Cell],
        run_id: int,
        marks: Mapping[int, tuple[int | None, str | None]] | None = None,
    ) -> None:
        """A past run as it was kept: ended cells with their results, missing ones pending."""
        results = list(results)
        missing = list(missing)
        cells = sorted([r.cell for r in results] + missing, key=lambda cell: cell.index)
        self.start(cells, run_id)
        for result in results:
            state = self.state_of(result.cell.index)
            if state is not None:
                _end(state, result)
        for index, (rating, note) in (marks or {}).items():
            state = self.state_of(index)
            if state is not None:
                state.rating, state.note = rating, note
        self.dataChanged.emit(
            self.index(0, 0), self.index(self.rowCount() - 1, self.columnCount() - 1)
        )

    def set_run_id(self, run_id: int, cells: Iterable[Cell]) -> None:
        for cell in cells:
            state = self.state_of(cell.index)
            if state is not None:
                state.run_id = run_id

    def cell_started(self, cell_index: int, attempt: int) -> None:
        state = self.state_of(cell_index)
        if state is not None:
            state.status, state.attempt = CellStatus.RUNNING, attempt
            self._touch(cell_index)

    def append_text(self, cell_index: int, text: str) -> None:
        state = self.state_of(cell_index)
        if state is not None:
            state.text += text
            self._touch(cell_index)

    def reset_text(self, cell_index: int) -> None:
        state = self.state_of(cell_index)
        if state is not None:
            state.text = ""
            self._touch(cell_index)

    def cell_ended(self, result: CellResult) -> None:
        state = self.state_of(result.cell.index)
        if state is not None:
            _end(state, result)
            self._touch(result.cell.index)

    def restart(self, cell: Cell) -> None:
        """Clear one cell before it runs again."""
        state = self.state_of(cell.index)
        if state is not None:
            state.status, state.text, state.result, state.rating, state.note = (
                CellStatus.PENDING,
                "",
                None,
                None,
                None,
            )
            self._touch(cell.index)

    def set_rating(self, cell_index: int, rating: int | None) -> None:
        state = self.state_of(cell_index)
        if state is not None:
            state.rating = rating
            self._touch(cell_index)

    # --- reading it -----------------------------------------------------------------------------

    def state_of(self, cell_index: int) -> CellState | None:
        where = self._layout.where.get(cell_index)
        return None if where is None else self._grid.get(where)

    def state_at(self, index: Index) -> CellState | None:
        return self._grid.get((index.row(), index.column())) if index.isValid() else None

    def index_of(self, cell_index: int) -> QModelIndex:
        row, column = self._layout.where[cell_index]
        return self.index(row, column)

    def states(self) -> list[CellState]:
        return sorted(self._grid.values(), key=lambda state: state.cell.index)

    def counts(self) -> tuple[int, int]:
        """(ended, total) cells."""
        ended = sum(
            s.status not in (CellStatus.PENDING, CellStatus.RUNNING) for s in self._grid.values()
        )
        return ended, len(self._grid)

    def _touch(self, cell_index: int) -> None:
        index = self.index_of(cell_index)
        self.dataChanged.emit(index, index)


def _end(state: CellState, result: CellResult) -> None:
    state.result = result
    if result.ok:
        state.status, state.text = CellStatus.FINISHED, result.output
    elif result.error is not None and result.error.type == "cancelled":
        state.status = CellStatus.CANCELLED
    else:
        state.status = CellStatus.FAILED


def _layout_of(cells: Sequence[Cell]) -> _Layout:
    """Rows and columns from a plan; a case or repeat beyond the first gets its own row."""
    layout = _Layout()
    labels = column_labels([cell.model for cell in cells])
    for cell in cells:
        row_name = cell.prompt.name
        if cell.case_index is not None:
            row_name += f" · case {cell.case_index + 1}"
        if cell.repeat:
            row_name += f" · repeat {cell.repeat + 1}"
        if row_name not in layout.rows:
            layout.rows.append(row_name)
        label = labels[cell.model]
        if label not in layout.columns:
            layout.columns.append(label)
        layout.where[cell.index] = (layout.rows.index(row_name), layout.columns.index(label))
    return layout


def column_labels(models: Iterable[ModelSpec]) -> dict[ModelSpec, str]:
    """A column title per model: its name, plus its endpoint where two share a name."""
    unique = list(dict.fromkeys(models))
    names = [model.label for model in unique]
    labels: dict[ModelSpec, str] = {}
    for model in unique:
        label = model.label
        if names.count(label) > 1:
            where = urlsplit(model.api_base).netloc if model.api_base else "hosted"
            label = f"{label} @ {where}"
        if label in labels.values():
            label = f"{label} ({list(labels.values()).count(label) + 1})"
        labels[model] = label
    return labels
