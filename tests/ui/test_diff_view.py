"""The diff view: header, counts and marked-up words, on a real widget."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextCharFormat, QTextCursor
from PySide6.QtWidgets import QLabel, QTextBrowser
from pytestqt.qtbot import QtBot

from ui.diff_view import HINT, DiffView


@pytest.fixture
def view(qtbot: QtBot) -> DiffView:
    made = DiffView()
    qtbot.addWidget(made)
    made.resize(600, 400)
    made.show()
    return made


def _label(view: DiffView, name: str) -> QLabel:
    found = view.findChild(QLabel, name)
    assert found is not None
    return found


def _body(view: DiffView) -> QTextBrowser:
    found = view.findChild(QTextBrowser, "diffText")
    assert found is not None
    return found


def _format_of(view: DiffView, word: str) -> QTextCharFormat:
    """The character format of the first occurrence of `word` in the shown diff."""
    document = _body(view).document()
    found = document.find(word)
    assert not found.isNull(), word
    cursor = QTextCursor(document)
    cursor.setPosition(found.selectionStart() + 1)
    return cursor.charFormat()


def test_starts_with_a_hint_to_select_two_cells(view: DiffView) -> None:
    assert _body(view).toPlainText() == HINT
    assert view.summary() == ""
    assert not _label(view, "diffHeader").isVisible()


def test_header_counts_and_marked_words(view: DiffView) -> None:
    view.set_pair(
        "Summary × gpt-4o",
        "The cat sat on the mat.",
        "Summary × llama3",
        "The dog sat on the warm mat!",
    )
    assert view.summary() == "2 words removed, 3 added"
    header = _label(view, "diffHeader")
    assert header.isVisible()
    assert "Summary × gpt-4o" in header.text()
    assert "Summary × llama3" in header.text()
    assert "only in Summary × gpt-4o" in _label(view, "diffLegend").text()
    removed, added, same = _format_of(view, "cat"), _format_of(view, "dog"), _format_of(view, "sat")
    assert removed.fontStrikeOut()
    assert removed.background().color().red() > removed.background().color().green()
    assert not added.fontStrikeOut()
    assert added.background().color().green() > added.background().color().red()
    assert not same.fontStrikeOut()
    assert same.background().style() == Qt.BrushStyle.NoBrush
    # Both sides' words are in the text, in order.
    assert _body(view).toPlainText() == "The catdog sat on the warm mat.!"


def test_identical_and_whitespace_only(view: DiffView) -> None:
    view.set_pair("A", "Same text\nhere", "B", "Same text\nhere")
    assert view.summary() == "identical"
    assert not _label(view, "diffLegend").isVisible()
    view.set_pair("A", "one two", "B", "one\ntwo")
    assert view.summary() == "only whitespace differs"
    view.set_pair("A", "one", "B", "two")
    assert view.summary() == "1 word removed, 1 added"


def test_markup_is_escaped_and_line_breaks_kept(view: DiffView) -> None:
    left = "<b>bold?</b> & <script>x</script>\nline  two\n\nlast"
    right = "<i>bold?</i> & <script>y</script>\nline  two\n\nlast"
    view.set_pair("<b>left</b>", left, "right", right)
    # Removed and added letters sit side by side: "b" then "i", "x" then "y".
    assert _body(view).toPlainText() == "<bi>bold?</bi> & <script>xy</script>\nline  two\n\nlast"
    assert _format_of(view, "bold?").fontWeight() < 600  # the tag was text, not markup
    assert _label(view, "diffHeader").text().startswith("<b>left</b>")


def test_clear_returns_to_the_hint(view: DiffView) -> None:
    view.set_pair("A", "x", "B", "y")
    view.clear()
    assert _body(view).toPlainText() == HINT
    assert view.summary() == ""
    assert not _label(view, "diffSummary").isVisible()


def test_links_in_outputs_do_not_open(view: DiffView) -> None:
    body = _body(view)
    assert body.isReadOnly()
    assert not body.openLinks()
    assert not body.openExternalLinks()
