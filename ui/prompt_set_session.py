"""The prompt-set folder open in the window: what was read, and how the window's edits go back.

Pure data and file work, no Qt. The window binds each prompt column to the file it came from (or
to none, for a new column); from those pairs, the Cases dock's cases and the Checks dock's rows,
the session builds the suite to save, keeping the set's name, description and models. A column
whose text is as it was opened gives back the prompt exactly as read, and cases or checks equal
to those read are saved as read, so their files keep their bytes where nothing was edited.

A check row the workbench marks invalid is saved as it was read when it is one the file held (a
type only promptfoo judges, say); an edited or new invalid row refuses the save, so a Save never
drops a check the person can see.

Cases saved into a CSV or TSV get one set of columns first: a case added in the window lacks
the columns no prompt uses, and "" is what its row reads back as anyway.

Saving writes only the files whose text changes, and refuses (writing nothing) when one of them
was changed on disk since it was read: an edit in another tool or a `git pull` is never lost.
A rewritten workbench.yaml is canonical YAML, so the outcome says when its comments went.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from workbench.domain import PromptTemplate
from workbench.errors import UsageError
from workbench.formats.case_files import with_one_column_set
from workbench.git_state import file_state
from workbench.prompt_set import (
    PromptSet,
    load_prompt_set,
    prompt_file_names,
    render_prompt_set,
    write_files,
    yaml_comments,
)
from workbench.suite import Case, Check, Suite
from workbench.suite_file import SUITE_FILE
from workbench.textfiles import read_user_bytes_as_text

# A prompt column as the session sees it: the file it is bound to (None: new) and its prompt.
Column = tuple[str | None, PromptTemplate]
_SUFFIX = ".prompty"


@dataclass(frozen=True, slots=True)
class CheckRow:
    """A row of the Checks dock: its check as it stands, and as a run uses it (None: invalid)."""

    check: Check
    used: Check | None
    problem: str = ""  # why an invalid row is left out of runs, naming the row


@dataclass(frozen=True, slots=True)
class SaveRequest:
    """Everything a save needs, taken on the GUI thread and handed to a worker."""

    root: Path
    suite: Suite
    names: tuple[str | None, ...]  # per prompt: its file, or None for a new one
    files: Mapping[str, str]  # the set's files as last read or written
    suite_file: bool  # write workbench.yaml (a bare folder gets one only when its list changes)
    edited: tuple[PromptTemplate, ...]  # the columns' prompts as the editor gives them
    # The cases and checks as the docks gave them: unedited once this is saved.
    shown_cases: tuple[Case, ...]
    shown_checks: tuple[Check, ...]


@dataclass(frozen=True, slots=True)
class SaveOutcome:
    request: SaveRequest
    prompt_set: PromptSet  # the set as it now is on disk
    written: tuple[str, ...]
    problem: str = ""  # the saved set does not load back (a duplicate name, say): why
    notes: tuple[str, ...] = ()  # what the save did not keep, for the status line


class PromptSetSession:
    """One open folder. `editor_form` gives a prompt as an editor column would give it back."""

    def __init__(
        self, loaded: PromptSet, editor_form: Callable[[PromptTemplate], PromptTemplate]
    ) -> None:
        if loaded.root is None:
            raise ValueError("a prompt set opened from a folder has a root")
        self.root = loaded.root
        self.name = loaded.root.resolve().name or str(loaded.root)
        self._editor_form = editor_form
        self._set = loaded
        self._originals = dict(zip(loaded.prompt_files, loaded.suite.prompts, strict=True))
        self._forms = {name: editor_form(p) for name, p in self._originals.items()}
        self._cases = loaded.suite.cases  # as last read or saved
        self._checks = loaded.suite.checks

    @property
    def prompt_set(self) -> PromptSet:
        return self._set

    @property
    def prompt_files(self) -> tuple[str, ...]:
        return self._set.prompt_files

    def prompts(self) -> tuple[PromptTemplate, ...]:
        return self._set.suite.prompts

    def cases(self) -> tuple[Case, ...]:
        """The cases as last read or saved (what Discard shows again)."""
        return self._cases

    def checks(self) -> tuple[Check, ...]:
        """The suite's checks as last read or saved."""
        return self._checks

    def variables(self) -> dict[str, str]:
        """Values to start with: the first case's, then the prompts' own defaults."""
        values: dict[str, str] = {}
        for prompt in self.prompts():
            for name, value in prompt.defaults.items():
                values.setdefault(name, value)
        if self._set.suite.cases:
            values.update(self._set.suite.cases[0].vars)
        return values

    def is_dirty(
        self,
        columns: Sequence[Column],
        cases: Sequence[Case] | None = None,
        checks: Sequence[CheckRow] | None = None,
    ) -> bool:
        """True when saving would change the set: a column edited, added, removed or moved, or
        (when given) the cases or checks differ from those last read or saved."""
        if tuple(name for name, _ in columns) != self.prompt_files:
            return True
        if any(name is None or prompt != self._forms[name] for name, prompt in columns):
            return True
        return self.suite_edited(cases, checks)

    def suite_edited(self, cases: Sequence[Case] | None, checks: Sequence[CheckRow] | None) -> bool:
        """True when `cases` or `checks` (None: as last read or saved) are not those, by value."""
        if cases is not None and tuple(cases) != self._cases:
            return True
        return checks is not None and self._checks_to_save(checks)[0] != self._checks

    def known(self, name: str | None) -> str | None:
        """`name` when it is one of the set's prompt files, else None (the column is new)."""
        return name if name in self._originals else None

    def save_request(
        self,
        columns: Sequence[Column],
        cases: Sequence[Case] | None = None,
        checks: Sequence[CheckRow] | None = None,
    ) -> SaveRequest:
        """What a save writes: the columns, and the cases and checks (None: as last read or saved).

        Raises UsageError, naming each row and why, when a check row is invalid and not one the
        set held: saving it would drop it from the file (or write a check that does not load).
        """
        shown_cases = self._cases if cases is None else tuple(cases)
        shown_checks, refused = self._checks_to_save(checks)
        if refused:
            raise _nothing_saved(refused)
        names: list[str | None] = []
        prompts: list[PromptTemplate] = []
        for name, prompt in columns:
            bound = self.known(name)
            if bound in names:
                bound = None  # two columns from one file: the second is a new prompt
            names.append(bound)
            prompts.append(self._to_save(bound, prompt))
        files = self._set.files
        read = self._set.suite
        # Unedited: exactly as on disk, so the files keep their bytes.
        if shown_cases == self._cases:
            saved_cases = read.cases
        elif PurePosixPath(read.cases_file or "").suffix.lower() in (".csv", ".tsv"):
            saved_cases = with_one_column_set(shown_cases)  # what the file reads back as
        else:
            saved_cases = shown_cases
        saved_checks = read.checks if shown_checks == self._checks else shown_checks
        return SaveRequest(
            root=self.root,
            suite=dataclasses.replace(
                read, prompts=tuple(prompts), cases=saved_cases, checks=saved_checks
            ),
            names=tuple(names),
            files=dict(files),
            # A bare folder gets workbench.yaml once its prompt list, cases or checks change.
            suite_file=SUITE_FILE in files
            or tuple(names) != self.prompt_files
            or saved_cases != read.cases
            or saved_checks != read.checks,
            edited=tuple(prompt for _, prompt in columns),
            shown_cases=shown_cases,
            shown_checks=shown_checks,
        )

    def _checks_to_save(
        self, rows: Sequence[CheckRow] | None
    ) -> tuple[tuple[Check, ...], list[str]]:
        """The checks a save writes, and why the rows that cannot be saved cannot.

        A row holding a check as last read or saved keeps it exactly (valid or not: the file held
        it); an edited or new one is saved as a run uses it, and refused when it is invalid.
        """
        if rows is None:
            return self._checks, []
        kept: list[Check] = []
        refused: list[str] = []
        for row in rows:
            if row.check in self._checks:
                kept.append(row.check)
            elif row.used is not None:
                kept.append(row.used)
            else:
                kept.append(row.check)
                refused.append(_why(row))
        return tuple(kept), refused

    def _to_save(self, name: str | None, prompt: PromptTemplate) -> PromptTemplate:
        if name is None:
            return prompt
        original = self._originals[name]
        if prompt == self._forms[name]:
            return original  # untouched: exactly as read, so the file keeps its bytes
        # Edited: the front-matter fields the editor does not show come back with it.
        return dataclasses.replace(prompt, meta=original.meta, source_path=original.source_path)

    def reset_forms(self) -> None:
        """The columns were refilled from the set's prompts: they are unedited as they show."""
        self._forms = {name: self._editor_form(p) for name, p in self._originals.items()}

    def adopt(self, outcome: SaveOutcome) -> None:
        """After a save: the set is what was written, and the columns as saved are unedited."""
        self._set = outcome.prompt_set
        self._originals = dict(zip(self._set.prompt_files, self._set.suite.prompts, strict=True))
        # What the columns showed is what they now hold unedited, even where the file normalised
        # it (a trailing line end, say): otherwise the editor would call itself edited at once.
        self._forms = dict(zip(self._set.prompt_files, outcome.request.edited, strict=True))
        self._cases = outcome.request.shown_cases
        self._checks = outcome.request.shown_checks


