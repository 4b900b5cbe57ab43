"""A run as one self-contained HTML page: summary, significance, charts, and every output.

The page is a file people mail around and open offline, so it carries everything inline (CSS and
SVG charts) and loads nothing: a Content-Security-Policy forbids any fetch even if a browser
found something to fetch. Outputs and names are whatever models and users wrote, so every text
is escaped. "Failing cases only" is a checkbox and one CSS rule (`:has`): no script at all.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from workbench.charts import CHART_TITLES, SVG_NAMESPACE, charts_of, escape
from workbench.evaluation import CellVerdict
from workbench.matrix import ColumnSummary, Matrix, MatrixCell, paired_outcomes
from workbench.ratings import Mark
from workbench.stats import paired_difference
from workbench.suite import Case

_LONG_TEXT = 400  # characters; longer outputs and values fold into <details>
_LONG_LINES = 8
_PREVIEW = 120

_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif;
  font-size: 15px; line-height: 1.45; color: #222; margin: 2rem auto; max-width: 80rem;
  padding: 0 1rem; }
h1 { font-size: 1.6rem; margin-bottom: 0.2rem; }
h2 { font-size: 1.25rem; margin-top: 2rem; border-bottom: 1px solid #ddd; }
.meta { color: #555; }
table { border-collapse: collapse; margin: 0.5rem 0; }
th, td { border: 1px solid #ccc; padding: 0.35rem 0.5rem; vertical-align: top; text-align: left; }
th { background: #f3f3f3; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
pre { white-space: pre-wrap; word-break: break-word; margin: 0.2rem 0; max-width: 40rem;
  font-size: 13px; }
.outcome { font-weight: bold; padding: 0 0.4rem; border-radius: 3px; }
.outcome.pass { background: #d5efe6; color: #00573f; }
.outcome.fail { background: #f6dccd; color: #8a3300; }
.outcome.mixed { background: #fbecc7; color: #6b4a00; }
.significant { font-weight: bold; }
.reasons { color: #8a3300; margin: 0.2rem 0; padding-left: 1.2rem; }
.error { color: #8a3300; }
.mark { color: #444; }
figure { margin: 1rem 0; }
figure svg { max-width: 100%; height: auto; }
dl { margin: 0; } dt { font-weight: bold; } dd { margin: 0 0 0.3rem 0.8rem; }
body:has(#failures-only:checked) tr.passing { display: none; }
"""


def render_report(
    matrix: Matrix,
    marks: Mapping[int, Mark] | None,
    cases: Sequence[Case] | None,
    title: str,
    generated_at: str,
) -> str:
    """The whole page. `marks` by cell index, `cases` by case index (both may be absent)."""
    trials = sum(s.trials for s in matrix.summaries)
    body = [
        f"<h1>{escape(title)}</h1>",
        (
            f'<p class="meta">Generated {escape(generated_at)} · {len(matrix.rows)} cases · '
            f"{len(matrix.columns)} columns (prompt × model) · {trials} trials</p>"
        ),
        "<h2>Summary</h2>",
        summary_table(matrix.summaries),
        "<h2>Is the best column really better?</h2>",
        significance(matrix),
        "<h2>Charts</h2>",
        *_figures(matrix),
        "<h2>Every case</h2>",
        '<p><label><input type="checkbox" id="failures-only"> Show failing cases only</label></p>',
        _matrix_table(matrix, marks or {}, cases),
    ]
    policy = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
    head = (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{policy}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
    )
    return head + "\n".join(body) + "\n</body>\n</html>\n"


# --- figures ------------------------------------------------------------------------------------


def percent(rate: float) -> str:
    return f"{rate * 100:.0f}%"


def money(usd: float | None) -> str:
    """Three significant figures at most, never in e-notation: $0.0234, $1.50, $0.000123."""
    if usd is None:
        return "unknown"
    if usd <= 0:
        return "$0.00"
    text = f"{usd:,.{max(2, 2 - math.floor(math.log10(usd)))}f}"
    whole, cents = text.split(".")
    return f"${whole}.{cents[:2]}{cents[2:].rstrip('0')}"


def _ms(value: float | None) -> str:
    return "—" if value is None else f"{value:,.0f} ms"


def summary_cells(summary: ColumnSummary) -> list[str]:
    """The summary row's figures as the table shows them (plain text, not escaped yet)."""
    rate = summary.pass_rate
    low, high = summary.interval
    tokens = f"{summary.input_tokens:,} / {summary.output_tokens:,}"
    return [
        summary.column.label,
        str(summary.trials),
        str(summary.passed),
        "—" if rate is None else f"{percent(rate)} ({percent(low)}–{percent(high)})",
        str(summary.errors),
        "—" if summary.mean_score is None else f"{summary.mean_score:.2f}",
        _ms(summary.median_latency_ms),
        _ms(summary.median_ttft_ms),
        f"≈ {tokens}" if summary.tokens_estimated else tokens,
        money(summary.cost_usd),
    ]


SUMMARY_HEADERS = (
    "Column",
    "Trials",
    "Passed",
    "Pass rate (95% interval)",
    "Errors",
    "Mean score",
    "Median latency",
    "Median TTFT",
    "Tokens in / out",
    "Cost",
)


def summary_table(summaries: Sequence[ColumnSummary]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in SUMMARY_HEADERS)
    rows = []
    for summary in summaries:
        label, *figures = summary_cells(summary)
        cells = "".join(f'<td class="num">{escape(f)}</td>' for f in figures)
        rows.append(f"<tr><th>{escape(label)}</th>{cells}</tr>")
    note = (
        '<p class="meta">≈ marks token counts estimated with tiktoken where a provider reported '
        "none. A cost is unknown when any call's price is; it is never guessed.</p>"
    )
    return f'<table class="summary"><tr>{head}</tr>\n' + "\n".join(rows) + "</table>\n" + note


