"""One cell's output, read as plain text, Markdown or pretty-printed JSON.

`set_output` is called up to ten times a second while a cell streams. Plain mode appends only
the new tail when the text grew (the usual case), and keeps the reader's place: a view scrolled
to the bottom follows the tail, one scrolled up stays put. Markdown and JSON re-render the whole
text, so while text streams in they render at most four times a second (the last text always
gets rendered); another cell's output shows at once.

Nothing shown here reaches the network or the disk: Markdown images and links to remote or
local resources are never loaded, and links do not open.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from typing import Final

from PySide6.QtCore import Qt, QTimer, QUrl, Signal, Slot
from PySide6.QtGui import QFontDatabase, QGuiApplication, QImage, QTextCursor, QTextDocument
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QStackedWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from ui.highlighter import JsonHighlighter
from ui.widgets import push_button

MODES: Final = ("Plain", "Markdown", "JSON")
_RENDER_INTERVAL_S = 0.25
_FENCED_JSON = re.compile(r"```json[ \t]*\r?\n(.*?)```", re.DOTALL | re.IGNORECASE)
_ERROR_STYLE = (
    "QLabel#outputError { background: #fdecea; color: #611a15; border: 1px solid #f1aeb5;"
    " border-radius: 4px; padding: 8px; }"
)


class OfflineBrowser(QTextBrowser):
    """A read-only rich-text view that loads no resources and follows no links."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)

    def loadResource(self, kind: int, name: QUrl | str) -> object:  # noqa: N802 (Qt override)
        # Images and style sheets named by a model's output (http:, file:, relative paths) stay
        # unloaded: showing text must not touch the network or read the user's files. An empty
        # value of the expected type, not None: given None, Qt reads local files itself.
        if kind == QTextDocument.ResourceType.ImageResource.value:
            return QImage()
        return ""


