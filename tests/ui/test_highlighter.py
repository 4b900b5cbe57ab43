"""Template and JSON colouring on real documents."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QColor, QFont, QPalette, QTextCharFormat, QTextCursor, QTextDocument
from PySide6.QtWidgets import QApplication, QPlainTextEdit
from pytestqt.qtbot import QtBot

from ui.highlighter import JsonHighlighter, TemplateHighlighter


def _format_at(document: QTextDocument, line: int, column: int) -> QTextCharFormat | None:
    """The highlighter's format at `column` (UTF-16 units) of `line`, or None for plain text."""
    layout = document.findBlockByNumber(line).layout()
    for piece in layout.formats():
        if piece.start <= column < piece.start + piece.length:
            return QTextCharFormat(piece.format)  # a copy: the range is a temporary
    return None


def _colour(document: QTextDocument, line: int, column: int) -> str | None:
    found = _format_at(document, line, column)
    return None if found is None else found.foreground().color().name()


def _editor(qtbot: QtBot) -> QPlainTextEdit:
    # Highlighters colour editors' documents, so the tests use one.
    editor = QPlainTextEdit()
    qtbot.addWidget(editor)
    return editor


@pytest.fixture
def editor(qtbot: QtBot) -> QPlainTextEdit:
    return _editor(qtbot)


@pytest.fixture
def document(editor: QPlainTextEdit) -> QTextDocument:
    return editor.document()


def test_template_variable_stands_out_from_prose(document: QTextDocument) -> None:
    highlighter = TemplateHighlighter(document, style="default")
    text = "Hello {{ name }}, please summarise the text."
    document.setPlainText(text)
    assert highlighter.document() is document
    name_at = text.index("name")
    assert _format_at(document, 0, name_at) is not None
    assert _colour(document, 0, name_at) != _colour(document, 0, text.index("please"))
    # Prose keeps the document's own colour: no format at all, not a copy of the default.
    assert _format_at(document, 0, 0) is None
    assert _format_at(document, 0, text.index("summarise")) is None
    # The braces are marked too, so the whole tag reads as one unit.
    assert _format_at(document, 0, text.index("{{")) is not None


def test_blocks_comments_and_filters_are_marked(document: QTextDocument) -> None:
    TemplateHighlighter(document, style="default")
    text = "{% if tone %}Be {{ tone | lower }}.{% endif %} {# internal note #} Thanks."
    document.setPlainText(text)
    keyword = _format_at(document, 0, text.index("if"))
    assert keyword is not None
    assert keyword.fontWeight() == QFont.Weight.Bold
    comment = _format_at(document, 0, text.index("internal"))
    assert comment is not None
    assert comment.fontItalic()
    assert _colour(document, 0, text.index("lower")) not in (
        None,
        _colour(document, 0, text.index("tone |")),
    )
    assert _format_at(document, 0, text.index("Thanks")) is None


def test_a_comment_spanning_lines_is_resumed_on_the_next_line(document: QTextDocument) -> None:
    TemplateHighlighter(document, style="default")
    document.setPlainText("Intro {# a note\nthat goes on #} back to prose\n{{ x }}")
    comment = _colour(document, 0, len("Intro {# a "))
    assert comment is not None
    assert _colour(document, 1, 0) == comment
    assert _format_at(document, 1, len("that goes on #} b")) is None
    assert _format_at(document, 2, 3) is not None
    # Closing the comment on the first line frees the second: it is prose again.
    cursor = QTextCursor(document.findBlockByNumber(0))
    cursor.movePosition(QTextCursor.MoveOperation.EndOfBlock)
    cursor.insertText(" #}")
    assert _format_at(document, 1, 0) is None


def test_positions_count_utf16_units_after_emoji(document: QTextDocument) -> None:
    TemplateHighlighter(document, style="default")
    document.setPlainText("👍 {{ name }} ok")
    # The emoji takes two UTF-16 units: "name" spans units 6 to 9, not code points 5 to 8.
    variable = _colour(document, 0, 6)
    assert variable is not None
    assert _colour(document, 0, 9) == variable
    assert _format_at(document, 0, 5) is None
    assert _format_at(document, 0, len("👍 {{ name }} o") + 1) is None


def test_json_keys_strings_and_numbers_are_coloured(document: QTextDocument) -> None:
    JsonHighlighter(document, style="default")
    text = '{\n  "answer": "forty-two",\n  "score": 0.75,\n  "ok": true\n}'
    document.setPlainText(text)
    key = _colour(document, 1, 3)
    value = _colour(document, 1, len('  "answer": "f'))
    number = _colour(document, 2, len('  "score": 0'))
    constant = _colour(document, 3, len('  "ok": t'))
    assert None not in (key, value, number, constant)
    assert key != value
    assert number != value
    assert _format_at(document, 0, 0) is None  # punctuation keeps the text colour


def test_style_follows_a_dark_palette(
    qtbot: QtBot, qapp: QApplication, document: QTextDocument
) -> None:
    saved = qapp.palette()
    dark = QPalette(saved)
    dark.setColor(QPalette.ColorRole.Base, QColor("#1e1e1e"))
    dark.setColor(QPalette.ColorRole.Text, QColor("#dddddd"))
    try:
        qapp.setPalette(dark)
        TemplateHighlighter(document)
        document.setPlainText("{{ name }}")
        on_dark = _colour(document, 0, 3)
    finally:
        qapp.setPalette(saved)
    other_editor = _editor(qtbot)
    other = other_editor.document()
    TemplateHighlighter(other)
    other.setPlainText("{{ name }}")
    assert on_dark is not None
    assert on_dark != _colour(other, 0, 3)
    # On a dark background the variable colour must be light enough to read.
    assert QColor(on_dark).lightness() > 128
