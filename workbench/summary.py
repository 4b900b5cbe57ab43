"""Figures per prompt x model over a run's results: what the summary table shows."""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass

from workbench.domain import CellResult, CostSource, TokensSource


@dataclass(frozen=True, slots=True)
class GroupSummary:
    prompt: str
    model: str
    cells: int
    failures: int
    median_ttft_ms: float | None
    median_latency_ms: float | None
    median_tokens_per_s: float | None
    input_tokens: int
    output_tokens: int
    tokens_estimated: bool
    cost_usd: float | None
    cost_sources: tuple[str, ...]


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def summarise(results: Iterable[CellResult]) -> list[GroupSummary]:
    """One summary per (prompt, model), in the order each pair first appears in the plan."""
    groups: dict[tuple[str, str], list[CellResult]] = {}
    for result in sorted(results, key=lambda r: r.cell.index):
        groups.setdefault((result.cell.prompt.name, result.cell.model.name), []).append(result)
    return [_summary(prompt, model, items) for (prompt, model), items in groups.items()]


def _summary(prompt: str, model: str, items: list[CellResult]) -> GroupSummary:
    ok = [r for r in items if r.ok]
    usages = [r.usage for r in ok if r.usage is not None]
    costs = [r.cost for r in ok]
    known = [c.usd for c in costs if c.usd is not None]
    return GroupSummary(
        prompt=prompt,
        model=model,
        cells=len(items),
        failures=len(items) - len(ok),
        median_ttft_ms=_median([r.timings.ttft_ms for r in ok if r.timings and r.timings.ttft_ms]),
        median_latency_ms=_median([r.timings.latency_ms for r in ok if r.timings]),
        median_tokens_per_s=_median(
            [tps for r in ok if (tps := r.output_tokens_per_s) is not None]
        ),
        input_tokens=sum(u.input_tokens for u in usages),
        output_tokens=sum(u.output_tokens for u in usages),
        tokens_estimated=any(u.source is TokensSource.ESTIMATED for u in usages),
        # A total that includes a cell of unknown price is not a total: say unknown.
        cost_usd=sum(known) if known and len(known) == len(costs) else None,
        cost_sources=tuple(
            sorted({c.source.value for c in costs if c.source != CostSource.UNKNOWN})
        )
        or (("unknown",) if costs else ()),
    )
