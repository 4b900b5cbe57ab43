"""Render the app icon's SVG to the PNG sizes desktops and the window ask for.

Usage: .venv/bin/python scripts/render_icons.py [--out DIR]

The PNGs are files in the repo, written by this script: a desktop without an SVG loader, an
installer that wants `hicolor/<N>x<N>/apps/` and Qt without its SVG plugin all get exact pixels
at every size, never a scaled-down 512. Run it after every change to the SVG; the packaging
tests render the SVG afresh and fail when a committed PNG differs.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # no display needed, none touched

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

from ui.resource_paths import APP_ID, ICON_SIZES, icon_path

# The source tree's copy, whatever an installed wheel would find: these are the files to commit.
SVG = ROOT / "resources" / "icons" / f"{APP_ID}.svg"


def png_path(icons: Path, size: int) -> Path:
    """The PNG of `size` pixels under `icons`, laid out where the app looks (hicolor/NxN/apps)."""
    return icons / icon_path(size).relative_to(icon_path().parent)


def render(renderer: QSvgRenderer, size: int) -> QImage:
    """The SVG on a transparent square of `size` pixels, antialiased."""
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter, QRectF(0, 0, size, size))
    painter.end()
    return image


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out", type=Path, default=SVG.parent, help="icons folder (default: resources/icons)"
    )
    args = parser.parse_args(argv)
    _app = QGuiApplication(sys.argv[:1])  # QPainter needs one
    renderer = QSvgRenderer(str(SVG))
    if not renderer.isValid():
        print(f"render_icons: Qt cannot read {SVG}", file=sys.stderr)
        return 1
    for size in ICON_SIZES:
        target = png_path(args.out, size)
        target.parent.mkdir(parents=True, exist_ok=True)
        if not render(renderer, size).save(str(target)):
            print(f"render_icons: could not write {target}", file=sys.stderr)
            return 1
        print(f"{target.relative_to(args.out)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
