"""promptfoo provider ids and the workbench's litellm model names, both ways.

`openai:chat:gpt-4o-mini` is `gpt-4o-mini`, `anthropic:messages:claude-…` is `anthropic/claude-…`,
and so on for the chat providers both tools know. Sampling settings in a provider's `config` become
the model's parameters; a key's environment variable becomes the name the key is stored under.
Anything else in a provider (its label, other config fields) is reported by name, never kept
silently; an API key written into the file is never carried anywhere.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from workbench import pricing
from workbench.domain import ModelParams, ModelSpec
from workbench.errors import UsageError
from workbench.providers.routing import provider_of
from workbench.secrets import env_var_for, provider_for_env


@dataclass(frozen=True, slots=True)
class _Family:
    """One promptfoo provider family: the litellm prefix it maps to and its id's second word."""

    litellm: str  # "" for ids whose model is already a litellm name (openai, litellm)
    chat_words: frozenset[str] = frozenset()  # `openai:chat:NAME`: the word before the model
    refused_words: frozenset[str] = frozenset()  # APIs that are not chat (embeddings, images)
    write_word: str | None = None  # the word the writer puts before the model, if any
    needs_word: bool = False  # azure: `azure:chat:NAME`, never `azure:NAME`


_EMBEDDINGS = frozenset({"embedding", "embeddings"})
_FAMILIES: Mapping[str, _Family] = {
    "openai": _Family(
        "",
        frozenset({"chat", "responses"}),
        frozenset(
            {"completion", "moderation", "realtime", "transcription", "assistant", "image"}
            | {"video", "agents", "chatkit", "codex", "codex-sdk", "codex-app-server"}
            | {"codex-desktop"}
            | _EMBEDDINGS
        ),
        "chat",
    ),
    "anthropic": _Family(
        "anthropic",
        frozenset({"messages"}),
        frozenset({"completion", "claude-agent-sdk", "claude-code"}),
        "messages",
    ),
    "ollama": _Family("ollama", frozenset({"chat", "completion"}), _EMBEDDINGS, "chat"),
    "mistral": _Family("mistral", frozenset({"chat"}), _EMBEDDINGS),
    "groq": _Family("groq", frozenset({"responses"})),
    "openrouter": _Family("openrouter"),
    "google": _Family("gemini", refused_words=frozenset({"live", "image", "video"}) | _EMBEDDINGS),
    "palm": _Family("gemini", refused_words=frozenset({"live", "image", "video"}) | _EMBEDDINGS),
    "vertex": _Family("vertex_ai", frozenset({"chat"}), frozenset({"video"}) | _EMBEDDINGS),
    "azure": _Family("azure", frozenset({"chat"}), write_word="chat", needs_word=True),
    "azureopenai": _Family("azure", frozenset({"chat"}), needs_word=True),
    "deepseek": _Family("deepseek"),
    "xai": _Family("xai", refused_words=frozenset({"image", "video", "voice"}) | _EMBEDDINGS),
    "togetherai": _Family("together_ai"),
    "fireworks": _Family("fireworks_ai"),
    "perplexity": _Family("perplexity"),
    "cohere": _Family("cohere", frozenset({"chat"}), _EMBEDDINGS),
    "litellm": _Family("", frozenset({"chat"}), _EMBEDDINGS),
}
# The promptfoo family each litellm prefix is written as (the first family naming it).
_WRITE_FAMILY: Mapping[str, str] = {
    family.litellm: name
    for name, family in reversed(list(_FAMILIES.items()))
    if family.litellm and name not in ("palm", "azureopenai")
}
_OPENAI_PRICE_PROVIDERS = (None, "openai", "text-completion-openai")
# Config names providers use for the workbench's parameters; the first of each is canonical.
_PARAM_NAMES: Mapping[str, tuple[str, ...]] = {
    "temperature": ("temperature",),
    "top_p": ("top_p", "topP"),
    "max_tokens": ("max_tokens", "maxOutputTokens", "num_predict"),
    "seed": ("seed",),
    "stop": ("stop", "stopSequences", "stop_sequences"),
}
# How a family spells a parameter when it is not the canonical name.
_WRITE_NAMES: Mapping[str, Mapping[str, str]] = {
    "ollama": {"max_tokens": "num_predict"},
    "google": {"max_tokens": "maxOutputTokens", "top_p": "topP", "stop": "stopSequences"},
    "vertex": {"max_tokens": "maxOutputTokens", "top_p": "topP", "stop": "stopSequences"},
}
_CONNECTION_KEYS = ("apiBaseUrl", "apiHost", "apiKeyEnvar", "apiKey")
_PROVIDER_KEYS = ("id", "label", "config")


