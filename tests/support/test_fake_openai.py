"""Tests for the fake OpenAI server: the rest of the suite trusts it to behave like one."""

from __future__ import annotations

import asyncio
import json
import logging
import time
import urllib.request
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import aiohttp
import pytest

from tests.support.fake_openai import Behaviour, FakeOpenAIServer, Fault, tokenize

if TYPE_CHECKING:
    from collections.abc import Iterator

MESSAGES = [
    {"role": "system", "content": "You are terse."},
    {"role": "user", "content": "Say hello to the tests"},
]


@pytest.fixture
def server(caplog: pytest.LogCaptureFixture) -> Iterator[FakeOpenAIServer]:
    """A running server; after the test it must stop without logging any problem."""
    caplog.set_level(logging.DEBUG, logger="asyncio")
    with FakeOpenAIServer() as srv:
        yield srv
    problems = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert problems == []


@dataclass
class Streamed:
    """What a client saw of one streamed answer."""

    status: int
    headers: dict[str, str]
    chunks: list[dict[str, Any]] = field(default_factory=list)
    done: bool = False
    content_times: list[float] = field(default_factory=list)
    """Arrival of each content chunk, in seconds since the request was sent."""

    @property
    def content(self) -> str:
        return "".join(
            c["choices"][0]["delta"].get("content", "") for c in self.chunks if c["choices"]
        )

    @property
    def finish_reason(self) -> str | None:
        reasons = [c["choices"][0]["finish_reason"] for c in self.chunks if c["choices"]]
        return next((r for r in reasons if r is not None), None)

    @property
    def usage(self) -> dict[str, int] | None:
        return next((c["usage"] for c in self.chunks if c.get("usage")), None)


def payload(model: str = "fake-a", **extra: Any) -> dict[str, Any]:
    return {"model": model, "messages": MESSAGES, "stream": True, **extra}


async def stream(
    srv: FakeOpenAIServer,
    body: dict[str, Any],
    *,
    timeout: float = 5.0,
    into: Streamed | None = None,
) -> Streamed:
    """POST a streaming request and parse its SSE events, as an OpenAI client does."""
    client_timeout = aiohttp.ClientTimeout(total=timeout)
    start = time.monotonic()
    async with (
        aiohttp.ClientSession(timeout=client_timeout) as session,
        session.post(f"{srv.base_url}/chat/completions", json=body) as resp,
    ):
        seen = into if into is not None else Streamed(resp.status, dict(resp.headers))
        seen.status, seen.headers = resp.status, dict(resp.headers)
        async for raw in resp.content:
            line = raw.decode().strip()
            if not line.startswith("data: "):
                continue
            data = line.removeprefix("data: ")
            if data == "[DONE]":
                seen.done = True
                continue
            event = json.loads(data)
            seen.chunks.append(event)
            if event["choices"] and event["choices"][0]["delta"].get("content"):
                seen.content_times.append(time.monotonic() - start)
        return seen


async def post(
    srv: FakeOpenAIServer, body: bytes | dict[str, Any]
) -> tuple[int, dict[str, str], Any]:
    """POST without streaming and return (status, headers, parsed JSON body)."""
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            f"{srv.base_url}/chat/completions",
            data=data,
            headers={"Content-Type": "application/json"},
        ) as resp,
    ):
        return resp.status, dict(resp.headers), await resp.json(content_type=None)


def get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=5) as resp:
        return json.load(resp)


