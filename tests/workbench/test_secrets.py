from __future__ import annotations

import keyring
import pytest

from tests.support.memory_keyring import FailKeyring, MemoryKeyring
from workbench.secrets import KeyringStore, KeyringUnavailableError, mask, resolve_key


def test_the_tests_use_the_memory_backend() -> None:
    assert isinstance(keyring.get_keyring(), MemoryKeyring)


def test_set_list_delete_round_trip() -> None:
    store = KeyringStore()
    assert store.is_secure()
    store.set("openai", "sk-test-1234567890")
    store.set("anthropic", "sk-ant-abcdefghij")
    assert store.get("openai") == "sk-test-1234567890"
    assert store.providers() == ["anthropic", "openai"]
    assert store.delete("openai") is True
    assert store.delete("openai") is False
    assert store.providers() == ["anthropic"]


def test_keyring_wins_over_environment() -> None:
    store = KeyringStore()
    env = {"OPENAI_API_KEY": "sk-from-env"}
    assert resolve_key("openai", store, env).source == "env:OPENAI_API_KEY"
    store.set("openai", "sk-from-keyring")
    resolved = resolve_key("openai", store, env)
    assert (resolved.value, resolved.source) == ("sk-from-keyring", "keyring")
    assert resolve_key("mistral", store, {}).source == "none"


def test_no_secure_backend_refuses_to_store_and_explains(monkeypatch: pytest.MonkeyPatch) -> None:
    previous = keyring.get_keyring()
    keyring.set_keyring(FailKeyring())
    try:
        store = KeyringStore()
        assert not store.is_secure()
        with pytest.raises(KeyringUnavailableError, match="environment variable"):
            store.set("openai", "sk-x")
        assert store.get("openai") is None
        monkeypatch.setenv("OPENAI_API_KEY", "sk-env")
        assert resolve_key("openai", store).value == "sk-env"
    finally:
        keyring.set_keyring(previous)


def test_mask_never_shows_the_key() -> None:
    assert mask("sk-proj-abcdefghijklmnop") == "sk-...mnop"
    assert mask("short") == "*****"
