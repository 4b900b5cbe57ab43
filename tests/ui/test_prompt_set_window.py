"""A prompt-set folder in a real git repository, opened, edited and saved in the real window."""

from __future__ import annotations

import dataclasses
import subprocess
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QMessageBox, QPushButton, QToolButton, QWidget
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from tests.ui.window_driver import close_window, open_services, open_window, press, type_into
from ui.app import shut_down
from ui.changed_files_panel import ChangedFilesModel
from ui.main_window import MainWindow
from ui.prompt_set_session import PromptSetSession, allocate_names
from workbench.domain import Message, ModelSpec, PromptTemplate
from workbench.prompt_set import load_prompt_set, render_prompt_set
from workbench.prompty import parse_prompty
from workbench.prompty_writer import write_prompty
from workbench.suite import Suite

SUITE = """\
# The sentiment suite: hand-written, comments and all.
name: sentiment
description: Label customer messages.
prompts:
  - classify.prompty
  - summarise.prompty
models:
  - gpt-4o-mini
cases:
  - vars: {message: "It broke again.", text: "A long text."}
  - vars: {message: "Lovely.", text: "Another text."}
checks:
  - {type: icontains, value: e}
"""

CLASSIFY = """\
---
name: classify
description: Label the sentiment of a message.
# kept: authors and tags are not shown in the editor, and must survive a save
authors: [ana]
tags: [triage]
model:
  parameters: {temperature: 0, max_tokens: 5}
inputs:
  message: {type: string}
---
system:
Answer with one word: positive, negative or neutral.

user:
{{message}}
"""

SUMMARISE = """\
---
name: summarise
---
user:
Summarise in one line: {{text}}
"""


