"""The main window: composes the panels and connects them; each panel owns its own work.

Editor above the results grid in the centre; Variables and Models docked on the right, History
and Changed files on the left. Ctrl+Enter runs, Esc cancels; File opens and saves a prompt-set
folder. Geometry, dock layout and splitters restore on start.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import QDockWidget, QMainWindow, QSplitter, QWidget

from ui.changed_files_panel import ChangedFilesPanel
from ui.editor_panel import EditorPanel
from ui.error_presenter import ErrorPresenter
from ui.file_menu import FileMenu
from ui.history_panel import HistoryPanel
from ui.models_panel import ModelsPanel
from ui.prompt_set_controller import PromptSetController
from ui.results_model import ResultsModel
from ui.results_panel import ResultsPanel
from ui.run_controller import RunController
from ui.services import Services
from ui.status_bar import RunStatusBar
from ui.variables_panel import VariablesPanel
from ui.workspace import Workspace
from ui.workspace_keeper import WorkspaceKeeper
from workbench.domain import PromptTemplate
from workbench.store_api import RunInfo

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

        self.editor = EditorPanel(services.background)
        self.variables = VariablesPanel()
        self.models = ModelsPanel(services, self.presenter)
        self.history = HistoryPanel(services, self.presenter)
        self.results_model = ResultsModel()
        self.results = ResultsPanel(self.results_model)
        self.runs = RunController(services, self.presenter, self.results_model, parent=self)
        self.keeper = WorkspaceKeeper(services.store, self.presenter, self._workspace, self)
        self.prompt_sets = PromptSetController(
            services.background,
            self.presenter,
            self.status,
            editor=self.editor,
            variables=self.variables,
            models=self.models,
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

        self.centre = QSplitter(Qt.Orientation.Vertical)
        self.centre.setObjectName("centreSplitter")
        self.centre.addWidget(self.editor)
        self.centre.addWidget(self.results)
        self.centre.setSizes([380, 520])
        self.setCentralWidget(self.centre)
        self._docks = [
            self._dock("Variables", self.variables, Qt.DockWidgetArea.RightDockWidgetArea),
            self._dock("Models", self.models, Qt.DockWidgetArea.RightDockWidgetArea),
            self._dock("History", self.history, Qt.DockWidgetArea.LeftDockWidgetArea),
        ]
        changed = self._dock(
            "Changed files", self.changed_files, Qt.DockWidgetArea.LeftDockWidgetArea
        )
        changed.setObjectName("changedFilesDock")
        self.tabifyDockWidget(self._docks[2], changed)
        self._docks[2].raise_()
        self.actions_by_name = self._make_actions()
        self._connect()
        self._restore_layout()

    # --- building -------------------------------------------------------------------------------

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
        for name in ("run", "cancel", "add_prompt"):
            run_menu.addAction(actions[name])
        cell_menu = menu.addMenu("C&ell")
        cell_menu.addActions(list(self.results.cell_actions.values()))
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
        self.runs.run_finished.connect(self._on_runs_run_finished)
        self.runs.run_kept.connect(self.history.refresh)
        self.runs.run_opened.connect(self._on_runs_run_opened)
        self.results.rerun_requested.connect(self.runs.rerun)
        self.results.rate_requested.connect(self.runs.rate)
        self.results.prompt_restore_requested.connect(self.restore_prompt)
        self.history.run_open_requested.connect(self.runs.open_run)
        self.history.prompt_restore_requested.connect(self.restore_prompt)
        self.keeper.restored.connect(self._on_keeper_restored)
        self.prompt_sets.folder_changed.connect(self.changed_files.set_folder)
        self.prompt_sets.saved.connect(self.changed_files.refresh)
        self.files.imported.connect(self.history.refresh)
        self.services.store.ready.connect(self.status.show_store)
        self.services.store.failed.connect(self._on_store_failed)

    # --- the workspace --------------------------------------------------------------------------

    def _workspace(self) -> Workspace:
        return Workspace(
            tuple(self.editor.prompts()),
            self.variables.values(),
            tuple(self.models.models()),
            self.prompt_sets.open_folder(),
        )

    @Slot(object)
    def _on_keeper_restored(self, workspace: Workspace) -> None:
        self.variables.set_values(workspace.variables)
        self.models.set_models(list(workspace.models))
        self.editor.set_prompts(workspace.prompts)
        self.prompt_sets.restore(workspace.folder)

    @Slot()
    def _on_editor_prompts_changed(self) -> None:
        self.variables.set_names(self.editor.variables_in_use())
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

    @Slot()
    def run_all(self) -> None:
        missing = self.models.missing_keys()
        if missing:
            self.presenter.warn(
                "Some models have no API key",
                "Nothing was sent. Add the keys in Settings > API keys, or remove these models:\n\n"
                + "\n".join(missing),
            )
            return
        self.runs.run(self.editor.prompts(), self.variables.values(), self.models.models())

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
        self.keeper.save_now()
        self.save_layout()
        super().closeEvent(event)
