"""The real engine group: llama-cpp-python's server on a tiny generated model.

Every test here is skipped, with the reason, when the engine cannot be imported: scripts/engine.sh
builds it and writes why it could not into the venv's `engine-status`.
"""

from __future__ import annotations

import functools
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.tiny_gguf import write_tiny_llama
from workbench.local_engine import EngineProcess, engine_missing

HERE = Path(__file__).resolve().parent
NOT_INSTALLED = "llama-cpp-python is not installed (scripts/engine.sh builds it)"
READY_S = 120.0


@functools.cache
def _skip_reason() -> str | None:
    """None when the engine imports; else the build's own word, or how to get it."""
    if engine_missing() is None:
        # Imported in a child: the native library loads there, and a broken build fails there.
        probe = subprocess.run(
            [sys.executable, "-c", "import llama_cpp.server"], capture_output=True, check=False
        )
        if probe.returncode == 0:
            return None
    status = Path(sys.prefix) / "engine-status"
    if status.is_file():
        lines = status.read_text(encoding="utf-8", errors="replace").splitlines()
        first = lines[0].strip() if lines else ""
        if first and first != "ok":
            return first
    return NOT_INSTALLED


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # This hook sees the whole session's items: mark only this folder's.
    ours = [item for item in items if item.path.is_relative_to(HERE)]
    if not ours:
        return
    reason = _skip_reason()
    if reason is not None:
        for item in ours:
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_tiny_llama(tmp_path_factory.mktemp("engine") / "tiny.gguf")


@pytest.fixture(scope="session")
def engine(tiny_model: Path) -> Iterator[EngineProcess]:
    process = EngineProcess(tiny_model, n_ctx=512)
    process.start()
    try:
        process.wait_ready(READY_S)
        yield process
    finally:
        process.stop()
