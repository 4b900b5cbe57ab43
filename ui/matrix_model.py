"""The comparison matrix as a table model: cases as rows, prompt x model as columns.

Each cell groups a case's repeats in one column. The figures come from the core
(`workbench.matrix`): a cell's counts from its `MatrixCell`, the summary row from a `Matrix` that
is built lazily, only after something ended, so streamed text never costs a rebuild. Every change
names the one index it touched (`dataChanged`), and what the delegate paints is cached per cell
until that cell changes again.
"""

from __future__ import annotations

import enum
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
    Slot,
)

from ui import heap
from ui.matrix_cell_view import CellView, Trial
from workbench.domain import Cell
from workbench.evaluation import CellVerdict
from workbench.matrix import (
    ColumnKey,
    ColumnSummary,
    Matrix,
    MatrixCell,
    build_matrix,
    column_of,
    row_of,
)
from workbench.ratings import Mark
from workbench.suite import Case

Index = QModelIndex | QPersistentModelIndex

_SUMMARY_INTERVAL_S = 0.25  # the summary row follows a run at most four times a second
# ... and a big run's less often: rebuilding the matrix takes at most an eighth of the time.
_SUMMARY_SHARE = 8
_TITLE_CHARS = 32


class MatrixRole(enum.IntEnum):
    VIEW = Qt.ItemDataRole.UserRole + 1  # the CellView the delegate paints


@dataclass(eq=False)
class _Slot:
    """The live state of one case in one column: its repeats, what streams, what ended."""

    row: int  # the case index (`row_of`)
    column: ColumnKey
    cells: list[Cell] = field(default_factory=list)  # one per repeat, in repeat order
    shown: int = 0  # which repeat the detail pane shows (and rating applies to)
    running: set[int] = field(default_factory=set)  # cell indexes streaming now
    text: dict[int, str] = field(default_factory=dict)  # live text per streaming cell index
    verdicts: dict[int, CellVerdict] = field(default_factory=dict)  # per ended cell index
    view: CellView | None = None  # cached until the slot changes


