"""The Checks panel with real widgets: the Add menu, editing in place, invalid rows, round trips."""

from __future__ import annotations

from typing import TypeVar

import pytest
from PySide6.QtCore import QModelIndex, QObject, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QPlainTextEdit, QPushButton
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from ui.checks_model import (
    COLUMNS,
    JUDGE,
    THRESHOLD,
    TYPE,
    VALUE,
    ChecksModel,
    type_choices,
    value_from_text,
    value_text,
)
from ui.checks_panel import EXAMPLES, HELP, ChecksPanel, help_text
from workbench import checks
from workbench.errors import UsageError
from workbench.suite import Check

W = TypeVar("W", bound=QObject)
_Role = Qt.ItemDataRole
SCHEMA = {
    "type": "object",
    "properties": {"answer": {"type": "string", "enum": ["yes", "no"]}},
    "required": ["answer"],
}


@pytest.fixture
def panel(qtbot: QtBot) -> ChecksPanel:
    made = ChecksPanel()
    qtbot.addWidget(made)
    return made


@pytest.fixture
def shown(qtbot: QtBot, panel: ChecksPanel) -> ChecksPanel:
    panel.show()
    qtbot.waitExposed(panel)
    return panel


def _child(parent: QObject, kind: type[W], name: str) -> W:
    found = parent.findChild(kind, name)
    assert isinstance(found, kind), name
    return found


def _data(model: ChecksModel, row: int, column: int, role: int = _Role.DisplayRole) -> object:
    return model.data(model.index(row, column), role)


def _edit(model: ChecksModel, row: int, column: int, value: object) -> bool:
    return model.setData(model.index(row, column), value, _Role.EditRole)


# --- the model ----------------------------------------------------------------------------------


def test_passes_qts_model_checks(qtmodeltester: ModelTester) -> None:
    model = ChecksModel()
    model.set_checks([Check("contains", "Paris"), Check("regex", "("), Check("llm-rubric", "ok")])
    qtmodeltester.check(model)
    model.add_check(Check("latency", None, 100.0))
    model.move_row(0, 3)
    model.move_row(2, 0)
    model.remove_rows([1])
    qtmodeltester.check(model)
    assert [model.headerData(c, Qt.Orientation.Horizontal) for c in range(len(COLUMNS))] == [
        "Type",
        "Value",
        "Threshold",
        "Judge model",
    ]


def test_every_type_is_offered_and_explained() -> None:
    choices = type_choices()
    assert set(HELP) == checks.SUPPORTED_TYPES
    assert all(checks.is_supported(choice) for choice in choices)
    assert {"contains", "not-contains", "levenshtein", "llm-rubric", "not-length"} <= set(choices)
    assert "not-levenshtein" not in choices
    assert "not-llm-rubric" not in choices
    assert choices.index("not-contains") == choices.index("contains") + 1
    assert help_text("regex") == (
        "regex: Passes when the regular expression (JavaScript syntax) matches somewhere in the "
        "output."
    )
    assert help_text("not-icontains") == (
        "not-icontains: passes when icontains fails. "
        "(icontains: Passes when the output contains the value, ignoring case.)"
    )
    assert help_text("javascript") == "javascript: not a type the workbench judges."


