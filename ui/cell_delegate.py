"""Paints one result cell: a status line, the streaming text, and the readouts footer.

Painting reads only the cell's state from the model (no store, no formatting work beyond the
footer string). Long outputs are cut to what can show: the head of a finished cell, the tail of
one still streaming, so the newest text stays in view as it arrives.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QColor, QFontMetrics, QPainter, QPalette
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from ui.readouts import footer
from ui.results_model import CellState, CellStatus, Role

_PAD = 6
_SLACK = 2  # characters laid out per character that fits: wrapping wastes some of each line
_STRIPE = {
    CellStatus.PENDING: QColor("#9aa0a6"),
    CellStatus.RUNNING: QColor("#1a73e8"),
    CellStatus.FINISHED: QColor("#188038"),
    CellStatus.FAILED: QColor("#d93025"),
    CellStatus.CANCELLED: QColor("#9aa0a6"),
}
_ERROR = QColor("#b3261e")
_RATING = {1: ("✔ good", QColor("#188038")), -1: ("✘ bad", QColor("#d93025"))}


def status_line(state: CellState) -> str:
    if state.status is CellStatus.RUNNING:
        return "streaming…" if state.attempt <= 1 else f"streaming… (attempt {state.attempt})"
    if state.status is CellStatus.PENDING:
        return "waiting"
    return state.status.value


def footer_line(state: CellState) -> str:
    if state.result is not None and state.status is not CellStatus.CANCELLED:
        return footer(state.result)
    if state.status is CellStatus.RUNNING:
        return f"{len(state.text):,} characters so far"
    return ""


def _capacity(metrics: QFontMetrics, body: QRect) -> int:
    """About how many characters the body can show, with room to spare for wrapping."""
    per_line = body.width() // max(1, metrics.averageCharWidth())
    lines = body.height() // max(1, metrics.lineSpacing())
    return max(80, per_line * (lines + 1) * _SLACK)


class CellDelegate(QStyledItemDelegate):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)

    def sizeHint(  # noqa: N802 - Qt's API
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        return QSize(320, 200)

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        state = index.data(Role.STATE)
        if not isinstance(state, CellState):
            return
        palette = option.palette
        rect: QRect = option.rect
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        painter.save()
        painter.setClipRect(rect)
        painter.fillRect(rect, palette.color(QPalette.ColorRole.Base))
        if selected:
            highlight = QColor(palette.color(QPalette.ColorRole.Highlight))
            highlight.setAlpha(40)
            painter.fillRect(rect, highlight)
        painter.fillRect(QRect(rect.left(), rect.top(), 4, rect.height()), _STRIPE[state.status])
        metrics = QFontMetrics(option.font)
        line = metrics.lineSpacing()
        inner = rect.adjusted(_PAD + 4, _PAD, -_PAD, -_PAD)

        # Status line, with the rating at its right.
        muted = palette.color(QPalette.ColorRole.PlaceholderText)
        painter.setPen(_STRIPE[state.status])
        top = QRect(inner.left(), inner.top(), inner.width(), line)
        painter.drawText(top, Qt.AlignmentFlag.AlignLeft, status_line(state))
        if state.rating in _RATING:
            text, colour = _RATING[state.rating]
            painter.setPen(colour)
            painter.drawText(top, Qt.AlignmentFlag.AlignRight, text)

        # Footer readouts.
        bottom = QRect(inner.left(), inner.bottom() - line, inner.width(), line)
        painter.setPen(muted)
        painter.drawText(
            bottom,
            Qt.AlignmentFlag.AlignLeft,
            metrics.elidedText(footer_line(state), Qt.TextElideMode.ElideRight, inner.width()),
        )

        # The output, or the error in its place.
        body = QRect(inner.left(), top.bottom() + 4, inner.width(), bottom.top() - top.bottom() - 8)
        painter.setClipRect(body)
        flags = Qt.TextFlag.TextWordWrap | Qt.AlignmentFlag.AlignLeft
        error = state.result.error if state.result is not None else None
        if error is not None and state.status is CellStatus.FAILED:
            painter.setPen(_ERROR)
            painter.drawText(body, flags | Qt.AlignmentFlag.AlignTop, f"⚠ {error.message}")
        elif state.status is CellStatus.RUNNING:
            # Once the text overflows, anchor it to the bottom: the newest words stay in view.
            # Only about what fits is laid out, so a long output costs no more than a short one.
            room = _capacity(metrics, body)
            overflows = len(state.text) > room // _SLACK
            anchor = Qt.AlignmentFlag.AlignBottom if overflows else Qt.AlignmentFlag.AlignTop
            painter.setPen(palette.color(QPalette.ColorRole.Text))
            painter.drawText(body, flags | anchor, state.text[-room:])
        else:
            painter.setPen(palette.color(QPalette.ColorRole.Text))
            shown = state.output[: _capacity(metrics, body)]
            if state.status is CellStatus.CANCELLED and not shown:
                painter.setPen(muted)
                shown = "cancelled before any output"
            painter.drawText(body, flags | Qt.AlignmentFlag.AlignTop, shown)
        painter.restore()
