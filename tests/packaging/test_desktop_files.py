"""Desktop integration: the .desktop entry, the AppStream metainfo and the icon, checked for real.

The validators are the freedesktop ones distributions and Flathub run (desktop-file-validate,
appstreamcli), installed by scripts/system-deps.sh. Where one is missing the test fails and says
so: a skipped validation would pass files no software centre accepts.
"""

from __future__ import annotations

import configparser
import os
import shutil
import subprocess
import sys
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
import yaml

from ui.resource_paths import APP_ID, ICON_SIZES, icon_path

ROOT = Path(__file__).resolve().parents[2]
DESKTOP = ROOT / "packaging" / f"{APP_ID}.desktop"
METAINFO = ROOT / "packaging" / f"{APP_ID}.metainfo.xml"
ICONS = ROOT / "resources" / "icons"
RAW = "https://raw.githubusercontent.com/promptworkbench/prompt-workbench/main/"
MISSING = "install desktop-file-utils/appstream (scripts/system-deps.sh)"
# Antialiasing may move by a few levels between Qt versions; a changed SVG moves far more.
RENDER_TOLERANCE = 8

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before pytest-qt makes the QApplication


def tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not installed: {MISSING}")
    return found


def desktop_entry() -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None, delimiters=("=",))
    parser.optionxform = str  # type: ignore[assignment, method-assign] # keys are case-sensitive
    parser.read(DESKTOP, encoding="utf-8")
    return parser["Desktop Entry"]


def metainfo() -> ET.Element:
    return ET.parse(METAINFO).getroot()


def pyproject() -> dict[str, Any]:
    with (ROOT / "pyproject.toml").open("rb") as file:
        return tomllib.load(file)["project"]  # type: ignore[no-any-return]


def test_desktop_file_validate_reports_nothing() -> None:
    done = subprocess.run(
        [tool("desktop-file-validate"), str(DESKTOP)],
        capture_output=True, text=True, check=False, timeout=60,
    )  # fmt: skip
    assert (done.returncode, done.stdout + done.stderr) == (0, "")


def test_appstreamcli_finds_no_errors_or_warnings() -> None:
    done = subprocess.run(
        [tool("appstreamcli"), "validate", "--no-net", "--explain", "--format=yaml", str(METAINFO)],
        capture_output=True, text=True, check=False, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    reports = list(yaml.safe_load_all(done.stdout))
    issues = [issue for report in reports for issue in report["Issues"] or []]
    serious = [issue for issue in issues if issue["severity"] in {"error", "warning"}]
    assert serious == [], done.stdout
    # Infos and pedantic hints may stay (appstream 0.16 does not know AppStream 1.0's <developer>).
    assert {issue["severity"] for issue in issues} <= {"info", "pedantic"}


def test_the_app_id_names_the_metainfo_the_desktop_entry_and_the_icon() -> None:
    root = metainfo()
    assert root.get("type") == "desktop-application"
    assert root.findtext("id") == APP_ID
    assert root.findtext("launchable[@type='desktop-id']") == DESKTOP.name
    assert DESKTOP.name == f"{APP_ID}.desktop"
    assert desktop_entry()["Icon"] == APP_ID
    assert icon_path().name == f"{APP_ID}.svg"
    assert (ICONS / f"{APP_ID}.svg").is_file()


def test_the_launcher_runs_the_command_pip_installs() -> None:
    entry = desktop_entry()
    assert "workbench" in pyproject()["scripts"]
    assert (entry["Exec"], entry["TryExec"]) == ("workbench", "workbench")
    assert metainfo().findtext("provides/binary") == "workbench"


def test_the_startup_wm_class_is_the_class_qt_gives_the_window() -> None:
    # Qt on X11 sets WM_CLASS to (program name, application name).
    from ui.preferences import APPLICATION  # noqa: PLC0415 - imports Qt

    assert desktop_entry()["StartupWMClass"] == APPLICATION == "Prompt Workbench"


def test_the_newest_release_is_pyprojects_version() -> None:
    releases = metainfo().findall("releases/release")
    assert releases[0].get("version") == pyproject()["version"] == "0.1.0"


def test_the_urls_are_pyprojects() -> None:
    root = metainfo()
    urls = pyproject()["urls"]
    assert root.findtext("url[@type='homepage']") == urls["Homepage"]
    assert root.findtext("url[@type='bugtracker']") == urls["Issues"]
    assert root.findtext("url[@type='help']") == urls["Documentation"]


def test_every_screenshot_is_one_in_docs_screenshots() -> None:
    screenshots = metainfo().findall("screenshots/screenshot")
    assert [shot.get("type") for shot in screenshots].count("default") == 1
    for shot in screenshots:
        url = shot.findtext("image") or ""
        assert url.startswith(RAW + "docs/screenshots/"), url
        assert (ROOT / url.removeprefix(RAW)).is_file(), f"{url} names no file in the checkout"
        assert shot.findtext("caption")
    assert len(screenshots) == 5


def argb_bytes(path: Path) -> tuple[int, int, bytes]:
    from PySide6.QtGui import QImage

    image = QImage(str(path))
    assert not image.isNull(), f"{path} is not an image Qt reads"
    argb = image.convertToFormat(QImage.Format.Format_ARGB32)
    return argb.width(), argb.height(), bytes(argb.constBits())


def largest_difference(pixels: bytes, expected: bytes) -> int:
    assert len(pixels) == len(expected)
    return max(map(abs, map(int.__sub__, pixels, expected)))


@pytest.fixture(scope="module")
def fresh_icons(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("icons")
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "render_icons.py"), "--out", str(out)],
        capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    return out


