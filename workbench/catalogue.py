"""What models there are: asked of an endpoint, or read from litellm's price map.

An endpoint lists its models on OpenAI's /models (or Ollama's /api/tags). Local servers tell more
about each model on endpoints of their own: llama.cpp's /props, LM Studio's /api/v0/models,
Ollama's /api/show and /api/ps. Those are asked only once the answers say which server it is, and
only by the listing's own deadline: a detail that fails or comes late is left out, never a reason
to fail the listing.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace

import aiohttp

from workbench import pricing
from workbench.errors import ErrorKind, ProviderError, kind_for_status
from workbench.offline_guard import refused_by_guard
from workbench.providers.routing import server_root

# What answered, as `EndpointCatalogue.server_kind` says it.
OLLAMA = "Ollama"
LM_STUDIO = "LM Studio"
LLAMA_CPP = "llama.cpp"
VLLM = "vLLM"
OPENAI_COMPATIBLE = "OpenAI-compatible"

# `owned_by` names a model's owner in OpenAI's schema; only the values these servers are known to
# write about themselves are read as their name (Ollama writes the model's namespace: no sign).
_OWNED_BY = {"llamacpp": LLAMA_CPP, "vllm": VLLM, "organization_owner": LM_STUDIO}
_CHAT_KINDS = frozenset({"llm", "vlm"})  # LM Studio's types; "embeddings" cannot chat
_SHOW_REQUESTS = 8  # /api/show in flight at once per Ollama: it is asked once per model
# GGUF quantisation names as file names carry them: Q4_K_M, Q8_0, IQ3_XXS, F16, BF16.
_QUANTIZATION = re.compile(
    r"(?<![A-Za-z0-9])(I?Q[1-8](?:_[A-Za-z0-9]{1,3})*|BF16|FP16|F16|F32)(?![A-Za-z0-9])",
    re.IGNORECASE,
)
_NUM_CTX = re.compile(r"^num_ctx\s+(\d+)\s*$", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class EndpointModel:
    """One model a server lists, with what the server tells about it ("" or None: not told)."""

    id: str
    owned_by: str = ""
    size_bytes: int | None = None
    quantization: str = ""
    parameter_size: str = ""
    # The context the server runs the model with where told, else the most the model takes.
    context_length: int | None = None
    # The most the model takes (trained, or the server's cap), where the server tells it.
    max_context_length: int | None = None
    loaded: bool | None = None  # in memory now; None where the server does not say
    kind: str = ""  # "llm", "vlm" or "embeddings" where the server says
    arch: str = ""


@dataclass(frozen=True, slots=True)
class EndpointCatalogue:
    """Which server answered, and the models it serves."""

    server_kind: str  # OLLAMA, LM_STUDIO, LLAMA_CPP, VLLM or OPENAI_COMPATIBLE
    models: tuple[EndpointModel, ...]


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
    """Models an endpoint offers, with what its server tells about each (`endpoint_catalogue`)."""
    try:
        found = await endpoint_catalogue(api_base, timeout_s)
    except TimeoutError:
        raise ProviderError(
            ErrorKind.TIMEOUT, f"{api_base} listed no models within {timeout_s:g} s"
        ) from None
    return list(found.models)


async def endpoint_catalogue(api_base: str, timeout_s: float = 5.0) -> EndpointCatalogue:
    """Ask an endpoint what it serves: OpenAI-compatible /models, or Ollama's /api/tags.

    Then, by the same deadline, the details its kind of server offers. Raises ProviderError when
    the endpoint refuses or answers wrongly, TimeoutError when it lists nothing within `timeout_s`.
    """
    deadline = asyncio.get_running_loop().time() + timeout_s
    # The deadline decides; the client's own bound is a backstop with slack, so a slow server
    # always reads as a timeout and a fallback after a fast failure cannot double the wait.
    timeout = aiohttp.ClientTimeout(total=timeout_s * 2)
    async with aiohttp.ClientSession(timeout=timeout, trust_env=False) as session:
        async with asyncio.timeout_at(deadline):
            kind, models = await _listing(session, api_base)
        asker = _Asker(session, server_root(api_base), deadline)
        kind, models = await _with_details(asker, kind, models)
    return EndpointCatalogue(kind, tuple(models))


async def _fetch_json(
    session: aiohttp.ClientSession, url: str, body: object | None = None
) -> object:
    """GET `url` (POST `body` as JSON when given) and parse the answer; ProviderError if none."""
    try:
        request = session.get(url) if body is None else session.post(url, json=body)
        async with request as response:
            text = await response.text()
            if response.status >= 400:
                raise ProviderError(kind_for_status(response.status, text), url, response.status)
    except aiohttp.ClientConnectorError as exc:
        refused = refused_by_guard(exc.os_error)
        if refused is not None:
            raise refused from exc
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


async def _listing(
    session: aiohttp.ClientSession, api_base: str
) -> tuple[str, list[EndpointModel]]:
    """The models listed, and the server's kind when the listing tells it ("" when not)."""
    try:
        payload = await _fetch_json(session, api_base.rstrip("/") + "/models")
        items = _items(payload, "data")
        if items is None:
            raise ProviderError(ErrorKind.BAD_RESPONSE, "the /models answer has no 'data' list")
    except ProviderError as first:
        if first.kind is ErrorKind.CONNECTION:
            raise
        try:  # an Ollama older than its OpenAI-compatible /v1
            tags = _items(await _fetch_json(session, server_root(api_base) + "/api/tags"), "models")
        except ProviderError:
            raise first from None
        if tags is None:
            raise first from None
        return OLLAMA, _present(_ollama_model(item) for item in tags)
    return _kind_of(items), _present(_openai_model(item) for item in items)


