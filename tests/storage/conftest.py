from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from storage.run_store import SqlRunStore


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "workbench.db"


@pytest.fixture
def store(db_path: Path) -> Iterator[SqlRunStore]:
    opened = SqlRunStore.open(db_path)
    yield opened
    opened.close()