@pytest.mark.parametrize("size", ICON_SIZES)
def test_each_png_is_the_svg_rendered_at_its_size(size: int, fresh_icons: Path) -> None:
    layout = icon_path(size).relative_to(icon_path().parent)  # hicolor/NxN/apps/APP_ID.png
    committed = ICONS / layout  # the source tree's, whatever copy an install would find
    width, height, pixels = argb_bytes(committed)
    assert (width, height) == (size, size)
    fresh = fresh_icons / layout
    _, _, expected = argb_bytes(fresh)
    assert largest_difference(pixels, expected) <= RENDER_TOLERANCE, (
        f"{committed.relative_to(ROOT)} differs from the SVG: run scripts/render_icons.py"
    )
    # Transparent around the rounded square, opaque inside it (ARGB32 is B, G, R, A per pixel).
    assert pixels[3] == 0
    centre = (size // 2 * size + size // 2) * 4
    assert pixels[centre + 3] == 255


def test_the_app_names_itself_by_the_app_id_with_the_icon(qapp: Any) -> None:
    from PySide6.QtGui import QIcon, QImage

    from ui.app import identify  # noqa: PLC0415 - the whole window stack, for this test only

    saved_name, saved_icon = qapp.desktopFileName(), qapp.windowIcon()
    try:
        identify(qapp)
        assert qapp.desktopFileName() == APP_ID
        icon: QIcon = qapp.windowIcon()
        for size in (16, 48, 512):
            drawn = icon.pixmap(size).toImage().convertToFormat(QImage.Format.Format_ARGB32)
            shipped = argb_bytes(icon_path(size))[2]
            assert largest_difference(bytes(drawn.constBits()), shipped) <= RENDER_TOLERANCE
    finally:
        qapp.setDesktopFileName(saved_name)
        qapp.setWindowIcon(saved_icon)


FALLBACK = """
from PySide6.QtCore import QCoreApplication
QCoreApplication.setLibraryPaths([])  # no plugins: no SVG icon engine, no SVG image reader
from PySide6.QtWidgets import QApplication
app = QApplication([])
from ui.app import app_icon
icon = app_icon()
print(icon.isNull(), *(size.width() for size in icon.availableSizes()))
"""


def test_without_qts_svg_plugins_the_icon_is_the_pngs(tmp_path: Path) -> None:
    from PySide6.QtCore import QLibraryInfo

    plugins = Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.PluginsPath))
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    env["QT_QPA_PLATFORM_PLUGIN_PATH"] = str(plugins / "platforms")  # found without the paths
    done = subprocess.run(
        [sys.executable, "-c", FALLBACK],
        capture_output=True, text=True, check=False, timeout=120, env=env, cwd=ROOT,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "16", "24", "32", "48", "64", "128", "256", "512"]
