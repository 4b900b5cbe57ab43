"""The prompt editor: prompt variants side by side, with live estimates and warnings.

Columns sit in a splitter so each can be widened. Typing restarts a short timer; when it fires,
token counts and input costs for the chosen models are computed on the compute lane (tiktoken
can take a moment) and shown under each column, with a warning for variables that have no value.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import QHBoxLayout, QSplitter, QVBoxLayout, QWidget

from ui.background import Background
from ui.prompt_column import PromptColumn
from ui.readouts import usd
from ui.widgets import push_button
from ui.workspace import unique_name
from workbench.domain import Message, ModelSpec, PromptTemplate
from workbench.errors import TemplateError
from workbench.estimate import PromptEstimate, estimate
from workbench.templating import variables_in

_ESTIMATE_DELAY_MS = 300


class EditorPanel(QWidget):
    """Prompt columns; `prompts_changed` fires on every edit (callers debounce their own work)."""

    prompts_changed = Signal()

    def __init__(self, background: Background, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("editorPanel")
        self._background = background
        self._variables: Mapping[str, str] = {}
        self._models: Sequence[ModelSpec] = ()
        self._generation = 0
        self._splitter = QSplitter(Qt.Orientation.Horizontal)
        self._splitter.setChildrenCollapsible(False)
        self._columns: list[PromptColumn] = []
        add = push_button(
            "+ Prompt", "Add a prompt variant to compare", "addPrompt", self._on_add_clicked
        )
        bar = QHBoxLayout()
        bar.setContentsMargins(0, 0, 0, 0)
        bar.addWidget(add)
        bar.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self._splitter, 1)
        self._timer = QTimer(self, singleShot=True, interval=_ESTIMATE_DELAY_MS)
        self._timer.timeout.connect(self._on_timer_timeout)

    # --- state ----------------------------------------------------------------------------------

    @property
    def columns(self) -> list[PromptColumn]:
        return list(self._columns)

    def prompts(self) -> list[PromptTemplate]:
        return [column.template() for column in self._columns]

    def set_prompts(self, prompts: Sequence[PromptTemplate]) -> None:
        for column in self._columns:
            column.deleteLater()
        self._columns = []
        for prompt in prompts:
            self._insert(len(self._columns), prompt)
        self._changed()

    def add_prompt(self, prompt: PromptTemplate) -> PromptColumn:
        """Add a column (renamed when its name is taken, so a run never has two alike)."""
        column = self._insert(len(self._columns), self._renamed(prompt))
        self._changed()
        return column

    def _renamed(self, prompt: PromptTemplate) -> PromptTemplate:
        taken = [column.name() for column in self._columns]
        return dataclasses.replace(prompt, name=unique_name(prompt.name, taken))

    def variables_in_use(self) -> list[str]:
        """Every variable the prompts use, in order of first appearance; broken ones skipped."""
        found: list[str] = []
        for prompt in self.prompts():
            try:
                names = variables_in(prompt.messages, where=prompt.name)
            except TemplateError:
                continue
            found.extend(name for name in names if name not in found)
        return found

    def set_context(self, variables: Mapping[str, str], models: Sequence[ModelSpec]) -> None:
        """The values and models the estimates and warnings are for."""
        self._variables = dict(variables)
        self._models = list(models)
        self._timer.start()

    # --- columns --------------------------------------------------------------------------------

    def _insert(self, position: int, prompt: PromptTemplate) -> PromptColumn:
        column = PromptColumn(prompt)
        column.changed.connect(self._changed)
        column.move_requested.connect(self._on_column_move_requested)
        column.duplicate_requested.connect(self._on_column_duplicate_requested)
        column.remove_requested.connect(self._on_column_remove_requested)
        self._columns.insert(position, column)
        self._splitter.insertWidget(position, column)
        self._splitter.setSizes([1000] * len(self._columns))  # equal widths
        return column

    @Slot()
    def _on_add_clicked(self) -> None:
        column = self.add_prompt(PromptTemplate("prompt", (Message("user", ""),)))
        column.turns[0].edit.setFocus()

    @Slot(object, int)
    def _on_column_move_requested(self, column: PromptColumn, step: int) -> None:
        position = self._columns.index(column)
        target = position + step
        if not 0 <= target < len(self._columns):
            return
        self._columns.insert(target, self._columns.pop(position))
        self._splitter.insertWidget(target, column)
        self._changed()

    @Slot(object)
    def _on_column_duplicate_requested(self, column: PromptColumn) -> None:
        copy = self._renamed(column.template())
        self._insert(self._columns.index(column) + 1, copy)
        self._changed()

    @Slot(object)
    def _on_column_remove_requested(self, column: PromptColumn) -> None:
        self._columns.remove(column)
        column.hide()
        column.deleteLater()
        self._changed()

    # --- estimates ------------------------------------------------------------------------------

    @Slot()
    def _changed(self) -> None:
        self._timer.start()
        self.prompts_changed.emit()

    @Slot()
    def _on_timer_timeout(self) -> None:
        self._generation += 1
        generation = self._generation
        prompts, variables, models = self.prompts(), dict(self._variables), list(self._models)

        def work() -> list[PromptEstimate]:
            return [estimate(prompt, variables, models) for prompt in prompts]

        self._background.run(
            work, lambda found: self._show_estimates(generation, found), owner=self
        )

    def _show_estimates(self, generation: int, found: list[PromptEstimate]) -> None:
        if generation != self._generation or len(found) != len(self._columns):
            return  # the prompts changed while counting; a newer estimate is on its way
        for column, figures in zip(self._columns, found, strict=True):
            column.estimate_label.setText(_estimate_text(figures))
            column.estimate_label.setToolTip(_estimate_details(figures))
            column.set_warning(_warning_text(figures))

    def flush_estimates(self) -> None:
        """Start the pending estimate now (tests, and before a run)."""
        if self._timer.isActive():
            self._timer.stop()
            self._on_timer_timeout()


def _estimate_text(figures: PromptEstimate) -> str:
    counts = sorted({m.input_tokens for m in figures.per_model})
    tokens = f"{counts[0]:,}" if len(counts) == 1 else f"{counts[0]:,}–{counts[-1]:,}"
    costs = [f"{usd(m.cost.usd, m.cost.source)} {m.model}" for m in figures.per_model]
    return f"≈ {tokens} input tokens (estimated) · " + " · ".join(costs)


def _estimate_details(figures: PromptEstimate) -> str:
    lines = ["Input tokens counted with tiktoken (an estimate); output is not known yet."]
    lines.extend(
        f"{m.model}: {m.input_tokens:,} tokens, {usd(m.cost.usd, m.cost.source)} "
        f"({m.cost.source.value})"
        for m in figures.per_model
    )
    return "\n".join(lines)


def _warning_text(figures: PromptEstimate) -> str:
    if figures.problem:
        return figures.problem
    if figures.missing:
        names = ", ".join("{{" + name + "}}" for name in figures.missing)
        return f"No value for {names}: fill it in under Variables before running."
    return ""
