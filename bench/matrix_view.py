# ruff: noqa: TID253
"""How fast the matrix view shows and scrolls a 5,000-cell run.

Builds a past run of 5,000 judged cells (each output 2 KB of varied text, two checks each) in
two layouts, 1,000 cases x 5 columns and 250 cases x 20, loads it into a MatrixModel shown by a
MatrixPanel, then scrolls end to end by page steps (and by single steps near the top), forcing
a repaint at each step, and times the filters.

    .venv/bin/python -m bench.matrix_view
Targets: shown under 500 ms, longest scroll step under 50 ms.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import time
from collections.abc import Callable

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication, QScrollBar

from ui.matrix_model import MatrixModel
from ui.matrix_panel import MatrixPanel
from workbench.checks import Verdict
from workbench.domain import (
    Cell,
    CellResult,
    Cost,
    CostSource,
    Message,
    ModelSpec,
    PromptTemplate,
    Timings,
    TokensSource,
    Usage,
)
from workbench.evaluation import CellVerdict
from workbench.suite import Case, Check

OUTPUT_CHARS = 2048
WORDS = [
    *("the", "a", "model", "prompt", "answer", "because", "which", "river", "capital"),
    *("number", "seven", "quickly", "however", "output", "JSON", "field", "value", "Paris"),
    *("Rome", "Berlin", "lighthouse", "summary", "tokens", "latency", "careful", "therefore"),
    *("example", "detail", "between", "across", "under", "reasoning", "result", "final"),
]


class PaintCounter(QObject):
    """Counts paint events of the widgets it watches."""

    def __init__(self) -> None:
        super().__init__()
        self.paints = 0

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's API
        if event.type() == QEvent.Type.Paint:
            self.paints += 1
        return False


def varied_text(rng: random.Random, chars: int) -> str:
    words: list[str] = []
    size = 0
    while size < chars:
        word = rng.choice(WORDS)
        if rng.random() < 0.08:
            word += "."
        if rng.random() < 0.03:
            word += "\n"
        words.append(word)
        size += len(word) + 1
    return " ".join(words)[:chars]


def run_data(
    cases: int, prompts: int, models: int
) -> tuple[list[Cell], list[CellVerdict], list[Case]]:
    """A kept run: every cell ended, judged by a contains check and a regex."""
    rng = random.Random(cases * 1000 + prompts * 10 + models)
    prompt_list = [
        PromptTemplate(f"prompt-{p}", (Message("user", "Answer about {{topic}}."),))
        for p in range(prompts)
    ]
    model_list = [ModelSpec(f"model-{m}") for m in range(models)]
    checks = (Check("contains", "Paris"), Check("regex", r"\bseven\b"))
    case_list = [
        Case({"topic": f"topic {i}: {varied_text(rng, 60)}"}, description=f"case {i}")
        for i in range(cases)
    ]
    cells: list[Cell] = []
    verdicts: list[CellVerdict] = []
    for prompt in prompt_list:
        for case_index, case in enumerate(case_list):
            messages = (Message("user", f"Answer about {case.vars['topic']}."),)
            for model in model_list:
                cell = Cell(len(cells), prompt, model, case.vars, messages, 0, case_index)
                cells.append(cell)
                output = varied_text(rng, OUTPUT_CHARS)
                timings = Timings(rng.uniform(50, 400), rng.uniform(500, 4000), 100.0)
                usage = Usage(40, 500, TokensSource.REPORTED)
                result = CellResult(
                    cell, output, "stop", usage, Cost(0.0004, CostSource.PRICE_MAP), timings, 1
                )
                judged = tuple(
                    Verdict(check, passed := rng.random() < 0.7, float(passed), "by the bench")
                    for check in checks
                )
                verdicts.append(CellVerdict(result, case, case_index + 1, judged))
    return cells, verdicts, case_list


def process_until(app: QApplication, done: Callable[[], bool], limit_s: float = 10.0) -> None:
    deadline = time.perf_counter() + limit_s
    while not done() and time.perf_counter() < deadline:
        app.processEvents()


class Clock:
    """Wall-clock and this process's CPU time since it was made, in milliseconds.

    Targets are wall-clock; the CPU time beside them tells this code's cost apart from other
    programs' load on a shared machine.
    """

    def __init__(self) -> None:
        self._wall = time.perf_counter()
        self._cpu = time.process_time()

    def read(self) -> tuple[float, float]:
        return (
            (time.perf_counter() - self._wall) * 1000,
            (time.process_time() - self._cpu) * 1000,
        )


def scroll_steps(
    app: QApplication, panel: MatrixPanel, bar: QScrollBar, step: int, limit: int = 10_000
) -> list[tuple[float, float]]:
    """Times each step from one end towards the other, with a forced repaint of the matrix."""
    times: list[tuple[float, float]] = []
    bar.setValue(bar.minimum())
    app.processEvents()
    value = bar.minimum()
    while value < bar.maximum() and len(times) < limit:
        value = min(bar.maximum(), value + step)
        clock = Clock()
        bar.setValue(value)
        app.processEvents()
        panel.view.viewport().repaint()
        panel.summary.repaint()
        times.append(clock.read())
    return times


def report(name: str, times: list[tuple[float, float]]) -> None:
    if times:
        wall = [w for w, _ in times]
        cpu = [c for _, c in times]
        print(
            f"  {name}: {len(times)} steps, median {statistics.median(wall):.1f} ms, "
            f"longest stall {max(wall):.1f} ms (target < 50 ms); "
            f"CPU median {statistics.median(cpu):.1f} ms, longest {max(cpu):.1f} ms"
        )


def timed(app: QApplication, action: Callable[[], None]) -> str:
    clock = Clock()
    action()
    app.processEvents()
    wall, cpu = clock.read()
    return f"{wall:.1f} ms (CPU {cpu:.1f} ms)"


def bench_layout(app: QApplication, cases: int, prompts: int, models: int) -> None:
    cells, verdicts, case_list = run_data(cases, prompts, models)
    print(f"{cases:,} cases x {prompts * models} columns = {len(cells):,} cells")
    model = MatrixModel()
    panel = MatrixPanel(model)
    panel.resize(1600, 1000)
    panel.show()
    process_until(app, panel.isVisible)
    app.processEvents()
    counter = PaintCounter()
    panel.view.viewport().installEventFilter(counter)
    before = counter.paints

    clock = Clock()
    model.load(cells, verdicts, case_list, 1, {})
    loaded = clock.read()
    process_until(app, lambda: counter.paints > before)
    shown = clock.read()
    print(f"  model build (load, summaries included): {loaded[0]:.0f} ms (CPU {loaded[1]:.0f} ms)")
    print(f"  shown in {shown[0]:.0f} ms (target < 500 ms; CPU {shown[1]:.0f} ms)")

    vertical = panel.view.verticalScrollBar()
    report("vertical, page steps", scroll_steps(app, panel, vertical, vertical.pageStep()))
    single = scroll_steps(app, panel, vertical, vertical.singleStep(), limit=300)
    report("vertical, single steps (the first 300)", single)
    horizontal = panel.view.horizontalScrollBar()
    report("horizontal, page steps", scroll_steps(app, panel, horizontal, horizontal.pageStep()))
    report("horizontal, single steps", scroll_steps(app, panel, horizontal, 20))

    print(f"  filter 'failures only': {timed(app, lambda: panel.proxy.set_failures_only(True))}")
    print(f"    -> {panel.proxy.rowCount():,} of {model.rowCount():,} cases")
    panel.proxy.set_failures_only(False)
    first = timed(app, lambda: panel.proxy.set_search("lighthouse careful"))
    print(f"  search (first: builds each row's text): {first}")
    print(f"  search (again): {timed(app, lambda: panel.proxy.set_search('river capital'))}")
    print(f"    -> {panel.proxy.rowCount():,} of {model.rowCount():,} cases")
    panel.proxy.set_search("")
    panel.close()
    panel.deleteLater()
    app.processEvents()


def main() -> None:
    app = QApplication(sys.argv[:1])
    print(f"platform: {app.platformName()}")
    bench_layout(app, 1000, 1, 5)
    bench_layout(app, 250, 4, 5)


if __name__ == "__main__":
    main()
