"""The Settings dialog driven as a person would: real widgets, memory keyring, fake server."""

from __future__ import annotations

import dataclasses
import socket
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from keyring.errors import PasswordSetError
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
)
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from tests.support.fake_openai import FakeOpenAIServer
from ui.error_presenter import ErrorPresenter
from ui.key_entry_dialog import KeyEntryDialog
from ui.preferences import Preferences
from ui.services import Services
from ui.settings_dialog import SettingsDialog
from workbench.domain import ModelParams
from workbench.secrets import KeyringStore, KeyringUnavailableError, no_backend_message

GOOD = "sk-good-0123456789abcdef"
WRONG = "sk-wrong-9876543210fedcba"
ENV_KEY = "sk-env-00112233445566778899"
ROLES = [role for role in Qt.ItemDataRole if role < Qt.ItemDataRole.UserRole]


class InsecureKeys:
    """A system with no secure keyring, as `KeyringStore` reports one."""

    def is_secure(self) -> bool:
        return False

    def get(self, provider: str) -> str | None:
        return None

    def set(self, provider: str, key: str) -> None:
        raise KeyringUnavailableError(no_backend_message())

    def delete(self, provider: str) -> bool:
        raise KeyringUnavailableError(no_backend_message())

    def providers(self) -> list[str]:
        return []


class LockedKeys(InsecureKeys):
    """A secure keyring that refuses to store, as a locked Secret Service does."""

    def is_secure(self) -> bool:
        return True

    def set(self, provider: str, key: str) -> None:
        raise PasswordSetError("the collection is locked")


@pytest.fixture
def open_dialog(
    qtbot: QtBot, services: Services, presenter: ErrorPresenter
) -> Iterator[Callable[..., SettingsDialog]]:
    """Opens the dialog (on `services`, or others given) once the key statuses are read."""

    def opening(with_services: Services | None = None) -> SettingsDialog:
        dialog = SettingsDialog(with_services or services, presenter)
        qtbot.addWidget(dialog)
        dialog.open()
        model = dialog.keys_tab.model
        qtbot.waitUntil(lambda: model.status_text("openai") != "reading…")
        return dialog

    yield opening


def select(dialog: SettingsDialog, provider: str) -> None:
    tab = dialog.keys_tab
    tab.view.selectRow(tab.model.row_of(provider))


def every_value(dialog: SettingsDialog) -> str:
    model = dialog.keys_tab.model
    values = [
        str(model.data(model.index(row, column), role))
        for row in range(model.rowCount())
        for column in range(model.columnCount())
        for role in ROLES
    ]
    return "\n".join(values)


def enter_key(qtbot: QtBot, dialog: SettingsDialog, key: str) -> None:
    qtbot.mouseClick(dialog.keys_tab.set_button, Qt.MouseButton.LeftButton)
    entry = dialog.findChild(KeyEntryDialog, "keyEntryDialog")
    assert entry is not None
    edit = entry.findChild(QLineEdit, "keyEdit")
    buttons = entry.findChild(QDialogButtonBox)
    assert edit is not None
    assert buttons is not None
    assert edit.echoMode() is QLineEdit.EchoMode.Password
    ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert not ok.isEnabled()  # nothing typed yet
    qtbot.keyClicks(edit, key)
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    assert edit.text() == ""  # the key does not linger in the widget


def test_the_key_table_is_a_sound_model(
    open_dialog: Callable[..., SettingsDialog], qtmodeltester: ModelTester
) -> None:
    dialog = open_dialog()
    qtmodeltester.check(dialog.keys_tab.model)


def test_a_set_key_goes_to_the_keyring_and_shows_masked(
    qtbot: QtBot, open_dialog: Callable[..., SettingsDialog]
) -> None:
    dialog = open_dialog()
    tab = dialog.keys_tab
    assert tab.model.status_text("openai") == "not set"
    assert not tab.set_button.isEnabled()  # no row chosen yet
    select(dialog, "openai")
    enter_key(qtbot, dialog, GOOD)
    qtbot.waitUntil(lambda: tab.model.status_text("openai") == "in keyring: sk-...cdef")
    assert KeyringStore().get("openai") == GOOD
    assert GOOD not in every_value(dialog)
    assert tab.remove_button.isEnabled()


