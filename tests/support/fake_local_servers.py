"""Real HTTP servers on 127.0.0.1 that answer like llama.cpp's server, LM Studio, Ollama and vLLM.

Only the endpoints discovery asks are served, with JSON modelled on what each real server sends
(fields the workbench does not read are kept, so the parser meets the real shape). Any path can
be made to fail (`"500"`) or to hang until the server stops (`"hang"`), and every request is
recorded, so tests count requests instead of timing them. Each server runs its own asyncio loop
on a daemon thread, like `tests.support.fake_openai`, so `asyncio.run` tests can use it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any, Literal

from aiohttp import web

from tests.support.app_thread import AppThread

if TYPE_CHECKING:
    from aiohttp.typedefs import Handler

__all__ = [
    "Failure",
    "FakeLMStudioServer",
    "FakeLlamaCppServer",
    "FakeLocalServer",
    "FakeOllamaServer",
    "FakeVLLMServer",
]

Failure = Literal["500", "hang"]
Route = tuple[str, str, Callable[[web.Request], Awaitable[web.StreamResponse]]]


class FakeLocalServer(AppThread):
    """The common part: recorded requests and failures by path (the serving is AppThread's)."""

    def __init__(self, failing: Mapping[str, Failure] | None = None) -> None:
        super().__init__()
        self._failing = dict(failing or {})
        self._lock = threading.Lock()
        self._recorded: list[tuple[str, str, dict[str, Any]]] = []

    def routes(self) -> list[Route]:
        """(method, path, handler) of every endpoint this server answers."""
        raise NotImplementedError

    @property
    def port(self) -> int:
        port = self.listened_on
        assert port is not None, "the fake server was never started"
        return port

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    # --- inspection ------------------------------------------------------------------

    def requests(self, path: str | None = None) -> list[tuple[str, str, dict[str, Any]]]:
        """(method, path, JSON body or {}) of each request, optionally to one path."""
        with self._lock:
            recorded = list(self._recorded)
        return [r for r in recorded if path is None or r[1] == path]

    def paths(self) -> list[str]:
        """The path of each request, in the order they came."""
        return [path for _method, path, _body in self.requests()]

    # --- the app ---------------------------------------------------------------------

    def build_app(self) -> web.Application:
        app = web.Application(middlewares=[self._record_and_fail])
        for method, path, handler in self.routes():
            app.router.add_route(method, path, handler)
        return app

    async def wait_for_stop(self, seconds: float) -> None:
        """Sleep `seconds`, or less if the server stops first."""
        assert self._stopping is not None
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), seconds)

    @web.middleware
    async def _record_and_fail(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        raw = await request.read()
        try:
            body = json.loads(raw) if raw else {}
        except ValueError:
            body = {}
        with self._lock:
            self._recorded.append((request.method, request.path, body))
        failure = self._failing.get(request.path)
        if failure == "500":
            return web.json_response({"error": "Internal Server Error"}, status=500)
        if failure == "hang":
            await self.wait_for_stop(3600)
            return web.Response(status=503)
        return await handler(request)


# --- llama.cpp's llama-server --------------------------------------------------------------

LLAMA_CPP_MODEL_PATH = "/models/Llama-3.2-1B-Instruct-Q4_K_M.gguf"


class FakeLlamaCppServer(FakeLocalServer):
    """llama-server with one model, started with `--alias llama-3.2-1b -c 4096`."""

    def __init__(
        self, failing: Mapping[str, Failure] | None = None, alias: str = "llama-3.2-1b"
    ) -> None:
        super().__init__(failing)
        self.alias = alias

    def routes(self) -> list[Route]:
        return [("GET", "/v1/models", self._models), ("GET", "/props", self._props)]

    async def _models(self, _request: web.Request) -> web.Response:
        # Recent builds list the model twice: Ollama-style under "models", OpenAI's under "data".
        return web.json_response(
            {
                "models": [
                    {
                        "name": self.alias,
                        "model": self.alias,
                        "modified_at": "",
                        "size": "",
                        "digest": "",
                        "type": "model",
                        "description": "",
                        "tags": [""],
                        "capabilities": ["completion"],
                        "parameters": "",
                        "details": {
                            "parent_model": "",
                            "format": "gguf",
                            "family": "",
                            "families": [""],
                            "parameter_size": "",
                            "quantization_level": "",
                        },
                    }
                ],
                "object": "list",
                "data": [
                    {
                        "id": self.alias,
                        "object": "model",
                        "created": 1735142223,
                        "owned_by": "llamacpp",
                        "meta": {
                            "vocab_type": 2,
                            "n_vocab": 128256,
                            "n_ctx_train": 131072,
                            "n_embd": 2048,
                            "n_params": 1235814400,
                            "size": 799862912,
                        },
                    }
                ],
            }
        )

    async def _props(self, _request: web.Request) -> web.Response:
        return web.json_response(
            {
                "default_generation_settings": {
                    "id": 0,
                    "id_task": -1,
                    "n_ctx": 4096,
                    "speculative": False,
                    "is_processing": False,
                    "params": {"n_predict": -1, "seed": 4294967295, "temperature": 0.8},
                },
                "total_slots": 1,
                "model_path": LLAMA_CPP_MODEL_PATH,
                "chat_template": "{{ bos_token }}{% for message in messages %}…{% endfor %}",
                "modalities": {"vision": False, "audio": False},
                "build_info": "b4521-0e0f2d5b",
            }
        )


# --- LM Studio -----------------------------------------------------------------------------

_LM_STUDIO_NATIVE: list[dict[str, Any]] = [
    {
        "id": "meta-llama-3.1-8b-instruct",
        "object": "model",
        "type": "llm",
        "publisher": "lmstudio-community",
        "arch": "llama",
        "compatibility_type": "gguf",
        "quantization": "Q4_K_M",
        "state": "loaded",
        "max_context_length": 131072,
        "loaded_context_length": 8192,
    },
    {
        "id": "qwen2-vl-7b-instruct",
        "object": "model",
        "type": "vlm",
        "publisher": "mlx-community",
        "arch": "qwen2_vl",
        "compatibility_type": "mlx",
        "quantization": "4bit",
        "state": "not-loaded",
        "max_context_length": 32768,
    },
    {
        "id": "text-embedding-nomic-embed-text-v1.5",
        "object": "model",
        "type": "embeddings",
        "publisher": "nomic-ai",
        "arch": "nomic-bert",
        "compatibility_type": "gguf",
        "quantization": "Q4_0",
        "state": "not-loaded",
        "max_context_length": 2048,
    },
]


class FakeLMStudioServer(FakeLocalServer):
    """LM Studio's server with two chat models (one loaded) and an embedding model."""

    def routes(self) -> list[Route]:
        return [("GET", "/v1/models", self._models), ("GET", "/api/v0/models", self._native)]

    async def _models(self, _request: web.Request) -> web.Response:
        data = [
            {"id": item["id"], "object": "model", "owned_by": "organization_owner"}
            for item in _LM_STUDIO_NATIVE
        ]
        return web.json_response({"data": data, "object": "list"})

    async def _native(self, _request: web.Request) -> web.Response:
        return web.json_response({"object": "list", "data": _LM_STUDIO_NATIVE})


# --- Ollama --------------------------------------------------------------------------------

_OLLAMA_TAGS: list[dict[str, Any]] = [
    {
        "name": "llama3.2:latest",
        "model": "llama3.2:latest",
        "modified_at": "2025-01-10T09:21:37.402361+01:00",
        "size": 2019393189,
        "digest": "a80c4f17acd55265feec403c7aef86be0c25983ab279d83f3bcd3abbcb5b8b72",
        "details": {
            "parent_model": "",
            "format": "gguf",
            "family": "llama",
            "families": ["llama"],
            "parameter_size": "3.2B",
            "quantization_level": "Q4_K_M",
        },
    },
    {
        "name": "qwen2.5:0.5b",
        "model": "qwen2.5:0.5b",
        "modified_at": "2025-01-08T17:02:11.118247+01:00",
        "size": 397821319,
        "digest": "a8b0c51577010a279d933d14c2a8ab4b268079d44c5c8830c0a93900f1827c67",
        "details": {
            "parent_model": "",
            "format": "gguf",
            "family": "qwen2",
            "families": ["qwen2"],
            "parameter_size": "494.03M",
            "quantization_level": "Q4_K_M",
        },
    },
    {
        "name": "nomic-embed-text:latest",
        "model": "nomic-embed-text:latest",
        "modified_at": "2024-12-02T11:45:03.915316+01:00",
        "size": 274302450,
        "digest": "0a109f422b47e3a30ba2b10eca18548e944e8a23073ee3f3e947efcf3c45e59f",
        "details": {
            "parent_model": "",
            "format": "gguf",
            "family": "nomic-bert",
            "families": ["nomic-bert"],
            "parameter_size": "137M",
            "quantization_level": "F16",
        },
    },
]

# /api/show, by model: the details, model_info keys (a few of many) and capabilities.
_OLLAMA_SHOW: dict[str, dict[str, Any]] = {
    "llama3.2:latest": {
        "parameters": 'stop                           "<|start_header_id|>"\n'
        'stop                           "<|end_header_id|>"\n'
        'stop                           "<|eot_id|>"',
        "model_info": {
            "general.architecture": "llama",
            "general.file_type": 15,
            "general.parameter_count": 3212749888,
            "general.quantization_version": 2,
            "llama.attention.head_count": 24,
            "llama.block_count": 28,
            "llama.context_length": 131072,
            "llama.embedding_length": 3072,
            "llama.vocab_size": 128256,
        },
        "capabilities": ["completion", "tools"],
    },
    "qwen2.5:0.5b": {
        "parameters": "num_ctx                        8192\n"
        'stop                           "<|im_end|>"',
        "model_info": {
            "general.architecture": "qwen2",
            "general.file_type": 15,
            "general.parameter_count": 494032768,
            "qwen2.block_count": 24,
            "qwen2.context_length": 32768,
            "qwen2.embedding_length": 896,
        },
        "capabilities": ["completion", "tools"],
    },
    "nomic-embed-text:latest": {
        "parameters": "num_ctx                        8192",
        "model_info": {
            "general.architecture": "nomic-bert",
            "general.file_type": 1,
            "general.parameter_count": 136727040,
            "nomic-bert.context_length": 2048,
        },
        "capabilities": ["embedding"],
    },
}


class FakeOllamaServer(FakeLocalServer):
    """Ollama with two chat models (llama3.2 in memory) and an embedding model.

    `show_after_all`: answer /api/show only once it was asked about every model (or after 5 s),
    so a client that asks one model at a time gets no details within its bound.
    """

    def __init__(
        self, failing: Mapping[str, Failure] | None = None, *, show_after_all: bool = False
    ) -> None:
        super().__init__(failing)
        self._show_after_all = show_after_all
        self._asked: set[str] = set()
        self._all_asked: asyncio.Event | None = None

    def routes(self) -> list[Route]:
        return [
            ("GET", "/v1/models", self._models),
            ("GET", "/api/tags", self._tags),
            ("POST", "/api/show", self._show),
            ("GET", "/api/ps", self._ps),
        ]

    async def _models(self, _request: web.Request) -> web.Response:
        data = [
            {"id": tag["name"], "object": "model", "created": 1736497297, "owned_by": "library"}
            for tag in _OLLAMA_TAGS
        ]
        return web.json_response({"object": "list", "data": data})

    async def _tags(self, _request: web.Request) -> web.Response:
        return web.json_response({"models": _OLLAMA_TAGS})

    async def _show(self, request: web.Request) -> web.Response:
        name = (await request.json()).get("model")
        if name not in _OLLAMA_SHOW:
            return web.json_response({"error": f"model '{name}' not found"}, status=404)
        if self._show_after_all:
            if self._all_asked is None:
                self._all_asked = asyncio.Event()
            self._asked.add(name)
            if self._asked == set(_OLLAMA_SHOW):
                self._all_asked.set()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._all_asked.wait(), 5)
        tag = next(tag for tag in _OLLAMA_TAGS if tag["name"] == name)
        show = _OLLAMA_SHOW[name]
        return web.json_response(
            {
                "license": "…",
                "modelfile": f'# Modelfile generated by "ollama show"\nFROM {name}\n',
                "parameters": show["parameters"],
                "template": "{{ .Prompt }}",
                "details": tag["details"],
                "model_info": show["model_info"],
                "capabilities": show["capabilities"],
                "modified_at": tag["modified_at"],
            }
        )

    async def _ps(self, _request: web.Request) -> web.Response:
        tag = _OLLAMA_TAGS[0]
        running = {
            "name": tag["name"],
            "model": tag["model"],
            "size": 3448398848,
            "digest": tag["digest"],
            "details": tag["details"],
            "expires_at": "2025-01-10T10:26:44.135528+01:00",
            "size_vram": 3448398848,
            "context_length": 4096,
        }
        return web.json_response({"models": [running]})


