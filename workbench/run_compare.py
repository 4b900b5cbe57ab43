"""Two runs of the same suite compared: which cases got better or worse, per column, and
whether a column's change in pass rate is more than chance.

Cases are matched by their variables, not by position, because a suite's cases get reordered,
added and dropped between runs; columns (prompt x model) are matched by `ColumnKey`. A case is
better or worse by the fraction of its trials that passed, then by its mean score
(`trial_score`), so a repeat that starts passing, or a check that now scores higher while the
case still fails, both count.

The column's significance is the exact McNemar test over the cases both runs have: the same
cases before and after are pairs, which is far more sensitive than comparing two pass rates as
if the cases were unrelated.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

from workbench.matrix import ColumnKey, ColumnSummary, Matrix, MatrixCell
from workbench.stats import RateDifference, paired_difference, unpaired_difference

# Mean scores are means of floats: two runs scoring alike must not differ by rounding noise.
_SCORE_TOLERANCE = 1e-9

# A case's identity across runs: its variables in a fixed order, and which occurrence of that
# variable set it is (a suite may list the same variables twice).
_CaseKey = tuple[tuple[tuple[str, str], ...], int]


class Change(enum.StrEnum):
    BETTER = "better"
    WORSE = "worse"
    SAME = "same"
    CHANGED = "changed"  # the same verdicts, a different output
    NEW = "new"  # only the later run has this case (or column)
    GONE = "gone"  # only the earlier run has it


@dataclass(frozen=True, slots=True)
class CaseChange:
    """One case in one column, before and after; a side is None where that run has no trials."""

    column: ColumnKey
    variables: dict[str, str]
    before: MatrixCell | None
    after: MatrixCell | None
    change: Change


@dataclass(frozen=True, slots=True)
class ColumnChange:
    """One column's pass rates in both runs, its case counts, and the paired test."""

    column: ColumnKey
    before: ColumnSummary | None
    after: ColumnSummary | None
    better: int
    worse: int
    # Exact McNemar over the cases both runs ended (a case passes when all its trials pass);
    # None when the runs share no case in this column.
    difference: RateDifference | None

    def sentence(self, before_label: str, after_label: str) -> str:
        """Which run passes more in this column, and whether that is more than chance."""
        if self.before is None or self.after is None:
            only = after_label if self.before is None else before_label
            return f"only in {only}: nothing to compare"
        if self.difference is not None:
            return self.difference.sentence(before_label, after_label)
        return column_verdict(self.before, self.after, (), before_label, after_label)


@dataclass(frozen=True, slots=True)
class Comparison:
    cases: tuple[CaseChange, ...]  # by column (the later run's order), then by case
    columns: tuple[ColumnChange, ...]

    def improved(self) -> list[CaseChange]:
        return [case for case in self.cases if case.change is Change.BETTER]

    def regressed(self) -> list[CaseChange]:
        return [case for case in self.cases if case.change is Change.WORSE]


def compare_runs(
    before: Matrix,
    after: Matrix,
    before_cases: Sequence[Mapping[str, str]],
    after_cases: Sequence[Mapping[str, str]],
) -> Comparison:
    """Every case of every column compared between two runs' matrices.

    `before_cases[row]` is the variables of row `row` of `before` (likewise for `after`).
    Columns and cases only one run has are listed as new or gone, in the later run's order with
    what is gone after it.
    """
    before_rows = _rows_by_case(before, before_cases, "before")
    after_rows = _rows_by_case(after, after_cases, "after")
    keys = list(dict.fromkeys([*after_rows, *before_rows]))
    columns = list(dict.fromkeys([*after.columns, *before.columns]))
    before_summaries = {s.column: s for s in before.summaries}
    after_summaries = {s.column: s for s in after.summaries}
    cases: list[CaseChange] = []
    column_changes: list[ColumnChange] = []
    for column in columns:
        in_column: list[CaseChange] = []
        pairs: list[tuple[bool, bool]] = []
        for key in keys:
            old = _ended(before, before_rows.get(key), column)
            new = _ended(after, after_rows.get(key), column)
            if old is None and new is None:
                continue
            in_column.append(CaseChange(column, dict(key[0]), old, new, _change(old, new)))
            if old is not None and new is not None:
                pairs.append((_all_passed(old), _all_passed(new)))
        cases.extend(in_column)
        column_changes.append(
            ColumnChange(
                column=column,
                before=before_summaries.get(column),
                after=after_summaries.get(column),
                better=sum(case.change is Change.BETTER for case in in_column),
                worse=sum(case.change is Change.WORSE for case in in_column),
                difference=paired_difference(pairs) if pairs else None,
            )
        )
    return Comparison(tuple(cases), tuple(column_changes))


