"""Runs what the editor holds: prompts x models into the results grid, and keeps each cell.

The controller owns the window's one task bridge. Cells stream into the results model as the
bridge reports them; each ended cell is saved on the store lane at once (a crash loses only the
cells in flight). A store that fails does not stop the run: it says so once and runs on.

The runner's options come from the preferences (offline mode, requests per local server, warm-up),
read on the GUI thread whenever they are saved: runners are made on the loop thread, which never
touches QSettings. Local models are priced per hour of use when the user set a price.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal, Slot

from storage.marks import clean_note
from ui.error_presenter import ErrorPresenter
from ui.offline_mode import offline_policy
from ui.readouts import seconds
from ui.results_model import CellStatus, ResultsModel
from ui.services import Services
from ui.task_bridge import RunBridge
from workbench.domain import Cell, CellError, CellResult, ModelSpec, PromptTemplate
from workbench.errors import WorkbenchError
from workbench.offline_guard import OfflinePolicy
from workbench.plan import build_plan
from workbench.pricing import priced_per_hour
from workbench.ratings import Mark
from workbench.store_api import RunStatus, StoredRun

if TYPE_CHECKING:
    from storage.run_store import SqlRunStore
    from workbench.runner import Runner, RunOptions


_Marks = dict[int, Mark]  # by cell index


@dataclass(frozen=True, slots=True)
class LocalRunSettings:
    """The preferences a run takes, as read on the GUI thread when they were last saved."""

    offline: OfflinePolicy | None = None
    local_concurrency: int = 1
    warm_up: bool = False
    local_price_per_hour: float | None = None


class RunController(QObject):
    run_started = Signal(int)  # cells
    progress = Signal(int, int)  # ended, total
    costs_changed = Signal(float, float)  # this run's cost, the session's cost (USD)
    run_finished = Signal(str)  # RunStatus value
    run_kept = Signal(int)  # run id in the store
    run_opened = Signal(object)  # RunInfo of a past run shown in the grid
    plan_started = Signal(object)  # the run's cells (list[Cell]), before any call
    cell_result = Signal(object)  # CellResult of each ended cell, after the grid has it
    run_recorded = Signal(int)  # the store's id of the run just started
    run_loaded = Signal(object, object)  # StoredRun, marks by cell index: a past run opened
    mark_changed = Signal(int, object)  # cell index, its Mark after a rating, score or note
    notice = Signal(str)  # a line for the status bar, e.g. "warmed up llama3 in 0.8 s"

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
        self.options = options  # None: the runner's defaults with the preferences applied
        self.local = LocalRunSettings()
        self.apply_preferences()
        self.bridge = RunBridge(services.loop, self._new_runner, parent=self)
        self._run_future: concurrent.futures.Future[int] | None = None
        self._cells: list[Cell] = []
        self._cancelled = False
        self._store_failed = False
        self._run_cost = 0.0
        self._budget_usd: float | None = None
        self._marks: dict[int, Mark] = {}
        self.session_cost = 0.0
        self.bridge.cell_started.connect(model.cell_started)
        self.bridge.cell_text.connect(model.append_text)
        self.bridge.cell_reset.connect(model.reset_text)
        self.bridge.cell_ended.connect(self._on_bridge_cell_ended)
        self.bridge.model_warmed.connect(self._on_bridge_model_warmed)
        self.bridge.run_finished.connect(self._on_bridge_run_finished)

    def _new_runner(self) -> Runner:
        return self.new_runner(budget=True)

    def new_runner(self, *, budget: bool) -> Runner:
        """A runner with the window's options (and this run's budget, when `budget`)."""
        # Imported on first use (on the loop thread): aiohttp loads behind the window.
        from workbench.runner import Runner  # noqa: PLC0415

        return Runner(self.run_options(budget=budget), keys=self._services.keys)

    def run_options(self, *, budget: bool) -> RunOptions:
        """The options a run goes with: set ones (`options`), else the preferences'."""
        from workbench.runner import RunOptions  # noqa: PLC0415 - see new_runner

        local = self.local
        options = self.options or RunOptions(
            local_concurrency=local.local_concurrency, warm_up=local.warm_up
        )
        if local.offline is not None:  # set options never make a run less offline than asked
            options = dataclasses.replace(options, offline=local.offline)
        if budget and self._budget_usd is not None:
            options = dataclasses.replace(options, budget_usd=self._budget_usd)
        return options

    @Slot()
    def apply_preferences(self) -> None:
        """Take the saved preferences (and `--offline`) for the runs from now on."""
        prefs = self._services.prefs
        self.local = LocalRunSettings(
            offline=offline_policy(prefs),
            local_concurrency=prefs.local_concurrency,
            warm_up=prefs.warm_up,
            local_price_per_hour=prefs.local_price_per_hour,
        )

    @property
    def running(self) -> bool:
        return self.bridge.running

    # --- starting -------------------------------------------------------------------------------

    def plan(
        self,
        prompts: Sequence[PromptTemplate],
        variable_sets: Sequence[Mapping[str, str]],
        models: Sequence[ModelSpec],
        repeats: int = 1,
    ) -> list[Cell] | None:
        """The cells a run would make; None (with a message shown) when it cannot run."""
        if self.running:
            self._presenter.warn("A run is going", "Cancel it (Esc) before starting another.")
            return None
        if not prompts or not models:
            what = "a prompt" if not prompts else "a model (under Models)"
            self._presenter.warn("Nothing to run", f"Add {what} first, then press Ctrl+Enter.")
            return None
        # The Settings price is a default: a model with a price per hour of its own keeps it.
        priced = priced_per_hour(models, self.local.local_price_per_hour, keep_own=True)
        try:
            return build_plan(prompts, priced, [dict(v) for v in variable_sets] or [{}], repeats)
        except WorkbenchError as exc:
            self._presenter.warn("The prompts cannot be rendered", str(exc))
            return None

    def run(
        self,
        prompts: Sequence[PromptTemplate],
        variable_sets: Sequence[Mapping[str, str]],
        models: Sequence[ModelSpec],
        repeats: int = 1,
        budget_usd: float | None = None,
    ) -> bool:
        """Run every prompt with every variable set against every model, `repeats` times.

        False (with a message shown) when it cannot. A budget ends the run once its known cost
        reaches it (the cells not yet ended fail as budget_reached).
        """
        cells = self.plan(prompts, variable_sets, models, repeats)
        return cells is not None and self.run_cells(cells, budget_usd)

    def run_cells(self, cells: list[Cell], budget_usd: float | None = None) -> bool:
        """Run a plan made by `plan`."""
        if self.running:
            self._presenter.warn("A run is going", "Cancel it (Esc) before starting another.")
            return False
        self._budget_usd = budget_usd
        self._marks = {}
        self.model.start(cells)
        self.plan_started.emit(cells)
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
        self._budget_usd = None
        self._begin(
            [state.cell]
        )  # the matrix keeps its layout: the cell's verdict updates in place
        return True

    def _begin(self, cells: list[Cell]) -> None:
        self._cells = cells
        self._cancelled = False
        self._store_failed = False
        self._run_cost = 0.0
        from workbench.cli.session import options_record  # noqa: PLC0415 - see _new_runner

        record = options_record(self.run_options(budget=True))

        def started(run_id: int) -> None:
            self.model.set_run_id(run_id, cells)
            self.run_recorded.emit(run_id)

        self._run_future = self._services.store.call(
            lambda store: store.start_run(cells, record),
            done=started,
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
        self.cell_result.emit(result)
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

    @Slot(object, float, object)
    def _on_bridge_model_warmed(
        self, model: ModelSpec, elapsed_ms: float, error: CellError | None
    ) -> None:
        if error is None:
            self.notice.emit(f"warmed up {model.label} in {seconds(elapsed_ms)}")
        else:
            self.notice.emit(
                f"warming up {model.label} failed ({error.message}); the run goes on without it"
            )

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
        """Thumbs up (+1), down (-1) or cleared (None) on a cell of the run shown."""
        self._mark(cell_index, "rating", rating, lambda s, r, i: s.rate_cell(r, i, rating))

    def score(self, cell_index: int, score: int | None) -> None:
        """A 1-5 score (or None to clear) on a cell of the run shown."""
        self._mark(cell_index, "score", score, lambda s, r, i: s.score_cell(r, i, score))

    def note(self, cell_index: int, note: str | None) -> None:
        """A note (None or blank clears it) on a cell of the run shown."""
        note = clean_note(note)  # as the store keeps it, so the matrix shows the same
        self._mark(cell_index, "note", note, lambda s, r, i: s.note_cell(r, i, note))

    def mark_of(self, cell_index: int) -> Mark:
        return self._marks.get(cell_index, Mark())

    def _mark(
        self,
        cell_index: int,
        field: str,
        value: object,
        keep: Callable[[SqlRunStore, int, int], None],
    ) -> None:
        state = self.model.state_of(cell_index)
        if state is None or state.run_id is None:
            self._presenter.warn("Not kept yet", "Marks go on cells of a run kept in the store.")
            return
        run_id = state.run_id
        mark = dataclasses.replace(self.mark_of(cell_index), **{field: value})  # type: ignore[arg-type]
        self._marks[cell_index] = mark
        if field == "rating":
            self.model.set_rating(cell_index, mark.rating)
        self.mark_changed.emit(cell_index, mark)
        self._services.store.call(
            lambda store: keep(store, run_id, cell_index),
            failed=lambda exc: self._presenter.present(exc, f"keep the {field}"),
            owner=self,
        )

    def open_run(self, run_id: int) -> None:
        """Show a past run's grid exactly as it was kept."""
        if self.running:
            self._presenter.warn("A run is going", "Wait for it to end before opening another.")
            return

        def load(store: SqlRunStore) -> tuple[StoredRun, _Marks]:
            stored = store.load_run(run_id)
            marks = {
                i: Mark(m.rating, m.score, m.note) for i, m in store.cell_marks(run_id).items()
            }
            return stored, marks

        def show(loaded: tuple[StoredRun, _Marks]) -> None:
            stored, marks = loaded
            self._cells = []
            self._marks = dict(marks)
            thumbs = {i: (m.rating, m.note) for i, m in marks.items()}
            self.model.load(stored.results, stored.missing, run_id, thumbs)
            self.run_opened.emit(stored.info)
            self.run_loaded.emit(stored, marks)

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
