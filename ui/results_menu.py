"""The Results menu: export results and preference pairs, blind A/B, compare runs or two outputs.

Each action works on what the matrix shows (the run just made, or a past run opened from History).
Files are written on the compute lane; the store is reached on its lane; nothing blocks the window.
Save dialogs go through `ask_save_path`, which tests override with a path.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog, QInputDialog, QMenu, QStatusBar, QWidget

from ui.blind_ab_dialog import BlindABDialog
from ui.error_presenter import ErrorPresenter
from ui.evaluation_controller import EvaluationController
from ui.scoreboard_panel import ScoreboardPanel
from ui.services import Services
from workbench.ab_pairs import pairs_to_judge
from workbench.matrix import Matrix, build_matrix
from workbench.ratings import Preference
from workbench.rejudge import JudgedRun, judge_stored
from workbench.results_export import export_preferences, export_results
from workbench.store_api import RunInfo

if TYPE_CHECKING:
    from storage.run_store import SqlRunStore
    from ui.compare_dialog import CompareDialog

RESULT_FILTERS = "HTML report (*.html);;CSV (*.csv);;JSON Lines (*.jsonl);;Parquet (*.parquet)"
_STATUS_MS = 8000


class ResultsMenu(QObject):
    def __init__(
        self,
        services: Services,
        presenter: ErrorPresenter,
        status: QStatusBar,
        *,
        evaluation: EvaluationController,
        scoreboard: ScoreboardPanel,
        window: QWidget,
    ) -> None:
        super().__init__(window)
        self._services = services
        self._presenter = presenter
        self._status = status
        self._evaluation = evaluation
        self._scoreboard = scoreboard
        self._window = window
        self._preferences: list[Preference] = []
        # id(emitted preference) -> as stored; touched only on the (serial) store lane.
        self._stored: dict[int, Preference] = {}
        self.blind_dialog: BlindABDialog | None = None
        self.compare_dialog: CompareDialog | None = None
        self.actions: dict[str, QAction] = {}
        specs: Sequence[tuple[str, str, str, str, Callable[[], None]]] = (
            (
                "blind_ab",
                "&Blind A/B…",
                "Ctrl+B",
                "Prefer one of two unnamed outputs",
                self.blind_ab,
            ),
            (
                "export_results",
                "&Export results…",
                "Ctrl+Shift+E",
                "The matrix's results as an HTML report, CSV, JSON Lines or Parquet",
                self._on_export_results,
            ),
            (
                "export_preferences",
                "Export &preference pairs…",
                "",
                "Every blind A/B choice as chosen/rejected pairs (JSON Lines)",
                self._on_export_preferences,
            ),
            (
                "compare_runs",
                "Compare with a past &run…",
                "Ctrl+Shift+K",
                "What got better or worse, per case, against another run of the same suite",
                self._on_compare_runs,
            ),
        )
        for name, text, shortcut, tip, slot in specs:
            action = QAction(text, self)
            if shortcut:
                action.setShortcut(QKeySequence(shortcut))
            action.setStatusTip(tip)
            action.setToolTip(tip)
            action.triggered.connect(slot)
            self.actions[name] = action

    def add_to(self, menu: QMenu) -> None:
        for name in ("blind_ab", "compare_runs"):
            menu.addAction(self.actions[name])
        menu.addSeparator()
        for name in ("export_results", "export_preferences"):
            menu.addAction(self.actions[name])

    # --- what is shown --------------------------------------------------------------------------

    def _matrix(self) -> Matrix:
        return self._evaluation.matrix.matrix()

    def _run_id(self) -> int | None:
        return self._evaluation.run_id

    # --- exports --------------------------------------------------------------------------------

    def ask_save_path(self, caption: str, suggested: str, filters: str) -> Path | None:
        """The file to write, or None when the person cancels. Tests override this."""
        chosen, _ = QFileDialog.getSaveFileName(self._window, caption, suggested, filters)
        return Path(chosen) if chosen else None

    @Slot()
    def _on_export_results(self) -> None:
        if not self._evaluation.verdicts():
            self._presenter.warn("Nothing to export", "Run the suite (or open a past run) first.")
            return
        path = self.ask_save_path("Export results", "results.html", RESULT_FILTERS)
        if path is not None:
            self.export_results_to(path)

    def export_results_to(self, path: Path) -> None:
        matrix, marks, cases = (
            self._matrix(),
            self._evaluation.matrix.marks(),
            self._evaluation.cases(),
        )
        title = f"Prompt Workbench: {self._evaluation.suite.name or 'results'}"
        self._services.background.run(
            lambda: export_results(path, matrix, marks=marks, cases=cases, title=title),
            lambda written: self._status.showMessage(f"Exported results to {written}", _STATUS_MS),
            lambda exc: self._presenter.present(exc, f"export the results to {path}"),
            owner=self,
        )

    @Slot()
    def _on_export_preferences(self) -> None:
        path = self.ask_save_path(
            "Export preference pairs", "preferences.jsonl", "JSON Lines (*.jsonl)"
        )
        if path is not None:
            self.export_preferences_to(path)

    def export_preferences_to(self, path: Path) -> None:
        """Every preference in the store (all runs), oldest first."""

        def write(store: SqlRunStore) -> Path:
            return export_preferences(path, store.preferences())

        self._services.store.call(
            write,
            lambda written: self._status.showMessage(
                f"Exported preference pairs to {written}", _STATUS_MS
            ),
            lambda exc: self._presenter.present(exc, f"export preference pairs to {path}"),
            owner=self,
        )

    # --- blind A/B and the scoreboard -----------------------------------------------------------

    @Slot()
    def blind_ab(self) -> None:
        run_id = self._run_id()
        if run_id is None or not self._evaluation.verdicts():
            self._presenter.warn(
                "Nothing to compare yet",
                "Blind A/B compares outputs of a run kept in the store: run the suite with two or "
                "more prompts or models first (or open a past run).",
            )
            return

        def judged(store: SqlRunStore) -> list[Preference]:
            return store.preferences([run_id])

        self._services.store.call(
            judged,
            lambda done: self._open_blind(run_id, done),
            lambda exc: self._presenter.present(exc, "read the earlier A/B choices"),
            owner=self,
        )

    def _open_blind(self, run_id: int, judged: list[Preference]) -> None:
        pairs = pairs_to_judge(self._matrix(), run_id, random.Random(), judged)  # noqa: S311 - order, not secrets
        if not pairs:
            self._presenter.warn(
                "No pairs to judge",
                "Every pair of different outputs for the same case has been judged already, or "
                "the run has only one prompt × model column.",
            )
            return
        dialog = BlindABDialog(pairs, self._window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.preferred.connect(self._on_preferred)
        dialog.undone.connect(self._on_undone)
        dialog.finished.connect(self._on_blind_finished)
        self.blind_dialog = dialog
        dialog.open()

    @Slot(int)
    def _on_blind_finished(self, _result: int) -> None:
        self.blind_dialog = None

    @Slot(object)
    def _on_preferred(self, preference: Preference) -> None:
        key = id(preference)

        def keep(store: SqlRunStore) -> None:
            # Remembered on the store lane itself, so an undo queued right after finds it.
            self._stored[key] = store.add_preference(preference)

        self._services.store.call(
            keep,
            lambda _none: self.refresh_scoreboard(),
            lambda exc: self._presenter.present(exc, "keep the A/B choice"),
            owner=self,
        )

    @Slot(object)
    def _on_undone(self, preference: Preference) -> None:
        key = id(preference)

        def forget(store: SqlRunStore) -> None:
            # The store lane is serial: the add queued before this has already run.
            stored = self._stored.pop(key, None)
            if stored is not None and stored.id is not None:
                store.delete_preference(stored.id)

        self._services.store.call(
            forget,
            lambda _none: self.refresh_scoreboard(),
            lambda exc: self._presenter.present(exc, "undo the A/B choice"),
            owner=self,
        )

    def refresh_scoreboard(self) -> None:
        """Every blind A/B choice in the store, ranked (the scoreboard spans all runs)."""

        def show(preferences: list[Preference]) -> None:
            self._preferences = preferences
            self._scoreboard.set_preferences(preferences)

        self._services.store.call(
            lambda store: store.preferences(),
            show,
            lambda exc: self._presenter.present(exc, "read the A/B choices"),
            owner=self,
        )

    def preferences(self) -> list[Preference]:
        return list(self._preferences)

    # --- comparing runs -------------------------------------------------------------------------

    @Slot()
    def _on_compare_runs(self) -> None:
        run_id = self._run_id()
        if run_id is None:
            self._presenter.warn("Nothing to compare", "Run the suite or open a past run first.")
            return
        from workbench.store_api import HistoryQuery  # noqa: PLC0415 - a plain value type

        def others(store: SqlRunStore) -> list[RunInfo]:
            return [r for r in store.history(HistoryQuery(limit=50)) if r.id != run_id]

        self._services.store.call(
            others,
            lambda runs: self._choose_run(run_id, runs),
            lambda exc: self._presenter.present(exc, "list past runs"),
            owner=self,
        )

    def choose_run(self, runs: Sequence[RunInfo]) -> int | None:
        """The past run to compare with, or None. Tests override this."""
        labels = [_run_label(info) for info in runs]
        chosen, ok = QInputDialog.getItem(
            self._window,
            "Compare with a past run",
            "Before (the run shown is after):",
            labels,
            0,
            False,
        )
        return runs[labels.index(chosen)].id if ok and chosen in labels else None

    def _choose_run(self, run_id: int, runs: list[RunInfo]) -> None:
        if not runs:
            self._presenter.warn("Nothing to compare", "There is no other run in the store yet.")
            return
        before = self.choose_run(runs)
        if before is not None:
            self.compare_with(before)

    def compare_with(self, before_id: int) -> None:
        """Open the comparison of a past run (before) with the run shown (after)."""
        after_matrix, after_cases = self._matrix(), self._evaluation.cases()
        after_label = f"run #{self._run_id()}"

        def load(store: SqlRunStore) -> JudgedRun:
            return judge_stored(
                store.load_run(before_id), store.run_suite(before_id), store.judgements(before_id)
            )

        def show(before: JudgedRun) -> None:
            from ui.compare_dialog import CompareDialog  # noqa: PLC0415 - built when first opened

            before_matrix, before_cases = build_matrix(before.cells, before.verdicts), before.cases
            dialog = CompareDialog(
                f"run #{before_id}",
                before_matrix,
                [c.vars for c in before_cases],
                after_label,
                after_matrix,
                [c.vars for c in after_cases],
                self._window,
            )
            dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            self.compare_dialog = dialog
            dialog.open()

        self._services.store.call(
            load,
            show,
            lambda exc: self._presenter.present(exc, f"open run {before_id}"),
            owner=self,
        )


def _run_label(info: RunInfo) -> str:
    when = info.created_at[:16].replace("T", " ")
    return f"#{info.id} · {when} · {', '.join(info.prompts)} × {', '.join(info.models)}"
