"""The output view, driven as a reader would: streamed text, modes, copy, errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TypeVar

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTextBrowser,
    QWidget,
)
from pytestqt.qtbot import QtBot

from ui.output_view import OutputView, json_view

W = TypeVar("W", bound=QWidget)


def _child(view: OutputView, kind: type[W], name: str) -> W:
    found = view.findChild(kind, name)
    assert found is not None, name
    return found


@pytest.fixture
def view(qtbot: QtBot) -> OutputView:
    made = OutputView()
    qtbot.addWidget(made)
    made.resize(500, 300)
    made.show()
    qtbot.waitExposed(made)
    return made


def _plain(view: OutputView) -> QPlainTextEdit:
    return _child(view, QPlainTextEdit, "plainOutput")


def _lines(count: int, start: int = 0) -> str:
    return "".join(f"line {n}\n" for n in range(start, start + count))


def test_plain_mode_shows_the_raw_output(view: OutputView) -> None:
    assert view.mode() == "Plain"
    assert _child(view, QComboBox, "outputMode").count() == 3
    view.set_output("# Not a heading here\n**raw**")
    assert view.text() == "# Not a heading here\n**raw**"
    assert _plain(view).toPlainText() == "# Not a heading here\n**raw**"
    assert _plain(view).isReadOnly()


def test_streamed_text_appends_and_a_restart_replaces(view: OutputView) -> None:
    text = ""
    for piece in ["Hel", "lo, ", "wor", "ld.\n", "Second line."]:
        text += piece
        view.set_output(text)
    assert _plain(view).toPlainText() == "Hello, world.\nSecond line."
    # A retry drops the partial text: the next output is not a continuation.
    view.set_output("")
    view.set_output("Fresh")
    assert _plain(view).toPlainText() == "Fresh"


def test_a_reader_at_the_bottom_follows_the_tail(view: OutputView) -> None:
    text = _lines(200)
    view.set_output(text)
    bar = _plain(view).verticalScrollBar()
    assert bar.maximum() > 0
    assert bar.value() == bar.maximum()  # new output starts following
    for step in range(5):
        text += _lines(20, 200 + 20 * step)
        view.set_output(text)
        assert bar.value() == bar.maximum()


def test_a_reader_scrolled_up_keeps_their_place(view: OutputView) -> None:
    text = _lines(200)
    view.set_output(text)
    bar = _plain(view).verticalScrollBar()
    bar.setValue(30)
    text += _lines(50, 200)
    view.set_output(text)
    assert bar.value() == 30
    assert bar.value() < bar.maximum()
    # Even a full replacement (not a continuation) keeps the place.
    view.set_output(_lines(300, 1))
    assert bar.value() == 30


def test_markdown_mode_renders_and_plain_mode_returns(view: OutputView, qtbot: QtBot) -> None:
    view.set_output("# Title\n\nSome **bold** text and a [link](https://example.com).")
    with qtbot.waitSignal(view.mode_changed) as changed:
        view.set_mode("Markdown")
    assert changed.args == ["Markdown"]
    browser = _child(view, QTextBrowser, "markdownOutput")
    rendered = browser.toPlainText()
    assert "Title" in rendered
    assert "bold" in rendered
    assert "**" not in rendered
    assert "#" not in rendered
    assert browser.isReadOnly()
    assert not browser.openLinks()
    assert not browser.openExternalLinks()
    view.set_mode("Plain")
    assert _plain(view).toPlainText().startswith("# Title")


def _red_pixels(browser: QTextBrowser) -> int:
    image = browser.viewport().grab().toImage()
    return sum(
        image.pixelColor(x, y) == QColor("#ff0000")
        for x in range(0, image.width(), 2)
        for y in range(0, image.height(), 2)
    )


def test_markdown_never_loads_images_from_disk(
    view: OutputView, qtbot: QtBot, tmp_path: Path
) -> None:
    picture = tmp_path / "red.png"
    image = QImage(40, 40, QImage.Format.Format_RGB32)
    image.fill(QColor("#ff0000"))
    assert image.save(str(picture))
    # Control: a plain QTextBrowser does read the file and paint it.
    control = QTextBrowser()
    qtbot.addWidget(control)
    control.resize(500, 300)
    control.show()
    control.setMarkdown(f"![red]({picture.as_uri()})")
    qtbot.waitUntil(lambda: _red_pixels(control) > 0)

    view.set_mode("Markdown")
    view.set_output(
        f"![by uri]({picture.as_uri()})\n\n![by path]({picture})\n\n"
        '<img src="http://127.0.0.1:9/tracker.png">'
    )
    browser = _child(view, QTextBrowser, "markdownOutput")
    qtbot.waitUntil(lambda: browser.document().documentLayout().documentSize().height() > 0)
    assert _red_pixels(browser) == 0


def test_json_mode_pretty_prints_and_colours(view: OutputView) -> None:
    view.set_output('{"answer": "forty-two", "tags": ["a", "b"], "ok": true}')
    view.set_mode("JSON")
    editor = _child(view, QPlainTextEdit, "jsonOutput")
    assert editor.toPlainText() == json.dumps(
        {"answer": "forty-two", "tags": ["a", "b"], "ok": True}, indent=2
    )
    assert not _child(view, QLabel, "jsonNotice").isVisible()
    key_line = editor.document().findBlockByNumber(1)
    assert key_line.text() == '  "answer": "forty-two",'
    assert key_line.layout().formats()  # keys and strings carry the highlighter's formats


def test_json_mode_finds_a_fenced_block(view: OutputView) -> None:
    view.set_mode("JSON")
    view.set_output('Here it is:\n```json\n{"a": [1, 2]}\n```\nAnything else?')
    editor = _child(view, QPlainTextEdit, "jsonOutput")
    assert editor.toPlainText() == '{\n  "a": [\n    1,\n    2\n  ]\n}'
    notice = _child(view, QLabel, "jsonNotice")
    assert notice.isVisible()
    assert "```json block" in notice.text()


def test_json_mode_says_why_text_is_not_json(view: OutputView, qtbot: QtBot) -> None:
    raw = '{\n  "a": 1,\n  "b": 2\n  "c": 3\n}'
    view.set_mode("JSON")
    view.set_output(raw)
    editor = _child(view, QPlainTextEdit, "jsonOutput")
    notice = _child(view, QLabel, "jsonNotice")
    assert editor.toPlainText() == raw
    assert notice.isVisible()
    assert notice.text() == (
        "Showing the raw text: not valid JSON: Expecting ',' delimiter at line 4, column 3."
    )
    # Valid JSON clears the notice once the next render is due; plain mode never shows it.
    view.set_output('{"a": 1}')
    qtbot.waitUntil(lambda: not notice.isVisible())
    view.set_output(raw + " ")
    qtbot.waitUntil(notice.isVisible)
    view.set_mode("Plain")
    assert not notice.isVisible()


def test_json_view_leaves_empty_output_alone() -> None:
    assert json_view("") == ("", "")
    assert json_view("  \n") == ("", "")
    assert json_view("[1]") == ("[\n  1\n]", "")
    assert json_view('"naïve"') == ('"naïve"', "")


def test_rendered_modes_catch_up_with_a_fast_stream(view: OutputView, qtbot: QtBot) -> None:
    view.set_mode("Markdown")
    browser = _child(view, QTextBrowser, "markdownOutput")
    text = ""
    for n in range(30):
        text += f"word{n} "
        view.set_output(text)
    assert view.text() == text
    # Renders are spaced out while text streams in, but the last text always gets shown.
    qtbot.waitUntil(lambda: browser.toPlainText().strip() == text.strip())


def test_copy_puts_the_raw_output_on_the_clipboard(view: OutputView, qtbot: QtBot) -> None:
    raw = 'Result: ```json\n{"a":1}\n```'
    view.set_output(raw)
    view.set_mode("JSON")
    QApplication.clipboard().clear()
    qtbot.mouseClick(_child(view, QPushButton, "copyOutput"), Qt.MouseButton.LeftButton)
    assert QApplication.clipboard().text() == raw


def test_an_error_is_shown_in_place_of_the_output(view: OutputView, qtbot: QtBot) -> None:
    view.set_output("partial answ")
    view.set_error("The server refused the key: check it in Settings → Keys.")
    error = _child(view, QLabel, "outputError")
    assert error.isVisible()
    assert error.text() == "The server refused the key: check it in Settings → Keys."
    assert "background" in error.styleSheet()
    assert not _plain(view).isVisible()
    qtbot.mouseClick(_child(view, QPushButton, "copyOutput"), Qt.MouseButton.LeftButton)
    assert QApplication.clipboard().text() == error.text()
    # The next output replaces the error.
    view.set_output("A full answer.")
    assert not error.isVisible()
    assert _plain(view).isVisible()
    assert _plain(view).toPlainText() == "A full answer."


def test_an_unknown_mode_is_refused(view: OutputView) -> None:
    with pytest.raises(ValueError, match="unknown output mode"):
        view.set_mode("HTML")
