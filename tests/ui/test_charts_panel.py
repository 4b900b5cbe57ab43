"""The charts panel with real widgets: tabs drawn from SVG, charts saved as SVG and PNG."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtSvgWidgets import QSvgWidget
from pytestqt.qtbot import QtBot

from tests.workbench.test_charts import small_matrix
from ui.charts_panel import ChartsPanel
from ui.error_presenter import ErrorPresenter
from workbench.errors import UsageError

WHITE = QColor("white").rgb()


class _Answering(ChartsPanel):
    """A panel whose save dialog answers with a path chosen by the test."""

    answer: Path | None = None

    def ask_save_path(self, suggested: str) -> Path | None:
        self.suggested = suggested
        return self.answer


@pytest.fixture
def panel(qtbot: QtBot, presenter: ErrorPresenter) -> _Answering:
    made = _Answering(presenter=presenter)
    qtbot.addWidget(made)
    made.resize(800, 600)
    made.show()
    qtbot.waitExposed(made)
    return made


def _view(panel: ChartsPanel, name: str) -> QSvgWidget:
    view = panel.findChild(QSvgWidget, f"chart_{name}")
    assert view is not None, name
    return view


def test_a_tab_per_chart_drawn_from_the_matrix(panel: _Answering) -> None:
    assert not panel.save_button.isEnabled()
    panel.set_matrix(small_matrix())
    titles = [panel.tabs.tabText(i) for i in range(panel.tabs.count())]
    assert titles == ["Pass rate", "Latency", "Cost per call", "Cost and quality"]
    for name in panel.chart_names:
        renderer = _view(panel, name).renderer()
        assert renderer.isValid(), name
        assert renderer.aspectRatioMode() == Qt.AspectRatioMode.KeepAspectRatio
    assert renderer.defaultSize().width() == 640
    assert panel.save_button.isEnabled()


def test_a_chart_keeps_its_proportions_in_a_wide_tab(panel: _Answering, qtbot: QtBot) -> None:
    panel.set_matrix(small_matrix())
    view = _view(panel, "pass_rate")
    panel.resize(1000, 300)
    qtbot.waitUntil(lambda: view.width() > 3 * view.height())
    image = view.grab().toImage()
    middle_top = image.pixel(image.width() // 2, 2)
    assert middle_top == WHITE  # the chart's own white background
    # A 640 x 420 chart fitted to the height leaves the far left and right uncovered.
    assert image.pixel(2, image.height() // 2) != WHITE


def test_save_svg_and_png(panel: _Answering, tmp_path: Path) -> None:
    panel.set_matrix(small_matrix())
    svg_path = tmp_path / "rates.svg"
    panel.save_chart("pass_rate", svg_path)
    root = ET.fromstring(svg_path.read_text(encoding="utf-8"))
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert svg_path.read_text(encoding="utf-8") == panel.svg("pass_rate")

    png_path = tmp_path / "latency.png"
    panel.save_chart("latency", png_path)
    image = QImage(str(png_path))
    assert not image.isNull()
    scale = 2 * panel.devicePixelRatioF()  # 640 x 420 at twice the screen's density
    assert (image.width(), image.height()) == (round(640 * scale), round(420 * scale))
    assert image.pixel(1, 1) == WHITE


def test_save_button_writes_the_chart_shown(
    panel: _Answering, qtbot: QtBot, tmp_path: Path
) -> None:
    panel.set_matrix(small_matrix())
    panel.tabs.setCurrentIndex(3)
    panel.answer = tmp_path / "scatter.png"
    with qtbot.waitSignal(panel.chart_saved) as saved:
        qtbot.mouseClick(panel.save_button, Qt.MouseButton.LeftButton)
    assert saved.args == [tmp_path / "scatter.png"]
    assert panel.suggested == "cost-quality.svg"
    assert not QImage(str(tmp_path / "scatter.png")).isNull()


def test_cancelling_the_dialog_writes_nothing(panel: _Answering, tmp_path: Path) -> None:
    panel.set_matrix(small_matrix())
    panel.answer = None
    panel.save_button.click()
    assert list(tmp_path.iterdir()) == []


def test_a_bad_path_is_a_message(
    panel: _Answering, presenter: ErrorPresenter, tmp_path: Path
) -> None:
    panel.set_matrix(small_matrix())
    panel.answer = tmp_path / "chart.gif"
    panel.save_button.click()
    assert presenter.history == [
        ("Could not save the chart", f"{panel.answer}: a chart is saved as .svg or .png")
    ]
    with pytest.raises(UsageError, match="cannot write"):
        panel.save_chart("cost", tmp_path / "missing" / "cost.svg")


def test_nothing_to_save_before_a_matrix(qtbot: QtBot, tmp_path: Path) -> None:
    bare = ChartsPanel()
    qtbot.addWidget(bare)
    with pytest.raises(UsageError, match="no chart to save yet"):
        bare.save_chart("pass_rate", tmp_path / "x.svg")
