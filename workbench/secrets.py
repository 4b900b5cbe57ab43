"""API keys: kept in the OS keyring and nowhere else, or read from the provider's usual variable.

`KeyStore` is the one interface; `KeyringStore` talks to the `keyring` package and tests pass an
in-memory keyring backend. Where no secure backend exists, storing fails with a message that
explains the environment-variable alternative; nothing is ever written in plain text.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from workbench.errors import WorkbenchError

SERVICE = "prompt-workbench"
_INDEX_ENTRY = "__providers__"  # the names of stored keys, so `keys list` can enumerate them

# The variable each provider's own SDK reads; the workbench reads the same one.
ENV_VARS: Mapping[str, str] = {
    "openai": "OPENAI_API_KEY",
    "anthropic": "ANTHROPIC_API_KEY",
    "gemini": "GEMINI_API_KEY",
    "mistral": "MISTRAL_API_KEY",
    "groq": "GROQ_API_KEY",
    "cohere": "COHERE_API_KEY",
    "deepseek": "DEEPSEEK_API_KEY",
    "openrouter": "OPENROUTER_API_KEY",
    "together_ai": "TOGETHERAI_API_KEY",
    "xai": "XAI_API_KEY",
    "fireworks_ai": "FIREWORKS_API_KEY",
    "perplexity": "PERPLEXITYAI_API_KEY",
    "azure": "AZURE_API_KEY",
}


class KeyringUnavailableError(WorkbenchError):
    pass


class KeyStore(Protocol):
    def is_secure(self) -> bool: ...
    def get(self, provider: str) -> str | None: ...
    def set(self, provider: str, key: str) -> None: ...
    def delete(self, provider: str) -> bool: ...
    def providers(self) -> list[str]: ...


def env_var_for(provider: str) -> str:
    return ENV_VARS.get(provider, f"{provider.upper()}_API_KEY")


def provider_for_env(variable: str) -> str | None:
    """The provider whose key `variable` holds (the exact inverse of `env_var_for`), if any.

    Files name keys by environment variable only; this finds the keyring entry to use as well.
    """
    for provider, known in ENV_VARS.items():
        if known == variable:
            return provider
    match = re.fullmatch(r"([A-Z][A-Z0-9_]*?)_API_KEY", variable)
    if match is None:
        return None
    name = match.group(1).lower()
    return name if env_var_for(name) == variable else None


def no_backend_message() -> str:
    return (
        "no secure keyring is available on this system (no Secret Service, KWallet, macOS Keychain "
        "or Windows Credential Locker was found), and keys are never stored in plain text. Set the "
        "provider's environment variable instead, for example OPENAI_API_KEY."
    )


class KeyringStore:
    """Keys in the OS keyring via the `keyring` package (or the backend it is configured with)."""

    def __init__(self) -> None:
        import keyring  # noqa: PLC0415 - probing the backends spends time at first use

        self._keyring = keyring

    def backend_name(self) -> str:
        backend = self._keyring.get_keyring()
        return f"{type(backend).__module__}.{type(backend).__name__}"

    def is_secure(self) -> bool:
        """False where keyring found only its fail or null backends (or a plaintext one)."""
        backend = self._keyring.get_keyring()
        priority = getattr(backend, "priority", 0)
        module = type(backend).__module__
        insecure = module.startswith(
            ("keyring.backends.fail", "keyring.backends.null", "keyrings.alt")
        )
        return not insecure and float(priority) > 0

    def _require_secure(self) -> None:
        if not self.is_secure():
            raise KeyringUnavailableError(no_backend_message())

    def get(self, provider: str) -> str | None:
        if not self.is_secure():
            return None
        value: str | None = self._keyring.get_password(SERVICE, provider)
        return value

    def set(self, provider: str, key: str) -> None:
        self._require_secure()
        self._keyring.set_password(SERVICE, provider, key)
        names = set(self.providers()) | {provider}
        self._keyring.set_password(SERVICE, _INDEX_ENTRY, ",".join(sorted(names)))

    def delete(self, provider: str) -> bool:
        self._require_secure()
        errors = self._keyring.errors
        try:
            self._keyring.delete_password(SERVICE, provider)
            existed = True
        except errors.PasswordDeleteError:
            existed = False
        remaining = sorted(set(self.providers()) - {provider})
        self._keyring.set_password(SERVICE, _INDEX_ENTRY, ",".join(remaining))
        return existed

    def providers(self) -> list[str]:
        if not self.is_secure():
            return []
        index: str | None = self._keyring.get_password(SERVICE, _INDEX_ENTRY)
        return [name for name in (index or "").split(",") if name]


@dataclass(frozen=True, slots=True)
class ResolvedKey:
    value: str | None
    source: str  # "keyring", "env:NAME", or "none"


def resolve_key(
    provider: str, store: KeyStore | None, environ: Mapping[str, str] | None = None
) -> ResolvedKey:
    """The key for `provider`: the keyring first, then the provider's environment variable."""
    if store is not None:
        try:
            stored = store.get(provider)
        except Exception:  # noqa: BLE001 - a broken keyring must not stop env-var keys from working
            stored = None
        if stored:
            return ResolvedKey(stored, "keyring")
    env = os.environ if environ is None else environ
    variable = env_var_for(provider)
    if env.get(variable):
        return ResolvedKey(env[variable], f"env:{variable}")
    return ResolvedKey(None, "none")


def mask(key: str) -> str:
    """A key as it may be shown: never more than its last four characters."""
    if len(key) <= 8:
        return "*" * len(key)
    return f"{key[:3]}...{key[-4:]}"
