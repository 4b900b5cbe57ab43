"""Where the bundled resources (sample prompts, icons) are, however the workbench was installed.

Three layouts hold them: a PyInstaller bundle unpacks them into `sys._MEIPASS/resources`, an
installed wheel carries them as the data package `prompt_workbench_resources` (pyproject.toml
maps the top-level resources/ folder to it), and a source checkout has them in resources/ beside
the packages. Every path to a resource is built here, so each of the three finds the same files.
"""

from __future__ import annotations

import sys
from importlib import resources
from pathlib import Path

APP_ID = "io.github.promptworkbench.PromptWorkbench"
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)  # the hicolor PNGs shipped beside the SVG

_DATA_PACKAGE = "prompt_workbench_resources"
_SOURCE_TREE = Path(__file__).resolve().parent.parent / "resources"


def resources_dir() -> Path:
    """The folder holding `samples/` and `icons/`."""
    bundle = getattr(sys, "_MEIPASS", None)
    if getattr(sys, "frozen", False) and bundle is not None:
        return Path(bundle) / "resources"
    try:
        root = resources.files(_DATA_PACKAGE)
    except ModuleNotFoundError:  # a source checkout not installed (or installed before the map)
        return _SOURCE_TREE
    # A wheel installs as plain files; only a zipped import would give something else.
    return root if isinstance(root, Path) else _SOURCE_TREE


def samples_dir() -> Path:
    """The sample prompt set the window opens with the first time."""
    return resources_dir() / "samples"


def icon_path(size: int | None = None) -> Path:
    """The application icon: the scalable SVG, or the PNG of one of `ICON_SIZES` pixels."""
    icons = resources_dir() / "icons"
    if size is None:
        return icons / f"{APP_ID}.svg"
    if size not in ICON_SIZES:
        sizes = ", ".join(map(str, ICON_SIZES))
        raise ValueError(f"no {size}x{size} icon is shipped; sizes: {sizes}, or None for the SVG")
    return icons / "hicolor" / f"{size}x{size}" / "apps" / f"{APP_ID}.png"
