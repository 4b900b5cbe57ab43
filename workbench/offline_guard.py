"""Offline mode: nothing but this machine, and local endpoints the user added, may be contacted.

Two layers, so a refusal comes before any connection is made. The runner asks
`OfflinePolicy.refusal` for each model's route before the first call: a hosted model's cells fail
as `offline_refused` and nothing is sent. Under that, `activate` makes the rule process-wide with an
audit hook (`sys.addaudithook`) that refuses socket connects, sends and name lookups for any other
host, so no library (litellm, a redirect, a plugin) can reach the network behind the runner's back.
An audit hook cannot be removed: it is installed once and does nothing while no policy is active.

`workbench/offline.py` is a different concern: it keeps litellm and tiktoken from fetching their
tables when they load.
"""

from __future__ import annotations

import ipaddress
import socket
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from workbench import pricing
from workbench.errors import ErrorKind, ProviderError

_SHOWN_LOOPBACK = ("127.0.0.1", "localhost")
_INET = (socket.AF_INET, socket.AF_INET6)  # AF_UNIX and other families never leave the machine
# Audit events whose first argument is the host (getaddrinfo, gethostbyname(_ex), gethostbyaddr).
_LOOKUPS = frozenset({"socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyaddr"})
# Audit events whose arguments are (socket, address).
_ADDRESSED = frozenset({"socket.connect", "socket.sendto", "socket.sendmsg"})


@dataclass(frozen=True, slots=True)
class OfflinePolicy:
    """Which hosts offline mode lets through: loopback always, and local endpoints the user added.

    An endpoint counts when its host is local by `pricing.is_local_host` (a private, link-local or
    `.local` address); one on a public host is kept in `endpoints` but stays refused.
    """

    endpoints: tuple[str, ...] = ()  # base URLs the user added

    def endpoint_hosts(self) -> tuple[str, ...]:
        """The hosts of the endpoints that count, in the order given, once each."""
        hosts: list[str] = []
        for url in self.endpoints:
            host = _host_of(url)
            if host and pricing.is_local_host(host) and host not in hosts:
                hosts.append(host)
        return tuple(hosts)

    def ignored_endpoints(self) -> tuple[str, ...]:
        """Endpoints the user added that stay refused: not on this machine or the local network."""
        counted = self.endpoint_hosts()
        return tuple(url for url in self.endpoints if _host_of(url) not in counted)

    def allows_host(self, host: str | None) -> bool:
        """True for loopback and the counted endpoints' hosts; None (no host known) is refused."""
        return host is not None and _allowed(_normal(host), frozenset(self.endpoint_hosts()))

    def allowed_hosts(self) -> tuple[str, ...]:
        """For display: "127.0.0.1, localhost, 192.168.1.5"."""
        return (*_SHOWN_LOOPBACK, *self._beyond_loopback())

    def describe(self) -> str:
        """One sentence for the command line or a status line."""
        added = self._beyond_loopback()
        if not added:
            return "only this machine may be contacted"
        return f"only this machine and {', '.join(added)} may be contacted"

    def _beyond_loopback(self) -> list[str]:
        return [host for host in self.endpoint_hosts() if not _is_loopback(host)]

    def refusal(self, url: str | None, what: str = "") -> ProviderError | None:
        """None when `url` may be contacted, else the error its calls fail with (nothing sent).

        `url` None is a hosted provider's default URL, always refused; `what` names the model.
        """
        if url is None:
            target = "the hosted API" + (f" of {what}" if what else "")
        else:
            host = _host_of(url)
            if host is not None and self.allows_host(host):
                return None
            target = (host or url) + (f" ({what})" if what else "")
        return ProviderError(ErrorKind.OFFLINE, f"{target}; nothing was sent")


class OfflineRefusedError(ConnectionRefusedError):
    """What a socket call raises under offline mode for a host the policy does not allow."""

    def __init__(self, host: str) -> None:
        message = f"offline mode refused a connection to {host}: nothing was sent"
        super().__init__(message)
        self.strerror = message  # what aiohttp shows of the OS error it wraps
        self.host = host


def refused_by_guard(error: BaseException | None) -> ProviderError | None:
    """The offline refusal behind a client's connection error, when the socket guard made it.

    A client that reaches a socket call the guard refuses sees an OS error and would call it a
    retryable connection failure; this says what it was, so nothing retries it.
    """
    if isinstance(error, OfflineRefusedError):
        return ProviderError(ErrorKind.OFFLINE, f"{error.host}; nothing was sent")
    return None


