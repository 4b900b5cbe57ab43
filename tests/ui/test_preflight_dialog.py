"""The preflight dialog driven as a person would: read the figures, set a budget, run or cancel."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog
from pytestqt.qtbot import QtBot

from ui.preflight_dialog import PreflightDialog
from workbench.preflight import ModelEstimate, Preflight

PRICED = ModelEstimate("gpt-4o-mini", 4, 60, 1024, "default", 0.002108, "litellm-price-map")
LOCAL = ModelEstimate("ollama/llama3", 4, 60, 400, "max_tokens", 0.0, "local")
MYSTERY = ModelEstimate("mystery-xyz", 2, 30, 81, "history", None, "unknown")


def _open(qtbot: QtBot, preflight: Preflight, budget: float | None = None) -> PreflightDialog:
    dialog = PreflightDialog(preflight, budget)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def _cells(dialog: PreflightDialog) -> list[list[str]]:
    model = dialog.model
    return [
        [model.index(row, column).data() for column in range(model.columnCount())]
        for row in range(model.rowCount())
    ]


def test_shows_each_model_and_the_total(qtbot: QtBot) -> None:
    dialog = _open(qtbot, Preflight((PRICED, LOCAL)))
    assert _cells(dialog) == [
        ["gpt-4o-mini", "4", "~60", "~1,024 (a guess, 256 a call)", "$0.0021"],
        ["ollama/llama3", "4", "~60", "~400 (at max_tokens)", "free (local)"],
    ]
    assert dialog.total.text() == "Total: 8 calls · ~120 tokens in · ~1,424 out · $0.0021"
    assert dialog.warning.isHidden()
    tip = dialog.model.index(0, 3).data(Qt.ItemDataRole.ToolTipRole)
    assert "256 tokens a call is assumed" in tip


def test_unknown_costs_are_named_with_what_that_means_for_the_budget(qtbot: QtBot) -> None:
    dialog = _open(qtbot, Preflight((PRICED, MYSTERY)))
    assert _cells(dialog)[1] == [
        "mystery-xyz",
        "2",
        "~30",
        "~81 (as this model answered before)",
        "unknown",
    ]
    assert dialog.warning.isVisible()
    assert dialog.warning.text() == "cost unknown for: mystery-xyz — the budget cannot stop on it"
    assert dialog.total.text().endswith("at least $0.0021 (some costs unknown)")


def test_no_budget_by_default_and_enter_runs(qtbot: QtBot) -> None:
    dialog = _open(qtbot, Preflight((PRICED,)))
    assert not dialog.budget_check.isChecked()
    assert not dialog.budget_spin.isEnabled()
    assert dialog.run_button.isDefault()
    with qtbot.waitSignal(dialog.accepted, timeout=2000):
        qtbot.keyClick(dialog, Qt.Key.Key_Return)
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.budget() is None


def test_a_budget_typed_in_is_what_the_run_gets(qtbot: QtBot) -> None:
    dialog = _open(qtbot, Preflight((PRICED, LOCAL)))
    qtbot.mouseClick(dialog.budget_check, Qt.MouseButton.LeftButton)
    assert dialog.budget_spin.isEnabled()
    dialog.budget_spin.setFocus()
    dialog.budget_spin.selectAll()
    qtbot.keyClicks(dialog.budget_spin, "2.5")
    with qtbot.waitSignal(dialog.accepted, timeout=2000):
        qtbot.keyClick(dialog.budget_spin, Qt.Key.Key_Enter)  # Enter in the box runs too
    assert dialog.budget() == 2.5


def test_a_budget_offered_opens_checked_and_can_be_turned_off(qtbot: QtBot) -> None:
    dialog = _open(qtbot, Preflight((PRICED,)), budget=0.75)
    assert dialog.budget_check.isChecked()
    assert dialog.budget_spin.value() == pytest.approx(0.75)
    assert dialog.budget() == 0.75
    qtbot.mouseClick(dialog.budget_check, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(dialog.run_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.budget() is None


def test_cancel_does_not_run(qtbot: QtBot) -> None:
    dialog = _open(qtbot, Preflight((PRICED,)), budget=1.0)
    with qtbot.waitSignal(dialog.rejected, timeout=2000):
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert dialog.result() == QDialog.DialogCode.Rejected