class MatrixModel(QAbstractTableModel):
    summaries_changed = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.run_id: int | None = None
        self._cells: tuple[Cell, ...] = ()
        self._rows: tuple[int, ...] = ()  # case indexes, in plan order
        self._columns: tuple[ColumnKey, ...] = ()
        self._grid: dict[tuple[int, int], _Slot] = {}  # (row, column) position -> slot
        self._where: dict[int, tuple[int, int]] = {}  # cell index -> (row, column) position
        self._cases: list[Case] = []  # per row position
        self._titles: list[str] = []  # row headers
        self._verdicts: dict[int, CellVerdict] = {}  # every ended trial, by cell index
        self._marks: dict[int, Mark] = {}
        self._matrix: Matrix | None = None  # built on demand, dropped when something ends
        self._search: dict[int, str] = {}  # row position -> lower-cased text, built on demand
        self._complete = False
        self._last_summary = 0.0
        self._build_s = 0.0  # how long the last matrix took to build
        self._summary_timer = QTimer(self, singleShot=True)
        self._summary_timer.timeout.connect(self._on_summary_timer_timeout)

    # --- Qt's model API -------------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802 - Qt's API
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._columns)

    def headerData(  # noqa: N802
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return None
        tip = role == Qt.ItemDataRole.ToolTipRole
        if orientation == Qt.Orientation.Horizontal:
            if not 0 <= section < len(self._columns):
                return None
            column = self._columns[section]
            return column.label if tip else f"{column.prompt}\n{column.model}"
        if not 0 <= section < len(self._rows):
            return None
        if tip:
            case = self._cases[section]
            lines = [case.description] if case.description else []
            return "\n".join([*lines, *(f"{k}: {v[:200]}" for k, v in case.vars.items())])
        return self._titles[section]

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if role not in (MatrixRole.VIEW, Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return None
        view = self.view_at(index)
        if view is None:
            return None
        if role == MatrixRole.VIEW:
            return view
        if role == Qt.ItemDataRole.DisplayRole:
            return view.headline
        reasons = [r for t in view.figures.trials for r in t.reasons]
        column = self._columns[index.column()]
        return "\n".join([column.label, self._titles[index.row()], view.headline, *reasons[:6]])

    # --- filling it -----------------------------------------------------------------------------

    def start(
        self, cells: Sequence[Cell], cases: Sequence[Case], run_id: int | None = None
    ) -> None:
        """A new matrix for a plan, every trial pending."""
        heap.release()  # the last run's objects may go now
        self.beginResetModel()
        self._lay_out(cells, cases)
        self.run_id = run_id
        self.endResetModel()
        self._emit_summaries()

    def load(
        self,
        cells: Sequence[Cell],
        verdicts: Iterable[CellVerdict],
        cases: Sequence[Case],
        run_id: int | None,
        marks: Mapping[int, Mark],
    ) -> None:
        """A past run as it was kept: its judged trials and marks; trials not kept stay pending."""
        heap.release()
        self.beginResetModel()
        self._lay_out(cells, cases)
        self.run_id = run_id
        for verdict in verdicts:
            where = self._where.get(verdict.result.cell.index)
            if where is not None:
                self._grid[where].verdicts[verdict.result.cell.index] = verdict
                self._verdicts[verdict.result.cell.index] = verdict
        self._marks = dict(marks)
        self._complete = len(self._verdicts) >= len(self._where)
        self.endResetModel()
        self._emit_summaries()
        heap.settle()

    def set_run_id(self, run_id: int, cells: Iterable[Cell]) -> None:
        """The store's id for the run shown, once it is kept (ignored for another plan's cells)."""
        if any(cell.index in self._where for cell in cells):
            self.run_id = run_id

    def cell_started(self, index: int) -> None:
        slot = self._slot_of(index)
        if slot is not None:
            slot.running.add(index)
            slot.text[index] = ""
            self._touch(slot)

    def append_text(self, index: int, text: str) -> None:
        slot = self._slot_of(index)
        if slot is not None:
            slot.text[index] = slot.text.get(index, "") + text
            self._touch(slot)

    def reset_text(self, index: int) -> None:
        """A retry: the partial text of the failed attempt goes."""
        slot = self._slot_of(index)
        if slot is not None:
            slot.text[index] = ""
            self._touch(slot)

    def cell_ended(self, verdict: CellVerdict) -> None:
        """A trial ended, or its verdict changed (an LLM judge answered): it replaces the last."""
        index = verdict.result.cell.index
        slot = self._slot_of(index)
        if slot is None:
            return
        slot.running.discard(index)
        slot.text.pop(index, None)
        slot.verdicts[index] = verdict
        self._verdicts[index] = verdict
        self._matrix = None
        self._search.pop(self._where[index][0], None)
        self._touch(slot)
        self._summaries_due()

    def set_mark(self, cell_index: int, mark: Mark) -> None:
        slot = self._slot_of(cell_index)
        if slot is not None:
            self._marks[cell_index] = mark
            self._touch(slot)

    def set_shown_repeat(self, index: Index, position: int) -> None:
        """Which repeat of a cell the detail pane shows: the grid shows its text and mark."""
        slot = self._slot_at(index)
        if slot is not None and 0 <= position < len(slot.cells) and slot.shown != position:
            slot.shown = position
            self._touch(slot)

    # --- reading it -----------------------------------------------------------------------------

    def marks(self) -> dict[int, Mark]:
        """Every mark set on the trials shown, by cell index."""
        return dict(self._marks)

    def mark_of(self, cell_index: int) -> Mark:
        return self._marks.get(cell_index, Mark())

    def matrix(self) -> Matrix:
        """The core's matrix over the trials ended so far (rebuilt only after one ended)."""
        if self._matrix is None:
            started = time.perf_counter()
            self._matrix = build_matrix(self._cells, self._verdicts.values())
            self._build_s = time.perf_counter() - started
        return self._matrix

    def summaries(self) -> tuple[ColumnSummary, ...]:
        return self.matrix().summaries

    def columns(self) -> tuple[ColumnKey, ...]:
        return self._columns

    def case_at(self, row: int) -> Case:
        return self._cases[row]

    def case_number(self, row: int) -> int:
        """1-based, as people count cases."""
        return self._rows[row] + 1

    def failing(self, row: int) -> bool:
        return self.matrix().failing(self._rows[row])

    def differs(self, row: int) -> bool:
        return self.matrix().differs(self._rows[row])

    def search_text(self, row: int) -> str:
        """The row's variables, description and outputs, case-folded (kept until one ends)."""
        text = self._search.get(row)
        if text is None:
            case = self._cases[row]
            outputs = (
                verdict.result.output
                for column in range(len(self._columns))
                for verdict in self._slot_verdicts(row, column)
            )
            text = "\n".join([case.description, *case.vars.values(), *outputs]).casefold()
            self._search[row] = text
        return text

    def view_at(self, index: Index) -> CellView | None:
        slot = self._slot_at(index)
        if slot is None:
            return None
        if slot.view is None:
            slot.view = self._view_of(slot)
        return slot.view

    def trials_at(self, index: Index) -> tuple[Trial, ...]:
        """Every repeat of the cell at `index`, in repeat order."""
        slot = self._slot_at(index)
        if slot is None:
            return ()
        return tuple(self._trial(slot, cell) for cell in slot.cells)

    def shown_repeat(self, index: Index) -> int:
        slot = self._slot_at(index)
        return slot.shown if slot is not None else 0

    def shown_cell(self, index: Index) -> int | None:
        """The cell index of the trial shown (and rated) at `index`."""
        slot = self._slot_at(index)
        return slot.cells[slot.shown].index if slot is not None and slot.cells else None

    def index_of(self, cell_index: int) -> QModelIndex:
        row, column = self._where[cell_index]
        return self.index(row, column)

    # --- inside ---------------------------------------------------------------------------------

    def _lay_out(self, cells: Sequence[Cell], cases: Sequence[Case]) -> None:
        self._cells = tuple(cells)
        self._rows = tuple(dict.fromkeys(row_of(cell) for cell in cells))
        self._columns = tuple(dict.fromkeys(column_of(cell) for cell in cells))
        row_pos = {row: i for i, row in enumerate(self._rows)}
        column_pos = {column: i for i, column in enumerate(self._columns)}
        self._grid, self._where = {}, {}
        first: dict[int, Cell] = {}
        for cell in sorted(cells, key=lambda c: (c.repeat, c.index)):
            where = (row_pos[row_of(cell)], column_pos[column_of(cell)])
            slot = self._grid.get(where)
            if slot is None:
                slot = self._grid[where] = _Slot(row_of(cell), column_of(cell))
            slot.cells.append(cell)
            self._where[cell.index] = where
            first.setdefault(row_of(cell), cell)
        self._cases = [
            cases[row] if 0 <= row < len(cases) else Case(vars=dict(first[row].variables))
            for row in self._rows
        ]
        self._titles = [
            _title(row + 1, case) for row, case in zip(self._rows, self._cases, strict=True)
        ]
        self._verdicts, self._marks, self._search = {}, {}, {}
        self._matrix = None
        self._complete = not self._where
        self._summary_timer.stop()  # the old run's pending notice: `start`/`load` emit their own

    def _slot_of(self, cell_index: int) -> _Slot | None:
        where = self._where.get(cell_index)
        return None if where is None else self._grid[where]

    def _slot_at(self, index: Index) -> _Slot | None:
        if not index.isValid() or index.model() is not self:
            return None
        return self._grid.get((index.row(), index.column()))

    def _slot_verdicts(self, row: int, column: int) -> Iterable[CellVerdict]:
        slot = self._grid.get((row, column))
        return slot.verdicts.values() if slot is not None else ()

    def _trial(self, slot: _Slot, cell: Cell) -> Trial:
        return Trial(
            cell=cell,
            verdict=slot.verdicts.get(cell.index),
            text=slot.text.get(cell.index, ""),
            running=cell.index in slot.running,
            mark=self.mark_of(cell.index),
        )

    def _view_of(self, slot: _Slot) -> CellView:
        trials = tuple(slot.verdicts[c.index] for c in slot.cells if c.index in slot.verdicts)
        shown = slot.cells[slot.shown]
        # The shown repeat's text; while it has none yet, whichever repeat has some.
        showing = next(
            (
                cell
                for cell in (shown, *slot.cells)
                if cell.index in slot.verdicts or cell.index in slot.running
            ),
            shown,
        )
        verdict = slot.verdicts.get(showing.index)
        error = verdict.result.error if verdict is not None else None
        checked = verdict.verdicts if verdict is not None else ()
        return CellView(
            figures=MatrixCell(slot.row, slot.column, trials),
            planned=len(slot.cells),
            running=bool(slot.running),
            text=verdict.result.output if verdict is not None else slot.text.get(showing.index, ""),
            live=verdict is None and showing.index in slot.running,
            error=error.message if error is not None else None,
            failed_checks=sum(not v.passed for v in checked),
            pending_checks=len(verdict.pending) if verdict is not None else 0,
            mark=self.mark_of(shown.index),
        )

    def _touch(self, slot: _Slot) -> None:
        slot.view = None
        index = self.index_of(slot.cells[0].index)
        self.dataChanged.emit(index, index)

    def _summaries_due(self) -> None:
        """Say the summaries changed: at once when the last trial ends, else at most 4x/s."""
        if not self._complete and len(self._verdicts) >= len(self._where):
            self._complete = True
            self._summary_timer.stop()
            self._emit_summaries()
            heap.settle()  # every trial has ended: the run's objects live until the next one
            return
        if self._summary_timer.isActive():
            return
        interval_s = max(_SUMMARY_INTERVAL_S, self._build_s * _SUMMARY_SHARE)
        wait_s = interval_s - (time.monotonic() - self._last_summary)
        if wait_s <= 0:
            self._emit_summaries()
        else:
            self._summary_timer.start(int(wait_s * 1000) + 1)

    def _emit_summaries(self) -> None:
        self._last_summary = time.monotonic()
        self.summaries_changed.emit()

    @Slot()
    def _on_summary_timer_timeout(self) -> None:
        self._emit_summaries()


def _title(number: int, case: Case) -> str:
    """A row header: "#3 " and the case's description, or its first variable's value, short."""
    label = case.description or next(iter(case.vars.values()), "")
    label = " ".join(label[: _TITLE_CHARS * 4].split())
    if len(label) > _TITLE_CHARS:
        label = label[: _TITLE_CHARS - 1] + "…"
    return f"#{number} {label}".rstrip()