def usable_checks(rows: Sequence[CheckRow]) -> tuple[Check, ...]:
    """The checks of `rows` as a run uses them (an export of no open folder writes these).

    Raises UsageError naming each invalid row: writing the set without them would lose them.
    """
    refused = [_why(row) for row in rows if row.used is None]
    if refused:
        raise _nothing_saved(refused)
    return tuple(row.used for row in rows if row.used is not None)


def _why(row: CheckRow) -> str:
    return row.problem or f"{row.check.type}: not a valid check"


def _nothing_saved(refused: Sequence[str]) -> UsageError:
    return UsageError(
        "Nothing was saved: fix or remove the checks marked red in the Checks dock first.\n\n"
        + "\n".join(refused)
    )


def export_files(request: SaveRequest) -> dict[str, str]:
    """The set as a save would write it, for writing somewhere else (new prompts named freely)."""
    names = allocate_names(request.names, request.suite.prompts, ())
    files = render_prompt_set(request.suite, names, request.files)
    if not request.suite_file:
        del files[SUITE_FILE]
    return files


def allocate_names(
    names: Sequence[str | None], prompts: Sequence[PromptTemplate], taken: Iterable[str]
) -> tuple[str, ...]:
    """A file for every prompt: its own, or for a new one a free name made from its name."""
    used = {name.lower() for name in taken} | {n.lower() for n in names if n is not None}
    used.add(SUITE_FILE)
    chosen: list[str] = []
    for own, prompt in zip(names, prompts, strict=True):
        name = own
        if name is None:
            stem = prompt_file_names([prompt])[0].removesuffix(_SUFFIX)
            name, number = f"{stem}{_SUFFIX}", 2
            while name.lower() in used:
                name, number = f"{stem}-{number}{_SUFFIX}", number + 1
            used.add(name.lower())
        chosen.append(name)
    return tuple(chosen)


