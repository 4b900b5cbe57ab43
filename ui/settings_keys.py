"""The "API keys" tab: which providers have a key, set or remove one, and test it.

Keyring calls may wait on D-Bus (an unlock prompt, a slow Secret Service), so they run on the
"compute" lane of `Background`; the connection check runs on the asyncio loop. Nothing here waits
on either: answers come back as queued calls on the GUI thread.
"""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import Future
from functools import partial

from PySide6.QtCore import QItemSelection, Qt, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ui.error_presenter import ErrorPresenter
from ui.key_entry_dialog import KeyEntryDialog
from ui.key_status_model import KeyStatuses, KeyStatusModel, keyring_call, read_key_statuses
from ui.services import Services
from workbench.connection_check import KeyCheck, check_key
from workbench.secrets import no_backend_message, resolve_key

_NOTE = (
    "Keys live in the system keyring, never in a file. Setting or removing a key takes effect "
    "as soon as you confirm it; OK and Cancel below do not undo that."
)


class KeysTab(QWidget):
    """The providers' key statuses with Set key…, Remove and Test connection."""

    def __init__(
        self,
        services: Services,
        presenter: ErrorPresenter,
        check_base_urls: Mapping[str, str],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("keysTab")
        self._services = services
        self._presenter = presenter
        self._check_base_urls = check_base_urls  # the dialog's dict, read at each check
        self._secure = False  # until the keyring says otherwise
        self._generation = 0  # only the newest status read is shown
        self._checks: dict[str, Future[KeyCheck] | None] = {}

        self.model = KeyStatusModel(self)
        self.view = QTableView(self)
        self.view.setObjectName("keyTable")
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.verticalHeader().hide()
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.view.selectionModel().selectionChanged.connect(self._on_view_selection_changed)

        self.banner = QLabel(self)
        self.banner.setObjectName("noKeyringBanner")
        self.banner.setWordWrap(True)
        self.banner.setFrameShape(QFrame.Shape.StyledPanel)
        self.banner.setTextFormat(Qt.TextFormat.PlainText)
        self.banner.hide()
        note = QLabel(_NOTE, self)
        note.setWordWrap(True)

        self.set_button = QPushButton("Set key…", self)
        self.set_button.setObjectName("setKeyButton")
        self.remove_button = QPushButton("Remove", self)
        self.remove_button.setObjectName("removeKeyButton")
        self.test_button = QPushButton("Test connection", self)
        self.test_button.setObjectName("testConnectionButton")
        self.set_button.clicked.connect(self._on_set_clicked)
        self.remove_button.clicked.connect(self._on_remove_clicked)
        self.test_button.clicked.connect(self._on_test_clicked)
        row = QHBoxLayout()
        for button in (self.set_button, self.remove_button, self.test_button):
            row.addWidget(button)
        row.addStretch(1)

        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addWidget(note)
        layout.addWidget(self.view)
        layout.addLayout(row)
        self._update_buttons()
        self.refresh()

    # --- statuses -------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Read every provider's status again, off the GUI thread."""
        self._generation += 1
        generation = self._generation
        self._services.background.run(
            partial(read_key_statuses, self._services.keys),
            done=partial(self._on_statuses_read, generation),
            failed=partial(self._on_statuses_failed, generation),
            lane="compute",
            owner=self,
        )

    def _on_statuses_read(self, generation: int, statuses: KeyStatuses) -> None:
        if generation != self._generation:
            return
        self._secure = statuses.secure
        if not statuses.secure:
            self._show_banner(no_backend_message())
        else:
            self.banner.hide()
        self.model.set_statuses(statuses.rows)
        self._update_buttons()

    def _on_statuses_failed(self, generation: int, exc: BaseException) -> None:
        if generation != self._generation:
            return
        self._secure = False
        self._show_banner(str(exc))
        self.model.set_statuses(read_key_statuses(None).rows)  # no keyring: nothing blocks
        self._update_buttons()
        self._presenter.present(exc, "read the stored keys")

    def _show_banner(self, why: str) -> None:
        self.banner.setText(
            f"{why[:1].upper()}{why[1:]}\nKeys from environment variables are listed below "
            "and can be tested; set one before starting the workbench to use it."
        )
        self.banner.show()

    # --- buttons --------------------------------------------------------------------------------

    def current_provider(self) -> str | None:
        """The selected row's provider (Qt's focus-only current row does not count)."""
        rows = self.view.selectionModel().selectedRows()
        return self.model.provider_at(rows[0].row()) if rows else None

    @Slot(QItemSelection, QItemSelection)
    def _on_view_selection_changed(self, _new: QItemSelection, _old: QItemSelection) -> None:
        self._update_buttons()

    def _update_buttons(self) -> None:
        provider = self.current_provider()
        self.set_button.setEnabled(provider is not None and self._secure)
        self.remove_button.setEnabled(
            provider is not None and self._secure and self.model.is_stored(provider)
        )
        self.test_button.setEnabled(provider is not None)

    def _on_set_clicked(self) -> None:
        provider = self.current_provider()
        if provider is None:
            return
        dialog = KeyEntryDialog(provider, self)
        dialog.accepted.connect(lambda: self._store_key(provider, dialog.take_key()))
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    def _store_key(self, provider: str, key: str) -> None:
        keys = self._services.keys
        if keys is None or not key:
            return
        self._services.background.run(
            partial(keyring_call, partial(keys.set, provider, key)),
            done=lambda _none: self._on_key_changed(provider),
            failed=partial(self._presenter.present, doing="store the key"),
            lane="compute",
            owner=self,
        )

    def _on_remove_clicked(self) -> None:
        provider = self.current_provider()
        if provider is None:
            return
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Remove the key",
            f"Remove the {provider} key from the system keyring? Models of {provider} will "
            "then use its environment variable, if one is set.",
            QMessageBox.StandardButton.Cancel,
            self,
        )
        box.setObjectName("confirmRemoveKeyDialog")
        remove = box.addButton("Remove key", QMessageBox.ButtonRole.DestructiveRole)
        remove.setObjectName("confirmRemoveButton")

        def on_finished(_result: int) -> None:
            if box.clickedButton() is remove:
                self._remove_key(provider)
            box.deleteLater()

        box.finished.connect(on_finished)
        box.open()

    def _remove_key(self, provider: str) -> None:
        keys = self._services.keys
        if keys is None:
            return
        self._services.background.run(
            partial(keyring_call, partial(keys.delete, provider)),
            done=lambda _existed: self._on_key_changed(provider),
            failed=partial(self._presenter.present, doing="remove the key"),
            lane="compute",
            owner=self,
        )

    def _on_key_changed(self, provider: str) -> None:
        running = self._checks.pop(provider, None)  # a check still running asks with the old key
        if running is not None:
            running.cancel()
        self.model.set_check(provider, "")
        self.refresh()

    # --- test connection ------------------------------------------------------------------------

    def _on_test_clicked(self) -> None:
        provider = self.current_provider()
        if provider is None or provider in self._checks:
            return
        self._checks[provider] = None  # reading the key; the check starts once it is known
        self.model.set_check(provider, "checking…")
        self._services.background.run(
            partial(resolve_key, provider, self._services.keys),
            done=lambda resolved: self._start_check(provider, resolved.value),
            failed=partial(self._on_check_failed, provider),
            lane="compute",
            owner=self,
        )

    def _start_check(self, provider: str, key: str | None) -> None:
        if provider not in self._checks:
            return  # cancelled while the key was being read
        base = self._check_base_urls.get(provider)
        self._checks[provider] = self._services.background.await_on(
            self._services.loop,
            check_key(provider, key, base),
            done=partial(self._on_check_finished, provider),
            failed=partial(self._on_check_failed, provider),  # check_key answers faults: a bug
            owner=self,
        )

    def _on_check_finished(self, provider: str, result: KeyCheck) -> None:
        self._checks.pop(provider, None)
        self.model.set_check(provider, result.message)

    def _on_check_failed(self, provider: str, exc: BaseException) -> None:
        self._checks.pop(provider, None)
        self.model.set_check(provider, "the check could not run; see the message")
        self._presenter.present(exc, "test the connection")

    def cancel_checks(self) -> None:
        """Stop checks still running (the dialog is closing)."""
        for future in self._checks.values():
            if future is not None:
                future.cancel()
        self._checks.clear()
