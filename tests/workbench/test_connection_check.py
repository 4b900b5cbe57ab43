"""The key check against the real fake server: a good key, a wrong one, no server, no key."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator

import pytest

from tests.support.fake_openai import FakeOpenAIServer
from workbench.connection_check import KeyCheck, check_key, has_check

GOOD = "sk-good-0123456789abcdef"
WRONG = "sk-wrong-9876543210fedcba"


@pytest.fixture
def guarded() -> Iterator[FakeOpenAIServer]:
    with FakeOpenAIServer(models=("fake-a", "fake-b"), require_key=GOOD) as running:
        yield running


def check(provider: str, key: str | None, api_base: str | None, timeout_s: float = 5) -> KeyCheck:
    return asyncio.run(check_key(provider, key, api_base, timeout_s))


def unused_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def test_a_good_key_lists_the_models(guarded: FakeOpenAIServer) -> None:
    result = check("openai", GOOD, guarded.base_url)
    assert result == KeyCheck(True, "the key works (2 models listed)")
    (sent,) = guarded.requests("/v1/models")
    assert sent.method == "GET"
    assert sent.headers["authorization"] == f"Bearer {GOOD}"


def test_a_wrong_key_is_refused_with_the_servers_words(guarded: FakeOpenAIServer) -> None:
    result = check("openai", WRONG, guarded.base_url)
    assert not result.ok
    assert result.message.startswith(
        "the key was refused by openai (HTTP 401): Incorrect API key provided: sk-"
    )
    assert WRONG not in result.message


def test_a_server_that_is_down_cannot_be_reached() -> None:
    port = unused_port()
    result = check("mistral", GOOD, f"http://127.0.0.1:{port}/v1")
    assert not result.ok
    assert result.message.startswith(f"cannot reach 127.0.0.1:{port}: the connection was refused")
    assert GOOD not in result.message


def test_a_server_that_never_answers_times_out() -> None:
    with socket.socket() as silent:  # the kernel accepts the connection; nobody ever replies
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        result = check("groq", GOOD, f"http://127.0.0.1:{port}/v1", timeout_s=0.3)
    assert not result.ok
    assert result.message.startswith(f"cannot reach 127.0.0.1:{port}: no answer within 0.3 s")


@pytest.mark.parametrize("key", [None, "", "   "])
def test_no_key_names_the_variable_and_sends_nothing(
    guarded: FakeOpenAIServer, key: str | None
) -> None:
    result = check("openai", key, guarded.base_url)
    assert result == KeyCheck(False, "no key is set: store one or set $OPENAI_API_KEY")
    assert guarded.requests(None) == []


def test_a_key_with_a_line_break_is_not_sent(guarded: FakeOpenAIServer) -> None:
    result = check("openai", "sk-abc\ndef-0123456789", guarded.base_url)
    assert not result.ok
    assert "characters no API key has" in result.message
    assert guarded.requests(None) == []


def test_anthropic_and_gemini_send_the_key_in_their_own_headers() -> None:
    with FakeOpenAIServer(models=("fake-a",)) as server:
        assert check("anthropic", GOOD, server.base_url).ok
        assert check("gemini", GOOD, server.base_url).ok
        anthropic, gemini = server.requests("/v1/models")
    assert anthropic.headers["x-api-key"] == GOOD
    assert anthropic.headers["anthropic-version"] == "2023-06-01"
    assert "authorization" not in anthropic.headers
    assert gemini.headers["x-goog-api-key"] == GOOD
    assert "authorization" not in gemini.headers


def test_openrouter_asks_its_key_endpoint(guarded: FakeOpenAIServer) -> None:
    # The fake serves no /v1/key: the answer says where to look rather than blaming the key.
    result = check("openrouter", GOOD, guarded.base_url)
    host = guarded.root_url.removeprefix("http://")
    assert result == KeyCheck(
        False, f"{host} has no model list at this address (HTTP 404); check the base URL"
    )
    assert [r.path for r in guarded.requests(None)] == ["/v1/key"]


def test_a_provider_without_a_check_needs_a_base_url(guarded: FakeOpenAIServer) -> None:
    assert not has_check("azure")
    result = check("azure", GOOD, None)
    assert not result.ok
    assert result.message.startswith("a connection check is not available for azure")
    assert guarded.requests(None) == []
    # Given a base URL, it is asked as an OpenAI-compatible server.
    assert check("azure", GOOD, guarded.base_url).ok


def test_a_base_url_that_is_not_http_is_named() -> None:
    result = check("openai", GOOD, "ftp://files.example/v1")
    assert result == KeyCheck(
        False,
        "'ftp://files.example/v1/models' is not an http:// or https:// address with a host; "
        "fix the base URL",
    )