def column_verdict(
    a: ColumnSummary,
    b: ColumnSummary,
    pairs: Sequence[tuple[bool, bool]],
    name_a: str | None = None,
    name_b: str | None = None,
) -> str:
    """Which of two columns wins on pass rate, and whether that holds at this many cases.

    With `pairs` ((a passed, b passed) per shared case) the test is exact McNemar on them;
    without, Fisher's exact test on the two summaries' trial counts, which treats every trial
    as independent (repeats of one case are not quite). Names default to the columns' labels.
    """
    first = name_a if name_a is not None else a.column.label
    second = name_b if name_b is not None else b.column.label
    if pairs:
        return paired_difference(pairs).sentence(first, second)
    if not (a.trials and b.trials):
        empty = [name for name, s in ((first, a), (second, b)) if not s.trials]
        return f"nothing to compare: no trials ended for {' or '.join(empty)}"
    return unpaired_difference(a.passed, a.trials, b.passed, b.trials).sentence(first, second)


# --- matching and judging ---------------------------------------------------------------------


def _rows_by_case(
    matrix: Matrix, cases: Sequence[Mapping[str, str]], side: str
) -> dict[_CaseKey, int]:
    """Each row of `matrix` under its case's key, in row order."""
    found: dict[_CaseKey, int] = {}
    seen: dict[tuple[tuple[str, str], ...], int] = {}
    for row in matrix.rows:
        if not 0 <= row < len(cases):
            raise ValueError(f"the {side} run's row {row} has no case: {len(cases)} cases given")
        variables = tuple(sorted(cases[row].items()))
        occurrence = seen.get(variables, 0)
        seen[variables] = occurrence + 1
        found[(variables, occurrence)] = row
    return found


def _ended(matrix: Matrix, row: int | None, column: ColumnKey) -> MatrixCell | None:
    """The cell if this run planned it and at least one of its trials ended."""
    if row is None or column not in matrix.columns:
        return None
    cell = matrix.cell(row, column)
    return cell if cell.trials else None


def _all_passed(cell: MatrixCell) -> bool:
    return cell.passed == len(cell.trials)


def _change(before: MatrixCell | None, after: MatrixCell | None) -> Change:
    if before is None:
        return Change.NEW
    if after is None:
        return Change.GONE
    # Fractions, so 1 of 2 repeats and 2 of 4 compare as equal exactly.
    old_rate = Fraction(before.passed, len(before.trials))
    new_rate = Fraction(after.passed, len(after.trials))
    if new_rate != old_rate:
        return Change.BETTER if new_rate > old_rate else Change.WORSE
    old_score, new_score = before.mean_score or 0.0, after.mean_score or 0.0
    if not math.isclose(old_score, new_score, rel_tol=0.0, abs_tol=_SCORE_TOLERANCE):
        return Change.BETTER if new_score > old_score else Change.WORSE
    if tuple(_outputs(before)) != tuple(_outputs(after)):
        return Change.CHANGED
    return Change.SAME


def _outputs(cell: MatrixCell) -> Iterator[str]:
    """Each trial's output in repeat order; a failed call by its error, so a new error shows."""
    for trial in cell.trials:
        error = trial.result.error
        yield trial.result.output if error is None else f"\0error: {error.message}"


__all__ = [
    "CaseChange",
    "Change",
    "ColumnChange",
    "Comparison",
    "column_verdict",
    "compare_runs",
]
