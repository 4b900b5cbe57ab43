"""Two runs of a suite side by side: per column the pass rates and whether the change is more than
chance, the cases that changed (worse first), and for one of them what the output said before and
after, word by word, with why each verdict was given.

The figures are the core's (`workbench.run_compare`); this module only lays them out: the dialog,
its two small table models and how a case reads, kept together because nothing else uses them.
Also the plain word diff of any two outputs (`OutputDiffDialog`), for two cells a person picks.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Slot,
)
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ui.diff_view import DiffView
from ui.matrix_summary import pass_line
from workbench.matrix import Matrix, MatrixCell
from workbench.run_compare import CaseChange, Change, ColumnChange, compare_runs

Index = QModelIndex | QPersistentModelIndex

# How each change reads in the list, and the order the list shows them in: regressions first.
CHANGE_TEXT = {
    Change.WORSE: "▼ worse",
    Change.BETTER: "▲ better",
    Change.CHANGED: "≠ output changed",
    Change.NEW: "+ new",
    Change.GONE: "\u2212 gone",  # a minus sign, as wide as the plus
    Change.SAME: "= same",
}
_ORDER = {change: position for position, change in enumerate(CHANGE_TEXT)}
# The filter's entries and the changes each shows; "All changes" is where the dialog opens.
FILTERS: dict[str, frozenset[Change]] = {
    "Worse": frozenset({Change.WORSE}),
    "Better": frozenset({Change.BETTER}),
    "All changes": frozenset(set(Change) - {Change.SAME}),
    "Everything": frozenset(Change),
}
DEFAULT_FILTER = "All changes"


class _TextTable(QAbstractTableModel):
    """A read-only table of text with a heading and a tooltip per column."""

    def __init__(self, headings: Sequence[tuple[str, str]], parent: QObject | None) -> None:
        super().__init__(parent)
        self._headings = tuple(headings)
        self._rows = 0  # subclasses keep it in step with their data

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802 - Qt's API
        return 0 if parent.isValid() else self._rows

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._headings)

    def headerData(  # noqa: N802
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self._headings):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._headings[section][0]
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._headings[section][1]
        return None


class ColumnChangesModel(_TextTable):
    """One row per prompt x model: pass rates before and after, case counts, the test's verdict."""

    def __init__(
        self,
        changes: Sequence[ColumnChange],
        before_label: str,
        after_label: str,
        parent: QObject | None = None,
    ) -> None:
        rate = "Pass rate in {}, its 95% interval, and passed/trials"
        verdict = (
            "Which run passes more cases, and whether that is more than chance: exact McNemar "
            "over the cases both runs have (a case passes when all its repeats pass)"
        )
        headings = (
            ("Prompt × model", "The column of the results grid"),
            (before_label, rate.format(before_label)),
            (after_label, rate.format(after_label)),
            ("Better", f"Cases that do better in {after_label}"),
            ("Worse", f"Cases that do worse in {after_label}"),
            ("Verdict", verdict),
        )
        super().__init__(headings, parent)
        self._changes = tuple(changes)
        self._rows = len(self._changes)
        self._labels = (before_label, after_label)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return self._text(self._changes[index.row()], index.column())
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() in (3, 4):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def _text(self, change: ColumnChange, column: int) -> str:
        if column == 0:
            return change.column.label
        if column in (1, 2):
            summary = change.before if column == 1 else change.after
            return "not in this run" if summary is None else pass_line(summary)
        if column in (3, 4):
            return str(change.better if column == 3 else change.worse)
        return change.sentence(*self._labels)


class CaseChangesModel(_TextTable):
    """The case changes the filter lets through, worse first; replaced whole by `set_filter`."""

    def __init__(
        self,
        changes: Sequence[CaseChange],
        before_label: str,
        after_label: str,
        parent: QObject | None = None,
    ) -> None:
        headings = (
            ("Change", "Better or worse by the share of repeats passed, then by mean score"),
            ("Prompt × model", "The column of the results grid"),
            ("Case", "The case's variables: cases are matched across runs by them"),
            (before_label, f"Outcome, repeats passed and mean score in {before_label}"),
            (after_label, f"Outcome, repeats passed and mean score in {after_label}"),
        )
        super().__init__(headings, parent)
        # A stable sort: within one kind of change, the comparison's column and case order.
        self._all = sorted(changes, key=lambda c: _ORDER[c.change])
        self._shown: list[CaseChange] = []
        self.set_filter(DEFAULT_FILTER)

    def set_filter(self, name: str) -> None:
        kinds = FILTERS[name]
        self.beginResetModel()
        self._shown = [c for c in self._all if c.change in kinds]
        self._rows = len(self._shown)
        self.endResetModel()

    def change_at(self, row: int) -> CaseChange | None:
        return self._shown[row] if 0 <= row < len(self._shown) else None

    def total(self) -> int:
        return len(self._all)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        change = self.change_at(index.row()) if index.isValid() else None
        if change is None:
            return None
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            texts = (
                CHANGE_TEXT[change.change],
                change.column.label,
                variables_line(change.variables),
                cell_line(change.before),
                cell_line(change.after),
            )
            return texts[column]
        if role == Qt.ItemDataRole.ToolTipRole and column == 2:
            return "\n".join(f"{k}: {v}" for k, v in change.variables.items()) or "(no variables)"
        return None


