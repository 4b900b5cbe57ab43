"""What each kind of local server tells about its models reaches discovery, within its bound.

The servers are real HTTP servers on loopback ports answering like llama.cpp, LM Studio, Ollama
and vLLM (`tests/support/fake_local_servers.py`).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Mapping
from urllib.parse import urlsplit

import pytest

from tests.support.fake_local_servers import (
    LLAMA_CPP_MODEL_PATH,
    FakeLlamaCppServer,
    FakeLMStudioServer,
    FakeLocalServer,
    FakeOllamaServer,
    FakeVLLMServer,
)
from tests.support.fake_openai import FakeOpenAIServer
from workbench.catalogue import EndpointModel, endpoint_models
from workbench.discovery import LocalServer, discover
from workbench.errors import ErrorKind, ProviderError

LLAMA_CPP_MODEL = EndpointModel(
    id="llama-3.2-1b",
    owned_by="llamacpp",
    size_bytes=799862912,
    quantization="Q4_K_M",
    parameter_size="1.2B",
    context_length=4096,
    max_context_length=131072,
)
LM_STUDIO_MODELS = (
    EndpointModel(
        id="meta-llama-3.1-8b-instruct",
        owned_by="organization_owner",
        quantization="Q4_K_M",
        context_length=8192,
        max_context_length=131072,
        loaded=True,
        kind="llm",
        arch="llama",
    ),
    EndpointModel(
        id="qwen2-vl-7b-instruct",
        owned_by="organization_owner",
        quantization="4bit",
        context_length=32768,
        max_context_length=32768,
        loaded=False,
        kind="vlm",
        arch="qwen2_vl",
    ),
)
OLLAMA_MODELS = (
    EndpointModel(
        id="llama3.2:latest",
        owned_by="ollama",
        size_bytes=2019393189,
        quantization="Q4_K_M",
        parameter_size="3.2B",
        context_length=4096,  # as it runs now (/api/ps)
        max_context_length=131072,
        loaded=True,
        kind="llm",
        arch="llama",
    ),
    EndpointModel(
        id="qwen2.5:0.5b",
        owned_by="ollama",
        size_bytes=397821319,
        quantization="Q4_K_M",
        parameter_size="494.03M",
        context_length=8192,  # its Modelfile's num_ctx
        max_context_length=32768,
        loaded=False,
        kind="llm",
        arch="qwen2",
    ),
)
# What /api/tags and /api/ps alone tell, without /api/show.
OLLAMA_TAGGED = (
    EndpointModel(
        id="llama3.2:latest",
        owned_by="ollama",
        size_bytes=2019393189,
        quantization="Q4_K_M",
        parameter_size="3.2B",
        context_length=4096,
        loaded=True,
        arch="llama",
    ),
    EndpointModel(
        id="qwen2.5:0.5b",
        owned_by="ollama",
        size_bytes=397821319,
        quantization="Q4_K_M",
        parameter_size="494.03M",
        loaded=False,
        arch="qwen2",
    ),
    EndpointModel(
        id="nomic-embed-text:latest",
        owned_by="ollama",
        size_bytes=274302450,
        quantization="F16",
        parameter_size="137M",
        loaded=False,
        arch="nomic-bert",
    ),
)
VLLM_MODEL = EndpointModel(id="Qwen/Qwen2.5-1.5B-Instruct", owned_by="vllm", context_length=8192)


def _discover(servers: Mapping[str, FakeLocalServer], timeout_s: float = 1.5) -> list[LocalServer]:
    ports = {name: server.port for name, server in servers.items()}
    # A generous outer bound only turns a discovery that never ends into a failure.
    return asyncio.run(asyncio.wait_for(discover(servers=ports, timeout_s=timeout_s), 30))


def _only(servers: Mapping[str, FakeLocalServer], timeout_s: float = 1.5) -> LocalServer:
    (found,) = _discover(servers, timeout_s)
    return found


def test_llama_cpp_tells_size_parameters_and_the_context_it_runs_with() -> None:
    with FakeLlamaCppServer() as llama:
        found = _only({"llama.cpp": llama})
        paths = llama.paths()

    assert found == LocalServer(
        "llama.cpp", llama.base_url, up=True, models=(LLAMA_CPP_MODEL,), server_kind="llama.cpp"
    )
    assert sorted(paths) == ["/props", "/v1/models"]  # told by the listing: nothing else asked


def test_llama_cpp_without_props_keeps_what_its_listing_told() -> None:
    # Served without --alias, the id is the file's path, which names the quantisation.
    with FakeLlamaCppServer({"/props": "500"}, alias=LLAMA_CPP_MODEL_PATH) as llama:
        found = _only({"llama.cpp": llama})

    assert found.up
    assert found.server_kind == "llama.cpp"
    assert found.models == (
        EndpointModel(
            id=LLAMA_CPP_MODEL_PATH,
            owned_by="llamacpp",
            size_bytes=799862912,
            quantization="Q4_K_M",
            parameter_size="1.2B",
            context_length=131072,  # trained: the running one was not told
            max_context_length=131072,
        ),
    )


def test_lm_studio_tells_quantisation_context_and_state_and_lists_chat_models_only() -> None:
    with FakeLMStudioServer() as lm_studio:
        found = _only({"LM Studio": lm_studio})
        paths = lm_studio.paths()

    assert found == LocalServer(
        "LM Studio", lm_studio.base_url, up=True, models=LM_STUDIO_MODELS, server_kind="LM Studio"
    )
    assert sorted(paths) == ["/api/v0/models", "/v1/models"]


def test_ollama_tells_each_model_through_api_show_and_what_runs_through_api_ps() -> None:
    with FakeOllamaServer() as ollama:
        found = _only({"Ollama": ollama})
        shown = [body for _method, _path, body in ollama.requests("/api/show")]
        paths = Counter(ollama.paths())

    assert found == LocalServer(
        "Ollama", ollama.base_url, up=True, models=OLLAMA_MODELS, server_kind="Ollama"
    )
    assert sorted(shown, key=str) == [
        {"model": "llama3.2:latest"},
        {"model": "nomic-embed-text:latest"},
        {"model": "qwen2.5:0.5b"},
    ]
    # Its listing does not say it is Ollama, so LM Studio's endpoint was asked too (a 404).
    assert paths == {
        "/v1/models": 1,
        "/api/tags": 1,
        "/api/v0/models": 1,
        "/api/show": 3,
        "/api/ps": 1,
    }


def test_ollama_is_asked_about_its_models_at_the_same_time() -> None:
    # This server answers /api/show only once asked about every model: one at a time would
    # wait 5 s for the first answer, far past the bound.
    with FakeOllamaServer(show_after_all=True) as ollama:
        found = _only({"Ollama": ollama}, timeout_s=3)
    assert found.models == OLLAMA_MODELS


def test_an_ollama_without_the_openai_listing_is_read_from_api_tags() -> None:
    with FakeOllamaServer({"/v1/models": "500"}) as ollama:
        found = _only({"Ollama": ollama})
        paths = ollama.paths()

    assert found.server_kind == "Ollama"
    assert found.models == OLLAMA_MODELS
    assert "/api/v0/models" not in paths  # /api/tags already said which server it is


def test_vllm_tells_its_max_model_len_and_nothing_else_is_asked() -> None:
    with FakeVLLMServer() as vllm:
        found = _only({"vLLM": vllm})
        paths = vllm.paths()

    assert found == LocalServer(
        "vLLM", vllm.base_url, up=True, models=(VLLM_MODEL,), server_kind="vLLM"
    )
    assert paths == ["/v1/models"]


def test_a_server_that_says_nothing_of_itself_is_openai_compatible() -> None:
    with FakeOpenAIServer(models=("fake-a",)) as other:
        port = urlsplit(other.root_url).port
        assert port is not None
        (found,) = asyncio.run(discover(servers={"llama.cpp": port}))
        paths = sorted(r.path for r in other.requests(None))

    assert found.up
    assert found.server_kind == "OpenAI-compatible"
    assert found.models == (EndpointModel(id="fake-a", owned_by="fake"),)
    assert paths == ["/api/tags", "/api/v0/models", "/v1/models"]


def test_the_kind_is_told_from_the_answers_not_from_the_port() -> None:
    with FakeLlamaCppServer() as llama, FakeOllamaServer() as ollama:
        found = _discover({"Ollama": llama, "llama.cpp": ollama})

    assert [(s.name, s.server_kind, s.up) for s in found] == [
        ("Ollama", "llama.cpp", True),
        ("llama.cpp", "Ollama", True),
    ]


@pytest.mark.parametrize("failure", ["500", "hang"])
def test_ollama_details_that_fail_leave_it_up_with_its_listing(failure: str) -> None:
    with FakeOllamaServer({"/api/show": failure}) as ollama:  # type: ignore[dict-item]
        found = _only({"Ollama": ollama}, timeout_s=0.5)
        shows = len(ollama.requests("/api/show"))

    assert found.up
    assert found.error is None
    assert found.server_kind == "Ollama"
    assert found.models == OLLAMA_TAGGED
    assert shows == 3  # once per model, never asked again


@pytest.mark.parametrize("failure", ["500", "hang"])
def test_lm_studio_details_that_fail_leave_it_up_with_its_listing(failure: str) -> None:
    with FakeLMStudioServer({"/api/v0/models": failure}) as lm_studio:  # type: ignore[dict-item]
        found = _only({"LM Studio": lm_studio}, timeout_s=0.5)
        asked = len(lm_studio.requests("/api/v0/models"))

    assert found.up
    assert found.server_kind == "LM Studio"  # its listing says so
    assert [(m.id, m.owned_by, m.kind) for m in found.models] == [
        ("meta-llama-3.1-8b-instruct", "organization_owner", ""),
        ("qwen2-vl-7b-instruct", "organization_owner", ""),
        ("text-embedding-nomic-embed-text-v1.5", "organization_owner", ""),
    ]
    assert asked == 1


def test_llama_cpp_props_that_hang_leave_it_up() -> None:
    with FakeLlamaCppServer({"/props": "hang"}) as llama:
        found = _only({"llama.cpp": llama}, timeout_s=0.5)
    assert found.up
    assert found.models[0].context_length == 131072
    assert found.models[0].size_bytes == 799862912


def test_a_down_server_stays_down_among_servers_that_tell_details(silent_port: int) -> None:
    with FakeLlamaCppServer() as llama, FakeVLLMServer() as vllm:
        ports = {"llama.cpp": llama.port, "LM Studio": silent_port, "vLLM": vllm.port}
        found = asyncio.run(discover(servers=ports, timeout_s=0.5))

    llama_cpp, lm_studio, v = found
    assert llama_cpp.models == (LLAMA_CPP_MODEL,)
    assert v.models == (VLLM_MODEL,)
    assert lm_studio == LocalServer(
        "LM Studio", f"http://127.0.0.1:{silent_port}/v1", up=False, error="no answer within 0.5 s"
    )
    assert lm_studio.server_kind == ""


def test_endpoint_models_tell_the_same_details() -> None:
    with FakeLMStudioServer() as lm_studio:
        models = asyncio.run(endpoint_models(lm_studio.base_url))
    assert tuple(models) == LM_STUDIO_MODELS


def test_endpoint_models_that_list_nothing_in_time_raise_a_timeout(silent_port: int) -> None:
    url = f"http://127.0.0.1:{silent_port}/v1"
    with pytest.raises(ProviderError) as raised:
        asyncio.run(endpoint_models(url, timeout_s=0.3))
    assert raised.value.kind is ErrorKind.TIMEOUT
    assert raised.value.message == (
        f"the server sent nothing for too long: {url} listed no models within 0.3 s"
    )
