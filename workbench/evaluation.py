"""Checks applied to a run's results: a verdict per cell, and pass rates per prompt x model.

A cell passes when its call succeeded and every supported check passes; checks of a type the
workbench cannot evaluate are left out and reported by name, never counted as passed.
Model-graded checks (`llm-rubric`) need a judge call of their own (`workbench.llm_judge`): until
their verdicts are given, they are pending and the cell has not passed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from workbench import checks
from workbench.checks import Observed, Verdict
from workbench.domain import CellResult
from workbench.suite import Case, Check, Suite


@dataclass(frozen=True, slots=True)
class CellVerdict:
    result: CellResult
    case: Case
    case_number: int  # 1-based, as people count cases
    verdicts: tuple[Verdict, ...]  # in applied order; pending checks have none yet
    pending: tuple[Check, ...] = ()  # model-graded checks still waiting for their judge

    @property
    def passed(self) -> bool:
        return self.result.ok and not self.pending and all(v.passed for v in self.verdicts)

    @property
    def reasons(self) -> list[str]:
        """Why the cell failed, one line per failed or unjudged check (or the call's error)."""
        if self.result.error is not None:
            return [f"the call failed: {self.result.error.message}"]
        failed = [f"{v.check.type}: {v.reason}" for v in self.verdicts if not v.passed]
        return failed + [f"{check.type}: not judged yet" for check in self.pending]


@dataclass(frozen=True, slots=True)
class ColumnScore:
    prompt: str
    model: str
    cells: int
    passed: int
    errors: int

    @property
    def pass_rate(self) -> float:
        return self.passed / self.cells if self.cells else 0.0


def unsupported_types(suite: Suite) -> list[str]:
    """Check types in the suite the workbench cannot evaluate, each named once, in order."""
    found: list[str] = []
    every: list[Check] = [*suite.checks, *(c for case in suite.cases for c in case.checks)]
    for check in every:
        if not checks.is_judged(check) and check.type not in found:
            found.append(check.type)
    return found


def applied_checks(suite: Suite, case: Case) -> list[Check]:
    """The checks a case's cells get: the supported ones, the suite's then the case's own.

    A check's position in this list is how a model's verdict on it is found again.
    """
    return [c for c in (*suite.checks, *case.checks) if checks.is_judged(c)]


def judge(
    result: CellResult,
    case: Case,
    case_number: int,
    suite: Suite,
    graded: Mapping[int, Verdict] | None = None,
) -> CellVerdict:
    """The cell's verdicts: checks evaluated here, model-graded ones taken from `graded` (by
    position in `applied_checks`) or left pending."""
    if not result.ok:
        return CellVerdict(result, case, case_number, ())
    observed = Observed(
        output=result.output,
        latency_ms=result.timings.latency_ms if result.timings else None,
        cost_usd=result.cost.usd,
    )
    variables = dict(result.cell.variables)
    given = graded or {}
    verdicts: list[Verdict] = []
    pending: list[Check] = []
    for position, check in enumerate(applied_checks(suite, case)):
        if not checks.needs_model(check.type):
            verdicts.append(checks.evaluate(check, observed, variables))
        elif position in given:
            verdicts.append(given[position])
        else:
            pending.append(check)
    return CellVerdict(result, case, case_number, tuple(verdicts), tuple(pending))


def scores(verdicts: Sequence[CellVerdict]) -> list[ColumnScore]:
    """Pass counts per prompt x model, in the order the columns first appear."""
    order: dict[tuple[str, str], list[CellVerdict]] = {}
    for verdict in verdicts:
        cell = verdict.result.cell
        order.setdefault((cell.prompt.name, cell.model.label), []).append(verdict)
    return [
        ColumnScore(
            prompt=prompt,
            model=model,
            cells=len(group),
            passed=sum(v.passed for v in group),
            errors=sum(not v.result.ok for v in group),
        )
        for (prompt, model), group in order.items()
    ]
