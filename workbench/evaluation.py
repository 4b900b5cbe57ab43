"""Checks applied to a run's results: a verdict per cell, and pass rates per prompt x model.

A cell passes when its call succeeded and every supported check passes; checks of a type the
workbench cannot evaluate are left out and reported by name, never counted as passed.
"""

from __future__ import annotations

from collections.abc import Sequence
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
    verdicts: tuple[Verdict, ...]

    @property
    def passed(self) -> bool:
        return self.result.ok and all(v.passed for v in self.verdicts)

    @property
    def reasons(self) -> list[str]:
        """Why the cell failed, one line per failed check (or the call's error)."""
        if self.result.error is not None:
            return [f"the call failed: {self.result.error.message}"]
        return [f"{v.check.type}: {v.reason}" for v in self.verdicts if not v.passed]


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
        if not checks.is_supported(check.type) and check.type not in found:
            found.append(check.type)
    return found


def judge(result: CellResult, case: Case, case_number: int, suite: Suite) -> CellVerdict:
    applied = [c for c in (*suite.checks, *case.checks) if checks.is_supported(c.type)]
    if not result.ok:
        return CellVerdict(result, case, case_number, ())
    observed = Observed(
        output=result.output,
        latency_ms=result.timings.latency_ms if result.timings else None,
        cost_usd=result.cost.usd,
    )
    variables = dict(result.cell.variables)
    verdicts = tuple(checks.evaluate(check, observed, variables) for check in applied)
    return CellVerdict(result, case, case_number, verdicts)


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
