"""The models table model on its own: Qt's model checks, parameter editing, key status display."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QIcon
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from ui.models_model import (
    COLUMNS,
    ENDPOINT,
    KEY,
    MAX_TOKENS,
    MODEL,
    SEED,
    TEMPERATURE,
    TOP_P,
    KeyStatus,
    ModelsTableModel,
    key_status,
)
from workbench.domain import ModelParams, ModelSpec
from workbench.key_requirements import check_key
from workbench.secrets import KeyringStore

GPT = ModelSpec("gpt-4o-mini", params=ModelParams(temperature=0.7))
LOCAL = ModelSpec("llama3", api_base="http://127.0.0.1:11434/v1", transport="openai")
OLLAMA = ModelSpec("ollama/qwen2")
MISSING = KeyStatus("missing: set OPENAI_API_KEY", "gpt-4o-mini needs an OpenAI key.", True)


@pytest.fixture
def model() -> ModelsTableModel:
    table = ModelsTableModel()
    table.set_models([GPT, LOCAL, OLLAMA])
    return table


def _text(
    table: ModelsTableModel, row: int, column: int, role: int = Qt.ItemDataRole.DisplayRole
) -> object:
    return table.data(table.index(row, column), role)


def test_passes_qts_model_checks(qtmodeltester: ModelTester, model: ModelsTableModel) -> None:
    model.set_key_statuses({GPT: MISSING})
    qtmodeltester.check(model)
    model.add(ModelSpec("gpt-4o"))
    model.remove_rows([0])
    qtmodeltester.check(model)


def test_rows_show_the_model_its_endpoint_and_defaults(model: ModelsTableModel) -> None:
    assert [model.headerData(c, Qt.Orientation.Horizontal) for c in range(len(COLUMNS))] == [
        "Model",
        "Endpoint",
        "Temperature",
        "Top p",
        "Max tokens",
        "Seed",
        "Key",
    ]
    assert [_text(model, row, ENDPOINT) for row in range(3)] == [
        "hosted",
        "http://127.0.0.1:11434/v1",
        "local",
    ]
    assert _text(model, 0, TEMPERATURE) == "0.7"
    assert _text(model, 0, TOP_P) == "default"
    assert _text(model, 0, TOP_P, Qt.ItemDataRole.EditRole) == ""
    assert _text(model, 0, KEY) == "checking…"
    assert (
        model.flags(model.index(0, MODEL)) & Qt.ItemFlag.ItemIsEditable == Qt.ItemFlag.NoItemFlags
    )
    assert model.flags(model.index(0, SEED)) & Qt.ItemFlag.ItemIsEditable


def test_editing_parameters_updates_the_spec(qtbot: QtBot, model: ModelsTableModel) -> None:
    with qtbot.waitSignal(model.models_changed):
        assert model.setData(model.index(1, TEMPERATURE), " 0.2 ")
    assert model.setData(model.index(1, MAX_TOKENS), "256")
    assert model.setData(model.index(1, SEED), "12345678901234567891")
    assert model.models()[1].params.seed == 12345678901234567891  # not rounded through a float
    assert model.setData(model.index(1, SEED), 7)
    assert model.setData(model.index(0, TEMPERATURE), "")  # back to the provider's default
    first, second, _ = model.models()
    assert first.params == ModelParams()
    assert second.params == ModelParams(temperature=0.2, max_tokens=256, seed=7)
    assert _text(model, 1, MAX_TOKENS) == "256"


@pytest.mark.parametrize(
    ("column", "text"),
    [
        (TEMPERATURE, "hot"),
        (TEMPERATURE, "2.5"),
        (TEMPERATURE, "nan"),
        (TOP_P, "-0.1"),
        (MAX_TOKENS, "0"),
        (MAX_TOKENS, "12.5"),
        (SEED, "one"),
        (MODEL, "renamed"),
    ],
)
def test_invalid_text_is_rejected(model: ModelsTableModel, column: int, text: str) -> None:
    before = model.models()
    assert not model.setData(model.index(1, column), text)
    assert model.models() == before


def test_an_exact_duplicate_is_not_added(model: ModelsTableModel) -> None:
    assert not model.add(GPT)
    assert model.add(ModelSpec("gpt-4o-mini", params=ModelParams(temperature=0.1)))
    assert model.rowCount() == 4
    assert model.rowCount(model.index(0, 0)) == 0
    assert model.rowCount(QModelIndex()) == 4


def test_key_status_shows_short_text_full_message_and_a_warning(model: ModelsTableModel) -> None:
    model.set_key_statuses({GPT: MISSING})
    assert _text(model, 0, KEY) == "missing: set OPENAI_API_KEY"
    assert _text(model, 0, KEY, Qt.ItemDataRole.ToolTipRole) == MISSING.detail
    assert isinstance(_text(model, 0, KEY, Qt.ItemDataRole.DecorationRole), QIcon)
    assert _text(model, 0, KEY, Qt.ItemDataRole.ForegroundRole) is not None
    # Editing a parameter does not change whose key the model needs: the status stays.
    assert model.setData(model.index(0, TEMPERATURE), "1")
    assert model.key_status_of(0) == MISSING


def test_key_status_texts_from_real_checks() -> None:
    store = KeyringStore()
    assert key_status(GPT, check_key(GPT, store, {})).text == "missing: set OPENAI_API_KEY"
    found = key_status(GPT, check_key(GPT, store, {"OPENAI_API_KEY": "sk-x"}))
    assert (found.text, found.detail) == ("ok", "The OpenAI key is read from OPENAI_API_KEY.")
    store.set("openai", "sk-keyring-123456")
    assert key_status(GPT, check_key(GPT, store, {})).detail.endswith("from the keyring.")
    assert key_status(LOCAL, check_key(LOCAL, store, {})).text == "not needed (local)"
    remote = ModelSpec("mixtral", api_base="https://models.example.com/v1")
    assert key_status(remote, check_key(remote, store, {})).text == "not needed"
