"""A run's budget: once ended cells have cost that much, open cells end and nothing more is sent."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import AsyncIterator

import pytest

from tests.support.fake_openai import Behaviour, FakeOpenAIServer
from tests.workbench.runs import PROMPT, Outcome, cells_for, run
from workbench.domain import CostSource, ModelSpec, UserPrice
from workbench.errors import ErrorKind, UsageError
from workbench.events import CellFailed, CellFinished, CellStarted, RunEvent
from workbench.plan import build_plan
from workbench.providers.base import ChatRequest, StreamPiece
from workbench.runner import Runner, RunOptions

# The fake server answers "one two three four" in 4 tokens; at $250,000 per million output
# tokens (and nothing for input) every answer costs 4 x 0.25 = $1.00 exactly.
FOUR_TOKENS = Behaviour(reply="one two three four")
DOLLAR_AN_ANSWER = UserPrice(input_per_mtok=0.0, output_per_mtok=250_000.0)


class _Watch:
    """Keeps the runner and the server's request count when the first budget failure arrives."""

    def __init__(self, server: FakeOpenAIServer) -> None:
        self.server = server
        self.runner: Runner | None = None
        self.requests_at_stop: int | None = None

    def __call__(self, runner: Runner, event: RunEvent) -> None:
        self.runner = runner
        if (
            isinstance(event, CellFailed)
            and event.result.error is not None
            and event.result.error.type == "budget_reached"
            and self.requests_at_stop is None
        ):
            self.requests_at_stop = self.server.request_count()


def _ended_once_each(outcome: Outcome, count: int) -> None:
    ended = Counter(
        e.result.cell.index for _, e in outcome.events if isinstance(e, CellFinished | CellFailed)
    )
    assert sorted(ended) == list(range(count))
    assert set(ended.values()) == {1}


def test_budget_stops_the_run_after_the_cells_that_reach_it(server: FakeOpenAIServer) -> None:
    server.behave("fake-a", FOUR_TOKENS)
    model = ModelSpec("fake-a", api_base=server.base_url, price=DOLLAR_AN_ANSWER)
    watch = _Watch(server)
    # One call at a time, so exactly three $1 answers end before the $3 budget stops the run.
    options = RunOptions(local_concurrency=1, budget_usd=3.0)
    outcome = run(cells_for([model], repeats=10), options, on_event=watch)

    _ended_once_each(outcome, 10)
    finished = [r for r in outcome.results if r.ok]
    failed = [r for r in outcome.results if not r.ok]
    assert len(finished) == 3
    assert all(r.cost.source is CostSource.USER and r.cost.usd == 1.0 for r in finished)
    assert len(failed) == 7
    for result in failed:
        assert result.error is not None
        assert result.error.type == "budget_reached"
        assert result.error.message == "the run's budget was reached: $3 spent of $3"
        assert not result.error.retryable
        assert result.attempts == 0
    assert watch.runner is not None and watch.runner.spent_usd == 3.0
    assert watch.requests_at_stop == 3
    assert server.request_count() == 3


def test_streaming_cells_end_as_budget_reached_not_cancelled(server: FakeOpenAIServer) -> None:
    server.behave("slow", Behaviour(ttft_s=30))
    server.behave("fake-a", Behaviour(reply="one two", ttft_s=0.2))  # $2 at $1 a token
    models = [
        ModelSpec("slow", api_base=server.base_url),
        ModelSpec("fake-a", api_base=server.base_url, price=UserPrice(0.0, 1_000_000.0)),
        ModelSpec("fake-b", api_base=server.base_url),  # waits: the endpoint has two slots
    ]
    watch = _Watch(server)
    started = time.monotonic()
    options = RunOptions(local_concurrency=2, budget_usd=2.0)
    outcome = run(cells_for(models), options, on_event=watch)

    assert time.monotonic() - started < 5  # the slow answer (30 s) was not waited for
    _ended_once_each(outcome, 3)
    slow, paid, waiting = outcome.results
    assert paid.ok and paid.cost.usd == 2.0
    assert slow.error is not None and slow.error.type == "budget_reached"
    assert slow.attempts == 1  # it was streaming when the budget was reached
    assert [e.cell.index for e in outcome.of(CellStarted)].count(slow.cell.index) == 1
    assert waiting.error is not None and waiting.error.type == "budget_reached"
    assert waiting.attempts == 0
    assert server.request_count("fake-b") == 0
    assert server.request_count() == watch.requests_at_stop == 2


