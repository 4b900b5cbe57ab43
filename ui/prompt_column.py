"""One prompt variant in the editor: a name, a system message and a list of turns.

Turns are user and assistant messages (assistant turns are few-shot examples). Every text box is
highlighted for Jinja and grows with its text; the column scrolls. Edits emit `changed`, which the
editor panel debounces into token estimates and the autosave.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from ui.highlighter import TemplateHighlighter
from ui.widgets import push_button, tool_button
from workbench.domain import Message, ModelParams, PromptTemplate, Role

_MIN_LINES, _MAX_LINES = 3, 18


class TemplateEdit(QPlainTextEdit):
    """A template text box that grows with its content between a few and many lines."""

    def __init__(self, text: str = "", placeholder: str = "") -> None:
        super().__init__()
        self.setPlaceholderText(placeholder)
        self.setTabChangesFocus(True)
        self._highlighter = TemplateHighlighter(self.document())
        self.setPlainText(text)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.document().documentLayout().documentSizeChanged.connect(self._fit)
        self._fit()

    @Slot()
    def _fit(self) -> None:
        lines = int(self.document().documentLayout().documentSize().height())
        shown = max(_MIN_LINES, min(_MAX_LINES, lines))
        margins = self.contentsMargins()
        frame = 2 * self.frameWidth() + int(2 * self.document().documentMargin())
        height = QFontMetrics(self.font()).lineSpacing() * shown + frame
        self.setFixedHeight(height + margins.top() + margins.bottom())


class TurnEditor(QFrame):
    """One user or assistant message."""

    changed = Signal()
    remove_requested = Signal(object)  # this editor

    def __init__(self, role: Role, text: str) -> None:
        super().__init__()
        self.setObjectName("turnEditor")
        self.role_box = QComboBox()
        self.role_box.addItems(["user", "assistant"])
        self.role_box.setCurrentText(role)
        self.role_box.setToolTip("Assistant turns are example answers (few-shot)")
        remove = tool_button("✕", "Remove this turn", lambda: self.remove_requested.emit(self))
        self.edit = TemplateEdit(text, "Message text; {{name}} inserts a variable")
        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(self.role_box)
        top.addStretch(1)
        top.addWidget(remove)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(top)
        layout.addWidget(self.edit)
        self.role_box.currentTextChanged.connect(self.changed)
        self.edit.textChanged.connect(self.changed)

    def message(self) -> Message:
        role: Role = "assistant" if self.role_box.currentText() == "assistant" else "user"
        return Message(role, self.edit.toPlainText())


class PromptColumn(QFrame):
    """A prompt variant; the editor panel lays several side by side."""

    changed = Signal()
    move_requested = Signal(object, int)  # this column, -1 (left) or +1 (right)
    duplicate_requested = Signal(object)
    remove_requested = Signal(object)

    def __init__(self, prompt: PromptTemplate) -> None:
        super().__init__()
        self.setObjectName("promptColumn")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self._params: ModelParams = prompt.params
        self._description = prompt.description
        self._defaults = dict(prompt.defaults)
        self.name_edit = QLineEdit(prompt.name, placeholderText="prompt name")
        self.name_edit.setObjectName("promptName")
        system = next((m.content for m in prompt.messages if m.role == "system"), "")
        self.system_edit = TemplateEdit(system, "System message (optional)")
        self.system_edit.setObjectName("systemEdit")
        self._turns_layout = QVBoxLayout()
        self._turns_layout.setSpacing(6)
        self._turns: list[TurnEditor] = []
        self.estimate_label = QLabel("")
        self.estimate_label.setObjectName("estimateLabel")
        self.estimate_label.setWordWrap(True)
        self.warning_label = QLabel("")
        self.warning_label.setObjectName("variableWarning")
        self.warning_label.setWordWrap(True)
        self.warning_label.setStyleSheet("color: #b3261e;")
        self.warning_label.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(self._header())
        layout.addWidget(self._body(), 1)
        layout.addWidget(self.warning_label)
        layout.addWidget(self.estimate_label)
        for message in prompt.messages:
            if message.role != "system":
                self._add_turn(message.role, message.content)
        if not self._turns:
            self._add_turn("user", "")
        self.name_edit.textChanged.connect(self.changed)
        self.system_edit.textChanged.connect(self.changed)

    def _header(self) -> QHBoxLayout:
        header = QHBoxLayout()
        header.addWidget(self.name_edit, 1)
        for text, tip, slot in (
            ("◀", "Move left", lambda: self.move_requested.emit(self, -1)),
            ("▶", "Move right", lambda: self.move_requested.emit(self, +1)),
            ("❐", "Duplicate this prompt", lambda: self.duplicate_requested.emit(self)),
            ("✕", "Remove this prompt", lambda: self.remove_requested.emit(self)),
        ):
            header.addWidget(tool_button(text, tip, slot))
        return header

    def _body(self) -> QScrollArea:
        add_turn = push_button(
            "+ Turn", "Add a user or assistant message", "addTurn", self._on_add_turn_clicked
        )

        body = QWidget()
        body_layout = QVBoxLayout(body)
        body_layout.setContentsMargins(0, 0, 6, 0)
        body_layout.addWidget(QLabel("<b>System</b>"))
        body_layout.addWidget(self.system_edit)
        body_layout.addLayout(self._turns_layout)
        body_layout.addWidget(add_turn, 0, Qt.AlignmentFlag.AlignLeft)
        body_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidget(body)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        return scroll

    @property
    def turns(self) -> list[TurnEditor]:
        return list(self._turns)

    def name(self) -> str:
        return self.name_edit.text().strip() or "untitled"

    def template(self) -> PromptTemplate:
        messages: list[Message] = []
        system = self.system_edit.toPlainText()
        if system.strip():
            messages.append(Message("system", system))
        messages.extend(turn.message() for turn in self._turns)
        return PromptTemplate(
            name=self.name(),
            messages=tuple(messages),
            description=self._description,
            params=self._params,
            defaults=self._defaults,
        )

    def set_warning(self, text: str) -> None:
        self.warning_label.setText(text)
        self.warning_label.setVisible(bool(text))

    def add_turn(self, role: Role, text: str) -> TurnEditor:
        turn = self._add_turn(role, text)
        self.changed.emit()
        return turn

    @Slot()
    def _on_add_turn_clicked(self) -> None:
        last = self._turns[-1].message().role if self._turns else "assistant"
        turn = self.add_turn("assistant" if last == "user" else "user", "")
        turn.edit.setFocus()

    def _add_turn(self, role: Role, text: str) -> TurnEditor:
        turn = TurnEditor(role, text)
        turn.changed.connect(self.changed)
        turn.remove_requested.connect(self._on_turn_remove_requested)
        self._turns.append(turn)
        self._turns_layout.addWidget(turn)
        return turn

    @Slot(object)
    def _on_turn_remove_requested(self, turn: TurnEditor) -> None:
        self._turns.remove(turn)
        turn.deleteLater()
        self.changed.emit()
