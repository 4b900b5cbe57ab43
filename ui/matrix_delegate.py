"""Paints one matrix cell: a colour band for its outcome, a headline, and the output's head.

Painting reads the cell's cached `CellView` and lays out only about as many characters as the
cell can show (the head of an ended output, the tail of one streaming), so a 2 KB output costs
no more than a short one and scrolling through thousands of cells stays smooth. Rows have one
fixed height (`row_height`), so the view never measures contents.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPalette
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from ui.matrix_cell_view import CellView
from ui.matrix_model import MatrixRole

PAD = 6
BAND = 4
BODY_LINES = 3  # lines of output under the headline
COLUMN_WIDTH = 280
_WRAP_TOP = Qt.TextFlag.TextWordWrap | Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop
_WRAP_BOTTOM = Qt.TextFlag.TextWordWrap | Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignBottom

# The results grid's palette (cell_delegate.py), plus amber for a cell whose repeats disagree.
BAND_COLOURS = {
    "pending": QColor("#9aa0a6"),
    "running": QColor("#1a73e8"),
    "pass": QColor("#188038"),
    "fail": QColor("#d93025"),
    "mixed": QColor("#e37400"),
    "error": QColor("#b3261e"),
}


def row_height(font: QFont) -> int:
    """The one height every row has: the headline and `BODY_LINES` lines of output."""
    return QFontMetrics(font).lineSpacing() * (1 + BODY_LINES) + 2 * PAD + 4


def _budget(metrics: QFontMetrics, body: QRect) -> tuple[int, int]:
    """About how many characters the body shows, and how many to lay out for that.

    A line and a quarter more than fit, to spare for wrapping: laying text out costs by its
    length, and it is most of what a cell's paint costs.
    """
    per_line = body.width() // max(1, metrics.averageCharWidth())
    fits = per_line * max(1, body.height() // max(1, metrics.lineSpacing()))
    return fits, max(80, (fits + per_line) * 5 // 4)


class MatrixDelegate(QStyledItemDelegate):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)

    def sizeHint(  # noqa: N802 - Qt's API
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        return QSize(COLUMN_WIDTH, row_height(option.font))

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        view = index.data(MatrixRole.VIEW)
        if not isinstance(view, CellView):
            return
        palette = option.palette
        rect: QRect = option.rect
        band = BAND_COLOURS[view.band]
        painter.save()
        painter.setClipRect(rect)
        painter.fillRect(rect, palette.color(QPalette.ColorRole.Base))
        if option.state & QStyle.StateFlag.State_Selected:
            highlight = QColor(palette.color(QPalette.ColorRole.Highlight))
            highlight.setAlpha(50)
            painter.fillRect(rect, highlight)
        painter.fillRect(QRect(rect.left(), rect.top(), BAND, rect.height()), band)
        metrics = QFontMetrics(option.font)
        inner = rect.adjusted(PAD + BAND, PAD, -PAD, -PAD)
        top = QRect(inner.left(), inner.top(), inner.width(), metrics.lineSpacing())
        painter.setPen(band)
        elided = metrics.elidedText(view.headline, Qt.TextElideMode.ElideRight, top.width())
        painter.drawText(top, Qt.AlignmentFlag.AlignLeft, elided)

        body = QRect(
            inner.left(), top.bottom() + 4, inner.width(), inner.bottom() - top.bottom() - 4
        )
        painter.setClipRect(body)
        fits, room = _budget(metrics, body)
        if view.error is not None:
            painter.setPen(BAND_COLOURS["error"])
            painter.drawText(body, _WRAP_TOP, f"⚠ {view.error[:room]}")
        elif view.live:
            # Streaming: once the text overflows, anchor its tail to the bottom so the newest
            # words stay in view.
            anchor = _WRAP_BOTTOM if len(view.text) > fits else _WRAP_TOP
            painter.setPen(palette.color(QPalette.ColorRole.Text))
            painter.drawText(body, anchor, view.text[-room:])
        else:
            painter.setPen(palette.color(QPalette.ColorRole.Text))
            painter.drawText(body, _WRAP_TOP, view.text[:room])
        painter.restore()
