"""A run's charts as SVG text: pass rates, latency and cost per model, cost against quality.

Pure Python with no plotting library, so the core, the HTML report and the window draw the same
picture, and the same matrix always gives the same bytes (jitter comes from a fixed sequence, not
a random generator). Colours are Okabe-Ito's palette, told apart with any colour vision; every
text is escaped, because prompt and model names are whatever the user typed.
"""

from __future__ import annotations

import html
import math
import re
import statistics
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from workbench.domain import CellResult
from workbench.matrix import ColumnSummary, Matrix

SVG_NAMESPACE = "http://www.w3.org/2000/svg"
CHART_TITLES = {
    "pass_rate": "Pass rate",
    "latency": "Latency",
    "cost": "Cost per call",
    "cost_quality": "Cost and quality",
}
NO_DATA = "no data yet"

PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#CC79A7", "#F0E442", "#000000")
_FONT = "system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif"
_INK = "#222222"
_GRID = "#DDDDDD"
_GOLDEN = 0.6180339887498949  # successive multiples modulo 1 spread evenly: a fixed jitter
_LABEL_LIMIT = 28

# The frame every chart shares: the plot area runs from PLOT_TOP to PLOT_BOTTOM.
HEIGHT = 420
PLOT_TOP = 50.0
PLOT_BOTTOM = 290.0
PLOT_LEFT = 80.0
_RIGHT = 24.0
_MIN_WIDTH = 640.0
_SLOT = 96.0  # horizontal room per bar or box before the chart widens

# Characters XML 1.0 cannot hold even escaped (a model name may carry an escape code).
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def escape(text: str) -> str:
    """Text as XML content or a quoted attribute value."""
    return html.escape(_NOT_XML.sub("\ufffd", text), quote=True)


def _n(value: float) -> str:
    """A coordinate, rounded so output is stable and short."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _short(label: str) -> str:
    """A label cut in the middle: "prompt × model" keeps the model, which ends it."""
    if len(label) <= _LABEL_LIMIT:
        return label
    head = (_LABEL_LIMIT - 1) // 2
    return label[:head] + "…" + label[-(_LABEL_LIMIT - 1 - head) :]


class _Canvas:
    """Collects SVG elements; `text()` escapes, numbers go through `_n`."""

    def __init__(self, width: float, title: str) -> None:
        self.width = width
        self.height = float(HEIGHT)
        self.title = title
        self.parts: list[str] = []

    def add(self, element: str) -> None:
        self.parts.append(element)

    def line(
        self, x1: float, y1: float, x2: float, y2: float, *, stroke: str = _INK, width: float = 1
    ) -> None:
        self.add(
            f'<line x1="{_n(x1)}" y1="{_n(y1)}" x2="{_n(x2)}" y2="{_n(y2)}" '
            f'stroke="{stroke}" stroke-width="{_n(width)}"/>'
        )

    def text(
        self, x: float, y: float, content: str, *, anchor: str = "middle", size: int = 12,
        extra: str = "",
    ) -> None:  # fmt: skip
        self.add(
            f'<text x="{_n(x)}" y="{_n(y)}" font-size="{size}" text-anchor="{anchor}" '
            f'fill="{_INK}"{extra}>{escape(content)}</text>'
        )

    def note(self, text: str) -> None:
        """Lines under everything else; the chart grows to hold them."""
        for line in textwrap.wrap(text, width=int(self.width / 6.5)):
            self.height += 16
            self.text(PLOT_LEFT, self.height - 4, line, anchor="start", size=11)

    def svg(self) -> str:
        width, height = _n(self.width), _n(self.height)
        head = (
            f'<svg xmlns="{SVG_NAMESPACE}" viewBox="0 0 {width} {height}" width="{width}" '
            f'height="{height}" font-family="{_FONT}" role="img">'
        )
        body = "\n".join(
            [
                f"<title>{escape(self.title)}</title>",
                f'<rect x="0" y="0" width="{width}" height="{height}" fill="#FFFFFF"/>',
                *self.parts,
            ]
        )
        return f"{head}\n{body}\n</svg>\n"


def _canvas(title: str, slots: int = 0) -> _Canvas:
    canvas = _Canvas(max(_MIN_WIDTH, PLOT_LEFT + _RIGHT + _SLOT * slots), title)
    canvas.text(PLOT_LEFT, 24, title, anchor="start", size=16, extra=' font-weight="bold"')
    return canvas


def _empty(title: str) -> str:
    canvas = _canvas(title)
    canvas.text(canvas.width / 2, (PLOT_TOP + PLOT_BOTTOM) / 2, NO_DATA, size=16)
    return canvas.svg()


def nice_ticks(maximum: float, count: int = 5) -> list[float]:
    """Ticks from 0 in steps of 1, 2, 2.5 or 5 x 10^k, the last at or above `maximum`."""
    if maximum <= 0 or not math.isfinite(maximum):
        maximum = 1.0
    raw = maximum / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw * (1 - 1e-9))
    steps = math.ceil(maximum / step - 1e-9)
    return [round(i * step, 12) for i in range(steps + 1)]


def _decimals(ticks: Sequence[float]) -> int:
    """Decimal places that show every tick exactly (a step of 0.25 needs two)."""
    step = ticks[1] - ticks[0] if len(ticks) > 1 else 1.0
    exponent = math.floor(math.log10(step) + 1e-9)
    mantissa = round(step / 10**exponent, 6)
    return max(0, -exponent + (0 if mantissa.is_integer() else 1))


@dataclass(frozen=True, slots=True)
class _Scale:
    """Data values 0..top onto the plot's vertical extent."""

    top: float

    def y(self, value: float) -> float:
        return PLOT_BOTTOM - (PLOT_BOTTOM - PLOT_TOP) * (value / self.top)


