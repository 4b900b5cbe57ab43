"""A real HTTP server that speaks the OpenAI chat-completions wire format, for tests.

The project's clients talk to model servers over HTTP, so the tests use real sockets
rather than mocks: this catches framing, streaming and error-path bugs that a mocked
transport hides. The server runs its own asyncio loop on a daemon thread, which lets
synchronous tests, ``asyncio.run`` tests and CLI subprocesses all use the same instance.

Replies are deterministic (see :meth:`FakeOpenAIServer.reply_for` and
:meth:`FakeOpenAIServer.expected_usage`) so tests can assert on exact text and usage, and
per-model :class:`Fault` queues make rate limits, server errors, dropped connections and
hangs reproducible.

Local servers' own measurements are faked too, with fixed speeds (:data:`PREFILL_MS_PER_TOKEN`,
:data:`DECODE_MS_PER_TOKEN`): ``timings=True`` adds llama.cpp's ``timings`` object to the last
chunks, and in ``ollama`` mode ``POST /api/chat`` answers as Ollama does, NDJSON ending in a
``done`` line with its eval counts and durations in nanoseconds.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import itertools
import json
import re
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, Literal

from aiohttp import web

from tests.support.app_thread import AppThread

if TYPE_CHECKING:
    from aiohttp.typedefs import Handler

__all__ = ["Behaviour", "FakeOpenAIServer", "Fault", "RecordedRequest", "tokenize"]

_TOKEN_RE = re.compile(r"\s*\S+")
_CHAT_PATH = "/v1/chat/completions"
OLLAMA_CHAT_PATH = "/api/chat"
# What the fake's local servers claim they measured: 500 prompt tokens/s, 40 answer tokens/s.
PREFILL_MS_PER_TOKEN = 2.0
DECODE_MS_PER_TOKEN = 25.0
_NS_PER_MS = 1_000_000
_OLLAMA_CREATED_AT = "2024-01-01T00:00:00Z"


def tokenize(text: str) -> list[str]:
    """Split a reply into the chunks the server streams; each keeps its leading whitespace.

    Joining the tokens gives back the text minus trailing whitespace, so tests can predict
    exactly what a truncated stream contains.
    """
    return _TOKEN_RE.findall(text)


@dataclass(frozen=True)
class Fault:
    """What the server does to one request instead of answering it normally."""

    kind: Literal["status", "drop", "hang"]
    status: int = 500
    retry_after: str | None = None
    """Value of the Retry-After header, sent verbatim so tests can send odd values too."""
    body: str | None = None
    """Raw error body; ``None`` means an OpenAI-style error JSON for ``status``."""
    after_tokens: int = 0
    """For ``drop``: content chunks sent before the connection is cut."""

    @classmethod
    def rate_limited(cls, retry_after: str | None = "1") -> Fault:
        """A 429, with a Retry-After header unless ``retry_after`` is None."""
        return cls("status", status=429, retry_after=retry_after)

    @classmethod
    def server_error(cls, status: int = 500) -> Fault:
        """A 5xx (or any other status) with an OpenAI-style error body."""
        return cls("status", status=status)

    @classmethod
    def drop(cls, after_tokens: int = 2) -> Fault:
        """Send the headers and some chunks, then abort the connection mid-body."""
        return cls("drop", after_tokens=after_tokens)

    @classmethod
    def hang(cls) -> Fault:
        """Accept the request and send nothing until the server stops."""
        return cls("hang")


@dataclass
class Behaviour:
    """How the server answers one model."""

    reply: str | None = None
    """Text to stream; ``None`` means ``"Reply from {model} to: {last user message}"``."""
    ttft_s: float = 0.0
    """Delay before the first chunk of the body (headers are sent at once)."""
    token_interval_s: float = 0.0
    """Delay between content chunks."""
    report_usage: bool = True
    """Send the usage chunk when the request asks for it with stream_options.include_usage."""
    faults: list[Fault] = field(default_factory=list)
    """Applied to successive requests for this model, one each; then normal answers."""
    replies: tuple[tuple[str, str], ...] = ()
    """(needle, reply) pairs tried before ``reply``: the first needle found in any message's
    content picks the reply, so one model can answer different prompts differently."""
    load_s: float = 0.0
    """Ollama's /api/chat only: time spent "loading the model" before the first line, reported
    as the answer's ``load_duration``."""

    def reply_to(self, messages: Sequence[Mapping[str, Any]]) -> str | None:
        contents = " ".join(_text_of(m.get("content")) for m in messages)
        for needle, reply in self.replies:
            if needle in contents:
                return reply
        return self.reply


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the server received it, recorded before any reply is sent."""

    path: str
    method: str
    model: str | None
    body: dict[str, Any]
    """Parsed JSON body; ``{}`` when there was no body or it was not a JSON object."""
    headers: dict[str, str]
    """Header names are lower-cased so lookups do not depend on the client's spelling."""
    received_at: float
    """``time.monotonic()`` when the request arrived."""
    finished_at: float | None = None
    """``time.monotonic()`` when the answer ended (a stream: just before its last bytes were
    written, so a client's next request always arrives after it); None while in progress."""


