"""Cases and checks edited in the window's docks are saved back to the open prompt-set folder."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QDockWidget, QMessageBox, QPlainTextEdit, QPushButton, QTableView
from pytestqt.qtbot import QtBot

from tests.ui.test_prompt_set_window import (
    CLASSIFY,
    SUITE,
    SUMMARISE,
    _bytes,
    _make_set,
    _open,
    _save_by_keyboard,
)
from tests.ui.window_driver import close_window, open_services, open_window, press
from ui.app import shut_down
from ui.checks_model import VALUE
from ui.main_window import MainWindow
from workbench.prompt_set import load_prompt_set
from workbench.suite import Case, Check

INLINE_CASES = """\
cases:
  - vars: {message: "It broke again.", text: "A long text."}
  - vars: {message: "Lovely.", text: "Another text."}
"""
SUITE_WITH_FILE = SUITE.replace(INLINE_CASES, "cases: cases.csv\n")
CASES_CSV = "message,text\nIt broke again.,A long text.\nLovely.,Another text.\n"
READ_CASES = [
    Case(vars={"message": "It broke again.", "text": "A long text."}),
    Case(vars={"message": "Lovely.", "text": "Another text."}),
]
READ_CHECKS = (Check("icontains", "e"),)


def _raise_dock(window: MainWindow, name: str) -> None:
    dock = window.findChild(QDockWidget, name)
    assert dock is not None
    dock.raise_()


def _cell(window: MainWindow, row: int, header: str) -> QModelIndex:
    model = window.cases.model
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    return model.index(row, headers.index(header))


def _type_in_cell(qtbot: QtBot, table: QTableView, index: QModelIndex, text: str) -> None:
    """Open the cell's editor, type over its text and press Enter, as a person would."""
    table.setCurrentIndex(index)
    table.edit(index)
    _type_in_open_editor(qtbot, table, index, text)


def _type_in_open_editor(qtbot: QtBot, table: QTableView, index: QModelIndex, text: str) -> None:
    editor = table.indexWidget(index)
    assert isinstance(editor, QPlainTextEdit)
    editor.selectAll()
    qtbot.keyClicks(editor, text)
    qtbot.keyClick(editor, Qt.Key.Key_Return)


def _edit_case(qtbot: QtBot, window: MainWindow, row: int, header: str, text: str) -> None:
    _raise_dock(window, "casesDock")
    _type_in_cell(qtbot, window.cases.table, _cell(window, row, header), text)


def _add_check(qtbot: QtBot, window: MainWindow, check_type: str, value: str) -> None:
    """Add a check from the Add menu and type its value into the editor that opens."""
    _raise_dock(window, "checksDock")
    [action] = [a for a in window.checks.add_menu.actions() if a.text() == check_type]
    action.trigger()
    row = window.checks.model.rowCount() - 1
    _type_in_open_editor(qtbot, window.checks.table, window.checks.model.index(row, VALUE), value)


def _click(qtbot: QtBot, window: MainWindow, name: str) -> None:
    button = window.findChild(QPushButton, name)
    assert button is not None, name
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def _press_save_expecting_a_message(qtbot: QtBot, window: MainWindow) -> tuple[str, str]:
    with qtbot.waitSignal(window.presenter.shown, timeout=10_000) as message:
        press(
            window.editor.columns[0].system_edit, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier
        )
    _dismiss_message(qtbot, window)
    title, text = message.args
    return str(title), str(text)


def _dismiss_message(qtbot: QtBot, window: MainWindow) -> None:
    """Click OK on the message the presenter shows, so the window takes keys again."""
    shown = [box for box in window.findChildren(QMessageBox, "errorDialog") if box.isVisible()]
    assert len(shown) == 1
    qtbot.mouseClick(shown[0].button(QMessageBox.StandardButton.Ok), Qt.MouseButton.LeftButton)
    window.activateWindow()  # back in the window: its shortcuts (Ctrl+S) need it active
    qtbot.waitUntil(window.isActiveWindow)


