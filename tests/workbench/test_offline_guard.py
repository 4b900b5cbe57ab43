"""Offline mode: only this machine and local endpoints the user added are reached, refused first."""

from __future__ import annotations

import argparse
import asyncio
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.fake_openai import Behaviour, FakeOpenAIServer
from tests.workbench.runs import cells_for, run
from workbench import offline_guard
from workbench.catalogue import endpoint_models
from workbench.cli.session import offline_policy, options_from_record, options_record
from workbench.domain import Message, ModelParams, ModelSpec
from workbench.errors import ErrorKind, ProviderError, UsageError
from workbench.events import CellStarted
from workbench.offline_guard import OfflinePolicy, OfflineRefusedError
from workbench.providers.base import ChatRequest
from workbench.providers.openai_compat import OpenAICompatClient
from workbench.runner import RunOptions
from workbench.secrets import KeyringStore

ADDED = OfflinePolicy(
    (
        "http://192.168.1.5:8080/v1",
        "http://MyBox.local:1234/v1",
        "https://api.example.com/v1",  # a public host: it stays refused
        "http://[fe80::1]:8000/v1",
        "http://127.0.0.1:11434/v1",
    )
)
REFUSED = "offline mode refused a connection to a host that is not this machine"


@pytest.fixture
def guard() -> Iterator[list[str]]:
    """The socket guard for ADDED; the hosts its callback heard. The hook outlives the test."""
    heard: list[str] = []
    offline_guard.activate(ADDED)
    offline_guard.on_refusal(heard.append)
    yield heard
    offline_guard.on_refusal(None)
    offline_guard.deactivate()


@pytest.mark.parametrize(
    ("host", "allowed"),
    [
        ("localhost", True),
        ("LOCALHOST", True),
        ("models.localhost", True),
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("::1", True),
        ("[::1]", True),
        ("::ffff:127.0.0.1", True),
        ("192.168.1.5", True),
        ("mybox.local", True),
        ("mybox.local.", True),
        ("fe80::1", True),
        ("192.168.1.6", False),
        ("10.0.0.1", False),
        ("other.local", False),
        ("api.example.com", False),
        ("api.openai.com", False),
        ("8.8.8.8", False),
        ("2001:4860:4860::8888", False),
        (None, False),
    ],
)
def test_the_rule(host: str | None, allowed: bool) -> None:
    assert ADDED.allows_host(host) is allowed


@pytest.mark.parametrize(
    ("host", "allowed"),
    [("127.0.0.1", True), ("localhost", True), ("192.168.1.5", False), ("mybox.local", False)],
)
def test_with_no_endpoints_only_loopback_passes(host: str, allowed: bool) -> None:
    assert OfflinePolicy().allows_host(host) is allowed


def test_hosts_for_display() -> None:
    assert ADDED.allowed_hosts() == (
        "127.0.0.1",
        "localhost",
        "192.168.1.5",
        "mybox.local",
        "fe80::1",
    )
    assert ADDED.ignored_endpoints() == ("https://api.example.com/v1",)
    assert (
        ADDED.describe()
        == "only this machine and 192.168.1.5, mybox.local, fe80::1 may be contacted"
    )
    assert (
        OfflinePolicy(("http://127.0.0.1:9/v1",)).describe() == "only this machine may be contacted"
    )
    assert OfflinePolicy().allowed_hosts() == ("127.0.0.1", "localhost")


def test_refusals_name_the_host_and_say_nothing_was_sent() -> None:
    assert ADDED.refusal("http://192.168.1.5:8080/v1", "llama3") is None
    assert ADDED.refusal("http://localhost:11434/v1") is None
    hosted = ADDED.refusal("https://api.openai.com/v1", "gpt-4o-mini")
    assert hosted is not None
    assert hosted.kind is ErrorKind.OFFLINE
    assert not hosted.retryable
    assert hosted.message == f"{REFUSED}: api.openai.com (gpt-4o-mini); nothing was sent"
    default = ADDED.refusal(None, "anthropic/claude-3-5-haiku-20241022")
    assert default is not None
    assert default.message == (
        f"{REFUSED}: the hosted API of anthropic/claude-3-5-haiku-20241022; nothing was sent"
    )
    public = ADDED.refusal("https://api.example.com/v1")
    assert public is not None
    assert public.message == f"{REFUSED}: api.example.com; nothing was sent"


