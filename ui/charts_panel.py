"""The charts of a run, a tab each, drawn from the same SVG the HTML report carries.

Charts are SVG text from `workbench.charts` (pure Python, milliseconds for a run), shown with
QSvgWidget at their own aspect ratio. "Save chart…" writes the SVG as it is, or a PNG rendered
at twice the screen's pixel density on white, so it stays sharp on a slide.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QSize, Qt, Signal, Slot
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtSvgWidgets import QSvgWidget
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QTabWidget, QVBoxLayout, QWidget

from ui.error_presenter import ErrorPresenter
from ui.widgets import push_button
from workbench.charts import CHART_TITLES, charts_of
from workbench.errors import UsageError
from workbench.matrix import Matrix

SAVE_FILTERS = "SVG image (*.svg);;PNG image (*.png)"
_PNG_SCALE = 2.0  # times the device pixel ratio


class ChartsPanel(QWidget):
    chart_saved = Signal(object)  # the Path written

    def __init__(
        self, parent: QWidget | None = None, *, presenter: ErrorPresenter | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("chartsPanel")
        self._presenter = presenter
        self._svgs: dict[str, str] = {}
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("chartTabs")
        self._views: dict[str, QSvgWidget] = {}
        for name, title in CHART_TITLES.items():
            view = QSvgWidget(self.tabs)
            view.setObjectName(f"chart_{name}")
            self._views[name] = view
            self.tabs.addTab(view, title)
        self.save_button = push_button(
            "Save chart…", "Save the chart shown as an SVG or PNG file", "saveChart", self._on_save
        )
        self.save_button.setEnabled(False)
        bar = QHBoxLayout()
        bar.addStretch(1)
        bar.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tabs, 1)
        layout.addLayout(bar)

    @property
    def chart_names(self) -> tuple[str, ...]:
        return tuple(CHART_TITLES)

    def current_chart(self) -> str:
        return self.chart_names[max(0, self.tabs.currentIndex())]

    def svg(self, name: str) -> str:
        """The chart's SVG text as last drawn ("" before the first matrix)."""
        return self._svgs.get(name, "")

    def set_matrix(self, matrix: Matrix) -> None:
        self._svgs = charts_of(matrix)
        for name, view in self._views.items():
            view.load(QByteArray(self._svgs[name].encode("utf-8")))
            # The mode lives in the loaded document, so it is set after every load.
            view.renderer().setAspectRatioMode(Qt.AspectRatioMode.KeepAspectRatio)
        self.save_button.setEnabled(True)

    def save_chart(self, name: str, path: Path) -> None:
        """Write chart `name` to `path`: .svg as text, .png rendered (UsageError otherwise)."""
        if name not in CHART_TITLES:
            raise ValueError(f"no chart named {name!r}")
        svg = self.svg(name)
        if not svg:
            raise UsageError("there is no chart to save yet: run something first")
        suffix = path.suffix.lower()
        if suffix == ".svg":
            try:
                path.write_text(svg, encoding="utf-8")
            except OSError as exc:
                raise UsageError(f"{path}: cannot write: {exc.strerror or exc}") from exc
        elif suffix == ".png":
            if not self._png(svg).save(str(path)):  # PNG, as the suffix says
                raise UsageError(f"{path}: cannot write the PNG image")
        else:
            raise UsageError(f"{path}: a chart is saved as .svg or .png")
        self.chart_saved.emit(path)

    def _png(self, svg: str) -> QImage:
        renderer = QSvgRenderer(QByteArray(svg.encode("utf-8")))
        scale = _PNG_SCALE * self.devicePixelRatioF()
        size: QSize = renderer.defaultSize() * scale
        image = QImage(size, QImage.Format.Format_ARGB32)
        image.fill(QColor("white"))
        painter = QPainter(image)
        try:
            renderer.render(painter)
        finally:
            painter.end()
        return image

    def ask_save_path(self, suggested: str) -> Path | None:
        """The file to save to, or None when the person cancels. Tests override this."""
        chosen, _ = QFileDialog.getSaveFileName(self, "Save chart", suggested, SAVE_FILTERS)
        if not chosen:
            return None
        path = Path(chosen)
        return path if path.suffix else path.with_suffix(".svg")

    @Slot()
    def _on_save(self) -> None:
        name = self.current_chart()
        path = self.ask_save_path(f"{name.replace('_', '-')}.svg")
        if path is None:
            return
        try:
            self.save_chart(name, path)
        except UsageError as exc:
            if self._presenter is None:
                raise
            self._presenter.present(exc, "save the chart")
