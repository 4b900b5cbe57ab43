"""A one-line live progress bar on a terminal; silent when output is not a terminal.

Warm-ups (`--warm-up`) are reported as lines of their own whether or not the bar is drawn: they
come before any cell, and a failed one explains slow or failing cells that follow.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

from workbench.events import ModelWarmed

_BAR_WIDTH = 28
_MIN_INTERVAL_S = 0.1


class Progress:
    def __init__(
        self, total: int, stream: TextIO | None = None, enabled: bool | None = None
    ) -> None:
        self.total = total
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self.done = 0
        self.failed = 0
        self.cost_usd = 0.0
        self.cost_unknown = False
        self._last_draw = 0.0

    def cell_ended(self, ok: bool, cost_usd: float | None) -> None:
        self.done += 1
        if not ok:
            self.failed += 1
        if cost_usd is None:
            self.cost_unknown = self.cost_unknown or ok
        else:
            self.cost_usd += cost_usd
        self._draw(force=self.done == self.total)

    def model_warmed(self, event: ModelWarmed) -> None:
        self.stream.write(warmed_line(event) + "\n")
        self.stream.flush()

    def line(self) -> str:
        filled = int(_BAR_WIDTH * self.done / self.total) if self.total else _BAR_WIDTH
        bar = "#" * filled + "." * (_BAR_WIDTH - filled)
        cost = f"${self.cost_usd:.4f}" + ("+?" if self.cost_unknown else "")
        return f"[{bar}] {self.done}/{self.total} done, {self.failed} failed, {cost}"

    def _draw(self, force: bool = False) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if not force and now - self._last_draw < _MIN_INTERVAL_S:
            return
        self._last_draw = now
        self.stream.write("\r" + self.line())
        self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            self._draw(force=True)
            self.stream.write("\n")
            self.stream.flush()


def warmed_line(event: ModelWarmed) -> str:
    """ "warmed up llama3: 812 ms", or why the warm-up failed (the run goes on)."""
    label = event.model.label
    if event.error is None:
        return f"warmed up {label}: {event.elapsed_ms:.0f} ms"
    return f"warm-up of {label} failed after {event.elapsed_ms:.0f} ms: {event.error.message}"
