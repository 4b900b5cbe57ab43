"""What models there are: asked of an endpoint, or read from litellm's price map."""

from __future__ import annotations

import json
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import aiohttp

from workbench import pricing
from workbench.errors import ErrorKind, ProviderError, kind_for_status


@dataclass(frozen=True, slots=True)
class EndpointModel:
    id: str
    owned_by: str = ""
    size_bytes: int | None = None
    quantization: str = ""
    parameter_size: str = ""
    context_length: int | None = None


@dataclass(frozen=True, slots=True)
class CatalogueModel:
    name: str
    provider: str
    input_per_mtok: float
    output_per_mtok: float
    max_input_tokens: int | None


def hosted_models(provider: str | None = None, search: str | None = None) -> list[CatalogueModel]:
    """Chat models in litellm's bundled price map, with prices per million tokens."""
    found: list[CatalogueModel] = []
    for key in sorted(pricing.price_map()):
        price = pricing.lookup(key)
        if price is None or price.mode != "chat":
            continue
        if provider and price.provider != provider:
            continue
        if search and search.lower() not in key.lower():
            continue
        found.append(
            CatalogueModel(
                name=key,
                provider=price.provider,
                input_per_mtok=price.input_per_token * 1_000_000,
                output_per_mtok=price.output_per_token * 1_000_000,
                max_input_tokens=price.max_input_tokens,
            )
        )
    return found


async def endpoint_models(api_base: str, timeout_s: float = 5.0) -> list[EndpointModel]:
    """Models an endpoint offers: OpenAI-compatible /models, or Ollama's /api/tags."""
    timeout = aiohttp.ClientTimeout(total=timeout_s)
    async with aiohttp.ClientSession(timeout=timeout, trust_env=False) as session:
        try:
            return await _openai_models(session, api_base)
        except ProviderError as first:
            if first.kind is ErrorKind.CONNECTION:
                raise
            try:
                return await _ollama_models(session, api_base)
            except ProviderError:
                raise first from None


async def _get_json(session: aiohttp.ClientSession, url: str) -> object:
    try:
        async with session.get(url) as response:
            text = await response.text()
            if response.status >= 400:
                raise ProviderError(kind_for_status(response.status, text), url, response.status)
    except aiohttp.ClientConnectorError as exc:
        raise ProviderError(
            ErrorKind.CONNECTION, f"cannot connect to {exc.host}:{exc.port}"
        ) from exc
    except (TimeoutError, aiohttp.ClientError) as exc:
        raise ProviderError(
            ErrorKind.CONNECTION, f"{url}: {str(exc) or type(exc).__name__}"
        ) from exc
    try:
        return json.loads(text)
    except ValueError as exc:
        raise ProviderError(ErrorKind.BAD_RESPONSE, f"{url} did not answer with JSON") from exc


async def _openai_models(session: aiohttp.ClientSession, api_base: str) -> list[EndpointModel]:
    payload = await _get_json(session, api_base.rstrip("/") + "/models")
    data = payload.get("data") if isinstance(payload, dict) else None
    if not isinstance(data, list):
        raise ProviderError(ErrorKind.BAD_RESPONSE, "the /models answer has no 'data' list")
    models = []
    for item in data:
        if isinstance(item, dict) and "id" in item:
            context = item.get("context_length") or item.get("max_model_len")
            models.append(
                EndpointModel(
                    id=str(item["id"]),
                    owned_by=str(item.get("owned_by", "")),
                    context_length=context if isinstance(context, int) else None,
                )
            )
    return models


async def _ollama_models(session: aiohttp.ClientSession, api_base: str) -> list[EndpointModel]:
    parts = urlsplit(api_base)
    root = urlunsplit((parts.scheme, parts.netloc, "", "", ""))
    payload = await _get_json(session, root + "/api/tags")
    items = payload.get("models") if isinstance(payload, dict) else None
    if not isinstance(items, list):
        raise ProviderError(ErrorKind.BAD_RESPONSE, "the /api/tags answer has no 'models' list")
    models = []
    for item in items:
        if not isinstance(item, dict):
            continue
        details = item.get("details") if isinstance(item.get("details"), dict) else {}
        assert isinstance(details, dict)
        size = item.get("size")
        models.append(
            EndpointModel(
                id=str(item.get("name") or item.get("model")),
                owned_by="ollama",
                size_bytes=size if isinstance(size, int) else None,
                quantization=str(details.get("quantization_level", "")),
                parameter_size=str(details.get("parameter_size", "")),
            )
        )
    return models