def test_the_guard_refuses_a_connection_before_it_is_made(guard: list[str]) -> None:
    with pytest.raises(OfflineRefusedError) as refused:
        socket.create_connection(("192.0.2.1", 80), timeout=1)
    assert refused.value.host == "192.0.2.1"
    assert str(refused.value) == "offline mode refused a connection to 192.0.2.1: nothing was sent"
    with (
        socket.socket(socket.AF_INET, socket.SOCK_STREAM) as raw,
        pytest.raises(OfflineRefusedError),
    ):
        raw.connect(("192.0.2.2", 443))
    with (
        socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp,
        pytest.raises(OfflineRefusedError),
    ):
        udp.sendto(b"ping", ("192.0.2.3", 53))
    assert offline_guard.refused() == ["192.0.2.1", "192.0.2.2", "192.0.2.3"]
    assert guard == ["192.0.2.1", "192.0.2.2", "192.0.2.3"]


def test_the_guard_refuses_name_lookups(guard: list[str]) -> None:
    with pytest.raises(OfflineRefusedError):
        socket.getaddrinfo("example.com", 443)
    with pytest.raises(OfflineRefusedError):
        socket.gethostbyname("example.com")
    with pytest.raises(OfflineRefusedError):
        socket.gethostbyname_ex("api.openai.com")
    with pytest.raises(OfflineRefusedError):
        socket.gethostbyaddr("192.0.2.9")
    assert offline_guard.refused() == ["example.com", "api.openai.com", "192.0.2.9"]
    assert guard == ["example.com", "example.com", "api.openai.com", "192.0.2.9"]


def test_the_guard_lets_this_machine_through(guard: list[str], tmp_path: Path) -> None:
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        with socket.create_connection(("127.0.0.1", port), timeout=5) as client:
            accepted, _ = server.accept()
            with accepted:
                client.sendall(b"hello")
                assert accepted.recv(5) == b"hello"
    path = str(tmp_path / "unix.sock")
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as listener:
        listener.bind(path)
        listener.listen()
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
            client.connect(path)
    assert offline_guard.refused() == []
    assert guard == []


def test_the_guard_does_nothing_after_deactivate() -> None:
    offline_guard.activate(OfflinePolicy())
    try:
        assert offline_guard.active() == OfflinePolicy()
        with pytest.raises(OfflineRefusedError):
            socket.getaddrinfo("192.0.2.1", 80, type=socket.SOCK_STREAM)
    finally:
        offline_guard.deactivate()
    assert offline_guard.active() is None
    # A numeric host resolves without the network: only the guard could refuse it.
    (info,) = socket.getaddrinfo("192.0.2.1", 80, socket.AF_INET, socket.SOCK_STREAM)
    assert info[4] == ("192.0.2.1", 80)
    assert offline_guard.refused() == ["192.0.2.1"]  # kept after deactivate, for the window


def test_a_run_sends_nothing_to_a_hosted_model(server: FakeOpenAIServer) -> None:
    server.behave("fake-a", Behaviour(reply="local answer"))
    keys = KeyringStore()
    keys.set("openai", "sk-offline-must-not-be-sent")
    local = ModelSpec("fake-a", api_base=server.base_url)
    hosted = ModelSpec("gpt-4o-mini")
    policy = OfflinePolicy((server.base_url,))
    offline_guard.activate(policy)
    try:
        outcome = run(cells_for([local, hosted]), RunOptions(offline=policy), keys=keys)
    finally:
        offline_guard.deactivate()

    by_model = {r.cell.model.name: r for r in outcome.results}
    assert by_model["fake-a"].ok
    assert by_model["fake-a"].output == "local answer"
    refused = by_model["gpt-4o-mini"]
    assert refused.error is not None
    assert refused.error.type == "offline_refused"
    assert refused.error.message == f"{REFUSED}: api.openai.com (gpt-4o-mini); nothing was sent"
    assert refused.attempts == 0
    assert {e.cell.model.name for e in outcome.of(CellStarted)} == {"fake-a"}
    assert server.request_count() == 1
    assert offline_guard.refused() == []  # refused by the runner, before any socket was opened


