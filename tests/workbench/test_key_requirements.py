"""Which models lack a key, decided by the same rule the runner applies before any call."""

from __future__ import annotations

import keyring

from tests.support.memory_keyring import FailKeyring
from workbench.domain import ModelSpec
from workbench.key_requirements import check_key, missing_key
from workbench.secrets import KeyringStore

GPT = ModelSpec("gpt-4o-mini")


def test_a_hosted_model_without_a_key_says_where_to_add_one() -> None:
    message = missing_key(GPT, KeyringStore(), environ={})
    assert message == (
        "gpt-4o-mini needs an OpenAI key: add it in Settings > API keys or set OPENAI_API_KEY."
    )


def test_a_key_in_the_environment_is_enough() -> None:
    assert missing_key(GPT, KeyringStore(), environ={"OPENAI_API_KEY": "sk-env"}) is None
    check = check_key(GPT, KeyringStore(), environ={"OPENAI_API_KEY": "sk-env"})
    assert (check.provider, check.source, check.missing) == ("openai", "env:OPENAI_API_KEY", False)


def test_a_key_in_the_keyring_is_enough() -> None:
    store = KeyringStore()
    store.set("openai", "sk-keyring-123456")
    assert missing_key(GPT, store, environ={}) is None
    assert check_key(GPT, store, environ={}).source == "keyring"


def test_the_key_never_shows_in_a_checks_repr() -> None:
    check = check_key(GPT, None, environ={"OPENAI_API_KEY": "sk-secret-value"})
    assert check.key == "sk-secret-value"
    assert "sk-secret-value" not in repr(check)


def test_other_providers_name_their_own_variable() -> None:
    claude = ModelSpec("anthropic/claude-3-5-haiku-20241022")
    message = missing_key(claude, KeyringStore(), environ={})
    assert message is not None
    assert message.startswith("anthropic/claude-3-5-haiku-20241022 needs an Anthropic key")
    assert message.endswith("set ANTHROPIC_API_KEY.")
    groq = missing_key(ModelSpec("groq/llama3-8b-8192"), KeyringStore(), environ={})
    assert groq is not None
    assert "needs a Groq key" in groq


def test_local_models_need_no_key() -> None:
    for model in (
        ModelSpec("llama3", api_base="http://127.0.0.1:11434/v1", transport="openai"),
        ModelSpec("ollama/llama3"),
        ModelSpec("qwen", api_base="http://192.168.1.20:8000/v1"),
    ):
        assert missing_key(model, KeyringStore(), environ={}) is None, model
        assert not check_key(model, KeyringStore(), environ={}).required


def test_a_local_model_with_a_named_key_runs_without_it() -> None:
    model = ModelSpec("llama3", api_base="http://localhost:8080/v1", api_key_name="gateway")
    check = check_key(model, KeyringStore(), environ={})
    assert check.provider == "gateway"
    assert not check.missing


def test_a_custom_endpoint_sends_no_key_unless_one_is_named() -> None:
    remote = ModelSpec("mixtral", api_base="https://models.example.com/v1")
    assert missing_key(remote, KeyringStore(), environ={}) is None
    named = ModelSpec("mixtral", api_base="https://models.example.com/v1", api_key_name="corp")
    assert missing_key(named, KeyringStore(), environ={}) == (
        "mixtral needs a corp key: add it in Settings > API keys or set CORP_API_KEY."
    )


def test_without_a_secure_keyring_only_the_variable_is_offered() -> None:
    previous = keyring.get_keyring()
    keyring.set_keyring(FailKeyring())
    try:
        message = missing_key(GPT, KeyringStore(), environ={})
    finally:
        keyring.set_keyring(previous)
    assert message == (
        "gpt-4o-mini needs an OpenAI key: set OPENAI_API_KEY "
        "(no secure keyring is available on this system)."
    )
    assert missing_key(GPT, None, environ={}) is not None
