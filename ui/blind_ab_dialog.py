"""Blind A/B: two outputs for one input, side by side as "A" and "B", and the better one picked.

Blind means nothing in the dialog names a prompt, a model or a column: not a label, title,
tooltip or accessible name, and not after a choice either. The input is shown, since judging an
answer needs its question. Results are seen on the scoreboard, never here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from ui.output_view import OutputView
from ui.widgets import push_button
from workbench.ab_pairs import PairToJudge
from workbench.ratings import Choice, Preference

# Each action's keys, as shown on its button and bound as shortcuts.
A_KEYS = ("Left", "A", "1")
B_KEYS = ("Right", "B", "2")
TIE_KEYS = ("=", "T")
SKIP_KEYS = ("S",)
UNDO_KEYS = ("Ctrl+Z",)

_KEY_SHOWN = {"Left": "←", "Right": "→"}


class BlindABDialog(QDialog):
    """Shows `pairs` one at a time; each choice is emitted as a `Preference` at once.

    `preferred` carries the pair with `left`/`right` as shown (A is left) and the choice, id
    None; `undone` carries a preference emitted before, which the receiver should forget.
    """

    preferred = Signal(object)
    undone = Signal(object)

    def __init__(self, pairs: Sequence[PairToJudge], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("blindABDialog")
        self.setWindowTitle("Blind A/B")
        self.resize(1000, 640)
        self._pairs = tuple(pairs)
        self._position = 0  # the pair shown; len(pairs) once every pair is judged or skipped
        self._history: list[tuple[int, Preference]] = []  # (pair position, what was emitted)

        self._progress = QLabel()
        self._progress.setObjectName("abProgress")
        self._variables = QPlainTextEdit()
        self._variables.setObjectName("abVariables")
        self._variables.setReadOnly(True)
        self._variables.setAccessibleName("The input both outputs answered")
        self._variables.setMaximumHeight(120)
        self._outputs = (_output_view("A"), _output_view("B"))
        for view, other in (self._outputs, self._outputs[::-1]):
            # Both sides in one reading mode: a difference in rendering must not tip the choice.
            view.mode_changed.connect(other.set_mode)
        self._status = QLabel()
        self._status.setObjectName("abStatus")

        self._better_a = self._action_button("A is better", A_KEYS, "abPickA", self._pick_a)
        self._better_b = self._action_button("B is better", B_KEYS, "abPickB", self._pick_b)
        self._tie = self._action_button("Tie", TIE_KEYS, "abTie", self._pick_tie)
        self._skip = self._action_button("Skip", SKIP_KEYS, "abSkip", self._on_skip)
        self._undo = self._action_button("Undo", UNDO_KEYS, "abUndo", self._on_undo)
        self._stack = QStackedWidget()
        self._stack.addWidget(self._judging_page())
        self._stack.addWidget(self._done_page())
        layout = QVBoxLayout(self)
        layout.addWidget(self._stack)
        self._show_position()
        self._better_a.setFocus()  # not an output's Copy button, the first focusable widget

    # --- public interface ---------------------------------------------------------------------

    def judged(self) -> list[Preference]:
        """The preferences emitted and not undone, in the order they were made."""
        return [preference for _, preference in self._history]

    def progress_text(self) -> str:
        return self._progress.text()

    # --- layout -------------------------------------------------------------------------------

    def _judging_page(self) -> QWidget:
        page = QWidget()
        outputs = QGridLayout()
        for column, (name, view) in enumerate(zip("AB", self._outputs, strict=True)):
            heading = QLabel(name)
            heading.setObjectName(f"abHeading{name}")
            heading.setAlignment(Qt.AlignmentFlag.AlignCenter)
            font = heading.font()
            font.setBold(True)
            font.setPointSizeF(font.pointSizeF() * 1.4)
            heading.setFont(font)
            outputs.addWidget(heading, 0, column)
            outputs.addWidget(view, 1, column)
        outputs.setRowStretch(1, 1)
        choices = QHBoxLayout()
        for button in (self._better_a, self._tie, self._better_b):
            choices.addWidget(button)
        choices.addStretch(1)
        choices.addWidget(self._skip)
        choices.addWidget(self._undo)
        top = QHBoxLayout()
        top.addWidget(QLabel("Input"))
        top.addStretch(1)
        top.addWidget(self._progress)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self._variables)
        layout.addLayout(outputs, 1)
        layout.addLayout(choices)
        layout.addWidget(self._status)
        return page

    def _done_page(self) -> QWidget:
        page = QWidget()
        self._done_title = QLabel("All pairs judged")
        self._done_title.setObjectName("abDoneTitle")
        font = self._done_title.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.4)
        self._done_title.setFont(font)
        self._done_detail = QLabel()
        self._done_detail.setObjectName("abDoneDetail")
        self._done_detail.setWordWrap(True)
        close = push_button("Close", "Close this dialog (Esc)", "abClose", self.accept)
        undo = push_button(
            "Undo the last choice", "Undo the last choice (Ctrl+Z)", "abDoneUndo", self._on_undo
        )
        self._done_undo = undo
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(undo)
        buttons.addWidget(close)
        layout = QVBoxLayout(page)
        layout.addStretch(1)
        layout.addWidget(self._done_title, 0, Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self._done_detail, 0, Qt.AlignmentFlag.AlignCenter)
        layout.addStretch(1)
        layout.addLayout(buttons)
        return page

    def _action_button(
        self, text: str, keys: tuple[str, ...], name: str, slot: Callable[[], None]
    ) -> QPushButton:
        shown = ", ".join(_KEY_SHOWN.get(key, key) for key in keys)
        button = push_button(f"{text}  ({shown})", f"{text}: press {shown}", name, slot)
        button.setAutoDefault(False)  # Enter must not make a choice nobody meant
        # Window-wide shortcuts, so the keys work wherever the focus is (an output, a button).
        for key in keys:
            QShortcut(QKeySequence(key), self, slot)
        return button

    # --- state --------------------------------------------------------------------------------

    def _show_position(self) -> None:
        total = len(self._pairs)
        done = self._position >= total
        self._stack.setCurrentIndex(1 if done else 0)
        self._undo.setEnabled(bool(self._history))
        self._done_undo.setEnabled(bool(self._history))
        if done:
            self._progress.setText(f"{total} of {total}")
            self._done_detail.setText(self._summary())
            return
        pair = self._pairs[self._position]
        self._progress.setText(f"{self._position + 1} of {total}")
        self._variables.setPlainText(_variables_text(pair.variables))
        self._outputs[0].set_output(pair.left.output)
        self._outputs[1].set_output(pair.right.output)

    def _summary(self) -> str:
        if not self._pairs:
            return (
                "There was nothing to judge: every pair of outputs is judged already or reads "
                "the same."
            )
        judged = len(self._history)
        skipped = len(self._pairs) - judged
        parts = [f"{judged} judged"]
        if skipped:
            parts.append(f"{skipped} skipped")
        return f"{', '.join(parts)}. The scoreboard shows the standings."

    def _choose(self, choice: Choice) -> None:
        if self._position >= len(self._pairs):
            return
        pair = self._pairs[self._position]
        preference = Preference(pair.left, pair.right, choice, dict(pair.variables))
        self._history.append((self._position, preference))
        self._position += 1
        # Says what was recorded in the terms the person saw, nothing more: blind stays blind.
        said = {Choice.LEFT: "A is better", Choice.RIGHT: "B is better", Choice.TIE: "a tie"}
        self._status.setText(f"Recorded: {said[choice]}. Ctrl+Z undoes it.")
        self._show_position()
        self.preferred.emit(preference)

    # --- slots --------------------------------------------------------------------------------

    @Slot()
    def _pick_a(self) -> None:
        self._choose(Choice.LEFT)

    @Slot()
    def _pick_b(self) -> None:
        self._choose(Choice.RIGHT)

    @Slot()
    def _pick_tie(self) -> None:
        self._choose(Choice.TIE)

    @Slot()
    def _on_skip(self) -> None:
        if self._position >= len(self._pairs):
            return
        self._position += 1
        self._status.setText("Skipped.")
        self._show_position()

    @Slot()
    def _on_undo(self) -> None:
        if not self._history:
            return
        # Back to the undone pair; pairs skipped since come round again.
        self._position, preference = self._history.pop()
        self._status.setText("Undone: judge this pair again.")
        self._show_position()
        self.undone.emit(preference)


def _output_view(name: str) -> OutputView:
    view = OutputView()
    view.setObjectName(f"abOutput{name}")
    view.setAccessibleName(f"Output {name}")
    return view


def _variables_text(variables: dict[str, str]) -> str:
    if not variables:
        return "(no variables)"
    return "\n".join(f"{name}: {value}" for name, value in variables.items())
