"""What every model client takes and yields."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Protocol

from workbench.domain import Message, ModelParams, ServerTimings


@dataclass(frozen=True, slots=True)
class ChatRequest:
    """One streaming chat call, ready to send."""

    model: str  # the name as the client expects it (no provider prefix for the lean client)
    messages: tuple[Message, ...]
    params: ModelParams
    api_base: str | None
    api_key: str | None
    timeout_s: float
    headers: tuple[tuple[str, str], ...] = field(default=())


@dataclass(slots=True)
class StreamPiece:
    """What arrived in one read: text (possibly several deltas joined), and at the end, finish
    reason and usage as the provider reported them."""

    text: str = ""
    finish_reason: str | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    server_timings: ServerTimings | None = None  # the server's own prefill/decode figures
    load_ms: float | None = None  # model load time the server reported for this call


class ChatClient(Protocol):
    def stream(self, request: ChatRequest) -> AsyncIterator[StreamPiece]:
        """Stream one call; failures raise ProviderError."""
        ...

    async def warm(self) -> None:
        """Load what the client needs before the first call, outside any timed region."""
        ...

    async def aclose(self) -> None: ...
