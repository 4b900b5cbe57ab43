"""The matrix's detail pane: one cell's repeats, each one's output, check verdicts and mark.

A repeat selector picks the trial shown; that is the trial the keyboard rates. The note is edited
here, in place, and saved with the button or Ctrl+Enter: no dialog interrupts rating a column.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from ui.matrix_cell_view import THUMBS, Trial
from ui.output_view import OutputView
from ui.readouts import footer
from ui.widgets import push_button
from workbench.evaluation import CellVerdict
from workbench.ratings import Mark


def trial_label(position: int, trial: Trial) -> str:
    """A repeat selector entry, e.g. "Repeat 2 ✓"."""
    if trial.verdict is None:
        state = "streaming…" if trial.running else "waiting"
    elif not trial.verdict.result.ok:
        state = "⚠ failed"
    else:
        state = "✓" if trial.verdict.passed else "✗"
    return f"Repeat {position + 1} {state}"


def check_lines(verdict: CellVerdict) -> str:
    """Every check's verdict with its score and reason (an LLM judge's reason is its reasoning)."""
    if not verdict.result.ok:
        return "No checks: the call failed."
    lines: list[str] = []
    for v in verdict.verdicts:
        lines.append(f"{'✓' if v.passed else '✗'} {v.check.type}  (score {v.score:.2f})")
        lines.extend(f"    {line}" for line in v.reason.splitlines() or [""])
    lines.extend(f"… {check.type}: waiting for the judge" for check in verdict.pending)
    return "\n".join(lines) or "No checks apply to this case."


def mark_text(mark: Mark) -> str:
    parts = []
    if mark.rating in THUMBS:
        parts.append(THUMBS[mark.rating])
    if mark.score is not None:
        parts.append(f"★{mark.score}")
    if mark.note:
        parts.append("✎ noted")
    return " · ".join(parts) or "Not rated: + or - for thumbs, 1 to 5 to score, N for a note"


class MatrixDetail(QWidget):
    repeat_chosen = Signal(int)  # position of the repeat to show
    note_saved = Signal(object)  # the note (str), or None to clear it

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("matrixDetail")
        self._cell: int | None = None  # the cell index of the trial shown
        self.title = QLabel()
        self.title.setObjectName("matrixCellTitle")
        self.title.setWordWrap(True)
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.repeats = QComboBox()
        self.repeats.setObjectName("repeatSelector")
        self.repeats.setAccessibleName("Repeat")
        self.repeats.activated.connect(self._on_repeats_activated)
        self.output_view = OutputView()
        self.checks_view = QPlainTextEdit()
        self.checks_view.setObjectName("matrixChecks")
        self.checks_view.setReadOnly(True)
        self.mark_label = QLabel()
        self.mark_label.setObjectName("matrixMark")
        self.note_editor = QPlainTextEdit()
        self.note_editor.setObjectName("noteEditor")
        self.note_editor.setPlaceholderText("A note on this output (Ctrl+Enter saves)")
        self.note_editor.setMaximumHeight(80)
        save = QAction("Save note", self.note_editor)
        save.setShortcuts([QKeySequence("Ctrl+Return"), QKeySequence("Ctrl+Enter")])
        save.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        save.triggered.connect(self._on_save_triggered)
        self.note_editor.addAction(save)
        self.save_note = push_button(
            "Save note", "Keep this note with the output", "saveNote", self._on_save_triggered
        )

        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(self.repeats)
        judged = QWidget()
        judged_layout = QVBoxLayout(judged)
        judged_layout.setContentsMargins(0, 0, 0, 0)
        judged_layout.addWidget(QLabel("Checks"))
        judged_layout.addWidget(self.checks_view, 1)
        judged_layout.addWidget(self.mark_label)
        note_row = QHBoxLayout()
        note_row.addWidget(self.note_editor, 1)
        note_row.addWidget(self.save_note, 0, Qt.AlignmentFlag.AlignTop)
        judged_layout.addLayout(note_row)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.output_view)
        split.addWidget(judged)
        split.setSizes([500, 300])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(split, 1)
        self.clear()

    def clear(self) -> None:
        self._cell = None
        self.title.setText("Select a cell to read its outputs, checks and marks.")
        self.repeats.clear()
        self.repeats.setEnabled(False)
        self.output_view.set_output("")
        self.checks_view.setPlainText("")
        self.mark_label.setText("")
        self.note_editor.setPlainText("")
        self.note_editor.setEnabled(False)
        self.save_note.setEnabled(False)

    def show_trials(self, title: str, trials: Sequence[Trial], shown: int) -> None:
        """Show `trials[shown]`; called again whenever the cell changes (as it streams, say)."""
        if not trials:
            self.clear()
            return
        labels = [trial_label(i, trial) for i, trial in enumerate(trials)]
        if [self.repeats.itemText(i) for i in range(self.repeats.count())] != labels:
            self.repeats.blockSignals(True)
            self.repeats.clear()
            self.repeats.addItems(labels)
            self.repeats.blockSignals(False)
        self.repeats.setCurrentIndex(shown)
        self.repeats.setEnabled(len(trials) > 1)
        trial = trials[shown]
        verdict = trial.verdict
        readouts = f"\n{footer(verdict.result)}" if verdict is not None else ""
        self.title.setText(title + readouts)
        error = verdict.result.error if verdict is not None else None
        if error is not None:
            self.output_view.set_error(error.message)
        else:
            self.output_view.set_output(trial.output)
        checks = check_lines(verdict) if verdict is not None else "Checks run once it ends."
        if self.checks_view.toPlainText() != checks:
            self.checks_view.setPlainText(checks)
        self.mark_label.setText(mark_text(trial.mark))
        self.note_editor.setEnabled(verdict is not None)
        self.save_note.setEnabled(verdict is not None)
        # Keep what the person is typing; take the stored note when another trial shows.
        if self._cell != trial.cell.index or not self.note_editor.hasFocus():
            note = trial.mark.note or ""
            if self.note_editor.toPlainText() != note:
                self.note_editor.setPlainText(note)
        self._cell = trial.cell.index

    def edit_note(self) -> None:
        if self.note_editor.isEnabled():
            self.note_editor.setFocus()
            self.note_editor.selectAll()

    @Slot(int)
    def _on_repeats_activated(self, position: int) -> None:
        self.repeat_chosen.emit(position)

    @Slot()
    def _on_save_triggered(self) -> None:
        if self._cell is not None:
            self.note_saved.emit(self.note_editor.toPlainText().strip() or None)
