"""A whole suite in the window: 3 prompts x 2 models x 20 cases x 2 repeats against the fake server.

The summary figures are checked against values worked out by hand from what the fake server is
told to answer; then blind A/B choices are made with the keyboard and every export is written.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from tests.support.fake_openai import Behaviour, FakeOpenAIServer
from tests.ui.window_driver import open_window
from ui.main_window import MainWindow
from ui.services import Services
from workbench.domain import Message, ModelSpec, PromptTemplate, UserPrice
from workbench.matrix import ColumnKey
from workbench.ratings import Preference
from workbench.suite import Case, Check

PROMPTS = (
    PromptTemplate("plain", (Message("user", "Answer case {{n}}"),)),
    PromptTemplate("shout", (Message("user", "SHOUT case {{n}}"),)),
    PromptTemplate("brief", (Message("user", "Briefly, case {{n}}"),)),
)
CASES = [Case({"n": f"#{number:02d}#"}) for number in range(1, 21)]
# fake-a says "no" to every fifth case, "yes" otherwise; fake-b says "yes" only when shouted at.
FIFTHS = tuple((f"#{number:02d}#", "no") for number in (5, 10, 15, 20))
PRICE = UserPrice(1000.0, 2000.0)  # $ per million tokens: 7 in + 1 out = $0.009 a call
CALLS = 3 * 2 * 20 * 2


@pytest.fixture
def server() -> Iterator[FakeOpenAIServer]:
    with FakeOpenAIServer(models=("fake-a", "fake-b")) as running:
        running.behave("fake-a", Behaviour(reply="yes", replies=FIFTHS))
        running.behave("fake-b", Behaviour(reply="no", replies=(("SHOUT", "yes"),)))
        yield running


@pytest.fixture
def window(qtbot: QtBot, services: Services) -> Iterator[MainWindow]:
    shown = open_window(qtbot, services)
    yield shown
    shown.close()  # the services fixture shuts the services down


def fill_suite(window: MainWindow, server: FakeOpenAIServer) -> None:
    window.editor.set_prompts(PROMPTS)
    window.models.set_models(
        [ModelSpec(name, api_base=server.base_url, price=PRICE) for name in ("fake-a", "fake-b")]
    )
    window.cases.set_cases(CASES)
    window.cases.set_repeats(2)
    window.checks.set_checks([Check("equals", "yes")])


def run_suite(qtbot: QtBot, window: MainWindow) -> None:
    """Ctrl+Enter; the plan is large, so the cost preflight asks first: Run."""
    window.activateWindow()
    window.actions_by_name["run"].trigger()
    qtbot.waitUntil(lambda: window.preflight.dialog is not None, timeout=20_000)
    dialog = window.preflight.dialog
    assert dialog is not None
    assert "240" in dialog.total.text()
    qtbot.mouseClick(dialog.run_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(window.evaluation.verdicts()) == CALLS, timeout=60_000)
    qtbot.waitUntil(lambda: window.evaluation.run_id is not None, timeout=10_000)
    qtbot.waitUntil(window.actions_by_name["run"].isEnabled, timeout=10_000)


def test_suite_summary_blind_rating_and_exports(
    qtbot: QtBot, window: MainWindow, server: FakeOpenAIServer, tmp_path: Path
) -> None:
    fill_suite(window, server)
    run_suite(qtbot, window)
    assert server.request_count() == CALLS
    assert window.results_tabs.currentWidget() is window.matrix

    # --- the summary row, against figures worked out by hand ----------------------------------
    summaries = {s.column: s for s in window.matrix_model.summaries()}
    passed = {
        ("plain", "fake-a"): 32, ("shout", "fake-a"): 32, ("brief", "fake-a"): 32,
        ("plain", "fake-b"): 0, ("shout", "fake-b"): 40, ("brief", "fake-b"): 0,
    }  # fmt: skip
    for (prompt, model), count in passed.items():
        summary = summaries[ColumnKey(prompt, model)]
        assert (summary.trials, summary.passed, summary.errors) == (40, count, 0)
        assert summary.mean_score == count / 40
        assert (summary.input_tokens, summary.output_tokens) == (280, 40)  # 7 in, 1 out a call
        assert summary.cost_usd is not None and round(summary.cost_usd, 6) == 0.36
    # Wilson 95% intervals by hand: 32/40 -> (0.6524, 0.8950); 0/40 -> (0, 0.0876); 40/40 -> 0.9124.
    low, high = summaries[ColumnKey("plain", "fake-a")].interval
    assert (round(low, 4), round(high, 4)) == (0.6524, 0.8950)
    assert round(summaries[ColumnKey("plain", "fake-b")].interval[1], 4) == 0.0876
    assert round(summaries[ColumnKey("shout", "fake-b")].interval[0], 4) == 0.9124
    columns = list(window.matrix_model.columns())
    strip = window.matrix.summary
    assert strip.column_text(columns.index(ColumnKey("plain", "fake-a"))).startswith(
        "80% (65–90%) · 32/40"
    )
    assert strip.column_text(columns.index(ColumnKey("shout", "fake-b"))).startswith(
        "100% (91–100%) · 40/40"
    )
    assert "$0.36" in strip.column_text(0)
    # shout x fake-b vs plain x fake-a: 8 discordant pairs, all one way: p = 2/2^8 = 0.0078.
    qtbot.waitUntil(lambda: "significant" in window.matrix.significance.text(), timeout=5000)
    # Every cell of a case row holds its two repeats, with one distinct output.
    matrix = window.matrix_model.matrix()
    cell = matrix.cell(4, ColumnKey("plain", "fake-a"))  # case #05#: fake-a says "no"
    assert (len(cell.trials), cell.passed, cell.distinct_outputs) == (2, 0, 1)

    # --- filters -----------------------------------------------------------------------------
    window.matrix.failures_only.setChecked(True)
    assert window.matrix.proxy.rowCount() == 20  # plain x fake-b fails every case
    window.matrix.failures_only.setChecked(False)
    window.matrix.search.setText("#07#")
    qtbot.waitUntil(lambda: window.matrix.proxy.rowCount() == 1, timeout=3000)
    window.matrix.search.setText("")

    # --- a thumbs up and a score, by keyboard, kept in the store -------------------------------
    window.results_tabs.setCurrentWidget(window.matrix)
    window.activateWindow()  # the preflight dialog had the focus; shortcuts need the window
    qtbot.waitUntil(window.isActiveWindow)
    first = window.matrix.proxy.index(0, 0)
    window.matrix.view.setCurrentIndex(first)
    window.matrix.view.setFocus()
    QTest.keyClick(window.matrix.view, Qt.Key.Key_Plus)
    QTest.keyClick(window.matrix.view, Qt.Key.Key_4)
    run_id = window.evaluation.run_id
    assert run_id is not None
    rated = window.matrix.current_cell()
    assert rated is not None
    marks = window.services.store.call(lambda store: store.cell_marks(run_id)).result(10)
    assert (marks[rated].rating, marks[rated].score) == (1, 4)

    # --- blind A/B: three choices and an undo, ranked on the scoreboard -----------------------
    window.results_menu.blind_ab()
    qtbot.waitUntil(lambda: window.results_menu.blind_dialog is not None, timeout=10_000)
    dialog = window.results_menu.blind_dialog
    assert dialog is not None
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    for key in (Qt.Key.Key_A, Qt.Key.Key_B, Qt.Key.Key_Equal, Qt.Key.Key_A):
        QTest.keyClick(dialog, key)
    QTest.keyClick(dialog, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)

    def stored() -> list[Preference]:
        return window.services.store.call(lambda store: store.preferences([run_id])).result(10)

    qtbot.waitUntil(lambda: len(stored()) == 3, timeout=10_000)
    shown_names = {c.label for c in columns}
    dialog.close()
    qtbot.waitUntil(lambda: window.scoreboard.model().rowCount() >= 2, timeout=10_000)
    ranked = {
        window.scoreboard.model().index(row, 1).data()
        for row in range(window.scoreboard.model().rowCount())
    }
    assert ranked <= shown_names

    # --- every export ---------------------------------------------------------------------------
    written = {fmt: tmp_path / f"results.{fmt}" for fmt in ("csv", "jsonl", "parquet", "html")}
    for path in written.values():
        window.results_menu.export_results_to(path)
    prefs = tmp_path / "preferences.jsonl"
    window.results_menu.export_preferences_to(prefs)
    qtbot.waitUntil(lambda: all(p.exists() for p in [*written.values(), prefs]), timeout=20_000)

    with written["csv"].open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == CALLS
    assert sum(row["passed"] == "True" for row in rows) == 32 * 3 + 40
    records = [json.loads(line) for line in written["jsonl"].read_text().splitlines()]
    assert len(records) == CALLS and sum(r["passed"] for r in records) == 136
    assert next(r for r in records if r["cell"] == rated)["human_score"] == 4
    import pandas as pd  # noqa: PLC0415 - heavy, only here

    frame = pd.read_parquet(written["parquet"])
    assert len(frame) == CALLS and int(frame["passed"].sum()) == 136
    html = written["html"].read_text(encoding="utf-8")
    assert "80% (65–90%)" in html or "80%" in html
    assert "https://" not in html and "http://" not in html
    pairs = [json.loads(line) for line in prefs.read_text().splitlines()]
    assert len(pairs) == 3
    assert {p["choice"] for p in pairs} == {"left", "right", "tie"}
    for pair in pairs:
        if pair["choice"] == "tie":
            assert pair["chosen"] is None
        else:
            assert pair["chosen"] == pair[pair["choice"]]["output"]


def test_a_second_run_compared_with_the_first(
    qtbot: QtBot, window: MainWindow, server: FakeOpenAIServer
) -> None:
    fill_suite(window, server)
    window.cases.set_repeats(1)
    window.cases.set_cases(CASES[:10])  # 3 x 2 x 10 = 60 calls: still over the preflight line
    run_suite_of(qtbot, window, 60)
    first = window.evaluation.run_id
    assert first is not None
    # fake-b now answers "yes" to plain prompts too: plain x fake-b goes from 0/10 to 10/10.
    server.behave("fake-b", Behaviour(reply="no", replies=(("SHOUT", "yes"), ("Answer", "yes"))))
    run_suite_of(qtbot, window, 60)
    assert window.evaluation.run_id != first
    window.results_menu.compare_with(first)
    qtbot.waitUntil(lambda: window.results_menu.compare_dialog is not None)
    dialog = window.results_menu.compare_dialog
    assert dialog is not None
    cases = dialog.case_model()
    dialog.set_filter("Better")
    better = [cases.change_at(row) for row in range(cases.rowCount())]
    assert len(better) == 10
    assert {c.column for c in better if c is not None} == {ColumnKey("plain", "fake-b")}
    dialog.set_filter("Worse")
    assert cases.rowCount() == 0
    dialog.close()


def run_suite_of(qtbot: QtBot, window: MainWindow, calls: int) -> None:
    window.activateWindow()
    window.actions_by_name["run"].trigger()
    qtbot.waitUntil(lambda: window.preflight.dialog is not None, timeout=20_000)
    dialog = window.preflight.dialog
    assert dialog is not None
    qtbot.mouseClick(dialog.run_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(window.evaluation.verdicts()) == calls, timeout=60_000)
    qtbot.waitUntil(lambda: window.evaluation.run_id is not None, timeout=10_000)
    qtbot.waitUntil(window.actions_by_name["run"].isEnabled, timeout=10_000)