def _y_axis(
    canvas: _Canvas, ticks: Sequence[float], label: str, fmt: Callable[[float], str]
) -> _Scale:
    scale = _Scale(ticks[-1])
    for tick in ticks:
        y = scale.y(tick)
        canvas.line(PLOT_LEFT, y, canvas.width - _RIGHT, y, stroke=_GRID)
        canvas.line(PLOT_LEFT - 5, y, PLOT_LEFT, y)
        canvas.text(PLOT_LEFT - 8, y + 4, fmt(tick), anchor="end")
    canvas.line(PLOT_LEFT, PLOT_TOP, PLOT_LEFT, PLOT_BOTTOM)
    centre = (PLOT_TOP + PLOT_BOTTOM) / 2
    canvas.text(18, centre, label, extra=f' transform="rotate(-90 18 {_n(centre)})"')
    return scale


def _x_axis(canvas: _Canvas, labels: Sequence[str], label: str) -> list[float]:
    """Category labels under the plot (slanted, shortened; the full text as a tooltip)."""
    slot = (canvas.width - PLOT_LEFT - _RIGHT) / len(labels)
    centres = [PLOT_LEFT + slot * (i + 0.5) for i in range(len(labels))]
    canvas.line(PLOT_LEFT, PLOT_BOTTOM, canvas.width - _RIGHT, PLOT_BOTTOM)
    for centre, name in zip(centres, labels, strict=True):
        y = PLOT_BOTTOM + 16
        canvas.add(f"<g><title>{escape(name)}</title>")
        canvas.text(
            centre, y, _short(name), anchor="end",
            extra=f' class="category" transform="rotate(-30 {_n(centre)} {_n(y)})"',
        )  # fmt: skip
        canvas.add("</g>")
    canvas.text((PLOT_LEFT + canvas.width - _RIGHT) / 2, HEIGHT - 14, label)
    return centres


def _percent(value: float) -> str:
    return f"{value * 100:.0f}%"