def model_from_provider(raw: object, where: str) -> tuple[ModelSpec, list[str]]:
    """A model from one `providers:` entry (an id, or a mapping with `id` and `config`)."""
    provider_id, label, config, notes = _unpack(raw, where)
    family_name, name, id_notes = _parse_id(provider_id, where)
    notes += id_notes
    if label is not None:
        notes.append(f"{where}: provider label {label!r} not carried over")
    params, rest = params_from_config(config, where)
    api_base = _api_base(config, family_name, where, notes)
    key_name = _key_name(config, where, notes)
    notes += [f"{where}: provider config field {key!r} not carried over" for key in rest]
    return ModelSpec(name=name, api_base=api_base, params=params, api_key_name=key_name), notes


def _unpack(raw: object, where: str) -> tuple[str, object, Mapping[str, object], list[str]]:
    notes: list[str] = []
    if isinstance(raw, str):
        return raw, None, {}, notes
    if not isinstance(raw, Mapping):
        raise UsageError(f"{where}: a provider must be an id or a mapping with an 'id'")
    body: Mapping[str, object] = raw
    provider_id = raw.get("id")
    if provider_id is None and len(raw) == 1:
        # The older form `- openai:gpt-4o: {config: ...}`: the id is the only key.
        ((key, inner),) = raw.items()
        body = inner if isinstance(inner, Mapping) else {}
        provider_id = body.get("id", key)
    if not isinstance(provider_id, str) or not provider_id:
        raise UsageError(f"{where}: a provider needs an 'id' (text)")
    config = body.get("config", {})
    if config is None:
        config = {}
    if not isinstance(config, Mapping):
        raise UsageError(f"{where}: provider config must be a mapping")
    notes += [
        f"{where}: provider field {key!r} not carried over"
        for key in body
        if key not in _PROVIDER_KEYS
    ]
    return provider_id, body.get("label"), config, notes


def _parse_id(provider_id: str, where: str) -> tuple[str, str, list[str]]:
    prefix, _, rest = provider_id.partition(":")
    family = _FAMILIES.get(prefix)
    if family is None:
        raise UsageError(
            f"{where}: provider {provider_id!r} is not one the workbench can run "
            f"(it knows {', '.join(sorted(_FAMILIES))})"
        )
    word, colon, tail = rest.partition(":")
    notes: list[str] = []
    if colon and word in family.chat_words:
        model = tail
        if word == "responses":
            notes.append(
                f"{where}: provider {provider_id!r} uses the Responses API in promptfoo; "
                "the workbench calls chat completions"
            )
    elif word in family.refused_words or family.needs_word:
        raise UsageError(f"{where}: provider {provider_id!r} is not a chat model")
    else:
        model = rest
    if not model:
        raise UsageError(f"{where}: provider {provider_id!r} names no model")
    name = f"{family.litellm}/{model}" if family.litellm else model
    return prefix, name, notes


def params_from_config(config: Mapping[str, object], where: str) -> tuple[ModelParams, list[str]]:
    """Sampling parameters from a promptfoo config, and the config keys that are not them."""
    values: dict[str, object] = {}
    used: set[str] = set()
    for field_name, spellings in _PARAM_NAMES.items():
        for spelling in spellings:
            if spelling in config and config[spelling] is not None:
                values.setdefault(field_name, config[spelling])
                used.add(spelling)
    params = ModelParams(
        temperature=_number(values.get("temperature"), "temperature", where),
        top_p=_number(values.get("top_p"), "top_p", where),
        max_tokens=_whole(values.get("max_tokens"), "max_tokens", where),
        seed=_whole(values.get("seed"), "seed", where),
        stop=_stop(values.get("stop"), where),
    )
    rest = [key for key in config if key not in used and key not in _CONNECTION_KEYS]
    return params, rest


