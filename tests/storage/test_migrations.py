"""Migrations: the code's revisions match the scripts, and a first-schema store reaches head."""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine

from storage import migrate
from storage.errors import StoreError
from storage.location import resolve
from storage.marks import CellMark
from storage.run_store import SqlRunStore
from storage.schema import Base
from tests.storage import older_stores
from tests.storage.builders import finished, plan
from workbench.ratings import Choice, Preference, Side
from workbench.store_api import HistoryQuery


def _rows(db: Path, table: str, columns: str = "*") -> list[tuple[object, ...]]:
    with contextlib.closing(sqlite3.connect(db)) as conn:
        return conn.execute(f"SELECT {columns} FROM {table} ORDER BY id").fetchall()


def _columns(db: Path, table: str) -> str:
    """The table's columns as the file has them now (later migrations add more)."""
    with contextlib.closing(sqlite3.connect(db)) as conn:
        return ", ".join(f'"{row[1]}"' for row in conn.execute(f"PRAGMA table_info({table})"))


def _revision(db: Path) -> str:
    with contextlib.closing(sqlite3.connect(db)) as conn:
        (revision,) = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    return str(revision)


def test_known_revisions_are_the_scripts() -> None:
    config = Config()
    config.set_main_option("script_location", str(migrate.SCRIPTS))
    scripts = ScriptDirectory.from_config(config)
    walked = [s.revision for s in scripts.walk_revisions()]
    assert tuple(reversed(walked)) == migrate.REVISIONS
    assert scripts.get_current_head() == migrate.HEAD


def test_the_models_match_what_the_migrations_build(db_path: Path) -> None:
    SqlRunStore.open(db_path).close()
    engine = create_engine(resolve(db_path).url)
    with engine.connect() as connection:
        diffs = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    engine.dispose()
    # The FTS5 tables live only in the migrations (the ORM never maps them).
    assert [d for d in diffs if not (d[0] == "remove_table" and "_fts" in d[1].name)] == []


def test_a_new_store_is_at_head(db_path: Path) -> None:
    SqlRunStore.open(db_path).close()
    assert _revision(db_path) == migrate.HEAD
    assert not list(db_path.parent.glob("*.bak-*"))  # nothing to back up


def test_a_first_schema_store_is_backed_up_and_migrated(db_path: Path) -> None:
    location = resolve(db_path)
    engine = create_engine(location.url)
    migrate.upgrade(engine, migrate.REVISIONS[0])
    old = SqlRunStore(engine, location)  # the repository only needs the first schema's tables
    cells = plan()
    run_id = old.start_run(cells, {"concurrency": 2})
    older_stores.save_cell(old, run_id, finished(cells[0], "an aardvark answered"))
    old.close()
    # Read raw: this code's models know columns the first schema does not have yet.
    first_columns = _columns(db_path, "cells")
    before = _rows(db_path, "cells")
    assert _revision(db_path) == migrate.REVISIONS[0]

    store = SqlRunStore.open(db_path)
    try:
        kept = store.load_run(run_id)
        assert [r.output for r in kept.results] == ["an aardvark answered"]
        assert len(kept.results) + len(kept.missing) == len(cells)
        found = store.history(HistoryQuery(search="aardvark"))  # indexed by the migration
        assert [run.id for run in found] == [run_id]
    finally:
        store.close()
    assert _rows(db_path, "cells", first_columns) == before  # nothing lost
    assert _revision(db_path) == migrate.HEAD
    backup = db_path.with_name(f"{db_path.name}.bak-{migrate.REVISIONS[0]}")
    assert _revision(backup) == migrate.REVISIONS[0]
    with contextlib.closing(sqlite3.connect(backup)) as conn:
        assert conn.execute("SELECT output FROM cells WHERE status = 'finished'").fetchall() == [
            ("an aardvark answered",)
        ]


def test_a_0004_store_with_a_marked_run_is_backed_up_and_migrated_to_0005(db_path: Path) -> None:
    location = resolve(db_path)
    engine = create_engine(location.url)
    migrate.upgrade(engine, "0004")
    old = SqlRunStore(engine, location)  # the writes below touch only columns 0004 has
    cells = plan()
    run_id = old.start_run(cells, {"concurrency": 2})
    older_stores.save_cell(old, run_id, finished(cells[0], "an aardvark answered"))
    older_stores.save_cell(old, run_id, finished(cells[1], "a badger answered"))
    old.rate_cell(run_id, 0, 1)
    old.note_cell(run_id, 1, "terse")
    old.close()
    tables = {"cells": _columns(db_path, "cells"), "runs": _columns(db_path, "runs")}
    before = {table: _rows(db_path, table, columns) for table, columns in tables.items()}
    assert _revision(db_path) == "0004"

    store = SqlRunStore.open(db_path)
    try:
        assert [r.output for r in store.load_run(run_id).results] == [
            "an aardvark answered",
            "a badger answered",
        ]
        assert store.cell_marks(run_id) == {0: CellMark(1, None, None), 1: CellMark(None, "terse")}
        assert [run.id for run in store.history(HistoryQuery(search="badger"))] == [run_id]
        assert store.run_suite(run_id) is None
        # What 0005 adds works on the migrated data.
        store.score_cell(run_id, 1, 3)
        assert store.cell_marks(run_id)[1] == CellMark(None, "terse", 3)
        pair = store.add_preference(
            Preference(Side(run_id, 0, "", "", ""), Side(run_id, 1, "", "", ""), Choice.LEFT, {})
        )
        assert [p.right.output for p in store.preferences([run_id])] == ["a badger answered"]
        assert pair.id is not None
    finally:
        store.close()
    for table, columns in tables.items():
        assert _rows(db_path, table, columns) == before[table]  # nothing lost or changed
    assert _revision(db_path) == migrate.HEAD == "0006"
    backup = db_path.with_name(f"{db_path.name}.bak-0004")
    assert _revision(backup) == "0004"
    assert _rows(backup, "cells", tables["cells"]) == before["cells"]


def test_a_store_from_a_newer_version_is_refused_untouched(db_path: Path) -> None:
    SqlRunStore.open(db_path).close()
    with contextlib.closing(sqlite3.connect(db_path)) as conn, conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999'")
    original = db_path.read_bytes()
    with pytest.raises(StoreError, match="newer version") as caught:
        SqlRunStore.open(db_path)
    assert str(db_path) in str(caught.value)
    assert db_path.read_bytes() == original
    assert not list(db_path.parent.glob("*.bak-*"))