def pass_rate_chart(summaries: Sequence[ColumnSummary]) -> str:
    """A bar per column (pass rate of its trials) with the Wilson 95% interval as an error bar."""
    title = CHART_TITLES["pass_rate"]
    if not any(s.trials for s in summaries):
        return _empty(title)
    canvas = _canvas(title, len(summaries))
    scale = _y_axis(canvas, [0, 0.2, 0.4, 0.6, 0.8, 1.0], "trials passed", _percent)
    centres = _x_axis(canvas, [s.column.label for s in summaries], "prompt × model")
    bar = min(64.0, (centres[1] - centres[0]) * 0.6 if len(centres) > 1 else 64.0)
    for centre, summary in zip(centres, summaries, strict=True):
        rate = summary.pass_rate
        if rate is None:
            canvas.text(centre, PLOT_BOTTOM - 8, "no trials", size=11)
            continue
        top = scale.y(rate)
        canvas.add(
            f'<rect class="bar" x="{_n(centre - bar / 2)}" y="{_n(top)}" width="{_n(bar)}" '
            f'height="{_n(PLOT_BOTTOM - top)}" fill="{PALETTE[0]}"/>'
        )
        low, high = (scale.y(v) for v in summary.interval)
        canvas.line(centre, low, centre, high, width=1.5)
        for end in (low, high):
            canvas.line(centre - 8, end, centre + 8, end, width=1.5)
        canvas.text(centre, high - 6, f"{_percent(rate)} ({summary.passed}/{summary.trials})")
    canvas.text(canvas.width - _RIGHT, 22, "error bars: Wilson 95% interval", anchor="end", size=11)
    return canvas.svg()


def _per_model(
    matrix: Matrix, value: Callable[[CellResult], float | None]
) -> tuple[dict[str, list[float]], list[str]]:
    """Each model's values over its successful calls, and the models with a call valued None."""
    values: dict[str, list[float]] = {}
    unknown: list[str] = []
    for column in matrix.columns:
        values.setdefault(column.model, [])
        for row in matrix.rows:
            for trial in matrix.cell(row, column).trials:
                if not trial.result.ok:
                    continue
                figure = value(trial.result)
                if figure is None:
                    if column.model not in unknown:
                        unknown.append(column.model)
                else:
                    values[column.model].append(figure)
    return values, unknown


def _box_chart(
    title: str,
    groups: dict[str, list[float]],
    axis: str,
    unit: Callable[[float, int], str],
    note: str,
) -> str:
    """Per group: quartile box, median, min-max whiskers, and every value as a jittered dot."""
    if not any(groups.values()):
        return _empty(title)
    canvas = _canvas(title, len(groups))
    ticks = nice_ticks(max(v for values in groups.values() for v in values))
    decimals = _decimals(ticks)
    scale = _y_axis(canvas, ticks, axis, lambda v: unit(v, decimals))
    centres = _x_axis(canvas, list(groups), "model")
    width = min(56.0, (centres[1] - centres[0]) * 0.5 if len(centres) > 1 else 56.0)
    for index, (centre, values) in enumerate(zip(centres, groups.values(), strict=True)):
        colour = PALETTE[index % len(PALETTE)]
        if not values:
            canvas.text(centre, PLOT_BOTTOM - 8, "no values", size=11)
            continue
        q1, median, q3 = (
            statistics.quantiles(values, n=4, method="inclusive")
            if len(values) > 1
            else [values[0]] * 3
        )
        left = centre - width / 2
        canvas.line(centre, scale.y(min(values)), centre, scale.y(q1))
        canvas.line(centre, scale.y(q3), centre, scale.y(max(values)))
        for end in (min(values), max(values)):
            canvas.line(centre - width / 4, scale.y(end), centre + width / 4, scale.y(end))
        canvas.add(
            f'<rect class="box" x="{_n(left)}" y="{_n(scale.y(q3))}" width="{_n(width)}" '
            f'height="{_n(scale.y(q1) - scale.y(q3))}" fill="{colour}" fill-opacity="0.25" '
            f'stroke="{colour}" stroke-width="1.5"/>'
        )
        canvas.line(left, scale.y(median), left + width, scale.y(median), width=2.5)
        for i, value in enumerate(values):
            x = centre + ((i * _GOLDEN) % 1 - 0.5) * width * 0.8
            canvas.add(
                f'<circle class="point" cx="{_n(x)}" cy="{_n(scale.y(value))}" r="3" '
                f'fill="{colour}" fill-opacity="0.7" stroke="{_INK}" stroke-width="0.5"/>'
            )
    canvas.text(
        canvas.width - _RIGHT, 40,
        "box: quartiles and median · whiskers: min to max · dots: each successful call",
        anchor="end", size=11,
    )  # fmt: skip
    if note:
        canvas.note(note)
    return canvas.svg()


