"""Test-wide safety: the OS keyring and the user's store are never touched; Qt can be blocked."""

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


@pytest.fixture(scope="session", autouse=True)
def _store_in_temp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    # `workbench run` keeps runs by default: never in the developer's real store.
    folder = tmp_path_factory.mktemp("data")
    saved = {name: os.environ.get(name) for name in ("XDG_DATA_HOME", "WORKBENCH_DB")}
    os.environ["XDG_DATA_HOME"] = str(folder)
    os.environ["WORKBENCH_DB"] = str(folder / "workbench.db")
    yield
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@pytest.fixture(autouse=True)
def _fresh_keyring() -> Iterator[None]:
    # Imported here, after PYTHON_KEYRING_BACKEND is set above.
    from tests.support.memory_keyring import MemoryKeyring  # noqa: PLC0415

    MemoryKeyring.clear()
    yield
    MemoryKeyring.clear()
