"""The status bar: the run's progress, its cost and the session's, where the store is, and an
"Offline" badge while offline mode keeps every other host out."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Slot
from PySide6.QtWidgets import QLabel, QProgressBar, QStatusBar

from ui.readouts import usd


class RunStatusBar(QStatusBar):
    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("statusBar")
        self.progress = QProgressBar()
        self.progress.setObjectName("runProgress")
        self.progress.setFixedWidth(200)
        self.progress.setFormat("%v of %m cells")
        self.progress.hide()
        self.costs = QLabel("Session: $0")
        self.costs.setObjectName("sessionCost")
        self.costs.setToolTip("What this window's runs cost so far (cached and local answers: $0)")
        self.store = QLabel("Opening the store…")
        self.store.setObjectName("storeLocation")
        self.offline = QLabel("Offline")
        self.offline.setObjectName("offlineBadge")
        self.offline.setStyleSheet("padding: 0 6px; border-radius: 3px; background: #e8def8")
        self.offline.hide()
        self.addPermanentWidget(self.offline)
        self.addPermanentWidget(self.progress)
        self.addPermanentWidget(self.costs)
        self.addPermanentWidget(self.store)

    @Slot(int, int)
    def show_progress(self, ended: int, total: int) -> None:
        self.progress.setMaximum(max(total, 1))
        self.progress.setValue(ended)
        self.progress.setVisible(total > 0)

    @Slot(float, float)
    def show_costs(self, run: float, session: float) -> None:
        self.costs.setText(f"Run: {usd(run)} · Session: {usd(session)}")

    @Slot(str)
    def show_store(self, location: str) -> None:
        self.store.setText(f"Store: {location}")
        self.store.setToolTip(location)

    @Slot(str)
    def show_notice(self, text: str) -> None:
        """A passing line, such as "warmed up llama3 in 0.8 s"."""
        self.showMessage(text, 8000)

    def show_offline(self, allowed_hosts: Sequence[str] | None) -> None:
        """The badge while offline mode is on (`allowed_hosts`: who may still be contacted)."""
        self.offline.setVisible(allowed_hosts is not None)
        if allowed_hosts is not None:
            self.offline.setToolTip(
                "Offline mode: only these hosts may be contacted; any other connection is "
                "refused before it is made.\n" + ", ".join(allowed_hosts)
            )