@pytest.mark.parametrize(
    ("check_type", "text", "value"),
    [
        ("regex", "[0-9]+", "[0-9]+"),  # a text type keeps what looks like a list
        ("contains", "[ERROR]", "[ERROR]"),
        ("python", "[w for w in output.split()]", "[w for w in output.split()]"),
        ("contains-any", "[Paris, Lyon]", ["Paris", "Lyon"]),
        ("contains-any", "- Paris\n- Lyon", ["Paris", "Lyon"]),
        ("contains-any", "Paris, Lyon", "Paris, Lyon"),  # comma text, split when judged
        ("not-icontains-all", '["a", "b"]', ["a", "b"]),
        ("equals", '{"answer": "yes"}', {"answer": "yes"}),
        ("equals", "Answer: yes", "Answer: yes"),
        ("equals", "Answer:\n- yes", "Answer:\n- yes"),  # only brackets make equals structured
        ("llm-rubric", "Score 1 when:\n- polite\n- short", "Score 1 when:\n- polite\n- short"),
        ("llm-rubric", '["polite", "short"]', ["polite", "short"]),
        ("is-json", "type: object\nrequired: [answer]", {"type": "object", "required": ["answer"]}),
        ("is-json", "type: object", "type: object"),  # one line stays text (still a schema)
        ("contains-json", "{type: object}", {"type": "object"}),
        ("bleu", "The cat sat.\nThe dog ran.", "The cat sat.\nThe dog ran."),
        ("bleu", "- The cat sat.\n- A cat sat.", ["The cat sat.", "A cat sat."]),
        ("length", "200", 200),
        ("length", "max: 200", {"max": 200}),
        ("not-length", "{min: 1, max: 5}", {"min": 1, "max": 5}),
        ("length", "short", "short"),
        ("equals", "[1e-07]", [1e-07]),  # JSON first: YAML 1.1 would read 1e-07 as text
        ("is-json", "", None),
        ("latency", "  ", None),
        ("javascript", "- a\n- b", ["a", "b"]),  # a type read from a file: lists and objects
    ],
)
def test_value_text_reads_by_type(check_type: str, text: str, value: object) -> None:
    assert value_from_text(check_type, text) == value
    assert type(value_from_text(check_type, text)) is type(value)


def test_a_broken_bracket_value_is_refused_with_where() -> None:
    with pytest.raises(UsageError, match=r"^value:1: invalid YAML"):
        value_from_text("is-json", "{type: object")


def test_value_text_is_json_for_structures_and_reads_back() -> None:
    assert value_text(None) == ""
    assert value_text("Paris") == "Paris"
    assert value_text(["a", "b"]) == '["a", "b"]'
    assert value_text({"min": 1, "max": 5}) == '{"min": 1, "max": 5}'
    assert value_text({"word": "Straße"}) == '{"word": "Straße"}'
    assert value_text(200) == "200"
    for check_type, value in [("contains-any", ["a", "b"]), ("is-json", SCHEMA), ("length", 9)]:
        assert value_from_text(check_type, value_text(value)) == value


# --- the panel: adding ---------------------------------------------------------------------------


def test_each_type_of_the_add_menu_adds_a_valid_example(qtbot: QtBot, shown: ChecksPanel) -> None:
    actions = shown.add_menu.actions()
    assert [action.text() for action in actions] == [
        "contains",
        "icontains",
        "regex",
        "is-json",
        "equals",
        "length",
        "latency",
        "cost",
        "bleu",
        "rouge-l",
        "python",
        "llm-rubric",
    ]
    assert _child(shown, QPushButton, "checksAdd").menu() is shown.add_menu
    for action in actions:
        with qtbot.waitSignal(shown.checks_changed):
            action.trigger()
    assert shown.problems() == []
    assert shown.checks() == EXAMPLES
    assert [check.type for check in shown.checks()] == [action.text() for action in actions]
    for check in shown.checks():
        checks.validate_check(check, "example")  # no UsageError
    latency = shown.checks()[6]
    assert (latency.value, latency.threshold) == (None, 5000.0)
    assert _data(shown.model, 6, THRESHOLD) == "5000"
    assert _data(shown.model, 7, THRESHOLD) == "0.01"
    assert _data(shown.model, 5, VALUE) == '{"min": 1, "max": 500}'
    assert shown.selected_row() == len(EXAMPLES) - 1  # the last added is selected
    # Each addition closed the editor the one before had opened; the last one's is open.
    assert shown.table.indexWidget(shown.model.index(0, VALUE)) is None
    assert isinstance(shown.table.indexWidget(shown.model.index(11, VALUE)), QPlainTextEdit)
    help_line = _child(shown, QLabel, "checksHelp")
    assert help_line.text() == (
        "llm-rubric: A judge model grades the output by the rubric after the run (its score "
        "must also reach the threshold, when set)."
    )


def test_an_added_check_opens_its_editor_for_typing(qtbot: QtBot, shown: ChecksPanel) -> None:
    shown.add_menu.actions()[0].trigger()  # contains "Paris"
    editor = shown.table.indexWidget(shown.model.index(0, VALUE))
    assert isinstance(editor, QPlainTextEdit)
    assert editor.textCursor().selectedText() == "Paris"  # typing replaces the example
    with qtbot.waitSignal(shown.checks_changed):
        qtbot.keyClicks(editor, "Rome")
        qtbot.keyClick(editor, Qt.Key.Key_Return)
    assert shown.checks() == (Check("contains", "Rome"),)


