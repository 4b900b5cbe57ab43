"""The Models panel: which models a comparison runs, with their parameters and key status.

Models come from three places: a hosted model typed by name (completed from litellm's price map),
a local server found on its usual port, or a custom OpenAI-compatible endpoint. Every new model
starts with the user's default parameters. Nothing here waits on the network, the keyring or the
price map on the GUI thread: those answer later through `Background` or the asyncio loop.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from PySide6.QtCore import QStringListModel, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCompleter,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ui.error_presenter import ErrorPresenter
from ui.models_model import ENDPOINT, KeyStatus, ModelsTableModel, key_status
from ui.models_sources import CustomEndpointBox, LocalServersBox
from ui.services import Services
from workbench import catalogue
from workbench.domain import ModelSpec
from workbench.key_requirements import check_key
from workbench.secrets import KeyStore


class ModelsPanel(QWidget):
    """The chosen models. `models_changed` follows every add, removal and parameter edit."""

    models_changed = Signal()
    keys_checked = Signal()  # a key check landed: `missing_keys()` is up to date

    def __init__(
        self,
        services: Services,
        presenter: ErrorPresenter,
        parent: QWidget | None = None,
        *,
        servers: Mapping[str, int] | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("modelsPanel")
        self._services = services
        self._presenter = presenter
        self._key_generation = 0

        self._hosted = QLineEdit()
        self._hosted.setObjectName("hostedModelInput")
        self._hosted.setPlaceholderText(
            "Hosted model, e.g. gpt-4o-mini or anthropic/claude-3-5-haiku"
        )
        self._hosted_names = QStringListModel(self)
        completer = QCompleter(self._hosted_names, self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self._hosted.setCompleter(completer)
        self._add_hosted = QPushButton("Add")
        self._add_hosted.setObjectName("addHostedButton")

        self._model = ModelsTableModel(self)
        self._table = QTableView()
        self._table.setObjectName("modelsTable")
        self._table.setModel(self._model)
        self._table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self._table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        header = self._table.horizontalHeader()
        # The model's name is what people scan for; a long endpoint URL gives way (tooltip).
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(ENDPOINT, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(ENDPOINT, 110)
        self._table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self._remove = QPushButton("Remove")
        self._remove.setObjectName("removeModelButton")
        self._remove.setEnabled(False)

        self._local = LocalServersBox(
            services.background, services.loop, lambda: services.prefs.endpoints, presenter, servers
        )
        self._custom = CustomEndpointBox(services.background, services.loop, presenter)

        hosted_row = QHBoxLayout()
        hosted_row.addWidget(self._hosted, 1)
        hosted_row.addWidget(self._add_hosted)
        layout = QVBoxLayout(self)
        layout.addLayout(hosted_row)
        self._table.setMinimumHeight(120)  # three models in view even in a short dock
        layout.addWidget(self._table, 2)
        layout.addWidget(self._remove, 0, Qt.AlignmentFlag.AlignRight)
        layout.addWidget(self._local, 1)
        layout.addWidget(self._custom)

        self._add_hosted.clicked.connect(self._on_add_hosted_clicked)
        self._hosted.returnPressed.connect(self._on_add_hosted_clicked)
        self._remove.clicked.connect(self._on_remove_clicked)
        self._table.selectionModel().selectionChanged.connect(self._on_table_selection_changed)
        self._local.model_picked.connect(self._on_source_model_picked)
        self._custom.model_picked.connect(self._on_source_model_picked)
        self._model.models_changed.connect(self._on_model_models_changed)
        self._load_hosted_names()

    # --- public interface ---------------------------------------------------------------------

    def models(self) -> list[ModelSpec]:
        return self._model.models()

    def set_models(self, specs: list[ModelSpec]) -> None:
        """Replace the models (a draft reopened, say); `models_changed` follows as for edits."""
        self._model.set_models(specs)

    def add_model(self, spec: ModelSpec) -> None:
        """Append `spec` to the table; an exact duplicate is ignored."""
        self._model.add(spec)

    def move_endpoint(self, old: Iterable[str], new: str) -> int:
        """Point the models at the api_bases `old` to `new` in place (their row, name and
        parameters kept); `models_changed` follows when any moved. How many moved."""
        return self._model.move_endpoint(old, new)

    def missing_keys(self) -> list[str]:
        """What to do about each model without its key, as of the last check."""
        statuses = (self._model.key_status_of(row) for row in range(self._model.rowCount()))
        return [status.detail for status in statuses if status is not None and status.missing]

    def refresh_keys(self) -> None:
        """Check every model's key again (after keys changed in Settings, for instance)."""
        self._key_generation += 1
        generation, specs, keys = self._key_generation, self._model.models(), self._services.keys

        def check() -> tuple[int, dict[ModelSpec, KeyStatus]]:
            return generation, _key_statuses(specs, keys)

        self._services.background.run(
            check,
            self._on_keys_checked,
            self._on_keys_check_failed,
            lane="compute",
            owner=self,
        )

    # --- slots ---------------------------------------------------------------------------------

    def _on_model_models_changed(self) -> None:
        # A parameter edit keeps every row's status; only new rows need a check.
        rows = range(self._model.rowCount())
        if any(self._model.key_status_of(row) is None for row in rows):
            self.refresh_keys()
        self.models_changed.emit()

    def _on_keys_checked(self, checked: tuple[int, dict[ModelSpec, KeyStatus]]) -> None:
        generation, statuses = checked
        if generation != self._key_generation:
            return  # a newer check, over newer models or keys, is on its way
        self._model.set_key_statuses(statuses)
        self.keys_checked.emit()

    def _on_keys_check_failed(self, exc: BaseException) -> None:
        self._presenter.present(exc, "check the API keys")

    def _on_add_hosted_clicked(self) -> None:
        name = self._hosted.text().strip()
        if name:
            self.add_model(ModelSpec(name=name, params=self._services.prefs.default_params))
            self._hosted.clear()

    def _on_source_model_picked(self, model_id: str, api_base: str) -> None:
        params = self._services.prefs.default_params
        self.add_model(
            ModelSpec(name=model_id, api_base=api_base, transport="openai", params=params)
        )

    def _on_remove_clicked(self) -> None:
        self._model.remove_rows(
            index.row() for index in self._table.selectionModel().selectedRows()
        )

    def _on_table_selection_changed(self) -> None:
        self._remove.setEnabled(self._table.selectionModel().hasSelection())

    def _load_hosted_names(self) -> None:
        def names() -> list[str]:  # reading the price map takes about 100 ms
            return [model.name for model in catalogue.hosted_models()]

        self._services.background.run(
            names,
            self._on_hosted_names_loaded,
            self._on_hosted_names_failed,
            lane="compute",
            owner=self,
        )

    def _on_hosted_names_loaded(self, names: list[str]) -> None:
        self._hosted_names.setStringList(names)

    def _on_hosted_names_failed(self, exc: BaseException) -> None:
        self._presenter.present(exc, "list the models")


def _key_statuses(specs: list[ModelSpec], keys: KeyStore | None) -> dict[ModelSpec, KeyStatus]:
    """On a worker: the keyring may block, and routing reads the price map."""
    return {spec: key_status(spec, check_key(spec, keys)) for spec in specs}
