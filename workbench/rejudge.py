"""A kept run judged again: the checks it ran with, its model judges' kept verdicts, its cases.

Checks that need no model are deterministic, so a past run's verdicts are recomputed from the suite
kept with it rather than stored; model-graded verdicts cost a call and vary, so they come from the
store (`Judgement`s) and are never re-asked.
"""

from __future__ import annotations

from collections.abc import Sequence

from workbench.checks import Verdict
from workbench.domain import Cell, CellResult
from workbench.evaluation import CellVerdict, judge
from workbench.judgements import Judgement
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


def judge_results(
    results: Sequence[CellResult],
    cases: Sequence[Case],
    suite: Suite,
    graded: dict[int, dict[int, Verdict]] | None = None,
) -> list[CellVerdict]:
    """Every result judged, in cell order; a row beyond `cases` is judged as its own variables."""
    verdicts = []
    for result in sorted(results, key=lambda r: r.cell.index):
        row = result.cell.case_index or 0
        case = cases[row] if row < len(cases) else Case(vars=dict(result.cell.variables))
        kept = (graded or {}).get(result.cell.index)
        verdicts.append(judge(result, case, row + 1, suite, kept))
    return verdicts
