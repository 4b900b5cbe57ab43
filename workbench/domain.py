"""The core's value types: prompts, models, the plan of cells, and what a cell produced.

Plain frozen dataclasses with no behaviour beyond small derived properties, so the store, the window
and the command line can all hold them without knowing how a run works.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

Role = Literal["system", "user", "assistant"]
ROLES: tuple[Role, ...] = ("system", "user", "assistant")


@dataclass(frozen=True, slots=True)
class Message:
    """One chat message. `content` is a Jinja2 template until rendered."""

    role: Role
    content: str

    def as_dict(self) -> dict[str, str]:
        """The chat-completions wire shape, also how records and the store keep a message."""
        return {"role": self.role, "content": self.content}


@dataclass(frozen=True, slots=True)
class ModelParams:
    """Sampling parameters; None means "the provider's default" and is not sent."""

    temperature: float | None = None
    top_p: float | None = None
    max_tokens: int | None = None
    seed: int | None = None
    stop: tuple[str, ...] = ()

    def merged(self, override: ModelParams) -> ModelParams:
        """These parameters with every field `override` sets taking precedence."""
        return ModelParams(
            temperature=override.temperature
            if override.temperature is not None
            else self.temperature,
            top_p=override.top_p if override.top_p is not None else self.top_p,
            max_tokens=override.max_tokens if override.max_tokens is not None else self.max_tokens,
            seed=override.seed if override.seed is not None else self.seed,
            stop=override.stop or self.stop,
        )

    def as_request_fields(self) -> dict[str, object]:
        """The fields to send in a chat-completions request (unset ones left out)."""
        fields: dict[str, object] = {}
        if self.temperature is not None:
            fields["temperature"] = self.temperature
        if self.top_p is not None:
            fields["top_p"] = self.top_p
        if self.max_tokens is not None:
            fields["max_tokens"] = self.max_tokens
        if self.seed is not None:
            fields["seed"] = self.seed
        if self.stop:
            fields["stop"] = list(self.stop)
        return fields


@dataclass(frozen=True, slots=True)
class PromptTemplate:
    """A prompt: chat messages with `{{variables}}`, plus defaults that came with it."""

    name: str
    messages: tuple[Message, ...]
    description: str = ""
    params: ModelParams = field(default_factory=ModelParams)
    defaults: Mapping[str, str] = field(default_factory=dict)
    source_path: str | None = None
    # Front-matter fields kept as the file had them (inputs, sample, authors, tags, ...), so a
    # prompt written back out loses nothing; `defaults` is what the workbench reads from them.
    meta: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class UserPrice:
    """A price the user set, in USD per million tokens."""

    input_per_mtok: float
    output_per_mtok: float


Transport = Literal["auto", "openai", "litellm"]


@dataclass(frozen=True, slots=True)
class ModelSpec:
    """A model to run: a litellm model string, optionally at an OpenAI-compatible base URL.

    `transport` picks the client: "openai" is the project's lean streaming client for endpoints that
    speak the chat-completions wire format, "litellm" is litellm for everything else, and "auto"
    decides from the model string and base URL.
    """

    name: str
    api_base: str | None = None
    params: ModelParams = field(default_factory=ModelParams)
    transport: Transport = "auto"
    price: UserPrice | None = None
    api_key_name: str | None = None
    # What running a local model costs per hour of use (hardware, power); None: nothing.
    hourly_usd: float | None = None

    @property
    def label(self) -> str:
        return self.name


@dataclass(frozen=True, slots=True)
class Cell:
    """One call in a plan: a prompt rendered with one set of variables, sent to one model."""

    index: int
    prompt: PromptTemplate
    model: ModelSpec
    variables: Mapping[str, str]
    messages: tuple[Message, ...]
    repeat: int = 0
    case_index: int | None = None

    @property
    def params(self) -> ModelParams:
        """The model's parameters over the prompt's own: what this call is sent with."""
        return self.prompt.params.merged(self.model.params)


class TokensSource(enum.StrEnum):
    REPORTED = "reported"
    ESTIMATED = "estimated"


class CostSource(enum.StrEnum):
    PRICE_MAP = "litellm-price-map"
    USER = "user-price"
    LOCAL = "local"
    UNKNOWN = "unknown"
    CACHED = "cached"  # reused from the store: nothing was sent, nothing paid
    LOCAL_HOURLY = "local-hourly"  # a local model's price per hour times the call's latency


@dataclass(frozen=True, slots=True)
class Usage:
    input_tokens: int
    output_tokens: int
    source: TokensSource


@dataclass(frozen=True, slots=True)
class Cost:
    usd: float | None
    source: CostSource


@dataclass(frozen=True, slots=True)
class ServerTimings:
    """What the server measured itself (llama.cpp's `timings`, Ollama's eval counts), in ms.

    Prefill (reading the prompt) and decode (writing the answer) apart, which a client clock
    cannot separate: its time to first token also holds queueing and the network.
    """

    prompt_tokens: int | None = None
    prompt_ms: float | None = None
    decode_tokens: int | None = None
    decode_ms: float | None = None

    @property
    def prefill_tokens_per_s(self) -> float | None:
        return _rate(self.prompt_tokens, self.prompt_ms)

    @property
    def decode_tokens_per_s(self) -> float | None:
        return _rate(self.decode_tokens, self.decode_ms)


def _rate(count: int | None, ms: float | None) -> float | None:
    if count is None or ms is None or count <= 0 or ms <= 0:
        return None
    return count / (ms / 1000.0)


@dataclass(frozen=True, slots=True)
class Timings:
    """Client-side monotonic timings of the successful attempt, in milliseconds.

    `load_ms` is the time the server says it spent loading the model for this call (Ollama's
    load_duration), kept apart from `ttft_ms`, which it would otherwise swell. `server` holds the
    server's own prefill and decode figures where it reports them.
    """

    ttft_ms: float | None
    latency_ms: float
    decode_ms: float | None
    load_ms: float | None = None
    server: ServerTimings | None = None

    def output_tokens_per_s(self, output_tokens: int) -> float | None:
        """Output tokens over the time from first token to last byte (None when unmeasurable).

        A one-token answer has no decode time to speak of (its only token arrived at TTFT), and
        dividing by the microseconds to its last byte would claim thousands of tokens/s.
        """
        if self.decode_ms is None or self.decode_ms <= 0 or output_tokens < 2:
            return None
        return output_tokens / (self.decode_ms / 1000.0)


@dataclass(frozen=True, slots=True)
class CellError:
    """Why a cell failed, as stored and shown: a stable type code and a message for people."""

    type: str
    message: str
    retryable: bool

    def as_dict(self) -> dict[str, object]:
        return {"type": self.type, "message": self.message, "retryable": self.retryable}


@dataclass(frozen=True, slots=True)
class CellResult:
    """Everything a finished or failed cell produced, with its honest readouts."""

    cell: Cell
    output: str
    finish_reason: str | None
    usage: Usage | None
    cost: Cost
    timings: Timings | None
    attempts: int
    error: CellError | None = None
    cached: bool = False  # the output was reused from an earlier identical call

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def output_tokens_per_s(self) -> float | None:
        if self.timings is None or self.usage is None:
            return None
        return self.timings.output_tokens_per_s(self.usage.output_tokens)
