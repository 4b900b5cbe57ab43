"""The main window: composes the panels and connects them; each panel owns its own work.

Editor above the results in the centre (tabs: the outputs grid, the matrix of cases x prompt x
model with checks and summaries, charts); Variables, Cases, Checks, Local engines and Models
docked on the right, History, Changed files and the A/B scoreboard on the left. Ctrl+Enter runs
(with a cost preflight for large plans), Esc cancels; File opens and saves a prompt-set folder;
Results holds blind A/B, comparison and exports. Geometry, dock layout and splitters restore on
start.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Slot
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import QDockWidget, QMainWindow, QSplitter, QTabWidget, QWidget

from ui.cases_panel import CasesPanel
from ui.changed_files_panel import ChangedFilesPanel
from ui.charts_panel import ChartsPanel
from ui.checks_panel import ChecksPanel
from ui.editor_panel import EditorPanel
from ui.engine_models import EngineModels
from ui.engines_panel import EnginesPanel
from ui.error_presenter import ErrorPresenter
from ui.evaluation_controller import EvaluationController
from ui.file_menu import FileMenu
from ui.history_panel import HistoryPanel
from ui.local_engines import EngineManager
from ui.matrix_model import MatrixModel
from ui.matrix_panel import MatrixPanel
from ui.models_panel import ModelsPanel
from ui.offline_mode import OfflineMode
from ui.preflight_run import PreflightRun
from ui.prompt_set_controller import PromptSetController
from ui.results_menu import ResultsMenu
from ui.results_model import ResultsModel
from ui.results_panel import ResultsPanel
from ui.run_controller import RunController
from ui.scoreboard_panel import ScoreboardPanel
from ui.services import Services
from ui.status_bar import RunStatusBar
from ui.variables_panel import VariablesPanel
from ui.workspace import Workspace
from ui.workspace_keeper import WorkspaceKeeper
from workbench.domain import Cell, PromptTemplate
from workbench.store_api import RunInfo
from workbench.suite import Suite

TITLE = "Prompt Workbench"


class MainWindow(QMainWindow):
    def __init__(self, services: Services) -> None:
        super().__init__()
        self.setObjectName("mainWindow")
        self.setWindowTitle(TITLE)
        self.services = services
        self.status = RunStatusBar()
        self.setStatusBar(self.status)
        self.presenter = ErrorPresenter(self, self.status)
        services.background.unhandled_error.connect(self.presenter.present)
        self.offline = OfflineMode(services.prefs, self.status, self.presenter, self)

        self.editor = EditorPanel(services.background)
        self.variables = VariablesPanel()
        self.models = ModelsPanel(services, self.presenter)
        self.history = HistoryPanel(services, self.presenter)
        self.results_model = ResultsModel()
        self.results = ResultsPanel(self.results_model)
        self.runs = RunController(services, self.presenter, self.results_model, parent=self)
        self._make_evaluation_parts()
        self.keeper = WorkspaceKeeper(services.store, self.presenter, self._workspace, self)
        self.prompt_sets = PromptSetController(
            services.background,
            self.presenter,
            self.status,
            editor=self.editor,
            variables=self.variables,
            models=self.models,
            cases=self.cases,
            checks=self.checks,
            window=self,
            title=TITLE,
        )
        self.files = FileMenu(
            services,
            self.presenter,
            self.status,
            prompt_sets=self.prompt_sets,
            models=self.models,
            window=self,
        )
        self.changed_files = ChangedFilesPanel(services.background)
        self.engines = EngineManager(
            services.background, parent=self, command=services.engine_command
        )
        self.engines_panel = EnginesPanel(self.engines, self.presenter)

        self._lay_out()
        self._charts_timer = QTimer(self)
        self._charts_timer.setSingleShot(True)
        self._charts_timer.setInterval(500)  # charts follow a run without redrawing per cell
        self._charts_timer.timeout.connect(self._refresh_charts)
        self.actions_by_name = self._make_actions()
        self._connect()
        self._restore_layout()

    # --- building -------------------------------------------------------------------------------

    def _make_evaluation_parts(self) -> None:
        """Cases, checks, the matrix, charts, the scoreboard, and what runs and judges them."""
        self.cases = CasesPanel(self.services.background, self.presenter)
        self.checks = ChecksPanel()
        self.matrix_model = MatrixModel()
        self.matrix = MatrixPanel(self.matrix_model)
        self.charts = ChartsPanel(presenter=self.presenter)
        self.scoreboard = ScoreboardPanel()
        self.evaluation = EvaluationController(
            self.services,
            self.presenter,
            self.runs,
            self.matrix_model,
            suite_now=self.suite,
            parent=self,
        )
        self.results_menu = ResultsMenu(
            self.services,
            self.presenter,
            self.status,
            evaluation=self.evaluation,
            scoreboard=self.scoreboard,
            window=self,
        )
        self.preflight = PreflightRun(self.services, self.presenter, self.runs, window=self)

    def _lay_out(self) -> None:
        self.centre = QSplitter(Qt.Orientation.Vertical)
        self.centre.setObjectName("centreSplitter")
        self.results_tabs = QTabWidget()
        self.results_tabs.setObjectName("resultsTabs")
        self.results_tabs.setDocumentMode(True)
        self.results_tabs.addTab(self.results, "&Outputs")
        self.results_tabs.addTab(self.matrix, "&Matrix")
        self.results_tabs.addTab(self.charts, "C&harts")
        self.centre.addWidget(self.editor)
        self.centre.addWidget(self.results_tabs)
        self.centre.setSizes([380, 520])
        self.setCentralWidget(self.centre)
        right, left = Qt.DockWidgetArea.RightDockWidgetArea, Qt.DockWidgetArea.LeftDockWidgetArea
        self._docks = [
            self._dock("Variables", self.variables, right),
            self._dock("Models", self.models, right),
            self._dock("History", self.history, left),
        ]
        cases = self._dock("Cases", self.cases, right)
        checks = self._dock("Checks", self.checks, right)
        self.tabifyDockWidget(self._docks[0], cases)
        self.tabifyDockWidget(cases, checks)
        self.engines_dock = self._dock("Local engines", self.engines_panel, right)
        self.engines_dock.setObjectName("localEnginesDock")
        self.tabifyDockWidget(checks, self.engines_dock)
        self._docks[0].raise_()
        changed = self._dock("Changed files", self.changed_files, left)
        changed.setObjectName("changedFilesDock")
        scoreboard = self._dock("Scoreboard", self.scoreboard, left)
        self.tabifyDockWidget(self._docks[2], changed)
        self.tabifyDockWidget(changed, scoreboard)
        self._docks[2].raise_()

    def _dock(self, title: str, panel: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(f"{title.lower()}Dock")
        dock.setWidget(panel)
        self.addDockWidget(area, dock)
        return dock

    def _make_actions(self) -> dict[str, QAction]:
        specs = (
            (
                "run",
                "&Run all",
                "Ctrl+Return",
                "Run every prompt against every model",
                self.run_all,
            ),
            (
                "cancel",
                "&Cancel run",
                "Esc",
                "Stop the run; finished cells are kept",
                self.runs.cancel,
            ),
            (
                "run_preflight",
                "Run with cost &preflight…",
                "Ctrl+Shift+Return",
                "Calls, tokens and cost per model before running, and a budget that stops the run",
                self.run_with_preflight,
            ),
            ("add_prompt", "Add &prompt", "Ctrl+Shift+N", "Add a prompt variant", self._add_prompt),
            (
                "settings",
                "&Settings…",
                "Ctrl+,",
                "Keys, endpoints, defaults, store",
                self.open_settings,
            ),
            ("quit", "&Quit", QKeySequence.StandardKey.Quit, "Close the workbench", self.close),
        )
        actions: dict[str, QAction] = {}
        for name, text, shortcut, tip, slot in specs:
            action = QAction(text, self)
            action.setShortcut(QKeySequence(shortcut))
            action.setStatusTip(tip)
            action.setToolTip(f"{tip} ({QKeySequence(shortcut).toString()})")
            action.triggered.connect(slot)
            actions[name] = action
        actions["run"].setShortcuts([QKeySequence("Ctrl+Return"), QKeySequence("Ctrl+Enter")])
        actions["cancel"].setEnabled(False)
        toolbar = self.addToolBar("Run")
        toolbar.setObjectName("runToolbar")
        for name in ("run", "cancel", "add_prompt", "settings"):
            toolbar.addAction(actions[name])
        menu = self.menuBar()
        file_menu = menu.addMenu("&File")
        self.files.add_to(file_menu)
        actions.update(self.files.actions)
        file_menu.addAction(actions["settings"])
        file_menu.addSeparator()
        file_menu.addAction(actions["quit"])
        run_menu = menu.addMenu("&Run")
        for name in ("run", "run_preflight", "cancel", "add_prompt"):
            run_menu.addAction(actions[name])
        cell_menu = menu.addMenu("C&ell")
        cell_menu.addActions(list(self.results.cell_actions.values()))
        cell_menu.addSeparator()
        cell_menu.addActions(list(self.matrix.matrix_actions.values()))
        results_menu = menu.addMenu("Re&sults")
        self.results_menu.add_to(results_menu)
        actions.update(self.results_menu.actions)
        view_menu = menu.addMenu("&View")
        for dock in self.findChildren(QDockWidget):
            view_menu.addAction(dock.toggleViewAction())
        return actions

    def _connect(self) -> None:
        self.editor.prompts_changed.connect(self._on_editor_prompts_changed)
        self.variables.values_changed.connect(self._on_context_changed)
        self.models.models_changed.connect(self._on_context_changed)
        self.runs.run_started.connect(self._on_runs_run_started)
        self.runs.progress.connect(self.status.show_progress)
        self.runs.costs_changed.connect(self.status.show_costs)
        self.runs.notice.connect(self.status.show_notice)
        self.runs.run_finished.connect(self._on_runs_run_finished)
        self.runs.run_kept.connect(self.history.refresh)
        self.runs.run_opened.connect(self._on_runs_run_opened)
        self.results.rerun_requested.connect(self.runs.rerun)
        self.results.rate_requested.connect(self.runs.rate)
        self.results.prompt_restore_requested.connect(self.restore_prompt)
        self.matrix.rating_requested.connect(self.runs.rate)
        self.matrix.score_requested.connect(self.runs.score)
        self.matrix.note_requested.connect(self.runs.note)
        self.matrix.pin_requested.connect(self._pin_case)
        self.matrix.compare_requested.connect(self.compare_outputs)
        self.evaluation.verdicts_changed.connect(self._charts_timer.start)
        self.evaluation.judging_started.connect(self._on_judging_started)
        self.evaluation.judging_finished.connect(self._on_judging_finished)
        self.cases.cases_changed.connect(self.keeper.schedule)
        self.cases.repeats_changed.connect(self.keeper.schedule)
        self.checks.checks_changed.connect(self.keeper.schedule)
        self.prompt_sets.suite_loaded.connect(self._on_suite_loaded)
        self.services.store.ready.connect(self.results_menu.refresh_scoreboard)
        self.history.run_open_requested.connect(self.runs.open_run)
        self.history.prompt_restore_requested.connect(self.restore_prompt)
        self.keeper.restored.connect(self._on_keeper_restored)
        self.prompt_sets.folder_changed.connect(self.changed_files.set_folder)
        self.prompt_sets.saved.connect(self.changed_files.refresh)
        self.files.imported.connect(self.history.refresh)
        self.services.store.ready.connect(self.status.show_store)
        self.services.store.failed.connect(self._on_store_failed)
        self.engine_models = EngineModels(
            self.engines,
            panel=self.engines_panel,
            dock=self.engines_dock,
            models=self.models,
            status=self.status,
            prefs=self.services.prefs,
            parent=self,
        )

    # --- the workspace --------------------------------------------------------------------------

    def _workspace(self) -> Workspace:
        return Workspace(
            tuple(self.editor.prompts()),
            self.variables.values(),
            tuple(self.models.models()),
            self.prompt_sets.open_folder(),
            cases=tuple(self.cases.kept_cases()),
            checks=self.checks.all_checks(),  # red rows too: a save must not drop them
            repeats=self.cases.repeats(),
            gguf_files=self.engines.files_for(self.models.models()),
        )

    @Slot(object)
    def _on_keeper_restored(self, workspace: Workspace) -> None:
        self.variables.set_values(workspace.variables)
        self.models.set_models(list(workspace.models))
        # Their old ports died with the last window: serve the files again, the models wait.
        self.engines.restore(workspace.gguf_files)
        self.editor.set_prompts(workspace.prompts)
        self.cases.set_cases(workspace.cases)
        self.cases.set_repeats(workspace.repeats)
        self.checks.set_checks(workspace.checks)
        self.prompt_sets.restore(workspace.folder)

    @Slot()
    def _on_editor_prompts_changed(self) -> None:
        names = self.editor.variables_in_use()
        self.variables.set_names(names)
        self.cases.set_variable_names(names)
        self._on_context_changed()

    @Slot()
    def _on_context_changed(self) -> None:
        self.editor.set_context(self.variables.values(), self.models.models())
        self.keeper.schedule()

    @Slot(object)
    def restore_prompt(self, prompt: PromptTemplate) -> None:
        """Bring a past prompt back as a new column; what is being edited stays as it is."""
        column = self.editor.add_prompt(prompt)
        self.status.showMessage(f"Restored {prompt.name!r} as the column {column.name()!r}", 8000)

    # --- running --------------------------------------------------------------------------------

    def suite(self) -> Suite:
        """What the window would run: the editor's prompts, the models, the cases and checks."""
        return Suite(
            name=self.prompt_sets.set_name() or "workbench",
            prompts=tuple(self.editor.prompts()),
            models=tuple(self.models.models()),
            cases=tuple(self.cases.cases()),
            checks=self.checks.checks(),
        )

    def variable_sets(self) -> list[dict[str, str]]:
        """One per case (the Variables panel's values under each case's own), else the panel's."""
        base = self.variables.values()
        cases = self.cases.cases()
        return [{**base, **case.vars} for case in cases] or [dict(base)]

    @Slot()
    def run_all(self) -> None:
        """Run the plan; a plan of many calls shows the cost preflight first."""
        self._run(always_preflight=False)

    @Slot()
    def run_with_preflight(self) -> None:
        self._run(always_preflight=True)

    def _run(self, *, always_preflight: bool) -> None:
        missing = self.models.missing_keys()
        if missing:
            self.presenter.warn(
                "Some models have no API key",
                "Nothing was sent. Add the keys in Settings > API keys, or remove these models:\n\n"
                + "\n".join(missing),
            )
            return
        cells = self.runs.plan(
            self.editor.prompts(), self.variable_sets(), self.models.models(), self.cases.repeats()
        )
        if cells is None:
            return
        if len({cell.case_index for cell in cells}) > 1 or self.cases.repeats() > 1:
            self.results_tabs.setCurrentWidget(self.matrix)
        if always_preflight or len(cells) > PreflightRun.ASK_ABOVE:
            self.preflight.ask(cells)
        else:
            self.runs.run_cells(cells)

    @Slot(object)
    def _pin_case(self, variables: dict[str, str]) -> None:
        number = self.cases.pin(variables)
        self.status.showMessage(f"Pinned as case {number}", 8000)

    @Slot(int, int)
    def compare_outputs(self, first: int, second: int) -> None:
        """A word-level diff of two outputs the matrix shows (by cell index)."""
        from ui.compare_dialog import OutputDiffDialog  # noqa: PLC0415 - built when first opened

        shown = {v.result.cell.index: v.result for v in self.evaluation.verdicts()}
        if first not in shown or second not in shown:
            self.presenter.warn("Nothing to compare yet", "Both cells must have ended.")
            return
        a, b = shown[first], shown[second]
        dialog = OutputDiffDialog(
            _cell_title(a.cell), a.output, _cell_title(b.cell), b.output, self
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.diff_dialog = dialog
        dialog.open()

    @Slot()
    def _refresh_charts(self) -> None:
        self.charts.set_matrix(self.matrix_model.matrix())

    @Slot(int)
    def _on_judging_started(self, calls: int) -> None:
        self.status.showMessage(f"Judging: {calls} model-graded checks…")

    @Slot()
    def _on_judging_finished(self) -> None:
        self.status.showMessage("Model-graded checks judged.", 8000)

    @Slot(object)
    def _on_suite_loaded(self, suite: Suite) -> None:
        """A folder was opened: its cases and checks replace what the panels held."""
        self.cases.set_cases(suite.cases)
        self.checks.set_checks(suite.checks)

    @Slot(int)
    def _on_runs_run_started(self, cells: int) -> None:
        self.actions_by_name["run"].setEnabled(False)
        self.actions_by_name["cancel"].setEnabled(True)
        self.results.banner.setText(f"Running {cells} cells… (Esc cancels)")

    @Slot(str)
    def _on_runs_run_finished(self, status: str) -> None:
        self.actions_by_name["run"].setEnabled(True)
        self.actions_by_name["cancel"].setEnabled(False)
        ended, total = self.results_model.counts()
        self.results.banner.setText(f"Run {status}: {ended} of {total} cells ended.")

    @Slot(object)
    def _on_runs_run_opened(self, info: RunInfo) -> None:
        self.results.banner.setText(
            f"Past run #{info.id} ({info.status.value}, {info.created_at[:16].replace('T', ' ')} "
            "UTC): select a cell to see what it was sent; right-click to restore its prompt."
        )

    @Slot(object)
    def _on_store_failed(self, exc: BaseException) -> None:
        self.presenter.present(exc, "open the store")

    # --- dialogs --------------------------------------------------------------------------------

    @Slot()
    def _add_prompt(self) -> None:
        self.editor.add_prompt(PromptTemplate("prompt", ()))

    @Slot()
    def open_settings(self) -> None:
        from ui.settings_dialog import SettingsDialog  # noqa: PLC0415 - built when first opened

        dialog = SettingsDialog(self.services, self.presenter, self)
        dialog.settings_changed.connect(self.models.refresh_keys)
        dialog.settings_changed.connect(self.offline.apply)
        dialog.settings_changed.connect(self.runs.apply_preferences)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    # --- layout and closing ---------------------------------------------------------------------

    def _restore_layout(self) -> None:
        prefs = self.services.prefs
        if (geometry := prefs.window_state("geometry")) is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(1400, 900)
            variables, models, history = self._docks
            self.resizeDocks([variables, models], [300, 580], Qt.Orientation.Vertical)
            self.resizeDocks([history, models], [300, 400], Qt.Orientation.Horizontal)
        if (state := prefs.window_state("docks")) is not None:
            self.restoreState(state)
        for splitter in (self.centre, self.results.splitter):
            if (sizes := prefs.window_state(splitter.objectName())) is not None:
                splitter.restoreState(sizes)

    def save_layout(self) -> None:
        prefs = self.services.prefs
        prefs.set_window_state("geometry", self.saveGeometry())
        prefs.set_window_state("docks", self.saveState())
        for splitter in (self.centre, self.results.splitter):
            prefs.set_window_state(splitter.objectName(), splitter.saveState())
        prefs.sync()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's API
        if not self.prompt_sets.may_close():  # asks Save / Discard / Cancel, then closes again
            event.ignore()
            return
        self.runs.cancel()
        self.evaluation.cancel()
        self.keeper.save_now()
        self.save_layout()
        self.engines.stop_all()  # bounded: a few seconds at most; no child outlives the window
        super().closeEvent(event)


def _cell_title(cell: Cell) -> str:
    case = f" · case {cell.case_index + 1}" if cell.case_index is not None else ""
    repeat = f" · repeat {cell.repeat + 1}" if cell.repeat else ""
    return f"{cell.prompt.name} × {cell.model.label}{case}{repeat}"