def test_stream_reassembles_the_reply(server: FakeOpenAIServer) -> None:
    seen = asyncio.run(stream(server, payload()))
    assert seen.status == 200
    assert seen.headers["Content-Type"].startswith("text/event-stream")
    expected = server.reply_for("fake-a", MESSAGES)
    assert expected == "Reply from fake-a to: Say hello to the tests"
    assert seen.content == expected
    first = seen.chunks[0]
    assert first["object"] == "chat.completion.chunk"
    assert first["id"].startswith("chatcmpl-")
    assert first["model"] == "fake-a"
    assert first["choices"] == [
        {"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}
    ]
    assert len(seen.chunks) == 1 + len(tokenize(expected)) + 1
    assert seen.chunks[-1]["choices"][0] == {"index": 0, "delta": {}, "finish_reason": "stop"}
    assert seen.done
    assert seen.usage is None  # not asked for


def test_usage_chunk_only_with_include_usage(server: FakeOpenAIServer) -> None:
    asked = payload(stream_options={"include_usage": True})
    seen = asyncio.run(stream(server, asked))
    n_tokens = len(tokenize(server.reply_for("fake-a", MESSAGES)))
    prompt, completion = server.expected_usage(MESSAGES, n_tokens)
    assert (prompt, completion) == (3 + 4 + 5 + 4, n_tokens)
    assert seen.chunks[-1]["choices"] == []
    assert seen.usage == {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    }

    server.behave("fake-b", Behaviour(report_usage=False))
    assert asyncio.run(stream(server, {**asked, "model": "fake-b"})).usage is None


def test_max_tokens_truncates_with_length(server: FakeOpenAIServer) -> None:
    server.behave("fake-a", Behaviour(reply="one two three four five"))
    body = payload(max_tokens=3, stream_options={"include_usage": True})
    seen = asyncio.run(stream(server, body))
    assert seen.content == "one two three"
    assert seen.finish_reason == "length"
    assert seen.usage is not None
    assert seen.usage["completion_tokens"] == 3


def test_stop_sequence_cuts_the_reply(server: FakeOpenAIServer) -> None:
    server.behave("fake-a", Behaviour(reply="alpha beta. gamma delta"))
    seen = asyncio.run(stream(server, payload(stop=["zzz", "."])))
    assert seen.content == "alpha beta"
    assert seen.finish_reason == "stop"


def test_ttft_and_token_interval_are_real_delays(server: FakeOpenAIServer) -> None:
    server.behave("fake-a", Behaviour(reply="a b c", ttft_s=0.2, token_interval_s=0.05))
    seen = asyncio.run(stream(server, payload()))
    assert seen.content == "a b c"
    # Measured from before the request was sent, so client-side jitter cannot shorten them.
    assert seen.content_times[0] >= 0.2
    assert seen.content_times[-1] >= 0.2 + 2 * 0.05


def test_non_streaming_answer(server: FakeOpenAIServer) -> None:
    status, _, body = asyncio.run(post(server, {"model": "fake-b", "messages": MESSAGES}))
    assert status == 200
    assert body["object"] == "chat.completion"
    reply = server.reply_for("fake-b", MESSAGES)
    assert body["choices"][0]["message"] == {"role": "assistant", "content": reply}
    assert body["choices"][0]["finish_reason"] == "stop"
    prompt, completion = server.expected_usage(MESSAGES, len(tokenize(reply)))
    assert body["usage"] == {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    }


def test_rate_limit_then_normal_answer(server: FakeOpenAIServer) -> None:
    server.behave("fake-a", Behaviour(faults=[Fault.rate_limited(retry_after="2")]))
    status, headers, body = asyncio.run(post(server, payload()))
    assert status == 429
    assert headers["Retry-After"] == "2"
    assert body["error"]["message"] == "Rate limit reached"
    assert body["error"]["code"] == "rate_limit_exceeded"
    assert asyncio.run(stream(server, payload())).done  # the fault was used up


def test_server_error_and_custom_body(server: FakeOpenAIServer) -> None:
    custom = Fault("status", status=503, body='{"error": "busy"}')
    server.behave("fake-a", Behaviour(faults=[Fault.server_error(), custom]))
    status, headers, body = asyncio.run(post(server, payload()))
    assert status == 500
    assert "Retry-After" not in headers
    assert body["error"]["type"] == "server_error"
    status, _, body = asyncio.run(post(server, payload()))
    assert (status, body) == (503, {"error": "busy"})


def test_unknown_model_and_malformed_json(server: FakeOpenAIServer) -> None:
    status, _, body = asyncio.run(post(server, payload(model="nope")))
    assert status == 404
    assert body == {
        "error": {
            "message": "The model `nope` does not exist",
            "type": "invalid_request_error",
            "param": None,
            "code": "model_not_found",
        }
    }
    status, _, body = asyncio.run(post(server, b"{not json"))
    assert status == 400
    assert body["error"]["type"] == "invalid_request_error"
    server.behave("brand-new", Behaviour(reply="hi"))
    assert asyncio.run(stream(server, payload(model="brand-new"))).content == "hi"


def test_drop_cuts_the_stream(server: FakeOpenAIServer) -> None:
    server.behave("fake-a", Behaviour(reply="one two three four", faults=[Fault.drop(2)]))
    seen = Streamed(0, {})
    with pytest.raises(aiohttp.ClientPayloadError):
        asyncio.run(stream(server, payload(), into=seen))
    assert seen.status == 200
    assert seen.content == "one two"
    assert not seen.done


def test_drop_cuts_a_non_streaming_body(server: FakeOpenAIServer) -> None:
    server.behave("fake-a", Behaviour(faults=[Fault.drop()]))
    with pytest.raises(aiohttp.ClientPayloadError):
        asyncio.run(post(server, {"model": "fake-a", "messages": MESSAGES}))


def test_hang_times_out_and_stop_is_prompt(caplog: pytest.LogCaptureFixture) -> None:
    srv = FakeOpenAIServer().start()
    try:
        srv.behave("fake-a", Behaviour(faults=[Fault.hang()]))
        with pytest.raises(TimeoutError):
            asyncio.run(stream(srv, payload(), timeout=0.3))
        assert srv.request_count("fake-a") == 1
    finally:
        began = time.monotonic()
        srv.stop()
    assert time.monotonic() - began < 2.0
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []


def test_stop_interrupts_a_slow_stream_and_a_waiting_hang(
    caplog: pytest.LogCaptureFixture,
) -> None:
    srv = FakeOpenAIServer().start()
    srv.behave("fake-a", Behaviour(reply="a b c d", token_interval_s=30))
    srv.behave("fake-b", Behaviour(faults=[Fault.hang()]))

    async def scenario() -> float:
        slow = asyncio.create_task(stream(srv, payload()))
        hung = asyncio.create_task(stream(srv, payload(model="fake-b")))
        while srv.request_count() < 2:
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.05)
        began = time.monotonic()
        await asyncio.to_thread(srv.stop)
        elapsed = time.monotonic() - began
        with pytest.raises(aiohttp.ClientPayloadError):  # cut mid-body
            await slow
        with pytest.raises(aiohttp.ServerDisconnectedError):  # cut before any header
            await hung
        return elapsed

    assert asyncio.run(scenario()) < 2.0
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []


