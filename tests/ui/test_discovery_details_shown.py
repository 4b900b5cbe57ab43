"""What the Local servers box shows of each server and model: kind, size, quantisation, context."""

from __future__ import annotations

from PySide6.QtWidgets import QPushButton, QTreeWidget, QTreeWidgetItem
from pytestqt.qtbot import QtBot

from tests.support.fake_local_servers import FakeLlamaCppServer, FakeOllamaServer
from ui.error_presenter import ErrorPresenter
from ui.models_sources import LocalServersBox, _details, _server_item
from ui.services import Services
from workbench.catalogue import EndpointModel
from workbench.discovery import LocalServer


def _texts(item: QTreeWidgetItem | None) -> tuple[str, str]:
    assert item is not None
    return item.text(0), item.text(1)


def test_a_models_details_read_as_the_server_told_them(qapp: object) -> None:
    running = EndpointModel(
        id="llama3.2:latest",
        size_bytes=2019393189,
        quantization="Q4_K_M",
        parameter_size="3.2B",
        context_length=4096,
        max_context_length=131072,
        loaded=True,
    )
    idle = EndpointModel(
        id="qwen2-vl-7b-instruct",
        quantization="4bit",
        context_length=32768,
        max_context_length=32768,
        loaded=False,
        kind="vlm",
    )
    assert _details(running) == "3.2B · Q4_K_M · 2.0 GB · ctx 4,096 (max 131,072)"
    assert _details(idle) == "4bit · ctx 32,768 · vision · not loaded"
    assert _details(EndpointModel(id="fake-a", context_length=8192)) == "ctx 8,192"
    assert _details(EndpointModel(id="told-nothing")) == ""


def test_a_server_line_says_what_answered_or_why_it_is_down(qapp: object) -> None:
    model = EndpointModel(id="llama-3.2-1b", size_bytes=799862912, context_length=4096)
    up = _server_item(
        LocalServer(
            "llama.cpp",
            "http://127.0.0.1:8080/v1",
            up=True,
            models=(model,),
            server_kind="llama.cpp",
        )
    )
    down = _server_item(
        LocalServer("vLLM", "http://127.0.0.1:8000/v1", up=False, error="no answer within 1.5 s")
    )

    assert _texts(up) == ("llama.cpp  http://127.0.0.1:8080/v1", "llama.cpp · 1 model")
    assert _texts(up.child(0)) == ("llama-3.2-1b", "0.8 GB · ctx 4,096")
    assert _texts(down) == ("vLLM  http://127.0.0.1:8000/v1", "down: no answer within 1.5 s")
    assert down.isDisabled()
    assert down.childCount() == 0


def test_found_servers_show_their_kind_and_models_details(
    qtbot: QtBot, services: Services, presenter: ErrorPresenter
) -> None:
    with FakeLlamaCppServer() as llama, FakeOllamaServer() as ollama:
        # Ollama's usual name on the llama.cpp server's port: the kind comes from the answers.
        servers = {"Ollama": llama.port, "LM Studio": ollama.port}
        box = LocalServersBox(services.background, services.loop, list, presenter, servers)
        qtbot.addWidget(box)
        tree = box.findChild(QTreeWidget, "serverTree")
        assert isinstance(tree, QTreeWidget)
        button = box.findChild(QPushButton, "discoverButton")
        assert isinstance(button, QPushButton)
        button.click()
        qtbot.waitUntil(lambda: tree.topLevelItemCount() == 2, timeout=10_000)
        llama_base, ollama_base = llama.base_url, ollama.base_url

    first, second = tree.topLevelItem(0), tree.topLevelItem(1)
    assert first is not None and second is not None
    assert _texts(first) == (f"Ollama  {llama_base}", "llama.cpp · 1 model")
    assert _texts(first.child(0)) == (
        "llama-3.2-1b",
        "1.2B · Q4_K_M · 0.8 GB · ctx 4,096 (max 131,072)",
    )
    assert _texts(second) == (f"LM Studio  {ollama_base}", "Ollama · 2 models")
    assert [_texts(second.child(i)) for i in range(second.childCount())] == [
        ("llama3.2:latest", "3.2B · Q4_K_M · 2.0 GB · ctx 4,096 (max 131,072)"),
        ("qwen2.5:0.5b", "494.03M · Q4_K_M · 0.4 GB · ctx 8,192 (max 32,768) · not loaded"),
    ]
    assert presenter.history == []
    # Picked, an Ollama model goes to Ollama's own API (load time, eval counts); others as told.
    picked: list[tuple[str, str]] = []
    box.model_picked.connect(lambda name, base: picked.append((name, base)))
    tree.itemDoubleClicked.emit(second.child(0), 0)
    tree.itemDoubleClicked.emit(first.child(0), 0)
    assert picked == [
        ("ollama/llama3.2:latest", ollama_base),
        ("llama-3.2-1b", llama_base),
    ]
