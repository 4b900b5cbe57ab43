"""The File menu's prompt-set actions: open a folder, save, export, import.

Dialogs are window-modal and opened without a nested event loop (`open()`, never `exec()`), so a
test or a running stream never waits on one. Every file is read and written on the compute lane,
and an import reaches the store on its lane in one transaction: all of it, or nothing.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QDir, QObject, Qt, Signal, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMainWindow, QMenu, QStatusBar

from ui.error_presenter import ErrorPresenter
from ui.models_panel import ModelsPanel
from ui.prompt_set_controller import PromptSetController
from ui.prompt_set_session import export_files, usable_checks
from ui.services import Services
from workbench.errors import UsageError
from workbench.prompt_set import PromptSet, render_prompt_set, write_files
from workbench.suite import Suite

if TYPE_CHECKING:
    from storage.run_store import SqlRunStore

_STATUS_MS = 10_000
IMPORT_FILTERS = (
    "Prompts and suites (*.yaml *.yml *.prompty *.prompt *.json)",
    "All files (*)",
)


def read_importable(path: Path) -> PromptSet:
    """Any file or folder the workbench can import (UsageError naming file and line if not)."""
    from workbench.formats.detect import read_any  # noqa: PLC0415 - every format's reader

    return read_any(path)


class FileMenu(QObject):
    exported = Signal(list)  # the relative paths written
    imported = Signal(list)  # the names kept in the store

    def __init__(
        self,
        services: Services,
        presenter: ErrorPresenter,
        status: QStatusBar,
        *,
        prompt_sets: PromptSetController,
        models: ModelsPanel,
        window: QMainWindow,
    ) -> None:
        super().__init__(window)
        self._services = services
        self._presenter = presenter
        self._status = status
        self._prompt_sets = prompt_sets
        self._models = models
        self._window = window
        self.actions = self._make_actions()
        prompt_sets.folder_changed.connect(self._on_prompt_sets_folder_changed)
        self.actions["save"].setEnabled(False)

    def _make_actions(self) -> dict[str, QAction]:
        specs: tuple[tuple[str, str, QKeySequence, str, Callable[[], None]], ...] = (
            (
                "open_folder",
                "&Open folder…",
                QKeySequence(QKeySequence.StandardKey.Open),
                "Open a prompt-set folder: its prompts replace the editor's",
                self._on_open_triggered,
            ),
            (
                "save",
                "&Save",
                QKeySequence(QKeySequence.StandardKey.Save),
                "Write the prompts back to the open folder's files",
                self._on_save_triggered,
            ),
            (
                "export",
                "&Export prompt set…",
                QKeySequence(),
                "Write the editor's prompts as a prompt-set folder somewhere else",
                self._on_export_triggered,
            ),
            (
                "import_files",
                "&Import…",
                QKeySequence(),
                "Keep prompt files or suites (any supported format) in the store",
                self._on_import_files_triggered,
            ),
            (
                "import_folder",
                "Import f&older…",
                QKeySequence(),
                "Keep a prompt-set folder in the store",
                self._on_import_folder_triggered,
            ),
        )
        actions: dict[str, QAction] = {}
        for name, text, shortcut, tip, slot in specs:
            action = QAction(text, self)
            action.setShortcut(shortcut)
            action.setStatusTip(tip)
            keys = f" ({shortcut.toString()})" if not shortcut.isEmpty() else ""
            action.setToolTip(f"{tip}{keys}")
            action.triggered.connect(slot)
            actions[name] = action
        return actions

    def add_to(self, menu: QMenu) -> None:
        """Add the actions to the File menu, each group followed by a separator."""
        for group in (("open_folder", "save"), ("export", "import_files", "import_folder")):
            menu.addActions([self.actions[name] for name in group])
            menu.addSeparator()

    @Slot(object)
    def _on_prompt_sets_folder_changed(self, folder: Path | None) -> None:
        self.actions["save"].setEnabled(folder is not None)

    # --- dialogs --------------------------------------------------------------------------------

    def _start_folder(self) -> str:
        session = self._prompt_sets.session
        return str(session.root.parent) if session is not None else QDir.homePath()

    def _ask_for(
        self, name: str, title: str, mode: QFileDialog.FileMode, chosen: Callable[[list[str]], None]
    ) -> QFileDialog:
        dialog = QFileDialog(self._window, title, self._start_folder())
        dialog.setObjectName(name)
        dialog.setFileMode(mode)
        if mode == QFileDialog.FileMode.Directory:
            dialog.setOption(QFileDialog.Option.ShowDirsOnly)
        else:
            dialog.setNameFilters(list(IMPORT_FILTERS))
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.filesSelected.connect(chosen)
        dialog.open()
        return dialog

    @Slot()
    def _on_open_triggered(self) -> None:
        self._ask_for(
            "openFolderDialog",
            "Open a prompt-set folder",
            QFileDialog.FileMode.Directory,
            lambda paths: self._prompt_sets.open(Path(paths[0])),
        )

    @Slot()
    def _on_save_triggered(self) -> None:
        self._prompt_sets.save()

    @Slot()
    def _on_export_triggered(self) -> None:
        self._ask_for(
            "exportDialog",
            "Export the prompts as a prompt-set folder",
            QFileDialog.FileMode.Directory,
            lambda paths: self.export_to(Path(paths[0])),
        )

    @Slot()
    def _on_import_files_triggered(self) -> None:
        self._ask_for(
            "importDialog",
            "Import prompts or suites into the store",
            QFileDialog.FileMode.ExistingFiles,
            lambda paths: self.import_paths([Path(p) for p in paths]),
        )

    @Slot()
    def _on_import_folder_triggered(self) -> None:
        self._ask_for(
            "importFolderDialog",
            "Import a prompt-set folder into the store",
            QFileDialog.FileMode.Directory,
            lambda paths: self.import_paths([Path(paths[0])]),
        )

    # --- export ---------------------------------------------------------------------------------

    def export_to(self, target: Path) -> None:
        """Write the editor's prompts (with the open set's models, cases and checks) to `target`."""
        session = self._prompt_sets.session
        if session is not None and target.resolve() == session.root.resolve():
            self._status.showMessage(
                "That is the open folder: use File > Save to write it.", _STATUS_MS
            )
            return
        columns, rows = self._prompt_sets.columns(), self._prompt_sets.check_rows()
        render: Callable[[], dict[str, str]]
        try:  # the Cases and Checks docks as they stand, not as the folder was read
            cases = self._prompt_sets.cases_to_save()
            if session is not None:
                render = functools.partial(export_files, session.save_request(columns, cases, rows))
            else:
                suite = Suite(
                    name=target.resolve().name or "prompts",
                    prompts=tuple(prompt for _, prompt in columns),
                    models=tuple(self._models.models()),
                    cases=tuple(cases),
                    checks=usable_checks(rows),
                )
                render = functools.partial(render_prompt_set, suite)
        except UsageError as exc:  # a red check row or case cell: nothing is written
            self._presenter.present(exc, f"export to {target}")
            return

        def work() -> list[str]:
            return write_files(target, render())

        self._services.background.run(
            work,
            lambda written: self._on_exported(target, written),
            lambda exc: self._presenter.present(exc, f"export to {target}"),
            owner=self,
        )

    def _on_exported(self, target: Path, written: list[str]) -> None:
        what = ", ".join(written) if written else "nothing new (the files already matched)"
        self._status.showMessage(f"Exported to {target}: {what}", _STATUS_MS)
        self.exported.emit(written)

    # --- import ---------------------------------------------------------------------------------

    def import_paths(self, paths: Sequence[Path]) -> None:
        """Read every path on the compute lane, then keep them all in the store, or none."""
        chosen = list(paths)

        def read() -> list[PromptSet]:
            return [read_importable(path) for path in chosen]

        self._services.background.run(
            read,
            self._on_import_read,
            lambda exc: self._presenter.present(exc, "import"),
            owner=self,
        )

    def _on_import_read(self, sets: list[PromptSet]) -> None:
        def keep(store: SqlRunStore) -> list[str]:
            return store.import_sets(sets)

        self._services.store.call(
            keep,
            lambda names: self._on_imported(sets, names),
            lambda exc: self._presenter.present(exc, "import into the store"),
            owner=self,
        )

    def _on_imported(self, sets: list[PromptSet], names: list[str]) -> None:
        lines = [_import_line(found) for found in sets]
        self._status.showMessage("; ".join(lines), _STATUS_MS)
        dropped = [f"{found.suite.name}: {note}" for found in sets for note in found.dropped]
        if dropped:
            self._presenter.warn(
                "Imported, with parts left out",
                "\n".join(lines) + "\n\nThese could not be carried over:\n\n" + "\n".join(dropped),
            )
        self.imported.emit(names)


def _import_line(found: PromptSet) -> str:
    count = len(found.suite.prompts)
    prompts = f"{count} prompt{'s' if count != 1 else ''}"
    if found.whole_suite:
        return f"imported suite {found.suite.name}: {prompts}"
    return f"imported {prompts} from {found.suite.name}"