def test_a_removed_key_leaves_the_keyring_after_confirming(
    qtbot: QtBot, open_dialog: Callable[..., SettingsDialog]
) -> None:
    KeyringStore().set("anthropic", GOOD)
    dialog = open_dialog()
    tab = dialog.keys_tab
    select(dialog, "anthropic")
    assert tab.model.status_text("anthropic") == "in keyring: sk-...cdef"

    def confirm(button: str) -> None:
        qtbot.mouseClick(tab.remove_button, Qt.MouseButton.LeftButton)
        box = dialog.findChild(QMessageBox, "confirmRemoveKeyDialog")
        assert box is not None
        if button == "cancel":
            box.button(QMessageBox.StandardButton.Cancel).click()
        else:
            remove = box.findChild(QPushButton, "confirmRemoveButton")
            assert remove is not None
            remove.click()

    confirm("cancel")
    assert KeyringStore().get("anthropic") == GOOD
    confirm("remove")
    qtbot.waitUntil(lambda: tab.model.status_text("anthropic") == "not set")
    assert KeyringStore().get("anthropic") is None
    assert not tab.remove_button.isEnabled()


def test_test_connection_reports_a_good_and_a_wrong_key(
    qtbot: QtBot, open_dialog: Callable[..., SettingsDialog]
) -> None:
    dialog = open_dialog()
    tab = dialog.keys_tab
    with FakeOpenAIServer(models=("fake-a", "fake-b"), require_key=GOOD) as server:
        dialog.check_base_urls = {"openai": server.base_url}
        select(dialog, "openai")
        enter_key(qtbot, dialog, GOOD)
        qtbot.waitUntil(lambda: tab.model.is_stored("openai"))
        qtbot.mouseClick(tab.test_button, Qt.MouseButton.LeftButton)
        assert tab.model.check_text("openai") == "checking…"  # the click never waits
        qtbot.waitUntil(lambda: tab.model.check_text("openai") != "checking…", timeout=10_000)
        assert tab.model.check_text("openai") == "the key works (2 models listed)"

        enter_key(qtbot, dialog, WRONG)
        qtbot.waitUntil(lambda: tab.model.check_text("openai") == "")  # old check is stale
        qtbot.waitUntil(lambda: tab.model.status_text("openai") == "in keyring: sk-...dcba")
        qtbot.mouseClick(tab.test_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: tab.model.check_text("openai") != "checking…", timeout=10_000)
    assert tab.model.check_text("openai").startswith(
        "the key was refused by openai (HTTP 401): Incorrect API key provided"
    )
    assert WRONG not in every_value(dialog)


