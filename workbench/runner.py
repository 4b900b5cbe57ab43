"""The runner: executes a plan's cells concurrently and streams events about each.

One engine for every view: the command line, the store and the window all consume `Runner.run`.
Concurrency is bounded globally and per endpoint (a local server gets few slots, hosted APIs many);
retryable failures back off, honouring Retry-After; `cancel()` ends every cell within moments,
and so does a budget (`RunOptions.budget_usd`) once the cells that ended have cost that much.
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass, field

from workbench import pricing, tokens
from workbench.domain import (
    Cell,
    CellResult,
    Cost,
    CostSource,
    Message,
    ModelParams,
    ModelSpec,
    ServerTimings,
    Timings,
    TokensSource,
    Usage,
)
from workbench.errors import ErrorKind, ProviderError, UsageError
from workbench.events import (
    CellDelta,
    CellFailed,
    CellFinished,
    CellRetrying,
    CellStarted,
    ModelWarmed,
    RunEvent,
)
from workbench.key_requirements import check_route
from workbench.offline_guard import OfflinePolicy
from workbench.providers.base import ChatClient, ChatRequest
from workbench.providers.ollama_native import OllamaNativeClient
from workbench.providers.openai_compat import OpenAICompatClient
from workbench.providers.routing import Route, route
from workbench.retry import RetryPolicy
from workbench.secrets import KeyStore

Emit = Callable[[RunEvent], None]
_NO_KEY_NEEDED = "sk-no-key-required"  # the OpenAI SDK under litellm insists on some key
# The warm-up's prompt: tiny, neutral, and no cell's (see Runner._warm_up).
WARM_UP_MESSAGES = (Message("user", "Reply with one word: ready"),)


@dataclass(frozen=True, slots=True)
class RunOptions:
    """How a run goes. `budget_usd`: see `Runner.spent_usd` for what counts toward it."""

    concurrency: int = 8
    local_concurrency: int = 1  # one call at a time: parallel calls would share one GPU's speed
    hosted_concurrency: int = 16
    timeout_s: float = 60.0
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    endpoint_limits: Mapping[str, int] = field(default_factory=dict)
    budget_usd: float | None = None  # None: no budget
    offline: OfflinePolicy | None = None  # None: any host; else refused routes never send
    warm_up: bool = False  # one untimed call per local model before any cell (Runner._warm_up)

    def __post_init__(self) -> None:
        if self.budget_usd is not None and not self.budget_usd > 0:
            raise UsageError(f"a run's budget must be more than $0 (got {self.budget_usd})")


@dataclass(frozen=True, slots=True)
class _Prepared:
    route: Route
    api_key: str | None
    key_error: ProviderError | None  # or an offline refusal: the cells fail before any call


class Runner:
    """Runs cells; create one per event loop and close it when done."""

    def __init__(
        self,
        options: RunOptions | None = None,
        *,
        keys: KeyStore | None = None,
        environ: Mapping[str, str] | None = None,
        clients: Mapping[str, ChatClient] | None = None,
    ) -> None:
        self.options = options or RunOptions()
        self._keys = keys
        self._environ = environ
        self._clients: dict[str, ChatClient] = dict(clients or {})
        self._tasks: list[asyncio.Task[None]] = []
        self._spent_usd = 0.0
        # Why open cells end once the run is stopped: cancel() or the budget, whichever came first.
        self._stop_error: ProviderError | None = None

    @property
    def spent_usd(self) -> float:
        """What the ended cells of the current (or last) run cost, in USD.

        Only known costs count: a cell whose price is unknown adds nothing, so a budget cannot stop
        a run of models with no price. A cell cancelled mid-stream adds nothing either, though its
        provider may bill the tokens it produced: a budget stops a run, it is not a hard cap.
        """
        return self._spent_usd

    def _client(self, transport: str) -> ChatClient:
        client = self._clients.get(transport)
        if client is None:
            if transport == "openai":
                client = OpenAICompatClient()
            elif transport == "ollama":
                client = OllamaNativeClient()
            else:
                from workbench.providers.litellm_provider import LiteLLMClient  # noqa: PLC0415

                client = LiteLLMClient()
            self._clients[transport] = client
        return client

    async def aclose(self) -> None:
        for client in self._clients.values():
            await client.aclose()

    def cancel(self) -> None:
        """Stop every cell: each still open ends with CellFailed (cancelled). Call on the loop."""
        self._stop(ProviderError(ErrorKind.CANCELLED))

    def _stop(self, reason: ProviderError) -> None:
        """Cancel every open cell; each ends with CellFailed carrying the first stop's reason."""
        if self._stop_error is None:
            self._stop_error = reason
        current = asyncio.current_task()
        for task in self._tasks:
            if task is not current:  # the cell whose end crossed the budget has already ended
                task.cancel()

    def _apply_early_stop(self) -> None:
        """A cancel() while the clients warmed up had no tasks to cancel yet: cancel them now."""
        if self._stop_error is not None:
            self._stop(self._stop_error)

    def _stopped_failure(self, cell: Cell, attempts: int) -> CellResult:
        return _failure(cell, self._stop_error or ProviderError(ErrorKind.CANCELLED), attempts)

    def _count_cost(self, result: CellResult) -> None:
        if result.cost.usd is None:
            return
        self._spent_usd += result.cost.usd
        budget = self.options.budget_usd
        if budget is not None and self._spent_usd >= budget:
            spent = f"{_dollars(self._spent_usd)} spent of {_dollars(budget)}"
            self._stop(ProviderError(ErrorKind.BUDGET, spent))

    async def run(self, cells: Sequence[Cell]) -> AsyncIterator[RunEvent]:
        """Run `cells`, yielding events as they happen, until every cell has finished or failed."""
        queue: asyncio.Queue[RunEvent] = asyncio.Queue()
        self._spent_usd = 0.0
        self._stop_error = None
        prepared = self._prepare({cell.model for cell in cells})
        overall = asyncio.Semaphore(max(1, self.options.concurrency))
        endpoints: dict[str, asyncio.Semaphore] = {}
        for item in prepared.values():
            if item.route.endpoint not in endpoints:
                endpoints[item.route.endpoint] = asyncio.Semaphore(self._endpoint_limit(item.route))
        in_use = {item.route.transport for item in prepared.values() if item.key_error is None}
        for transport in sorted(in_use):
            await self._client(transport).warm()
        if self.options.warm_up:
            async for warmed in self._warm_up(cells, prepared):
                yield warmed
        ended: set[int] = set()

        def emit(event: RunEvent) -> None:
            if isinstance(event, CellFinished | CellFailed):
                if event.result.cell.index in ended:
                    return
                ended.add(event.result.cell.index)
                queue.put_nowait(event)
                self._count_cost(event.result)  # after the put: this cell ends before the stop
                return
            queue.put_nowait(event)

        def on_done(cell: Cell, _task: asyncio.Task[None]) -> None:
            # A task cancelled before it first ran never reached its own handler: end it here.
            emit(CellFailed(self._stopped_failure(cell, 0)))

        self._tasks = []
        for cell in cells:
            task = asyncio.create_task(
                self._run_cell(cell, prepared[cell.model], overall, endpoints, emit)
            )
            task.add_done_callback(functools.partial(on_done, cell))
            self._tasks.append(task)
        self._apply_early_stop()
        remaining = len(cells)
        try:
            while remaining:
                event = await queue.get()
                if isinstance(event, CellFinished | CellFailed):
                    remaining -= 1
                yield event
        finally:
            for task in self._tasks:
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
            self._tasks = []

    async def _warm_up(
        self, cells: Sequence[Cell], prepared: Mapping[ModelSpec, _Prepared]
    ) -> AsyncIterator[ModelWarmed]:
        """One untimed call per local model, one model at a time, before any cell starts.

        The first call to a local server pays for loading the model and filling caches; timed, it
        would make whichever model ran first look slow. The prompt is a neutral one of its own,
        never a cell's: that would fill the server's prefix cache and flatter that cell's prefill.
        A failed warm-up is reported and the run goes on; its cells meet the fault themselves.
        """
        seen: set[tuple[str, str | None, str]] = set()
        for model in dict.fromkeys(cell.model for cell in cells):  # in plan order
            item = prepared[model]
            target = item.route
            server_model = (target.transport, target.api_base, target.wire_model)
            if not target.local or item.key_error is not None or server_model in seen:
                continue
            seen.add(server_model)
            if self._stop_error is not None:
                return
            request = ChatRequest(
                model=target.wire_model,
                messages=WARM_UP_MESSAGES,
                params=ModelParams(max_tokens=1),
                api_base=target.api_base,
                api_key=item.api_key,
                timeout_s=self.options.timeout_s,
            )
            yield await self._warm_one(model, self._client(target.transport), request)

    async def _warm_one(
        self, model: ModelSpec, client: ChatClient, request: ChatRequest
    ) -> ModelWarmed:
        started = time.monotonic()
        task = asyncio.create_task(_drain(client, request))
        self._tasks = [task]  # so that cancel() and a budget stop reach the warm-up too
        try:
            await asyncio.wait([task])
        finally:
            if not task.done():  # the consumer stopped listening mid-warm-up
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
            self._tasks = []
        elapsed_ms = (time.monotonic() - started) * 1000
        if task.cancelled():
            stopped = self._stop_error or ProviderError(ErrorKind.CANCELLED)
            return ModelWarmed(model, elapsed_ms, stopped.as_cell_error())
        error = task.exception()
        if error is None:
            return ModelWarmed(model, elapsed_ms, None)
        if not isinstance(error, ProviderError):
            raise error  # a bug, not a fault of the server: let it reach the crash report
        return ModelWarmed(model, elapsed_ms, error.as_cell_error())

    def _endpoint_limit(self, target: Route) -> int:
        explicit = self.options.endpoint_limits.get(target.endpoint)
        if explicit is not None:
            return max(1, explicit)
        limit = self.options.local_concurrency if target.local else self.options.hosted_concurrency
        return max(1, limit)

    def _prepare(self, models: set[ModelSpec]) -> dict[ModelSpec, _Prepared]:
        """Route each model and find its key once: a missing key or offline refusal fails early."""
        prepared: dict[ModelSpec, _Prepared] = {}
        for model in models:
            target = route(model)
            check = check_route(target, self._keys, self._environ)
            key = check.key
            error: ProviderError | None = None
            if check.missing:
                error = ProviderError(
                    ErrorKind.MISSING_KEY,
                    f"set one with `workbench keys set {check.provider}` "
                    f"or the {check.env_var} environment variable",
                )
            if self.options.offline is not None:
                # Offline first: the reason nothing is sent, whether a key is set or not.
                error = self.options.offline.refusal(_destination(target), model.name) or error
            if key is None and target.transport == "litellm" and target.local:
                key = _NO_KEY_NEEDED
            prepared[model] = _Prepared(target, key, error)
        return prepared

    async def _run_cell(
        self,
        cell: Cell,
        prepared: _Prepared,
        overall: asyncio.Semaphore,
        endpoints: Mapping[str, asyncio.Semaphore],
        emit: Emit,
    ) -> None:
        attempts = 0
        try:
            if prepared.key_error is not None:
                emit(CellFailed(_failure(cell, prepared.key_error, attempts)))
                return
            request = ChatRequest(
                model=prepared.route.wire_model,
                messages=cell.messages,
                params=cell.params,
                api_base=prepared.route.api_base,
                api_key=prepared.api_key,
                timeout_s=self.options.timeout_s,
            )
            client = self._client(prepared.route.transport)
            # The endpoint slot first: waiting for a busy local server must not hold a global slot.
            async with endpoints[prepared.route.endpoint], overall:
                while True:
                    attempts += 1
                    try:
                        result = await self._attempt(cell, client, request, attempts, emit)
                    except ProviderError as error:
                        policy = self.options.retry
                        if not policy.should_retry(error, attempts):
                            emit(CellFailed(_failure(cell, error, attempts)))
                            return
                        delay = policy.delay_s(error, attempts)
                        emit(CellRetrying(cell.index, attempts + 1, error.as_cell_error(), delay))
                        await asyncio.sleep(delay)
                        continue
                    emit(CellFinished(result))
                    return
        except asyncio.CancelledError:
            emit(CellFailed(self._stopped_failure(cell, attempts)))
            raise

    async def _attempt(
        self, cell: Cell, client: ChatClient, request: ChatRequest, attempt: int, emit: Emit
    ) -> CellResult:
        emit(CellStarted(cell, attempt))
        clock = time.monotonic
        parts: list[str] = []
        finish_reason: str | None = None
        input_tokens: int | None = None
        output_tokens: int | None = None
        server: ServerTimings | None = None
        load_ms: float | None = None
        first: float | None = None
        sent = clock()
        async for piece in client.stream(request):
            if piece.text:
                if first is None:
                    first = clock()
                parts.append(piece.text)
                emit(CellDelta(cell.index, piece.text))
            if piece.finish_reason is not None:
                finish_reason = piece.finish_reason
            if piece.output_tokens is not None:
                input_tokens, output_tokens = piece.input_tokens, piece.output_tokens
            if piece.server_timings is not None:
                server = piece.server_timings
            if piece.load_ms is not None:
                load_ms = piece.load_ms
        last = clock()
        output = "".join(parts)
        if output_tokens is not None:
            usage = Usage(input_tokens or 0, output_tokens, TokensSource.REPORTED)
        else:
            if not tokens.is_loaded(cell.model.name):
                await asyncio.to_thread(tokens.warm, cell.model.name)  # a first load takes ~0.2 s
            usage = Usage(
                tokens.count_messages(cell.messages, cell.model.name),
                tokens.count_text(output, cell.model.name),
                TokensSource.ESTIMATED,
            )
        ttft_ms = (first - sent) * 1000 if first is not None else None
        if ttft_ms is not None and load_ms is not None:
            # The server loaded the model before its first token: that is load time, shown
            # apart, not time to first token (a cold model would otherwise look slow to answer).
            ttft_ms = max(0.0, ttft_ms - load_ms)
        timings = Timings(
            ttft_ms=ttft_ms,
            latency_ms=(last - sent) * 1000,
            decode_ms=(last - first) * 1000 if first is not None else None,
            load_ms=load_ms,
            server=server,
        )
        return CellResult(
            cell=cell,
            output=output,
            finish_reason=finish_reason,
            usage=usage,
            cost=pricing.cost_of(
                cell.model, usage.input_tokens, usage.output_tokens, timings.latency_ms
            ),
            timings=timings,
            attempts=attempt,
        )


def _destination(target: Route) -> str | None:
    """Where a route's calls go, for offline mode; None is a hosted provider's default URL."""
    if target.api_base is not None:
        return target.api_base
    # No base: litellm picks the provider's default (the lean clients always route to a base).
    return "http://localhost" if target.local else None  # e.g. ollama/ through litellm


async def _drain(client: ChatClient, request: ChatRequest) -> None:
    async for _ in client.stream(request):
        pass


def _dollars(usd: float) -> str:
    """$0.0123, $5: enough digits for a cent's fraction, no trailing zeros."""
    return "$" + f"{usd:.6f}".rstrip("0").rstrip(".")


def _failure(cell: Cell, error: ProviderError, attempts: int) -> CellResult:
    return CellResult(
        cell=cell,
        output="",
        finish_reason=None,
        usage=None,
        cost=Cost(None, CostSource.UNKNOWN),
        timings=None,
        attempts=attempts,
        error=error.as_cell_error(),
    )
