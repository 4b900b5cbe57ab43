"""A streaming client for Ollama's own chat API (`POST /api/chat`), for its measurements.

Ollama's OpenAI-compatible /v1 drops what makes a local comparison fair: its native answer ends
with the server's own counts and durations (prompt_eval_count/_duration for reading the prompt,
eval_count/_duration for writing the answer, load_duration for loading the model), all in
nanoseconds. This client reads them into `StreamPiece.server_timings` and `StreamPiece.load_ms`.

The body is NDJSON, one JSON object per line; the last has `"done": true`. The session, the POST,
the timeouts and the error table are the lean OpenAI client's (`openai_compat.post_stream`).
"""

from __future__ import annotations

import json
import math
from collections.abc import AsyncIterator
from typing import Any

import aiohttp

from workbench.domain import ModelParams, ServerTimings
from workbench.errors import ErrorKind, ProviderError, kind_for_status
from workbench.providers.base import ChatRequest, StreamPiece
from workbench.providers.openai_compat import StreamingClient

_NS_PER_MS = 1_000_000


class OllamaNativeClient(StreamingClient):
    """Streams `/api/chat` from an Ollama server; `ChatRequest.api_base` is the server's root."""

    path = "/api/chat"
    accept = "application/x-ndjson"
    call = "an Ollama call"

    def body(self, request: ChatRequest) -> dict[str, Any]:
        return _body(request)

    def read(self, response: aiohttp.ClientResponse) -> AsyncIterator[StreamPiece]:
        return _read_lines(response)


def _body(request: ChatRequest) -> dict[str, Any]:
    body: dict[str, Any] = {
        "model": request.model,
        "messages": [m.as_dict() for m in request.messages],
        "stream": True,
    }
    options = ollama_options(request.params)
    if options:
        body["options"] = options
    return body


def ollama_options(params: ModelParams) -> dict[str, object]:
    """The parameters as Ollama's `options` (max_tokens is its num_predict); unset ones left out."""
    options = params.as_request_fields()
    if "max_tokens" in options:
        options["num_predict"] = options.pop("max_tokens")
    return options


async def _read_lines(response: aiohttp.ClientResponse) -> AsyncIterator[StreamPiece]:
    buffer = b""
    done = False
    async for raw in response.content.iter_any():
        lines = (buffer + raw).split(b"\n")
        buffer = lines.pop()  # an unfinished line waits for the next read
        piece, ended = _decode(lines)
        done = done or ended
        if piece is not None:
            yield piece
    piece, ended = _decode([buffer])
    if piece is not None:
        yield piece
    if not (done or ended):  # EOF before the `done` line: cut off
        raise ProviderError(
            ErrorKind.STREAM_BROKEN, "the stream ended before the answer was complete"
        )


def _decode(lines: list[bytes]) -> tuple[StreamPiece | None, bool]:
    """Fold the lines of one read into a single piece; also whether the `done` line came."""
    piece = StreamPiece()
    texts: list[str] = []
    done = False
    for line in lines:
        if not line.strip():
            continue
        try:
            payload = json.loads(line)
        except ValueError as exc:
            raise ProviderError(
                ErrorKind.BAD_RESPONSE, f"invalid JSON in stream: {line[:80]!r}"
            ) from exc
        if not isinstance(payload, dict):
            raise ProviderError(ErrorKind.BAD_RESPONSE, "stream line is not a JSON object")
        done = _fold(payload, piece, texts) or done
    piece.text = "".join(texts)
    if not piece.text and not done:
        return None, False
    return piece, done


def _fold(payload: dict[str, Any], piece: StreamPiece, texts: list[str]) -> bool:
    error = payload.get("error")
    if error:
        # An error after the headers (the model failed to load, ran out of memory): no status.
        raise ProviderError(kind_for_status(500, str(error)), str(error)[:300])
    message = payload.get("message")
    if isinstance(message, dict):
        content = message.get("content")
        if isinstance(content, str) and content:
            texts.append(content)
    if payload.get("done") is not True:
        return False
    reason = payload.get("done_reason")
    piece.finish_reason = reason if isinstance(reason, str) and reason else "stop"
    output_tokens = _count(payload.get("eval_count"))
    if output_tokens is not None:
        piece.input_tokens = _count(payload.get("prompt_eval_count"))
        piece.output_tokens = output_tokens
    timings = ServerTimings(
        prompt_tokens=_count(payload.get("prompt_eval_count")),
        prompt_ms=_ns_to_ms(payload.get("prompt_eval_duration")),
        decode_tokens=output_tokens,
        decode_ms=_ns_to_ms(payload.get("eval_duration")),
    )
    piece.server_timings = None if timings == ServerTimings() else timings
    piece.load_ms = _ns_to_ms(payload.get("load_duration"))
    return True


def _count(value: object) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return None
    return value


def _ns_to_ms(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if not math.isfinite(value) or value < 0:
        return None
    return value / _NS_PER_MS
