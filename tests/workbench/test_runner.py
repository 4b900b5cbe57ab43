"""The runner against a real HTTP server: readouts, retries, timeouts, cancellation, isolation."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest

from tests.support.fake_openai import Behaviour, FakeOpenAIServer, Fault
from tests.workbench.runs import cells_for, run
from workbench import tokens
from workbench.domain import CellResult, CostSource, ModelParams, ModelSpec, TokensSource
from workbench.events import CellDelta, CellFailed, CellFinished, CellRetrying, CellStarted
from workbench.providers.base import ChatRequest, StreamPiece
from workbench.retry import RetryPolicy
from workbench.runner import Runner, RunOptions
from workbench.secrets import KeyringStore

FAST_RETRY = RetryPolicy(max_attempts=3, base_delay_s=0.01, max_delay_s=0.05)


def _messages(cell_messages: tuple[object, ...]) -> list[dict[str, str]]:
    return [{"role": m.role, "content": m.content} for m in cell_messages]  # type: ignore[attr-defined]


@pytest.mark.parametrize("transport", ["openai", "litellm"])
def test_readouts_match_what_the_server_did(server: FakeOpenAIServer, transport: str) -> None:
    server.behave("fake-a", Behaviour(ttft_s=0.2, token_interval_s=0.02))
    server.behave("fake-b", Behaviour(reply="one two three four five six"))
    models = [
        ModelSpec("fake-a", api_base=server.base_url, transport=transport),  # type: ignore[arg-type]
        ModelSpec("openai/fake-b", api_base=server.base_url, transport=transport),  # type: ignore[arg-type]
    ]
    outcome = run(cells_for(models, repeats=2))
    results = outcome.results
    assert len(results) == 4
    assert all(r.ok for r in results), [r.error for r in results]
    for result in results:
        wire = result.cell.model.name.removeprefix("openai/")
        messages = _messages(result.cell.messages)
        expected = server.reply_for(wire, messages)
        assert result.output == expected
        reply_tokens = len(expected.split())
        assert result.usage is not None
        assert (result.usage.input_tokens, result.usage.output_tokens) == server.expected_usage(
            messages, reply_tokens
        )
        assert result.usage.source is TokensSource.REPORTED
        assert result.finish_reason == "stop"
        assert result.attempts == 1
        assert result.cost.source is CostSource.LOCAL
        assert result.cost.usd == 0.0
        assert result.timings is not None
        assert result.timings.latency_ms >= (result.timings.ttft_ms or 0)
    slow = [r for r in results if r.cell.model.name == "fake-a"]
    for result in slow:
        assert result.timings is not None and result.timings.ttft_ms is not None
        assert result.timings.ttft_ms >= 200
        if transport == "openai":  # litellm adds its own per-call set-up on a busy machine
            assert result.timings.ttft_ms < 1500
        decode_floor = (result.usage.output_tokens - 1) * 20  # type: ignore[union-attr]
        assert result.timings.decode_ms is not None
        assert result.timings.decode_ms >= decode_floor * 0.9
        assert result.output_tokens_per_s is not None
        assert result.output_tokens_per_s <= 1000 / 20 * 1.5
    deltas = "".join(e.text for e in outcome.of(CellDelta) if e.cell_index == results[0].cell.index)
    assert deltas == results[0].output


def test_unreported_usage_is_estimated_with_tiktoken(server: FakeOpenAIServer) -> None:
    server.behave("fake-a", Behaviour(report_usage=False))
    outcome = run(cells_for([ModelSpec("fake-a", api_base=server.base_url)]))
    (result,) = outcome.results
    assert result.usage is not None
    assert result.usage.source is TokensSource.ESTIMATED
    assert result.usage.output_tokens == tokens.count_text(result.output, "fake-a")
    assert result.usage.input_tokens == tokens.count_messages(result.cell.messages, "fake-a")


def test_max_tokens_truncates_with_length_finish(server: FakeOpenAIServer) -> None:
    model = ModelSpec("fake-a", api_base=server.base_url, params=ModelParams(max_tokens=3))
    (result,) = run(cells_for([model])).results
    assert result.finish_reason == "length"
    assert result.usage is not None and result.usage.output_tokens == 3
    assert server.requests()[0].body["max_tokens"] == 3


def test_rate_limit_waits_for_retry_after(server: FakeOpenAIServer) -> None:
    server.behave("fake-a", Behaviour(faults=[Fault.rate_limited("1")]))
    outcome = run(cells_for([ModelSpec("fake-a", api_base=server.base_url)]))
    (result,) = outcome.results
    assert result.ok and result.attempts == 2
    first, second = server.requests(model="fake-a")
    assert second.received_at - first.received_at >= 0.95
    (retrying,) = outcome.of(CellRetrying)
    assert retrying.error.type == "rate_limit" and retrying.delay_s == 1.0


def test_server_errors_are_retried_then_reported(server: FakeOpenAIServer) -> None:
    server.behave("fake-a", Behaviour(faults=[Fault.server_error(500)] * 2))
    server.behave("fake-b", Behaviour(faults=[Fault.server_error(503)] * 5))
    models = [ModelSpec(m, api_base=server.base_url) for m in ("fake-a", "fake-b")]
    ok, failed = run(cells_for(models), RunOptions(retry=FAST_RETRY)).results
    assert ok.ok and ok.attempts == 3
    assert not failed.ok and failed.attempts == 3
    assert failed.error is not None
    assert failed.error.type == "service_unavailable" and failed.error.retryable
    assert "HTTP 503" in failed.error.message
    assert server.request_count("fake-b") == 3


def test_stream_dropped_midway_is_retried_from_scratch(server: FakeOpenAIServer) -> None:
    server.behave("fake-a", Behaviour(faults=[Fault.drop(after_tokens=2)]))
    outcome = run(
        cells_for([ModelSpec("fake-a", api_base=server.base_url)]), RunOptions(retry=FAST_RETRY)
    )
    (result,) = outcome.results
    assert result.ok and result.attempts == 2
    assert result.output == server.reply_for("fake-a", _messages(result.cell.messages))
    (retrying,) = outcome.of(CellRetrying)
    assert retrying.error.type == "stream_interrupted"


def test_hung_server_times_out(server: FakeOpenAIServer) -> None:
    server.behave("fake-a", Behaviour(faults=[Fault.hang()] * 2))
    options = RunOptions(timeout_s=0.3, retry=RetryPolicy(max_attempts=2, base_delay_s=0.01))
    started = time.monotonic()
    (result,) = run(cells_for([ModelSpec("fake-a", api_base=server.base_url)]), options).results
    assert time.monotonic() - started < 3
    assert result.error is not None and result.error.type == "timeout"
    assert result.attempts == 2


def test_one_failing_cell_never_stops_the_others(server: FakeOpenAIServer) -> None:
    models = [
        ModelSpec("no-such-model", api_base=server.base_url),
        ModelSpec("fake-b", api_base=server.base_url),
        ModelSpec("down", api_base="http://127.0.0.1:9/v1"),
    ]
    missing, ok, down = run(cells_for(models), RunOptions(retry=FAST_RETRY)).results
    assert ok.ok
    assert missing.error is not None and missing.error.type == "not_found"
    assert missing.attempts == 1  # not retryable
    assert down.error is not None and down.error.type == "connection"
    assert "127.0.0.1:9" in down.error.message


def test_cancel_stops_every_cell_within_a_second(server: FakeOpenAIServer) -> None:
    server.behave("slow", Behaviour(ttft_s=30))
    cells = cells_for([ModelSpec("slow", api_base=server.base_url)], repeats=6)
    cancelled_at: list[float] = []

    def cancel_on_first_start(runner: Runner, event: object) -> None:
        if isinstance(event, CellStarted) and not cancelled_at:
            cancelled_at.append(time.monotonic())
            runner.cancel()

    outcome = run(cells, RunOptions(local_concurrency=3), on_event=cancel_on_first_start)
    assert len(outcome.results) == 6
    assert all(r.error is not None and r.error.type == "cancelled" for r in outcome.results)
    last = max(t for t, e in outcome.events if isinstance(e, CellFailed))
    assert last - cancelled_at[0] < 1.0


def test_local_endpoint_concurrency_is_limited(server: FakeOpenAIServer) -> None:
    server.behave("fake-a", Behaviour(ttft_s=0.05))
    cells = cells_for([ModelSpec("fake-a", api_base=server.base_url)], repeats=8)
    outcome = run(cells, RunOptions(concurrency=8, local_concurrency=2))
    in_flight = peak = 0
    for _, event in outcome.events:
        if isinstance(event, CellStarted):
            in_flight += 1
        elif hasattr(event, "result"):
            in_flight -= 1
        peak = max(peak, in_flight)
    assert peak == 2
    assert all(r.ok for r in outcome.results)


def test_missing_key_fails_before_any_call(server: FakeOpenAIServer) -> None:
    (result,) = run(cells_for([ModelSpec("openai/gpt-4o-mini")])).results
    assert result.error is not None and result.error.type == "missing_key"
    assert "workbench keys set openai" in result.error.message
    assert "OPENAI_API_KEY" in result.error.message
    assert result.attempts == 0


def test_keys_go_only_where_they_belong(server: FakeOpenAIServer) -> None:
    store = KeyringStore()
    store.set("corp", "sk-corp-secret-123")
    models = [
        ModelSpec("fake-a", api_base=server.base_url, api_key_name="corp"),
        ModelSpec("fake-b", api_base=server.base_url),
    ]
    run(cells_for(models), keys=store, environ={"OPENAI_API_KEY": "sk-openai-must-not-leak"})
    (named,) = server.requests(model="fake-a")
    (local,) = server.requests(model="fake-b")
    assert named.headers.get("authorization") == "Bearer sk-corp-secret-123"
    assert "authorization" not in local.headers


class _SlowToWarmClient:
    """A client whose set-up takes 0.5 s and whose answer is instant."""

    warmed = False

    async def warm(self) -> None:
        await asyncio.sleep(0.5)
        self.warmed = True

    async def aclose(self) -> None:
        return None

    async def stream(self, request: ChatRequest) -> AsyncIterator[StreamPiece]:
        assert self.warmed
        yield StreamPiece(text="hi", finish_reason="stop", input_tokens=3, output_tokens=1)


def test_client_set_up_is_outside_every_timed_region() -> None:
    """litellm's multi-second import must never count as time to first token."""
    client = _SlowToWarmClient()

    async def main() -> list[CellResult]:
        runner = Runner(RunOptions(), environ={}, clients={"openai": client})
        cells = cells_for([ModelSpec("m", api_base="http://127.0.0.1:9/v1")])
        return [e.result async for e in runner.run(cells) if isinstance(e, CellFinished)]

    (result,) = asyncio.run(main())
    assert result.timings is not None and result.timings.ttft_ms is not None
    assert result.timings.ttft_ms < 100
