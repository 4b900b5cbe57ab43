"""The Settings tabs that only edit preferences: endpoints, local models, defaults, the store.

Each tab starts from the preferences' current values and hands back what the user chose; the
dialog saves them all on OK, so Cancel leaves the preferences as they were.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from PySide6.QtCore import QStringListModel, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ui.preferences import LOCAL_CONCURRENCY_RANGE
from workbench.domain import ModelParams

_EXAMPLE_URL = "http://localhost:1234/v1"
_PROVIDER_DEFAULT = "provider default"
_FREE = "free"


def endpoint_problem(url: str, known: list[str]) -> str:
    """Why `url` cannot be added as an endpoint, or "" when it can."""
    if not url:
        return f"Type the server's base URL first, for example {_EXAMPLE_URL}."
    parts = urlsplit(url)
    try:
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number in range
    except ValueError:
        return f"The port in {url} is not a number from 1 to 65535; fix it and add it again."
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return (
            f"{url} is not an http:// or https:// address with a host; type one like "
            f"{_EXAMPLE_URL}."
        )
    if url in known:
        return "That endpoint is already in the list."
    return ""


class EndpointsTab(QWidget):
    """OpenAI-compatible servers (llama.cpp, vLLM, LM Studio...) the model picker should ask."""

    def __init__(self, endpoints: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("endpointsTab")
        self.model = QStringListModel(endpoints, self)
        self.view = QListView(self)
        self.view.setObjectName("endpointList")
        self.view.setModel(self.model)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.edit = QLineEdit(self)
        self.edit.setObjectName("endpointEdit")
        self.edit.setPlaceholderText(_EXAMPLE_URL)
        self.error = QLabel(self)
        self.error.setObjectName("endpointError")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b3261e")
        self.error.hide()
        add = QPushButton("Add", self)
        add.setObjectName("addEndpointButton")
        self.remove_button = QPushButton("Remove", self)
        self.remove_button.setObjectName("removeEndpointButton")
        add.clicked.connect(self._on_add_clicked)
        self.edit.returnPressed.connect(self._on_add_clicked)
        self.edit.textChanged.connect(self.error.hide)
        self.remove_button.clicked.connect(self._on_remove_clicked)

        intro = QLabel(
            "Base URLs of OpenAI-compatible servers on this machine or your network; their "
            "models are offered when you add models. Saved when you press OK.",
            self,
        )
        intro.setWordWrap(True)
        entry = QHBoxLayout()
        entry.addWidget(self.edit, 1)
        entry.addWidget(add)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(entry)
        layout.addWidget(self.error)
        layout.addWidget(self.view)
        layout.addWidget(self.remove_button)

    def endpoints(self) -> list[str]:
        return self.model.stringList()

    def _on_add_clicked(self) -> None:
        url = self.edit.text().strip().rstrip("/")
        problem = endpoint_problem(url, self.endpoints())
        if problem:
            self.error.setText(problem)
            self.error.show()
            return
        row = self.model.rowCount()
        self.model.insertRows(row, 1)
        self.model.setData(self.model.index(row), url)
        self.edit.clear()

    def _on_remove_clicked(self) -> None:
        index = self.view.currentIndex()
        if index.isValid():
            self.model.removeRows(index.row(), 1)


@dataclass(frozen=True, slots=True)
class LocalSettings:
    """How local models run, as the Local models tab shows and hands back."""

    offline: bool = False
    local_concurrency: int = 1
    warm_up: bool = False
    local_price_per_hour: float | None = None  # None: local models cost nothing


class LocalModelsTab(QWidget):
    """Offline mode, requests per local server, warm-up and what an hour of local use costs."""

    def __init__(
        self, chosen: LocalSettings, *, offline_session: bool = False, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("localModelsTab")
        self.offline = QCheckBox("Offline mode", self)
        self.offline.setObjectName("offlineCheck")
        self.offline.setChecked(chosen.offline)
        allowed = QLabel(
            "Only this machine and the local endpoints added under Local endpoints may be "
            "contacted; anything else is refused before a byte is sent.",
            self,
        )
        allowed.setObjectName("offlineExplanation")
        allowed.setWordWrap(True)
        session = QLabel("On for this session anyway: the window was started with --offline.", self)
        session.setObjectName("offlineSessionNote")
        session.setVisible(offline_session)
        low, high = LOCAL_CONCURRENCY_RANGE
        self.concurrency = QSpinBox(self)
        self.concurrency.setObjectName("localConcurrencySpin")
        self.concurrency.setRange(low, high)
        self.concurrency.setValue(chosen.local_concurrency)
        self.concurrency.setToolTip(
            "More than one at a time shares the server between calls, which slows each one "
            "and makes their timings unfair to compare."
        )
        self.warm_up = QCheckBox("Warm up each local model before a run (one untimed call)", self)
        self.warm_up.setObjectName("warmUpCheck")
        self.warm_up.setChecked(chosen.warm_up)
        self.price = QDoubleSpinBox(self)
        self.price.setObjectName("localPriceSpin")
        self.price.setDecimals(2)
        self.price.setRange(-0.01, 10_000.0)
        self.price.setSingleStep(0.10)
        self.price.setPrefix("$")
        self.price.setSuffix(" per hour")
        self.price.setSpecialValueText(_FREE)
        price = chosen.local_price_per_hour
        self.price.setValue(self.price.minimum() if price is None else price)
        intro = QLabel(
            "How runs treat models on this machine or your network. A price per hour (hardware, "
            f"power) gives each local call a cost for the time it took; “{_FREE}” (the box's "
            "lowest step) keeps them at $0. Saved when you press OK.",
            self,
        )
        intro.setWordWrap(True)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.FieldsStayAtSizeHint)
        form.addRow("Requests at a time per local server", self.concurrency)
        form.addRow("Price of local use", self.price)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.offline)
        layout.addWidget(allowed)
        layout.addWidget(session)
        layout.addLayout(form)
        layout.addWidget(self.warm_up)
        layout.addStretch(1)

    def settings(self) -> LocalSettings:
        price = self.price.value()
        return LocalSettings(
            offline=self.offline.isChecked(),
            local_concurrency=self.concurrency.value(),
            warm_up=self.warm_up.isChecked(),
            local_price_per_hour=None if price <= self.price.minimum() else round(price, 2),
        )


def _decimal_box(name: str, top: float, step: float, value: float | None) -> QDoubleSpinBox:
    """A box whose lowest step, one below zero, means "send nothing"."""
    box = QDoubleSpinBox()
    box.setObjectName(name)
    box.setDecimals(2)
    box.setRange(-step, top)
    box.setSingleStep(step)
    box.setSpecialValueText(_PROVIDER_DEFAULT)
    box.setValue(-step if value is None else value)
    return box


def _whole_box(name: str, bottom: int, value: int | None) -> QSpinBox:
    """A box whose lowest value, below every meaningful one, means "send nothing"."""
    box = QSpinBox()
    box.setObjectName(name)
    box.setRange(bottom, 2**31 - 1)
    box.setSpecialValueText(_PROVIDER_DEFAULT)
    box.setValue(bottom if value is None else value)
    return box


class DefaultsTab(QWidget):
    """Temperature, top_p, max_tokens and seed that models added from now on start with."""

    def __init__(self, params: ModelParams, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("defaultsTab")
        self._params = params
        self.temperature = _decimal_box("temperatureSpin", 2.0, 0.1, params.temperature)
        self.top_p = _decimal_box("topPSpin", 1.0, 0.05, params.top_p)
        self.max_tokens = _whole_box("maxTokensSpin", 0, params.max_tokens)
        self.seed = _whole_box("seedSpin", -1, params.seed)
        intro = QLabel(
            "Models you add from now on start with these values; models already added keep "
            f"theirs. “{_PROVIDER_DEFAULT}” (each box's lowest step) sends nothing, so the "
            "provider's own default applies. Saved when you press OK.",
            self,
        )
        intro.setWordWrap(True)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.FieldsStayAtSizeHint)
        form.addRow("Temperature", self.temperature)
        form.addRow("Top p", self.top_p)
        form.addRow("Max tokens", self.max_tokens)
        form.addRow("Seed", self.seed)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addStretch(1)

    def params(self) -> ModelParams:
        def decimal(box: QDoubleSpinBox) -> float | None:
            return None if box.value() <= box.minimum() else round(box.value(), 2)

        def whole(box: QSpinBox) -> int | None:
            return None if box.value() <= box.minimum() else box.value()

        return dataclasses.replace(
            self._params,
            temperature=decimal(self.temperature),
            top_p=decimal(self.top_p),
            max_tokens=whole(self.max_tokens),
            seed=whole(self.seed),
        )


class StoreTab(QWidget):
    """Where the experiment store lives; a change takes effect at the next start."""

    def __init__(self, location: str, chosen: str | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("storeTab")
        self._location = location
        current = QLabel(location or "the store has not been opened yet", self)
        current.setObjectName("storeLocation")
        current.setWordWrap(True)
        current.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.edit = QLineEdit(chosen or "", self)
        self.edit.setObjectName("storePathEdit")
        self.edit.setPlaceholderText("the default location")
        self.edit.setClearButtonEnabled(True)
        choose = QPushButton("Choose file…", self)
        choose.setObjectName("chooseStoreButton")
        default = QPushButton("Use default location", self)
        default.setObjectName("defaultStoreButton")
        choose.clicked.connect(self._on_choose_clicked)
        default.clicked.connect(self.edit.clear)
        note = QLabel(
            "Choose a .db file (a new one is created if it does not exist) or type a path or "
            "SQLAlchemy URL, such as postgresql://host/workbench for a shared store. The new "
            "location takes effect the next time the workbench starts.",
            self,
        )
        note.setWordWrap(True)
        chooser = QHBoxLayout()
        chooser.addWidget(self.edit, 1)
        chooser.addWidget(choose)
        chooser.addWidget(default)
        form = QFormLayout()
        form.addRow("In use now", current)
        form.addRow("Next start", chooser)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addStretch(1)

    def store_path(self) -> str | None:
        return self.edit.text().strip() or None

    def _on_choose_clicked(self) -> None:
        start = self.store_path() or self._location
        folder = str(Path(start).parent) if start and "://" not in start else str(Path.home())
        dialog = QFileDialog(self, "Choose the store file", folder)
        dialog.setObjectName("storeFileDialog")
        dialog.setNameFilters(["Workbench stores (*.db)", "All files (*)"])
        dialog.setDefaultSuffix("db")
        # "Save" lets the user name a new file; choosing an existing store is no overwrite.
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setOption(QFileDialog.Option.DontConfirmOverwrite)
        dialog.fileSelected.connect(self.edit.setText)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