def latency_chart(matrix: Matrix) -> str:
    """Latency (request to last byte) of every successful call, per model."""
    groups, _ = _per_model(matrix, lambda r: r.timings.latency_ms if r.timings else None)
    return _box_chart(
        CHART_TITLES["latency"], groups, "latency (ms)", lambda v, d: f"{v:,.{d}f}", ""
    )


def cost_chart(matrix: Matrix) -> str:
    """Cost of every successful call, per model; calls of unknown cost named, never drawn at 0."""
    groups, unknown = _per_model(matrix, lambda r: r.cost.usd)
    note = f"Calls of unknown cost, not drawn: {', '.join(unknown)}." if unknown else ""
    return _box_chart(
        CHART_TITLES["cost"], groups, "cost per call (USD)", lambda v, d: f"${v:.{d}f}", note
    )


def cost_quality_chart(summaries: Sequence[ColumnSummary]) -> str:
    """A point per column: total cost of its calls (x) against its pass rate (y)."""
    title = CHART_TITLES["cost_quality"]
    drawn = [s for s in summaries if s.trials and s.cost_usd is not None]
    if not drawn:
        return _empty(title) if not any(s.trials for s in summaries) else _unknown_only(summaries)
    canvas = _canvas(title)
    scale = _y_axis(canvas, [0, 0.2, 0.4, 0.6, 0.8, 1.0], "trials passed", _percent)
    ticks = nice_ticks(max(s.cost_usd or 0.0 for s in drawn))
    decimals = _decimals(ticks)
    right = canvas.width - _RIGHT

    def x_of(cost: float) -> float:
        return PLOT_LEFT + (right - PLOT_LEFT) * cost / ticks[-1]

    canvas.line(PLOT_LEFT, PLOT_BOTTOM, right, PLOT_BOTTOM)
    for tick in ticks:
        canvas.line(x_of(tick), PLOT_BOTTOM, x_of(tick), PLOT_BOTTOM + 5)
        canvas.text(x_of(tick), PLOT_BOTTOM + 18, f"${tick:.{decimals}f}")
    canvas.text((PLOT_LEFT + right) / 2, PLOT_BOTTOM + 40, "total cost of the column's calls (USD)")
    for index, summary in enumerate(summaries):
        if not summary.trials or summary.cost_usd is None:
            continue
        x, y = x_of(summary.cost_usd), scale.y(summary.pass_rate or 0.0)
        canvas.add(f"<g><title>{escape(summary.column.label)}</title>")
        canvas.add(
            f'<circle class="point" cx="{_n(x)}" cy="{_n(y)}" r="5" '
            f'fill="{PALETTE[index % len(PALETTE)]}" stroke="{_INK}" stroke-width="0.75"/>'
        )
        flip = x > (PLOT_LEFT + right) / 2  # labels on the right half read leftwards
        canvas.text(
            x - 8 if flip else x + 8, y - 6, _short(summary.column.label),
            anchor="end" if flip else "start", size=11,
        )  # fmt: skip
        canvas.add("</g>")
    _left_out_note(canvas, summaries)
    return canvas.svg()


def _unknown_only(summaries: Sequence[ColumnSummary]) -> str:
    canvas = _canvas(CHART_TITLES["cost_quality"])
    canvas.text(canvas.width / 2, (PLOT_TOP + PLOT_BOTTOM) / 2, "no column has a known cost")
    _left_out_note(canvas, summaries)
    return canvas.svg()


def _left_out_note(canvas: _Canvas, summaries: Sequence[ColumnSummary]) -> None:
    unknown = [s.column.label for s in summaries if s.trials and s.cost_usd is None]
    if unknown:
        canvas.note(f"Cost unknown, not drawn: {', '.join(unknown)}.")


def charts_of(matrix: Matrix) -> dict[str, str]:
    """Every chart of a matrix, keyed as `CHART_TITLES`."""
    return {
        "pass_rate": pass_rate_chart(matrix.summaries),
        "latency": latency_chart(matrix),
        "cost": cost_chart(matrix),
        "cost_quality": cost_quality_chart(matrix.summaries),
    }
