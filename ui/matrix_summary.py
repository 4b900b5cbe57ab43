"""The matrix's summary row: per column its pass rate with a 95% interval, score, timings,
tokens and cost, and which columns differ from the best by more than chance.

The row is a painted strip under the matrix, not a second table: it reads the matrix's header
for where each column is, so it stays aligned while the matrix scrolls sideways or a column is
resized, and it stays in view while the matrix scrolls down. Its figures are the core's
(`ColumnSummary`), recomputed only when the model says the summaries changed.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPoint, QRect, QSize, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QFontMetrics, QHelpEvent, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QTableView, QToolTip, QWidget

from ui.matrix_model import MatrixModel
from ui.readouts import duration, usd
from workbench.matrix import ColumnKey, ColumnSummary, Matrix, paired_outcomes
from workbench.stats import paired_difference

_PAD = 6
LINES = 5  # what `summary_lines` gives per column


def _percent(rate: float) -> str:
    return f"{rate * 100:.0f}%"


def pass_line(summary: ColumnSummary) -> str:
    """E.g. "85% (72–93%) · 17/20" : the pass rate, its Wilson 95% interval, the counts."""
    if summary.pass_rate is None:
        return "no trials yet"
    low, high = summary.interval
    line = (
        f"{_percent(summary.pass_rate)} ({low * 100:.0f}–{_percent(high)}) · "
        f"{summary.passed}/{summary.trials}"
    )
    if summary.errors:
        line += f" · {summary.errors} error" + ("s" if summary.errors > 1 else "")
    return line


def summary_lines(summary: ColumnSummary) -> tuple[str, ...]:
    """The summary row's text for one column, one figure per line."""
    score = "–" if summary.mean_score is None else f"{summary.mean_score:.2f}"
    mark = "≈" if summary.tokens_estimated else ""
    cost = "cost unknown" if summary.cost_usd is None else f"cost {usd(summary.cost_usd)}"
    return (
        pass_line(summary),
        f"score {score}",
        f"latency {duration(summary.median_latency_ms)} · TTFT {duration(summary.median_ttft_ms)}",
        f"tokens in {mark}{summary.input_tokens:,} · out {mark}{summary.output_tokens:,}",
        cost,
    )


def summary_tooltip(summary: ColumnSummary) -> str:
    """Where each figure of the summary comes from."""
    lines = [summary.column.label]
    if summary.pass_rate is not None:
        low, high = summary.interval
        lines.append(
            f"Passed {summary.passed} of {summary.trials} trials ({_percent(summary.pass_rate)}); "
            f"95% Wilson interval {_percent(low)} to {_percent(high)}"
        )
    if summary.errors:
        lines.append(f"{summary.errors} calls failed (counted as not passed)")
    lines.append("Score: the mean over trials of each trial's mean check score (0 to 1)")
    lines.append("Latency and TTFT: medians over the successful calls")
    if summary.tokens_estimated:
        lines.append("Tokens: ≈ some counts estimated with tiktoken (the server reported none)")
    if summary.cost_usd is None:
        lines.append("Cost unknown: some call's price is not known, so no total is guessed")
    return "\n".join(lines)


def best_column(matrix: Matrix) -> ColumnKey | None:
    """The column with the highest pass rate so far (the first of equals), if any ended."""
    ended = [s for s in matrix.summaries if s.pass_rate is not None]
    if not ended:
        return None
    return max(ended, key=lambda s: s.pass_rate or 0.0).column


def significance(matrix: Matrix) -> list[tuple[ColumnKey, bool, str]]:
    """The best column against each other one, paired case by case (exact McNemar).

    Each item: the other column, whether the difference is significant, and the sentence.
    """
    best = best_column(matrix)
    if best is None:
        return []
    found: list[tuple[ColumnKey, bool, str]] = []
    for other in matrix.columns:
        pairs = paired_outcomes(matrix, best, other) if other != best else []
        if pairs:
            difference = paired_difference(pairs)
            sentence = difference.sentence(best.label, other.label)
            found.append((other, difference.significant, sentence))
    return found