class CompareDialog(QDialog):
    """`before` and `after`, two runs' matrices; `*_cases[row]` is the variables of a row."""

    def __init__(  # noqa: PLR0917 - each run's label, matrix and cases, before then after
        self,
        before_label: str,
        before: Matrix,
        before_cases: Sequence[Mapping[str, str]],
        after_label: str,
        after: Matrix,
        after_cases: Sequence[Mapping[str, str]],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("compareDialog")
        self.setWindowTitle(f"Compare runs: {before_label} → {after_label}")
        self.resize(1100, 800)
        self._labels = (before_label, after_label)
        comparison = compare_runs(before, after, before_cases, after_cases)
        self._columns = ColumnChangesModel(comparison.columns, before_label, after_label, self)
        self._cases = CaseChangesModel(comparison.cases, before_label, after_label, self)

        self._summary = _plain_label("compareSummary")
        self._summary.setText(counts_line(comparison.cases))
        self._filter = QComboBox()
        self._filter.setObjectName("compareFilter")
        self._filter.setAccessibleName("Show")
        self._filter.addItems(list(FILTERS))
        self._filter.setCurrentText(DEFAULT_FILTER)
        self._filter.currentTextChanged.connect(self._on_filter_current_text_changed)
        self._shown_count = _plain_label("compareShownCount")
        self._case_view = _table("compareCases", self._cases, stretch=2)
        self._case_view.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self._case_view.selectionModel().currentRowChanged.connect(self._on_case_current_changed)
        self.diff_view = DiffView()
        self.diff_view.setObjectName("compareDiff")
        self._reasons = (
            _reasons_view("compareReasonsBefore"),
            _reasons_view("compareReasonsAfter"),
        )
        self._lay_out()
        self._show_filtered()

    def _lay_out(self) -> None:
        """Top to bottom: the columns, the case list under its filter, the selected case."""
        filter_row = QHBoxLayout()
        filter_row.addWidget(QLabel("Show"))
        filter_row.addWidget(self._filter)
        filter_row.addWidget(self._shown_count, 1)
        middle = QWidget()
        middle_layout = QVBoxLayout(middle)
        middle_layout.setContentsMargins(0, 0, 0, 0)
        middle_layout.addLayout(filter_row)
        middle_layout.addWidget(self._case_view, 1)
        reasons = QWidget()
        reasons_layout = QVBoxLayout(reasons)
        reasons_layout.setContentsMargins(0, 0, 0, 0)
        for label, view in zip(self._labels, self._reasons, strict=True):
            heading = _plain_label("")
            heading.setText(f"Verdicts in {label}")
            reasons_layout.addWidget(heading)
            reasons_layout.addWidget(view, 1)
        bottom = QSplitter(Qt.Orientation.Horizontal)
        bottom.addWidget(self.diff_view)
        bottom.addWidget(reasons)
        bottom.setSizes([700, 400])
        sections = QSplitter(Qt.Orientation.Vertical)
        sections.addWidget(_table("compareColumns", self._columns, stretch=5))
        sections.addWidget(middle)
        sections.addWidget(bottom)
        sections.setSizes([180, 260, 360])
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self._summary)
        layout.addWidget(sections, 1)
        layout.addWidget(buttons)

    def column_model(self) -> ColumnChangesModel:
        return self._columns

    def case_model(self) -> CaseChangesModel:
        return self._cases

    def set_filter(self, name: str) -> None:
        """Show the case changes of one entry of `FILTERS`, as picking it in the list does."""
        self._filter.setCurrentText(name)

    def select_case(self, row: int) -> None:
        self._case_view.selectRow(row)

    def reasons_text(self) -> tuple[str, str]:
        """The verdicts shown for the selected case: before, after."""
        return (self._reasons[0].toPlainText(), self._reasons[1].toPlainText())

    def _show_filtered(self) -> None:
        shown, total = self._cases.rowCount(), self._cases.total()
        self._shown_count.setText(f"{shown} of {total} case results")
        if shown:
            self._case_view.selectRow(0)
        else:
            self._show_case(None)

    def _show_case(self, change: CaseChange | None) -> None:
        if change is None:
            self.diff_view.clear()
            for view in self._reasons:
                view.setPlainText("")
            return
        before_label, after_label = self._labels
        self.diff_view.set_pair(
            before_label, outputs_text(change.before), after_label, outputs_text(change.after)
        )
        for view, cell in zip(self._reasons, (change.before, change.after), strict=True):
            view.setPlainText(reasons_text(cell))

    @Slot(str)
    def _on_filter_current_text_changed(self, name: str) -> None:
        self._cases.set_filter(name)
        self._show_filtered()

    @Slot(QModelIndex, QModelIndex)
    def _on_case_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self._show_case(self._cases.change_at(current.row()) if current.isValid() else None)