def _number(value: object, name: str, where: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not abs(value) < 1e308:
        raise UsageError(f"{where}: {name} must be a finite number, not {value!r}")
    return float(value)


def _whole(value: object, name: str, where: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise UsageError(f"{where}: {name} must be a whole number, not {value!r}")
    return value


def _stop(value: object, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return tuple(value)
    raise UsageError(f"{where}: stop must be text or a list of text")


def _api_base(
    config: Mapping[str, object], family: str, where: str, notes: list[str]
) -> str | None:
    base, host = config.get("apiBaseUrl"), config.get("apiHost")
    for key, value in (("apiBaseUrl", base), ("apiHost", host)):
        if value is not None and not isinstance(value, str):
            raise UsageError(f"{where}: {key} must be text")
    if isinstance(base, str):
        if host is not None:
            notes.append(f"{where}: provider config field 'apiHost' not carried over")
        return base
    if isinstance(host, str):
        return f"https://{host}/v1" if family == "openai" else f"https://{host}"
    return None


def _key_name(config: Mapping[str, object], where: str, notes: list[str]) -> str | None:
    if "apiKey" in config:
        notes.append(
            f"{where}: provider config field 'apiKey' not carried over (keys are never kept in "
            "files; set the provider's environment variable)"
        )
    variable = config.get("apiKeyEnvar")
    if variable is None:
        return None
    name = provider_for_env(variable) if isinstance(variable, str) else None
    if name is None:
        notes.append(
            f"{where}: apiKeyEnvar {variable!r} not carried over (the workbench reads "
            "NAME_API_KEY variables)"
        )
    return name


def provider_from_model(model: ModelSpec) -> object:
    """The `providers:` entry for a model: its id alone, or a mapping with its config."""
    provider_id = provider_id_for(model.name)
    family = provider_id.partition(":")[0]
    config: dict[str, object] = {}
    spell = _WRITE_NAMES.get(family, {})
    for field_name, value in model.params.as_request_fields().items():
        config[spell.get(field_name, field_name)] = value
    if model.api_base is not None:
        config["apiBaseUrl"] = model.api_base
    if model.api_key_name is not None:
        config["apiKeyEnvar"] = env_var_for(model.api_key_name)
    return {"id": provider_id, "config": config} if config else provider_id


def provider_id_for(name: str) -> str:
    """The promptfoo id for a litellm model name; `litellm:NAME` when no family fits."""
    prefix = provider_of(name)
    if prefix is None:
        price = pricing.lookup(name)
        owner = price.provider if price is not None else None
        if owner in _OPENAI_PRICE_PROVIDERS:
            candidates = [f"openai:chat:{name}"]
        elif owner in _WRITE_FAMILY:
            # A bare name litellm sends elsewhere (`claude-3-haiku-…`): say where.
            return _family_id(_WRITE_FAMILY[owner], name)
        else:
            candidates = []
    elif prefix in _WRITE_FAMILY:
        candidates = [_family_id(_WRITE_FAMILY[prefix], name.split("/", 1)[1])]
    else:
        candidates = []
    candidates += [f"litellm:{name}", f"litellm:chat:{name}"]
    for candidate in candidates:
        try:
            if _parse_id(candidate, "")[1] == name:
                return candidate
        except UsageError:
            continue
    return f"litellm:chat:{name}"


def _family_id(family_name: str, model: str) -> str:
    word = _FAMILIES[family_name].write_word
    return f"{family_name}:{word}:{model}" if word else f"{family_name}:{model}"


def unwritable_model_fields(model: ModelSpec, where: str) -> list[str]:
    """Notes for what of a model a promptfoo provider cannot say."""
    notes: list[str] = []
    if model.transport != "auto":
        notes.append(f"{where}: model {model.name!r} transport {model.transport!r} not written")
    if model.price is not None:
        notes.append(f"{where}: model {model.name!r} price not written")
    return notes
