"""The matrix view on a small hand-made run: 2 prompts x 2 models x 3 cases x 2 repeats.

Columns, in plan order: prompt-a × m1, prompt-a × m2, prompt-b × m1, prompt-b × m2. Each case
has one "contains" check. What every trial gives (pass P, fail F, call failed E):

    case 1 (France)   all P "Paris", but prompt-b × m2 says "Paris, France"  -> differs
    case 2 (Italy)    a×m1 P P, a×m2 P F ("Milan"), b×m1 F F, b×m2 P P        -> fails, differs
    case 3 (Germany)  every trial F "Bonn", a×m1's first repeat E             -> fails

Pass counts per column (of 6 trials): a×m1 4, a×m2 3, b×m1 2, b×m2 4. Wilson 95% intervals,
worked out by hand with bc: 4/6 0.29999-0.90323, 3/6 0.18762-0.81238, 2/6 0.09677-0.70001.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest
from PySide6.QtCore import QModelIndex, QSortFilterProxyModel, Qt
from PySide6.QtGui import QColor
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from ui.matrix_cell_view import CellView
from ui.matrix_delegate import BAND_COLOURS
from ui.matrix_model import MatrixModel, MatrixRole
from ui.matrix_panel import MatrixPanel
from workbench.checks import Verdict
from workbench.domain import (
    Cell,
    CellError,
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
from workbench.plan import build_plan
from workbench.ratings import Mark
from workbench.suite import Case, Check

if TYPE_CHECKING:
    from pytestqt.modeltest import ModelTester  # imports Qt's test module: only under pytest

PROMPTS = [
    PromptTemplate("prompt-a", (Message("user", "Capital of {{country}}?"),)),
    PromptTemplate("prompt-b", (Message("user", "Name the capital of {{country}}."),)),
]
MODELS = [ModelSpec("m1"), ModelSpec("m2")]
CASES = [
    Case({"country": "France"}, (Check("contains", "Paris"),)),
    Case({"country": "Italy"}, (Check("contains", "Rome"),), description="Italy, tricky"),
    Case({"country": "Germany"}, (Check("contains", "Berlin"),)),
]
# Output per (case, column, repeat); None is a failed call.
OUTPUTS: dict[tuple[int, int], tuple[str | None, str | None]] = {
    (0, 0): ("Paris", "Paris"),
    (0, 1): ("Paris", "Paris"),
    (0, 2): ("Paris", "Paris"),
    (0, 3): ("Paris, France", "Paris, France"),
    (1, 0): ("Rome", "Rome"),
    (1, 1): ("Rome", "Milan"),
    (1, 2): ("Milan", "Milan"),
    (1, 3): ("Rome", "Rome"),
    (2, 0): (None, "Bonn"),
    (2, 1): ("Bonn", "Bonn"),
    (2, 2): ("Bonn", "Bonn"),
    (2, 3): ("Bonn", "Bonn"),
}


def plan() -> list[Cell]:
    return build_plan(PROMPTS, MODELS, [dict(case.vars) for case in CASES], repeats=2)


def column_number(cell: Cell) -> int:
    return PROMPTS.index(cell.prompt) * 2 + MODELS.index(cell.model)


def verdict_of(cell: Cell, output: str | None = None) -> CellVerdict:
    """The hand-made verdict of `cell`: its output from OUTPUTS unless one is given."""
    case_index = cell.case_index or 0
    if output is None:
        output = OUTPUTS[case_index, column_number(cell)][cell.repeat]
    case = CASES[case_index]
    if output is None:
        result = CellResult(
            cell, "", None, None, Cost(None, CostSource.UNKNOWN), None, 1,
            error=CellError("server_error", "the server failed (500)", retryable=True),
        )  # fmt: skip
        return CellVerdict(result, case, case_index + 1, ())
    source = TokensSource.ESTIMATED if column_number(cell) == 3 else TokensSource.REPORTED
    cost = Cost(0.001, CostSource.PRICE_MAP)
    if column_number(cell) == 2 and case_index == 2 and cell.repeat == 1:
        cost = Cost(None, CostSource.UNKNOWN)
    timings = Timings(ttft_ms=40 + 10 * cell.repeat, latency_ms=100 + 100 * cell.repeat,
                      decode_ms=50)  # fmt: skip
    result = CellResult(cell, output, "stop", Usage(10, 5, source), cost, timings, 1)
    expected = str(case.checks[0].value)
    passed = expected in output
    reason = f"output {'contains' if passed else 'does not contain'} {expected!r}"
    check = Verdict(case.checks[0], passed, 1.0 if passed else 0.0, reason)
    return CellVerdict(result, case, case_index + 1, (check,))


def loaded_model() -> MatrixModel:
    cells = plan()
    model = MatrixModel()
    model.load(cells, [verdict_of(cell) for cell in cells], CASES, 7, {})
    return model


@pytest.fixture
def panel(qtbot: QtBot) -> Iterator[MatrixPanel]:
    shown = MatrixPanel(loaded_model())
    qtbot.addWidget(shown)
    shown.resize(1400, 900)
    shown.show()
    qtbot.waitExposed(shown)
    shown.activateWindow()
    qtbot.waitUntil(shown.isActiveWindow)
    yield shown


def headline(model: MatrixModel, row: int, column: int) -> str:
    text = model.data(model.index(row, column))
    assert isinstance(text, str)
    return text


def visible_rows(panel: MatrixPanel) -> list[str]:
    proxy = panel.proxy
    return [str(proxy.headerData(row, Qt.Orientation.Vertical)) for row in range(proxy.rowCount())]


def test_rows_are_cases_and_columns_prompt_by_model() -> None:
    model = loaded_model()
    assert model.rowCount() == 3
    assert model.columnCount() == 4
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(4)]
    assert headers == ["prompt-a\nm1", "prompt-a\nm2", "prompt-b\nm1", "prompt-b\nm2"]
    rows = [model.headerData(r, Qt.Orientation.Vertical) for r in range(3)]
    assert rows == ["#1 France", "#2 Italy, tricky", "#3 Germany"]
    assert model.run_id == 7


def test_cells_show_pass_counts_and_distinct_outputs() -> None:
    model = loaded_model()
    assert headline(model, 0, 0) == "✓ 2/2 · 1 distinct"
    assert headline(model, 1, 1) == "◐ 1/2 · 2 distinct"
    assert headline(model, 1, 2) == "✗ 0/2 · 1 distinct · 1 check failed"
    # The first repeat's call failed: the grid shows its error, and no distinct count of one.
    assert headline(model, 2, 0) == "✗ 0/2"
    view = model.data(model.index(2, 0), MatrixRole.VIEW)
    assert isinstance(view, CellView)
    assert view.error == "the server failed (500)"
    assert view.band == "fail"
    mixed = model.view_at(model.index(1, 1))
    assert mixed is not None
    assert (mixed.band, mixed.text) == ("mixed", "Rome")


def test_summary_row_shows_pass_rates_with_wilson_intervals(panel: MatrixPanel) -> None:
    lines = [panel.summary.column_text(c).splitlines() for c in range(4)]
    assert [column[0] for column in lines] == [
        "67% (30–90%) · 4/6 · 1 error",
        "50% (19–81%) · 3/6",
        "33% (10–70%) · 2/6",
        "67% (30–90%) · 4/6",
    ]
    # a×m1: five calls answered, latencies 100/200/100/200/200 ms and TTFT 40/50/40/50/50 ms.
    assert lines[0][1:] == [
        "score 0.67",
        "latency 200 ms · TTFT 50 ms",
        "tokens in 50 · out 25",
        "cost $0.0050",
    ]
    assert lines[1][2] == "latency 150 ms · TTFT 45 ms"
    assert lines[2][4] == "cost unknown"
    assert lines[3][3] == "tokens in ≈60 · out ≈30"


def test_significance_compares_the_best_column_with_each_other(
    qtbot: QtBot, panel: MatrixPanel
) -> None:
    # Best: prompt-a × m1 (4/6, first of two). Against prompt-a × m2 one pair of six disagrees.
    qtbot.waitUntil(lambda: bool(panel.summary.significance))
    tests = panel.summary.significance
    assert [column.label for column, _, _ in tests] == [
        "prompt-a × m2",
        "prompt-b × m1",
        "prompt-b × m2",
    ]
    assert not any(significant for _, significant, _ in tests)
    assert "No column differs significantly" in panel.significance.text()
    tip = panel.significance.toolTip()
    assert "prompt-a × m1" in tip
    assert "prompt-a × m2" in tip


def test_filters_show_failures_differences_and_search_hits(
    qtbot: QtBot, panel: MatrixPanel
) -> None:
    assert visible_rows(panel) == ["#1 France", "#2 Italy, tricky", "#3 Germany"]
    panel.failures_only.setChecked(True)
    assert visible_rows(panel) == ["#2 Italy, tricky", "#3 Germany"]
    assert panel.count.text() == "2 of 3 cases"
    panel.failures_only.setChecked(False)
    panel.differs_only.setChecked(True)
    assert visible_rows(panel) == ["#1 France", "#2 Italy, tricky"]
    panel.failures_only.setChecked(True)
    assert visible_rows(panel) == ["#2 Italy, tricky"]
    panel.failures_only.setChecked(False)
    panel.differs_only.setChecked(False)

    QTest.keyClicks(panel.search, "MILAN")  # an output, any case
    qtbot.waitUntil(lambda: visible_rows(panel) == ["#2 Italy, tricky"])
    panel.search.setText("germany")  # a variable's value
    qtbot.waitUntil(lambda: visible_rows(panel) == ["#3 Germany"])
    panel.search.setText("tricky")  # the description
    qtbot.waitUntil(lambda: visible_rows(panel) == ["#2 Italy, tricky"])
    panel.search.setText("paris, fr")
    qtbot.waitUntil(lambda: visible_rows(panel) == ["#1 France"])
    panel.search.setText("nowhere")
    qtbot.waitUntil(lambda: visible_rows(panel) == [])
    panel.search.clear()
    qtbot.waitUntil(lambda: len(visible_rows(panel)) == 3)


def test_keyboard_rates_the_shown_trial(qtbot: QtBot, panel: MatrixPanel) -> None:
    model = panel.model
    asked: list[tuple[str, int, object]] = []
    panel.rating_requested.connect(lambda cell, value: asked.append(("rating", cell, value)))
    panel.score_requested.connect(lambda cell, value: asked.append(("score", cell, value)))
    panel.note_requested.connect(lambda cell, value: asked.append(("note", cell, value)))

    def keep(cell: int, rating: object) -> None:  # what the window does: store, hand back
        assert rating is None or isinstance(rating, int)
        model.set_mark(cell, Mark(rating=rating, score=model.mark_of(cell).score))

    panel.rating_requested.connect(keep)
    panel.view.setFocus()
    # Case 2 in prompt-a × m2; its first repeat is cell 6 (prompt, case, model, repeat order).
    panel.view.setCurrentIndex(panel.proxy.index(1, 1))
    QTest.keyClick(panel.view, Qt.Key.Key_Plus)
    QTest.keyClick(panel.view, Qt.Key.Key_Equal)
    assert asked == [("rating", 6, 1), ("rating", 6, 1)]
    assert headline(model, 1, 1) == "◐ 1/2 · 2 distinct · ✔ good"

    panel.detail.repeats.setCurrentIndex(1)
    panel.detail.repeats.activated.emit(1)  # what choosing it with the mouse does
    assert panel.detail.output_view.text() == "Milan"
    asked.clear()
    for key in (Qt.Key.Key_3, Qt.Key.Key_Backspace, Qt.Key.Key_Minus, Qt.Key.Key_0):
        QTest.keyClick(panel.view, key)
    QTest.keyClick(panel.view, Qt.Key.Key_5)
    assert asked == [
        ("score", 7, 3),
        ("score", 7, None),
        ("rating", 7, -1),
        ("rating", 7, None),
        ("score", 7, 5),
    ]
    asked.clear()
    QTest.keyClick(panel.view, Qt.Key.Key_N)
    assert panel.detail.note_editor.hasFocus()
    QTest.keyClicks(panel.detail.note_editor, "too terse")
    QTest.keyClick(panel.detail.note_editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert asked == [("note", 7, "too terse")]

    # Arrow keys move: Right goes to prompt-b × m1, whose first repeat is cell 16.
    panel.view.setFocus()
    QTest.keyClick(panel.view, Qt.Key.Key_Right)
    asked.clear()
    QTest.keyClick(panel.view, Qt.Key.Key_1)
    assert asked == [("score", 16, 1)]


def test_marks_show_in_the_cell_and_the_detail(panel: MatrixPanel) -> None:
    model = panel.model
    panel.view.setCurrentIndex(panel.proxy.index(0, 0))
    model.set_mark(0, Mark(rating=-1, score=4, note="fine"))
    assert headline(model, 0, 0) == "✓ 2/2 · 1 distinct · ★4 · ✘ bad · ✎"
    assert panel.detail.mark_label.text() == "✘ bad · ★4 · ✎ noted"
    assert panel.detail.note_editor.toPlainText() == "fine"
    assert model.mark_of(0) == Mark(rating=-1, score=4, note="fine")


def test_context_actions_pin_the_case_and_compare_two_cells(panel: MatrixPanel) -> None:
    pinned: list[object] = []
    compared: list[tuple[int, int]] = []
    panel.pin_requested.connect(pinned.append)
    panel.compare_requested.connect(lambda a, b: compared.append((a, b)))
    panel.view.setCurrentIndex(panel.proxy.index(2, 3))
    panel.matrix_actions["pin"].trigger()
    assert pinned == [{"country": "Germany"}]
    selection = panel.view.selectionModel()
    flags = selection.SelectionFlag
    selection.select(panel.proxy.index(0, 0), flags.ClearAndSelect)
    assert not panel.matrix_actions["compare"].isEnabled()
    selection.select(panel.proxy.index(0, 3), flags.Select)
    assert panel.matrix_actions["compare"].isEnabled()
    panel.matrix_actions["compare"].trigger()
    # Case 1, first repeats: prompt-a × m1 is cell 0, prompt-b × m2 is 12 + 2 = cell 14.
    assert compared == [(0, 14)]


def test_detail_lists_every_check_with_its_verdict(panel: MatrixPanel) -> None:
    panel.view.setCurrentIndex(panel.proxy.index(1, 2))  # case 2, prompt-b × m1: fails
    assert panel.detail.output_view.text() == "Milan"
    assert panel.detail.checks_view.toPlainText() == (
        "✗ contains  (score 0.00)\n    output does not contain 'Rome'"
    )
    assert panel.detail.title.text().startswith("#2 Italy, tricky — prompt-b × m1\n")


def test_streaming_text_shows_in_a_running_cell(qtbot: QtBot, panel: MatrixPanel) -> None:
    model = panel.model
    cells = plan()
    model.start(cells, CASES)
    assert headline(model, 0, 0) == "waiting"
    panel.view.setCurrentIndex(panel.proxy.index(0, 0))
    changed: list[tuple[int, int]] = []
    model.dataChanged.connect(lambda first, _last: changed.append((first.row(), first.column())))
    model.cell_started(0)
    model.append_text(0, "Par")
    model.append_text(0, "is is")
    view = model.view_at(model.index(0, 0))
    assert view is not None
    assert (view.band, view.text, view.live, view.headline) == (
        "running",
        "Paris is",
        True,
        "streaming…",
    )
    assert panel.detail.output_view.text() == "Paris is"
    assert changed == [(0, 0)] * 3, "each change repaints the one cell it touched"
    # The cell paints its blue band while it streams.
    panel.view.viewport().repaint()
    rect = panel.view.visualRect(panel.proxy.index(0, 0))
    image = panel.view.viewport().grab().toImage()
    assert QColor(image.pixel(rect.left() + 1, rect.center().y())) == BAND_COLOURS["running"]

    model.reset_text(0)  # a retry drops the partial text
    assert model.trials_at(model.index(0, 0))[0].text == ""
    model.append_text(0, "Paris")
    model.cell_ended(verdict_of(cells[0]))
    ended = model.view_at(model.index(0, 0))
    assert ended is not None
    assert (ended.band, ended.text, ended.live) == ("pass", "Paris", False)
    assert ended.headline == "✓ 1/1 of 2"


def test_summaries_follow_a_run_without_a_rebuild_per_cell(qtbot: QtBot) -> None:
    model = MatrixModel()
    cells = plan()
    model.start(cells, CASES)
    told: list[None] = []
    model.summaries_changed.connect(lambda: told.append(None))
    for cell in cells:
        model.cell_started(cell.index)
        model.append_text(cell.index, "some text")
        model.cell_ended(verdict_of(cell))
    assert 1 <= len(told) <= 2, "the last trial ending says so at once; the rest are throttled"
    assert [s.passed for s in model.summaries()] == [4, 3, 2, 4]
    # A judge's later verdict replaces the trial's: case 1's first repeat in a×m2 now fails.
    model.cell_ended(verdict_of(cells[2], output="Lyon"))
    assert [s.passed for s in model.summaries()] == [4, 2, 2, 4]
    qtbot.waitUntil(lambda: len(told) >= 2)


def test_a_filtered_row_comes_back_when_it_starts_failing(qtbot: QtBot) -> None:
    model = MatrixModel()
    cells = plan()
    model.start(cells, CASES)
    panel = MatrixPanel(model)
    qtbot.addWidget(panel)
    panel.failures_only.setChecked(True)
    assert visible_rows(panel) == []
    model.cell_ended(verdict_of(cells[4]))  # case 2, a×m1: passes
    model.cell_ended(verdict_of(cells[16]))  # case 2, b×m1: "Milan" fails
    qtbot.waitUntil(lambda: visible_rows(panel) == ["#2 Italy, tricky"])


def test_model_and_filter_pass_the_model_tester(qtmodeltester: ModelTester) -> None:
    model = loaded_model()
    qtmodeltester.check(model)
    panel = MatrixPanel(model)
    panel.failures_only.setChecked(True)
    assert isinstance(panel.proxy, QSortFilterProxyModel)
    qtmodeltester.check(panel.proxy)
    assert not model.index(0, 0).parent().isValid()
    assert model.rowCount(model.index(0, 0)) == 0
    assert model.data(QModelIndex()) is None
    panel.deleteLater()


def test_summary_stays_under_its_column_when_the_matrix_scrolls_sideways(
    qtbot: QtBot, panel: MatrixPanel
) -> None:
    panel.resize(600, 700)
    qtbot.waitUntil(lambda: panel.view.horizontalScrollBar().maximum() > 0)
    panel.view.horizontalScrollBar().setValue(150)
    for column in range(4):
        cell = panel.view.visualRect(panel.proxy.index(0, column))
        left = panel.summary.mapFrom(panel, panel.view.viewport().mapTo(panel, cell.topLeft()))
        under = panel.summary.column_rect(column)
        assert (under.left(), under.width()) == (left.x(), panel.view.columnWidth(column))
    assert panel.summary.column_rect(0).left() < 0, "the first column scrolled out of view"


def test_a_trial_waiting_for_its_judge_says_so(panel: MatrixPanel) -> None:
    model = panel.model
    cell = plan()[0]
    judged = verdict_of(cell)
    rubric = Check("llm-rubric", "names the capital")
    model.cell_ended(CellVerdict(judged.result, judged.case, 1, judged.verdicts, (rubric,)))
    assert headline(model, 0, 0) == "◐ 1/2 · 1 distinct · judging…"
    panel.view.setCurrentIndex(panel.proxy.index(0, 0))
    assert panel.detail.checks_view.toPlainText().endswith("… llm-rubric: waiting for the judge")
