"""Files that are not a healthy store give a clear message naming the file, and stay unchanged."""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import event

from storage.errors import StoreError
from storage.run_store import SqlRunStore
from tests.storage.builders import PROMPT, plan
from workbench.domain import Message, PromptTemplate
from workbench.store_api import HistoryQuery


def _refused(path: Path, match: str, busy_timeout_s: float = 5.0) -> None:
    original = path.read_bytes()
    with pytest.raises(StoreError, match=match) as caught:
        SqlRunStore.open(path, busy_timeout_s=busy_timeout_s)
    assert str(path) in str(caught.value)
    assert path.read_bytes() == original
    assert not list(path.parent.glob("*.bak-*"))


def _store_with_a_run(path: Path) -> None:
    store = SqlRunStore.open(path)
    store.start_run(plan(), {})
    store.close()


def test_a_text_file_is_not_a_store(db_path: Path) -> None:
    db_path.write_text("my shopping list\n", encoding="utf-8")
    _refused(db_path, "not a workbench store")


def test_another_programs_sqlite_database_is_refused(db_path: Path) -> None:
    with contextlib.closing(sqlite3.connect(db_path)) as conn, conn:
        conn.execute("CREATE TABLE photos (id INTEGER PRIMARY KEY, path TEXT)")
    _refused(db_path, "another program")


def test_a_corrupt_store_is_reported_and_left_alone(db_path: Path) -> None:
    _store_with_a_run(db_path)
    data = bytearray(db_path.read_bytes())
    data[100:1100] = b"\xa5" * 1000  # the schema's page, after the 100-byte header
    db_path.write_bytes(bytes(data))
    _refused(db_path, "damaged")


@pytest.fixture
def locked_store(db_path: Path) -> Iterator[Path]:
    """A store that another process holds an exclusive lock on until the test ends."""
    _store_with_a_run(db_path)
    code = (
        "import sqlite3, sys; c = sqlite3.connect(sys.argv[1], isolation_level=None); "
        "c.execute('PRAGMA locking_mode = EXCLUSIVE'); c.execute('BEGIN EXCLUSIVE'); "
        "print('locked', flush=True); sys.stdin.read()"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", code, str(db_path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdin is not None
    assert holder.stdout.readline().strip() == "locked"
    try:
        yield db_path
    finally:
        holder.stdin.close()
        holder.wait(timeout=10)
        holder.stdout.close()


def test_a_locked_store_is_reported(locked_store: Path) -> None:
    _refused(locked_store, "locked by another program", busy_timeout_s=0.2)


def test_a_full_disk_fails_the_write_and_keeps_the_store(db_path: Path) -> None:
    store = SqlRunStore.open(db_path)
    store.start_run(plan(), {})

    # A full disk stands in as SQLite's page limit: with max_page_count at the file's current
    # size, the next write that needs a new page fails with SQLITE_FULL, as a full disk does.
    @event.listens_for(store.engine, "connect")
    def _cap(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        (pages,) = dbapi_connection.execute("PRAGMA page_count").fetchone()
        dbapi_connection.execute(f"PRAGMA max_page_count = {pages}")

    store.engine.dispose()
    big = PromptTemplate("big", (Message("user", "x" * 200_000),))
    try:
        with pytest.raises(StoreError, match="disk is full") as caught:
            store.start_run(plan(big), {})
        assert str(db_path) in str(caught.value)
    finally:
        store.close()
    store = SqlRunStore.open(db_path)
    try:
        assert len(store.history(HistoryQuery())) == 1  # the failed run left nothing behind
        store.save_prompt(PROMPT)  # and the store still takes writes
    finally:
        store.close()
    with contextlib.closing(sqlite3.connect(db_path)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)


_OPEN_BOTH = """
import sys
from storage.errors import StoreError
from storage.run_store import SqlRunStore
for path in sys.argv[1:]:
    try:
        SqlRunStore.open(path).close()
        print("opened", path)
    except StoreError as exc:
        print(exc)
"""


def _open_in_read_only_folder(folder: Path, *paths: Path) -> list[str]:
    """Open each store where `folder` cannot be written; the messages, one per store."""
    command = [sys.executable, "-c", _OPEN_BOTH, *map(str, paths)]
    if os.geteuid() == 0:
        # Root writes through folder permissions: a read-only bind mount in a private mount
        # namespace makes the folder truly read-only for this one process.
        if shutil.which("unshare") is None:
            pytest.skip("needs unshare to make a folder read-only for root")
        script = f'mount --bind "{folder}" "{folder}" && mount -o remount,bind,ro "{folder}" '
        command = ["unshare", "-m", "sh", "-c", script + '&& exec "$@"', "sh", *command]
    else:
        folder.chmod(0o555)
    try:
        proc = subprocess.run(command, capture_output=True, text=True, check=False, timeout=60)
    finally:
        folder.chmod(0o755)
    if proc.returncode != 0 and "mount" in proc.stderr:
        pytest.skip(f"cannot make a read-only mount here: {proc.stderr.strip()}")
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.splitlines()


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions and mounts")
def test_a_read_only_folder_is_reported(tmp_path: Path) -> None:
    folder = tmp_path / "readonly"
    folder.mkdir()
    existing = folder / "workbench.db"
    _store_with_a_run(existing)
    original = existing.read_bytes()
    new, old = _open_in_read_only_folder(folder, folder / "new.db", existing)
    assert new.startswith(f"the store {folder / 'new.db'}") and "read-only" in new
    assert old.startswith(f"the store {existing}") and "read-only" in old
    assert existing.read_bytes() == original
    assert sorted(p.name for p in folder.iterdir()) == ["workbench.db"]
