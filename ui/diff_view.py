"""Two outputs compared word by word: what only the left has, struck out in red; what only the
right has, in green.

The diff runs on the GUI thread: 20 KB outputs take about 40 ms to diff and show (see
`workbench.worddiff` for the slower, degenerate cases).
"""

from __future__ import annotations

import html
from collections.abc import Iterable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from ui.output_view import OfflineBrowser
from workbench.worddiff import DiffPart, diff_counts, word_diff

HINT = "Select two cells in the results grid to compare their outputs word by word."
# Text colour is set with each background so the marks stay readable in a dark theme too.
_STYLES = {
    "removed": "background-color:#ffd7d5; color:#4d0a07; text-decoration:line-through;",
    "added": "background-color:#ccffd8; color:#07351b;",
}


class DiffView(QWidget):
    """A header naming both sides, the word counts, and the marked-up difference."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._header = _plain_label("diffHeader")
        self._summary = _plain_label("diffSummary")
        self._legend = _plain_label("diffLegend")
        self._text = OfflineBrowser()
        self._text.setObjectName("diffText")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._header)
        layout.addWidget(self._summary)
        layout.addWidget(self._legend)
        layout.addWidget(self._text, 1)
        self.clear()

    def set_pair(self, left_title: str, left_text: str, right_title: str, right_text: str) -> None:
        """Compare `left_text` (the "before") with `right_text` (the "after")."""
        parts = word_diff(left_text, right_text)
        self._header.setText(f"{left_title}  →  {right_title}")
        self._summary.setText(summary_line(left_text, right_text, parts))
        self._legend.setText(
            f"Struck out in red: only in {left_title}. In green: only in {right_title}."
        )
        self._legend.setVisible(left_text != right_text)
        for label in (self._header, self._summary):
            label.show()
        self._text.setHtml(diff_html(parts))

    def clear(self) -> None:
        """Show the hint to pick two cells."""
        for label in (self._header, self._summary, self._legend):
            label.clear()
            label.hide()
        self._text.setPlainText(HINT)

    def summary(self) -> str:
        """The counts line: "14 words removed, 9 added", "identical", or "" when cleared."""
        return self._summary.text()


def summary_line(left_text: str, right_text: str, parts: Iterable[DiffPart]) -> str:
    if left_text == right_text:
        return "identical"
    removed, added = diff_counts(parts)
    if removed == added == 0:
        return "only whitespace differs"
    noun = "word" if removed == 1 else "words"
    return f"{removed} {noun} removed, {added} added"


def diff_html(parts: Iterable[DiffPart]) -> str:
    """Rich text of the parts, every character escaped and every line break kept."""
    spans = []
    for part in parts:
        text = html.escape(part.text, quote=False).replace("\n", "<br>")
        style = _STYLES.get(part.kind)
        spans.append(f'<span style="{style}">{text}</span>' if style else text)
    return f'<div style="white-space:pre-wrap;">{"".join(spans)}</div>'


def _plain_label(name: str) -> QLabel:
    # Titles are prompt and model names a user typed: shown as text, never as markup.
    label = QLabel()
    label.setObjectName(name)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label
