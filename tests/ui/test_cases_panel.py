"""The Cases panel with real widgets: editing, add/duplicate/remove, pinning, importing files."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TypeVar

import pytest
from PySide6.QtCore import QModelIndex, QObject, Qt
from PySide6.QtGui import QBrush
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QTableView,
)
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from ui.background import Background
from ui.case_import_dialog import CaseImportDialog
from ui.cases_model import CasesModel
from ui.cases_panel import CasesPanel
from ui.error_presenter import ErrorPresenter
from workbench.suite import Case, Check

W = TypeVar("W", bound=QObject)
_Role = Qt.ItemDataRole


@pytest.fixture
def background(qapp: object) -> Iterator[Background]:
    helper = Background()
    yield helper
    helper.shutdown()


@pytest.fixture
def panel(qtbot: QtBot, background: Background, presenter: ErrorPresenter) -> CasesPanel:
    made = CasesPanel(background, presenter)
    qtbot.addWidget(made)
    made.set_variable_names(["question", "language"])
    return made


def _child(parent: QObject, kind: type[W], name: str) -> W:
    found = parent.findChild(kind, name)
    assert isinstance(found, kind), name
    return found


def _text(model: CasesModel, row: int, column: int, role: int = _Role.DisplayRole) -> object:
    return model.data(model.index(row, column), role)


def _headers(model: CasesModel) -> list[str]:
    return [
        str(model.headerData(column, Qt.Orientation.Horizontal))
        for column in range(model.columnCount())
    ]


TWO = [
    Case(
        vars={"question": "Capital of France?", "language": "en"},
        checks=(Check("contains", "Paris"),),
        description="capital",
    ),
    Case(vars={"question": "Hauptstadt?", "language": "de"}),
]


# --- the model ----------------------------------------------------------------------------------


def test_the_model_passes_qts_checks(qtmodeltester: ModelTester) -> None:
    model = CasesModel()
    model.set_cases(TWO, ["question", "language"])
    qtmodeltester.check(model)
    model.set_variable_names(["language"])
    model.duplicate_rows([0])
    qtmodeltester.check(model)


def test_columns_are_the_variables_then_expected_and_description() -> None:
    model = CasesModel()
    model.set_cases(TWO, ["question", "language"])
    assert _headers(model) == ["question", "language", "expected", "description"]
    assert _text(model, 0, 0) == "Capital of France?"
    assert _text(model, 0, 2) == "contains:Paris"
    assert _text(model, 0, 3) == "capital"
    assert model.cases() == TWO


def test_a_case_without_a_value_shows_so_and_gives_none() -> None:
    model = CasesModel()
    model.set_cases([Case(vars={"question": "q"})], ["question", "language"])
    assert _text(model, 0, 1) == "no value"
    assert _text(model, 0, 1, _Role.EditRole) == ""
    assert model.cases() == [Case(vars={"question": "q"})]


def test_a_long_value_shows_its_first_line() -> None:
    model = CasesModel()
    model.add_case({"question": "line one\nline two"})
    model.set_variable_names(["question"])
    assert _text(model, 0, 0) == "line one…"
    assert _text(model, 0, 0, _Role.EditRole) == "line one\nline two"


def test_editing_the_expected_cell_parses_checks_and_refuses_broken_ones(qtbot: QtBot) -> None:
    model = CasesModel()
    model.set_cases(TWO, ["question", "language"])
    expected = model.index(1, 2)
    with qtbot.waitSignal(model.cases_changed):
        assert model.setData(expected, "contains: Berlin\nnot-icontains: sorry")
    assert model.cases()[1].checks == (Check("contains", "Berlin"), Check("not-icontains", "sorry"))
    with qtbot.waitSignal(model.edit_refused) as refused:
        assert not model.setData(expected, "regex: (unclosed")
    assert "'regex': Invalid regex pattern" in refused.args[0]
    assert model.cases()[1].checks == (Check("contains", "Berlin"), Check("not-icontains", "sorry"))
    tip = str(model.data(expected, _Role.ToolTipRole))
    assert tip.startswith("Not saved: case 2: 'regex': Invalid regex pattern")
    assert isinstance(model.data(expected, _Role.ForegroundRole), QBrush)
    assert model.data(expected, _Role.EditRole) == "regex: (unclosed"  # to fix what was typed
    assert model.setData(expected, "regex: ^B")
    assert model.cases()[1].checks == (Check("regex", "^B"),)
    assert model.data(expected, _Role.ForegroundRole) is None


def test_checks_without_a_one_line_form_are_shown_but_not_editable() -> None:
    model = CasesModel()
    schema = Case(vars={}, checks=(Check("is-json", {"type": "object"}),))
    model.set_cases([schema], [])
    expected = model.index(0, 0)
    assert _text(model, 0, 0) == "1 check (not editable here)"
    assert not model.flags(expected) & Qt.ItemFlag.ItemIsEditable
    assert not model.setData(expected, "is-json")
    assert model.cases() == [schema]


def test_columns_follow_the_variables_and_hidden_values_come_back(qtbot: QtBot) -> None:
    model = CasesModel()
    model.set_cases(TWO, ["question", "language"])
    with qtbot.assertNotEmitted(model.modelReset):
        model.set_variable_names(["question"])  # a column removed, not a reset
    assert _headers(model) == ["question", "expected", "description"]
    assert model.cases()[1] == Case(vars={"question": "Hauptstadt?"})
    assert model.kept_cases()[1] == TWO[1]
    model.setData(model.index(1, 0), "Hauptstadt von Deutschland?")
    model.set_variable_names(["topic", "question", "language"])
    assert _headers(model) == ["topic", "question", "language", "expected", "description"]
    assert model.cases()[1] == Case(
        vars={"question": "Hauptstadt von Deutschland?", "language": "de"}
    )
    model.set_variable_names(["language", "question"])  # reordered: a reset, nothing lost
    assert _text(model, 0, 0) == "en"
    assert model.cases()[0].vars == {"language": "en", "question": "Capital of France?"}


def test_rows_are_inserted_duplicated_and_removed() -> None:
    model = CasesModel()
    model.set_cases(TWO, ["question"])  # "language" hidden
    assert model.insertRows(1, 1)
    assert model.cases()[1] == Case(vars={})
    assert model.duplicate_rows([0, 2]) == [3, 4]
    assert model.kept_cases()[3:] == TWO  # copies keep hidden values
    assert model.removeRows(0, 2)
    assert [case.vars.get("question") for case in model.cases()] == [
        "Hauptstadt?",
        "Capital of France?",
        "Hauptstadt?",
    ]
    model.remove_rows([5, 0, 1])
    assert model.cases() == [Case(vars={"question": "Hauptstadt?"})]


# --- the panel ----------------------------------------------------------------------------------


def test_a_cell_is_edited_in_place(qtbot: QtBot, panel: CasesPanel) -> None:
    panel.set_cases(TWO)
    panel.show()
    qtbot.waitExposed(panel)
    index = panel.model.index(1, 0)
    panel.table.setCurrentIndex(index)
    panel.table.edit(index)
    editor = panel.table.indexWidget(index)
    assert isinstance(editor, QPlainTextEdit)
    assert editor.toPlainText() == "Hauptstadt?"
    with qtbot.waitSignal(panel.cases_changed):
        qtbot.keyClicks(editor, "Wie heißt")
        qtbot.keyClick(editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
        qtbot.keyClicks(editor, "die Hauptstadt?")
        qtbot.keyClick(editor, Qt.Key.Key_Return)  # saves
    assert panel.cases()[1].vars["question"] == "Wie heißt\ndie Hauptstadt?"


def test_a_refused_check_says_why_in_the_status(panel: CasesPanel) -> None:
    panel.set_cases(TWO)
    panel.model.setData(panel.model.index(0, 2), "contains")
    assert panel.status_text().startswith("Not saved: case 1: 'contains'")
    assert panel.cases() == TWO


def test_add_duplicate_and_remove(qtbot: QtBot, panel: CasesPanel) -> None:
    panel.set_cases(TWO)
    panel.show()
    qtbot.waitExposed(panel)
    summary = _child(panel, QLabel, "casesSummary")
    assert summary.text() == "2 cases × 1 repeat"
    with qtbot.waitSignal(panel.cases_changed):
        qtbot.mouseClick(_child(panel, QPushButton, "casesAdd"), Qt.MouseButton.LeftButton)
    assert panel.cases()[2] == Case(vars={})
    assert summary.text() == "3 cases × 1 repeat"
    editor = panel.table.indexWidget(panel.model.index(2, 0))
    assert isinstance(editor, QPlainTextEdit)  # the new case opens for typing
    qtbot.keyClicks(editor, "New question")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    assert panel.cases()[2] == Case(vars={"question": "New question"})
    panel.table.selectRow(0)
    qtbot.mouseClick(_child(panel, QPushButton, "casesDuplicate"), Qt.MouseButton.LeftButton)
    assert panel.cases()[1] == TWO[0]  # the copy follows its original
    assert panel.table.selectionModel().isRowSelected(1, QModelIndex())
    assert panel.status_text() == "Duplicated 1 case"
    panel.table.selectRow(2)
    qtbot.mouseClick(_child(panel, QPushButton, "casesRemove"), Qt.MouseButton.LeftButton)
    assert [case.vars.get("question") for case in panel.cases()] == [
        "Capital of France?",
        "Capital of France?",
        "New question",
    ]
    assert panel.status_text() == "Removed 1 case"


def test_the_delete_key_removes_the_selected_cases(qtbot: QtBot, panel: CasesPanel) -> None:
    panel.set_cases(TWO)
    panel.show()
    panel.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is panel)
    panel.table.setFocus()
    panel.table.selectRow(0)
    qtbot.keyClick(panel.table, Qt.Key.Key_Delete)
    assert panel.cases() == [TWO[1]]


def test_pin_adds_the_values_as_a_selected_case(panel: CasesPanel) -> None:
    panel.set_cases(TWO)
    row = panel.pin({"question": "Pinned?", "language": "fr", "unused": "kept"})
    assert row == 2
    assert panel.status_text() == "Pinned as case 3"
    assert panel.cases()[2] == Case(vars={"question": "Pinned?", "language": "fr"})
    assert panel.kept_cases()[2].vars["unused"] == "kept"
    assert panel.table.selectionModel().isRowSelected(2, QModelIndex())


def test_repeats(qtbot: QtBot, panel: CasesPanel) -> None:
    panel.set_cases(TWO)
    with qtbot.waitSignal(panel.repeats_changed) as changed:
        panel.set_repeats(3)
    assert changed.args == [3]
    assert panel.repeats() == 3
    assert _child(panel, QLabel, "casesSummary").text() == "2 cases × 3 repeats"
    panel.set_repeats(0)
    assert panel.repeats() == 1
    panel.set_repeats(1000)
    assert panel.repeats() == 100


# --- importing ----------------------------------------------------------------------------------


def _open_import(qtbot: QtBot, panel: CasesPanel, path: Path) -> CaseImportDialog:
    panel.import_file(path)
    qtbot.waitUntil(lambda: panel.import_dialog is not None, timeout=20_000)
    dialog = panel.import_dialog
    assert dialog is not None
    return dialog


def test_import_maps_columns_and_appends(qtbot: QtBot, panel: CasesPanel, tmp_path: Path) -> None:
    path = tmp_path / "more.csv"
    path.write_text(
        "Question,city,expected,notes,lang\n"
        "Capital of Italy?,Rome,contains: Rome,italy,it\n"
        "Capital of Spain?,Madrid,,spain,es\n",
        encoding="utf-8",
    )
    panel.set_cases(TWO)
    dialog = _open_import(qtbot, panel, path)
    assert _child(dialog, QLabel, "importSource").text() == "more.csv: 2 rows, 5 columns"
    assert dialog.combo_for("Question").currentData() == "var:question"
    assert dialog.combo_for("city").currentData() == "var:city"  # a new variable
    assert dialog.combo_for("expected").currentData() == "expected"
    lang = dialog.combo_for("lang")
    lang.setCurrentIndex(lang.findData("var:language"))
    notes = dialog.combo_for("notes")
    notes.setCurrentIndex(notes.findText("description"))
    preview = _child(dialog, QTableView, "importPreview").model()
    assert preview.rowCount() == 2
    assert [
        preview.headerData(column, Qt.Orientation.Horizontal)
        for column in range(preview.columnCount())
    ] == ["question", "city", "language", "expected", "description"]
    assert preview.data(preview.index(0, 3)) == "contains:Rome"
    assert _child(dialog, QLabel, "importCount").text() == "2 cases will be added"
    with qtbot.waitSignal(panel.cases_changed):
        qtbot.mouseClick(_child(dialog, QPushButton, "importButton"), Qt.MouseButton.LeftButton)
    assert panel.cases()[2:] == [
        Case(
            vars={"question": "Capital of Italy?", "language": "it"},
            checks=(Check("contains", "Rome"),),
            description="italy",
        ),
        Case(vars={"question": "Capital of Spain?", "language": "es"}, description="spain"),
    ]
    assert panel.kept_cases()[2].vars["city"] == "Rome"
    assert panel.status_text() == "Imported 2 cases; kept for when a prompt uses them: city"
    assert panel.cases()[:2] == TWO
    qtbot.waitUntil(lambda: panel.import_dialog is None)


def test_a_mapping_problem_blocks_import_until_fixed(
    qtbot: QtBot, panel: CasesPanel, tmp_path: Path
) -> None:
    path = tmp_path / "two.csv"
    path.write_text("question,q2,__expected\nA?,B?,regex: (\n", encoding="utf-8")
    dialog = _open_import(qtbot, panel, path)
    button = _child(dialog, QPushButton, "importButton")
    problem = _child(dialog, QLabel, "importProblem")
    assert not button.isEnabled()  # the bad regex shows in the preview already
    assert "case 1, column '__expected'" in problem.text()
    check = dialog.combo_for("__expected")
    check.setCurrentIndex(check.findText("(skip)"))
    assert button.isEnabled()
    q2 = dialog.combo_for("q2")
    q2.setCurrentIndex(q2.findData("var:question"))
    assert not button.isEnabled()
    assert "columns 'question' and 'q2' both feed variable 'question'" in problem.text()
    q2.setCurrentIndex(q2.findText("(skip)"))
    assert button.isEnabled()
    assert dialog.mapping().variables == {"question": "question"}


def test_import_replaces_from_a_chosen_sheet(
    qtbot: QtBot, panel: CasesPanel, tmp_path: Path
) -> None:
    import pandas as pd  # noqa: PLC0415 - heavy: only this test writes a workbook

    path = tmp_path / "book.xlsx"
    with pd.ExcelWriter(path) as writer:
        pd.DataFrame({"question": ["from one"]}).to_excel(writer, index=False, sheet_name="One")
        pd.DataFrame({"language": ["nl", "sv"], "n": [1, 2]}).to_excel(
            writer, index=False, sheet_name="Two"
        )
    panel.set_cases(TWO)
    dialog = _open_import(qtbot, panel, path)
    assert dialog.sheet() == "One"
    sheet = _child(dialog, QComboBox, "importSheet")
    sheet.setCurrentText("Two")
    qtbot.waitUntil(lambda: _child(dialog, QLabel, "importSource").text().endswith("2 columns"))
    assert dialog.combo_for("language").currentData() == "var:language"
    _child(dialog, QRadioButton, "importReplace").setChecked(True)
    assert _child(dialog, QLabel, "importCount").text() == "2 cases will replace the current ones"
    qtbot.mouseClick(_child(dialog, QPushButton, "importButton"), Qt.MouseButton.LeftButton)
    assert panel.cases() == [Case(vars={"language": "nl"}), Case(vars={"language": "sv"})]
    assert [case.vars["n"] for case in panel.kept_cases()] == ["1", "2"]


def test_cancel_changes_nothing(qtbot: QtBot, panel: CasesPanel, tmp_path: Path) -> None:
    path = tmp_path / "cases.jsonl"
    path.write_text('{"question": "x"}\n', encoding="utf-8")
    panel.set_cases(TWO)
    dialog = _open_import(qtbot, panel, path)
    with qtbot.assertNotEmitted(panel.cases_changed):
        dialog.reject()
    assert panel.cases() == TWO


def test_a_file_that_cannot_be_read_goes_to_the_presenter(
    qtbot: QtBot, panel: CasesPanel, presenter: ErrorPresenter, tmp_path: Path
) -> None:
    path = tmp_path / "cases.xlsx"
    path.write_text("not a workbook", encoding="utf-8")
    with qtbot.waitSignal(presenter.shown, timeout=20_000) as shown:
        panel.import_file(path)
    title, text = shown.args
    assert title == "Could not import cases"
    assert text.startswith(f"{path}: not an Excel .xlsx workbook")
    assert panel.import_dialog is None
    assert panel.status_text().startswith("Could not import:")
