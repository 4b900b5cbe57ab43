"""The "Changed files" dock: the open folder's files that differ from the last commit.

`git status` runs on the compute lane. The list refreshes after an open or a save, when a file in
the folder or the checked-out commit changes (a file watcher, debounced), when the application
becomes active again (back from a terminal where `git commit` ran), and on Refresh. The watcher
never watches `.git` itself: `git status` may rewrite the index there, which would refresh again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import (
    QAbstractListModel,
    QFileSystemWatcher,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
    Slot,
)
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QHBoxLayout, QLabel, QListView, QStackedLayout, QVBoxLayout, QWidget

from ui.background import Background
from ui.widgets import tool_button
from workbench.git_state import changed_files

PATH_ROLE = Qt.ItemDataRole.UserRole + 1
_DEBOUNCE_MS = 300
_MAX_WATCHED = 500  # files directly in the folder; a huge folder still refreshes on Refresh

_MEANINGS = {
    "M": "modified since the last commit",
    "A": "added to the index, not committed yet",
    "D": "deleted since the last commit",
    "R": "renamed since the last commit",
    "C": "copied since the last commit",
    "T": "changed type since the last commit",
    "U": "unmerged: a merge conflict to resolve",
    "??": "untracked: not in git yet",
}

AnyIndex = QModelIndex | QPersistentModelIndex


class ChangedFilesModel(QAbstractListModel):
    """Rows of (status code, path relative to the folder), sorted by path."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[tuple[str, str]] = []

    def set_changes(self, changes: dict[str, str]) -> None:
        rows = sorted(((code, path) for path, code in changes.items()), key=lambda r: r[1])
        if rows == self._rows:
            return
        self.beginResetModel()
        self._rows = rows
        self.endResetModel()

    def lines(self) -> list[str]:
        """What the list shows, e.g. "M classify.prompty"."""
        return [f"{code} {path}" for code, path in self._rows]

    def rowCount(self, parent: AnyIndex | None = None) -> int:  # noqa: N802 - Qt's API
        return 0 if parent is not None and parent.isValid() else len(self._rows)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        code, path = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{code} {path}"
        if role == Qt.ItemDataRole.ToolTipRole:
            meanings = [_MEANINGS.get(letter, letter) for letter in _letters(code)]
            return f"{path}: {'; '.join(meanings)}"
        if role == PATH_ROLE:
            return path
        return None


def _letters(code: str) -> list[str]:
    return [code] if code == "??" else list(dict.fromkeys(code.replace(" ", "")))


@dataclass(frozen=True, slots=True)
class _Look:
    folder: Path
    changes: dict[str, str]
    in_repo: bool
    watch: tuple[str, ...]


def _look(folder: Path) -> _Look:
    """On a worker: git's view of the folder, and the paths whose change means "look again"."""
    changes = changed_files(folder)
    git_dir = _git_dir(folder)
    watch = [str(folder)]
    try:
        files = sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))
    except OSError:
        files = []
    watch.extend(str(p) for p in files[:_MAX_WATCHED])
    if git_dir is not None:
        # A commit moves a branch (refs/heads), a checkout moves HEAD.
        watch.extend(str(p) for p in (git_dir / "HEAD", git_dir / "refs" / "heads") if p.exists())
    in_repo = bool(changes) or git_dir is not None or _in_worktree(folder)
    return _Look(folder, changes, in_repo, tuple(watch))


def _git_dir(folder: Path) -> Path | None:
    for candidate in (folder, *folder.parents):
        if (candidate / ".git").is_dir():
            return candidate / ".git"
    return None


def _in_worktree(folder: Path) -> bool:
    """A linked worktree or submodule has a `.git` file instead of a folder."""
    return any((candidate / ".git").is_file() for candidate in (folder, *folder.parents))


