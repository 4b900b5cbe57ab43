"""Comparing two runs in the dialog: the column table, the filtered case list and the word diff."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLabel, QTableView, QTextBrowser
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from tests.support.results import ended
from ui.compare_dialog import CompareDialog, OutputDiffDialog
from ui.diff_view import HINT, DiffView
from workbench.domain import (
    Message,
    ModelSpec,
    PromptTemplate,
)
from workbench.evaluation import judge
from workbench.matrix import Matrix, build_matrix
from workbench.plan import build_plan
from workbench.suite import Case, Check, Suite

P = PromptTemplate("p", (Message("user", "Say something about a {{x}}"),))
M = ModelSpec("m1")

# One output, or each repeat's (None for a failed call).
Trials = str | Sequence[str | None]

# Each case's x, and the one output it gave; a case passes when its output mentions x.
BEFORE = {
    "cat": "The cat sat on the mat.",
    "dog": "nope",
    "fish": "One fish.",
    "cow": "A cow.",
    "ant": "An ant.",
}
AFTER = {
    "ant": "An ant.",  # same
    "cat": "The dog sat on the mat.",  # worse: no cat any more
    "dog": "A dog barks.",  # better
    "fish": "Two fish!",  # passes both times, reads differently
    "bird": "A bird.",  # new; the cow is gone
}


def run(outputs: Mapping[str, Trials]) -> tuple[Matrix, list[dict[str, str]]]:
    """A run of one column over cases {"x": each key}; None is a failed call."""
    repeats = {x: [trials] if isinstance(trials, str) else trials for x, trials in outputs.items()}
    variable_sets = [{"x": x} for x in outputs]
    cases = tuple(Case(v) for v in variable_sets)
    suite = Suite("s", (P,), (M,), cases, (Check("icontains", "{{x}}"),))
    cells = build_plan((P,), (M,), variable_sets, max(map(len, repeats.values())))
    judged = []
    for cell in cells:
        trials = repeats[cell.variables["x"]]
        if cell.repeat < len(trials):
            row = cell.case_index or 0
            judged.append(
                judge(
                    ended(cell, trials[cell.repeat], error="The server failed (500)."),
                    cases[row],
                    row + 1,
                    suite,
                )
            )
    return build_matrix(cells, judged), variable_sets


def open_dialog(
    qtbot: QtBot, before: Mapping[str, Trials] = BEFORE, after: Mapping[str, Trials] = AFTER
) -> CompareDialog:
    old, old_cases = run(before)
    new, new_cases = run(after)
    dialog = CompareDialog("Run 1", old, old_cases, "Run 2", new, new_cases)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def texts(dialog: CompareDialog, column: int) -> list[str]:
    model = dialog.case_model()
    return [str(model.index(row, column).data()) for row in range(model.rowCount())]


def shown_count(dialog: CompareDialog) -> str:
    label = dialog.findChild(QLabel, "compareShownCount")
    assert label is not None
    return label.text()


def diff_body(view: DiffView) -> str:
    body = view.findChild(QTextBrowser, "diffText")
    assert body is not None
    return body.toPlainText()


def test_column_table_shows_both_pass_rates_the_counts_and_the_verdict(qtbot: QtBot) -> None:
    dialog = open_dialog(qtbot)
    model = dialog.column_model()
    ModelTester(None).check(model)
    row = [str(model.index(0, column).data()) for column in range(model.columnCount())]
    # 4 of 5 in each run; Wilson 95% of 4/5 is 37.6% to 96.4%. The shared cases (cat, dog,
    # fish, ant) pass 3 of 4 in both runs, cat and dog swapping: p = 1.
    assert row == [
        "p × m1",
        "80% (38–96%) · 4/5",
        "80% (38–96%) · 4/5",
        "1",
        "1",
        "Run 1 and Run 2 both pass 75%: too few to tell at 4 pairs (p = 1, McNemar exact)",
    ]
    headings = [model.headerData(c, Qt.Orientation.Horizontal) for c in (1, 2)]
    assert headings == ["Run 1", "Run 2"]


def test_changed_cases_are_listed_worse_first_and_filtered(qtbot: QtBot) -> None:
    dialog = open_dialog(qtbot)
    ModelTester(None).check(dialog.case_model())
    summary = dialog.findChild(QLabel, "compareSummary")
    assert summary is not None
    assert summary.text() == "1 worse, 1 better, 1 output changed, 1 new, 1 gone, 1 same"
    assert texts(dialog, 0) == ["▼ worse", "▲ better", "≠ output changed", "+ new", "\u2212 gone"]
    assert texts(dialog, 2) == ["x=cat", "x=dog", "x=fish", "x=bird", "x=cow"]
    assert texts(dialog, 3) == [
        "pass 1/1 · score 1.00",
        "fail 0/1 · score 0.00",
        "pass 1/1 · score 1.00",
        "not run",
        "pass 1/1 · score 1.00",
    ]
    assert shown_count(dialog) == "5 of 6 case results"

    chooser = dialog.findChild(QComboBox, "compareFilter")
    assert chooser is not None
    chooser.setCurrentText("Worse")
    assert texts(dialog, 2) == ["x=cat"]
    assert shown_count(dialog) == "1 of 6 case results"
    chooser.setCurrentText("Better")
    assert texts(dialog, 2) == ["x=dog"]
    chooser.setCurrentText("Everything")
    assert texts(dialog, 0)[-1] == "= same"
    assert shown_count(dialog) == "6 of 6 case results"


def test_selecting_a_case_shows_its_outputs_word_by_word_and_both_verdicts(qtbot: QtBot) -> None:
    dialog = open_dialog(qtbot)
    # The first change (the regression) is selected as the dialog opens.
    assert dialog.diff_view.summary() == "1 word removed, 1 added"
    assert diff_body(dialog.diff_view) == "The catdog sat on the mat."
    assert dialog.reasons_text() == (
        "✓ passed",
        "✗ failed\n    icontains: output does not contain 'cat' (ignoring case)",
    )

    view = dialog.findChild(QTableView, "compareCases")
    assert view is not None
    fish = view.model().index(2, 0)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.visualRect(fish).center())
    assert diff_body(dialog.diff_view) == "OneTwo fish.!"
    assert dialog.diff_view.summary() == "2 words removed, 2 added"
    assert dialog.reasons_text() == ("✓ passed", "✓ passed")

    dialog.select_case(3)  # the new case: nothing before it
    assert diff_body(dialog.diff_view) == "A bird."
    assert dialog.reasons_text() == ("Not in this run.", "✓ passed")


def test_a_filter_with_nothing_to_show_clears_the_diff(qtbot: QtBot) -> None:
    dialog = open_dialog(qtbot, before=BEFORE, after=BEFORE)
    assert dialog.case_model().rowCount() == 0
    assert shown_count(dialog) == "0 of 5 case results"
    assert diff_body(dialog.diff_view) == HINT
    assert dialog.reasons_text() == ("", "")
    dialog.set_filter("Everything")
    assert dialog.case_model().rowCount() == 5
    assert dialog.diff_view.summary() == "identical"


def test_repeats_are_diffed_and_judged_one_by_one(qtbot: QtBot) -> None:
    dialog = open_dialog(
        qtbot, before={"owl": ["An owl.", "An owl!"]}, after={"owl": ["Owl.", None]}
    )
    assert texts(dialog, 3) == ["pass 2/2 · score 1.00"]
    assert texts(dialog, 4) == ["mixed 1/2 · score 0.50"]
    body = diff_body(dialog.diff_view)
    assert body.startswith("— repeat 1 —\nAn owlOwl.\n\n— repeat 2 —\n")
    assert "call failed: The server failed (500).]" in body  # the failed call, in its place
    assert dialog.reasons_text() == (
        "Repeat 1: ✓ passed\nRepeat 2: ✓ passed",
        "Repeat 1: ✓ passed\nRepeat 2: ✗ failed\n    the call failed: The server failed (500).",
    )


def test_output_diff_dialog_compares_any_two_outputs(qtbot: QtBot) -> None:
    dialog = OutputDiffDialog("a × m1 #1", "red green blue", "b × m2 #1", "red yellow blue")
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.diff_view.summary() == "1 word removed, 1 added"
    assert diff_body(dialog.diff_view) == "red greenyellow blue"
    header = dialog.diff_view.findChild(QLabel, "diffHeader")
    assert header is not None
    assert header.text() == "a × m1 #1  →  b × m2 #1"
    assert dialog.windowTitle() == "Compare outputs: a × m1 #1 → b × m2 #1"
