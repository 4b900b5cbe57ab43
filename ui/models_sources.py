"""Where models come from besides the hosted list: local servers found on their usual ports, and
an endpoint the user types. Both ask servers over the network, so both run on the asyncio loop.

The boxes only say which model was picked (`model_picked(model id, base URL)`); the panel turns that
into a ModelSpec with the user's default parameters, so there is one place that builds specs.
A GGUF file with no server is only named here (`gguf_chosen`): the window's engine manager
serves it and adds its model when it answers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ui.background import Background
from ui.engines_panel import open_gguf_dialog
from ui.error_presenter import ErrorPresenter
from ui.task_bridge import LoopThread
from workbench.catalogue import OLLAMA, EndpointModel, endpoint_models
from workbench.discovery import LocalServer, discover, is_base_url
from workbench.errors import ProviderError

_PICK = Qt.ItemDataRole.UserRole  # (model id, base URL) on a model's row of the server tree
_ERROR_STYLE = "color: #b05400;"


class LocalServersBox(QGroupBox):
    """Finds servers on the usual local ports and the user's endpoints, and lists their models."""

    model_picked = Signal(str, str)  # model id, base URL
    gguf_chosen = Signal(str)  # a model file to serve with the window's local engine

    def __init__(
        self,
        background: Background,
        loop: LoopThread,
        endpoints: Callable[[], list[str]],
        presenter: ErrorPresenter,
        servers: Mapping[str, int] | None = None,
        *,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__("Local servers", parent)
        self._background, self._loop = background, loop
        self._endpoints = endpoints
        self._presenter = presenter
        self._servers = servers
        self._find = QPushButton("Find local servers")
        self._find.setObjectName("discoverButton")
        self._status = QLabel("Ollama, LM Studio, llama.cpp and vLLM on their usual ports.")
        self._status.setObjectName("discoveryStatus")
        self._status.setWordWrap(True)
        self._tree = QTreeWidget()
        self._tree.setObjectName("serverTree")
        self._tree.setHeaderLabels(["Server or model", "Details"])
        self._tree.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self._add = QPushButton("Add selected")
        self._add.setObjectName("addLocalModelButton")
        self._add.setEnabled(False)
        self._gguf = QPushButton("Run a GGUF file…")
        self._gguf.setObjectName("localGgufButton")
        self._gguf.setToolTip("No server? Serve a .gguf model file with llama.cpp on this machine")

        top = QHBoxLayout()
        top.addWidget(self._find)
        top.addWidget(self._status, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self._tree, 1)
        bottom = QHBoxLayout()
        bottom.addWidget(self._gguf)
        bottom.addStretch(1)
        bottom.addWidget(self._add)
        layout.addLayout(bottom)

        self._find.clicked.connect(self.find_servers)
        self._gguf.clicked.connect(self._on_gguf_clicked)
        self._add.clicked.connect(self._on_add_clicked)
        self._tree.itemDoubleClicked.connect(self._on_tree_double_clicked)
        self._tree.itemSelectionChanged.connect(self._on_tree_selection_changed)

    def find_servers(self) -> None:
        """Probe the servers; the tree fills when they have all answered or timed out."""
        self._find.setEnabled(False)
        self._status.setStyleSheet("")
        self._status.setText("Looking for servers…")
        coro = discover(self._endpoints(), servers=self._servers)
        self._background.await_on(
            self._loop, coro, self._on_discovered, self._on_discovery_failed, owner=self
        )

    def _on_discovered(self, found: list[LocalServer]) -> None:
        self._find.setEnabled(True)
        self._tree.clear()
        for server in found:
            self._tree.addTopLevelItem(_server_item(server))
        self._tree.expandAll()
        self._tree.resizeColumnToContents(0)
        up = [server for server in found if server.up]
        if up:
            count = sum(len(server.models) for server in up)
            self._status.setText(
                f"{len(up)} of {len(found)} servers answered, with {count} models."
            )
        else:
            self._status.setText(
                "No local server answered. Start Ollama, LM Studio, llama.cpp or vLLM, "
                "or add your server's address under Custom endpoint."
            )

    def _on_discovery_failed(self, exc: BaseException) -> None:
        self._find.setEnabled(True)
        self._status.setText("Looking for servers failed.")
        self._presenter.present(exc, "list the models")

    def _on_gguf_clicked(self) -> None:
        open_gguf_dialog(self, lambda path: self.gguf_chosen.emit(str(path)))

    def _on_tree_double_clicked(self, item: QTreeWidgetItem, _column: int) -> None:
        self._pick(item)

    def _on_tree_selection_changed(self) -> None:
        self._add.setEnabled(any(item.data(0, _PICK) for item in self._tree.selectedItems()))

    def _on_add_clicked(self) -> None:
        for item in self._tree.selectedItems():
            self._pick(item)

    def _pick(self, item: QTreeWidgetItem) -> None:
        pick = item.data(0, _PICK)
        if pick:
            model_id, api_base = pick
            self.model_picked.emit(model_id, api_base)


def _server_item(server: LocalServer) -> QTreeWidgetItem:
    if server.up:
        # The kind is what answered, which need not be the server usual on that port.
        plural = "" if len(server.models) == 1 else "s"
        counted = f"{len(server.models)} model{plural}"
        told = " · ".join(part for part in (server.server_kind, counted) if part)
        item = QTreeWidgetItem([f"{server.name}  {server.api_base}", told])
    else:
        item = QTreeWidgetItem([f"{server.name}  {server.api_base}", f"down: {server.error}"])
        item.setToolTip(1, server.error or "")
        item.setDisabled(True)
    # Ollama's own API reports load time and eval counts that its /v1 does not: its models are
    # added as ollama/NAME, which routing sends to that API at the same server.
    prefix = "ollama/" if server.server_kind == OLLAMA else ""
    for model in server.models:
        child = QTreeWidgetItem([model.id, _details(model)])
        child.setData(0, _PICK, (prefix + model.id, server.api_base))
        child.setToolTip(0, "Double-click to add this model")
        item.addChild(child)
    item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsSelectable)
    return item


