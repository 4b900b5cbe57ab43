"""Opening a store safely: look before touching, back up before migrating, refuse the unknown.

A file is inspected read-only first (is it SQLite at all, is it a workbench store, which schema
revision), so a text file, another program's database or a store from a newer version is refused
with its bytes untouched. Only then is it opened for writing with the pragmas the store relies on.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text

from storage import migrate
from storage.errors import StoreError, explain, translated
from storage.location import Location

_SQLITE_MAGIC = b"SQLite format 3\x00"


def open_engine(location: Location, busy_timeout_s: float = 5.0) -> Engine:
    """An engine on an up-to-date store; a new store is created at the newest schema."""
    revision = _inspect(location.path, busy_timeout_s) if location.path is not None else None
    engine = create_engine(location.url)
    if location.url.get_backend_name() == "sqlite":
        _set_pragmas(engine, wal=location.path is not None, busy_timeout_s=busy_timeout_s)
    try:
        with translated(location.label):
            if location.path is None:
                revision = _revision_of(engine)
            if revision is not None and revision not in migrate.REVISIONS:
                raise _newer(location, revision)
            if revision != migrate.HEAD:
                if revision is not None and location.path is not None:
                    _back_up(location.path, revision)
                migrate.upgrade(engine)
    except BaseException:
        engine.dispose()
        raise
    return engine


def _set_pragmas(engine: Engine, *, wal: bool, busy_timeout_s: float) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: object) -> None:
        cursor = dbapi_connection.cursor()
        # busy_timeout first: the WAL switch below may itself wait for a lock.
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_s * 1000)}")
        cursor.execute("PRAGMA foreign_keys = ON")
        if wal:
            cursor.execute("PRAGMA journal_mode = WAL")
        # In WAL mode NORMAL loses no committed data on a crash of the program, only (at worst)
        # the last transactions on a power cut, and makes each commit cheap.
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()


def _inspect(path: Path, busy_timeout_s: float) -> str | None:
    """The store's schema revision, None for a new store; refuses what is not a store."""
    label = str(path)
    if not path.exists() or path.stat().st_size == 0:
        if not path.parent.is_dir():
            raise StoreError(f"the store {label}: its folder does not exist")
        return None
    try:
        with path.open("rb") as handle:
            header = handle.read(len(_SQLITE_MAGIC))
    except OSError as exc:
        raise StoreError(f"the store {label}: cannot read it ({exc.strerror})") from exc
    if header != _SQLITE_MAGIC:
        raise StoreError(f"the store {label}: it is not a workbench store (not an SQLite database)")
    try:
        connection = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True, timeout=busy_timeout_s)
    except sqlite3.Error as exc:
        raise explain(label, exc) from exc
    try:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
        if not tables:
            return None
        if "alembic_version" not in tables or "runs" not in tables:
            raise StoreError(
                f"the store {label}: it is an SQLite database of another program, "
                "not a workbench store; name another file with --db"
            )
        row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.Error as exc:
        raise explain(label, exc) from exc
    finally:
        connection.close()
    return None if row is None else str(row[0])


def _revision_of(engine: Engine) -> str | None:
    with engine.connect() as connection:
        if not engine.dialect.has_table(connection, "alembic_version"):
            return None
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def _newer(location: Location, revision: str) -> StoreError:
    return StoreError(
        f"the store {location.label} was written by a newer version of Prompt Workbench "
        f"(schema {revision}; this version knows up to {migrate.HEAD}). It was left untouched: "
        "upgrade Prompt Workbench, or name another store with --db"
    )


def _back_up(path: Path, revision: str) -> Path:
    """A consistent copy (the backup API includes what the WAL holds) before any migration."""
    backup = path.with_name(f"{path.name}.bak-{revision}")
    source = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    try:
        target = sqlite3.connect(backup)
        try:
            source.backup(target)
        finally:
            target.close()
    except sqlite3.Error as exc:
        raise explain(str(backup), exc) from exc
    finally:
        source.close()
    return backup