class SummaryStrip(QWidget):
    """The summary row, painted under `view` and aligned with its columns."""

    significance_changed = Signal()  # the significance sentences were recomputed

    def __init__(self, view: QTableView, model: MatrixModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("matrixSummary")
        self._view = view
        self._model = model
        self._lines: list[tuple[str, ...]] = []
        self._tips: list[str] = []
        self.significance: list[tuple[ColumnKey, bool, str]] = []  # see `significance()`
        header = view.horizontalHeader()
        header.sectionResized.connect(self._on_layout_changed)
        header.sectionMoved.connect(self._on_layout_changed)
        header.geometriesChanged.connect(self._on_layout_changed)
        view.horizontalScrollBar().valueChanged.connect(self._on_layout_changed)
        view.verticalHeader().geometriesChanged.connect(self._on_layout_changed)
        # The model says so after every reset too (`start`, `load`).
        model.summaries_changed.connect(self._on_model_summaries_changed)
        # The tests compare every column with the best, case by case: a moment after the
        # figures, so a 5,000-cell matrix shows before they are done.
        self._significance_timer = QTimer(self, singleShot=True, interval=0)
        self._significance_timer.timeout.connect(self._on_significance_timer_timeout)
        self._on_model_summaries_changed()

    def column_text(self, column: int) -> str:
        """What the strip shows under `column`, as lines joined by newlines."""
        return "\n".join(self._lines[column]) if 0 <= column < len(self._lines) else ""

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's API
        return QSize(400, QFontMetrics(self.font()).lineSpacing() * LINES + 2 * _PAD)

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        return self.sizeHint()

    # --- painting ---------------------------------------------------------------------------------

    def column_rect(self, column: int) -> QRect:
        """Where the strip paints `column`'s figures: under the matrix's column, as scrolled."""
        header = self._view.horizontalHeader()
        x = self._viewport_left() + header.sectionViewportPosition(column)
        return QRect(x, 0, header.sectionSize(column), self.height())

    def _columns_area(self) -> QRect:
        """The strip's part under the matrix's cells (not under its row headers)."""
        return QRect(self._viewport_left(), 0, self._view.viewport().width(), self.height())

    def _viewport_left(self) -> int:
        window = self.window()
        return self.mapFrom(window, self._view.viewport().mapTo(window, QPoint(0, 0))).x()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt's API
        painter = QPainter(self)
        palette = self.palette()
        painter.fillRect(self.rect(), palette.color(QPalette.ColorRole.AlternateBase))
        painter.setPen(palette.color(QPalette.ColorRole.Mid))
        painter.drawLine(0, 0, self.width(), 0)
        metrics = QFontMetrics(self.font())
        area = self._columns_area()
        label = QRect(_PAD, _PAD, max(0, area.left() - 2 * _PAD), metrics.lineSpacing())
        painter.setPen(palette.color(QPalette.ColorRole.Text))
        painter.drawText(label, Qt.AlignmentFlag.AlignLeft, "Summary")
        painter.setClipRect(area)
        for column, lines in enumerate(self._lines):
            rect = self.column_rect(column)
            if not rect.intersects(area):
                continue
            inner = rect.adjusted(_PAD, _PAD, -_PAD, -_PAD)
            for number, line in enumerate(lines):
                row = QRect(
                    inner.left(),
                    inner.top() + number * metrics.lineSpacing(),
                    inner.width(),
                    metrics.lineSpacing(),
                )
                elided = metrics.elidedText(line, Qt.TextElideMode.ElideRight, inner.width())
                painter.drawText(row, Qt.AlignmentFlag.AlignLeft, elided)
        painter.end()

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            QToolTip.showText(event.globalPos(), self._tooltip_at(event.pos()), self)
            return True
        return super().event(event)

    def _tooltip_at(self, point: QPoint) -> str:
        if point.x() < self._columns_area().left():
            sentences = [sentence for _, _, sentence in self.significance]
            return "\n".join(sentences) or "No columns to compare yet"
        for column, tip in enumerate(self._tips):
            if self.column_rect(column).contains(point):
                key = self._model.columns()[column]
                sentence = next((s for c, _, s in self.significance if c == key), "")
                return tip + (f"\n\n{sentence}" if sentence else "")
        return ""

    # --- following the matrix ---------------------------------------------------------------------

    @Slot()
    def _on_layout_changed(self) -> None:
        self.update()

    @Slot()
    def _on_model_summaries_changed(self) -> None:
        matrix = self._model.matrix()
        self._lines = [summary_lines(s) for s in matrix.summaries]
        self._tips = [summary_tooltip(s) for s in matrix.summaries]
        self.update()
        self._significance_timer.start()

    @Slot()
    def _on_significance_timer_timeout(self) -> None:
        self.significance = significance(self._model.matrix())
        self.significance_changed.emit()
