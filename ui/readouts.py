"""How figures read in the window: costs, durations, token counts and a cell's footer.

One place, so a cost or an estimated count looks the same in the editor, the grid and the
status bar. Estimated token counts carry a "~" and say so in the tooltip.
"""

from __future__ import annotations

from workbench.domain import CellResult, CostSource, TokensSource


def usd(value: float | None, source: CostSource | None = None) -> str:
    if source is CostSource.LOCAL:
        return "free (local)"
    if source is CostSource.CACHED:
        return "$0 (cached)"
    if value is None:
        return "cost unknown"
    if value == 0:
        return "$0"
    if value < 0.0001:
        return f"${value:.6f}"
    if value < 1:
        return f"${value:.4f}"
    return f"${value:,.2f}"


def duration(ms: float | None) -> str:
    if ms is None:
        return "–"
    return f"{ms:.0f} ms" if ms < 1000 else f"{ms / 1000:.2f} s"


def footer(result: CellResult) -> str:
    """The readouts under a finished cell: tokens, cost, TTFT, latency, speed."""
    parts: list[str] = []
    usage = result.usage
    if usage is not None:
        mark = "~" if usage.source is TokensSource.ESTIMATED else ""
        parts.append(f"in {mark}{usage.input_tokens:,} · out {mark}{usage.output_tokens:,}")
    parts.append(usd(result.cost.usd, result.cost.source))
    timings = result.timings
    if timings is not None:
        parts.append(f"TTFT {duration(timings.ttft_ms)}")
        parts.append(duration(timings.latency_ms))
    speed = result.output_tokens_per_s
    if speed is not None:
        parts.append(f"{speed:,.0f} tok/s")
    if result.cached:
        parts.append("cached")
    if result.attempts > 1:
        parts.append(f"{result.attempts} attempts")
    return " · ".join(parts)


def footer_details(result: CellResult) -> str:
    """The footer's tooltip: where each figure came from."""
    lines: list[str] = []
    usage = result.usage
    if usage is not None:
        how = (
            "estimated with tiktoken (the server reported none)"
            if usage.source is TokensSource.ESTIMATED
            else "as reported by the server"
        )
        lines.append(f"Tokens: {usage.input_tokens:,} in, {usage.output_tokens:,} out, {how}")
    lines.append(f"Cost: {usd(result.cost.usd, result.cost.source)} ({result.cost.source.value})")
    if result.timings is not None:
        lines.append(
            f"Time to first token {duration(result.timings.ttft_ms)}, total "
            f"{duration(result.timings.latency_ms)}"
        )
    if result.finish_reason:
        lines.append(f"Finish reason: {result.finish_reason}")
    return "\n".join(lines)