@dataclass(frozen=True)
class _Plan:
    """The content chunks of one answer and why it ends."""

    tokens: list[str]
    finish_reason: Literal["stop", "length"]
    prompt_tokens: int

    @property
    def usage(self) -> dict[str, int]:
        completion = len(self.tokens)
        return {
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": completion,
            "total_tokens": self.prompt_tokens + completion,
        }

    @property
    def llama_cpp_timings(self) -> dict[str, float]:
        """llama.cpp server's ``timings`` object, at the fake's fixed speeds."""
        predicted = len(self.tokens)
        prompt_ms = self.prompt_tokens * PREFILL_MS_PER_TOKEN
        predicted_ms = predicted * DECODE_MS_PER_TOKEN
        return {
            "prompt_n": self.prompt_tokens,
            "prompt_ms": prompt_ms,
            "prompt_per_token_ms": PREFILL_MS_PER_TOKEN,
            "prompt_per_second": 1000 / PREFILL_MS_PER_TOKEN,
            "predicted_n": predicted,
            "predicted_ms": predicted_ms,
            "predicted_per_token_ms": DECODE_MS_PER_TOKEN,
            "predicted_per_second": 1000 / DECODE_MS_PER_TOKEN,
        }


def _error_json(message: str, type_: str, code: str | None) -> dict[str, Any]:
    return {"error": {"message": message, "type": type_, "param": None, "code": code}}


def _error_response(
    status: int,
    message: str,
    type_: str,
    code: str | None = None,
    *,
    headers: Mapping[str, str] | None = None,
) -> web.Response:
    return web.json_response(_error_json(message, type_, code), status=status, headers=headers)


def _fault_response(fault: Fault) -> web.Response:
    """The error response of a ``status`` fault, shaped like OpenAI's."""
    headers = {} if fault.retry_after is None else {"Retry-After": fault.retry_after}
    if fault.body is not None:
        return web.Response(
            status=fault.status,
            text=fault.body,
            content_type="application/json",
            headers=headers,
        )
    if fault.status == 429:
        return _error_response(
            429, "Rate limit reached", "requests", "rate_limit_exceeded", headers=headers
        )
    if fault.status >= 500:
        message = "The server had an error while processing your request."
        return _error_response(fault.status, message, "server_error", headers=headers)
    try:
        message = HTTPStatus(fault.status).phrase
    except ValueError:
        message = f"Error {fault.status}"
    return _error_response(fault.status, message, "invalid_request_error", headers=headers)


def _parse_json_object(raw: bytes) -> dict[str, Any] | None:
    """The body as a JSON object, or None when it is not one."""
    try:
        parsed = json.loads(raw)
    except ValueError:  # includes JSONDecodeError and UnicodeDecodeError
        return None
    return parsed if isinstance(parsed, dict) else None


