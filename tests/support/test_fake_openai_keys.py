"""The fake server's `require_key`: /v1 requests without the right bearer token get a 401."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from tests.support.fake_openai import FakeOpenAIServer

KEY = "sk-test-0123456789abcdef"


def get(url: str, key: str | None = None, body: dict[str, object] | None = None) -> int:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data)
    if key is not None:
        request.add_header("Authorization", f"Bearer {key}")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            status: int = response.status
            return status
    except urllib.error.HTTPError as refused:
        payload = json.loads(refused.read())
        assert set(payload["error"]) == {"message", "type", "param", "code"}
        assert KEY not in payload["error"]["message"]
        return refused.code


@pytest.mark.parametrize(("key", "status"), [(KEY, 200), ("sk-wrong-0000000000", 401), (None, 401)])
def test_model_list_and_chat_honour_the_key(key: str | None, status: int) -> None:
    chat: dict[str, object] = {"model": "fake-a", "messages": [{"role": "user", "content": "hi"}]}
    with FakeOpenAIServer(require_key=KEY) as server:
        assert get(f"{server.base_url}/models", key) == status
        assert get(f"{server.base_url}/chat/completions", key, chat) == status
        assert len(server.requests(None)) == 2  # refused requests are recorded too


def test_without_require_key_any_key_or_none_is_accepted() -> None:
    with FakeOpenAIServer() as server:
        assert get(f"{server.base_url}/models") == 200
        assert get(f"{server.base_url}/models", "anything") == 200