def _details(model: EndpointModel) -> str:
    """What the server told: "3.2B · Q4_K_M · 2.0 GB · ctx 4,096 (max 131,072) · not loaded"."""
    parts = [model.parameter_size, model.quantization]
    if model.size_bytes:
        parts.append(f"{model.size_bytes / 1e9:.1f} GB")
    if model.context_length:
        most = model.max_context_length
        widest = f" (max {most:,})" if most and most != model.context_length else ""
        parts.append(f"ctx {model.context_length:,}{widest}")
    if model.kind == "vlm":
        parts.append("vision")
    if model.loaded is False:  # None: the server does not say
        parts.append("not loaded")
    return " · ".join(part for part in parts if part)


class CustomEndpointBox(QGroupBox):
    """Any OpenAI-compatible server by its base URL: list its models or type one."""

    model_picked = Signal(str, str)  # model id, base URL

    def __init__(
        self,
        background: Background,
        loop: LoopThread,
        presenter: ErrorPresenter,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__("Custom endpoint", parent)
        self._background, self._loop = background, loop
        self._presenter = presenter
        self._asked = ""
        self._url = QLineEdit()
        self._url.setObjectName("endpointInput")
        self._url.setPlaceholderText("http://localhost:8080/v1")
        self._list = QPushButton("List models")
        self._list.setObjectName("listModelsButton")
        self._model = QComboBox()
        self._model.setObjectName("endpointModelInput")
        self._model.setEditable(True)
        editor = self._model.lineEdit()
        assert editor is not None  # an editable combo box always has one
        editor.setPlaceholderText("model id")
        self._add = QPushButton("Add")
        self._add.setObjectName("addEndpointModelButton")
        self._status = QLabel()
        self._status.setObjectName("endpointStatus")
        self._status.setWordWrap(True)

        row = QHBoxLayout()
        row.addWidget(self._url, 2)
        row.addWidget(self._list)
        row.addWidget(self._model, 2)
        row.addWidget(self._add)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self._status)

        self._list.clicked.connect(self._on_list_clicked)
        self._add.clicked.connect(self._on_add_clicked)

    def _base_url(self) -> str | None:
        url = self._url.text().strip().rstrip("/")
        if is_base_url(url):
            return url
        self._show("Enter the server's base URL, for example http://localhost:8080/v1.", error=True)
        return None

    def _on_list_clicked(self) -> None:
        url = self._base_url()
        if url is None:
            return
        self._list.setEnabled(False)  # one question at a time: `_asked` is the URL it went to
        self._asked = url
        self._show(f"Asking {url} for its models…")
        self._background.await_on(
            self._loop, endpoint_models(url), self._on_listed, self._on_list_failed, owner=self
        )

    def _on_listed(self, models: list[EndpointModel]) -> None:
        self._list.setEnabled(True)
        typed = self._model.currentText()
        self._model.clear()
        self._model.addItems([model.id for model in models])
        if typed:
            self._model.setCurrentText(typed)
        plural = "" if len(models) == 1 else "s"
        self._show(f"{self._asked} serves {len(models)} model{plural}; pick one and press Add.")

    def _on_list_failed(self, exc: BaseException) -> None:
        self._list.setEnabled(True)
        if isinstance(exc, ProviderError):
            # A server that is down or not OpenAI-compatible: fix the address typed just above.
            self._show(
                f"{self._asked} did not list its models: {exc.message}. Check the address.",
                error=True,
            )
        else:
            self._show("")
            self._presenter.present(exc, "list the models")

    def _on_add_clicked(self) -> None:
        url = self._base_url()
        if url is None:
            return
        model_id = self._model.currentText().strip()
        if not model_id:
            self._show("Enter the model id the server expects, or press List models.", error=True)
            return
        self._show("")
        self.model_picked.emit(model_id, url)

    def _show(self, text: str, *, error: bool = False) -> None:
        self._status.setStyleSheet(_ERROR_STYLE if error else "")
        self._status.setText(text)
