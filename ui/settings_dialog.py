"""Settings: API keys, local endpoints, local models, default parameters and the store.

Preferences are saved together on OK (Cancel leaves them as they were); keys are the exception,
stored or removed in the keyring the moment the user confirms, as the keys tab says.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTabWidget, QVBoxLayout, QWidget

from ui.error_presenter import ErrorPresenter
from ui.services import Services
from ui.settings_keys import KeysTab
from ui.settings_tabs import (
    DefaultsTab,
    EndpointsTab,
    LocalModelsTab,
    LocalSettings,
    StoreTab,
)


class SettingsDialog(QDialog):
    """Build one per opening (it reads the preferences when built) and show it with `open()`.

    `settings_changed` follows an OK that saved the preferences.
    """

    settings_changed = Signal()

    def __init__(
        self, services: Services, presenter: ErrorPresenter, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("settingsDialog")
        self.setWindowTitle("Settings")
        self._services = services
        # provider -> base URL the key check asks instead of the provider's own (tests, proxies).
        self._check_base_urls: dict[str, str] = {}
        prefs = services.prefs
        self.keys_tab = KeysTab(services, presenter, self._check_base_urls, self)
        self.endpoints_tab = EndpointsTab(prefs.endpoints, self)
        self.local_tab = LocalModelsTab(
            LocalSettings(
                offline=prefs.offline,
                local_concurrency=prefs.local_concurrency,
                warm_up=prefs.warm_up,
                local_price_per_hour=prefs.local_price_per_hour,
            ),
            offline_session=prefs.offline_session,
            parent=self,
        )
        self.defaults_tab = DefaultsTab(prefs.default_params, self)
        self.store_tab = StoreTab(services.store.location, prefs.store_path, self)
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("settingsTabs")
        self.tabs.addTab(self.keys_tab, "API keys")
        self.tabs.addTab(self.endpoints_tab, "Local endpoints")
        self.tabs.addTab(self.local_tab, "Local models")
        self.tabs.addTab(self.defaults_tab, "Defaults")
        self.tabs.addTab(self.store_tab, "Store")
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.setObjectName("settingsButtons")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        layout.addWidget(buttons)
        self.resize(760, 520)

    @property
    def check_base_urls(self) -> dict[str, str]:
        return self._check_base_urls

    @check_base_urls.setter
    def check_base_urls(self, bases: dict[str, str]) -> None:
        # The keys tab holds this very dict, so update it in place.
        self._check_base_urls.clear()
        self._check_base_urls.update(bases)

    def accept(self) -> None:
        prefs = self._services.prefs
        prefs.endpoints = self.endpoints_tab.endpoints()
        local = self.local_tab.settings()
        prefs.offline = local.offline
        prefs.local_concurrency = local.local_concurrency
        prefs.warm_up = local.warm_up
        prefs.local_price_per_hour = local.local_price_per_hour
        prefs.default_params = self.defaults_tab.params()
        prefs.store_path = self.store_tab.store_path()
        prefs.sync()
        self.settings_changed.emit()
        super().accept()

    def done(self, result: int) -> None:
        self.keys_tab.cancel_checks()  # a check that ends after the dialog has nobody to tell
        super().done(result)
