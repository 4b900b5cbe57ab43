"""What the matrix shows of one cell: a `CellView` to paint, and `Trial`s for the detail pane.

Plain values built by `MatrixModel` from its live state; the headline and band are worked out
once per view (the model makes a new view only when the cell changes), never per paint.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from workbench.domain import Cell
from workbench.evaluation import CellVerdict
from workbench.matrix import MatrixCell
from workbench.ratings import Mark

GLYPHS = {"pass": "✓", "fail": "✗", "mixed": "◐", "error": "⚠"}
THUMBS = {1: "✔ good", -1: "✘ bad"}  # glyphs DejaVu Sans has (it has no thumbs)


@dataclass(frozen=True, slots=True)
class Trial:
    """One repeat of a case in a column, as the detail pane shows it."""

    cell: Cell
    verdict: CellVerdict | None  # None until it ends
    text: str  # the live text while it streams
    running: bool
    mark: Mark

    @property
    def output(self) -> str:
        return self.verdict.result.output if self.verdict is not None else self.text


@dataclass(frozen=True, eq=False)  # no slots: the cached properties keep their values per view
class CellView:
    """What painting one matrix cell needs, computed once per change of that cell."""

    figures: MatrixCell  # the core's counts over the ended trials
    planned: int  # repeats in the plan
    running: bool  # some repeat is streaming now
    text: str  # the shown trial's output, or the live text of one streaming
    live: bool  # `text` is still streaming in
    error: str | None  # the shown trial's error message, when its call failed
    failed_checks: int  # of the shown trial
    pending_checks: int  # of the shown trial: model-graded checks waiting for their judge
    mark: Mark  # of the shown trial

    @cached_property
    def band(self) -> str:
        """ "pass", "fail", "mixed", "error" (every ended call failed), "running" or "pending"."""
        trials = self.figures.trials
        if not trials:
            return "running" if self.running else "pending"
        if not any(t.result.ok for t in trials):
            return "error"
        return self.figures.outcome

    @cached_property
    def headline(self) -> str:
        """E.g. "✓ 3/3 · 2 distinct · 1 check failed · ★4 · ✔ good · ✎"."""
        ended = len(self.figures.trials)
        if not ended:
            return "streaming…" if self.running else "waiting"
        counted = f"{self.figures.passed}/{ended}"
        if ended < self.planned:
            counted += f" of {self.planned}"
        parts = [f"{GLYPHS[self.band]} {counted}"]
        if sum(t.result.ok for t in self.figures.trials) > 1:
            parts.append(f"{self.figures.distinct_outputs} distinct")
        if self.failed_checks:
            noun = "check" if self.failed_checks == 1 else "checks"
            parts.append(f"{self.failed_checks} {noun} failed")
        if self.pending_checks:
            parts.append("judging…")
        if self.mark.score is not None:
            parts.append(f"★{self.mark.score}")
        if self.mark.rating in THUMBS:
            parts.append(THUMBS[self.mark.rating])
        if self.mark.note:
            parts.append("✎")
        if self.running:
            parts.append("streaming…")
        return " · ".join(parts)
