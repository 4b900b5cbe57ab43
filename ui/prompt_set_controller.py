"""Opening a prompt-set folder into the window and saving the window's edits back into it.

Each prompt column is bound to the file it was read from; a new, duplicated or restored column is
bound to none and becomes a new file on save. The Cases and Checks docks go back into
`workbench.yaml` (or the set's cases file); repeats are not part of a set and stay in the
workspace draft. Reading and writing run on the compute lane, never on the GUI thread. The window
title names the folder, with Qt's `[*]` mark while the editor or those docks hold edits the files
do not. Leaving those edits (closing, opening another folder) asks first, with a window-modal
question opened without a nested event loop, so nothing waits on it but the user.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtWidgets import QAbstractButton, QMainWindow, QMessageBox, QStatusBar

from ui.background import Background
from ui.cases_panel import CasesPanel
from ui.checks_panel import ChecksPanel
from ui.editor_panel import EditorPanel
from ui.error_presenter import ErrorPresenter
from ui.models_panel import ModelsPanel
from ui.prompt_column import PromptColumn
from ui.prompt_set_session import (
    CheckRow,
    Column,
    PromptSetSession,
    SaveOutcome,
    save_files,
)
from ui.variables_panel import VariablesPanel
from ui.workspace import OpenFolder
from workbench.domain import PromptTemplate
from workbench.errors import UsageError
from workbench.prompt_set import PromptSet, load_prompt_set
from workbench.suite import Case

_STATUS_MS = 8000
Then = Callable[[], object]


def editor_form(prompt: PromptTemplate) -> PromptTemplate:
    """`prompt` as an editor column gives it back (the editor shows one system message, say)."""
    column = PromptColumn(prompt)
    try:
        return column.template()
    finally:
        column.deleteLater()


class PromptSetController(QObject):
    """The open folder, if any; `folder_changed` carries its path (None when none is open)."""

    folder_changed = Signal(object)  # Path | None
    saved = Signal(object)  # the SaveOutcome
    dirty_changed = Signal(bool)
    suite_loaded = Signal(object)  # the opened folder's Suite (its cases and checks fill panels)

    def __init__(
        self,
        background: Background,
        presenter: ErrorPresenter,
        status: QStatusBar,
        *,
        editor: EditorPanel,
        variables: VariablesPanel,
        models: ModelsPanel,
        cases: CasesPanel,
        checks: ChecksPanel,
        window: QMainWindow,
        title: str,
    ) -> None:
        super().__init__(window)
        self._background = background
        self._presenter = presenter
        self._status = status
        self._editor = editor
        self._variables = variables
        self._models = models
        self._cases = cases
        self._checks = checks
        self._window = window
        self._title = title
        self._session: PromptSetSession | None = None
        self._pending: OpenFolder | None = None  # being reopened after a restart
        self._files: dict[PromptColumn, str] = {}
        self._dirty = False
        self._prompts_edited = False  # the editor's columns differ from the set
        self._suite_edited = False  # the docks differ from the set (kept across editor keys)
        # The editor, or the docks, changed since the last open was asked for.
        self._prompts_touched = False
        self._suite_touched = False
        self._generation = 0
        self._saving = False
        self._save_again: list[Then | None] = []
        self._question: QMessageBox | None = None
        editor.prompts_changed.connect(self._on_editor_prompts_changed)
        cases.cases_changed.connect(self._on_docks_changed)
        checks.checks_changed.connect(self._on_docks_changed)

    # --- state ----------------------------------------------------------------------------------

    @property
    def session(self) -> PromptSetSession | None:
        return self._session

    def is_dirty(self) -> bool:
        return self._dirty

    def columns(self) -> list[Column]:
        return [(self._files.get(column), column.template()) for column in self._editor.columns]

    def cases(self) -> list[Case]:
        """The cases a save writes: every value kept, also of variables no prompt uses now."""
        return self._cases.kept_cases()

    def cases_to_save(self) -> list[Case]:
        """`cases()`, for a save or an export; UsageError naming each case cell that holds text
        the Cases dock refused (writing the case's last accepted checks would lose that text)."""
        refused = self._cases.refused_cells()
        if refused:
            raise UsageError(
                "Nothing was saved: fix or clear the cells marked red in the Cases dock first."
                "\n\n" + "\n".join(refused)
            )
        return self.cases()

    def check_rows(self) -> list[CheckRow]:
        """Every row of the Checks dock, the invalid ones too (a save must not drop them)."""
        model = self._checks.model
        used = iter(self._checks.checks())  # the valid rows, in order, as a run uses them
        rows: list[CheckRow] = []
        for row in range(model.rowCount()):
            problem = model.problem_at(row)
            rows.append(
                CheckRow(
                    model.check_at(row), next(used) if problem is None else None, problem or ""
                )
            )
        return rows

    def set_name(self) -> str | None:
        """The open folder's name (what a run of it is called), or None."""
        return self._session.name if self._session is not None else None

    def open_folder(self) -> OpenFolder | None:
        """What the workspace keeps so a restart opens the folder again."""
        if self._session is not None:
            path = str(self._session.root)
        elif self._pending is not None:
            path = self._pending.path
        else:
            return None
        files = tuple(self._files.get(column) for column in self._editor.columns)
        pending = self._pending  # still being read: its edits are still the draft's
        return OpenFolder(
            path,
            files,
            unsaved=self._prompts_edited or bool(pending and pending.unsaved),
            suite_unsaved=self._suite_edited or bool(pending and pending.suite_unsaved),
        )

    # --- opening --------------------------------------------------------------------------------

    def open(self, path: Path) -> None:
        """Read the folder on the compute lane, then show its prompts (asks about unsaved edits)."""
        self._unless_cancelled(lambda: self._load(path, None))

    def restore(self, folder: OpenFolder | None) -> None:
        """After a restart: bind the restored columns to their files, and read the folder again.

        The prompts, and apart from them the cases and checks, stay as the draft has them where
        it held unsaved edits of that part (marked as edits); the other part is shown as the
        files now hold it (they may have changed since, by a pull, say).
        """
        if folder is None:
            return
        self._pending = folder
        self._bind(folder.prompt_files)
        self._load(Path(folder.path), folder)

    def _load(self, path: Path, restoring: OpenFolder | None) -> None:
        self._generation += 1
        generation = self._generation
        self._prompts_touched = self._suite_touched = False
        self._status.showMessage(f"Reading {path}…", _STATUS_MS)
        self._background.run(
            lambda: load_prompt_set(path),
            lambda loaded: self._on_loaded(generation, loaded, restoring),
            lambda exc: self._on_load_failed(generation, path, exc, restoring),
            owner=self,
        )

    def _on_loaded(self, generation: int, loaded: PromptSet, restoring: OpenFolder | None) -> None:
        if generation != self._generation:
            return  # a later open was asked for
        session = PromptSetSession(loaded, editor_form)
        self._pending = None
        # A restart keeps each part the draft held edits of, or that was edited while reading.
        keep_prompts = restoring is not None and (restoring.unsaved or self._prompts_touched)
        keep_suite = restoring is not None and (restoring.suite_unsaved or self._suite_touched)
        self._session = None  # the changes below are the folder's, not edits
        if restoring is None:
            self._variables.set_values({**self._variables.values(), **session.variables()})
            if loaded.suite.models:
                self._models.set_models(list(loaded.suite.models))
        if keep_prompts:
            shown = self._editor.columns
            self._files = {
                column: name
                for column, name in self._files.items()
                if column in shown and session.known(name) is not None
            }
        else:
            self._editor.set_prompts(session.prompts())
            self._bind(session.prompt_files)
        if not keep_suite:
            self.suite_loaded.emit(loaded.suite)  # the window fills the Cases and Checks docks
        self._session = session
        self._update_dirty()
        self.folder_changed.emit(session.root)
        suite = loaded.suite
        self._status.showMessage(
            f"Opened {session.name}: {_count(len(suite.prompts), 'prompt')}, "
            f"{_count(len(suite.cases), 'case')}, {_count(len(suite.checks), 'check')}",
            _STATUS_MS,
        )
        if loaded.dropped:
            self._presenter.warn(
                f"Opened {session.name}, with parts left out",
                "These could not be carried over:\n\n" + "\n".join(loaded.dropped),
            )

    def _on_load_failed(
        self, generation: int, path: Path, exc: BaseException, restoring: OpenFolder | None
    ) -> None:
        if generation != self._generation:
            return
        self._presenter.present(exc, f"open {path}")
        if restoring is not None:  # the folder is gone or broken: keep the text, forget the files
            self._pending = None
            self._files.clear()
            self._update_dirty()

    def _bind(self, files: Sequence[str | None]) -> None:
        """Bind the editor's columns, in order, to `files` (None: a column of no file)."""
        self._files = {
            column: name
            for column, name in zip(self._editor.columns, files, strict=False)
            if name is not None
        }

    # --- saving ---------------------------------------------------------------------------------

    def save(self, then: Then | None = None) -> None:
        """Write the editor's prompts back to the folder's files (on the compute lane)."""
        session = self._session
        if session is None:
            self._status.showMessage(
                "No prompt-set folder is open: use File > Open folder, or File > Export.",
                _STATUS_MS,
            )
            return
        if self._saving:
            self._save_again.append(then)  # saved again once this one lands
            return
        try:
            request = session.save_request(self.columns(), self.cases_to_save(), self.check_rows())
        except UsageError as exc:  # a check row or case cell that cannot be saved: nothing written
            self._presenter.present(exc, "save the prompt set")
            return
        self._saving = True
        self._background.run(
            lambda: save_files(request),
            lambda outcome: self._on_saved(session, outcome, then),
            self._on_save_failed,
            owner=self,
        )

    def _on_saved(self, session: PromptSetSession, outcome: SaveOutcome, then: Then | None) -> None:
        self._saving = False
        if session is not self._session:
            return  # another folder was opened meanwhile
        session.adopt(outcome)
        self._update_dirty()
        written = ", ".join(outcome.written)
        notes = "".join(f" ({note})" for note in outcome.notes)
        self._status.showMessage(
            f"Saved {written} in {session.name}{notes}"
            if written
            else f"Nothing to save: the files of {session.name} already hold these edits",
            _STATUS_MS,
        )
        if outcome.problem:
            self._presenter.warn(
                "Saved, but the set does not open cleanly",
                f"{outcome.problem}\n\nFix this and save again, or the folder will not open.",
            )
        self.saved.emit(outcome)
        queued, self._save_again = self._save_again, []
        if then is not None:
            then()
        for later in queued:
            self.save(later)

    def _on_save_failed(self, exc: BaseException) -> None:
        self._saving = False
        self._save_again = []  # a queued close must not go ahead after a failed save
        self._presenter.present(exc, "save the prompt set")

    # --- unsaved edits --------------------------------------------------------------------------

    def may_close(self) -> bool:
        """True when the window may close now; otherwise a question is asked, which closes it."""
        if not self._dirty:
            return True
        self._unless_cancelled(self._window.close)
        return False

    def _unless_cancelled(self, then: Then) -> None:
        """Run `then` now, or, with unsaved edits, after Save or Discard (never after Cancel)."""
        session = self._session
        if session is None or not self._dirty:
            then()
            return
        if self._question is not None and self._question.isVisible():
            return
        question = QMessageBox(
            QMessageBox.Icon.Question,
            "Unsaved changes",
            f"The prompts, cases or checks of {session.name} have changes that are not saved to "
            "its files.",
            QMessageBox.StandardButton.Save
            | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel,
            self._window,
        )
        question.setObjectName("unsavedDialog")
        question.setInformativeText("Save them before going on?")
        question.setDefaultButton(QMessageBox.StandardButton.Save)
        question.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        question.buttonClicked.connect(
            lambda button: self._on_question_answered(question, button, then)
        )
        question.open()
        self._question = question

    def _on_question_answered(
        self, question: QMessageBox, button: QAbstractButton, then: Then
    ) -> None:
        self._question = None
        answer = question.standardButton(button)
        if answer == QMessageBox.StandardButton.Save:
            self.save(then)
        elif answer == QMessageBox.StandardButton.Discard:
            self.revert()
            then()

    def revert(self) -> None:
        """Show the folder's prompts, cases and checks as last read or saved, dropping the edits."""
        session = self._session
        if session is None:
            return
        self._session = None
        self._editor.set_prompts(session.prompts())
        self._cases.set_cases(session.cases())
        self._checks.set_checks(session.checks())
        session.reset_forms()
        self._session = session
        self._bind(session.prompt_files)
        self._update_dirty()

    # --- dirty mark -----------------------------------------------------------------------------

    @Slot()
    def _on_editor_prompts_changed(self) -> None:
        self._prompts_touched = True
        self._update_dirty(suite=False)  # a keystroke in the editor leaves the docks as they were

    @Slot()
    def _on_docks_changed(self) -> None:
        """The Cases or the Checks dock changed."""
        self._suite_touched = True
        self._update_dirty()

    def _update_dirty(self, *, suite: bool = True) -> None:
        """Mark the title when saving would change the files; `suite`: compare the docks again
        (thousands of cases are not compared on every keystroke in the editor)."""
        session = self._session
        if session is None:
            self._suite_edited = False
        elif suite:
            # Text the Cases dock refused is an edit too: a save is refused until it is fixed.
            self._suite_edited = bool(self._cases.refused_cells()) or session.suite_edited(
                self.cases(), self.check_rows()
            )
        self._prompts_edited = session is not None and session.is_dirty(self.columns())
        dirty = self._prompts_edited or self._suite_edited
        if session is None:
            self._window.setWindowTitle(self._title)
        else:
            self._window.setWindowTitle(f"{session.name}[*] — {self._title}")
        self._window.setWindowModified(dirty)
        if dirty != self._dirty:
            self._dirty = dirty
            self.dirty_changed.emit(dirty)


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"
