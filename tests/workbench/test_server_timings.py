"""The server's own measurements: llama.cpp's `timings` and Ollama's native API, end to end.

Both against the fake server over real HTTP: it claims 500 prompt tokens/s and 40 answer tokens/s
(`PREFILL_MS_PER_TOKEN`, `DECODE_MS_PER_TOKEN`), so the figures below are exact.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator

import pytest

from tests.support.fake_openai import OLLAMA_CHAT_PATH, Behaviour, FakeOpenAIServer, Fault
from tests.workbench.runs import cells_for, run
from workbench.domain import (
    CellResult,
    Message,
    ModelParams,
    ModelSpec,
    ServerTimings,
    TokensSource,
)
from workbench.errors import ErrorKind, ProviderError
from workbench.providers.base import ChatRequest, StreamPiece
from workbench.providers.ollama_native import OllamaNativeClient
from workbench.providers.routing import Route, route
from workbench.records import to_record
from workbench.retry import RetryPolicy
from workbench.runner import RunOptions

ONCE = RunOptions(retry=RetryPolicy(max_attempts=1))
# cells_for's prompt, "Be kind" + "Hello Ada": (2 + 4) + (2 + 4) prompt tokens as the fake counts.
PROMPT_TOKENS = 12
REPLY = "Reply from llama3 to: Hello Ada"  # six tokens


@pytest.fixture
def ollama() -> Iterator[FakeOpenAIServer]:
    with FakeOpenAIServer(models=("llama3",), ollama=True) as running:
        yield running


def _one(server_models: list[ModelSpec], options: RunOptions = ONCE) -> CellResult:
    (result,) = run(cells_for(server_models), options).results
    return result


# --- llama.cpp's timings through the lean client ---------------------------------------


def test_llama_cpp_timings_reach_the_result() -> None:
    with FakeOpenAIServer(models=("fake-a",), timings=True) as server:
        result = _one([ModelSpec("fake-a", api_base=server.base_url)])
    assert result.ok, result.error
    assert result.output == "Reply from fake-a to: Hello Ada"
    assert result.timings is not None
    assert result.timings.server == ServerTimings(
        prompt_tokens=12, prompt_ms=24.0, decode_tokens=6, decode_ms=150.0
    )
    assert result.timings.server.prefill_tokens_per_s == 500.0
    assert result.timings.server.decode_tokens_per_s == 40.0
    assert result.timings.load_ms is None  # llama.cpp does not report a load time


def test_without_timings_the_server_figures_are_none(server: FakeOpenAIServer) -> None:
    result = _one([ModelSpec("fake-a", api_base=server.base_url)])
    assert result.ok
    assert result.timings is not None
    assert result.timings.server is None


def test_llama_cpp_timings_come_even_without_a_usage_chunk() -> None:
    with FakeOpenAIServer(models=("fake-a",), timings=True) as server:
        server.behave("fake-a", Behaviour(report_usage=False))
        result = _one([ModelSpec("fake-a", api_base=server.base_url)])
    assert result.timings is not None and result.timings.server is not None
    assert result.timings.server.decode_tokens == 6
    assert result.usage is not None
    assert result.usage.source is TokensSource.ESTIMATED  # what the server did not report


# --- routing -----------------------------------------------------------------------------


def test_ollama_models_go_to_the_native_api_at_the_server_root() -> None:
    assert route(ModelSpec("ollama/llama3")) == Route(
        "ollama", "llama3", "http://localhost:11434", None, True
    )
    assert route(ModelSpec("ollama_chat/qwen2:7b", api_base="http://127.0.0.1:9999/v1/")) == (
        Route("ollama", "qwen2:7b", "http://127.0.0.1:9999", None, True)
    )
    assert route(ModelSpec("ollama/llama3", api_base="http://192.168.1.5:11434")).api_base == (
        "http://192.168.1.5:11434"
    )


def test_ollama_through_the_openai_client_when_asked() -> None:
    forced = route(ModelSpec("ollama/llama3", transport="openai"))
    assert forced == Route("openai", "llama3", "http://localhost:11434/v1", None, True)
    assert route(ModelSpec("ollama/llama3", transport="litellm")).transport == "litellm"


def test_one_server_is_one_endpoint_whichever_api_serves_it() -> None:
    native = route(ModelSpec("ollama/llama3", api_base="http://127.0.0.1:11434/v1"))
    wire = route(ModelSpec("llama3", api_base="http://127.0.0.1:11434/v1"))
    assert (native.transport, wire.transport) == ("ollama", "openai")
    assert native.endpoint == wire.endpoint == "http://127.0.0.1:11434"


# --- Ollama's native API, end to end ------------------------------------------------------


@pytest.mark.parametrize("base", ["root", "v1"])
def test_ollama_native_answer_usage_and_speeds(ollama: FakeOpenAIServer, base: str) -> None:
    ollama.behave("llama3", Behaviour(load_s=0.15, ttft_s=0.05))
    api_base = ollama.root_url if base == "root" else ollama.base_url
    result = _one([ModelSpec("ollama/llama3", api_base=api_base)])
    assert result.ok, result.error
    assert result.output == REPLY
    assert result.finish_reason == "stop"
    assert result.usage is not None
    assert (result.usage.input_tokens, result.usage.output_tokens) == (PROMPT_TOKENS, 6)
    assert result.usage.source is TokensSource.REPORTED
    timings = result.timings
    assert timings is not None
    assert timings.server == ServerTimings(
        prompt_tokens=12, prompt_ms=24.0, decode_tokens=6, decode_ms=150.0
    )
    assert timings.server.prefill_tokens_per_s == 500.0
    assert timings.server.decode_tokens_per_s == 40.0
    # Load time apart from time to first token: the client waited for both.
    assert timings.load_ms == 150.0
    assert timings.ttft_ms is not None
    assert timings.ttft_ms >= 50 * 0.9  # the fake's own delay before the first token
    assert timings.ttft_ms + timings.load_ms <= timings.latency_ms
    (sent,) = ollama.requests(OLLAMA_CHAT_PATH)
    assert sent.model == "llama3"
    assert sent.body["messages"] == [
        {"role": "system", "content": "Be kind"},
        {"role": "user", "content": "Hello Ada"},
    ]
    assert sent.body["stream"] is True
    assert ollama.request_count() == 0  # nothing went to its /v1


def test_ollama_options_are_mapped(ollama: FakeOpenAIServer) -> None:
    params = ModelParams(temperature=0.2, top_p=0.9, max_tokens=3, seed=7, stop=("zzz",))
    result = _one([ModelSpec("ollama/llama3", api_base=ollama.root_url, params=params)])
    assert result.output == "Reply from llama3"  # three tokens, cut by num_predict
    assert result.finish_reason == "length"
    (sent,) = ollama.requests(OLLAMA_CHAT_PATH)
    assert sent.body["options"] == {
        "temperature": 0.2,
        "top_p": 0.9,
        "seed": 7,
        "num_predict": 3,
        "stop": ["zzz"],
    }


def test_ollama_without_counts_is_estimated(ollama: FakeOpenAIServer) -> None:
    ollama.behave("llama3", Behaviour(report_usage=False))
    result = _one([ModelSpec("ollama/llama3", api_base=ollama.root_url)])
    assert result.ok
    assert result.output == REPLY
    assert result.usage is not None
    assert result.usage.source is TokensSource.ESTIMATED
    assert result.timings is not None
    assert (result.timings.server, result.timings.load_ms) == (None, None)


def test_the_record_carries_the_server_figures(ollama: FakeOpenAIServer) -> None:
    ollama.behave("llama3", Behaviour(load_s=0.25))
    record = to_record(_one([ModelSpec("ollama/llama3", api_base=ollama.root_url)]))
    assert {key: record[key] for key in list(record)[-7:]} == {
        "load_ms": 250.0,
        "server_prompt_tokens": 12,
        "server_prompt_ms": 24.0,
        "server_decode_tokens": 6,
        "server_decode_ms": 150.0,
        "prefill_tokens_per_s": 500.0,
        "decode_tokens_per_s": 40.0,
    }
    assert record["tokens_source"] == "reported"


def test_a_record_without_server_figures_has_nones() -> None:
    with FakeOpenAIServer(models=("fake-a",)) as server:
        record = to_record(_one([ModelSpec("fake-a", api_base=server.base_url)]))
    for key in ("load_ms", "server_prompt_tokens", "prefill_tokens_per_s", "decode_tokens_per_s"):
        assert record[key] is None, key


# --- the Ollama client's errors -------------------------------------------------------------


def _request(api_base: str, model: str = "llama3") -> ChatRequest:
    return ChatRequest(
        model=model,
        messages=(Message("user", "Hello"),),
        params=ModelParams(),
        api_base=api_base,
        api_key=None,
        timeout_s=5.0,
    )


def _stream(request: ChatRequest) -> list[StreamPiece]:
    async def main() -> list[StreamPiece]:
        client = OllamaNativeClient()
        try:
            return [piece async for piece in client.stream(request)]
        finally:
            await client.aclose()

    return asyncio.run(main())


def _error(request: ChatRequest) -> ProviderError:
    with pytest.raises(ProviderError) as caught:
        _stream(request)
    return caught.value


def test_ollama_client_pieces(ollama: FakeOpenAIServer) -> None:
    ollama.behave("llama3", Behaviour(load_s=0.01))
    pieces = _stream(_request(ollama.root_url))
    assert "".join(p.text for p in pieces) == "Reply from llama3 to: Hello"
    last = pieces[-1]
    assert (last.finish_reason, last.input_tokens, last.output_tokens) == ("stop", 5, 5)
    assert last.load_ms == 10.0
    assert last.server_timings == ServerTimings(5, 10.0, 5, 125.0)


def test_unknown_ollama_model_is_not_found(ollama: FakeOpenAIServer) -> None:
    error = _error(_request(ollama.root_url, model="missing"))
    assert error.kind is ErrorKind.NOT_FOUND
    assert error.status == 404
    assert 'model "missing" not found' in error.message


def test_ollama_server_error_is_retryable(ollama: FakeOpenAIServer) -> None:
    ollama.behave("llama3", Behaviour(faults=[Fault.server_error(500)]))
    error = _error(_request(ollama.root_url))
    assert error.kind is ErrorKind.SERVER
    assert error.status == 500
    assert error.retryable


def test_ollama_rate_limit_keeps_retry_after(ollama: FakeOpenAIServer) -> None:
    ollama.behave("llama3", Behaviour(faults=[Fault.rate_limited("3")]))
    error = _error(_request(ollama.root_url))
    assert (error.kind, error.retry_after_s) == (ErrorKind.RATE_LIMIT, 3.0)


def test_ollama_cut_stream_is_interrupted(ollama: FakeOpenAIServer) -> None:
    ollama.behave("llama3", Behaviour(faults=[Fault.drop(after_tokens=2)]))
    error = _error(_request(ollama.root_url))
    assert error.kind is ErrorKind.STREAM_BROKEN


def test_ollama_connection_refused() -> None:
    with socket.socket() as probe:  # a port that was free a moment ago: nothing listens there
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    error = _error(_request(f"http://127.0.0.1:{port}"))
    assert error.kind is ErrorKind.CONNECTION
    assert f"127.0.0.1:{port}" in error.message