def significance(matrix: Matrix) -> str:
    """The best column against each other one: an exact paired test over the shared cases."""
    ended = [s for s in matrix.summaries if s.trials]
    if len(ended) < 2:
        return "<p>Fewer than two columns have results: nothing to compare yet.</p>"
    best = max(ended, key=lambda s: s.pass_rate or 0.0)  # the first of equals, in plan order
    lines = []
    for other in ended:
        if other is best:
            continue
        pairs = paired_outcomes(matrix, best.column, other.column)
        if not pairs:
            text, marked = (
                (f"{best.column.label} and {other.column.label} share no ended case."),
                "",
            )
        else:
            difference = paired_difference(pairs)
            text = difference.sentence(best.column.label, other.column.label)
            marked = ' class="significant"' if difference.significant else ""
        lines.append(f"<li{marked}>{escape(text)}</li>")
    return (
        f"<p>Best pass rate: <strong>{escape(best.column.label)}</strong>. Each line pairs the "
        "same case and repeat under both columns (exact McNemar test).</p>\n"
        f'<ul class="significance">{"".join(lines)}</ul>'
    )


def _figures(matrix: Matrix) -> list[str]:
    # Inline SVG in HTML needs no namespace; dropping it keeps every URL out of the page.
    namespace = f' xmlns="{SVG_NAMESPACE}"'
    return [
        f"<figure><figcaption>{escape(CHART_TITLES[name])}</figcaption>\n"
        f"{svg.replace(namespace, '', 1)}</figure>"
        for name, svg in charts_of(matrix).items()
    ]


# --- the matrix ---------------------------------------------------------------------------------


def _long(text: str) -> bool:
    return len(text) > _LONG_TEXT or text.count("\n") >= _LONG_LINES


def _folded(text: str, css: str = "") -> str:
    """Text in <pre>, folded into <details> (its first line as the summary) when long."""
    pre = f"<pre{css}>{escape(text)}</pre>"
    if not _long(text):
        return pre
    first = text.strip().split("\n", 1)[0][:_PREVIEW]
    return f"<details><summary>{escape(first)}… ({len(text):,} characters)</summary>{pre}</details>"


def _case_of(matrix: Matrix, row: int, cases: Sequence[Case] | None) -> Case | None:
    if cases is not None and 0 <= row < len(cases):
        return cases[row]
    ended = (matrix.cell(row, c).trials for c in matrix.columns)
    return next((trials[0].case for trials in ended if trials), None)


def _case_cell(row: int, case: Case | None) -> str:
    parts = [f"<th>#{row + 1}"]
    if case is not None and case.description:
        parts.append(f"<br>{escape(case.description)}")
    parts.append("</th><td>")
    if case is not None and case.vars:
        items = "".join(
            f"<dt>{escape(name)}</dt><dd>{_folded(value)}</dd>" for name, value in case.vars.items()
        )
        parts.append(f"<dl>{items}</dl>")
    parts.append("</td>")
    return "".join(parts)


def _mark_text(mark: Mark) -> str:
    bits = []
    if mark.rating is not None:
        bits.append("👍" if mark.rating > 0 else "👎")
    if mark.score is not None:
        bits.append(f"score {mark.score}/5")
    if mark.note:
        bits.append(f"note: {mark.note}")
    return " · ".join(bits)


def _trial(trial: CellVerdict, mark: Mark | None, repeats: int) -> str:
    result = trial.result
    parts = [f"<p>repeat {result.cell.repeat + 1}</p>"] if repeats > 1 else []
    if result.error is not None:
        parts.append(f'<p class="error">{escape(f"call failed: {result.error.message}")}</p>')
    else:
        parts.append(_folded(result.output, ' class="output"'))
    reasons = trial.reasons if result.error is None else []
    if reasons:
        parts.append(
            '<ul class="reasons">' + "".join(f"<li>{escape(r)}</li>" for r in reasons) + "</ul>"
        )
    if mark is not None and (text := _mark_text(mark)):
        parts.append(f'<p class="mark">{escape(text)}</p>')
    return "".join(parts)


def _outcome(cell: MatrixCell) -> str:
    if not cell.trials:
        return '<span class="meta">not run</span>'
    label = {"pass": "pass", "fail": "fail", "mixed": "mixed"}[cell.outcome]
    count = f" {cell.passed}/{len(cell.trials)}" if len(cell.trials) > 1 else ""
    return f'<span class="outcome {label}">{label}{count}</span>'


def _matrix_table(matrix: Matrix, marks: Mapping[int, Mark], cases: Sequence[Case] | None) -> str:
    head = "".join(f"<th>{escape(column.label)}</th>" for column in matrix.columns)
    rows = [f'<table class="matrix"><tr><th>Case</th><th>Variables</th>{head}</tr>']
    for row in matrix.rows:
        state = "failing" if matrix.failing(row) else "passing"
        cells = []
        for column in matrix.columns:
            cell = matrix.cell(row, column)
            trials = "".join(
                _trial(t, marks.get(t.result.cell.index), len(cell.trials)) for t in cell.trials
            )
            cells.append(f"<td>{_outcome(cell)}{trials}</td>")
        case_cell = _case_cell(row, _case_of(matrix, row, cases))
        rows.append(f'<tr class="{state}">{case_cell}{"".join(cells)}</tr>')
    rows.append("</table>")
    return "\n".join(rows)
