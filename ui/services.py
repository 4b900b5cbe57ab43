"""What every panel may use, built once by the app bootstrap and passed in (no globals)."""

from __future__ import annotations

from dataclasses import dataclass

from ui.background import Background
from ui.preferences import Preferences
from ui.store_handle import StoreHandle
from ui.task_bridge import LoopThread
from workbench.secrets import KeyStore


@dataclass
class Services:
    background: Background  # blocking work off the GUI thread ("store" and "compute" lanes)
    loop: LoopThread  # the asyncio loop every model call runs on
    prefs: Preferences
    store: StoreHandle
    keys: KeyStore | None  # None where even the keyring package cannot load: env vars still work
    # The program the window's local engines run instead of llama-cpp-python's server (tests
    # pass a stand-in); None: the real one.
    engine_command: tuple[str, ...] | None = None
