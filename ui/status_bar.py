"""The status bar: the run's progress, its cost and the session's, and where the store is."""

from __future__ import annotations

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