class _AnswersTwoTokens:
    """A provider at a hosted address (nothing is sent anywhere): every answer is two tokens."""

    async def warm(self) -> None:
        return None

    async def aclose(self) -> None:
        return None

    async def stream(self, request: ChatRequest) -> AsyncIterator[StreamPiece]:
        yield StreamPiece(text="ok ok", finish_reason="stop", input_tokens=5, output_tokens=2)


def test_cells_of_unknown_cost_do_not_count() -> None:
    hosted = "https://models.example/v1"
    priced = ModelSpec("priced", api_base=hosted, price=UserPrice(0.0, 250_000.0))  # $0.50
    unpriced = ModelSpec("unpriced-model-xyz", api_base=hosted)
    cells = build_plan([PROMPT], [priced, unpriced], [{"who": "Ada"}], repeats=3)

    async def main() -> tuple[list[CellFinished | CellFailed], float]:
        client = _AnswersTwoTokens()
        runner = Runner(RunOptions(budget_usd=2.0), environ={}, clients={"openai": client})
        ended = [e async for e in runner.run(cells) if isinstance(e, CellFinished | CellFailed)]
        await runner.aclose()
        return ended, runner.spent_usd

    ended, spent = asyncio.run(main())
    assert len(ended) == 6
    assert all(isinstance(e, CellFinished) for e in ended)
    unknown = [e.result for e in ended if e.result.cell.model == unpriced]
    assert len(unknown) == 3
    assert all(r.cost.usd is None and r.cost.source is CostSource.UNKNOWN for r in unknown)
    assert spent == 1.5  # three priced answers at $0.50; the unpriced ones add nothing


@pytest.mark.parametrize("budget", [0.0, -1.0])
def test_a_budget_must_be_more_than_nothing(budget: float) -> None:
    with pytest.raises(UsageError, match=r"more than \$0"):
        RunOptions(budget_usd=budget)


def test_budget_reached_is_its_own_error_kind() -> None:
    assert ErrorKind.BUDGET.code == "budget_reached"
    assert not ErrorKind.BUDGET.retryable
    assert ErrorKind.BUDGET.summary == "the run's budget was reached"


class _SlowToWarm(_AnswersTwoTokens):
    """Warming up takes 0.3 s, as litellm's import does (longer); answering is counted."""

    def __init__(self) -> None:
        self.streams = 0

    async def warm(self) -> None:
        await asyncio.sleep(0.3)

    async def stream(self, request: ChatRequest) -> AsyncIterator[StreamPiece]:
        self.streams += 1
        async for piece in super().stream(request):
            yield piece


def test_a_stop_while_clients_warm_up_still_ends_every_cell_unsent() -> None:
    client = _SlowToWarm()
    cells = cells_for([ModelSpec("m", api_base="https://models.example/v1")], repeats=3)

    async def main() -> list[CellFinished | CellFailed]:
        runner = Runner(RunOptions(), environ={}, clients={"openai": client})
        asyncio.get_running_loop().call_later(0.1, runner.cancel)
        ended = [e async for e in runner.run(cells) if isinstance(e, CellFinished | CellFailed)]
        await runner.aclose()
        return ended

    ended = asyncio.run(main())
    assert sorted(e.result.cell.index for e in ended) == [0, 1, 2]
    assert all(e.result.error is not None and e.result.error.type == "cancelled" for e in ended)
    assert client.streams == 0