def _crash(window: MainWindow) -> None:
    """The draft is kept, the files are not written, the window's threads die."""
    window.keeper.save_now()
    shut_down(window.services)
    window.prompt_sets.revert()  # so that closing the dead window later asks nothing


def _restarted(qtbot: QtBot, tmp_path: Path) -> MainWindow:
    window = open_window(qtbot, open_services(tmp_path))
    qtbot.waitUntil(lambda: window.prompt_sets.session is not None)
    return window


def _save_on_close_is_refused(qtbot: QtBot, window: MainWindow, text: str) -> None:
    """Closing asks; its Save is refused with `text`, and the window stays open."""
    window.close()
    dialog = window.findChild(QMessageBox, "unsavedDialog")
    assert dialog is not None and dialog.isVisible()
    with qtbot.waitSignal(window.presenter.shown, timeout=10_000) as message:
        qtbot.mouseClick(dialog.button(QMessageBox.StandardButton.Save), Qt.MouseButton.LeftButton)
    assert message.args[1] == text
    _dismiss_message(qtbot, window)
    assert window.isVisible()


def test_edited_cases_and_a_new_check_are_saved_into_workbench_yaml(
    qtbot: QtBot, tmp_path: Path
) -> None:
    folder = _make_set(tmp_path / "sentiment")
    before = _bytes(folder)
    window = open_window(qtbot, open_services(tmp_path))
    _open(qtbot, window, folder)
    assert window.cases.kept_cases() == READ_CASES
    assert not window.isWindowModified()

    _edit_case(qtbot, window, 0, "message", "It broke twice.")
    assert window.isWindowModified()
    _edit_case(qtbot, window, 0, "message", "It broke again.")
    assert not window.isWindowModified()  # back as read: compared by value

    _edit_case(qtbot, window, 0, "message", "It broke twice.")
    _edit_case(qtbot, window, 0, "expected", "contains: broke")
    _edit_case(qtbot, window, 1, "description", "kind words")
    _add_check(qtbot, window, "contains", "It")
    assert window.isWindowModified()
    _save_by_keyboard(qtbot, window)

    assert not window.isWindowModified()
    # The suite's comment is gone with the rewrite, and the folder is not in git: said so.
    assert window.status.currentMessage() == (
        "Saved workbench.yaml in sentiment (its comments were not kept)"
    )
    after = _bytes(folder)
    assert {name for name in after if after[name] != before[name]} == {"workbench.yaml"}
    saved = [
        Case(
            vars={"message": "It broke twice.", "text": "A long text."},
            checks=(Check("contains", "broke"),),
        ),
        Case(vars={"message": "Lovely.", "text": "Another text."}, description="kind words"),
    ]
    reread = load_prompt_set(folder)
    assert list(reread.suite.cases) == saved
    assert reread.suite.checks == (Check("icontains", "e"), Check("contains", "It"))
    assert reread.suite.cases_file is None
    assert reread.prompt_files == ("classify.prompty", "summarise.prompty")

    window.prompt_sets.revert()  # after the save: the docks show what was saved
    assert window.cases.kept_cases() == saved
    _open(qtbot, window, folder)
    assert window.cases.kept_cases() == saved
    assert window.checks.checks() == (Check("icontains", "e"), Check("contains", "It"))
    assert not window.isWindowModified()
    close_window(window)