def _git(folder: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.email=t@t", "-c", "user.name=t", *args],
        cwd=folder,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def _make_set(folder: Path, suite: str = SUITE) -> Path:
    folder.mkdir(parents=True)
    for name, text in (
        ("workbench.yaml", suite),
        ("classify.prompty", CLASSIFY),
        ("summarise.prompty", SUMMARISE),
    ):
        (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A committed prompt set in its own git repository."""
    folder = _make_set(tmp_path / "repo" / "sentiment")
    _git(folder, "init", "-q")
    _git(folder, "add", ".")
    _git(folder, "commit", "-q", "-m", "prompts")
    return folder


def _bytes(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def _open(qtbot: QtBot, window: MainWindow, folder: Path) -> None:
    """Open `folder` and wait until the Changed files dock has git's first answer."""
    with qtbot.waitSignals(
        [window.prompt_sets.folder_changed, window.changed_files.refreshed], timeout=10_000
    ):
        window.prompt_sets.open(folder)


def _changed_lines(qtbot: QtBot, window: MainWindow, expected: list[str]) -> None:
    qtbot.waitUntil(lambda: window.changed_files.model.lines() == expected, timeout=10_000)


def _save_by_keyboard(qtbot: QtBot, window: MainWindow) -> None:
    with qtbot.waitSignal(window.prompt_sets.saved, timeout=10_000):
        press(
            window.editor.columns[0].system_edit, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier
        )


def _type_at_end(edit: QWidget, text: str) -> None:
    press(edit, Qt.Key.Key_End, Qt.KeyboardModifier.ControlModifier)
    type_into(edit, text)


def test_open_edit_save_writes_only_the_edited_file_and_git_sees_it(
    qtbot: QtBot, tmp_path: Path, repo: Path
) -> None:
    window = open_window(qtbot, open_services(tmp_path))
    before = _bytes(repo)
    _open(qtbot, window, repo)

    assert [c.name() for c in window.editor.columns] == ["classify", "summarise"]
    assert window.windowTitle().startswith("sentiment[*]")
    assert not window.isWindowModified()
    assert [m.name for m in window.models.models()] == ["gpt-4o-mini"]
    assert window.variables.values()["message"] == "It broke again."
    assert window.files.actions["save"].isEnabled()
    _changed_lines(qtbot, window, [])

    turn = window.editor.columns[0].turns[0].edit
    _type_at_end(turn, " (one word only)")
    assert window.isWindowModified()
    _save_by_keyboard(qtbot, window)

    assert not window.isWindowModified()
    assert "Saved classify.prompty" in window.status.currentMessage()
    after = _bytes(repo)
    assert {name for name in after if after[name] != before[name]} == {"classify.prompty"}
    original = parse_prompty(CLASSIFY, repo / "classify.prompty")
    edited = dataclasses.replace(
        original,
        messages=(original.messages[0], Message("user", "{{message}} (one word only)")),
    )
    assert after["classify.prompty"] == write_prompty(edited).encode()
    saved = parse_prompty(after["classify.prompty"].decode(), repo / "classify.prompty")
    assert saved.meta["authors"] == ["ana"] and saved.meta["tags"] == ["triage"]
    _changed_lines(qtbot, window, ["M classify.prompty"])
    close_window(window)


def test_new_columns_become_files_and_removed_ones_stay_on_disk(
    qtbot: QtBot, tmp_path: Path, repo: Path
) -> None:
    before = load_prompt_set(repo)
    window = open_window(qtbot, open_services(tmp_path))
    _open(qtbot, window, repo)
    add = window.editor.findChild(QPushButton, "addPrompt")
    assert add is not None
    qtbot.mouseClick(add, Qt.MouseButton.LeftButton)
    new_column = window.editor.columns[-1]
    new_column.name_edit.setText("shout")
    type_into(new_column.turns[0].edit, "SHOUT {{message}}")
    buttons = window.editor.columns[1].findChildren(QToolButton)
    remove = next(b for b in buttons if b.toolTip() == "Remove this prompt")
    qtbot.mouseClick(remove, Qt.MouseButton.LeftButton)
    assert [c.name() for c in window.editor.columns] == ["classify", "shout"]
    _save_by_keyboard(qtbot, window)

    assert (repo / "summarise.prompty").read_text(encoding="utf-8") == SUMMARISE
    assert parse_prompty((repo / "shout.prompty").read_text(), repo / "shout.prompty").messages == (
        Message("user", "SHOUT {{message}}"),
    )
    reread = load_prompt_set(repo)
    assert reread.prompt_files == ("classify.prompty", "shout.prompty")
    kept = ("name", "description", "models", "cases", "checks")
    assert [getattr(reread.suite, f) for f in kept] == [getattr(before.suite, f) for f in kept]
    assert (repo / "classify.prompty").read_text(encoding="utf-8") == CLASSIFY
    _changed_lines(qtbot, window, ["?? shout.prompty", "M workbench.yaml"])
    close_window(window)


def test_a_bad_folder_is_reported_and_changes_nothing(
    qtbot: QtBot, tmp_path: Path, repo: Path
) -> None:
    bad = _make_set(tmp_path / "bad", SUITE.replace("summarise.prompty", "missing.prompty"))
    window = open_window(qtbot, open_services(tmp_path))
    _open(qtbot, window, repo)
    _type_at_end(window.editor.columns[1].turns[0].edit, "!")
    shown = window.editor.prompts()
    title = window.windowTitle()

    with qtbot.waitSignal(window.presenter.shown, timeout=10_000) as message:
        window.prompt_sets.open(bad)  # unsaved edits: the question comes first
        dialog = window.findChild(QMessageBox, "unsavedDialog")
        assert dialog is not None and dialog.isVisible()
        qtbot.mouseClick(
            dialog.button(QMessageBox.StandardButton.Discard), Qt.MouseButton.LeftButton
        )
    title_shown, text = message.args
    assert title_shown == f"Could not open {bad}"
    assert "workbench.yaml:" in text and "missing.prompty" in text
    assert window.windowTitle() == title
    assert window.prompt_sets.session is not None and window.prompt_sets.session.root == repo
    # Discard put the folder's text back; the bad folder changed nothing after that.
    assert window.editor.prompts() != shown
    assert [c.name() for c in window.editor.columns] == ["classify", "summarise"]
    assert not window.isWindowModified()
    close_window(window)


def test_a_bad_folder_leaves_the_editor_as_it_was(qtbot: QtBot, tmp_path: Path) -> None:
    bad = _make_set(tmp_path / "bad")
    (bad / "summarise.prompty").write_text("---\nname: [unclosed\n---\nuser:\nhi\n")
    window = open_window(qtbot, open_services(tmp_path))
    shown = window.editor.prompts()
    with qtbot.waitSignal(window.presenter.shown, timeout=10_000) as message:
        window.prompt_sets.open(bad)
    assert "summarise.prompty:" in message.args[1]
    assert window.editor.prompts() == shown
    assert window.prompt_sets.session is None
    assert window.windowTitle() == "Prompt Workbench"
    close_window(window)


def test_export_writes_what_render_prompt_set_gives(
    qtbot: QtBot, tmp_path: Path, repo: Path
) -> None:
    window = open_window(qtbot, open_services(tmp_path))
    loose = tmp_path / "loose"
    with qtbot.waitSignal(window.files.exported, timeout=10_000):
        window.files.export_to(loose)
    suite = Suite("loose", tuple(window.editor.prompts()), tuple(window.models.models()))
    assert {p.name: p.read_text(encoding="utf-8") for p in loose.iterdir()} == render_prompt_set(
        suite
    )

    _open(qtbot, window, repo)
    out = tmp_path / "out"
    with qtbot.waitSignal(window.files.exported, timeout=10_000):
        window.files.export_to(out)
    read = load_prompt_set(repo)
    expected = render_prompt_set(read.suite, read.prompt_files, read.files)
    assert {p.name: p.read_text(encoding="utf-8") for p in out.iterdir()} == expected
    assert _bytes(out) == {name: _bytes(repo)[name] for name in expected}  # unedited: as read
    close_window(window)


def test_import_a_folder_keeps_it_in_the_store(qtbot: QtBot, tmp_path: Path, repo: Path) -> None:
    services = open_services(tmp_path)
    window = open_window(qtbot, services)
    with qtbot.waitSignal(window.files.imported, timeout=10_000) as imported:
        window.files.import_paths([repo])
    assert imported.args[0] == ["sentiment"]
    assert "imported suite sentiment: 2 prompts" in window.status.currentMessage()
    names = services.store.call(lambda store: store.suite_names()).result(5)
    assert "sentiment" in names

    broken = tmp_path / "broken.prompty"
    broken.write_text("---\nname: x\nbogus: 1\n---\nuser:\nhi\n")
    with qtbot.waitSignal(window.presenter.shown, timeout=10_000) as message:
        window.files.import_paths([repo, broken])
    assert "broken.prompty:" in message.args[1]
    assert services.store.call(lambda store: store.suite_names()).result(5) == names
    close_window(window)


def test_closing_with_unsaved_edits_asks_and_cancel_keeps_the_window(
    qtbot: QtBot, tmp_path: Path, repo: Path
) -> None:
    window = open_window(qtbot, open_services(tmp_path))
    _open(qtbot, window, repo)
    _type_at_end(window.editor.columns[0].turns[0].edit, " now")
    window.close()
    dialog = window.findChild(QMessageBox, "unsavedDialog")
    assert dialog is not None and dialog.isVisible()
    qtbot.mouseClick(dialog.button(QMessageBox.StandardButton.Cancel), Qt.MouseButton.LeftButton)
    assert window.isVisible() and window.isWindowModified()

    window.close()
    dialog = window.findChild(QMessageBox, "unsavedDialog")
    assert dialog is not None
    with qtbot.waitSignal(window.prompt_sets.saved, timeout=10_000):
        qtbot.mouseClick(dialog.button(QMessageBox.StandardButton.Save), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.isVisible())
    assert "{{message}} now" in (repo / "classify.prompty").read_text(encoding="utf-8")
    close_window(window)


def test_a_restart_reopens_the_folder_as_it_now_is(
    qtbot: QtBot, tmp_path: Path, repo: Path
) -> None:
    window = open_window(qtbot, open_services(tmp_path))
    _open(qtbot, window, repo)
    close_window(window)
    # Changed while the window was closed (a pull, say): the reopened editor shows it.
    (repo / "summarise.prompty").write_text(SUMMARISE.replace("one line", "two lines"))

    window = open_window(qtbot, open_services(tmp_path))
    qtbot.waitUntil(lambda: window.prompt_sets.session is not None)
    assert window.windowTitle().startswith("sentiment[*]")
    assert "two lines" in window.editor.columns[1].turns[0].edit.toPlainText()
    assert not window.isWindowModified()
    _changed_lines(qtbot, window, ["M summarise.prompty"])
    close_window(window)


def test_a_restart_after_a_crash_keeps_the_unsaved_text(
    qtbot: QtBot, tmp_path: Path, repo: Path
) -> None:
    window = open_window(qtbot, open_services(tmp_path))
    _open(qtbot, window, repo)
    _type_at_end(window.editor.columns[1].turns[0].edit, " Be kind.")
    window.keeper.save_now()
    shut_down(window.services)  # a crash: the draft holds the edit, the files do not
    window.prompt_sets.revert()  # so that closing the dead window later asks nothing

    window = open_window(qtbot, open_services(tmp_path))
    qtbot.waitUntil(lambda: window.prompt_sets.session is not None)
    assert window.editor.columns[1].turns[0].edit.toPlainText().endswith(" Be kind.")
    assert window.isWindowModified()
    _save_by_keyboard(qtbot, window)
    assert "Be kind." in (repo / "summarise.prompty").read_text(encoding="utf-8")
    assert (repo / "classify.prompty").read_text(encoding="utf-8") == CLASSIFY
    close_window(window)


def test_a_file_changed_on_disk_is_never_overwritten(
    qtbot: QtBot, tmp_path: Path, repo: Path
) -> None:
    window = open_window(qtbot, open_services(tmp_path))
    _open(qtbot, window, repo)
    _type_at_end(window.editor.columns[0].turns[0].edit, " mine")
    theirs = CLASSIFY.replace("one word", "a single word")
    (repo / "classify.prompty").write_text(theirs, encoding="utf-8")
    # The watcher sees the change without being asked.
    _changed_lines(qtbot, window, ["M classify.prompty"])
    with qtbot.waitSignal(window.presenter.shown, timeout=10_000) as message:
        press(
            window.editor.columns[0].system_edit,
            Qt.Key.Key_S,
            Qt.KeyboardModifier.ControlModifier,
        )
    assert "changed on disk" in message.args[1]
    assert (repo / "classify.prompty").read_text(encoding="utf-8") == theirs
    assert window.isWindowModified()
    window.prompt_sets.revert()
    close_window(window)


def test_open_folder_through_the_dialog(qtbot: QtBot, tmp_path: Path, repo: Path) -> None:
    window = open_window(qtbot, open_services(tmp_path))
    window.files.actions["open_folder"].trigger()
    dialog = window.findChild(QFileDialog, "openFolderDialog")
    assert dialog is not None and dialog.isVisible()
    with qtbot.waitSignal(window.prompt_sets.folder_changed, timeout=10_000):
        dialog.setDirectory(str(repo.parent))
        dialog.selectFile(repo.name)
        dialog.accept()
    assert window.prompt_sets.session is not None
    assert window.prompt_sets.session.root.resolve() == repo.resolve()
    close_window(window)


def test_the_changed_files_model(qtmodeltester: ModelTester) -> None:
    model = ChangedFilesModel()
    model.set_changes({"b.prompty": "M", "a.prompty": "??", "c/d.csv": "AM"})
    assert model.lines() == ["?? a.prompty", "M b.prompty", "AM c/d.csv"]
    assert "untracked" in str(model.data(model.index(0, 0), Qt.ItemDataRole.ToolTipRole))
    qtmodeltester.check(model)


def test_new_prompt_files_never_take_a_name_in_use() -> None:
    prompts = [PromptTemplate(name, ()) for name in ("a", "summarise", "a")]
    assert allocate_names([None, None, "x.prompty"], prompts, ["SUMMARISE.prompty"]) == (
        "a.prompty",
        "summarise-2.prompty",
        "x.prompty",
    )


def test_an_unedited_session_saves_the_set_as_read(repo: Path) -> None:
    loaded = load_prompt_set(repo)
    session = PromptSetSession(loaded, lambda p: dataclasses.replace(p, meta={}, source_path=None))
    columns = [
        (name, dataclasses.replace(p, meta={}, source_path=None))
        for name, p in zip(loaded.prompt_files, loaded.suite.prompts, strict=True)
    ]
    assert not session.is_dirty(columns)
    assert session.save_request(columns).suite == loaded.suite
    assert session.is_dirty(columns[::-1])
    assert session.is_dirty([*columns, (None, PromptTemplate("new", ()))])
    assert session.variables() == {"message": "It broke again.", "text": "A long text."}
    models = session.prompt_set.suite.models
    assert models == (ModelSpec("gpt-4o-mini"),)
