"""The window's hidden smoke mode: one real run through the whole window, then exit.

`workbench window --smoke-test API_BASE MODEL` is for a built bundle (packaging/smoke_test.py).
A frozen app can lack a data file, a Qt plugin or a module that only a run imports; `--version`
finds none of that. This opens the window on the given store, puts that one model in the Models
list, runs the workspace's prompts as Ctrl+Enter would, waits until the store kept the run and
prints one line a script can read:

    smoke: 2 cells, 2 ok, first output: 'Reply from fake-a to: ...'

The exit code is 0 when every cell succeeded and nothing was shown to the user (any message
the window shows, a warning or a crash report, is a failure), else 1.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QCoreApplication, QObject, QTimer, Slot

from ui.main_window import MainWindow
from ui.results_model import CellStatus
from workbench.domain import ModelSpec

TIMEOUT_S = 120.0  # a bundle's first run loads litellm's tables and tiktoken from disk


class SmokeTest(QObject):
    """Drives `window` through one run once its workspace is restored; quits with the verdict."""

    def __init__(
        self, window: MainWindow, api_base: str, model: str, timeout_s: float = TIMEOUT_S
    ) -> None:
        super().__init__(window)
        self._window = window
        self._model = ModelSpec(
            model,
            api_base=api_base,
            transport="openai",
            params=window.services.prefs.default_params,
        )
        self._problems: list[str] = []
        self._ended = False
        self._timer = QTimer(self, singleShot=True, interval=int(timeout_s * 1000))
        self._timer.timeout.connect(self._on_timer_timeout)
        # Connected after the window's own slot: the restored workspace lands first, then ours.
        window.keeper.restored.connect(self._on_keeper_restored)
        window.runs.run_kept.connect(self._on_runs_run_kept)
        window.presenter.shown.connect(self._on_presenter_shown)
        self._timer.start()

    @Slot(object)
    def _on_keeper_restored(self, _workspace: object) -> None:
        window = self._window
        window.models.set_models([self._model])
        window.run_all()
        if not window.runs.running:
            self._finish("the run did not start")

    @Slot(int)
    def _on_runs_run_kept(self, _run_id: int) -> None:
        self._finish(None)

    @Slot(str, str)
    def _on_presenter_shown(self, title: str, text: str) -> None:
        self._finish(f"the window showed {title!r}: {text}")

    @Slot()
    def _on_timer_timeout(self) -> None:
        self._finish(f"no run was kept within {self._timer.interval() / 1000:.0f} s")

    def _finish(self, problem: str | None) -> None:
        if self._ended:
            return
        self._ended = True
        self._timer.stop()
        states = self._window.results_model.states()
        ok = sum(state.status is CellStatus.FINISHED for state in states)
        first = states[0].output if states else ""
        print(  # noqa: T201 - the line packaging/smoke_test.py reads
            f"smoke: {len(states)} cells, {ok} ok, first output: {first[:60]!r}", flush=True
        )
        if problem is not None:
            print(f"smoke: {problem}", file=sys.stderr, flush=True)  # noqa: T201
        code = 0 if problem is None and states and ok == len(states) else 1
        self._window.close()  # cancels a run still going; saves the workspace and layout
        QCoreApplication.exit(code)  # after close(): its last-window quit must not win
