"""The lean streaming client for endpoints that speak OpenAI's chat-completions wire format.

litellm's stream wrapper spends about 0.45 ms of CPU per chunk; this client reads the same SSE with
aiohttp for a fraction of that (bench/throughput.py), which keeps a window with many streaming panes
responsive. It is used for OpenAI and every OpenAI-compatible server, local ones included.

llama.cpp's server adds its own measurements (`timings`: prompt_n, prompt_ms, predicted_n,
predicted_ms) to the last chunks; they become `StreamPiece.server_timings`. The session, the POST
and the error table are shared with the Ollama client (`ollama_native.py`).
"""

from __future__ import annotations

import asyncio
import json
import math
from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp

from workbench.domain import ServerTimings
from workbench.errors import ErrorKind, ProviderError, kind_for_status
from workbench.offline_guard import refused_by_guard
from workbench.providers.base import ChatRequest, StreamPiece
from workbench.providers.sse import SSEParser
from workbench.retry import parse_retry_after

_DONE = b"[DONE]"


class PooledSession:
    """One aiohttp session per event loop, opened on first use; shared by the lean clients' shape.

    Concurrency is limited by the runner, not the pool (`limit=0`).
    """

    def __init__(self) -> None:
        self._session: aiohttp.ClientSession | None = None

    def get(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=0, ttl_dns_cache=300)
            self._session = aiohttp.ClientSession(
                connector=connector, timeout=aiohttp.ClientTimeout(total=None), trust_env=False
            )
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


ReadBody = Callable[[aiohttp.ClientResponse], AsyncIterator[StreamPiece]]


async def post_stream(
    session: aiohttp.ClientSession,
    url: str,
    payload: dict[str, Any],
    headers: dict[str, str],
    *,
    timeout_s: float,
    read: ReadBody,
) -> AsyncIterator[StreamPiece]:
    """POST `payload` and yield what `read` makes of the streamed body; failures raise
    ProviderError by one table (HTTP status, timeout, refused connection, a cut stream)."""
    timeout = aiohttp.ClientTimeout(total=None, sock_connect=timeout_s, sock_read=timeout_s)
    received_any = False
    try:
        async with session.post(
            url, data=json.dumps(payload).encode(), headers=headers, timeout=timeout
        ) as response:
            if response.status >= 400:
                raise await _http_error(response)
            async for piece in read(response):
                received_any = True
                yield piece
    except ProviderError:
        raise
    except (TimeoutError, aiohttp.ServerTimeoutError) as exc:
        raise ProviderError(ErrorKind.TIMEOUT, f"no data from {url} for {timeout_s:g} s") from exc
    except aiohttp.ClientConnectorError as exc:
        refused = refused_by_guard(exc.os_error)
        if refused is not None:
            raise refused from exc
        raise ProviderError(
            ErrorKind.CONNECTION, f"cannot connect to {exc.host}:{exc.port} ({exc.os_error})"
        ) from exc
    except (aiohttp.ClientPayloadError, aiohttp.ServerDisconnectedError) as exc:
        kind = ErrorKind.STREAM_BROKEN if received_any else ErrorKind.CONNECTION
        raise ProviderError(kind, f"{url}: {exc}") from exc
    except aiohttp.ClientError as exc:
        raise ProviderError(ErrorKind.CONNECTION, f"{url}: {exc}") from exc


def request_headers(request: ChatRequest, accept: str) -> dict[str, str]:
    """JSON in, `accept` out, the bearer key when there is one, then the request's own headers."""
    headers = {"Content-Type": "application/json", "Accept": accept}
    if request.api_key:
        headers["Authorization"] = f"Bearer {request.api_key}"
    headers.update(request.headers)
    return headers


class StreamingClient:
    """One pooled session, a POST to `path` under the request's base URL, and a body reader:
    what every lean HTTP client is, each filling in its wire format's parts."""

    path = ""
    accept = ""
    call = ""  # what a call is called in the error for a missing base URL

    def __init__(self) -> None:
        self._session = PooledSession()

    async def warm(self) -> None:
        self._session.get()

    async def aclose(self) -> None:
        await self._session.close()

    def body(self, request: ChatRequest) -> dict[str, Any]:
        raise NotImplementedError

    def read(self, response: aiohttp.ClientResponse) -> AsyncIterator[StreamPiece]:
        raise NotImplementedError

    async def stream(self, request: ChatRequest) -> AsyncIterator[StreamPiece]:
        if not request.api_base:
            raise ProviderError(ErrorKind.BAD_REQUEST, f"no base URL for {self.call}")
        url = request.api_base.rstrip("/") + self.path
        headers = request_headers(request, self.accept)
        async for piece in post_stream(
            self._session.get(),
            url,
            self.body(request),
            headers,
            timeout_s=request.timeout_s,
            read=self.read,
        ):
            yield piece


