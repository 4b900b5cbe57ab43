"""Test-wide safety: the OS keyring is never touched, and (on request) Qt cannot be imported."""

from __future__ import annotations

import importlib.abc
import os
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import ModuleType

import pytest

# Before anything imports keyring: every test, and every subprocess a test starts, uses memory.
os.environ["PYTHON_KEYRING_BACKEND"] = "tests.support.memory_keyring.MemoryKeyring"
ROOT = Path(__file__).resolve().parent.parent
os.environ["PYTHONPATH"] = os.pathsep.join(
    [str(ROOT), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
)
# Keys from the developer's shell must not leak into tests (or into what tests send).
for _name in list(os.environ):
    if _name.endswith("_API_KEY"):
        del os.environ[_name]

_QT_MODULES = ("PySide6", "shiboken6", "pytestqt")


class _BlockQt(importlib.abc.MetaPathFinder):
    """Makes Qt unimportable, standing in for a machine where it is not installed."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> None:
        if fullname.split(".", 1)[0] in _QT_MODULES:
            raise ModuleNotFoundError(f"No module named {fullname!r} (blocked by the core tests)")


if os.environ.get("WORKBENCH_TEST_BLOCK_QT"):
    loaded = [name for name in sys.modules if name.split(".", 1)[0] in _QT_MODULES]
    if loaded:
        raise RuntimeError(f"Qt was imported before the core tests started: {loaded}")
    sys.meta_path.insert(0, _BlockQt())


@pytest.fixture(autouse=True)
def _fresh_keyring() -> Iterator[None]:
    # Imported here, after PYTHON_KEYRING_BACKEND is set above.
    from tests.support.memory_keyring import MemoryKeyring  # noqa: PLC0415

    MemoryKeyring.clear()
    yield
    MemoryKeyring.clear()
