"""What a call cost, and where that figure came from.

Prices come from the price map litellm ships (read as a file: importing litellm takes seconds), or
from a price the user set. A model served from this machine or the local network costs nothing,
unless the user gave a price per hour of use (`ModelSpec.hourly_usd`): then a call costs that
share of an hour its latency took.
"""

from __future__ import annotations

import ipaddress
import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cache
from typing import Any
from urllib.parse import urlsplit

from workbench import offline
from workbench.domain import Cost, CostSource, ModelSpec

_PRICE_MAP_FILE = "model_prices_and_context_window_backup.json"
_LOCAL_PROVIDERS = ("ollama", "ollama_chat", "lm_studio", "hosted_vllm", "llamafile", "llamacpp")
_lock = threading.Lock()
_MS_PER_HOUR = 3_600_000


@dataclass(frozen=True, slots=True)
class ModelPrice:
    key: str
    provider: str
    input_per_token: float
    output_per_token: float
    mode: str
    max_input_tokens: int | None


@cache
def price_map() -> dict[str, dict[str, Any]]:
    """litellm's bundled price map; empty when litellm is not installed."""
    package = offline.litellm_package_dir()
    if package is None:
        return {}
    with _lock, (package / _PRICE_MAP_FILE).open(encoding="utf-8") as handle:
        loaded: dict[str, Any] = json.load(handle)
    loaded.pop("sample_spec", None)
    return {key: value for key, value in loaded.items() if isinstance(value, dict)}


def lookup(model: str) -> ModelPrice | None:
    """The price-map entry for a litellm model string (`openai/gpt-4o-mini` or `gpt-4o-mini`)."""
    table = price_map()
    provider, _, bare = model.partition("/") if "/" in model else ("", "", model)
    for key in (model, bare):
        entry = table.get(key)
        if entry is None:
            continue
        if provider and entry.get("litellm_provider") not in (provider, None) and key == bare:
            # `groq/llama3-8b` must not take the price of another provider's `llama3-8b`.
            continue
        return _price(key, entry)
    return None


def _price(key: str, entry: dict[str, Any]) -> ModelPrice | None:
    input_cost = entry.get("input_cost_per_token")
    output_cost = entry.get("output_cost_per_token")
    if input_cost is None and output_cost is None:
        return None
    max_input = entry.get("max_input_tokens")
    return ModelPrice(
        key=key,
        provider=str(entry.get("litellm_provider", "")),
        input_per_token=float(input_cost or 0.0),
        output_per_token=float(output_cost or 0.0),
        mode=str(entry.get("mode", "")),
        max_input_tokens=int(max_input) if isinstance(max_input, int) else None,
    )


def is_local(model: ModelSpec) -> bool:
    """True for a model served from this machine or the local network."""
    if model.name.split("/", 1)[0] in _LOCAL_PROVIDERS and model.api_base is None:
        return True
    if model.api_base is None:
        return False
    return is_local_host(urlsplit(model.api_base).hostname or "")


def is_local_host(host: str) -> bool:
    if host in ("localhost", "") or host.endswith((".local", ".localhost")):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_private or address.is_link_local


def cost_of(
    model: ModelSpec, input_tokens: int, output_tokens: int, latency_ms: float | None = None
) -> Cost:
    """What one call cost. A price per token the user set wins; then a price per hour (for the
    call's `latency_ms`; unknown without it); then a local model's nothing; then the price map."""
    if model.price is not None:
        usd = (
            input_tokens * model.price.input_per_mtok + output_tokens * model.price.output_per_mtok
        ) / 1_000_000
        return Cost(usd, CostSource.USER)
    if model.hourly_usd is not None:
        # The user's own price for their hardware, local or a rented box on a public address.
        if latency_ms is None:
            return Cost(None, CostSource.LOCAL_HOURLY)
        return Cost(model.hourly_usd * latency_ms / _MS_PER_HOUR, CostSource.LOCAL_HOURLY)
    if is_local(model):
        return Cost(0.0, CostSource.LOCAL)
    price = lookup(model.name)
    if price is None:
        return Cost(None, CostSource.UNKNOWN)
    usd = input_tokens * price.input_per_token + output_tokens * price.output_per_token
    return Cost(usd, CostSource.PRICE_MAP)


def priced_per_hour(
    models: Sequence[ModelSpec], hourly_usd: float | None, *, keep_own: bool = False
) -> list[ModelSpec]:
    """`models` with `hourly_usd` set on the local ones (hosted models keep their price map).

    `keep_own`: a model that has a price per hour of its own keeps it (the window's setting is a
    default); without it the given price wins (`--local-price-per-hour` prices the whole run).
    """
    if hourly_usd is None:
        return list(models)
    return [
        replace(m, hourly_usd=hourly_usd)
        if is_local(m) and not (keep_own and m.hourly_usd is not None)
        else m
        for m in models
    ]
