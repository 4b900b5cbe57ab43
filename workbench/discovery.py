"""Which model servers run on this machine: the usual local ports, plus endpoints the user added.

Every server is probed at once with `catalogue.endpoint_catalogue`, and the whole search is bounded
by one timeout, so a hanging server costs the same as a missing one. What a server is (Ollama, LM
Studio, llama.cpp, vLLM) is told from its answers, not from its port: anything may listen on 8080.
Each server's own details come within the same bound, and a server whose details fail is still up
with the models it listed. Only the loopback host and the endpoints the caller passes are
contacted: discovery never scans a network.
"""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from workbench.catalogue import EndpointModel, endpoint_catalogue
from workbench.errors import ErrorKind, ProviderError

# The port each local server listens on unless told otherwise; all speak OpenAI's /v1.
USUAL_SERVERS: Mapping[str, int] = {
    "Ollama": 11434,
    "LM Studio": 1234,
    "llama.cpp": 8080,
    "vLLM": 8000,
}


@dataclass(frozen=True, slots=True)
class LocalServer:
    """One probed server: up with the models it lists, or down with a short reason."""

    name: str  # the usual server expected on that port, or the endpoint's host:port
    api_base: str
    up: bool
    models: tuple[EndpointModel, ...] = ()
    error: str | None = None
    # What answered: "Ollama", "LM Studio", "llama.cpp", "vLLM" or "OpenAI-compatible"; "" if down.
    server_kind: str = ""


async def discover(
    extra_endpoints: Sequence[str] = (),
    servers: Mapping[str, int] | None = None,
    host: str = "127.0.0.1",
    timeout_s: float = 1.5,
) -> list[LocalServer]:
    """Probe `servers` (default: the usual ports) on `host`, then `extra_endpoints`, together.

    Returns one `LocalServer` per distinct base URL, in that order, after at most about
    `timeout_s`. `host` must be a loopback address: other machines are reached only through
    endpoints the user named.
    """
    if not _is_loopback(host):
        raise ValueError(f"discovery probes only this machine, not {host!r}")
    netloc_host = f"[{host}]" if ":" in host else host
    targets: dict[str, str] = {}  # base URL -> name; a URL given twice is probed once
    for name, port in (USUAL_SERVERS if servers is None else servers).items():
        targets.setdefault(f"http://{netloc_host}:{port}/v1", name)
    for url in extra_endpoints:
        base = url.strip().rstrip("/")
        if base:
            targets.setdefault(base, _netloc(base) or base)
    probes = [_probe(name, base, timeout_s) for base, name in targets.items()]
    return list(await asyncio.gather(*probes))


def is_base_url(url: str) -> bool:
    """True for an http(s) URL with a host: something worth asking for its models."""
    return _netloc(url) is not None


def _netloc(url: str) -> str | None:
    """host:port of an http(s) URL; None for anything else (a typo in the user's endpoints)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    return parts.netloc if parts.scheme in ("http", "https") and parts.hostname else None


async def _probe(name: str, api_base: str, timeout_s: float) -> LocalServer:
    if not is_base_url(api_base):
        error = "not a base URL like http://localhost:8080/v1"
        return LocalServer(name, api_base, up=False, error=error)
    try:
        # The catalogue keeps to the bound itself: the listing by it, or TimeoutError; details
        # only until it, so a server slow to tell them is up without them.
        found = await endpoint_catalogue(api_base, timeout_s=timeout_s)
    except TimeoutError:
        return LocalServer(name, api_base, up=False, error=f"no answer within {timeout_s:g} s")
    except ProviderError as exc:
        reason = f"not reachable: {exc.detail}" if exc.kind is ErrorKind.CONNECTION else exc.message
        return LocalServer(name, api_base, up=False, error=reason)
    return LocalServer(name, api_base, up=True, models=found.models, server_kind=found.server_kind)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