def test_public_endpoints_and_default_hosted_urls_are_refused() -> None:
    policy = OfflinePolicy(("https://api.example.com/v1",))
    models = [
        ModelSpec("m", api_base="https://api.example.com/v1"),
        ModelSpec("anthropic/claude-3-5-haiku-20241022"),  # litellm's default URL
    ]
    outcome = run(cells_for(models), RunOptions(offline=policy))

    messages = {r.cell.model.name: r.error.message for r in outcome.results if r.error}
    assert messages == {
        "m": f"{REFUSED}: api.example.com (m); nothing was sent",
        "anthropic/claude-3-5-haiku-20241022": (
            f"{REFUSED}: the hosted API of anthropic/claude-3-5-haiku-20241022; nothing was sent"
        ),
    }
    assert outcome.of(CellStarted) == []


def test_a_kept_run_keeps_its_offline_endpoints() -> None:
    policy = OfflinePolicy(("http://192.168.1.5:8080/v1",))
    record = options_record(RunOptions(offline=policy))
    assert record["offline"] == ["http://192.168.1.5:8080/v1"]
    assert options_from_record(record).offline == policy
    assert options_record(RunOptions())["offline"] is None
    assert options_from_record({"concurrency": 3}).offline is None


def test_the_command_line_policy() -> None:
    def args(**given: object) -> argparse.Namespace:
        defaults: dict[str, object] = {"offline": False, "api_base": None, "allow_endpoint": []}
        return argparse.Namespace(**{**defaults, **given})

    assert offline_policy(args(api_base="http://192.168.1.5:8080/v1")) is None
    assert offline_policy(
        args(offline=True, api_base="http://127.0.0.1:8080/v1", allow_endpoint=["http://a.local"])
    ) == OfflinePolicy(("http://127.0.0.1:8080/v1", "http://a.local"))
    kept = OfflinePolicy(("http://10.0.0.2:8000/v1",))
    assert offline_policy(args(allow_endpoint=["http://a.local"]), kept) == OfflinePolicy(
        ("http://10.0.0.2:8000/v1", "http://a.local")
    )
    with pytest.raises(UsageError, match="--allow-endpoint goes with --offline"):
        offline_policy(args(allow_endpoint=["http://a.local"]))


async def _lean_call(url: str) -> None:
    client = OpenAICompatClient()
    request = ChatRequest("m", (Message("user", "Hi"),), ModelParams(), url, None, 5.0)
    try:
        async for _ in client.stream(request):
            pass
    finally:
        await client.aclose()


@pytest.mark.parametrize("url", ["http://192.0.2.1:9/v1", "http://example.com:9/v1"])
def test_a_client_stopped_by_the_guard_says_offline_not_connection(
    guard: list[str], url: str
) -> None:
    # Past the runner's own check (a listing, a connection test): the socket guard is what stops
    # it, and the client must not call that a retryable connection failure.
    host = url.split("//")[1].split(":", maxsplit=1)[0]
    with pytest.raises(ProviderError) as call:
        asyncio.run(_lean_call(url))
    with pytest.raises(ProviderError) as listing:
        asyncio.run(endpoint_models(url, timeout_s=5))
    for error in (call.value, listing.value):
        assert error.kind is ErrorKind.OFFLINE
        assert not error.kind.retryable
        assert error.detail == f"{host}; nothing was sent"
    assert host in guard
