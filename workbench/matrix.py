"""The comparison matrix: cases as rows, prompt x model as columns, repeats grouped per cell.

Pure figures over judged results (`evaluation.CellVerdict`), shared by the window's matrix view,
the exports and the HTML report, so every view of a run shows the same numbers. A trial is one
ended call (one repeat of one case in one column); pass rates count trials.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from workbench.domain import Cell, TokensSource
from workbench.evaluation import CellVerdict
from workbench.stats import wilson_interval


@dataclass(frozen=True, slots=True, order=True)
class ColumnKey:
    prompt: str
    model: str  # the model's label, as the grid shows it

    @property
    def label(self) -> str:
        return f"{self.prompt} × {self.model}"


def column_of(cell: Cell) -> ColumnKey:
    return ColumnKey(cell.prompt.name, cell.model.label)


def row_of(cell: Cell) -> int:
    """The case a cell belongs to (0-based); a plan with one variable set has one row."""
    return cell.case_index or 0


def trial_score(verdict: CellVerdict) -> float:
    """0..1: the mean of the checks' scores; 1 or 0 by the call alone when there are no checks.

    A failed call scores 0 whatever its checks (it has no output to judge).
    """
    if not verdict.result.ok:
        return 0.0
    if not verdict.verdicts:
        return 1.0
    return statistics.fmean(v.score for v in verdict.verdicts)


@dataclass(frozen=True, slots=True)
class MatrixCell:
    """One case in one column: its trials (one per ended repeat), in repeat order."""

    row: int
    column: ColumnKey
    trials: tuple[CellVerdict, ...]

    @property
    def passed(self) -> int:
        return sum(t.passed for t in self.trials)

    @property
    def failed(self) -> int:
        return len(self.trials) - self.passed

    @property
    def distinct_outputs(self) -> int:
        """How many different outputs the successful repeats gave (1 = stable)."""
        return len({t.result.output for t in self.trials if t.result.ok})

    @property
    def mean_score(self) -> float | None:
        return statistics.fmean(map(trial_score, self.trials)) if self.trials else None

    @property
    def outcome(self) -> str:
        """ "pass" (every trial), "fail" (none), "mixed", or "" while nothing has ended."""
        if not self.trials:
            return ""
        if self.passed == len(self.trials):
            return "pass"
        return "fail" if self.passed == 0 else "mixed"


@dataclass(frozen=True, slots=True)
class ColumnSummary:
    """The summary row's figures for one column."""

    column: ColumnKey
    trials: int
    passed: int
    errors: int  # calls that failed (they count as not passed)
    interval: tuple[float, float]  # Wilson 95% interval of the pass rate
    mean_score: float | None
    median_latency_ms: float | None
    median_ttft_ms: float | None
    input_tokens: int
    output_tokens: int
    tokens_estimated: bool
    cost_usd: float | None  # None when any successful call's cost is unknown: never a guessed total

    @property
    def pass_rate(self) -> float | None:
        return self.passed / self.trials if self.trials else None


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def summarise_column(column: ColumnKey, trials: Iterable[CellVerdict]) -> ColumnSummary:
    items = list(trials)
    ok = [t.result for t in items if t.result.ok]
    usages = [r.usage for r in ok if r.usage is not None]
    costs = [r.cost for r in ok]
    known = [c.usd for c in costs if c.usd is not None]
    passed = sum(t.passed for t in items)
    return ColumnSummary(
        column=column,
        trials=len(items),
        passed=passed,
        errors=len(items) - len(ok),
        interval=wilson_interval(passed, len(items)),
        mean_score=statistics.fmean(map(trial_score, items)) if items else None,
        median_latency_ms=_median([r.timings.latency_ms for r in ok if r.timings]),
        median_ttft_ms=_median(
            [r.timings.ttft_ms for r in ok if r.timings and r.timings.ttft_ms is not None]
        ),
        input_tokens=sum(u.input_tokens for u in usages),
        output_tokens=sum(u.output_tokens for u in usages),
        tokens_estimated=any(u.source is TokensSource.ESTIMATED for u in usages),
        cost_usd=sum(known) if len(known) == len(costs) else None,
    )


@dataclass(frozen=True, slots=True)
class Matrix:
    """A run's matrix: every planned row and column, the ended trials grouped per cell."""

    rows: tuple[int, ...]  # case indexes, in plan order
    columns: tuple[ColumnKey, ...]  # in plan order
    cells: dict[tuple[int, ColumnKey], MatrixCell]
    summaries: tuple[ColumnSummary, ...]  # one per column, same order

    def cell(self, row: int, column: ColumnKey) -> MatrixCell:
        return self.cells.get((row, column)) or MatrixCell(row, column, ())

    def differs(self, row: int) -> bool:
        """Whether the columns disagree on this case: outcomes differ, or (unjudged) outputs do."""
        cells = [self.cell(row, column) for column in self.columns]
        ended = [c for c in cells if c.trials]
        if len({c.outcome for c in ended}) > 1:
            return True
        outputs = {t.result.output for c in ended for t in c.trials if t.result.ok}
        return len(outputs) > 1

    def failing(self, row: int) -> bool:
        """Whether any trial of this case failed, in any column."""
        return any(self.cell(row, column).failed for column in self.columns)


def build_matrix(cells: Sequence[Cell], verdicts: Iterable[CellVerdict]) -> Matrix:
    """The matrix of a plan (`cells`) with the verdicts of the trials that have ended so far."""
    rows = tuple(dict.fromkeys(row_of(cell) for cell in cells))
    columns = tuple(dict.fromkeys(column_of(cell) for cell in cells))
    grouped: dict[tuple[int, ColumnKey], list[CellVerdict]] = {}
    for verdict in sorted(verdicts, key=lambda v: (v.result.cell.repeat, v.result.cell.index)):
        cell = verdict.result.cell
        grouped.setdefault((row_of(cell), column_of(cell)), []).append(verdict)
    by_column: dict[ColumnKey, list[CellVerdict]] = {column: [] for column in columns}
    for (_, column), trials in grouped.items():
        by_column.setdefault(column, []).extend(trials)
    return Matrix(
        rows=rows,
        columns=columns,
        cells={key: MatrixCell(key[0], key[1], tuple(t)) for key, t in grouped.items()},
        summaries=tuple(summarise_column(column, by_column[column]) for column in columns),
    )


def paired_outcomes(matrix: Matrix, first: ColumnKey, second: ColumnKey) -> list[tuple[bool, bool]]:
    """(first passed, second passed) per (case, repeat) both columns ended: for a paired test."""
    pairs: list[tuple[bool, bool]] = []
    for row in matrix.rows:
        a = {t.result.cell.repeat: t.passed for t in matrix.cell(row, first).trials}
        b = {t.result.cell.repeat: t.passed for t in matrix.cell(row, second).trials}
        pairs.extend((a[repeat], b[repeat]) for repeat in sorted(a.keys() & b.keys()))
    return pairs


__all__ = [
    "ColumnKey",
    "ColumnSummary",
    "Matrix",
    "MatrixCell",
    "build_matrix",
    "column_of",
    "paired_outcomes",
    "row_of",
    "summarise_column",
    "trial_score",
]
