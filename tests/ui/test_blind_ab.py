"""Blind A/B: the dialog's keys, undo, progress and blindness; the scoreboard's figures."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TypeVar

import pytest
from PySide6.QtCore import QModelIndex, QObject, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QComboBox,
    QDialog,
    QLabel,
    QPlainTextEdit,
    QTableView,
    QTextEdit,
    QWidget,
)
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from ui.blind_ab_dialog import BlindABDialog
from ui.output_view import OutputView
from ui.scoreboard_panel import EMPTY_TEXT, VALUE_ROLE, ScoreboardPanel
from workbench.ab_pairs import PairToJudge
from workbench.ratings import Choice, Preference, Side

# Names that must never show in the blind dialog: prompts, models, and their columns.
SECRETS = ("prompt-terse", "prompt-chatty", "model-zeta", "model-omega", "×")

PAIRS = (
    PairToJudge(
        left=Side(5, 0, "prompt-terse", "model-zeta", "Four."),
        right=Side(5, 3, "prompt-chatty", "model-omega", "Two plus two makes four!"),
        variables={"question": "What is 2+2?", "audience": "kids"},
        row=0,
    ),
    PairToJudge(
        left=Side(5, 7, "prompt-chatty", "model-zeta", "Paris, of course."),
        right=Side(5, 4, "prompt-terse", "model-omega", "Paris."),
        variables={"question": "Capital of France?", "audience": "adults"},
        row=1,
    ),
    PairToJudge(
        left=Side(5, 8, "prompt-terse", "model-omega", "Blue."),
        right=Side(5, 11, "prompt-chatty", "model-zeta", "The sky looks blue."),
        variables={"question": "Sky colour?", "audience": "kids"},
        row=2,
    ),
)


@pytest.fixture
def dialog(qtbot: QtBot) -> Iterator[BlindABDialog]:
    shown = BlindABDialog(PAIRS)
    qtbot.addWidget(shown)
    shown.show()
    shown.activateWindow()
    qtbot.waitExposed(shown)
    qtbot.waitUntil(shown.isActiveWindow)
    yield shown


def recorder(dialog: BlindABDialog) -> tuple[list[Preference], list[Preference]]:
    preferred: list[Preference] = []
    undone: list[Preference] = []
    dialog.preferred.connect(preferred.append)
    dialog.undone.connect(undone.append)
    return preferred, undone


Found = TypeVar("Found", bound=QObject)


def child(parent: QObject, kind: type[Found], name: str) -> Found:
    found = parent.findChild(kind, name)
    assert found is not None, name
    return found


def output_text(dialog: BlindABDialog, name: str) -> str:
    return child(dialog, OutputView, f"abOutput{name}").text()


def expected(pair: PairToJudge, choice: Choice) -> Preference:
    return Preference(pair.left, pair.right, choice, dict(pair.variables))


def everything_shown(dialog: QWidget) -> list[str]:
    """Every text, tooltip, accessible name and title the dialog and its children carry."""
    found: list[str] = []
    for widget in [dialog, *dialog.findChildren(QWidget)]:
        found += [
            widget.toolTip(),
            widget.accessibleName(),
            widget.accessibleDescription(),
            widget.windowTitle(),
            widget.statusTip(),
            widget.whatsThis(),
        ]
        if isinstance(widget, QLabel | QAbstractButton):
            found.append(widget.text())
        if isinstance(widget, QPlainTextEdit):
            found += [widget.toPlainText(), widget.placeholderText()]
        if isinstance(widget, QTextEdit):
            found += [widget.toPlainText(), widget.toHtml(), widget.placeholderText()]
        if isinstance(widget, QComboBox):
            found += [widget.itemText(i) for i in range(widget.count())]
    return found


def assert_blind(dialog: QWidget) -> None:
    shown = everything_shown(dialog)
    leaks = [(secret, text) for text in shown for secret in SECRETS if secret in text]
    assert leaks == []


@pytest.mark.parametrize(
    ("key", "choice"),
    [
        (Qt.Key.Key_Left, Choice.LEFT),
        (Qt.Key.Key_A, Choice.LEFT),
        (Qt.Key.Key_1, Choice.LEFT),
        (Qt.Key.Key_Right, Choice.RIGHT),
        (Qt.Key.Key_B, Choice.RIGHT),
        (Qt.Key.Key_2, Choice.RIGHT),
        (Qt.Key.Key_Equal, Choice.TIE),
        (Qt.Key.Key_T, Choice.TIE),
    ],
)
def test_each_key_records_its_choice_with_a_as_the_left_side(
    qtbot: QtBot, dialog: BlindABDialog, key: Qt.Key, choice: Choice
) -> None:
    preferred, _ = recorder(dialog)
    qtbot.keyClick(dialog, key)
    assert preferred == [expected(PAIRS[0], choice)]
    assert preferred[0].id is None
    assert dialog.progress_text() == "2 of 3"
    assert output_text(dialog, "A") == "Paris, of course."
    assert output_text(dialog, "B") == "Paris."


def test_the_buttons_show_their_keys_and_choose(qtbot: QtBot, dialog: BlindABDialog) -> None:
    preferred, _ = recorder(dialog)
    texts = {
        name: child(dialog, QAbstractButton, name).text()
        for name in ("abPickA", "abPickB", "abTie", "abSkip", "abUndo")
    }
    assert texts == {
        "abPickA": "A is better  (←, A, 1)",
        "abPickB": "B is better  (→, B, 2)",
        "abTie": "Tie  (=, T)",
        "abSkip": "Skip  (S)",
        "abUndo": "Undo  (Ctrl+Z)",
    }
    qtbot.mouseClick(child(dialog, QAbstractButton, "abPickB"), Qt.MouseButton.LeftButton)
    qtbot.mouseClick(child(dialog, QAbstractButton, "abTie"), Qt.MouseButton.LeftButton)
    assert preferred == [expected(PAIRS[0], Choice.RIGHT), expected(PAIRS[1], Choice.TIE)]


def test_keys_work_while_an_output_has_the_focus(qtbot: QtBot, dialog: BlindABDialog) -> None:
    preferred, _ = recorder(dialog)
    text = child(child(dialog, OutputView, "abOutputA"), QPlainTextEdit, "plainOutput")
    text.setFocus()
    qtbot.waitUntil(text.hasFocus)
    qtbot.keyClick(text, Qt.Key.Key_Right)
    qtbot.keyClick(text, Qt.Key.Key_A)
    button = child(dialog, QAbstractButton, "abPickA")
    button.setFocus()
    qtbot.waitUntil(button.hasFocus)
    qtbot.keyClick(button, Qt.Key.Key_Right)
    assert [p.choice for p in preferred] == [Choice.RIGHT, Choice.LEFT, Choice.RIGHT]


def test_the_input_is_shown_with_names_and_values(dialog: BlindABDialog) -> None:
    variables = child(dialog, QPlainTextEdit, "abVariables")
    assert variables.toPlainText() == "question: What is 2+2?\naudience: kids"
    assert output_text(dialog, "A") == "Four."
    assert output_text(dialog, "B") == "Two plus two makes four!"
    assert dialog.progress_text() == "1 of 3"


def test_skip_moves_on_without_a_choice(qtbot: QtBot, dialog: BlindABDialog) -> None:
    preferred, _ = recorder(dialog)
    qtbot.keyClick(dialog, Qt.Key.Key_S)
    assert preferred == []
    assert dialog.progress_text() == "2 of 3"
    assert output_text(dialog, "B") == "Paris."


def test_undo_takes_back_the_last_choice_and_shows_its_pair_again(
    qtbot: QtBot, dialog: BlindABDialog
) -> None:
    preferred, undone = recorder(dialog)
    undo = child(dialog, QAbstractButton, "abUndo")
    assert not undo.isEnabled()
    qtbot.keyClick(dialog, Qt.Key.Key_A)  # pair 1: A
    qtbot.keyClick(dialog, Qt.Key.Key_S)  # pair 2 skipped
    assert dialog.progress_text() == "3 of 3"
    assert undo.isEnabled()
    qtbot.keyClick(dialog, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert undone == [expected(PAIRS[0], Choice.LEFT)]
    assert undone[0] is preferred[0]
    assert dialog.judged() == []
    assert dialog.progress_text() == "1 of 3"
    assert output_text(dialog, "A") == "Four."
    assert not undo.isEnabled()
    # Nothing left to undo: a further Ctrl+Z does nothing.
    qtbot.keyClick(dialog, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert len(undone) == 1
    qtbot.keyClick(dialog, Qt.Key.Key_2)
    assert preferred[-1] == expected(PAIRS[0], Choice.RIGHT)
    assert dialog.judged() == [expected(PAIRS[0], Choice.RIGHT)]


def test_when_every_pair_is_done_it_says_so_and_closes(qtbot: QtBot, dialog: BlindABDialog) -> None:
    preferred, undone = recorder(dialog)
    for key in (Qt.Key.Key_A, Qt.Key.Key_S, Qt.Key.Key_T):
        qtbot.keyClick(dialog, key)
    title = child(dialog, QLabel, "abDoneTitle")
    detail = child(dialog, QLabel, "abDoneDetail")
    assert title.isVisible()
    assert title.text() == "All pairs judged"
    assert detail.text() == "2 judged, 1 skipped. The scoreboard shows the standings."
    assert dialog.progress_text() == "3 of 3"
    qtbot.keyClick(dialog, Qt.Key.Key_B)  # nothing left to choose on
    assert len(preferred) == 2
    # Undo works from the last page too, back to the last pair.
    qtbot.keyClick(dialog, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert undone == [expected(PAIRS[2], Choice.TIE)]
    assert not title.isVisible()
    qtbot.keyClick(dialog, Qt.Key.Key_1)
    assert title.isVisible()
    close = child(dialog, QAbstractButton, "abClose")
    qtbot.mouseClick(close, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    assert dialog.result() == QDialog.DialogCode.Accepted


def test_escape_closes(qtbot: QtBot, dialog: BlindABDialog) -> None:
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert not dialog.isVisible()


def test_no_pairs_says_there_was_nothing_to_judge(qtbot: QtBot) -> None:
    empty = BlindABDialog(())
    qtbot.addWidget(empty)
    empty.show()
    title = child(empty, QLabel, "abDoneTitle")
    assert title.isVisible()
    detail = child(empty, QLabel, "abDoneDetail")
    assert detail.text().startswith("There was nothing to judge")
    assert empty.progress_text() == "0 of 0"


def test_no_prompt_model_or_column_shows_anywhere(qtbot: QtBot, dialog: BlindABDialog) -> None:
    # The walk sees what is on screen: the outputs and the input are in it.
    shown = "\n".join(everything_shown(dialog))
    assert "Two plus two makes four!" in shown
    assert "What is 2+2?" in shown
    assert_blind(dialog)
    for mode in ("Markdown", "JSON"):
        combo = child(child(dialog, OutputView, "abOutputA"), QComboBox, "outputMode")
        combo.setCurrentText(mode)
        assert_blind(dialog)
    qtbot.keyClick(dialog, Qt.Key.Key_A)
    assert_blind(dialog)
    qtbot.keyClick(dialog, Qt.Key.Key_S)
    qtbot.keyClick(dialog, Qt.Key.Key_T)
    assert_blind(dialog)  # the last page
    qtbot.keyClick(dialog, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert_blind(dialog)


def test_both_outputs_read_in_one_mode(dialog: BlindABDialog) -> None:
    views = [child(dialog, OutputView, f"abOutput{name}") for name in "AB"]
    child(views[1], QComboBox, "outputMode").setCurrentText("Markdown")
    assert [view.mode() for view in views] == ["Markdown", "Markdown"]


# --- the scoreboard ---------------------------------------------------------------------------

X = ("p1", "m1")  # column "p1 × m1"
Y = ("p2", "m1")
Z = ("p1", "m2")


def pref(
    left: tuple[str, str], right: tuple[str, str], choice: Choice, cells: int = 0
) -> Preference:
    return Preference(
        left=Side(1, cells, *left, "one output"),
        right=Side(1, cells + 1, *right, "another output"),
        choice=choice,
        variables={},
    )


def table_rows(
    panel: ScoreboardPanel, role: int = Qt.ItemDataRole.DisplayRole
) -> list[list[object]]:
    model = panel.model()
    return [
        [model.index(row, column).data(role) for column in range(model.columnCount())]
        for row in range(model.rowCount())
    ]


def test_an_empty_scoreboard_says_how_to_start(qtbot: QtBot) -> None:
    panel = ScoreboardPanel()
    qtbot.addWidget(panel)
    panel.show()
    assert panel.summary_text() == EMPTY_TEXT
    assert EMPTY_TEXT == ("No blind A/B judgements yet: Results \u203a Blind A/B\u2026 (Ctrl+B)")
    table = child(panel, QTableView, "scoreboardTable")
    assert not table.isVisible()
    assert panel.model().rowCount() == 0


def test_the_scoreboard_counts_each_column_and_ranks_by_strength(
    qtbot: QtBot, qtmodeltester: ModelTester
) -> None:
    panel = ScoreboardPanel()
    qtbot.addWidget(panel)
    panel.show()
    panel.set_preferences(
        [
            pref(X, Y, Choice.LEFT),  # X beats Y
            pref(Y, X, Choice.RIGHT),  # X beats Y again, shown the other way round
            pref(X, Z, Choice.TIE),
            pref(Z, Y, Choice.LEFT),  # Z beats Y
            pref(X, X, Choice.LEFT, cells=8),  # two outputs of one column: not a game
        ]
    )
    qtmodeltester.check(panel.model())
    assert panel.summary_text() == (
        "4 judgements over 3 columns; 1 judgement between two outputs of the same column left "
        "out (they do not rank columns)"
    )
    shown = table_rows(panel)
    # X: 2 wins, 1 tie of 3 -> 2.5 / 3; Z: 1 win, 1 tie of 2 -> 1.5 / 2; Y lost all 3.
    assert [row[:6] for row in shown] == [
        ["1", "p1 × m1", "2", "0", "1", "83%"],
        ["2", "p1 × m2", "1", "0", "1", "75%"],
        ["3", "p2 × m1", "0", "3", "0", "0%"],
    ]
    values = table_rows(panel, VALUE_ROLE)
    assert values[0][5] == pytest.approx(5 / 6)
    assert values[1][5] == pytest.approx(0.75)
    strengths = [row[6] for row in values]
    assert strengths[0] > strengths[1] > 1.0 > strengths[2]  # type: ignore[operator]
    table = child(panel, QTableView, "scoreboardTable")
    assert table.isVisible()
    header = panel.model().headerData(6, Qt.Orientation.Horizontal, Qt.ItemDataRole.DisplayRole)
    assert header == "Strength"
    assert panel.model().index(0, 0).parent() == QModelIndex()


def test_elo_after_two_games_worked_by_hand(qtbot: QtBot) -> None:
    panel = ScoreboardPanel()
    qtbot.addWidget(panel)
    # Game 1 at 1000/1000: expected 0.5, X wins: X 1000 + 32 * 0.5 = 1016, Y 984.
    # Game 2, Y beats X: X expects 1 / (1 + 10 ** ((984 - 1016) / 400)) = 0.545922, so X moves
    # by 32 * (0 - 0.545922) = -17.469502: X 998.530498, Y 1001.469502.
    panel.set_preferences([pref(X, Y, Choice.LEFT), pref(X, Y, Choice.RIGHT)])
    assert panel.summary_text() == "2 judgements over 2 columns"
    values = {row[1]: row for row in table_rows(panel, VALUE_ROLE)}
    assert values["p1 × m1"][8] == pytest.approx(998.530498, abs=1e-6)
    assert values["p2 × m1"][8] == pytest.approx(1001.469502, abs=1e-6)
    # One win each: equal strength 1 (the geometric mean), P(beats average) = 1 / 2; ties of
    # strength are ordered by name.
    shown = table_rows(panel)
    assert [row[1:] for row in shown] == [
        ["p1 × m1", "1", "1", "0", "50%", "1.00", "50%", "999"],
        ["p2 × m1", "1", "1", "0", "50%", "1.00", "50%", "1001"],
    ]


def test_new_preferences_replace_the_old_standings(qtbot: QtBot) -> None:
    panel = ScoreboardPanel()
    qtbot.addWidget(panel)
    panel.set_preferences([pref(X, Y, Choice.LEFT)])
    assert panel.model().rowCount() == 2
    panel.set_preferences([])
    assert panel.model().rowCount() == 0
    assert panel.summary_text() == EMPTY_TEXT
