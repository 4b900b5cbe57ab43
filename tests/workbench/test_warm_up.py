"""`RunOptions.warm_up`: one untimed call per local model before any cell, and only that."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.support.fake_openai import OLLAMA_CHAT_PATH, Behaviour, FakeOpenAIServer, Fault
from tests.workbench.runs import cells_for, run
from workbench.cli.main import main
from workbench.domain import ModelSpec
from workbench.events import CellFailed, CellFinished, CellStarted, ModelWarmed, RunEvent
from workbench.providers.base import ChatRequest, StreamPiece
from workbench.retry import RetryPolicy
from workbench.runner import WARM_UP_MESSAGES, Runner, RunOptions

WARM = RunOptions(warm_up=True, retry=RetryPolicy(max_attempts=1))


def _kinds(events: list[RunEvent]) -> list[str]:
    return [type(e).__name__ for e in events]


def test_each_local_model_is_warmed_once_before_any_cell(server: FakeOpenAIServer) -> None:
    models = [
        ModelSpec("fake-a", api_base=server.base_url),
        ModelSpec("fake-b", api_base=server.base_url),
    ]
    cells = cells_for(models, repeats=2)
    outcome = run(cells, WARM)
    events = [e for _, e in outcome.events]
    assert _kinds(events)[:2] == ["ModelWarmed", "ModelWarmed"]
    assert not any(isinstance(e, ModelWarmed) for e in events[2:])
    warmed = outcome.of(ModelWarmed)
    assert [w.model for w in warmed] == models  # in plan order, one model at a time
    assert all(w.error is None and w.elapsed_ms > 0 for w in warmed)
    assert all(r.ok for r in outcome.results)
    sent = sorted(server.requests(), key=lambda r: r.received_at)
    assert len(sent) == len(cells) + 2
    warm_ups, cell_calls = sent[:2], sent[2:]
    assert [r.model for r in warm_ups] == ["fake-a", "fake-b"]
    cell_messages = [[m.as_dict() for m in cell.messages] for cell in cells]
    for request in warm_ups:
        assert request.body["max_tokens"] == 1
        assert request.body["messages"] == [m.as_dict() for m in WARM_UP_MESSAGES]
        assert request.body["messages"] not in cell_messages
    assert all(r.body["messages"] in cell_messages for r in cell_calls)
    assert all("max_tokens" not in r.body for r in cell_calls)


def test_no_warm_up_unless_asked(server: FakeOpenAIServer) -> None:
    cells = cells_for([ModelSpec("fake-a", api_base=server.base_url)])
    outcome = run(cells, RunOptions())
    assert outcome.of(ModelWarmed) == []
    assert server.request_count() == 1


def test_an_ollama_model_is_warmed_through_its_native_api() -> None:
    with FakeOpenAIServer(models=("llama3",), ollama=True) as server:
        outcome = run(cells_for([ModelSpec("ollama/llama3", api_base=server.root_url)]), WARM)
        (warm_up, cell_call) = sorted(
            server.requests(OLLAMA_CHAT_PATH), key=lambda r: r.received_at
        )
    assert _kinds([e for _, e in outcome.events])[0] == "ModelWarmed"
    assert warm_up.body["options"] == {"num_predict": 1}
    assert warm_up.body["messages"] == [{"role": "user", "content": "Reply with one word: ready"}]
    assert "options" not in cell_call.body
    (result,) = outcome.results
    assert result.ok


def test_two_specs_of_one_server_model_are_warmed_once(server: FakeOpenAIServer) -> None:
    cold = ModelSpec("fake-a", api_base=server.base_url)
    hot = ModelSpec("fake-a", api_base=server.base_url, hourly_usd=1.0)  # another column
    outcome = run(cells_for([cold, hot]), WARM)
    assert [w.model for w in outcome.of(ModelWarmed)] == [cold]
    assert server.request_count() == 3


class _HostedClient:
    """Stands in for a hosted API (no network in tests): answers at once, keeps each request."""

    def __init__(self) -> None:
        self.requests: list[ChatRequest] = []

    async def warm(self) -> None:
        return None

    async def aclose(self) -> None:
        return None

    async def stream(self, request: ChatRequest) -> AsyncIterator[StreamPiece]:
        self.requests.append(request)
        yield StreamPiece(text="hi", finish_reason="stop", input_tokens=3, output_tokens=1)


def test_hosted_models_are_not_warmed() -> None:
    hosted = _HostedClient()

    async def main_() -> list[RunEvent]:
        runner = Runner(WARM, environ={"OPENAI_API_KEY": "sk-test"}, clients={"openai": hosted})
        with FakeOpenAIServer(models=("llama3",), ollama=True) as server:
            models = [
                ModelSpec("gpt-4o-mini"),
                ModelSpec("ollama/llama3", api_base=server.root_url),
            ]
            try:
                events = [e async for e in runner.run(cells_for(models))]
            finally:
                await runner.aclose()
            assert len(server.requests(OLLAMA_CHAT_PATH)) == 2  # warm-up and cell
        return events

    events = asyncio.run(main_())
    warmed = [e for e in events if isinstance(e, ModelWarmed)]
    assert [w.model.name for w in warmed] == ["ollama/llama3"]
    assert len(hosted.requests) == 1  # the cell only
    assert hosted.requests[0].params.max_tokens is None
    assert sum(isinstance(e, CellFinished) for e in events) == 2


def test_a_failed_warm_up_does_not_fail_the_run(server: FakeOpenAIServer) -> None:
    server.behave("fake-a", Behaviour(faults=[Fault.server_error(500)]))
    outcome = run(cells_for([ModelSpec("fake-a", api_base=server.base_url)], repeats=2), WARM)
    (warmed,) = outcome.of(ModelWarmed)
    assert warmed.error is not None
    assert warmed.error.type == "server_error"
    assert all(r.ok for r in outcome.results)  # one attempt each: the fault went to the warm-up
    assert server.request_count() == 3


def test_an_unreachable_server_fails_its_warm_up_and_its_cells() -> None:
    with FakeOpenAIServer(models=("fake-a",)) as server:
        base = server.base_url  # stopped on leaving the block: nothing listens there now
    outcome = run(cells_for([ModelSpec("fake-a", api_base=base)]), WARM)
    (warmed,) = outcome.of(ModelWarmed)
    assert warmed.error is not None and warmed.error.type == "connection"
    (result,) = outcome.results
    assert result.error is not None and result.error.type == "connection"


def test_cancel_during_the_warm_up_ends_every_cell(server: FakeOpenAIServer) -> None:
    server.behave("fake-a", Behaviour(faults=[Fault.hang()]))

    async def main_() -> list[RunEvent]:
        runner = Runner(WARM, environ={})

        async def cancel_once_the_warm_up_arrived() -> None:
            while server.request_count() == 0:
                await asyncio.sleep(0.01)
            runner.cancel()

        canceller = asyncio.create_task(cancel_once_the_warm_up_arrived())
        cells = cells_for([ModelSpec("fake-a", api_base=server.base_url)], repeats=2)
        try:
            return [e async for e in runner.run(cells)]
        finally:
            await canceller
            await runner.aclose()

    events = asyncio.run(main_())
    assert _kinds(events) == ["ModelWarmed", "CellFailed", "CellFailed"]
    warmed = events[0]
    assert isinstance(warmed, ModelWarmed)
    assert warmed.error is not None and warmed.error.type == "cancelled"
    errors = [e.result.error for e in events if isinstance(e, CellFailed)]
    assert [e.type if e is not None else None for e in errors] == ["cancelled", "cancelled"]
    assert not any(isinstance(e, CellStarted) for e in events)
    assert server.request_count() == 1


def test_cli_run_warms_up_and_says_so(
    server: FakeOpenAIServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    server.behave("fake-a", Behaviour(faults=[Fault.server_error(503)]))
    args = ["run", "--prompt", "Hi", "--api-base", server.base_url, "--no-store", "--warm-up"]
    code = main([*args, "--model", "fake-a", "--model", "fake-b", "--retries", "0"])
    err = capsys.readouterr().err
    assert code == 0
    lines = [line for line in err.splitlines() if "warm" in line]
    assert len(lines) == 2
    assert lines[0].startswith("warm-up of fake-a failed after ")
    assert " ms: the provider is overloaded or down (HTTP 503)" in lines[0]
    assert lines[1].startswith("warmed up fake-b: ")
    assert lines[1].endswith(" ms")
    assert server.request_count() == 4  # two warm-ups, two cells
