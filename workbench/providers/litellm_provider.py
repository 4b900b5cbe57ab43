"""Every provider the lean client does not speak, through litellm.

The only module that imports litellm, and only when the first such call is made: the import takes
seconds and must never sit on a start-up path.
"""

from __future__ import annotations

import asyncio
import threading
import warnings
from collections.abc import AsyncIterator
from typing import Any

from workbench import offline
from workbench.errors import ErrorKind, ProviderError, kind_for_status
from workbench.providers.base import ChatRequest, StreamPiece
from workbench.providers.litellm_errors import kind_for_exception
from workbench.retry import parse_retry_after

_import_lock = threading.Lock()
_GENERIC = (ErrorKind.SERVER, ErrorKind.UNKNOWN)


def load_litellm() -> Any:
    """Import litellm with its network fetches switched off (safe to call from any thread)."""
    with _import_lock:
        offline.prepare()
        import litellm  # noqa: TID251 - the one sanctioned, deferred import

        # Notices about litellm's own pydantic types would reach a user's terminal: not theirs.
        warnings.filterwarnings("ignore", message=".*is using the `ReadOnly` qualifier")
        warnings.filterwarnings("ignore", message="Accessing the '.*' attribute on the instance")
        litellm.telemetry = False
        litellm.suppress_debug_info = True
        litellm.drop_params = True  # a parameter a provider lacks is dropped, not an error
        return litellm


class LiteLLMClient:
    def __init__(self) -> None:
        self._litellm: Any = None

    async def warm(self) -> None:
        if self._litellm is None:
            # Seconds of import: off the loop, and before any clock starts.
            self._litellm = await asyncio.to_thread(load_litellm)

    async def aclose(self) -> None:
        return None

    async def stream(self, request: ChatRequest) -> AsyncIterator[StreamPiece]:
        await self.warm()
        litellm = self._litellm
        kwargs: dict[str, Any] = {
            "model": request.model,
            "messages": [m.as_dict() for m in request.messages],
            "stream": True,
            "stream_options": {"include_usage": True},
            "timeout": request.timeout_s,
            "num_retries": 0,  # the runner retries, with its own backoff and accounting
            "max_retries": 0,
        }
        kwargs.update(request.params.as_request_fields())
        if request.api_base:
            kwargs["api_base"] = request.api_base
        if request.api_key:
            kwargs["api_key"] = request.api_key
        if request.headers:
            kwargs["extra_headers"] = dict(request.headers)
        try:
            response = await litellm.acompletion(**kwargs)
            async for chunk in response:
                piece = _piece(chunk)
                if piece is not None:
                    yield piece
        except ProviderError:
            raise
        except Exception as exc:
            raise to_provider_error(exc) from exc


def _piece(chunk: Any) -> StreamPiece | None:
    piece = StreamPiece()
    for choice in getattr(chunk, "choices", None) or ():
        delta = getattr(choice, "delta", None)
        content = getattr(delta, "content", None) if delta is not None else None
        if content:
            piece.text += content
        if getattr(choice, "finish_reason", None):
            piece.finish_reason = str(choice.finish_reason)
    usage = getattr(chunk, "usage", None)
    if usage is not None and getattr(usage, "completion_tokens", None) is not None:
        piece.input_tokens = int(usage.prompt_tokens or 0)
        piece.output_tokens = int(usage.completion_tokens)
    if not piece.text and piece.finish_reason is None and piece.output_tokens is None:
        return None
    return piece


def to_provider_error(exc: BaseException) -> ProviderError:
    """A litellm exception as the project's error, through the one table."""
    status = getattr(exc, "status_code", None)
    status = status if isinstance(status, int) and status >= 400 else None
    kind = kind_for_exception(exc)
    if kind is None or (kind in _GENERIC and status is not None):
        kind = kind_for_status(status, str(exc)) if status is not None else ErrorKind.UNKNOWN
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None)
    retry_after = parse_retry_after(headers.get("retry-after")) if headers is not None else None
    detail = str(getattr(exc, "message", "") or exc)
    return ProviderError(
        kind, _strip_litellm_prefix(detail), status=status, retry_after_s=retry_after
    )


def _strip_litellm_prefix(detail: str) -> str:
    # litellm prefixes messages with "litellm.RateLimitError: OpenAIException - ..."; keep the tail.
    for marker in ("Exception - ", "Error - "):
        if marker in detail:
            detail = detail.split(marker, 1)[1]
    return detail.strip()[:300]
