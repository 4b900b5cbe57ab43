"""What the runner tells its consumers, cell by cell.

Every cell produces CellStarted (once per attempt), CellDelta as text arrives, CellRetrying before a
new attempt (consumers drop the partial text), and ends with exactly one CellFinished or CellFailed.
With `RunOptions.warm_up`, each local model's untimed warm-up call reports ModelWarmed first, before
any cell starts.
"""

from __future__ import annotations

from dataclasses import dataclass

from workbench.domain import Cell, CellError, CellResult, ModelSpec


@dataclass(frozen=True, slots=True)
class CellStarted:
    cell: Cell
    attempt: int


@dataclass(frozen=True, slots=True)
class CellDelta:
    cell_index: int
    text: str


@dataclass(frozen=True, slots=True)
class CellRetrying:
    cell_index: int
    attempt: int
    error: CellError
    delay_s: float


@dataclass(frozen=True, slots=True)
class CellFinished:
    result: CellResult


@dataclass(frozen=True, slots=True)
class CellFailed:
    result: CellResult


@dataclass(frozen=True, slots=True)
class ModelWarmed:
    """A local model answered (or failed) its warm-up call; a failure does not fail the run."""

    model: ModelSpec
    elapsed_ms: float
    error: CellError | None


RunEvent = CellStarted | CellDelta | CellRetrying | CellFinished | CellFailed | ModelWarmed