@dataclass(slots=True)
class _Guard:
    policy: OfflinePolicy
    hosts: frozenset[str]
    # Addresses that endpoint names (mybox.local) were found to resolve to: a client connects to
    # the address, not the name, so a connect to an unlisted local address looks the names up.
    learned: set[str] = field(default_factory=set)

    def allows(self, host: str) -> bool:
        name = _normal(host)
        if _allowed(name, self.hosts) or name in self.learned:
            return True
        address = _address(name)
        if address is None or not (address.is_private or address.is_link_local):
            return False
        for endpoint in self.hosts:
            if _address(endpoint) is None and not _is_loopback(endpoint):
                self.learned.update(_addresses_of(endpoint))
        return name in self.learned


_lock = threading.Lock()
_installed = False
_guard: _Guard | None = None
_refused: list[str] = []
_callback: Callable[[str], None] | None = None


def activate(policy: OfflinePolicy) -> None:
    """Until `deactivate`, refuse process-wide every connection and lookup `policy` disallows."""
    global _guard, _installed  # noqa: PLW0603 - an audit hook is process-wide by nature
    with _lock:
        if not _installed:
            sys.addaudithook(_audit)
            _installed = True
        _refused.clear()
        _guard = _Guard(policy, frozenset(policy.endpoint_hosts()))


def deactivate() -> None:
    """Let every connection through again (the hook stays, doing nothing)."""
    global _guard  # noqa: PLW0603 - see activate
    _guard = None


def active() -> OfflinePolicy | None:
    guard = _guard
    return guard.policy if guard is not None else None


def refused() -> list[str]:
    """Hosts refused at socket level since the last activate, each once, in the order refused."""
    with _lock:
        return list(_refused)


def on_refusal(callback: Callable[[str], None] | None) -> None:
    """Call `callback(host)` for each socket-level refusal, on whatever thread made the call."""
    global _callback  # noqa: PLW0603 - see activate
    _callback = callback


def _audit(event: str, args: tuple[Any, ...]) -> None:
    """The audit hook: it sees every audit event in the process, so the common case returns fast."""
    guard = _guard
    if guard is None:
        return
    if event in _ADDRESSED:
        sock, address = args[0], args[1]
        if not isinstance(address, tuple) or getattr(sock, "family", None) not in _INET:
            return
        host = address[0]
    elif event in _LOOKUPS:
        host = args[0]
        if host is None:  # getaddrinfo(None, port): the passive or loopback address
            return
    elif event == "socket.getnameinfo":
        sockaddr = args[0]
        if not isinstance(sockaddr, tuple):
            return
        host = sockaddr[0]
    else:
        return
    name = host.decode("ascii", "replace") if isinstance(host, bytes) else str(host)
    if not guard.allows(name):
        _refuse(_normal(name) or name)


def _refuse(host: str) -> None:
    with _lock:
        if host not in _refused:
            _refused.append(host)
        callback = _callback
    if callback is not None:
        callback(host)
    raise OfflineRefusedError(host)


def _addresses_of(name: str) -> set[str]:
    """The addresses an endpoint's name resolves to now (the hook lets its own lookup through)."""
    try:
        infos = socket.getaddrinfo(name, None)
    except OSError:
        return set()
    return {_normal(str(info[4][0])) for info in infos}


def _allowed(name: str, hosts: frozenset[str]) -> bool:
    return _is_loopback(name) or name in hosts


def _is_loopback(name: str) -> bool:
    """localhost, *.localhost, 127.0.0.0/8, ::1, and the unspecified address (also this machine)."""
    if name in ("", "localhost") or name.endswith(".localhost"):
        return True
    address = _address(name)
    return address is not None and (address.is_loopback or address.is_unspecified)


def _address(name: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped  # ::ffff:127.0.0.1 is 127.0.0.1
    return address


def _normal(host: str) -> str:
    """One spelling per host: lower case, no brackets, scope or final dot; IPs in canonical form."""
    name = host.strip().strip("[]").split("%", 1)[0].rstrip(".").lower()
    address = _address(name)
    return str(address) if address is not None else name


def _host_of(url: str) -> str | None:
    try:
        host = urlsplit(url.strip()).hostname
    except ValueError:
        return None
    return _normal(host) if host else None
