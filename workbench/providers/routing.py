"""Which client serves a model, at which URL, with which key.

The lean client takes OpenAI and every OpenAI-compatible endpoint (any model given a base URL, and
LM Studio on its usual port); litellm takes every other provider. `ollama/x` and `ollama_chat/x` go
to Ollama's own API at the server's root, whose answers carry the server's prefill and decode
figures (its /v1 drops them); `transport="openai"` still sends them to its /v1.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit, urlunsplit

from workbench import pricing
from workbench.domain import ModelSpec

OPENAI_BASE = "https://api.openai.com/v1"
LOCAL_BASES = {
    "ollama": "http://localhost:11434/v1",
    "ollama_chat": "http://localhost:11434/v1",
    "lm_studio": "http://localhost:1234/v1",
}
OLLAMA_ROOT = "http://localhost:11434"
_OLLAMA_PREFIXES = ("ollama", "ollama_chat")
# Prefixes that only say "OpenAI wire format"; the server wants the name after them.
_WIRE_PREFIXES = ("openai", "ollama", "ollama_chat", "lm_studio", "hosted_vllm", "openai_like")


@dataclass(frozen=True, slots=True)
class Route:
    transport: Literal["openai", "litellm", "ollama"]
    wire_model: str
    api_base: str | None
    key_provider: str | None  # whose key to send; None sends none
    local: bool  # a server on this machine or network: no key required, no cost

    @property
    def endpoint(self) -> str:
        """What per-endpoint concurrency limits are keyed by: one server, whichever API is used
        (Ollama's root and its /v1 are one endpoint)."""
        if self.api_base:
            return server_root(self.api_base)
        return f"{self.transport}:{self.key_provider or 'default'}"


def provider_of(name: str) -> str | None:
    prefix, slash, _ = name.partition("/")
    return prefix if slash else None


def route(model: ModelSpec) -> Route:
    prefix = provider_of(model.name)
    local = pricing.is_local(model)
    if model.transport == "litellm" or (
        model.transport == "auto" and not _speaks_openai(model, prefix)
    ):
        # litellm needs a provider prefix; a bare name at a base URL is an OpenAI-compatible server.
        wire = f"openai/{model.name}" if model.api_base and prefix is None else model.name
        return Route(
            "litellm",
            wire,
            model.api_base,
            model.api_key_name or _litellm_provider(model),
            local,
        )
    if prefix in _OLLAMA_PREFIXES and model.transport == "auto":
        root = server_root(model.api_base) if model.api_base else OLLAMA_ROOT
        return Route("ollama", model.name.split("/", 1)[1], root, model.api_key_name, local)
    base = model.api_base or LOCAL_BASES.get(prefix or "") or OPENAI_BASE
    wire = model.name.split("/", 1)[1] if prefix in _WIRE_PREFIXES else model.name
    # A key goes only where it belongs: OpenAI's key to OpenAI, a named key where the user said.
    key_provider = model.api_key_name or ("openai" if base == OPENAI_BASE else None)
    return Route("openai", wire, base, key_provider, local)


def server_root(api_base: str) -> str:
    """A base URL without `/v1`, a query or a trailing slash: where a server's native API is."""
    parts = urlsplit(api_base.rstrip("/"))
    return urlunsplit((parts.scheme, parts.netloc, parts.path.removesuffix("/v1"), "", ""))


def _speaks_openai(model: ModelSpec, prefix: str | None) -> bool:
    if model.api_base is not None or prefix in _WIRE_PREFIXES:
        return True
    if prefix is None:
        price = pricing.lookup(model.name)
        return price is None or price.provider in ("openai", "text-completion-openai")
    return False


def _litellm_provider(model: ModelSpec) -> str | None:
    prefix = provider_of(model.name)
    if prefix is not None:
        return prefix
    price = pricing.lookup(model.name)
    return price.provider if price is not None else None
