"""The Models panel with real widgets, a real keyring double and real fake servers."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import TypeVar
from urllib.parse import urlsplit

import pytest
from PySide6.QtCore import QObject
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QTreeWidget,
    QTreeWidgetItem,
)
from pytestqt.qtbot import QtBot

from tests.support.fake_openai import FakeOpenAIServer
from ui.error_presenter import ErrorPresenter
from ui.models_model import KEY, TEMPERATURE
from ui.models_panel import ModelsPanel
from ui.services import Services
from workbench.domain import ModelParams, ModelSpec

W = TypeVar("W", bound=QObject)
DEFAULTS = ModelParams(temperature=0.3, max_tokens=512)


@pytest.fixture
def server() -> Iterator[FakeOpenAIServer]:
    with FakeOpenAIServer(models=("fake-a", "fake-b")) as running:
        yield running


def _port(server: FakeOpenAIServer) -> int:
    port = urlsplit(server.root_url).port
    assert port is not None
    return port


def _unused_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def _panel(
    qtbot: QtBot,
    services: Services,
    presenter: ErrorPresenter,
    servers: dict[str, int] | None = None,
) -> ModelsPanel:
    services.prefs.default_params = DEFAULTS
    panel = ModelsPanel(services, presenter, servers=servers if servers is not None else {})
    qtbot.addWidget(panel)
    return panel


def _child(panel: ModelsPanel, kind: type[W], name: str) -> W:
    found = panel.findChild(kind, name)
    assert isinstance(found, kind), name
    return found


def _item(item: QTreeWidgetItem | None) -> QTreeWidgetItem:
    assert item is not None
    return item


def _key_text(panel: ModelsPanel, row: int) -> str:
    table: QTableView = _child(panel, QTableView, "modelsTable")
    model = table.model()
    return str(model.data(model.index(row, KEY)))


def _add_hosted(qtbot: QtBot, panel: ModelsPanel, name: str) -> None:
    line: QLineEdit = _child(panel, QLineEdit, "hostedModelInput")
    line.setText(name)
    with qtbot.waitSignal(panel.keys_checked, timeout=10_000):
        _child(panel, QPushButton, "addHostedButton").click()


def test_a_hosted_model_without_a_key_says_which_variable_to_set(
    qtbot: QtBot, services: Services, presenter: ErrorPresenter
) -> None:
    panel = _panel(qtbot, services, presenter)
    assert panel.objectName() == "modelsPanel"
    with qtbot.waitSignal(panel.models_changed):
        _add_hosted(qtbot, panel, "gpt-4o-mini")

    assert panel.models() == [ModelSpec("gpt-4o-mini", params=DEFAULTS)]
    assert _key_text(panel, 0) == "missing: set OPENAI_API_KEY"
    assert panel.missing_keys() == [
        "gpt-4o-mini needs an OpenAI key: add it in Settings > API keys or set OPENAI_API_KEY."
    ]
    assert _child(panel, QLineEdit, "hostedModelInput").text() == ""


def test_refresh_keys_sees_a_key_set_since(
    qtbot: QtBot, services: Services, presenter: ErrorPresenter, monkeypatch: pytest.MonkeyPatch
) -> None:
    panel = _panel(qtbot, services, presenter)
    _add_hosted(qtbot, panel, "gpt-4o-mini")
    _add_hosted(qtbot, panel, "anthropic/claude-3-5-haiku-20241022")
    assert len(panel.missing_keys()) == 2

    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-from-env")
    assert services.keys is not None
    services.keys.set("anthropic", "sk-ant-from-keyring")
    with qtbot.waitSignal(panel.keys_checked, timeout=10_000):
        panel.refresh_keys()

    assert [_key_text(panel, row) for row in range(2)] == ["ok", "ok"]
    assert panel.missing_keys() == []


def test_hosted_names_complete_from_the_price_map(
    qtbot: QtBot, services: Services, presenter: ErrorPresenter
) -> None:
    panel = _panel(qtbot, services, presenter)
    completer = _child(panel, QLineEdit, "hostedModelInput").completer()
    assert isinstance(completer, QCompleter)
    names = completer.model()
    qtbot.waitUntil(lambda: names.rowCount() > 100, timeout=10_000)
    listed = {names.index(row, 0).data() for row in range(names.rowCount())}
    assert "gpt-4o-mini" in listed


def test_discovered_models_are_added_with_default_parameters(
    qtbot: QtBot, services: Services, presenter: ErrorPresenter, server: FakeOpenAIServer
) -> None:
    with FakeOpenAIServer(models=("remote-model",)) as remote:
        services.prefs.endpoints = [remote.base_url]
        unused = _unused_port()
        panel = _panel(qtbot, services, presenter, {"LM Studio": _port(server), "vLLM": unused})
        tree: QTreeWidget = _child(panel, QTreeWidget, "serverTree")
        _child(panel, QPushButton, "discoverButton").click()
        qtbot.waitUntil(lambda: tree.topLevelItemCount() == 3, timeout=10_000)
        remote_base = remote.base_url

    lm_studio, vllm, endpoint = (_item(tree.topLevelItem(i)) for i in range(3))
    children = [_item(lm_studio.child(i)).text(0) for i in range(lm_studio.childCount())]
    assert children == ["fake-a", "fake-b"]
    assert vllm.text(1).startswith("down: not reachable")
    assert _item(endpoint.child(0)).text(0) == "remote-model"
    status: QLabel = _child(panel, QLabel, "discoveryStatus")
    assert status.text() == "2 of 3 servers answered, with 3 models."

    with qtbot.waitSignal(panel.keys_checked, timeout=10_000):
        tree.itemDoubleClicked.emit(lm_studio.child(1), 0)
    _item(endpoint.child(0)).setSelected(True)
    with qtbot.waitSignal(panel.keys_checked, timeout=10_000):
        _child(panel, QPushButton, "addLocalModelButton").click()

    assert panel.models() == [
        ModelSpec("fake-b", api_base=server.base_url, transport="openai", params=DEFAULTS),
        ModelSpec("remote-model", api_base=remote_base, transport="openai", params=DEFAULTS),
    ]
    assert _key_text(panel, 0) == "not needed (local)"
    assert presenter.history == []


def test_a_custom_endpoint_lists_its_models_and_adds_one(
    qtbot: QtBot, services: Services, presenter: ErrorPresenter, server: FakeOpenAIServer
) -> None:
    panel = _panel(qtbot, services, presenter)
    url: QLineEdit = _child(panel, QLineEdit, "endpointInput")
    combo: QComboBox = _child(panel, QComboBox, "endpointModelInput")
    status: QLabel = _child(panel, QLabel, "endpointStatus")

    url.setText(server.base_url + "/")
    _child(panel, QPushButton, "listModelsButton").click()
    qtbot.waitUntil(lambda: combo.count() == 2, timeout=10_000)
    assert status.text() == f"{server.base_url} serves 2 models; pick one and press Add."
    combo.setCurrentIndex(1)
    with qtbot.waitSignal(panel.models_changed):
        _child(panel, QPushButton, "addEndpointModelButton").click()

    assert panel.models() == [
        ModelSpec("fake-b", api_base=server.base_url, transport="openai", params=DEFAULTS)
    ]


def test_a_custom_endpoint_that_is_down_is_explained_inline(
    qtbot: QtBot, services: Services, presenter: ErrorPresenter
) -> None:
    panel = _panel(qtbot, services, presenter)
    url: QLineEdit = _child(panel, QLineEdit, "endpointInput")
    status: QLabel = _child(panel, QLabel, "endpointStatus")
    list_button: QPushButton = _child(panel, QPushButton, "listModelsButton")

    url.setText("localhost:8080")
    list_button.click()
    assert status.text() == "Enter the server's base URL, for example http://localhost:8080/v1."

    down = f"http://127.0.0.1:{_unused_port()}/v1"
    url.setText(down)
    list_button.click()
    qtbot.waitUntil(lambda: "did not list its models" in status.text(), timeout=10_000)
    assert status.text().startswith(f"{down} did not list its models: could not reach the server")
    assert presenter.history == []
    assert panel.models() == []


def test_editing_temperature_in_the_table_changes_the_model(
    qtbot: QtBot, services: Services, presenter: ErrorPresenter
) -> None:
    panel = _panel(qtbot, services, presenter)
    _add_hosted(qtbot, panel, "gpt-4o-mini")
    table: QTableView = _child(panel, QTableView, "modelsTable")
    model = table.model()

    with qtbot.waitSignal(panel.models_changed):
        assert model.setData(model.index(0, TEMPERATURE), "1.1")
    assert not model.setData(model.index(0, TEMPERATURE), "warm")

    assert panel.models()[0].params == ModelParams(temperature=1.1, max_tokens=512)
    assert _key_text(panel, 0) == "missing: set OPENAI_API_KEY"  # no new check needed


def test_set_remove_and_duplicates(
    qtbot: QtBot, services: Services, presenter: ErrorPresenter
) -> None:
    panel = _panel(qtbot, services, presenter)
    specs = [ModelSpec("gpt-4o"), ModelSpec("gpt-4o-mini"), ModelSpec("ollama/llama3")]
    with qtbot.waitSignal(panel.keys_checked, timeout=10_000):
        panel.set_models(specs)
    panel.add_model(ModelSpec("gpt-4o"))
    assert panel.models() == specs

    table: QTableView = _child(panel, QTableView, "modelsTable")
    remove: QPushButton = _child(panel, QPushButton, "removeModelButton")
    assert not remove.isEnabled()
    table.selectRow(0)
    assert remove.isEnabled()
    with qtbot.waitSignal(panel.models_changed):
        remove.click()
    assert panel.models() == specs[1:]
    assert len(panel.missing_keys()) == 1  # gpt-4o-mini; the local model needs none
