"""Where the store lives: the user data folder unless a path or URL is given."""

from __future__ import annotations

from pathlib import Path

import pytest

from storage.location import resolve
from storage.run_store import SqlRunStore


def test_default_is_the_user_data_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    location = resolve(None)
    assert location.path == tmp_path / "data" / "prompt-workbench" / "workbench.db"
    assert location.path.parent.is_dir()


def test_a_path_or_a_sqlite_url_names_the_same_file(tmp_path: Path) -> None:
    by_path = resolve(tmp_path / "a.db")
    by_url = resolve(f"sqlite:///{tmp_path / 'a.db'}")
    assert by_path.path == by_url.path == tmp_path / "a.db"
    SqlRunStore.open(f"sqlite:///{tmp_path / 'a.db'}").close()
    assert (tmp_path / "a.db").exists()


def test_pragmas_are_set_on_every_connection(tmp_path: Path) -> None:
    store = SqlRunStore.open(tmp_path / "a.db")
    try:
        with store.engine.connect() as connection:
            pragmas = {
                name: connection.exec_driver_sql(f"PRAGMA {name}").scalar()
                for name in ("journal_mode", "foreign_keys", "synchronous", "busy_timeout")
            }
    finally:
        store.close()
    assert pragmas == {
        "journal_mode": "wal", "foreign_keys": 1, "synchronous": 1, "busy_timeout": 5000,
    }  # fmt: skip