# --- vLLM ----------------------------------------------------------------------------------


class FakeVLLMServer(FakeLocalServer):
    """`vllm serve Qwen/Qwen2.5-1.5B-Instruct --max-model-len 8192`."""

    def routes(self) -> list[Route]:
        return [("GET", "/v1/models", self._models)]

    async def _models(self, _request: web.Request) -> web.Response:
        name = "Qwen/Qwen2.5-1.5B-Instruct"
        permission = {
            "id": "modelperm-5c1b2e7f0d9a4c4e8f1b6a3d2e9c7b10",
            "object": "model_permission",
            "created": 1736500000,
            "allow_create_engine": False,
            "allow_sampling": True,
            "allow_logprobs": True,
            "allow_search_indices": False,
            "allow_view": True,
            "allow_fine_tuning": False,
            "organization": "*",
            "group": None,
            "is_blocking": False,
        }
        model = {
            "id": name,
            "object": "model",
            "created": 1736500000,
            "owned_by": "vllm",
            "root": name,
            "parent": None,
            "max_model_len": 8192,
            "permission": [permission],
        }
        return web.json_response({"object": "list", "data": [model]})


def ports(servers: Mapping[str, FakeLocalServer]) -> dict[str, int]:
    """`discover(servers=...)` for fakes given by the name each is probed under."""
    return {name: server.port for name, server in servers.items()}