def _text_of(content: object) -> str:
    """Message content as text; multi-part content contributes its text parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = [p.get("text") for p in content if isinstance(p, dict)]
        return " ".join(p for p in parts if isinstance(p, str))
    return ""


def _event(payload: Mapping[str, Any] | str) -> bytes:
    data = payload if isinstance(payload, str) else json.dumps(payload)
    return f"data: {data}\n\n".encode()


def _ollama_done(plan: _Plan, behaviour: Behaviour) -> dict[str, Any]:
    """Ollama's last line: why it stopped, and (with usage reported) its counts and durations."""
    done: dict[str, Any] = {
        "message": {"role": "assistant", "content": ""},
        "done": True,
        "done_reason": plan.finish_reason,
    }
    if not behaviour.report_usage:
        return done
    load_ns = round(behaviour.load_s * 1000 * _NS_PER_MS)
    prompt_ns = round(plan.prompt_tokens * PREFILL_MS_PER_TOKEN * _NS_PER_MS)
    eval_ns = round(len(plan.tokens) * DECODE_MS_PER_TOKEN * _NS_PER_MS)
    return {
        **done,
        "total_duration": load_ns + prompt_ns + eval_ns,
        "load_duration": load_ns,
        "prompt_eval_count": plan.prompt_tokens,
        "prompt_eval_duration": prompt_ns,
        "eval_count": len(plan.tokens),
        "eval_duration": eval_ns,
    }


