"""How figures read in the window: costs, durations, token counts and a cell's footer.

One place, so a cost or an estimated count looks the same in the editor, the grid and the
status bar. Estimated token counts carry a "~" and say so in the tooltip. A local server's model
load time shows apart from the time to first token (which it would otherwise swell), and the
prefill and decode speeds the server measured itself are marked as the server's.
"""

from __future__ import annotations

from workbench.domain import CellResult, CostSource, ServerTimings, TokensSource


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


def seconds(ms: float) -> str:
    """A short span such as a model load or a warm-up: "0.8 s", "2.1 s" (under 0.1 s in ms)."""
    return f"{ms:.0f} ms" if ms < 100 else f"{ms / 1000:,.1f} s"


def rate(tokens_per_s: float) -> str:
    return f"{tokens_per_s:,.0f}" if tokens_per_s >= 100 else f"{tokens_per_s:.1f}"


def server_speeds(server: ServerTimings | None) -> str:
    """The server's own prefill and decode speeds, e.g. "prefill 512 tok/s · decode 38.2 tok/s
    (server)"; "" when it reported neither."""
    if server is None:
        return ""
    parts = []
    if (prefill := server.prefill_tokens_per_s) is not None:
        parts.append(f"prefill {rate(prefill)} tok/s")
    if (decode := server.decode_tokens_per_s) is not None:
        parts.append(f"decode {rate(decode)} tok/s")
    return f"{' · '.join(parts)} (server)" if parts else ""


def _cost(result: CellResult) -> str:
    cost, hourly = result.cost, result.cell.model.hourly_usd
    if cost.source is CostSource.LOCAL_HOURLY and cost.usd is not None and hourly is not None:
        return f"{usd(cost.usd)} (local {usd(hourly)}/h)"
    return usd(cost.usd, cost.source)


def footer(result: CellResult) -> str:
    """The readouts under a finished cell: tokens, cost, load, TTFT, latency, speeds."""
    parts: list[str] = []
    usage = result.usage
    if usage is not None:
        mark = "~" if usage.source is TokensSource.ESTIMATED else ""
        parts.append(f"in {mark}{usage.input_tokens:,} · out {mark}{usage.output_tokens:,}")
    parts.append(_cost(result))
    timings = result.timings
    if timings is not None:
        if timings.load_ms is not None:
            parts.append(f"load {seconds(timings.load_ms)}")
        parts.append(f"TTFT {duration(timings.ttft_ms)}")
        parts.append(duration(timings.latency_ms))
    speed = result.output_tokens_per_s
    if speed is not None:
        parts.append(f"{speed:,.0f} tok/s")
    if timings is not None and (server := server_speeds(timings.server)):
        parts.append(server)
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
    lines.append(f"Cost: {usd(result.cost.usd, result.cost.source)} ({_cost_source(result)})")
    timings = result.timings
    if timings is not None:
        if timings.load_ms is not None:
            lines.append(
                f"Model load {seconds(timings.load_ms)}, as the server reported it "
                "(not counted in the time to first token)"
            )
        lines.append(
            f"Time to first token {duration(timings.ttft_ms)}, total "
            f"{duration(timings.latency_ms)} (measured here)"
        )
        lines.extend(_server_lines(timings.server))
    if result.finish_reason:
        lines.append(f"Finish reason: {result.finish_reason}")
    return "\n".join(lines)


def _cost_source(result: CellResult) -> str:
    """Where the cost came from; a local hourly cost shows its sum ("$1.80 per hour × 2.00 s")."""
    source, hourly, timings = result.cost.source, result.cell.model.hourly_usd, result.timings
    if source is CostSource.LOCAL_HOURLY and hourly is not None and timings is not None:
        return f"{source.value}: {usd(hourly)} per hour × {duration(timings.latency_ms)}"
    return source.value


def _server_lines(server: ServerTimings | None) -> list[str]:
    """How fast the server read the prompt and wrote the answer, by its own clock."""
    if server is None:
        return []
    lines = []
    for what, count, ms, speed in (
        ("Prefill", server.prompt_tokens, server.prompt_ms, server.prefill_tokens_per_s),
        ("Decode", server.decode_tokens, server.decode_ms, server.decode_tokens_per_s),
    ):
        if speed is not None and count is not None and ms is not None:
            lines.append(
                f"{what} {rate(speed)} tok/s ({count:,} tokens in {duration(ms)}, "
                "as the server measured)"
            )
    return lines
