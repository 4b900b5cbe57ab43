"""Before a large run: count the calls, estimate tokens and cost per model, offer a budget.

The estimate needs the store (how long each model's past outputs were) and tiktoken (the rendered
prompts), so it is made off the GUI thread: history on the store lane, counting on the compute
lane, then the dialog. Run starts the plan with the budget chosen; Cancel sends nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, Slot
from PySide6.QtWidgets import QDialog, QWidget

from ui.error_presenter import ErrorPresenter
from ui.preflight_dialog import PreflightDialog
from ui.run_controller import RunController
from ui.services import Services
from workbench.domain import Cell
from workbench.preflight import Preflight, preflight

if TYPE_CHECKING:
    from storage.run_store import SqlRunStore


class PreflightRun(QObject):
    ASK_ABOVE = 20  # calls: smaller plans run at once (Run > Run with cost preflight asks anyway)

    def __init__(
        self,
        services: Services,
        presenter: ErrorPresenter,
        runs: RunController,
        *,
        window: QWidget,
    ) -> None:
        super().__init__(window)
        self._services = services
        self._presenter = presenter
        self._runs = runs
        self._window = window
        self.budget_usd: float | None = None  # the last budget chosen, offered again
        self.dialog: PreflightDialog | None = None

    def ask(self, cells: list[Cell]) -> None:
        """Estimate `cells`, show the preflight, and run them if the person says Run."""
        names = sorted({cell.model.name for cell in cells})

        def history(store: SqlRunStore) -> dict[str, float]:
            return store.output_tokens_history(names)

        self._services.store.call(
            history,
            lambda found: self._estimate(cells, found),
            # No store: estimate from max_tokens or the default, rather than not at all.
            lambda _exc: self._estimate(cells, {}),
            owner=self,
        )

    def _estimate(self, cells: Sequence[Cell], history: Mapping[str, float]) -> None:
        self._services.background.run(
            lambda: preflight(cells, history),
            lambda estimate: self._show(list(cells), estimate),
            lambda exc: self._presenter.present(exc, "estimate the run's cost"),
            owner=self,
        )

    def _show(self, cells: list[Cell], estimate: Preflight) -> None:
        dialog = PreflightDialog(estimate, self.budget_usd, self._window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(lambda result: self._on_finished(dialog, cells, result))
        self.dialog = dialog
        dialog.open()

    @Slot()
    def _on_finished(self, dialog: PreflightDialog, cells: list[Cell], result: int) -> None:
        self.dialog = None
        if result != QDialog.DialogCode.Accepted:
            return
        self.budget_usd = dialog.budget()
        self._runs.run_cells(cells, self.budget_usd)