def save_files(request: SaveRequest) -> SaveOutcome:
    """Write the set back to its folder (on a worker: it reads and writes files).

    Everything is rendered before anything is written, so a prompt that cannot be written (a line
    that would read back as a role marker) leaves every file as it was.
    """
    root = request.root
    try:
        on_disk = [path.name for path in root.iterdir()]
    except OSError as exc:
        raise UsageError(f"{root}: cannot read the folder: {exc.strerror or exc}") from exc
    names = allocate_names(request.names, request.suite.prompts, on_disk)
    rendered = render_prompt_set(request.suite, names, request.files)
    if not request.suite_file:
        del rendered[SUITE_FILE]
    changed = {name: text for name, text in rendered.items() if request.files.get(name) != text}
    _refuse_conflicts(root, changed, request.files)
    notes = _lost_comments(root, request.files.get(SUITE_FILE), changed)
    written = tuple(write_files(root, changed))
    saved = PromptSet(request.suite, names, rendered, root=root)
    try:
        reread = load_prompt_set(root)
    except UsageError as exc:
        return SaveOutcome(request, saved, written, str(exc), notes)
    if reread.prompt_files != names:  # a bare folder holding other .prompty files
        return SaveOutcome(request, saved, written, notes=notes)
    return SaveOutcome(request, reread, written, notes=notes)


def _lost_comments(root: Path, before: str | None, changed: Mapping[str, str]) -> tuple[str, ...]:
    """A note when rewriting workbench.yaml drops comments it had (asked before writing: git
    has them only while the file is committed as it was read)."""
    after = changed.get(SUITE_FILE)
    lost = set(yaml_comments(before)) if before is not None and after is not None else set()
    if not lost or lost <= set(yaml_comments(after or "")):
        return ()
    whose = "its" if len(changed) == 1 else f"the {SUITE_FILE}"
    state = file_state(root / SUITE_FILE)
    if state is not None and state.repo is not None and state.dirty is False:
        return (f"{whose} comments were not kept: git has them",)
    return (f"{whose} comments were not kept",)


def _refuse_conflicts(root: Path, changed: Mapping[str, str], read: Mapping[str, str]) -> None:
    for name in sorted(changed):
        path = root / name
        now = read_user_bytes_as_text(path) if path.exists() else None
        if now != read.get(name):
            raise UsageError(
                f"{path}: changed on disk since it was read, so nothing was saved. Copy your "
                "edits, then open the folder again (File > Open folder) to see the change."
            )
