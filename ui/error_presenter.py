"""The one place the window shows errors.

Faults of the environment or of input (a store that is locked, a server that is down, a key that
is missing, a template with a typo) are `WorkbenchError`s or `OSError`s and become a message
naming what to do. Anything else is a bug: it gets a crash dialog with the traceback to copy,
and the window stays open, so the user's typed work (autosaved to the store) is not lost.

Dialogs are window-modal and opened without a nested event loop, so a message never freezes a
run that is streaming behind it.
"""

from __future__ import annotations

import sys
import traceback
from types import TracebackType

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QMessageBox, QStatusBar, QWidget

from workbench.errors import ProviderError, WorkbenchError

_STATUS_MS = 10_000


def is_known(exc: BaseException) -> bool:
    """A fault a person can act on (bad input, a server down, a key refused, a locked store),
    as opposed to a bug in the workbench."""
    return isinstance(exc, WorkbenchError | ProviderError | OSError | TimeoutError)


class ErrorPresenter(QObject):
    """Shows messages and errors for one window; `shown` lets the status bar and tests follow."""

    shown = Signal(str, str)  # title, text

    def __init__(self, window: QWidget, status: QStatusBar | None = None) -> None:
        super().__init__(window)
        self._window = window
        self._status = status
        self.history: list[tuple[str, str]] = []
        self._dialog: QMessageBox | None = None

    def warn(self, title: str, text: str, details: str = "") -> None:
        """A message about input or the environment, e.g. "two models have no key"."""
        self._show(QMessageBox.Icon.Warning, title, text, details)

    def present(self, exc: BaseException, doing: str = "") -> None:
        """Show `exc`: a message when it is a known fault, a crash report when it is a bug."""
        if is_known(exc):
            title = f"Could not {doing}" if doing else "Something went wrong"
            self._show(QMessageBox.Icon.Warning, title, str(exc) or type(exc).__name__)
            return
        report = "".join(traceback.format_exception(exc))
        self._show(
            QMessageBox.Icon.Critical,
            "The workbench hit a bug",
            f"{type(exc).__name__}: {exc}\n\nYour prompts are autosaved; the window stays open. "
            "Please report this with the details below.",
            report,
        )

    def install_excepthook(self) -> None:
        """Route exceptions that escape Qt slots here instead of losing them on stderr."""

        def hook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
            sys.__excepthook__(kind, exc, tb)
            self.present(exc.with_traceback(tb))

        sys.excepthook = hook

    def _show(self, icon: QMessageBox.Icon, title: str, text: str, details: str = "") -> None:
        self.history.append((title, text))
        if self._status is not None:
            self._status.showMessage(f"{title}: {text.splitlines()[0] if text else ''}", _STATUS_MS)
        if self._dialog is not None and self._dialog.isVisible():
            self._dialog.close()  # the newest message replaces an older one, never stacks
        dialog = QMessageBox(icon, title, text, QMessageBox.StandardButton.Ok, self._window)
        if details:
            dialog.setDetailedText(details)
        dialog.setObjectName("errorDialog")
        dialog.open()
        self._dialog = dialog
        self.shown.emit(title, text)