def test_latency_opens_on_its_threshold(qtbot: QtBot, shown: ChecksPanel) -> None:
    shown.add(Check("latency", None, 5000.0))
    editor = shown.table.indexWidget(shown.model.index(0, THRESHOLD))
    assert isinstance(editor, QLineEdit)
    editor.selectAll()
    qtbot.keyClicks(editor, "1500.5")
    with qtbot.waitSignal(shown.checks_changed):  # Qt's line editor commits on a queued call
        qtbot.keyClick(editor, Qt.Key.Key_Return)
    assert shown.checks() == (Check("latency", None, 1500.5),)


# --- the panel: editing ---------------------------------------------------------------------------


def test_the_type_is_picked_from_a_list(qtbot: QtBot, shown: ChecksPanel) -> None:
    shown.set_checks([Check("contains", "sorry")])
    index = shown.model.index(0, TYPE)
    shown.table.setCurrentIndex(index)
    shown.table.edit(index)
    combo = shown.table.indexWidget(index)
    assert isinstance(combo, QComboBox)
    assert [combo.itemText(i) for i in range(combo.count())] == list(type_choices())
    assert combo.currentText() == "contains"
    with qtbot.waitSignal(shown.checks_changed):
        qtbot.keyClick(combo, Qt.Key.Key_Down)  # the next entry, "not-contains", is picked
    assert shown.checks() == (Check("not-contains", "sorry"),)
    assert shown.table.indexWidget(index) is None  # picking closes the list


def test_a_type_from_a_file_the_list_lacks_is_kept_in_the_list(shown: ChecksPanel) -> None:
    shown.set_checks([Check("javascript", "output.length > 3")])
    index = shown.model.index(0, TYPE)
    shown.table.edit(index)
    combo = shown.table.indexWidget(index)
    assert isinstance(combo, QComboBox)
    assert combo.currentText() == "javascript"
    assert combo.itemText(0) == "javascript"