@pytest.mark.parametrize("keys", [InsecureKeys(), None], ids=["insecure", "no-keyring-package"])
def test_without_a_keyring_a_banner_explains_and_env_keys_still_test(
    qtbot: QtBot,
    open_dialog: Callable[..., SettingsDialog],
    services: Services,
    monkeypatch: pytest.MonkeyPatch,
    keys: InsecureKeys | None,
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", ENV_KEY)
    dialog = open_dialog(dataclasses.replace(services, keys=keys))
    tab = dialog.keys_tab
    banner = dialog.findChild(QLabel, "noKeyringBanner")
    assert banner is not None
    assert banner.isVisible()
    assert "no secure keyring is available" in banner.text().lower()
    assert tab.model.status_text("openai") == "from $OPENAI_API_KEY: sk-...8899"
    assert ENV_KEY not in every_value(dialog)
    select(dialog, "openai")
    assert not tab.set_button.isEnabled()
    assert not tab.remove_button.isEnabled()
    with FakeOpenAIServer(require_key=ENV_KEY) as server:
        dialog.check_base_urls["openai"] = server.base_url
        qtbot.mouseClick(tab.test_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: tab.model.check_text("openai").startswith("the key works"))


def test_a_keyring_that_refuses_is_presented_as_a_message(
    qtbot: QtBot,
    open_dialog: Callable[..., SettingsDialog],
    services: Services,
    presenter: ErrorPresenter,
) -> None:
    dialog = open_dialog(dataclasses.replace(services, keys=LockedKeys()))
    assert not dialog.keys_tab.banner.isVisible()
    select(dialog, "groq")
    with qtbot.waitSignal(presenter.shown) as shown:
        enter_key(qtbot, dialog, GOOD)
    title, text = shown.args or ["", ""]
    assert title == "Could not store the key"
    assert text.startswith("the system keyring did not answer (the collection is locked)")


def test_endpoints_are_validated_and_saved_on_ok_only(
    qtbot: QtBot, open_dialog: Callable[..., SettingsDialog], services: Services, tmp_path: Path
) -> None:
    services.prefs.endpoints = ["http://localhost:11434/v1"]
    dialog = open_dialog()
    tab = dialog.endpoints_tab
    dialog.tabs.setCurrentWidget(tab)
    add = tab.findChild(QPushButton, "addEndpointButton")
    assert add is not None

    def add_endpoint(text: str) -> None:
        tab.edit.setText(text)
        qtbot.mouseClick(add, Qt.MouseButton.LeftButton)

    add_endpoint("localhost:1234")
    assert tab.error.isVisible()
    assert tab.error.text().startswith("localhost:1234 is not an http:// or https:// address")
    add_endpoint("http://127.0.0.1:99999/v1")
    assert "port" in tab.error.text()
    add_endpoint("http://localhost:11434/v1/")
    assert tab.error.text() == "That endpoint is already in the list."
    add_endpoint(" http://gpu-box:8000/v1/ ")
    assert not tab.error.isVisible()
    assert tab.endpoints() == ["http://localhost:11434/v1", "http://gpu-box:8000/v1"]
    tab.view.setCurrentIndex(tab.model.index(0))
    qtbot.mouseClick(tab.remove_button, Qt.MouseButton.LeftButton)
    assert services.prefs.endpoints == ["http://localhost:11434/v1"]  # nothing saved yet

    with qtbot.waitSignal(dialog.settings_changed):
        dialog.accept()
    assert Preferences(tmp_path / "settings.ini").endpoints == ["http://gpu-box:8000/v1"]

    again = open_dialog()
    again.endpoints_tab.edit.setText("http://other:1234/v1")
    again.endpoints_tab.edit.returnPressed.emit()
    assert again.endpoints_tab.endpoints() == ["http://gpu-box:8000/v1", "http://other:1234/v1"]
    with qtbot.assertNotEmitted(again.settings_changed):
        again.reject()
    assert services.prefs.endpoints == ["http://gpu-box:8000/v1"]


def test_defaults_start_from_prefs_and_provider_default_is_none(
    qtbot: QtBot, open_dialog: Callable[..., SettingsDialog], services: Services
) -> None:
    services.prefs.default_params = ModelParams(temperature=0.7, seed=3)
    dialog = open_dialog()
    tab = dialog.defaults_tab
    assert tab.temperature.value() == pytest.approx(0.7)
    assert tab.top_p.text() == "provider default"
    assert tab.max_tokens.text() == "provider default"
    assert tab.seed.value() == 3
    tab.temperature.setValue(tab.temperature.minimum())
    assert tab.temperature.text() == "provider default"
    tab.top_p.setValue(0.9)
    tab.max_tokens.setValue(512)
    tab.seed.setValue(0)  # zero is a seed, not "provider default"
    with qtbot.waitSignal(dialog.settings_changed):
        dialog.accept()
    assert services.prefs.default_params == ModelParams(top_p=0.9, max_tokens=512, seed=0)


def test_store_path_is_chosen_saved_and_reset(
    qtbot: QtBot, open_dialog: Callable[..., SettingsDialog], services: Services, tmp_path: Path
) -> None:
    dialog = open_dialog()
    tab = dialog.store_tab
    location = tab.findChild(QLabel, "storeLocation")
    assert location is not None
    assert location.text() == services.store.location
    assert tab.store_path() is None
    choose = tab.findChild(QPushButton, "chooseStoreButton")
    assert choose is not None
    qtbot.mouseClick(choose, Qt.MouseButton.LeftButton)
    files = tab.findChild(QFileDialog, "storeFileDialog")
    assert files is not None
    chosen = tmp_path / "team.db"
    files.selectFile(str(chosen))
    files.accept()
    assert tab.store_path() == str(chosen)
    dialog.accept()
    assert services.prefs.store_path == str(chosen)

    again = open_dialog()
    assert again.store_tab.store_path() == str(chosen)
    reset = again.store_tab.findChild(QPushButton, "defaultStoreButton")
    assert reset is not None
    qtbot.mouseClick(reset, Qt.MouseButton.LeftButton)
    again.accept()
    assert services.prefs.store_path is None


def test_a_typed_url_is_kept_as_typed(
    open_dialog: Callable[..., SettingsDialog], services: Services
) -> None:
    dialog = open_dialog()
    dialog.store_tab.edit.setText("  postgresql://db.internal/workbench ")
    dialog.accept()
    assert services.prefs.store_path == "postgresql://db.internal/workbench"


def test_closing_the_dialog_stops_a_check_still_waiting(
    qtbot: QtBot, open_dialog: Callable[..., SettingsDialog], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GROQ_API_KEY", ENV_KEY)
    dialog = open_dialog()
    tab = dialog.keys_tab
    with socket.socket() as silent:  # accepts the connection, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        dialog.check_base_urls = {"groq": f"http://127.0.0.1:{silent.getsockname()[1]}/v1"}
        select(dialog, "groq")
        qtbot.mouseClick(tab.test_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: tab._checks.get("groq") is not None)
        running = tab._checks["groq"]
        assert running is not None
        dialog.reject()
        qtbot.waitUntil(running.done)
    assert running.cancelled()
    assert tab.model.check_text("groq") == "checking…"  # nothing arrives after closing
