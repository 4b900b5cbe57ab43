"""Autosaves the editor's workspace to the store, and brings it back at start.

A save is queued on the store lane a second after the last edit, and once more when the window
closes. Nothing typed is lost to a crash beyond that second. A damaged draft is reported and set
aside (kept under another key) rather than overwritten, and the samples open instead.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from ui.error_presenter import ErrorPresenter
from ui.resource_paths import samples_dir
from ui.store_handle import StoreHandle
from ui.workspace import DRAFT_KEY, Workspace, samples
from workbench.errors import WorkbenchError

if TYPE_CHECKING:
    from storage.run_store import SqlRunStore

SAMPLES = samples_dir()  # the source tree, an installed wheel or the app bundle
_SAVE_DELAY_MS = 1000


class WorkspaceKeeper(QObject):
    restored = Signal(object)  # the Workspace put back into the window
    saved = Signal()

    def __init__(
        self,
        store: StoreHandle,
        presenter: ErrorPresenter,
        collect: Callable[[], Workspace],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._store = store
        self._presenter = presenter
        self._collect = collect
        self._loaded = False  # never save before the saved workspace was read back
        self._failed = False
        self._timer = QTimer(self, singleShot=True, interval=_SAVE_DELAY_MS)
        self._timer.timeout.connect(self.save_now)

    def load(self) -> None:
        """Read the draft on the store lane; emits `restored` with it or with the samples."""

        def read(store: SqlRunStore) -> Workspace:
            text = store.load_draft(DRAFT_KEY)
            if text is None:
                return samples(SAMPLES)
            try:
                return Workspace.from_json(text)
            except WorkbenchError:
                store.save_draft(f"{DRAFT_KEY}.damaged", text)  # kept for rescue, not lost
                raise

        self._store.call(read, self._on_read, self._on_read_failed, owner=self)

    def _on_read(self, workspace: Workspace) -> None:
        self._loaded = True
        self.restored.emit(workspace)

    def _on_read_failed(self, exc: BaseException) -> None:
        self._presenter.present(exc, "restore the last workspace")
        try:
            fallback = samples(SAMPLES)
        except WorkbenchError:
            fallback = Workspace()
        self._on_read(fallback)

    @Slot()
    def schedule(self) -> None:
        if self._loaded:
            self._timer.start()

    @Slot()
    def save_now(self) -> None:
        self._timer.stop()
        if not self._loaded:
            return
        text = self._collect().to_json()
        self._store.call(
            lambda store: store.save_draft(DRAFT_KEY, text),
            done=lambda _none: self._on_saved(),
            failed=self._on_save_failed,
            owner=self,
        )

    def _on_saved(self) -> None:
        self._failed = False
        self.saved.emit()

    def _on_save_failed(self, exc: BaseException) -> None:
        if not self._failed:  # say it once, not on every keystroke; retried on the next edit
            self._failed = True
            self._presenter.present(exc, "autosave the workspace")
