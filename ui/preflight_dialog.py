"""Before a run: what it is expected to cost, per model, and an optional budget to stop it at.

The figures are estimates (tiktoken input counts, expected output lengths), so they read with a
"~" as every estimated count in the window does; where the expected output came from is said
in its column. A model with no known price cannot count toward the budget, and the dialog says so
before the run rather than after.
"""

from __future__ import annotations

import math

from PySide6.QtCore import Qt
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ui.readouts import usd
from workbench.domain import CostSource
from workbench.preflight import DEFAULT_OUTPUT_TOKENS, ModelEstimate, Preflight

_HEADERS = ("Model", "Calls", "Input tokens", "Expected output tokens", "Expected cost")
_BASES = {
    "history": "as this model answered before",
    "max_tokens": "at max_tokens",
    "default": f"a guess, {DEFAULT_OUTPUT_TOKENS} a call",
}
_BASIS_TIPS = {
    "history": "The mean output of this model in earlier runs, times the calls.",
    "max_tokens": "max_tokens times the calls: a ceiling, so the figure errs high.",
    "default": (
        f"No earlier runs and no max_tokens: {DEFAULT_OUTPUT_TOKENS} tokens a call is assumed."
    ),
}
_SUGGESTED_BUDGET = 1.0  # offered when the dialog opens with no budget and nothing costs more


class PreflightDialog(QDialog):
    """Shows `preflight` and asks for a budget; read `budget()` after it is accepted.

    `budget` is the one to offer (the last run's, say); None opens with the budget off.
    """

    def __init__(
        self, preflight: Preflight, budget: float | None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("preflightDialog")
        self.setWindowTitle("Run: expected cost")
        self.model = _table_model(preflight, self)
        self.table = self._build_table()
        self.total = QLabel(_total_text(preflight), self)
        self.total.setObjectName("preflightTotal")
        self.warning = QLabel(self)
        self.warning.setObjectName("unknownCostWarning")
        self.warning.setWordWrap(True)
        self.warning.setTextFormat(Qt.TextFormat.PlainText)
        unknown = preflight.unknown_models
        self.warning.setText(
            f"cost unknown for: {', '.join(unknown)} — the budget cannot stop on it"
        )
        self.warning.setVisible(bool(unknown))

        self.budget_check = QCheckBox("Stop when the run has cost $", self)
        self.budget_spin = QDoubleSpinBox(self)
        budget_row = self._build_budget_row(
            budget if budget is not None else _suggested(preflight), checked=budget is not None
        )

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.run_button = buttons.addButton("Run", QDialogButtonBox.ButtonRole.AcceptRole)
        self.run_button.setObjectName("runButton")
        self.run_button.setDefault(True)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(self.total)
        layout.addWidget(self.warning)
        layout.addLayout(budget_row)
        layout.addWidget(buttons)
        self.resize(720, 360)
        self.run_button.setFocus()

    def _build_table(self) -> QTableView:
        table = QTableView(self)
        table.setObjectName("preflightTable")
        table.setModel(self.model)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        table.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Enter belongs to the Run button
        table.verticalHeader().hide()
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        return table

    def _build_budget_row(self, value: float, *, checked: bool) -> QHBoxLayout:
        self.budget_check.setObjectName("budgetCheck")
        self.budget_check.setToolTip(
            "Counted as cells end: cells still running then are stopped, so the run can pass the "
            "budget by what those had used."
        )
        self.budget_spin.setObjectName("budgetSpin")
        self.budget_spin.setDecimals(2)
        self.budget_spin.setRange(0.01, 1_000_000.0)
        self.budget_spin.setSingleStep(0.5)
        self.budget_spin.setValue(value)
        self.budget_check.toggled.connect(self.budget_spin.setEnabled)
        self.budget_check.setChecked(checked)
        self.budget_spin.setEnabled(checked)
        row = QHBoxLayout()
        row.addWidget(self.budget_check)
        row.addWidget(self.budget_spin)
        row.addStretch(1)
        return row

    def budget(self) -> float | None:
        """The budget in USD the person chose, None for none."""
        if not self.budget_check.isChecked():
            return None
        return round(self.budget_spin.value(), 2)


def _table_model(preflight: Preflight, parent: QWidget) -> QStandardItemModel:
    model = QStandardItemModel(0, len(_HEADERS), parent)
    model.setHorizontalHeaderLabels(list(_HEADERS))
    for estimate in preflight.models:
        model.appendRow(_row(estimate))
    return model


def _row(estimate: ModelEstimate) -> list[QStandardItem]:
    output = QStandardItem(f"~{estimate.output_tokens:,} ({_BASES[estimate.output_basis]})")
    output.setToolTip(_BASIS_TIPS[estimate.output_basis])
    cost = QStandardItem(_cost_text(estimate.cost_usd, estimate.cost_source))
    cost.setToolTip(f"Priced from: {estimate.cost_source}")
    inputs = QStandardItem(f"~{estimate.input_tokens:,}")
    inputs.setToolTip("Counted with tiktoken on the rendered messages: an estimate.")
    items = [QStandardItem(estimate.model), QStandardItem(f"{estimate.calls:,}"), inputs]
    items += [output, cost]
    for item in items[1:]:
        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return items


def _cost_text(value: float | None, source: str) -> str:
    if value is None:
        return "unknown"
    return usd(value, CostSource(source))


def _total_text(preflight: Preflight) -> str:
    cost = preflight.cost_usd
    if cost is not None:
        money = usd(cost)
    elif len(preflight.unknown_models) == len(preflight.models):
        money = "cost unknown"
    else:
        money = f"at least {usd(preflight.known_cost_usd)} (some costs unknown)"
    calls = f"{preflight.calls:,} call{'' if preflight.calls == 1 else 's'}"
    return (
        f"Total: {calls} · ~{preflight.input_tokens:,} tokens in · "
        f"~{preflight.output_tokens:,} out · {money}"
    )


def _suggested(preflight: Preflight) -> float:
    """The expected cost rounded up to a whole dollar, or $1: a budget that lets the run finish."""
    return max(_SUGGESTED_BUDGET, float(math.ceil(preflight.known_cost_usd)))
