"""Ended cells built by hand, for tests of what is computed from results (matrix, comparison)."""

from __future__ import annotations

from workbench.domain import (
    Cell,
    CellError,
    CellResult,
    Cost,
    CostSource,
    Timings,
    TokensSource,
    Usage,
)


def ended(
    cell: Cell,
    output: str | None,
    *,
    latency: float = 100.0,
    cost: float | None = 0.01,
    error: str = "boom",
) -> CellResult:
    """A finished cell (10 tokens in, 5 out; TTFT a quarter of `latency`), or with `output`
    None a call that failed with `error`. `cost` None is a price nobody knows."""
    if output is None:
        return CellResult(
            cell, "", None, None, Cost(None, CostSource.USER), None, 1,
            CellError("server_error", error, True),
        )  # fmt: skip
    return CellResult(
        cell=cell,
        output=output,
        finish_reason="stop",
        usage=Usage(10, 5, TokensSource.REPORTED),
        cost=Cost(cost, CostSource.UNKNOWN if cost is None else CostSource.USER),
        timings=Timings(latency / 4, latency, latency / 2),
        attempts=1,
    )