class OutputView(QWidget):
    """Shows one cell's output; `mode_changed` says when the reader picks another mode."""

    mode_changed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._text = ""
        self._error: str | None = None
        self._shown: dict[str, str | None] = dict.fromkeys(MODES)  # text each view last showed
        self._last_render = 0.0
        self._json_highlighter: JsonHighlighter | None = None
        self._render_timer = QTimer(self)
        self._render_timer.setSingleShot(True)
        self._render_timer.timeout.connect(self._on_render_timer_timeout)

        self._mode = QComboBox()
        self._mode.setObjectName("outputMode")
        self._mode.addItems(MODES)
        self._mode.setToolTip("Read the output as plain text, rendered Markdown or JSON")
        self._mode.setAccessibleName("Output mode")
        self._mode.currentTextChanged.connect(self._on_mode_current_text_changed)
        self._copy = push_button(
            "Copy", "Copy the raw output to the clipboard", "copyOutput", self._on_copy_clicked
        )
        self._json_notice = ""  # why JSON mode shows what it shows, when that needs saying
        self._notice = QLabel()
        self._notice.setObjectName("jsonNotice")
        self._notice.setTextFormat(Qt.TextFormat.PlainText)
        self._notice.setWordWrap(True)
        self._notice.hide()
        self._error_label = QLabel()
        self._error_label.setObjectName("outputError")
        self._error_label.setStyleSheet(_ERROR_STYLE)
        self._error_label.setWordWrap(True)
        self._error_label.setTextFormat(Qt.TextFormat.PlainText)
        self._error_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._error_label.hide()

        self._plain = _read_only_editor("plainOutput")
        self._plain.setPlaceholderText("The output appears here as the cell runs.")
        self._markdown = OfflineBrowser()
        self._markdown.setObjectName("markdownOutput")
        self._json = _read_only_editor("jsonOutput")
        self._json.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self._views: dict[str, QAbstractScrollArea] = {
            "Plain": self._plain,
            "Markdown": self._markdown,
            "JSON": self._json,
        }
        self._stack = QStackedWidget()
        for view in self._views.values():
            self._stack.addWidget(view)

        bar = QHBoxLayout()
        bar.addWidget(self._mode)
        bar.addStretch(1)
        bar.addWidget(self._copy)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self._notice)
        layout.addWidget(self._error_label)
        layout.addWidget(self._stack, 1)

    # --- public interface ---------------------------------------------------------------------

    def set_output(self, text: str) -> None:
        """Show `text` (the whole output so far) in the current mode."""
        if text == self._text and self._error is None:
            return
        # Only a stream (text that grew) is throttled; another cell's output shows at once.
        grew = bool(self._text) and text.startswith(self._text)
        self._text = text
        if self._error is not None:
            self._error = None
            self._error_label.hide()
            self._stack.show()
            self._copy.setToolTip("Copy the raw output to the clipboard")
        if self.mode() == "Plain" or not grew or self._due():
            self._render()
        elif not self._render_timer.isActive():
            wait_s = _RENDER_INTERVAL_S - (time.monotonic() - self._last_render)
            self._render_timer.start(max(0, int(wait_s * 1000)))

    def set_error(self, message: str) -> None:
        """Show `message` in place of the output, styled as an error."""
        self._error = message
        self._render_timer.stop()
        self._error_label.setText(message)
        self._error_label.show()
        self._stack.hide()
        self._notice.hide()
        self._copy.setToolTip("Copy the error message to the clipboard")

    def set_mode(self, name: str) -> None:
        """Switch to "Plain", "Markdown" or "JSON"."""
        if name not in MODES:
            raise ValueError(f"unknown output mode {name!r}; expected one of {MODES}")
        self._mode.setCurrentText(name)

    def mode(self) -> str:
        return self._mode.currentText()

    def text(self) -> str:
        """The raw output, as last given to `set_output`."""
        return self._text

    # --- rendering ----------------------------------------------------------------------------

    def _due(self) -> bool:
        return time.monotonic() - self._last_render >= _RENDER_INTERVAL_S

    def _render(self) -> None:
        """Bring the current mode's view up to date with the raw text."""
        self._render_timer.stop()
        self._last_render = time.monotonic()
        if self._error is not None:
            return
        mode = self.mode()
        if self._shown[mode] != self._text:
            if mode == "Plain":
                self._render_plain()
            elif mode == "Markdown":
                _keeping_place(self._markdown, lambda: self._markdown.setMarkdown(self._text))
            else:
                self._render_json()
            self._shown[mode] = self._text
        self._notice.setText(self._json_notice)
        self._notice.setVisible(mode == "JSON" and bool(self._json_notice))

    def _render_plain(self) -> None:
        shown = self._shown["Plain"]
        if shown and self._text.startswith(shown):
            tail = self._text[len(shown) :]

            def append() -> None:
                cursor = QTextCursor(self._plain.document())
                cursor.movePosition(QTextCursor.MoveOperation.End)
                cursor.insertText(tail)

            _keeping_place(self._plain, append)
        else:
            _keeping_place(self._plain, lambda: self._plain.setPlainText(self._text))

    def _render_json(self) -> None:
        if self._json_highlighter is None:  # made on first use: most outputs are never JSON
            self._json_highlighter = JsonHighlighter(self._json.document())
        shown, self._json_notice = json_view(self._text)
        _keeping_place(self._json, lambda: self._json.setPlainText(shown))

    # --- slots --------------------------------------------------------------------------------

    @Slot()
    def _on_render_timer_timeout(self) -> None:
        self._render()

    @Slot(str)
    def _on_mode_current_text_changed(self, mode: str) -> None:
        self._stack.setCurrentWidget(self._views[mode])
        self._render()
        self.mode_changed.emit(mode)

    @Slot()
    def _on_copy_clicked(self) -> None:
        QGuiApplication.clipboard().setText(self._error if self._error is not None else self._text)


def json_view(text: str) -> tuple[str, str]:
    """What JSON mode shows for `text`, and a notice saying why when it is not JSON itself."""
    if not text.strip():
        return "", ""
    try:
        return _pretty(json.loads(text)), ""
    except json.JSONDecodeError as exc:
        problem = f"{exc.msg} at line {exc.lineno}, column {exc.colno}"
    for block in _FENCED_JSON.finditer(text):
        try:
            value = json.loads(block.group(1))
        except json.JSONDecodeError:
            continue
        return _pretty(value), "Showing the ```json block inside the output."
    return text, f"Showing the raw text: not valid JSON: {problem}."


def _pretty(value: object) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)


def _read_only_editor(name: str) -> QPlainTextEdit:
    editor = QPlainTextEdit()
    editor.setObjectName(name)
    editor.setReadOnly(True)
    return editor


def _keeping_place(view: QAbstractScrollArea, update: Callable[[], None]) -> None:
    """Run `update`, then follow the tail if the reader was at the bottom, else stay put."""
    bar = view.verticalScrollBar()
    at_bottom = bar.value() >= bar.maximum()
    place = bar.value()
    update()
    bar.setValue(bar.maximum() if at_bottom else place)
