"""A kept run judged again: the checks it ran with, its model judges' kept verdicts, its cases.

Checks that need no model are deterministic, so a past run's verdicts are recomputed from the suite
kept with it rather than stored; model-graded verdicts cost a call and vary, so they come from the
store (`Judgement`s) and are never re-asked.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from workbench.checks import Verdict
from workbench.domain import Cell, CellResult
from workbench.evaluation import CellVerdict, judge
from workbench.judgements import Judgement
from workbench.store_api import StoredRun
from workbench.suite import Case, Suite


def cases_of(cells: Sequence[Cell], suite: Suite) -> list[Case]:
    """One case per row of the plan: the suite's when they match the rows, else the variables."""
    rows = max((cell.case_index or 0) for cell in cells) + 1 if cells else 0
    if rows and len(suite.cases) == rows:
        return list(suite.cases)
    by_row: dict[int, Case] = {}
    for cell in cells:
        by_row.setdefault(cell.case_index or 0, Case(vars=dict(cell.variables)))
    return [by_row.get(row, Case(vars={})) for row in range(rows)]


def graded_of(judgements: Sequence[Judgement]) -> dict[int, dict[int, Verdict]]:
    """Kept model verdicts by cell index, then by check position."""
    graded: dict[int, dict[int, Verdict]] = {}
    for judgement in judgements:
        graded.setdefault(judgement.cell, {})[judgement.position] = judgement.verdict
    return graded


def judge_one(
    result: CellResult,
    cases: Sequence[Case],
    suite: Suite,
    graded: Mapping[int, Mapping[int, Verdict]] | None = None,
) -> CellVerdict:
    """One result judged as its case; a row beyond `cases` is judged as its own variables."""
    row = result.cell.case_index or 0
    case = cases[row] if row < len(cases) else Case(vars=dict(result.cell.variables))
    return judge(result, case, row + 1, suite, (graded or {}).get(result.cell.index))


def judge_results(
    results: Sequence[CellResult],
    cases: Sequence[Case],
    suite: Suite,
    graded: Mapping[int, Mapping[int, Verdict]] | None = None,
) -> list[CellVerdict]:
    """Every result judged, in cell order."""
    ordered = sorted(results, key=lambda r: r.cell.index)
    return [judge_one(result, cases, suite, graded) for result in ordered]


@dataclass(frozen=True, slots=True)
class JudgedRun:
    """A kept run as the matrix shows it: its plan, cases, verdicts and kept model verdicts."""

    cells: list[Cell]
    cases: list[Case]
    verdicts: list[CellVerdict]
    graded: dict[int, dict[int, Verdict]]


def judge_stored(
    stored: StoredRun, suite: Suite | None, judgements: Sequence[Judgement]
) -> JudgedRun:
    """A kept run judged with the suite kept with it (none: no checks) and its judgements."""
    suite = suite or Suite("", ())
    cells = sorted([r.cell for r in stored.results] + list(stored.missing), key=lambda c: c.index)
    cases = cases_of(cells, suite)
    graded = graded_of(judgements)
    return JudgedRun(cells, cases, judge_results(stored.results, cases, suite, graded), graded)
