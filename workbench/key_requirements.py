"""Whether a model can run with the keys at hand, said before any call is made.

The rule is the runner's: `routing.route` names whose key a model's calls send (or none), the key is
looked up in the keyring and then the provider's variable, and it is required unless the server is
local. `check_route` states that rule once; the runner and the window both call it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from workbench.domain import ModelSpec
from workbench.providers.routing import Route, route
from workbench.secrets import KeyStore, env_var_for, resolve_key

# How providers' names read in a sentence; others are shown as litellm spells them.
_DISPLAY_NAMES: Mapping[str, str] = {
    "openai": "OpenAI",
    "anthropic": "Anthropic",
    "gemini": "Gemini",
    "mistral": "Mistral",
    "groq": "Groq",
    "cohere": "Cohere",
    "deepseek": "DeepSeek",
    "openrouter": "OpenRouter",
    "together_ai": "Together AI",
    "xai": "xAI",
    "fireworks_ai": "Fireworks AI",
    "perplexity": "Perplexity",
    "azure": "Azure",
}


@dataclass(frozen=True, slots=True)
class KeyCheck:
    """Whose key a model's calls send, and whether one was found."""

    provider: str | None  # None: the calls send no key
    local: bool  # a server on this machine or network needs no key
    source: str  # "keyring", "env:NAME" or "none"
    key: str | None = field(default=None, repr=False)
    keyring_usable: bool = True  # False: only the environment variable can supply the key

    @property
    def required(self) -> bool:
        return self.provider is not None and not self.local

    @property
    def missing(self) -> bool:
        return self.required and self.key is None

    @property
    def env_var(self) -> str | None:
        return env_var_for(self.provider) if self.provider is not None else None


def check_route(
    target: Route, keys: KeyStore | None, environ: Mapping[str, str] | None = None
) -> KeyCheck:
    """The key `target` sends, found as the runner finds it (the keyring, then the variable)."""
    if target.key_provider is None:
        return KeyCheck(None, target.local, "none")
    resolved = resolve_key(target.key_provider, keys, environ)
    usable = True
    if resolved.value is None and not target.local:
        usable = keys is not None and _secure(keys)
    return KeyCheck(target.key_provider, target.local, resolved.source, resolved.value, usable)


def _secure(keys: KeyStore) -> bool:
    try:
        return keys.is_secure()
    except Exception:  # noqa: BLE001 - a keyring that cannot answer is one the user cannot use
        return False


def check_key(
    model: ModelSpec, keys: KeyStore | None, environ: Mapping[str, str] | None = None
) -> KeyCheck:
    """`check_route` for a model. Routing may read the price map: not for the GUI thread."""
    return check_route(route(model), keys, environ)


def missing_message(model: ModelSpec, check: KeyCheck) -> str:
    """What to do about a missing key, naming the model, the provider and its variable."""
    provider = check.provider or ""
    display = display_name(provider)
    article = "an" if display[:1].lower() in "aeiox" else "a"
    if check.keyring_usable:
        remedy = f"add it in Settings > API keys or set {check.env_var}"
    else:
        remedy = f"set {check.env_var} (no secure keyring is available on this system)"
    return f"{model.label} needs {article} {display} key: {remedy}."


def missing_key(
    model: ModelSpec, keys: KeyStore | None, environ: Mapping[str, str] | None = None
) -> str | None:
    """None when `model` needs no key or has one; else a message saying how to add it."""
    check = check_key(model, keys, environ)
    return missing_message(model, check) if check.missing else None


def display_name(provider: str) -> str:
    return _DISPLAY_NAMES.get(provider, provider)
