"""Runs what the editor holds: prompts x models into the results grid, and keeps each cell.

The controller owns the window's one task bridge. Cells stream into the results model as the
bridge reports them; each ended cell is saved on the store lane at once (a crash loses only the
cells in flight). A store that fails does not stop the run: it says so once and runs on.
"""

from __future__ import annotations

import concurrent.futures
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal, Slot

from ui.error_presenter import ErrorPresenter
from ui.results_model import CellStatus, ResultsModel
from ui.services import Services
from ui.task_bridge import RunBridge
from workbench.domain import Cell, CellResult, ModelSpec, PromptTemplate
from workbench.errors import WorkbenchError
from workbench.plan import build_plan
from workbench.store_api import RunStatus, StoredRun

if TYPE_CHECKING:
    from storage.run_store import SqlRunStore
    from workbench.runner import Runner, RunOptions


_Marks = dict[int, tuple[int | None, str | None]]  # cell index -> (rating, note)


class RunController(QObject):
    run_started = Signal(int)  # cells
    progress = Signal(int, int)  # ended, total
    costs_changed = Signal(float, float)  # this run's cost, the session's cost (USD)
    run_finished = Signal(str)  # RunStatus value
    run_kept = Signal(int)  # run id in the store
    run_opened = Signal(object)  # RunInfo of a past run shown in the grid

    def __init__(
        self,
        services: Services,
        presenter: ErrorPresenter,
        model: ResultsModel,
        options: RunOptions | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._services = services
        self._presenter = presenter
        self.model = model
        self.options = options  # None: the runner's defaults
        self.bridge = RunBridge(services.loop, self._new_runner, parent=self)
        self._run_future: concurrent.futures.Future[int] | None = None
        self._cells: list[Cell] = []
        self._cancelled = False
        self._store_failed = False
        self._run_cost = 0.0
        self.session_cost = 0.0
        self.bridge.cell_started.connect(model.cell_started)
        self.bridge.cell_text.connect(model.append_text)
        self.bridge.cell_reset.connect(model.reset_text)
        self.bridge.cell_ended.connect(self._on_bridge_cell_ended)
        self.bridge.run_finished.connect(self._on_bridge_run_finished)

    def _new_runner(self) -> Runner:
        # Imported on first use (on the loop thread): aiohttp loads behind the window.
        from workbench.runner import Runner, RunOptions  # noqa: PLC0415

        return Runner(self.options or RunOptions(), keys=self._services.keys)

    @property
    def running(self) -> bool:
        return self.bridge.running

    # --- starting -------------------------------------------------------------------------------

    def run(
        self,
        prompts: Sequence[PromptTemplate],
        variables: Mapping[str, str],
        models: Sequence[ModelSpec],
    ) -> bool:
        """Run every prompt against every model; False (with a message shown) when it cannot."""
        if self.running:
            self._presenter.warn("A run is going", "Cancel it (Esc) before starting another.")
            return False
        if not prompts or not models:
            what = "a prompt" if not prompts else "a model (under Models)"
            self._presenter.warn("Nothing to run", f"Add {what} first, then press Ctrl+Enter.")
            return False
        try:
            cells = build_plan(prompts, models, [dict(variables)])
        except WorkbenchError as exc:
            self._presenter.warn("The prompts cannot be rendered", str(exc))
            return False
        self.model.start(cells)
        self._begin(cells)
        return True

    def rerun(self, cell_index: int) -> bool:
        """Run one cell of the grid again, as a run of its own in the store."""
        state = self.model.state_of(cell_index)
        if state is None:
            return False
        if self.running:
            self._presenter.warn("A run is going", "Wait for it to end (or cancel it) first.")
            return False
        self.model.restart(state.cell)
        self._begin([state.cell])
        return True

    def _begin(self, cells: list[Cell]) -> None:
        self._cells = cells
        self._cancelled = False
        self._store_failed = False
        self._run_cost = 0.0
        from workbench.cli.session import options_record  # noqa: PLC0415 - see _new_runner
        from workbench.runner import RunOptions  # noqa: PLC0415

        record = options_record(self.options or RunOptions())
        self._run_future = self._services.store.call(
            lambda store: store.start_run(cells, record),
            done=lambda run_id: self.model.set_run_id(run_id, cells),
            failed=self._on_store_failed,
            owner=self,
        )
        self.bridge.start(cells)
        self.run_started.emit(len(cells))
        self._emit_progress()

    def cancel(self) -> None:
        if self.running:
            self._cancelled = True
            self.bridge.cancel()

    # --- following the run ----------------------------------------------------------------------

    @Slot(object)
    def _on_bridge_cell_ended(self, result: CellResult) -> None:
        self.model.cell_ended(result)
        if result.cost.usd and not result.cached:
            self._run_cost += result.cost.usd
            self.session_cost += result.cost.usd
            self.costs_changed.emit(self._run_cost, self.session_cost)
        self._emit_progress()
        started = self._run_future
        if started is None:
            return
        self._services.store.call(
            lambda store: _save(store, started, result), failed=self._on_store_failed, owner=self
        )

    @Slot()
    def _on_bridge_run_finished(self) -> None:
        status = RunStatus.CANCELLED if self._cancelled else RunStatus.FINISHED
        started = self._run_future
        if started is not None:
            self._services.store.call(
                lambda store: _finish(store, started, status),
                done=self.run_kept.emit,
                failed=self._on_store_failed,
                owner=self,
            )
        self.run_finished.emit(status.value)

    def _emit_progress(self) -> None:
        ended = sum(
            1
            for cell in self._cells
            if (state := self.model.state_of(cell.index)) is not None
            and state.status not in (CellStatus.PENDING, CellStatus.RUNNING)
        )
        self.progress.emit(ended, len(self._cells))

    def _on_store_failed(self, exc: BaseException) -> None:
        if not self._store_failed:  # once per run: the run goes on without the store
            self._store_failed = True
            self._presenter.present(exc, "keep this run in the store")

    # --- ratings and past runs ------------------------------------------------------------------

    def rate(self, cell_index: int, rating: int | None) -> None:
        state = self.model.state_of(cell_index)
        if state is None or state.run_id is None:
            return
        run_id = state.run_id
        self.model.set_rating(cell_index, rating)
        self._services.store.call(
            lambda store: store.rate_cell(run_id, cell_index, rating),
            failed=lambda exc: self._presenter.present(exc, "keep the rating"),
            owner=self,
        )

    def open_run(self, run_id: int) -> None:
        """Show a past run's grid exactly as it was kept."""
        if self.running:
            self._presenter.warn("A run is going", "Wait for it to end before opening another.")
            return

        def load(store: SqlRunStore) -> tuple[StoredRun, _Marks]:
            stored = store.load_run(run_id)
            marks = {i: (m.rating, m.note) for i, m in store.cell_marks(run_id).items()}
            return stored, marks

        def show(loaded: tuple[StoredRun, _Marks]) -> None:
            stored, marks = loaded
            self._cells = []
            self.model.load(stored.results, stored.missing, run_id, marks)
            self.run_opened.emit(stored.info)

        self._services.store.call(
            load, show, lambda exc: self._presenter.present(exc, f"open run {run_id}"), owner=self
        )


def _save(store: SqlRunStore, started: concurrent.futures.Future[int], result: CellResult) -> None:
    # The store lane is serial and start_run was queued first, so its answer is already in.
    if started.exception() is None:
        store.save_cell(started.result(), result)


def _finish(store: SqlRunStore, started: concurrent.futures.Future[int], status: RunStatus) -> int:
    run_id = started.result()
    store.finish_run(run_id, status)
    return run_id