def test_cases_from_a_cases_file_are_saved_into_it(qtbot: QtBot, tmp_path: Path) -> None:
    folder = _make_set(tmp_path / "sentiment", SUITE_WITH_FILE)
    (folder / "cases.csv").write_text(CASES_CSV, encoding="utf-8")
    before = _bytes(folder)
    window = open_window(qtbot, open_services(tmp_path))
    _open(qtbot, window, folder)
    assert window.cases.kept_cases() == READ_CASES

    # An empty case added and removed again leaves nothing to save.
    _raise_dock(window, "casesDock")
    _click(qtbot, window, "casesAdd")
    editor = window.cases.table.indexWidget(_cell(window, 2, "message"))
    assert isinstance(editor, QPlainTextEdit)
    qtbot.keyClick(editor, Qt.Key.Key_Escape)
    assert window.isWindowModified()
    _click(qtbot, window, "casesRemove")  # the added case is still the one selected
    assert not window.isWindowModified()
    _edit_case(qtbot, window, 1, "text", "Short.")
    _save_by_keyboard(qtbot, window)

    assert window.status.currentMessage() == "Saved cases.csv in sentiment"
    after = _bytes(folder)
    assert {name for name in after if after[name] != before[name]} == {"cases.csv"}
    assert after["cases.csv"] == b"message,text\nIt broke again.,A long text.\nLovely.,Short.\n"
    reread = load_prompt_set(folder)
    assert reread.suite.cases_file == "cases.csv"
    assert list(reread.suite.cases) == [
        READ_CASES[0],
        Case(vars={"message": "Lovely.", "text": "Short."}),
    ]
    close_window(window)


def test_a_bare_folder_gets_a_workbench_yaml_with_its_cases_and_checks(
    qtbot: QtBot, tmp_path: Path
) -> None:
    folder = tmp_path / "bare"
    folder.mkdir()
    (folder / "classify.prompty").write_text(CLASSIFY, encoding="utf-8")
    (folder / "summarise.prompty").write_text(SUMMARISE, encoding="utf-8")
    window = open_window(qtbot, open_services(tmp_path))
    _open(qtbot, window, folder)
    assert window.cases.kept_cases() == []
    assert not window.isWindowModified()

    _raise_dock(window, "casesDock")
    _click(qtbot, window, "casesAdd")  # opens the first cell's editor
    table = window.cases.table
    _type_in_open_editor(qtbot, table, _cell(window, 0, "message"), "Hi there")
    _edit_case(qtbot, window, 0, "text", "Some text.")
    _add_check(qtbot, window, "icontains", "hi")
    assert window.isWindowModified()
    with qtbot.waitSignal(window.prompt_sets.saved, timeout=10_000):
        window.files.actions["save"].trigger()

    assert not window.isWindowModified()
    assert (folder / "classify.prompty").read_text(encoding="utf-8") == CLASSIFY
    assert (folder / "summarise.prompty").read_text(encoding="utf-8") == SUMMARISE
    reread = load_prompt_set(folder)
    assert reread.suite.name == "bare"
    assert reread.prompt_files == ("classify.prompty", "summarise.prompty")
    assert reread.suite.cases == (Case(vars={"message": "Hi there", "text": "Some text."}),)
    assert reread.suite.checks == (Check("icontains", "hi"),)
    close_window(window)


def test_an_invalid_check_refuses_the_save_until_it_is_fixed(qtbot: QtBot, tmp_path: Path) -> None:
    folder = _make_set(tmp_path / "sentiment")
    before = _bytes(folder)
    window = open_window(qtbot, open_services(tmp_path))
    _open(qtbot, window, folder)
    _add_check(qtbot, window, "regex", "(Paris")
    [problem] = window.checks.problems()
    assert problem.startswith("check 2: ")
    assert window.checks.checks() == READ_CHECKS
    assert window.isWindowModified()  # the red row is an edit, though runs leave it out

    title, text = _press_save_expecting_a_message(qtbot, window)
    assert title == "Could not save the prompt set"
    assert text == (
        "Nothing was saved: fix or remove the checks marked red in the Checks dock first.\n\n"
        + problem
    )
    assert _bytes(folder) == before
    assert window.isWindowModified()

    _save_on_close_is_refused(qtbot, window, text)
    assert _bytes(folder) == before

    index = window.checks.model.index(1, VALUE)
    _type_in_cell(qtbot, window.checks.table, index, "(Paris)")
    assert window.checks.problems() == []
    _save_by_keyboard(qtbot, window)
    assert load_prompt_set(folder).suite.checks == (
        Check("icontains", "e"),
        Check("regex", "(Paris)"),
    )
    close_window(window)


