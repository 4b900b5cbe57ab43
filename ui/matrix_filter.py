"""Which cases the matrix shows: failures only, cases the columns disagree on, a search.

Rows only, never columns, and never sorted: the plan's order is the order people read. The
filter is not dynamic: re-checking a row on every streamed delta would rebuild the core's matrix
per delta. It is re-applied when the filters change and when the summaries change (at most four
times a second while a run goes), and only while a filter is on.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QSortFilterProxyModel, Slot

from ui.matrix_model import MatrixModel


class MatrixFilter(QSortFilterProxyModel):
    def __init__(self, model: MatrixModel) -> None:
        super().__init__()
        self._model = model
        self._failures_only = False
        self._differs_only = False
        self._search = ""  # case-folded
        self.setDynamicSortFilter(False)
        self.setSourceModel(model)
        model.summaries_changed.connect(self._on_model_summaries_changed)

    @property
    def active(self) -> bool:
        return self._failures_only or self._differs_only or bool(self._search)

    def set_failures_only(self, on: bool) -> None:
        """Only cases where some trial failed, in any column."""
        if on != self._failures_only:
            self.beginFilterChange()
            self._failures_only = on
            self._end_filter_change()

    def set_differs_only(self, on: bool) -> None:
        """Only cases the columns disagree on."""
        if on != self._differs_only:
            self.beginFilterChange()
            self._differs_only = on
            self._end_filter_change()

    def set_search(self, text: str) -> None:
        """Only cases whose variables, description or any output contain `text` (any case)."""
        folded = text.strip().casefold()
        if folded != self._search:
            self.beginFilterChange()
            self._search = folded
            self._end_filter_change()

    def source_row(self, row: int) -> int:
        return self.mapToSource(self.index(row, 0)).row()

    def filterAcceptsRow(  # noqa: N802 - Qt's API
        self, source_row: int, source_parent: QModelIndex | QPersistentModelIndex
    ) -> bool:
        if self._failures_only and not self._model.failing(source_row):
            return False
        if self._differs_only and not self._model.differs(source_row):
            return False
        return not self._search or self._search in self._model.search_text(source_row)

    def _end_filter_change(self) -> None:
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    @Slot()
    def _on_model_summaries_changed(self) -> None:
        if self.active:  # a row may have started or stopped failing, or its outputs changed
            self.beginFilterChange()
            self._end_filter_change()