class OpenAICompatClient(StreamingClient):
    """Streams chat completions as server-sent events."""

    path = "/chat/completions"
    accept = "text/event-stream"
    call = "an OpenAI-compatible call"

    def body(self, request: ChatRequest) -> dict[str, Any]:
        return _body(request)

    def read(self, response: aiohttp.ClientResponse) -> AsyncIterator[StreamPiece]:
        return _read_stream(response)


def _body(request: ChatRequest) -> dict[str, Any]:
    body: dict[str, Any] = {
        "model": request.model,
        "messages": [m.as_dict() for m in request.messages],
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    body.update(request.params.as_request_fields())
    return body


async def _read_stream(response: aiohttp.ClientResponse) -> AsyncIterator[StreamPiece]:
    parser = SSEParser()
    complete = False
    async for raw in response.content.iter_any():
        piece, done = _decode(parser.feed(raw))
        if piece is not None:
            complete = complete or piece.finish_reason is not None
            yield piece
        complete = complete or done
    piece, done = _decode(parser.close())
    if piece is not None:
        complete = complete or piece.finish_reason is not None
        yield piece
    if not (complete or done):  # EOF with neither a finish reason nor [DONE]: cut off
        raise ProviderError(
            ErrorKind.STREAM_BROKEN, "the stream ended before the answer was complete"
        )


def _decode(events: list[bytes]) -> tuple[StreamPiece | None, bool]:
    """Fold the events of one read into a single piece (fewer, larger events downstream).

    Returns the piece (None when the read held nothing for the caller) and whether [DONE] was seen.
    """
    if not events:
        return None, False
    piece = StreamPiece()
    texts: list[str] = []
    done = False
    for data in events:
        if data == _DONE:
            done = True
            continue
        try:
            payload = json.loads(data)
        except ValueError as exc:
            raise ProviderError(
                ErrorKind.BAD_RESPONSE, f"invalid JSON in stream: {data[:80]!r}"
            ) from exc
        if not isinstance(payload, dict):
            raise ProviderError(ErrorKind.BAD_RESPONSE, "stream event is not a JSON object")
        _fold(payload, piece, texts)
    piece.text = "".join(texts)
    if (
        not piece.text
        and piece.finish_reason is None
        and piece.output_tokens is None
        and piece.server_timings is None
    ):
        return None, done
    return piece, done


def _fold(payload: dict[str, Any], piece: StreamPiece, texts: list[str]) -> None:
    error = payload.get("error")
    if error:
        message = error.get("message", str(error)) if isinstance(error, dict) else str(error)
        code = error.get("code") if isinstance(error, dict) else None
        status = code if isinstance(code, int) else 500
        raise ProviderError(kind_for_status(status, str(error)), str(message), status=status)
    for choice in payload.get("choices") or ():
        delta = choice.get("delta") or {}
        content = delta.get("content")
        if content:
            texts.append(content)
        if choice.get("finish_reason"):
            piece.finish_reason = choice["finish_reason"]
    usage = payload.get("usage")
    if isinstance(usage, dict) and usage.get("completion_tokens") is not None:
        piece.input_tokens = int(usage.get("prompt_tokens") or 0)
        piece.output_tokens = int(usage["completion_tokens"])
    timings = payload.get("timings")
    if isinstance(timings, dict):
        piece.server_timings = llama_cpp_timings(timings)


def llama_cpp_timings(timings: dict[str, Any]) -> ServerTimings | None:
    """llama.cpp server's `timings` object as ServerTimings (None when it holds no figure)."""
    found = ServerTimings(
        prompt_tokens=_whole(timings.get("prompt_n")),
        prompt_ms=_ms(timings.get("prompt_ms")),
        decode_tokens=_whole(timings.get("predicted_n")),
        decode_ms=_ms(timings.get("predicted_ms")),
    )
    return None if found == ServerTimings() else found


def _whole(value: object) -> int | None:
    figure = _ms(value)
    return None if figure is None else int(figure)


def _ms(value: object) -> float | None:
    """A finite, non-negative number as a float; None for anything else (a missing figure)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) and value >= 0 else None


async def _http_error(response: aiohttp.ClientResponse) -> ProviderError:
    try:
        text = await asyncio.wait_for(response.text(errors="replace"), timeout=5)
    except (TimeoutError, aiohttp.ClientError):
        text = ""
    return ProviderError(
        kind_for_status(response.status, text),
        _error_detail(text) or (response.reason or ""),
        status=response.status,
        retry_after_s=parse_retry_after(response.headers.get("Retry-After")),
    )


def _error_detail(text: str) -> str:
    """The message from an OpenAI-style error body, or the body itself, kept short."""
    try:
        payload = json.loads(text)
    except ValueError:
        return text.strip()[:300]
    if isinstance(payload, dict):
        error = payload.get("error", payload)
        if isinstance(error, dict) and error.get("message"):
            return str(error["message"])[:300]
        if isinstance(error, str):
            return error[:300]
    return text.strip()[:300]
