"""The matrix view: cases x (prompt x model), a summary row, filters, and one cell's detail.

Built for rating by keyboard: arrows move, + and - give thumbs, 1 to 5 a score, N a note. The
panel only asks (`rating_requested`, `score_requested`, `note_requested`): the window stores the
mark and hands it back through `MatrixModel.set_mark`, which shows it at once.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QModelIndex, QPoint, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ui.matrix_delegate import COLUMN_WIDTH, MatrixDelegate, row_height
from ui.matrix_detail import MatrixDetail
from ui.matrix_filter import MatrixFilter
from ui.matrix_model import MatrixModel
from ui.matrix_summary import SummaryStrip

_SEARCH_DELAY_MS = 150
_SHOWN_SENTENCES = 3


class MatrixPanel(QWidget):
    rating_requested = Signal(int, object)  # cell index, +1 / -1 / None
    score_requested = Signal(int, object)  # cell index, 1..5 / None
    note_requested = Signal(int, object)  # cell index, the note / None
    pin_requested = Signal(object)  # the selected case's variables (dict[str, str])
    compare_requested = Signal(int, int)  # the two selected cells' indexes, lower first

    def __init__(self, model: MatrixModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("matrixPanel")
        self.model = model
        self.proxy = MatrixFilter(model)
        self.view = self._make_view()
        self.summary = SummaryStrip(self.view, model)
        self.significance = QLabel()
        self.significance.setObjectName("matrixSignificance")
        self.significance.setWordWrap(True)
        self.significance.setContentsMargins(6, 2, 6, 2)
        self.significance.setTextFormat(Qt.TextFormat.PlainText)
        self.detail = MatrixDetail()

        matrix = QWidget()
        matrix_layout = QVBoxLayout(matrix)
        matrix_layout.setContentsMargins(0, 0, 0, 0)
        matrix_layout.setSpacing(0)
        matrix_layout.addWidget(self.view, 1)
        matrix_layout.addWidget(self.summary)
        matrix_layout.addWidget(self.significance)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.setObjectName("matrixSplitter")
        self.splitter.addWidget(matrix)
        self.splitter.addWidget(self.detail)
        self.splitter.setSizes([500, 260])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(self._filter_bar())
        layout.addWidget(self.splitter, 1)

        self.matrix_actions = self._make_actions()
        self.view.selectionModel().currentChanged.connect(self._on_view_current_changed)
        self.view.selectionModel().selectionChanged.connect(self._on_view_selection_changed)
        self.view.customContextMenuRequested.connect(self._on_view_context_menu)
        self.detail.repeat_chosen.connect(self._on_detail_repeat_chosen)
        self.detail.note_saved.connect(self._on_detail_note_saved)
        self.summary.significance_changed.connect(self._on_summary_significance_changed)
        model.dataChanged.connect(self._on_model_data_changed)
        model.modelReset.connect(self._on_model_reset)
        for signal in (self.proxy.rowsInserted, self.proxy.rowsRemoved, self.proxy.modelReset):
            signal.connect(self._on_proxy_rows_changed)
        self._on_summary_significance_changed()
        self._on_proxy_rows_changed()
        self._on_view_selection_changed()

    def _make_view(self) -> QTableView:
        view = QTableView()
        view.setObjectName("matrixView")
        view.setModel(self.proxy)
        view.setItemDelegate(MatrixDelegate(view))
        view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        view.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        view.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        view.setWordWrap(False)
        view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        # One fixed height for every row and a set width per column: the view never measures
        # a cell's contents, so thousands of rows lay out as fast as ten.
        rows = view.verticalHeader()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(row_height(view.font()))
        rows.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        columns = view.horizontalHeader()
        columns.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        columns.setDefaultSectionSize(COLUMN_WIDTH)
        columns.setMinimumSectionSize(140)
        columns.setTextElideMode(Qt.TextElideMode.ElideRight)
        return view

    def _filter_bar(self) -> QHBoxLayout:
        self.failures_only = QCheckBox("Failures only")
        self.failures_only.setObjectName("failuresOnly")
        self.failures_only.setToolTip("Show only cases where some trial failed, in any column")
        self.failures_only.toggled.connect(self.proxy.set_failures_only)
        self.differs_only = QCheckBox("Columns differ")
        self.differs_only.setObjectName("columnsDiffer")
        self.differs_only.setToolTip("Show only cases the columns disagree on")
        self.differs_only.toggled.connect(self.proxy.set_differs_only)
        self.search = QLineEdit()
        self.search.setObjectName("matrixSearch")
        self.search.setPlaceholderText("Search cases and outputs")
        self.search.setClearButtonEnabled(True)
        self._search_timer = QTimer(self, singleShot=True, interval=_SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self._on_search_timer_timeout)
        self.search.textChanged.connect(self._search_timer.start)
        self.count = QLabel()
        self.count.setObjectName("matrixCount")
        bar = QHBoxLayout()
        bar.addWidget(self.failures_only)
        bar.addWidget(self.differs_only)
        bar.addWidget(self.search, 1)
        bar.addWidget(self.count)
        return bar

    # --- actions ----------------------------------------------------------------------------------

    def _make_actions(self) -> dict[str, QAction]:
        specs: list[tuple[str, str, tuple[str, ...], Callable[[], None]]] = [
            ("thumbs_up", "Thumbs up", ("+", "="), lambda: self._rate(1)),
            ("thumbs_down", "Thumbs down", ("-",), lambda: self._rate(-1)),
            ("clear_thumbs", "Clear thumbs", ("0",), lambda: self._rate(None)),
            *((f"score_{n}", f"Score {n}", (str(n),), self._scorer(n)) for n in (1, 2, 3, 4, 5)),
            ("clear_score", "Clear score", ("Shift+0", "Backspace"), self._scorer(None)),
            ("note", "Edit note…", ("N",), self.detail.edit_note),
            ("pin", "Pin as case", (), self._pin),
            ("compare", "Compare outputs", ("Ctrl+D",), self._compare),
        ]
        actions: dict[str, QAction] = {}
        for name, text, keys, slot in specs:
            action = QAction(text, self.view)
            action.setObjectName(f"matrix_{name}")
            action.setShortcuts([QKeySequence(key) for key in keys])
            action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
            action.triggered.connect(slot)
            self.view.addAction(action)
            actions[name] = action
        return actions

    def _scorer(self, score: int | None) -> Callable[[], None]:
        return lambda: self._score(score)

    def current_cell(self) -> int | None:
        """The cell index of the trial the detail pane shows: the one a rating applies to."""
        index = self._source(self.view.currentIndex())
        if not index.isValid():
            return None
        shown = self.model.shown_repeat(index)
        trials = self.model.trials_at(index)
        if not trials or trials[shown].verdict is None:
            return None  # nothing to rate until it ends
        return trials[shown].cell.index

    def selected_cells(self) -> list[int]:
        """The shown trial's cell index of every selected matrix cell."""
        found = (self.model.shown_cell(self._source(i)) for i in self.view.selectedIndexes())
        return sorted(cell for cell in found if cell is not None)

    def select_cell(self, cell_index: int) -> None:
        index = self.proxy.mapFromSource(self.model.index_of(cell_index))
        if index.isValid():
            self.view.setCurrentIndex(index)

    def _rate(self, rating: int | None) -> None:
        cell = self.current_cell()
        if cell is not None:
            self.rating_requested.emit(cell, rating)

    def _score(self, score: int | None) -> None:
        cell = self.current_cell()
        if cell is not None:
            self.score_requested.emit(cell, score)

    def _pin(self) -> None:
        index = self._source(self.view.currentIndex())
        if index.isValid():
            self.pin_requested.emit(dict(self.model.case_at(index.row()).vars))

    def _compare(self) -> None:
        cells = self.selected_cells()
        if len(cells) == 2:
            self.compare_requested.emit(cells[0], cells[1])

    @Slot(QPoint)
    def _on_view_context_menu(self, position: QPoint) -> None:
        menu = QMenu(self)
        for name in ("thumbs_up", "thumbs_down", "clear_thumbs", "note", None, "pin", "compare"):
            if name is None:
                menu.addSeparator()
            else:
                menu.addAction(self.matrix_actions[name])
        menu.popup(self.view.viewport().mapToGlobal(position))

    # --- following the view and the model ---------------------------------------------------------

    def _source(self, index: QModelIndex) -> QModelIndex:
        return self.proxy.mapToSource(index) if index.isValid() else QModelIndex()

    def _show_current(self) -> None:
        index = self._source(self.view.currentIndex())
        if not index.isValid():
            self.detail.clear()
            return
        row, column = index.row(), self.model.columns()[index.column()]
        title = f"{self.model.headerData(row, Qt.Orientation.Vertical)} — {column.label}"
        self.detail.show_trials(title, self.model.trials_at(index), self.model.shown_repeat(index))

    @Slot(QModelIndex, QModelIndex)
    def _on_view_current_changed(self, _current: QModelIndex, _previous: QModelIndex) -> None:
        self._show_current()

    @Slot()
    def _on_view_selection_changed(self) -> None:
        self.matrix_actions["compare"].setEnabled(len(self.selected_cells()) == 2)

    @Slot(QModelIndex, QModelIndex)
    def _on_model_data_changed(self, first: QModelIndex, _last: QModelIndex) -> None:
        if self._source(self.view.currentIndex()) == first:
            self._show_current()

    @Slot()
    def _on_model_reset(self) -> None:
        self.detail.clear()

    @Slot(int)
    def _on_detail_repeat_chosen(self, position: int) -> None:
        self.model.set_shown_repeat(self._source(self.view.currentIndex()), position)

    @Slot(object)
    def _on_detail_note_saved(self, note: object) -> None:
        cell = self.current_cell()
        if cell is not None:
            self.note_requested.emit(cell, note)
            self.view.setFocus()

    @Slot()
    def _on_search_timer_timeout(self) -> None:
        self.proxy.set_search(self.search.text())

    @Slot()
    def _on_proxy_rows_changed(self) -> None:
        self.count.setText(f"{self.proxy.rowCount():,} of {self.model.rowCount():,} cases")

    @Slot()
    def _on_summary_significance_changed(self) -> None:
        found = self.summary.significance
        significant = [sentence for _, yes, sentence in found if yes]
        shown = significant[:_SHOWN_SENTENCES]
        if len(significant) > len(shown):
            shown.append(f"… and {len(significant) - len(shown)} more (hover for every test)")
        if not significant and found:
            shown = ["No column differs significantly from the best (hover for every test)."]
        self.significance.setText("\n".join(shown))
        self.significance.setToolTip("\n".join(sentence for _, _, sentence in found))
        self.significance.setVisible(bool(found))
