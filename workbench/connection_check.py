"""Does this API key work? One cheap authenticated request to the provider's model list.

The answer is a `KeyCheck` whose message a person can act on. The key itself never appears in a
message: a server that echoes it back has it replaced by its masked form.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import aiohttp

from workbench.errors import kind_for_status
from workbench.secrets import env_var_for, mask

_MESSAGE_LIMIT = 200  # characters of the server's own words kept in a message


@dataclass(frozen=True, slots=True)
class KeyCheck:
    ok: bool
    message: str


@dataclass(frozen=True, slots=True)
class _Check:
    """Where a provider lists its models and how it wants the key."""

    base: str
    path: str = "/models"
    header: str = "Authorization"  # sent as "Bearer KEY"; any other header gets the bare key
    extra: Mapping[str, str] = field(default_factory=dict)

    def headers(self, key: str) -> dict[str, str]:
        value = f"Bearer {key}" if self.header == "Authorization" else key
        return {self.header: value, **self.extra}


_CHECKS: Mapping[str, _Check] = {
    "openai": _Check("https://api.openai.com/v1"),
    "mistral": _Check("https://api.mistral.ai/v1"),
    "groq": _Check("https://api.groq.com/openai/v1"),
    "deepseek": _Check("https://api.deepseek.com/v1"),
    "together_ai": _Check("https://api.together.xyz/v1"),
    "xai": _Check("https://api.x.ai/v1"),
    "fireworks_ai": _Check("https://api.fireworks.ai/inference/v1"),
    # OpenRouter lists models without a key; /key is the cheap call that needs one.
    "openrouter": _Check("https://openrouter.ai/api/v1", path="/key"),
    "anthropic": _Check(
        "https://api.anthropic.com/v1",
        header="x-api-key",
        extra={"anthropic-version": "2023-06-01"},
    ),
    "gemini": _Check("https://generativelanguage.googleapis.com/v1beta", header="x-goog-api-key"),
    "cohere": _Check("https://api.cohere.com/v1"),
}


def has_check(provider: str) -> bool:
    """Whether `check_key` knows where to ask for `provider` without a base URL."""
    return provider in _CHECKS


async def check_key(
    provider: str, key: str | None, api_base: str | None = None, timeout_s: float = 10.0
) -> KeyCheck:
    """Ask the provider's model list with `key`; `api_base` replaces the provider's address.

    A provider with no known check is asked as an OpenAI-compatible server when given a base.
    """
    check = _CHECKS.get(provider) or (_Check("") if api_base else None)
    key = (key or "").strip()
    url = (api_base or check.base).rstrip("/") + check.path if check is not None else ""
    problem = _problem_before_asking(provider, check, key, url)
    if problem:
        return KeyCheck(False, problem)
    assert check is not None
    host = _host_of(url) or url
    try:
        status, text = await _get(url, check.headers(key), timeout_s)
    except (TimeoutError, aiohttp.ClientError) as exc:
        return KeyCheck(False, f"cannot reach {host}: {_unreachable(exc, timeout_s)}")
    if status >= 300:
        said = _scrub(_server_words(text), key)
        return KeyCheck(False, _http_problem(provider, host, status, said, text))
    try:
        payload = json.loads(text)
    except ValueError:
        return KeyCheck(False, f"{host} answered, but not with a model list; check the base URL")
    count = _model_count(payload)
    listed = "" if count is None else f" ({count} model{'' if count == 1 else 's'} listed)"
    return KeyCheck(True, f"the key works{listed}")


def _problem_before_asking(provider: str, check: _Check | None, key: str, url: str) -> str:
    """Why no request can be made, or "" when one can."""
    if check is None:
        return (
            f"a connection check is not available for {provider}: its address depends on "
            "your account, so there is no model list to ask; run one of its models to try "
            "the key"
        )
    if not key:
        return f"no key is set: store one or set ${env_var_for(provider)}"
    if any(not 32 <= ord(char) <= 126 for char in key):
        # No provider issues such keys, and an HTTP header could not carry one.
        return (
            "the key contains spaces, line breaks or other characters no API key has; "
            "copy it again and store it anew"
        )
    if _host_of(url) is None:
        return f"{url!r} is not an http:// or https:// address with a host; fix the base URL"
    return ""


async def _get(url: str, headers: Mapping[str, str], timeout_s: float) -> tuple[int, str]:
    timeout = aiohttp.ClientTimeout(total=timeout_s)
    # Redirects are not followed: a key in a custom header would travel on to the new host.
    async with (
        aiohttp.ClientSession(timeout=timeout, trust_env=False) as session,
        session.get(url, headers=headers, allow_redirects=False) as response,
    ):
        return response.status, await response.text(errors="replace")


def _unreachable(exc: BaseException, timeout_s: float) -> str:
    if isinstance(exc, TimeoutError):
        return f"no answer within {timeout_s:g} s; check the address and your network"
    if isinstance(exc, aiohttp.ClientConnectorDNSError):
        return "the name does not resolve; check the address and your network connection"
    if isinstance(exc, aiohttp.ClientSSLError):
        return f"its certificate was not accepted ({exc})"
    if isinstance(exc, aiohttp.ClientConnectorError):
        if isinstance(exc.os_error, ConnectionRefusedError):
            return "the connection was refused; is the server running and the address right?"
        errno = exc.os_error.errno
        reason = os.strerror(errno) if errno else str(exc.os_error)
        return f"{reason.lower() or 'the connection failed'}; check the address and your network"
    return f"{str(exc) or type(exc).__name__}; try again, or check the address"


def _http_problem(provider: str, host: str, status: int, said: str, body: str) -> str:
    suffix = f": {said}" if said else ""
    # Gemini answers a bad key with 400 "API key not valid" rather than 401.
    if status in (401, 403) or (status == 400 and "api key" in said.lower()):
        return f"the key was refused by {provider} (HTTP {status}){suffix}"
    if status == 404:
        return f"{host} has no model list at this address (HTTP 404); check the base URL"
    if status < 400:
        return (
            f"{host} redirected the request elsewhere (HTTP {status}), so the key was not sent "
            "on; check the base URL"
        )
    kind = kind_for_status(status, body)
    advice = "; try again in a minute" if kind.retryable else ""
    return f"{provider} answered HTTP {status} ({kind.summary}){suffix}{advice}"


def _model_count(payload: object) -> int | None:
    """Models on the first page: "data" (OpenAI, Anthropic) or "models" (Gemini, Cohere)."""
    if isinstance(payload, dict):
        for name in ("data", "models"):
            listed = payload.get(name)
            if isinstance(listed, list):
                return len(listed)
    if isinstance(payload, list):  # Together answers with a bare list
        return len(payload)
    return None


def _server_words(text: str) -> str:
    """The human part of an error body, whichever of the usual shapes it has."""
    try:
        payload = json.loads(text)
    except ValueError:
        if text.lstrip().startswith("<"):
            return ""  # an HTML error page says nothing a sentence can carry
        payload = None
    said: object = text
    if isinstance(payload, dict):
        error = payload.get("error")
        if isinstance(error, dict):
            said = error.get("message", text)
        elif isinstance(error, str):
            said = error
        else:
            said = payload.get("message") or payload.get("detail") or text
    flat = re.sub(r"\s+", " ", str(said)).strip()
    return flat if len(flat) <= _MESSAGE_LIMIT else flat[: _MESSAGE_LIMIT - 3] + "..."


def _scrub(text: str, key: str) -> str:
    return text.replace(key, mask(key)) if key else text


def _host_of(url: str) -> str | None:
    """Host and port only (a URL may carry a user name and password); None if not http(s)."""
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return f"{parts.hostname}:{port}" if port else parts.hostname