def test_discard_puts_the_cases_and_checks_back(qtbot: QtBot, tmp_path: Path) -> None:
    folder = _make_set(tmp_path / "sentiment")
    before = _bytes(folder)
    window = open_window(qtbot, open_services(tmp_path))
    _open(qtbot, window, folder)
    _edit_case(qtbot, window, 1, "message", "Awful.")
    _raise_dock(window, "checksDock")
    window.checks.select_row(0)
    _click(qtbot, window, "checksRemove")
    assert window.checks.checks() == ()
    assert window.isWindowModified()

    window.close()
    dialog = window.findChild(QMessageBox, "unsavedDialog")
    assert dialog is not None and dialog.isVisible()
    qtbot.mouseClick(dialog.button(QMessageBox.StandardButton.Discard), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.isVisible())

    assert window.cases.kept_cases() == READ_CASES
    assert window.checks.checks() == READ_CHECKS
    assert not window.isWindowModified()
    assert _bytes(folder) == before
    close_window(window)


def test_a_restart_after_a_crash_keeps_the_unsaved_cases(qtbot: QtBot, tmp_path: Path) -> None:
    folder = _make_set(tmp_path / "sentiment")
    window = open_window(qtbot, open_services(tmp_path))
    _open(qtbot, window, folder)
    _edit_case(qtbot, window, 0, "text", "A short text.")
    _crash(window)  # the draft holds the edit, the files do not

    window = _restarted(qtbot, tmp_path)
    edited = Case(vars={"message": "It broke again.", "text": "A short text."})
    assert window.cases.kept_cases() == [edited, READ_CASES[1]]
    assert window.isWindowModified()
    _save_by_keyboard(qtbot, window)
    assert list(load_prompt_set(folder).suite.cases) == [edited, READ_CASES[1]]
    assert not window.isWindowModified()
    close_window(window)


def test_export_of_no_open_folder_writes_the_docks_cases_and_checks(
    qtbot: QtBot, tmp_path: Path
) -> None:
    window = open_window(qtbot, open_services(tmp_path))
    name = next(iter(window.variables.values()))  # a variable of the sample prompts
    case = Case(vars={name: "a lighthouse"}, description="the first")
    window.cases.set_cases([case])
    _add_check(qtbot, window, "contains", "light")
    out = tmp_path / "out"
    with qtbot.waitSignal(window.files.exported, timeout=10_000):
        window.files.export_to(out)
    exported = load_prompt_set(out).suite
    assert exported.cases == (case,)
    assert exported.checks == (Check("contains", "light"),)

    _add_check(qtbot, window, "regex", "(Paris")
    [problem] = window.checks.problems()
    with qtbot.waitSignal(window.presenter.shown, timeout=10_000) as message:
        window.files.export_to(tmp_path / "refused")
    assert message.args[1].endswith("Checks dock first.\n\n" + problem)
    _dismiss_message(qtbot, window)
    assert not (tmp_path / "refused").exists()  # nothing written, not even the folder
    close_window(window)


def test_a_restart_after_a_crash_keeps_a_check_marked_red(qtbot: QtBot, tmp_path: Path) -> None:
    folder = _make_set(tmp_path / "sentiment")
    window = open_window(qtbot, open_services(tmp_path))
    _open(qtbot, window, folder)
    _add_check(qtbot, window, "regex", "(Paris")
    [problem] = window.checks.problems()
    _crash(window)  # only the draft holds the red row

    window = _restarted(qtbot, tmp_path)
    assert window.checks.problems() == [problem]  # back, still red, still refused by runs
    assert window.checks.checks() == READ_CHECKS
    assert window.isWindowModified()
    window.prompt_sets.revert()
    close_window(window)