def test_a_value_spans_lines_with_shift_enter(qtbot: QtBot, shown: ChecksPanel) -> None:
    shown.set_checks([Check("llm-rubric", "Polite.")])
    index = shown.model.index(0, VALUE)
    shown.table.edit(index)
    editor = shown.table.indexWidget(index)
    assert isinstance(editor, QPlainTextEdit)
    qtbot.keyClicks(editor, "Score 1 when:")
    qtbot.keyClick(editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClicks(editor, "- it is polite")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    assert shown.checks() == (Check("llm-rubric", "Score 1 when:\n- it is polite"),)
    assert _data(shown.model, 0, VALUE) == "Score 1 when:…"


def test_values_and_thresholds_edit_through_the_model(panel: ChecksPanel) -> None:
    panel.set_checks([Check("bleu", "The cat sat on the mat.")])
    model = panel.model
    assert _edit(model, 0, THRESHOLD, "0.25")
    assert panel.checks() == (Check("bleu", "The cat sat on the mat.", 0.25),)
    assert _edit(model, 0, VALUE, '["The cat sat on the mat.", "A cat sat on a mat."]')
    assert panel.checks()[0].value == ["The cat sat on the mat.", "A cat sat on a mat."]
    assert _edit(model, 0, THRESHOLD, " ")
    assert panel.checks()[0].threshold is None
    assert _data(model, 0, THRESHOLD) == ""
    assert _data(model, 0, THRESHOLD, _Role.ToolTipRole) == (
        "From 0 to 1: the score to reach; empty means 0.5."
    )
    assert _edit(model, 0, THRESHOLD, 0.5)
    assert panel.checks()[0].threshold == 0.5


def test_a_threshold_that_is_no_number_is_refused(panel: ChecksPanel) -> None:
    panel.set_checks([Check("latency", None, 800.0)])
    status = _child(panel, QLabel, "checksStatus")
    assert not _edit(panel.model, 0, THRESHOLD, "fast")
    assert status.text() == "Not saved: a threshold is a number, not 'fast'"
    assert not _edit(panel.model, 0, THRESHOLD, "inf")
    assert not _edit(panel.model, 0, TYPE, "  ")
    assert status.text() == "Not saved: a check needs a type"
    assert panel.checks() == (Check("latency", None, 800.0),)


def test_an_out_of_range_threshold_is_kept_but_marked(panel: ChecksPanel) -> None:
    panel.set_checks([Check("rouge-l", "The capital is Paris.", 0.75)])
    assert _edit(panel.model, 0, THRESHOLD, "75")
    assert panel.checks() == ()
    assert panel.problems() == ["check 1: the threshold of 'rouge-l' must be between 0 and 1"]
    assert _data(panel.model, 0, THRESHOLD) == "75"  # kept for the person to fix


def test_an_invalid_regex_shows_its_problem_and_is_left_out(
    qtbot: QtBot, panel: ChecksPanel
) -> None:
    panel.set_checks([Check("contains", "Paris")])
    panel.model.add_check(Check("contains", "x"))
    with qtbot.waitSignal(panel.checks_changed):
        assert _edit(panel.model, 1, TYPE, "regex")
        assert _edit(panel.model, 1, VALUE, "(Paris|Lyon")
    assert panel.checks() == (Check("contains", "Paris"),)
    [problem] = panel.problems()
    assert problem.startswith("check 2: 'regex': Invalid regex pattern /(Paris|Lyon/: ")
    model = panel.model
    assert model.problem_at(1) == problem
    assert model.problem_at(0) is None
    for column in range(len(COLUMNS)):
        assert _data(model, 1, column, _Role.ToolTipRole) == problem
    assert _data(model, 1, TYPE, _Role.DecorationRole) == QColor("#b3261e")
    assert _data(model, 0, TYPE, _Role.DecorationRole) is None
    assert model.check_at(1) == Check("regex", "(Paris|Lyon")  # kept as typed
    status = _child(panel, QLabel, "checksStatus")
    assert status.text() == f"Not used until fixed: {problem}"
    with qtbot.waitSignal(panel.checks_changed):
        assert _edit(model, 1, VALUE, "(Paris|Lyon)")
    assert panel.problems() == []
    assert panel.checks() == (Check("contains", "Paris"), Check("regex", "(Paris|Lyon)"))
    assert status.text() == ""
    assert _data(model, 1, TYPE, _Role.DecorationRole) is None


def test_a_broken_structured_value_keeps_its_text(panel: ChecksPanel) -> None:
    panel.set_checks([Check("is-json")])
    assert _edit(panel.model, 0, VALUE, "{type: object")
    [problem] = panel.problems()
    assert problem.startswith("check 1: value:1: invalid YAML")
    assert _data(panel.model, 0, VALUE, _Role.EditRole) == "{type: object"
    assert _edit(panel.model, 0, VALUE, "{type: object}")
    assert panel.checks() == (Check("is-json", {"type": "object"}),)


def test_changing_the_type_reads_the_typed_value_again(panel: ChecksPanel) -> None:
    panel.set_checks([Check("contains", "x")])
    assert _edit(panel.model, 0, VALUE, "[Paris, Lyon]")
    assert panel.model.check_at(0).value == "[Paris, Lyon]"  # contains takes text as it is
    assert _edit(panel.model, 0, TYPE, "contains-any")
    assert panel.checks() == (Check("contains-any", ["Paris", "Lyon"]),)
    assert _edit(panel.model, 0, TYPE, "contains")
    assert panel.model.check_at(0).value == "[Paris, Lyon]"


def test_the_judge_model_is_for_model_graded_checks_only(panel: ChecksPanel) -> None:
    panel.set_checks([Check("contains", "Paris", provider="gpt-4o"), Check("llm-rubric", "Kind")])
    model = panel.model
    editable = Qt.ItemFlag.ItemIsEditable
    assert not model.flags(model.index(0, JUDGE)) & editable
    assert model.flags(model.index(1, JUDGE)) & editable
    assert _data(model, 0, JUDGE) == "not used"
    assert _data(model, 0, JUDGE, _Role.ToolTipRole) == (
        "Only model-graded checks (llm-rubric) have a judge model."
    )
    assert _data(model, 1, JUDGE) == "chosen when run"
    assert not _edit(model, 0, JUDGE, "gpt-4o-mini")
    assert _edit(model, 1, JUDGE, " gpt-4o-mini ")
    assert _data(model, 1, JUDGE) == "gpt-4o-mini"
    # A judge means nothing to a check no model grades: it is not handed on.
    assert panel.checks() == (
        Check("contains", "Paris"),
        Check("llm-rubric", "Kind", provider="gpt-4o-mini"),
    )
    assert _edit(model, 1, JUDGE, "")
    assert panel.checks()[1].provider is None


# --- round trips ------------------------------------------------------------------------------


def test_set_checks_and_checks_round_trip(qtbot: QtBot, shown: ChecksPanel) -> None:
    given = (
        Check("contains-any", ["Paris", "Lyon", "Marseille"]),
        Check("is-json", SCHEMA),
        Check("not-length", {"max": 3}),
        Check("equals", "[not a list]"),
        Check("llm-rubric", {"polite": "is it?"}, 0.8, "ollama/llama3"),
        Check("cost", None, 0.002),
    )
    shown.set_checks(given)
    assert shown.checks() == given
    assert _data(shown.model, 0, VALUE) == '["Paris", "Lyon", "Marseille"]'
    # Opening each value's editor and saving it unchanged changes nothing, not even its type.
    for row in range(len(given)):
        index = shown.model.index(row, VALUE)
        shown.table.edit(index)
        editor = shown.table.indexWidget(index)
        assert isinstance(editor, QPlainTextEdit)
        qtbot.keyClick(editor, Qt.Key.Key_Return)
        assert shown.table.indexWidget(index) is None
    assert shown.checks() == given
    assert shown.problems() == []


def test_remove_and_move_renumber_the_problems(qtbot: QtBot, shown: ChecksPanel) -> None:
    shown.set_checks([Check("contains", "a"), Check("starts-with", ""), Check("icontains", "b")])
    assert shown.problems() == ["check 2: 'starts-with': \"starts-with\" needs a string value"]
    shown.select_row(1)
    with qtbot.waitSignal(shown.checks_changed):
        qtbot.mouseClick(_child(shown, QPushButton, "checksUp"), Qt.MouseButton.LeftButton)
    assert shown.model.check_at(0) == Check("starts-with", "")
    assert shown.selected_row() == 0
    assert shown.problems() == ["check 1: 'starts-with': \"starts-with\" needs a string value"]
    qtbot.mouseClick(_child(shown, QPushButton, "checksUp"), Qt.MouseButton.LeftButton)
    assert shown.selected_row() == 0  # the first row cannot go higher
    qtbot.mouseClick(_child(shown, QPushButton, "checksDown"), Qt.MouseButton.LeftButton)
    qtbot.mouseClick(_child(shown, QPushButton, "checksDown"), Qt.MouseButton.LeftButton)
    assert shown.selected_row() == 2
    assert shown.checks() == (Check("contains", "a"), Check("icontains", "b"))
    assert shown.problems() == ["check 3: 'starts-with': \"starts-with\" needs a string value"]
    help_line = _child(shown, QLabel, "checksHelp")
    assert help_line.text() == "starts-with: Passes when the output starts with the value."
    with qtbot.waitSignal(shown.checks_changed):
        qtbot.mouseClick(_child(shown, QPushButton, "checksRemove"), Qt.MouseButton.LeftButton)
    assert shown.problems() == []
    assert shown.model.rowCount() == 2
    assert shown.selected_row() == 1
    shown.table.setFocus()
    qtbot.keyClick(shown.table, Qt.Key.Key_Delete)
    assert shown.checks() == (Check("contains", "a"),)
    shown.table.clearSelection()
    assert shown.selected_row() is None
    qtbot.mouseClick(_child(shown, QPushButton, "checksRemove"), Qt.MouseButton.LeftButton)
    assert shown.model.rowCount() == 1
    assert not shown.model.move_row(0, 1)
    assert not shown.model.move_row(0, 0)


def test_an_unsupported_type_from_a_file_is_shown_but_left_out(panel: ChecksPanel) -> None:
    panel.set_checks([Check("javascript", "output.length > 3"), Check("contains", "a")])
    assert panel.checks() == (Check("contains", "a"),)
    [problem] = panel.problems()
    assert problem.startswith("check 1: check type 'javascript' is not supported")
    assert panel.model.index(0, 0) != QModelIndex()
