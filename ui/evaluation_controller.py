"""Judges every ended cell against the suite's checks, feeds the matrix, and runs model judges.

Checks that need no model are judged on the GUI thread as each cell ends (they are bounded: see
`workbench/checks_python.py`). `llm-rubric` checks wait until the run ends, then go to their judge
model through a task bridge of their own; each verdict replaces the cell's pending one in the
matrix and is kept in the store with the judge's whole reply. The suite a run was judged with is
kept with the run, so a past run opens with the same verdicts.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal, Slot

from ui.error_presenter import ErrorPresenter
from ui.matrix_model import MatrixModel
from ui.run_controller import RunController
from ui.services import Services
from ui.task_bridge import RunBridge
from workbench.checks import Verdict
from workbench.domain import Cell, CellResult, ModelSpec
from workbench.errors import WorkbenchError
from workbench.evaluation import CellVerdict
from workbench.judgements import Judgement
from workbench.llm_judge import JudgeTask, judgement_of, plan_judging
from workbench.ratings import Mark
from workbench.rejudge import cases_of, judge_one, judge_stored
from workbench.store_api import StoredRun
from workbench.suite import Case, Suite

if TYPE_CHECKING:
    from storage.run_store import SqlRunStore
    from workbench.runner import Runner


class EvaluationController(QObject):
    judging_started = Signal(int)  # judge calls
    judging_finished = Signal()
    verdicts_changed = Signal()  # any cell's verdict changed (the matrix and charts follow)

    def __init__(
        self,
        services: Services,
        presenter: ErrorPresenter,
        runs: RunController,
        matrix: MatrixModel,
        *,
        suite_now: Callable[[], Suite],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._services = services
        self._presenter = presenter
        self._runs = runs
        self.matrix = matrix
        self._suite_now = suite_now
        self.suite = Suite("", ())
        self._cases: list[Case] = []
        self._run_id: int | None = None
        self._verdicts: dict[int, CellVerdict] = {}
        self._graded: dict[int, dict[int, Verdict]] = {}
        self._tasks: dict[int, JudgeTask] = {}  # judge call index -> what it judges
        self._judge_bridge = RunBridge(services.loop, self._new_judge_runner, parent=self)
        self._judge_bridge.cell_ended.connect(self._on_judge_ended)
        self._judge_bridge.run_finished.connect(self.judging_finished.emit)
        runs.plan_started.connect(self._on_plan_started)
        runs.bridge.cell_started.connect(lambda index, _attempt: matrix.cell_started(index))
        runs.bridge.cell_text.connect(matrix.append_text)
        runs.bridge.cell_reset.connect(matrix.reset_text)
        runs.cell_result.connect(self._on_cell_result)
        runs.run_recorded.connect(self._on_run_recorded)
        runs.run_finished.connect(self._on_run_finished)
        runs.run_loaded.connect(self._on_run_loaded)
        runs.mark_changed.connect(matrix.set_mark)

    def _new_judge_runner(self) -> Runner:
        return self._runs.new_runner(budget=False)

    @property
    def judging(self) -> bool:
        return self._judge_bridge.running

    @property
    def run_id(self) -> int | None:
        """The store's id of the run the matrix shows (None until it is kept)."""
        return self._run_id

    def verdicts(self) -> list[CellVerdict]:
        return [self._verdicts[index] for index in sorted(self._verdicts)]

    def cases(self) -> list[Case]:
        return list(self._cases)

    def cancel(self) -> None:
        self._judge_bridge.cancel()

    # --- a run ----------------------------------------------------------------------------------

    @Slot(object)
    def _on_plan_started(self, cells: list[Cell]) -> None:
        self.suite = self._suite_now()
        self._cases = cases_of(cells, self.suite)
        self._run_id = None
        self._verdicts.clear()
        self._graded.clear()
        self.matrix.start(cells, self._cases)
        self.verdicts_changed.emit()

    @Slot(object)
    def _on_cell_result(self, result: CellResult) -> None:
        self._judge_result(result)

    def _judge_result(self, result: CellResult) -> CellVerdict:
        verdict = judge_one(result, self._cases, self.suite, self._graded)
        self._verdicts[result.cell.index] = verdict
        self.matrix.cell_ended(verdict)
        self.verdicts_changed.emit()
        return verdict

    @Slot(int)
    def _on_run_recorded(self, run_id: int) -> None:
        self._run_id = run_id
        suite = self.suite
        self._services.store.call(
            lambda store: store.set_run_suite(run_id, suite),
            failed=lambda exc: self._presenter.present(exc, "keep the run's checks"),
            owner=self,
        )

    @Slot(str)
    def _on_run_finished(self, _status: str) -> None:
        self._start_judging()

    # --- model judges ---------------------------------------------------------------------------

    def _start_judging(self) -> None:
        pending = [v for v in self.verdicts() if v.pending]
        if not pending or self.judging:
            return
        models = list(dict.fromkeys(v.result.cell.model for v in self._verdicts.values()))
        default: ModelSpec | None = models[0] if models else None
        first = max(self._verdicts) + 1
        try:
            tasks = plan_judging(pending, self.suite, default, models, first_index=first)
        except WorkbenchError as exc:
            self._presenter.warn("The model-graded checks cannot be judged", str(exc))
            return
        if not tasks:
            return
        self._tasks = {task.call.index: task for task in tasks}
        self._judge_bridge.start([task.call for task in tasks])
        self.judging_started.emit(len(tasks))

    @Slot(object)
    def _on_judge_ended(self, result: CellResult) -> None:
        task = self._tasks.pop(result.cell.index, None)
        if task is None:
            return
        judgement = judgement_of(task, result)
        self._graded.setdefault(task.target.cell.index, {})[task.position] = judgement.verdict
        self._judge_result(task.target)
        run_id = self._run_id
        if run_id is not None:
            self._keep_judgement(run_id, judgement)

    def _keep_judgement(self, run_id: int, judgement: Judgement) -> None:
        self._services.store.call(
            lambda store: store.save_judgement(run_id, judgement),
            failed=lambda exc: self._presenter.present(exc, "keep the judge's verdict"),
            owner=self,
        )

    # --- a past run -----------------------------------------------------------------------------

    @Slot(object, object)
    def _on_run_loaded(self, stored: StoredRun, marks: Mapping[int, Mark]) -> None:
        run_id = stored.info.id

        def load(store: SqlRunStore) -> tuple[Suite | None, list[Judgement]]:
            return store.run_suite(run_id), store.judgements(run_id)

        def show(loaded: tuple[Suite | None, list[Judgement]]) -> None:
            suite, judgements = loaded
            self._show_past(stored, marks, suite, judgements)

        self._services.store.call(
            load, show, lambda exc: self._presenter.present(exc, f"open run {run_id}"), owner=self
        )

    def _show_past(
        self,
        stored: StoredRun,
        marks: Mapping[int, Mark],
        suite: Suite | None,
        judgements: Sequence[Judgement],
    ) -> None:
        judged = judge_stored(stored, suite, judgements)
        self.suite = suite or Suite("", ())
        self._run_id = stored.info.id
        self._graded = judged.graded
        self._cases = judged.cases
        self._verdicts = {v.result.cell.index: v for v in judged.verdicts}
        self.matrix.load(judged.cells, judged.verdicts, judged.cases, stored.info.id, marks)
        self.verdicts_changed.emit()
