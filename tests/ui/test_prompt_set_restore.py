"""A restart after a crash keeps only the part of the draft that held edits, and a case cell
holding refused text refuses Save and Export until it is fixed or cleared."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush
from PySide6.QtWidgets import QPlainTextEdit
from pytestqt.qtbot import QtBot

from tests.ui.test_prompt_set_save_suite import (
    READ_CASES,
    READ_CHECKS,
    _cell,
    _crash,
    _dismiss_message,
    _edit_case,
    _press_save_expecting_a_message,
    _restarted,
    _save_on_close_is_refused,
)
from tests.ui.test_prompt_set_window import (
    SUITE,
    SUMMARISE,
    _bytes,
    _make_set,
    _open,
    _save_by_keyboard,
    _type_at_end,
)
from tests.ui.window_driver import close_window, open_services, open_window
from ui.cases_model import CasesModel
from ui.main_window import MainWindow
from ui.workspace import OpenFolder
from workbench.prompt_set import load_prompt_set
from workbench.suite import Case, Check

INVALID_REGEX = (
    "expected: 'regex': Invalid regex pattern /(Paris/: missing ), unterminated subpattern at "
    "position 0"
)
NEEDS_A_VALUE = "case 1, expected: 'contains': \"contains\" needs a string or number value"
PULLED_SUITE = SUITE.replace('"A long text."', '"A pulled text."').replace(
    "{type: icontains, value: e}", "{type: icontains, value: pulled}"
)
PULLED_CASE = Case(vars={"message": "It broke again.", "text": "A pulled text."})
PULLED_CHECKS = (Check("icontains", "pulled"),)
REFUSED = (
    "Nothing was saved: fix or clear the cells marked red in the Cases dock first.\n\n"
    f"case 1, {INVALID_REGEX}"
)


def _changed(before: dict[str, bytes], folder: Path) -> set[str]:
    after = _bytes(folder)
    return {name for name in after if after[name] != before.get(name)}


def _summarise_text(window: MainWindow) -> str:
    return window.editor.columns[1].turns[0].edit.toPlainText()


def test_a_prompt_edit_restored_after_a_pull_leaves_the_pulled_cases_and_checks(
    qtbot: QtBot, tmp_path: Path
) -> None:
    folder = _make_set(tmp_path / "sentiment")
    window = open_window(qtbot, open_services(tmp_path))
    _open(qtbot, window, folder)
    _type_at_end(window.editor.columns[1].turns[0].edit, " Be kind.")
    assert window.prompt_sets.open_folder() == OpenFolder(
        str(folder), ("classify.prompty", "summarise.prompty"), unsaved=True, suite_unsaved=False
    )
    _crash(window)
    (folder / "workbench.yaml").write_text(PULLED_SUITE, encoding="utf-8")  # a git pull
    before = _bytes(folder)

    window = _restarted(qtbot, tmp_path)
    assert _summarise_text(window).endswith(" Be kind.")  # the prompt edit is kept
    assert window.cases.kept_cases() == [PULLED_CASE, READ_CASES[1]]
    assert window.checks.checks() == PULLED_CHECKS
    assert window.isWindowModified()  # for the prompt
    folder_kept = window.prompt_sets.open_folder()
    assert folder_kept is not None
    assert (folder_kept.unsaved, folder_kept.suite_unsaved) == (True, False)

    _save_by_keyboard(qtbot, window)
    assert _changed(before, folder) == {"summarise.prompty"}
    assert (folder / "workbench.yaml").read_text(encoding="utf-8") == PULLED_SUITE
    assert "Be kind." in (folder / "summarise.prompty").read_text(encoding="utf-8")
    assert not window.isWindowModified()
    close_window(window)


def test_a_case_edit_restored_after_a_pull_leaves_the_pulled_prompt(
    qtbot: QtBot, tmp_path: Path
) -> None:
    folder = _make_set(tmp_path / "sentiment")
    window = open_window(qtbot, open_services(tmp_path))
    _open(qtbot, window, folder)
    _edit_case(qtbot, window, 1, "message", "Awful.")
    _crash(window)
    pulled = SUMMARISE.replace("one line", "two lines")
    (folder / "summarise.prompty").write_text(pulled, encoding="utf-8")
    before = _bytes(folder)

    window = _restarted(qtbot, tmp_path)
    assert "two lines" in _summarise_text(window)
    edited = Case(vars={"message": "Awful.", "text": "Another text."})
    assert window.cases.kept_cases() == [READ_CASES[0], edited]
    assert window.isWindowModified()  # for the case
    folder_kept = window.prompt_sets.open_folder()
    assert folder_kept is not None
    assert (folder_kept.unsaved, folder_kept.suite_unsaved) == (False, True)

    _save_by_keyboard(qtbot, window)
    assert _changed(before, folder) == {"workbench.yaml"}  # the pulled prompt stays as pulled
    assert list(load_prompt_set(folder).suite.cases) == [READ_CASES[0], edited]
    close_window(window)


def test_a_refused_expected_cell_refuses_save_close_and_export_until_fixed(
    qtbot: QtBot, tmp_path: Path
) -> None:
    folder = _make_set(tmp_path / "sentiment")
    before = _bytes(folder)
    window = open_window(qtbot, open_services(tmp_path))
    _open(qtbot, window, folder)
    _edit_case(qtbot, window, 0, "expected", "regex: (Paris")
    expected = _cell(window, 0, "expected")
    model = window.cases.model
    assert isinstance(model.data(expected, Qt.ItemDataRole.BackgroundRole), QBrush)  # red
    assert model.data(expected, Qt.ItemDataRole.EditRole) == "regex: (Paris"  # kept as typed
    assert window.cases.kept_cases() == READ_CASES  # the case's checks are as they were
    assert window.isWindowModified()

    title, text = _press_save_expecting_a_message(qtbot, window)
    assert (title, text) == ("Could not save the prompt set", REFUSED)
    assert _bytes(folder) == before

    _save_on_close_is_refused(qtbot, window, REFUSED)
    assert _bytes(folder) == before

    with qtbot.waitSignal(window.presenter.shown, timeout=10_000) as message:
        window.files.export_to(tmp_path / "exported")
    assert message.args[1] == REFUSED
    _dismiss_message(qtbot, window)
    assert not (tmp_path / "exported").exists()

    _edit_case(qtbot, window, 0, "expected", "regex: (Paris)")
    assert model.data(expected, Qt.ItemDataRole.BackgroundRole) is None
    _save_by_keyboard(qtbot, window)
    assert load_prompt_set(folder).suite.cases[0].checks == (Check("regex", "(Paris)"),)
    assert load_prompt_set(folder).suite.checks == READ_CHECKS
    assert not window.isWindowModified()
    close_window(window)


def test_clearing_a_refused_cell_lets_the_save_go_on(qtbot: QtBot, tmp_path: Path) -> None:
    folder = _make_set(tmp_path / "sentiment")
    window = open_window(qtbot, open_services(tmp_path))
    _open(qtbot, window, folder)
    _edit_case(qtbot, window, 1, "message", "Awful.")
    _edit_case(qtbot, window, 0, "expected", "contains")
    assert window.cases.refused_cells() == [NEEDS_A_VALUE]
    _, text = _press_save_expecting_a_message(qtbot, window)
    assert text.endswith("\n\n" + NEEDS_A_VALUE)

    table = window.cases.table
    index = _cell(window, 0, "expected")
    table.setCurrentIndex(index)
    table.edit(index)
    editor = table.indexWidget(index)
    assert isinstance(editor, QPlainTextEdit)
    assert editor.toPlainText() == "contains"  # what was typed, to fix or clear
    editor.selectAll()
    qtbot.keyClick(editor, Qt.Key.Key_Backspace)
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    assert window.cases.refused_cells() == []
    _save_by_keyboard(qtbot, window)
    saved = [READ_CASES[0], Case(vars={"message": "Awful.", "text": "Another text."})]
    assert list(load_prompt_set(folder).suite.cases) == saved
    close_window(window)


def test_a_refused_cell_alone_marks_the_window_and_discard_drops_it(
    qtbot: QtBot, tmp_path: Path
) -> None:
    folder = _make_set(tmp_path / "sentiment")
    window = open_window(qtbot, open_services(tmp_path))
    _open(qtbot, window, folder)
    assert not window.isWindowModified()
    _edit_case(qtbot, window, 1, "expected", "regex: (Paris")
    assert window.isWindowModified()  # closing must ask: the typed text is not in any file

    window.prompt_sets.revert()
    assert window.cases.refused_cells() == []
    assert window.cases.kept_cases() == READ_CASES
    assert not window.isWindowModified()
    close_window(window)


def test_refused_cells_are_named_by_the_rows_they_are_in_now() -> None:
    model = CasesModel()
    model.set_cases([Case(vars={"q": "a"}), Case(vars={"q": "b"})], ["q"])
    assert not model.setData(model.index(1, 1), "regex: (Paris")
    assert model.refused_cells() == [f"case 2, {INVALID_REGEX}"]
    model.remove_rows([0])  # the refused row is case 1 now
    assert model.refused_cells() == [f"case 1, {INVALID_REGEX}"]
    tip = str(model.data(model.index(0, 1), Qt.ItemDataRole.ToolTipRole))
    assert tip.startswith("Not saved: case 1: 'regex': Invalid regex pattern")
    assert model.setData(model.index(0, 1), "regex: ^b")
    assert model.refused_cells() == []
    assert model.cases() == [Case(vars={"q": "b"}, checks=(Check("regex", "^b"),))]