@dataclass(frozen=True, slots=True)
class _Asker:
    """Asks one server for details by the listing's deadline; a failure or a late answer is None."""

    session: aiohttp.ClientSession
    root: str
    deadline: float

    async def ask(
        self, path: str, body: object | None = None, slots: asyncio.Semaphore | None = None
    ) -> object | None:
        """The answer to `path` (POST `body` when given); `slots` bounds requests in flight."""
        try:
            async with asyncio.timeout_at(self.deadline), slots or contextlib.nullcontext():
                return await _fetch_json(self.session, self.root + path, body)
        except (TimeoutError, ProviderError):
            return None


async def _with_details(
    asker: _Asker, kind: str, models: list[EndpointModel]
) -> tuple[str, list[EndpointModel]]:
    if kind == LLAMA_CPP:
        return kind, await _llama_cpp_details(asker, models)
    if kind == LM_STUDIO:
        return kind, _lm_studio_details(await asker.ask("/api/v0/models"), models)
    if kind == OLLAMA:
        return kind, await _ollama_details(asker, models)
    if kind == VLLM:
        return kind, models  # /v1/models already carries max_model_len
    # The listing did not say: Ollama and LM Studio tell themselves by their own endpoints.
    tags, native = await asyncio.gather(asker.ask("/api/tags"), asker.ask("/api/v0/models"))
    tagged = _items(tags, "models")
    if tagged is not None:
        by_name = {model.id: model for model in _present(map(_ollama_model, tagged))}
        return OLLAMA, await _ollama_details(asker, [by_name.get(m.id, m) for m in models])
    if _items(native, "data") is not None:
        return LM_STUDIO, _lm_studio_details(native, models)
    return OPENAI_COMPATIBLE, models


def _openai_model(item: dict[str, object]) -> EndpointModel | None:
    if "id" not in item:
        return None
    meta = _dict(item.get("meta"))  # llama.cpp's figures from the GGUF file
    status = _text(_dict(item.get("status")).get("value"))  # llama.cpp's router
    trained = _int(meta.get("n_ctx_train"))
    context = (
        _int(item.get("context_length"))
        or _int(item.get("max_model_len"))
        or _int(meta.get("n_ctx"))
        or trained
    )
    return EndpointModel(
        id=str(item["id"]),
        owned_by=_text(item.get("owned_by")),
        size_bytes=_int(meta.get("size")),
        parameter_size=_parameter_size(_int(meta.get("n_params"))),
        context_length=context,
        max_context_length=trained,
        loaded={"loaded": True, "unloaded": False}.get(status),
    )


def _ollama_model(item: dict[str, object]) -> EndpointModel | None:
    name = item.get("name") or item.get("model")
    if not isinstance(name, str):
        return None
    details = _dict(item.get("details"))
    return EndpointModel(
        id=name,
        owned_by="ollama",
        size_bytes=_int(item.get("size")),
        quantization=_text(details.get("quantization_level")),
        parameter_size=_text(details.get("parameter_size")),
        arch=_text(details.get("family")),
    )


async def _llama_cpp_details(asker: _Asker, models: list[EndpointModel]) -> list[EndpointModel]:
    # /props describes the one model a server runs; a router serving several is not asked.
    props = _dict(await asker.ask("/props")) if len(models) == 1 else {}
    running = _int(_dict(props.get("default_generation_settings")).get("n_ctx"))
    path = _text(props.get("model_path"))
    return [
        replace(
            model,
            context_length=running or model.context_length,
            quantization=model.quantization or _quantization_in(model.id, path),
        )
        for model in models
    ]


