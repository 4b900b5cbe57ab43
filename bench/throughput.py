"""Client-side throughput of streaming chat calls: the workbench runner against bare clients.

What it measures: N streaming chat-completion calls of 64 tokens each, at concurrency C, against a
local OpenAI-compatible server that answers at once, made four ways in one run:

1. `runner`  - the project's `workbench.runner.Runner` (plan cells -> events, via its lean client);
2. `aiohttp` - a bare aiohttp client: one session, `TCPConnector(limit=0)`, a semaphore, SSE read
   with `resp.content.iter_any()`, every `data:` payload `json.loads`-ed, deltas concatenated;
3. `httpx`   - a bare httpx client: `AsyncClient` with `max_connections=C`, `client.stream(...)`,
   `aiter_lines()`, every payload `json.loads`-ed;
4. `litellm` - `litellm.acompletion(..., stream=True)`, iterating the chunks. It is tens of times
   slower, so it makes fewer calls (`--litellm-calls`); its figures are per call, so the ratios
   still compare like with like.

For each it prints calls per second (calls / wall time) and client CPU per call (the
`time.process_time()` delta of this process / calls), plus ratios. The server runs in a separate
process (this script with `--serve`): a raw `asyncio.Protocol` HTTP/1.1 server with keep-alive that
writes one precomputed SSE response (role chunk, 64 content chunks, finish chunk, usage chunk,
`[DONE]`) with a Content-Length, so it costs little and is not counted in the client's CPU. Its own
CPU use is shown as "srv CPU %" to show it was not the bottleneck; "cli CPU %" is this process's
CPU over the wall time: well under 100 % means the client was not CPU-bound (something else on the
machine took the core, or the server lagged), so trust CPU ms/call over calls/s then. Each client
is warmed up with a few calls, then timed in a fresh `asyncio.run`. Every call's text is checked
(64 tokens received).

Run it from the repository root:

    .venv/bin/python bench/throughput.py
    .venv/bin/python bench/throughput.py --calls 5000 --concurrency 16 --only runner,aiohttp

It prints figures only; nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import httpx

MODEL = "bench-model"
TOKEN = " tok"
METHODS = ("runner", "aiohttp", "httpx", "litellm")
PROMPT_TEXT = "Say something"

# --- the server (child process) ----------------------------------------------------------------


def sse_body(tokens: int) -> bytes:
    """The whole SSE stream of one answer, as an OpenAI-compatible server would send it."""

    def event(payload: dict[str, Any]) -> bytes:
        return b"data: " + json.dumps(payload, separators=(",", ":")).encode() + b"\n\n"

    head: dict[str, Any] = {
        "id": "c",
        "object": "chat.completion.chunk",
        "created": 0,
        "model": MODEL,
    }

    def chunk(delta: dict[str, str], finish_reason: str | None) -> dict[str, Any]:
        choice = {"index": 0, "delta": delta, "finish_reason": finish_reason}
        return {**head, "choices": [choice]}

    usage = {"prompt_tokens": 10, "completion_tokens": tokens, "total_tokens": 10 + tokens}
    parts = [event(chunk({"role": "assistant", "content": ""}, None))]
    parts += [event(chunk({"content": TOKEN}, None))] * tokens
    parts.append(event(chunk({}, "stop")))
    parts.append(event({**head, "choices": [], "usage": usage}))
    parts.append(b"data: [DONE]\n\n")
    return b"".join(parts)


def _http_response(status: str, content_type: str, body: bytes) -> bytes:
    head = (
        f"HTTP/1.1 {status}\r\n"
        f"Content-Type: {content_type}\r\n"
        f"Content-Length: {len(body)}\r\n"
        "Cache-Control: no-cache\r\n"
        "\r\n"
    )
    return head.encode("latin-1") + body


@dataclass(frozen=True, slots=True)
class _Responses:
    chat: bytes
    models: bytes
    not_found: bytes
    length_required: bytes


def _responses(tokens: int) -> _Responses:
    models = {
        "object": "list",
        "data": [{"id": MODEL, "object": "model", "created": 0, "owned_by": "bench"}],
    }
    return _Responses(
        chat=_http_response("200 OK", "text/event-stream", sse_body(tokens)),
        models=_http_response("200 OK", "application/json", json.dumps(models).encode()),
        not_found=_http_response("404 Not Found", "text/plain", b"not found"),
        length_required=_http_response("411 Length Required", "text/plain", b"no chunked bodies"),
    )


class _ServerProtocol(asyncio.Protocol):
    """HTTP/1.1 with keep-alive: parse the head, skip Content-Length bytes of body, answer."""

    _MAX_HEAD = 64 * 1024

    def __init__(self, responses: _Responses) -> None:
        self._responses = responses
        self._transport: asyncio.Transport | None = None
        self._buffer = bytearray()
        self._body_left = 0
        self._pending: tuple[bytes, bool] | None = None  # the answer once the body is in, close?

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport

    def connection_lost(self, exc: Exception | None) -> None:
        self._transport = None

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        transport = self._transport
        while transport is not None:
            if self._pending is not None:
                if len(self._buffer) < self._body_left:
                    return
                del self._buffer[: self._body_left]
                response, close = self._pending
                self._pending = None
                transport.write(response)
                if close:
                    transport.close()
                    return
                continue
            end = self._buffer.find(b"\r\n\r\n")
            if end < 0:
                if len(self._buffer) > self._MAX_HEAD:
                    transport.close()
                return
            head = bytes(self._buffer[:end]).decode("latin-1")
            del self._buffer[: end + 4]
            self._pending, self._body_left = self._answer(head)

    def _answer(self, head: str) -> tuple[tuple[bytes, bool], int]:
        request_line, *header_lines = head.split("\r\n")
        method, _, rest = request_line.partition(" ")
        target, _, version = rest.partition(" ")
        length = 0
        close = version.strip() == "HTTP/1.0"
        for line in header_lines:
            name, _, value = line.partition(":")
            name = name.strip().lower()
            if name == "content-length":
                length = int(value)
            elif name == "connection":
                close = value.strip().lower() == "close"
            elif name == "transfer-encoding":
                return (self._responses.length_required, True), 0
        path = target.split("?", 1)[0]
        if method == "POST" and path.endswith("/chat/completions"):
            response = self._responses.chat
        elif method == "GET" and path.endswith("/models"):
            response = self._responses.models
        elif method == "GET" and path == "/cpu":  # the server's own CPU seconds, for the report
            body = repr(time.process_time()).encode()
            response = _http_response("200 OK", "text/plain", body)
        else:
            response = self._responses.not_found
        return (response, close), length


def serve(tokens: int) -> None:
    """Serve until stdin closes (the parent exits) or the process is terminated."""

    async def main() -> None:
        loop = asyncio.get_running_loop()
        responses = _responses(tokens)
        server = await loop.create_server(
            lambda: _ServerProtocol(responses), "127.0.0.1", 0, backlog=4096
        )
        port = server.sockets[0].getsockname()[1]
        stop = asyncio.Event()

        def watch_stdin() -> None:
            sys.stdin.buffer.read()
            loop.call_soon_threadsafe(stop.set)

        threading.Thread(target=watch_stdin, daemon=True).start()
        print(port, flush=True)
        async with server:
            await stop.wait()

    asyncio.run(main())


class ServerProcess:
    """The server as a child process: this script run with `--serve`."""

    def __init__(self, tokens: int) -> None:
        self._process = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--serve", "--tokens", str(tokens)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self._process.stdout is not None
        line = self._process.stdout.readline()
        if not line.strip():
            self.close()
            raise RuntimeError("the bench server did not start")
        self.port = int(line)
        self.root = f"http://127.0.0.1:{self.port}"
        self.api_base = f"{self.root}/v1"
        self._wait_ready()

    def _get(self, path: str) -> bytes:
        with urllib.request.urlopen(self.root + path, timeout=5) as response:
            body: bytes = response.read()
            return body

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 10
        while True:
            try:
                models = json.loads(self._get("/v1/models"))
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
                continue
            if models["data"][0]["id"] != MODEL:
                raise RuntimeError(f"unexpected /v1/models answer: {models}")
            return

    def cpu_s(self) -> float:
        return float(self._get("/cpu"))

    def close(self) -> None:
        process = self._process
        if process.stdin is not None:
            process.stdin.close()
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()


# --- the clients ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Outcome:
    method: str
    calls: int
    wall_s: float
    cpu_s: float
    server_cpu_s: float
    failed: int  # calls that raised or ended with CellFailed
    short: int  # calls that completed without exactly the expected text / token count

    @property
    def calls_per_s(self) -> float:
        return self.calls / self.wall_s

    @property
    def cpu_ms_per_call(self) -> float:
        return self.cpu_s * 1000 / self.calls


@dataclass(frozen=True, slots=True)
class Settings:
    calls: int
    concurrency: int
    tokens: int
    warmup: int
    api_base: str
    server_cpu: Callable[[], float]

    @property
    def expected_text(self) -> str:
        return TOKEN * self.tokens

    @property
    def url(self) -> str:
        return self.api_base + "/chat/completions"


def _request_body() -> bytes:
    body = {
        "model": MODEL,
        "messages": [{"role": "user", "content": PROMPT_TEXT}],
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    return json.dumps(body).encode()


_HEADERS = {
    "Content-Type": "application/json",
    "Accept": "text/event-stream",
    "Authorization": "Bearer sk-bench",
}


def _content_of(payload: dict[str, Any], parts: list[str]) -> None:
    for choice in payload.get("choices") or ():
        content = (choice.get("delta") or {}).get("content")
        if content:
            parts.append(content)


async def _measure(
    method: str,
    settings: Settings,
    calls: int,
    one: Callable[[], Awaitable[str]],
) -> Outcome:
    """Warm up, then make `calls` calls of `one` at the concurrency, `calls` tasks at once (as the
    runner does), and time them."""
    semaphore = asyncio.Semaphore(settings.concurrency)
    failures: list[BaseException] = []

    async def guarded() -> str | None:
        async with semaphore:
            try:
                return await one()
            except Exception as exc:
                failures.append(exc)
                return None

    await asyncio.gather(*(guarded() for _ in range(settings.warmup)))
    if failures:
        raise RuntimeError(f"{method}: warm-up call failed: {failures[0]!r}") from failures[0]
    server_start = await asyncio.to_thread(settings.server_cpu)
    cpu_start = time.process_time()
    wall_start = time.perf_counter()
    texts = await asyncio.gather(*(guarded() for _ in range(calls)))
    wall = time.perf_counter() - wall_start
    cpu = time.process_time() - cpu_start
    server_cpu = await asyncio.to_thread(settings.server_cpu) - server_start
    for exc in failures[:3]:
        print(f"  {method}: call failed: {exc!r}", file=sys.stderr)
    expected = settings.expected_text
    short = sum(1 for text in texts if text is not None and text != expected)
    return Outcome(method, calls, wall, cpu, server_cpu, len(failures), short)


async def bench_aiohttp(settings: Settings, calls: int) -> Outcome:
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def one() -> str:
            body = _request_body()
            async with session.post(settings.url, data=body, headers=_HEADERS) as response:
                response.raise_for_status()
                parts: list[str] = []
                buffer = b""
                async for raw in response.content.iter_any():
                    lines = (buffer + raw).split(b"\n")
                    buffer = lines.pop()
                    for line in lines:
                        if not line.startswith(b"data:"):
                            continue
                        data = line[5:].strip()
                        if data != b"[DONE]":
                            _content_of(json.loads(data), parts)
                return "".join(parts)

        return await _measure("aiohttp", settings, calls, one)


async def bench_httpx(settings: Settings, calls: int) -> Outcome:
    limits = httpx.Limits(
        max_connections=settings.concurrency, max_keepalive_connections=settings.concurrency
    )
    async with httpx.AsyncClient(limits=limits, timeout=60, trust_env=False) as client:

        async def one() -> str:
            body = _request_body()
            async with client.stream("POST", settings.url, content=body, headers=_HEADERS) as r:
                r.raise_for_status()
                parts: list[str] = []
                async for line in r.aiter_lines():
                    if not line.startswith("data:"):
                        continue
                    data = line[5:].strip()
                    if data != "[DONE]":
                        _content_of(json.loads(data), parts)
                return "".join(parts)

        return await _measure("httpx", settings, calls, one)


async def bench_litellm(settings: Settings, calls: int, litellm: Any) -> Outcome:
    async def one() -> str:
        response = await litellm.acompletion(
            model=f"openai/{MODEL}",
            messages=[{"role": "user", "content": PROMPT_TEXT}],
            api_base=settings.api_base,
            api_key="sk-bench",
            stream=True,
            stream_options={"include_usage": True},
            num_retries=0,
        )
        parts: list[str] = []
        async for chunk in response:
            for choice in chunk.choices or ():
                content = choice.delta.content if choice.delta is not None else None
                if content:
                    parts.append(content)
        return "".join(parts)

    return await _measure("litellm", settings, calls, one)


async def bench_runner(settings: Settings, calls: int) -> Outcome:
    from workbench.domain import Message, ModelSpec, PromptTemplate  # noqa: PLC0415
    from workbench.events import CellFailed, CellFinished  # noqa: PLC0415
    from workbench.plan import build_plan  # noqa: PLC0415
    from workbench.runner import Runner, RunOptions  # noqa: PLC0415

    prompt = PromptTemplate(name="bench", messages=(Message("user", PROMPT_TEXT),))
    model = ModelSpec(name=f"openai/{MODEL}", api_base=settings.api_base)
    options = RunOptions(
        concurrency=settings.concurrency, local_concurrency=settings.concurrency, timeout_s=60
    )
    runner = Runner(options)
    expected = settings.expected_text

    async def drain(count: int) -> tuple[int, int]:
        cells = build_plan([prompt], [model], [{}], repeats=count)
        failed = short = 0
        async for event in runner.run(cells):
            if isinstance(event, CellFailed):
                failed += 1
                if failed <= 3:
                    print(f"  runner: cell failed: {event.result.error}", file=sys.stderr)
            elif isinstance(event, CellFinished):
                result = event.result
                usage = result.usage
                if (
                    usage is None
                    or usage.output_tokens != settings.tokens
                    or result.output != expected
                ):
                    short += 1
        return failed, short

    try:
        failed, _ = await drain(settings.warmup)
        if failed:
            raise RuntimeError("runner: a warm-up cell failed")
        server_start = await asyncio.to_thread(settings.server_cpu)
        cpu_start = time.process_time()
        wall_start = time.perf_counter()
        failed, short = await drain(calls)
        wall = time.perf_counter() - wall_start
        cpu = time.process_time() - cpu_start
        server_cpu = await asyncio.to_thread(settings.server_cpu) - server_start
    finally:
        await runner.aclose()
    return Outcome("runner", calls, wall, cpu, server_cpu, failed, short)


# --- the report -----------------------------------------------------------------------------


def _versions() -> str:
    from importlib.metadata import PackageNotFoundError, version  # noqa: PLC0415

    found = []
    for name in ("aiohttp", "httpx", "litellm"):
        try:
            found.append(f"{name} {version(name)}")
        except PackageNotFoundError:
            found.append(f"{name} (not installed)")
    return ", ".join(found)


def print_table(outcomes: Sequence[Outcome]) -> None:
    header = (
        f"{'method':<8} {'calls':>6} {'wall s':>8} {'calls/s':>9} {'CPU ms/call':>12} "
        f"{'cli CPU %':>10} {'srv CPU %':>10} {'failed':>7} {'bad':>4}"
    )
    print(header)
    print("-" * len(header))
    for o in outcomes:
        client_pct = 100 * o.cpu_s / o.wall_s
        server_pct = 100 * o.server_cpu_s / o.wall_s
        print(
            f"{o.method:<8} {o.calls:>6} {o.wall_s:>8.2f} {o.calls_per_s:>9.1f} "
            f"{o.cpu_ms_per_call:>12.3f} {client_pct:>10.1f} {server_pct:>10.1f} "
            f"{o.failed:>7} {o.short:>4}"
        )


def print_ratios(outcomes: Sequence[Outcome]) -> None:
    by_method = {o.method: o for o in outcomes}
    runner = by_method.get("runner")
    others = [o for o in outcomes if o.method != "runner"]
    if runner is None or not others:
        return
    print()
    print("ratios (runner vs each; litellm's from its per-call figures):")
    for other in others:
        speed = runner.calls_per_s / other.calls_per_s
        cpu = runner.cpu_ms_per_call / other.cpu_ms_per_call
        print(
            f"  runner/{other.method:<8} calls/s x{speed:<6.3g}  CPU per call x{cpu:<6.3g}"
            f"   ({other.method} uses x{1 / cpu:.3g} the runner's CPU per call)"
        )


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--calls", type=int, default=2000, help="timed calls per client")
    parser.add_argument("--concurrency", type=int, default=64, help="calls in flight at once")
    parser.add_argument(
        "--litellm-calls", type=int, default=200, help="timed calls for litellm (it is slow)"
    )
    parser.add_argument("--tokens", type=int, default=64, help="content chunks per answer")
    parser.add_argument("--warmup", type=int, default=16, help="untimed calls per client first")
    parser.add_argument(
        "--only",
        default=",".join(METHODS),
        help=f"comma-separated subset of {','.join(METHODS)}",
    )
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    methods = [m.strip() for m in args.only.split(",") if m.strip()]
    unknown = sorted(set(methods) - set(METHODS))
    if unknown:
        parser.error(f"unknown method(s) in --only: {', '.join(unknown)}")
    args.methods = [m for m in METHODS if m in methods]
    if min(args.calls, args.concurrency, args.litellm_calls, args.tokens, args.warmup) < 1:
        parser.error("--calls, --concurrency, --litellm-calls, --tokens, --warmup must be >= 1")
    return args


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    if args.serve:
        serve(args.tokens)
        return

    print(
        f"Python {platform.python_version()} ({platform.python_implementation()}) on "
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores; {_versions()}"
    )
    print(
        f"{args.calls} calls x {args.tokens} tokens at concurrency {args.concurrency} "
        f"(litellm: {args.litellm_calls} calls), {args.warmup} warm-up calls each; "
        "server in a separate process"
    )
    litellm: Any = None
    if "litellm" in args.methods:
        from workbench.providers.litellm_provider import load_litellm  # noqa: PLC0415

        started = time.perf_counter()
        litellm = load_litellm()  # calls workbench.offline.prepare() first: no network
        print(f"(importing litellm took {time.perf_counter() - started:.1f} s, not timed)")
    print()

    server = ServerProcess(args.tokens)
    outcomes: list[Outcome] = []
    try:
        settings = Settings(
            calls=args.calls,
            concurrency=args.concurrency,
            tokens=args.tokens,
            warmup=args.warmup,
            api_base=server.api_base,
            server_cpu=server.cpu_s,
        )
        for method in args.methods:
            print(f"running {method} ...", file=sys.stderr, flush=True)
            if method == "runner":
                outcome = asyncio.run(bench_runner(settings, args.calls))
            elif method == "aiohttp":
                outcome = asyncio.run(bench_aiohttp(settings, args.calls))
            elif method == "httpx":
                outcome = asyncio.run(bench_httpx(settings, args.calls))
            else:
                outcome = asyncio.run(bench_litellm(settings, args.litellm_calls, litellm))
            outcomes.append(outcome)
    finally:
        server.close()

    print_table(outcomes)
    if "litellm" in args.methods and args.litellm_calls != args.calls:
        print(
            f"(litellm made {args.litellm_calls} calls, not {args.calls}: it is tens of times "
            "slower; its calls/s and CPU ms/call are per-call figures, so the ratios still hold)"
        )
    print("cli/srv CPU % = client/server process CPU over the wall time (100 % = one core busy)")
    print("bad = calls that completed without exactly the expected text / reported tokens")
    print_ratios(outcomes)


if __name__ == "__main__":
    main()
