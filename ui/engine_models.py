"""Keeps the Models panel and the window's local engines in step.

A GGUF file's engine that becomes ready adds its model, as a picked local model; after a restart
the models that waited for their file's engine (`EngineManager.restore`) move to its new port in
place instead. Removing a model stops the engine no model uses any more. A restored file that
cannot be served leaves its model in the list and says, in the dock and the status bar, how to
get it back, until no model waits for it any more.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QObject, Slot
from PySide6.QtWidgets import QDockWidget, QStatusBar

from ui.engines_panel import EnginesPanel
from ui.local_engines import EngineManager
from ui.models_panel import ModelsPanel
from ui.models_sources import LocalServersBox
from ui.preferences import Preferences
from workbench.local_engine import EngineProcess

_STATUS_MS = 8000


class EngineModels(QObject):
    def __init__(
        self,
        engines: EngineManager,
        *,
        panel: EnginesPanel,
        dock: QDockWidget,
        models: ModelsPanel,
        status: QStatusBar,
        prefs: Preferences,
        parent: QObject,
    ) -> None:
        super().__init__(parent)
        self._engines = engines
        self._panel = panel
        self._dock = dock
        self._models = models
        self._status = status
        self._prefs = prefs
        self._hints: dict[str, str] = {}  # a failed restored file -> what it means for its models
        engines.engine_ready.connect(self._on_engines_engine_ready)
        engines.engine_failed.connect(self._on_engines_engine_failed)
        models.models_changed.connect(self._on_models_models_changed)
        local_servers = models.findChild(LocalServersBox)
        assert local_servers is not None  # the Models panel always has one
        local_servers.gguf_chosen.connect(self._on_local_servers_gguf_chosen)

    @Slot(str)
    def _on_local_servers_gguf_chosen(self, path: str) -> None:
        self._dock.raise_()
        self._panel.run_file(Path(path))

    @Slot(object)
    def _on_engines_engine_ready(self, engine: EngineProcess) -> None:
        """The models that waited for this file (a restored workspace) move to its port in
        place; else its model joins the list, as a picked local model."""
        waiting = self._engines.take_waiting(engine)
        if waiting and self._models.move_endpoint(waiting, engine.api_base):
            self._status.showMessage(
                f"{engine.model_name} is back, on port {engine.port}", _STATUS_MS
            )
            return
        model = replace(engine.model_spec(), transport="openai", params=self._prefs.default_params)
        self._models.add_model(model)
        self._status.showMessage(f"{engine.model_name} is ready on port {engine.port}", _STATUS_MS)

    @Slot(str, str)
    def _on_engines_engine_failed(self, path: str, _message: str) -> None:
        """A restored model's file could not be served: the model stays, say how to get it back
        (the dock's row and the presenter already say why it failed)."""
        waiting = set(self._engines.waiting_for(path))
        names = [model.label for model in self._models.models() if model.api_base in waiting]
        if not names:
            return
        hint = (
            f"{', '.join(dict.fromkeys(names))} cannot answer until {path} is back: "
            "put the file back and run it again (Run a GGUF file…), or remove the model."
        )
        self._hints[path] = hint
        self._panel.note(path, hint)
        self._dock.raise_()
        self._status.showMessage(hint)  # no timeout: it holds until something newer is said

    @Slot()
    def _on_models_models_changed(self) -> None:
        self._engines.stop_unused(self._models.models())  # an engine lives as long as its model
        for path, hint in list(self._hints.items()):
            if not self._engines.waiting_for(path):  # its models were removed or moved
                del self._hints[path]
                self._panel.note(path, "")
                if self._status.currentMessage() == hint:
                    self._status.clearMessage()
