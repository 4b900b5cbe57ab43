"""What people say about outputs: a 1-5 score per cell, and blind A/B preferences between two.

Thumbs and notes live with the cell (storage/marks.py). A preference compares two outputs for the
same input, shown without their prompt or model names; the scoreboard ranks prompt x model
columns from these pairs (`workbench.stats`).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

SCORES = (1, 2, 3, 4, 5)


class Choice(enum.StrEnum):
    """Which of the two shown outputs the person preferred."""

    LEFT = "left"
    RIGHT = "right"
    TIE = "tie"


@dataclass(frozen=True, slots=True)
class Side:
    """One output of a pair: which run and cell it was, and what it was."""

    run_id: int
    cell: int  # the cell's index in its run
    prompt: str
    model: str  # model label
    output: str

    @property
    def column(self) -> str:
        """The prompt x model column this output belongs to (what the scoreboard ranks)."""
        return f"{self.prompt} × {self.model}"


@dataclass(frozen=True, slots=True)
class Preference:
    """One blind A/B judgement: `left` and `right` as they were shown, and the choice."""

    left: Side
    right: Side
    choice: Choice
    variables: dict[str, str]  # the input both outputs answered
    id: int | None = None  # set once stored
    created_at: str | None = None  # ISO 8601, UTC; set once stored

    @property
    def score(self) -> float:
        """1.0 when left won, 0.0 when right won, 0.5 for a tie (as `stats.Game` counts it)."""
        return {Choice.LEFT: 1.0, Choice.RIGHT: 0.0, Choice.TIE: 0.5}[self.choice]


def check_score(score: int | None) -> None:
    # bool is an int subclass: True would pass as 1 without this check.
    if score is not None and (isinstance(score, bool) or score not in SCORES):
        raise ValueError(f"a score is 1 to 5 or None, not {score!r}")


@dataclass(frozen=True, slots=True)
class Mark:
    """What a person put on one cell: thumbs (+1/-1), a 1-5 score, a note; each may be absent."""

    rating: int | None = None
    score: int | None = None
    note: str | None = None
