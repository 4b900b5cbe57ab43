"""Local-server discovery against real HTTP servers on loopback ports."""

from __future__ import annotations

import asyncio
import socket
from urllib.parse import urlsplit

import pytest

from tests.support.fake_openai import FakeOpenAIServer
from workbench.discovery import USUAL_SERVERS, LocalServer, discover


def _port(server: FakeOpenAIServer) -> int:
    port = urlsplit(server.root_url).port
    assert port is not None
    return port


def _unused_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def test_by_default_the_usual_ports_of_this_machine_are_probed() -> None:
    # Whether anything runs there depends on the machine; where it was asked does not.
    found = asyncio.run(discover(timeout_s=0.2))
    assert [(server.name, server.api_base) for server in found] == [
        ("Ollama", "http://127.0.0.1:11434/v1"),
        ("LM Studio", "http://127.0.0.1:1234/v1"),
        ("llama.cpp", "http://127.0.0.1:8080/v1"),
        ("vLLM", "http://127.0.0.1:8000/v1"),
    ]
    assert list(USUAL_SERVERS) == [server.name for server in found]


def test_servers_up_list_their_models_and_a_missing_one_is_down() -> None:
    unused = _unused_port()
    with (
        FakeOpenAIServer(models=("fake-a", "fake-b")) as openai_like,
        FakeOpenAIServer(models=("llama3:8b",), ollama=True) as ollama,
    ):
        servers = {"LM Studio": _port(openai_like), "Ollama": _port(ollama), "vLLM": unused}
        found = asyncio.run(discover(servers=servers))
        lm_studio_base = openai_like.base_url

    by_name = {server.name: server for server in found}
    assert [server.name for server in found] == ["LM Studio", "Ollama", "vLLM"]
    lm_studio = by_name["LM Studio"]
    assert lm_studio.up
    assert lm_studio.api_base == lm_studio_base
    assert [m.id for m in lm_studio.models] == ["fake-a", "fake-b"]
    assert lm_studio.error is None
    assert by_name["Ollama"].up
    assert [m.id for m in by_name["Ollama"].models] == ["llama3:8b"]
    down = by_name["vLLM"]
    assert down == LocalServer("vLLM", f"http://127.0.0.1:{unused}/v1", up=False, error=down.error)
    assert down.error is not None
    assert down.error.startswith("not reachable")


def test_a_server_that_never_answers_is_down_after_the_timeout(silent_port: int) -> None:
    with FakeOpenAIServer(models=("fake-a",)) as running:
        servers = {"llama.cpp": silent_port, "vLLM": _port(running)}
        found = asyncio.run(discover(servers=servers, timeout_s=0.3))

    hung, up = found
    assert not hung.up
    assert hung.error == "no answer within 0.3 s"
    assert up.up  # probed alongside, not held up by the silent one


def test_the_users_endpoints_are_probed_once_each() -> None:
    with FakeOpenAIServer(models=("remote-model",)) as running:
        base = running.base_url
        found = asyncio.run(
            discover(extra_endpoints=[base, base + "/", "  ", "ftp://x/v1"], servers={})
        )

    assert [server.api_base for server in found] == [base, "ftp://x/v1"]
    endpoint, typo = found
    assert endpoint.up
    assert endpoint.name == urlsplit(base).netloc
    assert [m.id for m in endpoint.models] == ["remote-model"]
    assert not typo.up
    assert typo.error == "not a base URL like http://localhost:8080/v1"


def test_an_endpoint_that_is_also_a_usual_server_is_probed_once() -> None:
    with FakeOpenAIServer(models=("fake-a",)) as running:
        found = asyncio.run(
            discover(extra_endpoints=[running.base_url], servers={"LM Studio": _port(running)})
        )
    assert [(server.name, server.up) for server in found] == [("LM Studio", True)]


def test_only_this_machine_is_scanned() -> None:
    with pytest.raises(ValueError, match="only this machine"):
        asyncio.run(discover(servers={"vLLM": 8000}, host="192.168.1.20"))
