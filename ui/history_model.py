"""List models for the History sidebar: kept runs and kept prompt versions.

Both hold plain values the store already returned; `data()` only formats them (never queries).
The lists are capped at a few hundred rows, so a new list replaces the old one with a reset.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Generic, TypeVar

from PySide6.QtCore import QAbstractListModel, QModelIndex, QObject, QPersistentModelIndex, Qt

from ui.readouts import usd
from workbench.store_api import RunInfo, RunStatus

if TYPE_CHECKING:
    from storage.versions import PromptVersionInfo  # SQLAlchemy loads only on the store lane

ID_ROLE = Qt.ItemDataRole.UserRole  # a run's id (int) or a prompt version's id (str)
SHORT_ID = 8

Item = TypeVar("Item")
AnyIndex = QModelIndex | QPersistentModelIndex


def local_time(iso: str) -> str:
    """A stored UTC timestamp in this machine's time zone, to the minute."""
    try:
        when = dt.datetime.fromisoformat(iso)
    except ValueError:
        return iso[:16].replace("T", " ")
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return when.astimezone().strftime("%Y-%m-%d %H:%M")


def plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def run_line(run: RunInfo) -> str:
    """E.g. "#12  2026-11-21 14:03 · 2 prompts × 2 models · 4 cells · $0.0012 · finished"."""
    cells = plural(run.cells, "cell")
    if run.failed:
        cells += f", {run.failed} failed"
    missing = run.cells - run.finished - run.failed
    if missing and run.status is not RunStatus.RUNNING:
        cells += f", {missing} not run"
    shape = f"{plural(len(run.prompts), 'prompt')} × {plural(len(run.models), 'model')}"
    parts = [f"#{run.id}  {local_time(run.created_at)}", shape, cells, usd(run.cost_usd)]
    return " · ".join([*parts, run.status.value])


def run_tooltip(run: RunInfo) -> str:
    lines = [
        f"Prompts: {', '.join(run.prompts) or 'none'}",
        f"Models: {', '.join(run.models) or 'none'}",
    ]
    if run.status is RunStatus.INTERRUPTED:
        lines.append("The workbench stopped during this run; open it to resume the missing cells.")
    elif run.status is RunStatus.CANCELLED:
        lines.append("This run was cancelled before every cell ended.")
    return "\n".join(lines)


def version_line(version: PromptVersionInfo) -> str:
    runs = plural(version.runs, "run") if version.runs else "not run yet"
    when = local_time(version.created_at)
    return f"{version.name} · {when} · {version.id[:SHORT_ID]} · {runs}"


class _ListModel(QAbstractListModel, Generic[Item]):
    """One column of items, replaced wholesale by `set_items`."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._items: list[Item] = []

    @property
    def items(self) -> list[Item]:
        return list(self._items)

    def set_items(self, items: Sequence[Item]) -> None:
        self.beginResetModel()
        self._items = list(items)
        self.endResetModel()

    def item(self, row: int) -> Item:
        return self._items[row]

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008, N802 - Qt's API
        return 0 if parent.isValid() else len(self._items)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self._items):
            return None
        return self._data(self._items[index.row()], role)

    def _data(self, item: Item, role: int) -> object:
        raise NotImplementedError


class RunsModel(_ListModel[RunInfo]):
    """Kept runs, newest first, as the store's history returned them."""

    def _data(self, item: RunInfo, role: int) -> object:
        if role == Qt.ItemDataRole.DisplayRole:
            return run_line(item)
        if role == Qt.ItemDataRole.ToolTipRole:
            return run_tooltip(item)
        if role == ID_ROLE:
            return item.id
        return None


class PromptVersionsModel(_ListModel["PromptVersionInfo"]):
    """Kept prompt versions, newest first; the preview of the text is the tooltip."""

    def _data(self, item: PromptVersionInfo, role: int) -> object:
        if role == Qt.ItemDataRole.DisplayRole:
            return version_line(item)
        if role == Qt.ItemDataRole.ToolTipRole:
            return item.preview or "(no text)"
        if role == ID_ROLE:
            return item.id
        return None