def test_models_endpoint() -> None:
    with FakeOpenAIServer(["m1", "m2"]) as srv:
        listing = get_json(f"{srv.base_url}/models")
    assert listing == {
        "object": "list",
        "data": [
            {"id": "m1", "object": "model", "created": 0, "owned_by": "fake"},
            {"id": "m2", "object": "model", "created": 0, "owned_by": "fake"},
        ],
    }


def test_ollama_tags_only_when_enabled() -> None:
    with FakeOpenAIServer(["llama3:8b"], ollama=True) as srv:
        tags = get_json(f"{srv.root_url}/api/tags")
    assert tags["models"] == [
        {
            "name": "llama3:8b",
            "model": "llama3:8b",
            "size": 123456789,
            "details": {"family": "llama", "parameter_size": "8B", "quantization_level": "Q4_K_M"},
        }
    ]

    async def tags_status(srv: FakeOpenAIServer) -> int:
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"{srv.root_url}/api/tags") as resp,
        ):
            return resp.status

    with FakeOpenAIServer() as srv:
        assert asyncio.run(tags_status(srv)) == 404


def test_requests_are_recorded(server: FakeOpenAIServer) -> None:
    server.behave("fake-b", Behaviour(faults=[Fault.rate_limited()]))
    before = time.monotonic()
    asyncio.run(stream(server, payload(user="tester")))
    asyncio.run(post(server, payload(model="fake-b")))
    get_json(f"{server.base_url}/models")

    assert server.request_count() == 2
    assert server.request_count("fake-a") == 1
    assert server.request_count("fake-b") == 1  # faulted requests are recorded too
    (recorded,) = server.requests(model="fake-a")
    assert recorded.path == "/v1/chat/completions"
    assert recorded.method == "POST"
    assert recorded.body["user"] == "tester"
    assert recorded.body["messages"] == MESSAGES
    assert recorded.headers["content-type"] == "application/json"
    assert before <= recorded.received_at <= time.monotonic()
    (listing,) = server.requests("/v1/models")
    assert (listing.method, listing.model, listing.body) == ("GET", None, {})
    assert len(server.requests(None)) == 3


def test_sync_client_and_restart_rules() -> None:
    srv = FakeOpenAIServer()
    with pytest.raises(RuntimeError):
        _ = srv.base_url
    srv.stop()  # stopping a server that never started is harmless
    with srv:
        with pytest.raises(RuntimeError):
            srv.start()
        request = urllib.request.Request(
            f"{srv.base_url}/chat/completions",
            data=json.dumps({"model": "fake-a", "messages": MESSAGES}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=5) as resp:
            body = json.load(resp)
        assert body["choices"][0]["message"]["content"] == srv.reply_for("fake-a", MESSAGES)
    srv.stop()