class FakeOpenAIServer(AppThread):
    """An OpenAI-compatible chat-completions server on 127.0.0.1, for tests.

    Use it as a context manager (or call :meth:`start` and :meth:`stop`); point clients at
    :attr:`base_url`. All public methods are thread-safe.
    """

    def __init__(
        self,
        models: Sequence[str] = ("fake-a", "fake-b"),
        *,
        ollama: bool = False,
        require_key: str | None = None,
        port: int = 0,
        timings: bool = False,
    ) -> None:
        """``require_key``: answer every /v1 request whose bearer token differs with a 401.
        ``port``: bind this port instead of a free one (a stand-in for a server on its flag).
        ``timings``: end each stream with llama.cpp's ``timings`` object, as its server does."""
        super().__init__(port=port)
        self._timings = timings
        self._models = tuple(models)
        self._ollama = ollama
        self._require_key = require_key
        self._lock = threading.Lock()
        self._behaviours: dict[str, Behaviour] = {}
        self._faults: dict[str, collections.deque[Fault]] = {}
        self._recorded: list[RecordedRequest] = []
        self._ends: dict[int, float] = {}  # id(request) -> when its stream's last bytes began
        self._ids = itertools.count(1)

    @property
    def root_url(self) -> str:
        """``http://127.0.0.1:PORT``, for servers addressed without the /v1 prefix."""
        if not self.running:
            msg = "FakeOpenAIServer is not running"
            raise RuntimeError(msg)
        return f"http://127.0.0.1:{self._port}"

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT/v1``, the OpenAI-style base URL."""
        return f"{self.root_url}/v1"

    # --- configuration and inspection ---------------------------------------------------

    def behave(self, model: str, behaviour: Behaviour) -> None:
        """Set how ``model`` answers; this also makes an unlisted model known."""
        with self._lock:
            self._behaviours[model] = behaviour
            self._faults[model] = collections.deque(behaviour.faults)

    def requests(
        self, path: str | None = _CHAT_PATH, model: str | None = None
    ) -> list[RecordedRequest]:
        """A snapshot of the requests to ``path`` (None: any path), optionally of one model."""
        with self._lock:
            recorded = list(self._recorded)
        return [
            r
            for r in recorded
            if (path is None or r.path == path) and (model is None or r.model == model)
        ]

    def request_count(self, model: str | None = None) -> int:
        """How many chat-completions requests arrived (optionally for one model)."""
        return len(self.requests(_CHAT_PATH, model))

    def expected_usage(
        self, messages: Sequence[Mapping[str, Any]], reply_tokens: int
    ) -> tuple[int, int]:
        """The (prompt_tokens, completion_tokens) the server reports.

        Prompt tokens are the whitespace-separated words of every message plus 4 per
        message; completion tokens are the content chunks sent.
        """
        prompt = sum(len(_text_of(m.get("content")).split()) + 4 for m in messages)
        return prompt, reply_tokens

    def reply_for(self, model: str, messages: Sequence[Mapping[str, Any]]) -> str:
        """The full text the server streams for this request, before any truncation."""
        with self._lock:
            behaviour = self._behaviours.get(model)
        reply = behaviour.reply_to(messages) if behaviour is not None else None
        return reply if reply is not None else self._default_reply(model, messages)

    @staticmethod
    def _default_reply(model: str, messages: Sequence[Mapping[str, Any]]) -> str:
        last_user = next(
            (_text_of(m.get("content")) for m in reversed(messages) if m.get("role") == "user"),
            "",
        )
        return f"Reply from {model} to: {last_user}"

    # --- the app ---------------------------------------------------------------------

    def build_app(self) -> web.Application:
        app = web.Application(middlewares=[self._record, self._authorize])
        app.router.add_post(_CHAT_PATH, self._chat)
        app.router.add_get("/v1/models", self._list_models)
        if self._ollama:
            app.router.add_get("/api/tags", self._ollama_tags)
            app.router.add_post(OLLAMA_CHAT_PATH, self._ollama_chat)
        return app

    async def _pause(self, seconds: float) -> bool:
        """Sleep, waking early if the server stops; True means the server is stopping."""
        stopping = self._stopping
        assert stopping is not None
        if seconds <= 0:
            return stopping.is_set()
        try:
            await asyncio.wait_for(stopping.wait(), seconds)
        except TimeoutError:
            return False
        return True

    def _answered(self, request: web.Request) -> None:
        """Mark the end of an answer just before its last bytes go out (see `finished_at`)."""
        with self._lock:
            self._ends[id(request)] = time.monotonic()

    @staticmethod
    async def _cut(request: web.Request, response: web.StreamResponse) -> web.StreamResponse:
        """Abort the TCP connection so the client sees an incomplete body.

        aiohttp's attempt to finish the returned response then fails with a ConnectionError,
        which it treats as a client disconnect and does not log.
        """
        transport = request.transport
        if transport is not None and not transport.is_closing():
            with contextlib.suppress(ConnectionError):
                await request.writer.drain()
            transport.abort()
        return response

    # --- handlers ---------------------------------------------------------------------

    @web.middleware
    async def _record(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """Record every request, whatever its route, before it is answered."""
        received_at = time.monotonic()
        body = _parse_json_object(await request.read()) or {}
        model = body.get("model")
        recorded = RecordedRequest(
            path=request.path,
            method=request.method,
            model=model if isinstance(model, str) else None,
            body=body,
            headers={k.lower(): v for k, v in request.headers.items()},
            received_at=received_at,
        )
        with self._lock:
            index = len(self._recorded)
            self._recorded.append(recorded)
        try:
            return await handler(request)
        finally:
            with self._lock:
                finished_at = self._ends.pop(id(request), None) or time.monotonic()
                self._recorded[index] = replace(recorded, finished_at=finished_at)

    @web.middleware
    async def _authorize(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """With ``require_key``, refuse /v1 requests without that bearer token, as OpenAI does."""
        if self._require_key is None or not request.path.startswith("/v1/"):
            return await handler(request)
        sent = request.headers.get("Authorization", "")
        if not sent.startswith("Bearer "):
            return _error_response(
                401,
                "You didn't provide an API key. You need to provide your API key in an "
                "Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
                "invalid_request_error",
            )
        token = sent.removeprefix("Bearer ")
        if token != self._require_key:
            shown = f"{token[:3]}{'*' * (len(token) - 7)}{token[-4:]}" if len(token) > 8 else "***"
            return _error_response(
                401,
                f"Incorrect API key provided: {shown}. You can find your API key at "
                "https://platform.openai.com/account/api-keys.",
                "invalid_request_error",
                "invalid_api_key",
            )
        return await handler(request)

    async def _list_models(self, _request: web.Request) -> web.Response:
        data = [
            {"id": m, "object": "model", "created": 0, "owned_by": "fake"} for m in self._models
        ]
        return web.json_response({"object": "list", "data": data})

    async def _ollama_tags(self, _request: web.Request) -> web.Response:
        details = {"family": "llama", "parameter_size": "8B", "quantization_level": "Q4_K_M"}
        models = [
            {"name": m, "model": m, "size": 123456789, "details": dict(details)}
            for m in self._models
        ]
        return web.json_response({"models": models})

    async def _ollama_chat(self, request: web.Request) -> web.StreamResponse:
        """Ollama's own chat API: NDJSON lines, the last with its counts and durations."""
        body = _parse_json_object(await request.read())
        if body is None:
            return web.json_response({"error": "invalid character in request body"}, status=400)
        model = body.get("model")
        if not isinstance(model, str) or not model:
            return web.json_response({"error": "model is required"}, status=400)
        with self._lock:
            known = model in self._models or model in self._behaviours
            behaviour = self._behaviours.get(model, Behaviour())
            pending = self._faults.get(model)
            fault = pending.popleft() if pending else None
        if not known:
            message = f'model "{model}" not found, try pulling it first'
            return web.json_response({"error": message}, status=404)
        if fault is not None and fault.kind == "status":
            headers = {} if fault.retry_after is None else {"Retry-After": fault.retry_after}
            text = fault.body or json.dumps({"error": f"fake fault: HTTP {fault.status}"})
            return web.Response(
                status=fault.status, text=text, content_type="application/json", headers=headers
            )
        if fault is not None and fault.kind == "hang":
            stopping = self._stopping
            assert stopping is not None
            await stopping.wait()
            return await self._cut(request, web.StreamResponse())
        raw_options = body.get("options")
        options = raw_options if isinstance(raw_options, dict) else {}
        # Ollama's options in the shape _plan reads: num_predict is max_tokens.
        asked = {
            "messages": body.get("messages"),
            "max_tokens": options.get("num_predict"),
            "stop": options.get("stop"),
        }
        plan = self._plan(model, behaviour, asked)
        drop_after = fault.after_tokens if fault is not None else None
        try:
            return await self._ollama_stream(request, model, behaviour, plan, drop_after)
        except ConnectionError:  # the client went away mid-answer
            return web.StreamResponse()

    async def _ollama_stream(
        self,
        request: web.Request,
        model: str,
        behaviour: Behaviour,
        plan: _Plan,
        drop_after: int | None,
    ) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "application/x-ndjson"})
        response.enable_chunked_encoding()
        await response.prepare(request)

        def line(payload: Mapping[str, Any]) -> bytes:
            return (
                json.dumps({"model": model, "created_at": _OLLAMA_CREATED_AT, **payload}) + "\n"
            ).encode()

        if await self._pause(behaviour.load_s + behaviour.ttft_s):
            return await self._cut(request, response)
        tokens = plan.tokens if drop_after is None else plan.tokens[:drop_after]
        for i, token in enumerate(tokens):
            if i and await self._pause(behaviour.token_interval_s):
                return await self._cut(request, response)
            message = {"role": "assistant", "content": token}
            await response.write(line({"message": message, "done": False}))
        if drop_after is not None:
            return await self._cut(request, response)
        self._answered(request)
        await response.write(line(_ollama_done(plan, behaviour)))
        await response.write_eof()
        return response

    async def _chat(self, request: web.Request) -> web.StreamResponse:
        body = _parse_json_object(await request.read())
        if body is None:
            return _error_response(
                400, "We could not parse the JSON body of your request.", "invalid_request_error"
            )
        model = body.get("model")
        if not isinstance(model, str) or not model:
            return _error_response(
                400, "You must provide a model parameter.", "invalid_request_error"
            )
        with self._lock:
            known = model in self._models or model in self._behaviours
            behaviour = self._behaviours.get(model, Behaviour())
            pending = self._faults.get(model)
            fault = pending.popleft() if pending else None
            completion_id = f"chatcmpl-{next(self._ids)}"
        if not known:
            return _error_response(
                404,
                f"The model `{model}` does not exist",
                "invalid_request_error",
                "model_not_found",
            )
        if fault is not None and fault.kind == "status":
            return _fault_response(fault)
        if fault is not None and fault.kind == "hang":
            stopping = self._stopping
            assert stopping is not None
            await stopping.wait()
            return await self._cut(request, web.StreamResponse())

        plan = self._plan(model, behaviour, body)
        drop_after = fault.after_tokens if fault is not None else None
        try:
            if body.get("stream") is True:
                options = body.get("stream_options")
                include_usage = isinstance(options, dict) and options.get("include_usage") is True
                return await self._stream(
                    request,
                    completion_id,
                    model,
                    behaviour,
                    plan,
                    include_usage=include_usage and behaviour.report_usage,
                    drop_after=drop_after,
                )
            return await self._complete(
                request, completion_id, model, behaviour, plan, drop=drop_after is not None
            )
        except ConnectionError:  # the client went away mid-answer, as clients may
            return web.StreamResponse()

    def _plan(self, model: str, behaviour: Behaviour, body: Mapping[str, Any]) -> _Plan:
        """Apply ``stop`` and ``max_tokens`` to the reply, as a real server would."""
        raw_messages = body.get("messages")
        messages = (
            [m for m in raw_messages if isinstance(m, dict)]
            if isinstance(raw_messages, list)
            else []
        )
        text = behaviour.reply_to(messages)
        if text is None:
            text = self._default_reply(model, messages)
        stop = body.get("stop")
        stops = [stop] if isinstance(stop, str) else stop if isinstance(stop, list) else []
        cuts = [text.find(s) for s in stops if isinstance(s, str) and s]
        cuts = [c for c in cuts if c >= 0]
        if cuts:
            text = text[: min(cuts)]
        tokens = tokenize(text)
        finish_reason: Literal["stop", "length"] = "stop"
        limit = body.get("max_tokens", body.get("max_completion_tokens"))
        if isinstance(limit, int) and not isinstance(limit, bool) and len(tokens) >= limit:
            # Hitting the limit exactly also counts: the model never got to end on its own.
            tokens = tokens[: max(limit, 0)]
            finish_reason = "length"
        prompt_tokens, _ = self.expected_usage(messages, 0)
        return _Plan(tokens, finish_reason, prompt_tokens)

    async def _stream(
        self,
        request: web.Request,
        completion_id: str,
        model: str,
        behaviour: Behaviour,
        plan: _Plan,
        *,
        include_usage: bool,
        drop_after: int | None,
    ) -> web.StreamResponse:
        response = web.StreamResponse(
            headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"}
        )
        response.enable_chunked_encoding()
        await response.prepare(request)
        created = int(time.time())

        def chunk(choices: list[dict[str, Any]], **extra: Any) -> bytes:
            return _event(
                {
                    "id": completion_id,
                    "object": "chat.completion.chunk",
                    "created": created,
                    "model": model,
                    "choices": choices,
                    **extra,
                }
            )

        def choice(delta: dict[str, str], finish_reason: str | None = None) -> dict[str, Any]:
            return {"index": 0, "delta": delta, "finish_reason": finish_reason}

        if await self._pause(behaviour.ttft_s):
            return await self._cut(request, response)
        await response.write(chunk([choice({"role": "assistant", "content": ""})]))
        tokens = plan.tokens if drop_after is None else plan.tokens[:drop_after]
        for i, token in enumerate(tokens):
            if i and await self._pause(behaviour.token_interval_s):
                return await self._cut(request, response)
            await response.write(chunk([choice({"content": token})]))
        if drop_after is not None:
            return await self._cut(request, response)
        self._answered(request)
        last = {"timings": plan.llama_cpp_timings} if self._timings else {}
        await response.write(chunk([choice({}, plan.finish_reason)], **last))
        if include_usage:
            await response.write(chunk([], usage=plan.usage, **last))
        await response.write(_event("[DONE]"))
        await response.write_eof()
        return response

    async def _complete(
        self,
        request: web.Request,
        completion_id: str,
        model: str,
        behaviour: Behaviour,
        plan: _Plan,
        *,
        drop: bool,
    ) -> web.StreamResponse:
        """A non-streaming answer; it takes as long as the stream would have."""
        delay = behaviour.ttft_s + behaviour.token_interval_s * max(len(plan.tokens) - 1, 0)
        if await self._pause(delay):
            return await self._cut(request, web.StreamResponse())
        payload = {
            "id": completion_id,
            "object": "chat.completion",
            "created": int(time.time()),
            "model": model,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": "".join(plan.tokens)},
                    "finish_reason": plan.finish_reason,
                }
            ],
            "usage": plan.usage,
        }
        if not drop:
            return web.json_response(payload)
        data = json.dumps(payload).encode()
        response = web.StreamResponse(headers={"Content-Type": "application/json"})
        response.content_length = len(data)
        await response.prepare(request)
        await response.write(data[: len(data) // 2])
        return await self._cut(request, response)
