"""Starting the window: show it first, then open the store and load heavy modules behind it.

Only Qt and the window's own modules load before the window shows. The store (SQLAlchemy, and a
migration when one is due), the keyring, aiohttp, tiktoken's encodings and litellm's price map
load on the background lanes afterwards, while the window already answers.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QSize, QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from ui.background import Background
from ui.collector import GuiThreadCollector
from ui.main_window import MainWindow
from ui.preferences import APPLICATION, ORGANIZATION, Preferences
from ui.resource_paths import APP_ID, ICON_SIZES, icon_path
from ui.services import Services
from ui.store_handle import StoreHandle
from ui.task_bridge import LoopThread
from workbench import __version__, offline
from workbench.secrets import KeyStore


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="workbench window", description="Open the window.")
    parser.add_argument("--db", help="store file or SQLAlchemy URL (default: $WORKBENCH_DB)")
    parser.add_argument("--settings", help="keep window settings in this INI file")
    parser.add_argument(
        "--offline",
        action="store_true",
        help="offline mode for this session: only this machine and the local endpoints added in "
        "Settings may be contacted (the saved setting stays as it is)",
    )
    # For bench/startup.py: print seconds since the epoch when the window answers, then quit.
    parser.add_argument("--quit-when-shown", action="store_true", help=argparse.SUPPRESS)
    # For packaging/smoke_test.py: one run of the prompts against one model (ui/smoke.py).
    parser.add_argument(
        "--smoke-test", nargs=2, metavar=("API_BASE", "MODEL"), help=argparse.SUPPRESS
    )
    return parser.parse_args(list(argv))


def build_services(args: argparse.Namespace) -> Services:
    prefs = Preferences(None if args.settings is None else Path(args.settings))
    prefs.offline_session = args.offline  # never saved: the window applies it (ui/offline_mode.py)
    background = Background()
    db = args.db or os.environ.get("WORKBENCH_DB") or prefs.store_path
    return Services(
        background=background,
        loop=LoopThread().start(),
        prefs=prefs,
        store=StoreHandle(background, db),
        keys=None,  # loaded behind the window: probing keyring backends takes ~0.3 s
    )


def start_behind(window: MainWindow) -> None:
    """What the window needs that may be slow: all on background lanes, answers on the GUI."""
    services = window.services
    if not services.store.is_open:
        services.store.open()
    window.keeper.load()
    window.history.refresh()

    def keyring() -> KeyStore | None:
        from workbench.secrets import KeyringStore  # noqa: PLC0415

        try:
            store = KeyringStore()
            store.is_secure()  # probes the backends now, on this thread
        except Exception:  # noqa: BLE001 - environment-variable keys still work without it
            return None
        return store

    def got_keys(keys: KeyStore | None) -> None:
        services.keys = keys
        window.models.refresh_keys()

    services.background.run(keyring, got_keys, owner=window)
    services.background.run(warm_up)


def warm_up() -> None:
    """Import and load what the first run and the first estimate need, before they ask."""
    import workbench.cli.session  # noqa: PLC0415 - the run controller's options record
    import workbench.runner  # noqa: F401, PLC0415 - loaded now, used by the first run
    from workbench import pricing, tokens  # noqa: PLC0415

    pricing.price_map()
    tokens.warm()


def identify(app: QApplication) -> None:
    """Name the app as its .desktop entry and AppStream metainfo do (packaging/), with its icon.

    Desktops match the window to its launcher by this id: Wayland's app_id, and on X11 the
    _GTK_APPLICATION_ID and _KDE_NET_WM_DESKTOP_FILE properties Qt sets from it.
    """
    app.setDesktopFileName(APP_ID)
    app.setWindowIcon(app_icon())


def app_icon() -> QIcon:
    """The SVG, drawn sharp at any size; the shipped PNGs where Qt cannot draw an SVG icon.

    Qt's SVG icon engine is a plugin a trimmed bundle may lack. It draws every size the same as
    the PNGs (they are its renders), and adding them to it would decode all eight before the
    window shows (9 ms) for nothing.
    """
    icon = QIcon(str(icon_path()))
    # The SVG engine lists no sizes; without it the icon is empty or one bitmap of the SVG.
    if icon.isNull() or icon.availableSizes():
        icon = QIcon()
        for size in ICON_SIZES:
            icon.addFile(str(icon_path(size)), QSize(size, size))
    return icon


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    offline.prepare()  # before anything could load litellm or tiktoken
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APPLICATION)
    app.setApplicationVersion(__version__)
    identify(app)
    GuiThreadCollector(app)  # before any worker thread starts: cycles die on this thread only
    services = build_services(args)
    window = MainWindow(services)
    window.presenter.install_excepthook()
    window.show()
    QTimer.singleShot(0, lambda: start_behind(window))
    if args.quit_when_shown:
        QTimer.singleShot(0, lambda: _report_shown(window))
    if args.smoke_test:
        from ui.smoke import SmokeTest  # noqa: PLC0415 - only the smoke mode needs it

        SmokeTest(window, *args.smoke_test)
    try:
        return app.exec()
    finally:
        window.engines.stop_all()  # closeEvent did, unless the app quit without closing it
        shut_down(window.services)


def _report_shown(window: MainWindow) -> None:
    print(f"shown {time.time():.6f}", flush=True)  # noqa: T201 - read by bench/startup.py
    window.close()


def shut_down(services: Services) -> None:
    """After the window closed: let queued store writes land, then stop the threads."""
    try:
        services.background.wait_for_store()
    except Exception as exc:  # noqa: BLE001 - closing must finish; the reason goes to stderr
        print(f"workbench: the last writes may not be kept: {exc}", file=sys.stderr)  # noqa: T201
    services.store.close()
    services.background.shutdown()
    services.loop.stop()