class OutputDiffDialog(QDialog):
    """Any two outputs compared word by word: `text_a` is the "before", `text_b` the "after"."""

    def __init__(
        self, title_a: str, text_a: str, title_b: str, text_b: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("outputDiffDialog")
        self.setWindowTitle(f"Compare outputs: {title_a} → {title_b}")
        self.resize(800, 600)
        self.diff_view = DiffView()
        self.diff_view.setObjectName("outputDiff")
        self.diff_view.set_pair(title_a, text_a, title_b, text_b)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.diff_view, 1)
        layout.addWidget(buttons)


# --- how a case reads -----------------------------------------------------------------------


def counts_line(changes: Sequence[CaseChange]) -> str:
    """E.g. "2 worse, 3 better, 1 output changed, 10 same" over every case of every column."""
    counts = {kind: sum(c.change is kind for c in changes) for kind in CHANGE_TEXT}
    parts = [f"{n} {CHANGE_TEXT[kind][2:]}" for kind, n in counts.items() if n]
    return ", ".join(parts) if parts else "Neither run has a case that ended."


def variables_line(variables: Mapping[str, str]) -> str:
    """The case on one line; long values are the view's to elide."""
    line = ", ".join(f"{k}={' '.join(v.split())}" for k, v in variables.items())
    return line or "(no variables)"


def cell_line(cell: MatrixCell | None) -> str:
    """E.g. "pass 2/2 · score 1.00", or "not run" where this run has no trials."""
    if cell is None:
        return "not run"
    score = "" if cell.mean_score is None else f" · score {cell.mean_score:.2f}"
    return f"{cell.outcome} {cell.passed}/{len(cell.trials)}{score}"


def outputs_text(cell: MatrixCell | None) -> str:
    """What the diff compares: the output, or each repeat's under a heading when there are more."""
    if cell is None:
        return ""
    texts = []
    for trial in cell.trials:
        error = trial.result.error
        texts.append(
            trial.result.output if error is None else f"[the call failed: {error.message}]"
        )
    if len(texts) == 1:
        return texts[0]
    return "\n\n".join(f"— repeat {n} —\n{text}" for n, text in enumerate(texts, start=1))


def reasons_text(cell: MatrixCell | None) -> str:
    """Why each trial passed or failed, one line per failed check (or the call's error)."""
    if cell is None:
        return "Not in this run."
    lines: list[str] = []
    several = len(cell.trials) > 1
    for n, trial in enumerate(cell.trials, start=1):
        prefix = f"Repeat {n}: " if several else ""
        if trial.passed:
            lines.append(f"{prefix}✓ passed")
            continue
        lines.append(f"{prefix}✗ failed")
        lines.extend(f"    {reason}" for reason in trial.reasons)
    return "\n".join(lines)


def _table(name: str, model: QAbstractTableModel, stretch: int) -> QTableView:
    view = QTableView()
    view.setObjectName(name)
    view.setModel(model)
    view.verticalHeader().hide()
    view.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
    view.setEditTriggers(QTableView.EditTrigger.NoEditTriggers)
    view.setWordWrap(False)
    header = view.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    return view


def _reasons_view(name: str) -> QPlainTextEdit:
    view = QPlainTextEdit()
    view.setObjectName(name)
    view.setReadOnly(True)
    return view


def _plain_label(name: str) -> QLabel:
    # Prompt, model and run names are a user's text: shown as text, never as markup.
    label = QLabel()
    if name:
        label.setObjectName(name)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    return label