def _lm_studio_details(native: object, models: list[EndpointModel]) -> list[EndpointModel]:
    told = {str(item["id"]): item for item in _items(native, "data") or () if "id" in item}
    found = []
    for model in models:
        item = told.get(model.id)
        if item is None:
            found.append(model)
            continue
        kind = _text(item.get("type"))
        if kind and kind not in _CHAT_KINDS:
            continue
        most = _int(item.get("max_context_length"))
        found.append(
            replace(
                model,
                quantization=_text(item.get("quantization")) or model.quantization,
                context_length=_int(item.get("loaded_context_length")) or most,
                max_context_length=most,
                loaded={"loaded": True, "not-loaded": False}.get(_text(item.get("state"))),
                kind=kind,
                arch=_text(item.get("arch")),
            )
        )
    return found


async def _ollama_details(asker: _Asker, models: list[EndpointModel]) -> list[EndpointModel]:
    slots = asyncio.Semaphore(_SHOW_REQUESTS)
    shows = (asker.ask("/api/show", {"model": model.id}, slots) for model in models)
    *shown, running = await asyncio.gather(*shows, asker.ask("/api/ps"))
    ps = _items(running, "models")
    loaded = {_text(item.get("name") or item.get("model")): item for item in ps or ()}
    found = []
    for model, show in zip(models, shown, strict=True):
        item = loaded.get(model.id)
        detailed = _ollama_shown(model, _dict(show))
        if detailed is None:
            continue
        if ps is not None:
            runs_with = _int(item.get("context_length")) if item is not None else None
            detailed = replace(
                detailed,
                loaded=item is not None,
                context_length=runs_with or detailed.context_length,
            )
        found.append(detailed)
    return found


def _ollama_shown(model: EndpointModel, show: dict[str, object]) -> EndpointModel | None:
    """`model` with what /api/show told; None for a model that only embeds."""
    if not show:
        return model
    details, info = _dict(show.get("details")), _dict(show.get("model_info"))
    arch = _text(info.get("general.architecture"))
    most = _int(info.get(f"{arch}.context_length")) if arch else None
    set_ctx = _NUM_CTX.search(_text(show.get("parameters")))  # the Modelfile's PARAMETER num_ctx
    runs_with = int(set_ctx.group(1)) if set_ctx else None
    can = show.get("capabilities")
    can = can if isinstance(can, list) else []
    if "embedding" in can and "completion" not in can:
        return None
    kind = ("vlm" if "vision" in can else "llm") if "completion" in can else ""
    return replace(
        model,
        quantization=_text(details.get("quantization_level")) or model.quantization,
        parameter_size=_text(details.get("parameter_size")) or model.parameter_size,
        context_length=runs_with or most or model.context_length,
        max_context_length=most,
        kind=kind,
        arch=arch or model.arch,
    )


def _kind_of(items: list[dict[str, object]]) -> str:
    for item in items:
        if isinstance(item.get("meta"), dict):
            return LLAMA_CPP
        owner = item.get("owned_by")
        if isinstance(owner, str) and owner in _OWNED_BY:
            return _OWNED_BY[owner]
    return ""


def _quantization_in(*names: str) -> str:
    """The quantisation a GGUF file name carries (the last one named), or ""."""
    for name in names:
        found = _QUANTIZATION.findall(name)
        if found:
            return str(found[-1]).upper()
    return ""


def _parameter_size(count: int | None) -> str:
    """As Ollama writes it: 8.0B, 135M."""
    if count is None:
        return ""
    return f"{count / 1e9:.1f}B" if count >= 1_000_000_000 else f"{count / 1e6:.0f}M"


def _items(payload: object, key: str) -> list[dict[str, object]] | None:
    """The objects in `payload[key]`; None when it is not a list (not the answer expected)."""
    found = payload.get(key) if isinstance(payload, dict) else None
    if not isinstance(found, list):
        return None
    return [item for item in found if isinstance(item, dict)]


def _present(models: Iterable[EndpointModel | None]) -> list[EndpointModel]:
    return [model for model in models if model is not None]


def _dict(value: object) -> dict[str, object]:
    return value if isinstance(value, dict) else {}


def _int(value: object) -> int | None:
    """A positive count, or None (absent, zero, or not a number)."""
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""