class ChangedFilesPanel(QWidget):
    refreshed = Signal()  # the list shows git's answer for the folder as it was asked

    def __init__(self, background: Background, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("changedFilesPanel")
        self._background = background
        self._folder: Path | None = None
        self._generation = 0
        self.model = ChangedFilesModel(self)
        self.view = QListView(self)
        self.view.setObjectName("changedFilesList")
        self.view.setModel(self.model)
        self.view.setUniformItemSizes(True)
        self._summary = QLabel(self)
        self._summary.setObjectName("changedFilesSummary")
        self._empty = QLabel(self)
        self._empty.setObjectName("changedFilesPlaceholder")
        self._empty.setWordWrap(True)
        self._empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        page = QWidget(self)
        self._stack = QStackedLayout(page)
        self._stack.addWidget(self.view)
        self._stack.addWidget(self._empty)
        bar = QHBoxLayout()
        bar.setContentsMargins(0, 0, 0, 0)
        bar.addWidget(self._summary, 1)
        bar.addWidget(tool_button("⟳", "Ask git again which files changed", self.refresh))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(page, 1)
        self._debounce = QTimer(self, singleShot=True, interval=_DEBOUNCE_MS)
        self._debounce.timeout.connect(self.refresh)
        self._watcher = QFileSystemWatcher(self)
        self._watcher.fileChanged.connect(self._on_watcher_changed)
        self._watcher.directoryChanged.connect(self._on_watcher_changed)
        app = QGuiApplication.instance()
        if isinstance(app, QGuiApplication):
            app.applicationStateChanged.connect(self._on_app_state_changed)
        self._show(
            "",
            "Open a prompt-set folder (File > Open folder…) to see which of its files changed "
            "since the last commit.",
        )

    @property
    def folder(self) -> Path | None:
        return self._folder

    @Slot(object)
    def set_folder(self, folder: Path | None) -> None:
        self._folder = folder
        self._watch(())
        self.model.set_changes({})
        if folder is None:
            self._generation += 1  # an answer on its way is for a folder no longer open
            self._show("", "No prompt-set folder is open.")
            return
        self._watch((str(folder),))  # now, not after git answers: an edit meanwhile is seen
        self._show(folder.name, "Asking git…")
        self.refresh()

    @Slot()
    def refresh(self) -> None:
        self._debounce.stop()
        folder = self._folder
        if folder is None:
            return
        self._generation += 1
        generation = self._generation
        self._background.run(
            lambda: _look(folder),
            lambda look: self._on_looked(generation, look),
            lambda exc: self._on_look_failed(generation, exc),
            owner=self,
        )

    def _on_looked(self, generation: int, look: _Look) -> None:
        if generation != self._generation:
            return
        self.model.set_changes(look.changes)
        self._watch(look.watch)
        name = look.folder.name
        if not look.in_repo:
            self._show(name, f"{name} is not in a git repository: there is no commit to compare.")
        elif not look.changes:
            self._show(f"{name}: no changes", "No changes since the last commit.")
        else:
            count = len(look.changes)
            self._show(f"{name}: {count} changed file{'s' if count != 1 else ''}", "")
        self.refreshed.emit()

    def _on_look_failed(self, generation: int, exc: BaseException) -> None:
        if generation == self._generation:
            self._show("", f"Could not ask git: {exc}")
            self.refreshed.emit()

    def _show(self, summary: str, placeholder: str) -> None:
        self._summary.setText(summary)
        self._empty.setText(placeholder)
        has_rows = self.model.rowCount() > 0
        self._stack.setCurrentWidget(self.view if has_rows else self._empty)

    def _watch(self, paths: Sequence[str]) -> None:
        # Watched afresh each time: a file replaced by an atomic save drops out of the watch.
        watched = self._watcher.files() + self._watcher.directories()
        if watched:
            self._watcher.removePaths(watched)
        if paths:
            self._watcher.addPaths(list(paths))

    @Slot(str)
    def _on_watcher_changed(self, _path: str) -> None:
        self._debounce.start()

    @Slot(Qt.ApplicationState)
    def _on_app_state_changed(self, state: Qt.ApplicationState) -> None:
        if state == Qt.ApplicationState.ApplicationActive and self._folder is not None:
            self._debounce.start()
