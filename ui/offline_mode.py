"""Offline mode in the window: the socket guard on while it is on, a badge, each refusal shown.

The guard (`workbench.offline_guard`) is process-wide: while offline mode is on, a connection or
lookup to any host other than this machine or a local endpoint the user added is refused before
it is made, whoever asked (a run, discovery, a key check, a library). A refusal happens on
whatever thread made the call, so it is handed to the GUI thread through a queued signal and
shown once per host: a person needs to learn that a host was kept out, not how often.
"""

from __future__ import annotations

import contextlib
import weakref
from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, Signal, Slot

from ui.error_presenter import ErrorPresenter
from ui.preferences import Preferences
from ui.status_bar import RunStatusBar
from workbench import offline_guard
from workbench.offline_guard import OfflinePolicy

_STATUS_MS = 10_000


def offline_policy(prefs: Preferences) -> OfflinePolicy | None:
    """What offline mode allows now (the endpoints added in Settings), or None when it is off."""
    return OfflinePolicy(endpoints=tuple(prefs.endpoints)) if prefs.offline_now else None


class OfflineMode(QObject):
    """Keeps the guard as the preferences say; build it once per window (it applies them now)."""

    refusal_shown = Signal(str)  # a host refused for the first time, after it was shown
    _posted = Signal(str)  # a refused host, emitted on whichever thread was refused

    def __init__(
        self,
        prefs: Preferences,
        status: RunStatusBar,
        presenter: ErrorPresenter,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._prefs = prefs
        self._status = status
        self._presenter = presenter
        self._shown: set[str] = set()
        self.policy: OfflinePolicy | None = None
        self._posted.connect(self._on_posted, Qt.ConnectionType.QueuedConnection)
        self.apply()

    @Slot()
    def apply(self) -> None:
        """Turn the guard on or off as the preferences (and `--offline`) say now."""
        was_on = self.policy is not None
        self.policy = policy = offline_policy(self._prefs)
        if policy is None:
            offline_guard.on_refusal(None)
            offline_guard.deactivate()
            self._shown.clear()
            self._status.show_offline(None)
            if was_on:
                self._status.showMessage("Offline mode is off.", _STATUS_MS)
            return
        offline_guard.activate(policy)
        offline_guard.on_refusal(_delivering_to(self))
        hosts = policy.allowed_hosts()
        self._status.show_offline(hosts)
        session = " (--offline, this session only)" if not self._prefs.offline else ""
        self._status.showMessage(f"Offline mode{session}: {policy.describe()}.", _STATUS_MS)

    def stop(self) -> None:
        """The guard off whatever the preferences say (the window is closing)."""
        offline_guard.on_refusal(None)
        offline_guard.deactivate()
        self.policy = None

    @Slot(str)
    def _on_posted(self, host: str) -> None:
        if host in self._shown or self.policy is None:
            return
        self._shown.add(host)
        self._presenter.warn(
            f"Offline mode refused {host}",
            f"Nothing was sent to {host}: under offline mode {self.policy.describe()}. Turn it "
            "off under Settings > Local models to reach other hosts.",
        )
        self.refusal_shown.emit(host)


def _delivering_to(mode: OfflineMode) -> Callable[[str], None]:
    """The guard's callback: holds the window's part weakly, so it never keeps it alive."""
    ref = weakref.ref(mode)

    def deliver(host: str) -> None:
        target = ref()
        if target is not None:
            with contextlib.suppress(RuntimeError):  # its window is gone: nobody left to tell
                target._posted.emit(host)

    return deliver
