"""Saving the Cases dock into a cases file loses nothing: columns the workbench does not keep
refuse the save, a new case fills the file's hidden columns, and a rewritten workbench.yaml says
that its comments went."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from tests.ui.test_prompt_set_save_suite import (
    SUITE_WITH_FILE,
    _cell,
    _click,
    _dismiss_message,
    _edit_case,
    _press_save_expecting_a_message,
    _raise_dock,
    _type_in_open_editor,
)
from tests.ui.test_prompt_set_window import (
    _bytes,
    _git,
    _make_set,
    _open,
    _save_by_keyboard,
    _type_at_end,
)
from tests.ui.window_driver import close_window, open_services, open_window
from workbench.prompt_set import load_prompt_set
from workbench.suite import Case

METRIC_CSV = "text,message,__metric,notes\nA,hi,accuracy,n1\nB,yo,accuracy,n2\n"
HIDDEN_CSV = "message,text,notes\nIt broke again.,A long text.,n1\nLovely.,Another text.,n2\n"


def test_a_cases_file_with_columns_the_workbench_drops_refuses_a_case_edit(
    qtbot: QtBot, tmp_path: Path
) -> None:
    folder = _make_set(tmp_path / "sentiment", SUITE_WITH_FILE)
    (folder / "cases.csv").write_text(METRIC_CSV, encoding="utf-8")
    before = _bytes(folder)
    window = open_window(qtbot, open_services(tmp_path))
    with qtbot.waitSignal(window.presenter.shown, timeout=10_000) as opened:
        _open(qtbot, window, folder)
    assert opened.args[0] == "Opened sentiment, with parts left out"
    _dismiss_message(qtbot, window)

    _edit_case(qtbot, window, 0, "message", "hey")
    assert window.isWindowModified()
    title, text = _press_save_expecting_a_message(qtbot, window)
    assert title == "Could not save the prompt set"
    assert text == (
        "cases.csv: saving the edited cases would remove what the workbench does not keep from "
        "this file: column '__metric'. Edit cases.csv in another tool, or remove those columns, "
        "then open the folder again."
    )
    assert _bytes(folder) == before
    assert window.isWindowModified()

    # With the cases as read, a prompt edit saves and the cases file keeps every byte.
    _edit_case(qtbot, window, 0, "message", "hi")
    assert not window.isWindowModified()
    _type_at_end(window.editor.columns[0].system_edit, " Be brief.")
    _save_by_keyboard(qtbot, window)
    assert window.status.currentMessage() == "Saved classify.prompty in sentiment"
    after = _bytes(folder)
    assert {name for name in after if after[name] != before[name]} == {"classify.prompty"}
    assert not window.isWindowModified()
    close_window(window)


def test_a_case_added_in_the_dock_fills_the_files_hidden_column(
    qtbot: QtBot, tmp_path: Path
) -> None:
    folder = _make_set(tmp_path / "sentiment", SUITE_WITH_FILE)
    (folder / "cases.csv").write_text(HIDDEN_CSV, encoding="utf-8")
    window = open_window(qtbot, open_services(tmp_path))
    _open(qtbot, window, folder)
    read = [
        Case(vars={"message": "It broke again.", "text": "A long text.", "notes": "n1"}),
        Case(vars={"message": "Lovely.", "text": "Another text.", "notes": "n2"}),
    ]
    assert window.cases.kept_cases() == read

    _raise_dock(window, "casesDock")
    _click(qtbot, window, "casesAdd")  # opens the new row's first cell
    _type_in_open_editor(qtbot, window.cases.table, _cell(window, 2, "message"), "New one.")
    assert window.cases.kept_cases()[2] == Case(vars={"message": "New one."})
    assert window.isWindowModified()
    _save_by_keyboard(qtbot, window)

    assert window.status.currentMessage() == "Saved cases.csv in sentiment"
    assert (folder / "cases.csv").read_text(encoding="utf-8") == HIDDEN_CSV + "New one.,,\n"
    assert not window.isWindowModified()
    filled = Case(vars={"message": "New one.", "text": "", "notes": ""})
    assert list(load_prompt_set(folder).suite.cases) == [*read, filled]

    _open(qtbot, window, folder)
    assert window.cases.kept_cases() == [*read, filled]
    assert not window.isWindowModified()
    close_window(window)


def test_saving_a_commented_workbench_yaml_says_the_comments_went(
    qtbot: QtBot, tmp_path: Path
) -> None:
    folder = _make_set(tmp_path / "repo" / "sentiment")
    _git(folder, "init", "-q")
    _git(folder, "add", ".")
    _git(folder, "commit", "-q", "-m", "prompts")
    window = open_window(qtbot, open_services(tmp_path))
    _open(qtbot, window, folder)
    _edit_case(qtbot, window, 1, "text", "Short.")
    _save_by_keyboard(qtbot, window)
    assert window.status.currentMessage() == (
        "Saved workbench.yaml in sentiment (its comments were not kept: git has them)"
    )
    assert not (folder / "workbench.yaml").read_text(encoding="utf-8").startswith("#")
    assert not window.isWindowModified()
    close_window(window)
